/// A Sigma condition: `selection and not filter`, `1 of selection_*`, `all of them`, parentheses, and the
/// Sigma 1 aggregation `| count([field]) [by field] > N` (with the rule's `timeframe`).
public indirect enum SigmaCondition: Sendable, Equatable {
    case search(String)
    /// `1 of pattern` (`any: true`) or `all of pattern`; `them` is the pattern `*`. Patterns end in `*` or name one
    /// identifier.
    case of(pattern: String, all: Bool)
    case not(SigmaCondition)
    case and([SigmaCondition])
    case or([SigmaCondition])

    /// Identifiers the condition can reach among `names` (what `of` patterns expand to).
    public static func expand(_ pattern: String, in names: [String]) -> [String] {
        if pattern == "them" { return names.filter { !$0.hasPrefix("_") } }
        if pattern.hasSuffix("*") {
            let prefix = pattern.dropLast()
            return names.filter { $0.hasPrefix(prefix) }
        }
        return names.filter { $0 == pattern }
    }
}

/// `count(field) by group > N`.
public struct SigmaAggregation: Sendable, Equatable {
    public var field: String?
    public var groupBy: String?
    public var comparison: SigmaComparison
    public init(field: String?, groupBy: String?, comparison: SigmaComparison) {
        self.field = field
        self.groupBy = groupBy
        self.comparison = comparison
    }
}

public struct SigmaConditionError: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }
}

/// Parses condition text (recursive descent; `not` binds tighter than `and`, `and` tighter than `or`).
public struct SigmaConditionParser {
    var tokens: [String]
    var at = 0

    public static func parse(_ text: String) throws(SigmaConditionError) -> (SigmaCondition, SigmaAggregation?) {
        var main = Substring(text)
        var agg: SigmaAggregation?
        if let bar = text.firstIndex(of: "|") {
            main = text[..<bar]
            agg = try aggregation(String(text[text.index(after: bar)...]))
        }
        var p = SigmaConditionParser(tokens: tokenize(String(main)))
        guard !p.tokens.isEmpty else { throw SigmaConditionError(reason: "empty condition") }
        let c = try p.orExpr()
        guard p.at == p.tokens.count else {
            throw SigmaConditionError(reason: "unexpected '\(p.tokens[p.at])' in condition '\(text)'")
        }
        return (c, agg)
    }

    static func tokenize(_ s: String) -> [String] {
        var out: [String] = []
        var cur = ""
        for ch in s {
            if ch == "(" || ch == ")" {
                if !cur.isEmpty { out.append(cur) }
                cur = ""
                out.append(String(ch))
            } else if ch == " " || ch == "\t" || ch == "\n" {
                if !cur.isEmpty { out.append(cur) }
                cur = ""
            } else {
                cur.append(ch)
            }
        }
        if !cur.isEmpty { out.append(cur) }
        return out
    }

    var peek: String? { at < tokens.count ? tokens[at] : nil }
    func isWord(_ w: String) -> Bool { peek?.lowercased() == w }

    mutating func orExpr() throws(SigmaConditionError) -> SigmaCondition {
        var parts = [try andExpr()]
        while isWord("or") {
            at += 1
            parts.append(try andExpr())
        }
        return parts.count == 1 ? parts[0] : .or(parts)
    }

    mutating func andExpr() throws(SigmaConditionError) -> SigmaCondition {
        var parts = [try notExpr()]
        while isWord("and") {
            at += 1
            parts.append(try notExpr())
        }
        return parts.count == 1 ? parts[0] : .and(parts)
    }

    mutating func notExpr() throws(SigmaConditionError) -> SigmaCondition {
        if isWord("not") {
            at += 1
            return .not(try notExpr())
        }
        return try atom()
    }

    mutating func atom() throws(SigmaConditionError) -> SigmaCondition {
        guard let t = peek else { throw SigmaConditionError(reason: "condition ends early") }
        if t == "(" {
            at += 1
            let c = try orExpr()
            guard peek == ")" else { throw SigmaConditionError(reason: "missing ')'") }
            at += 1
            return c
        }
        if t == ")" { throw SigmaConditionError(reason: "unexpected ')'") }
        let l = t.lowercased()
        if at + 1 < tokens.count, tokens[at + 1].lowercased() == "of" {
            guard l == "1" || l == "all" || l == "any" else {
                throw SigmaConditionError(reason: "'\(t) of' is not supported (1 of, all of)")
            }
            guard at + 2 < tokens.count else { throw SigmaConditionError(reason: "'of' without a pattern") }
            let pattern = tokens[at + 2]
            at += 3
            return .of(pattern: pattern, all: l == "all")
        }
        if ["and", "or", "not", "of"].contains(l) { throw SigmaConditionError(reason: "unexpected '\(t)'") }
        at += 1
        return .search(t)
    }

    /// `count() > 5`, `count() by SourceIp >= 10`, `count(User) by SourceIp > 3`.
    static func aggregation(_ text: String) throws(SigmaConditionError) -> SigmaAggregation {
        let t = tokenize(text.replacingOccurrences(of: "(", with: " ( ").replacingOccurrences(of: ")", with: " ) "))
        // count ( [field] ) [by group] op N
        guard t.count >= 5, t[0].lowercased() == "count", t[1] == "(" else {
            throw SigmaConditionError(reason: "aggregation '\(text.trimmingSpaces)' is not supported (only count())")
        }
        var i = 2
        var field: String?
        if t[i] != ")" {
            field = t[i]
            i += 1
        }
        guard i < t.count, t[i] == ")" else { throw SigmaConditionError(reason: "malformed count() in '\(text)'") }
        i += 1
        var group: String?
        if i + 1 < t.count, t[i].lowercased() == "by" {
            group = t[i + 1]
            i += 2
        }
        guard i + 1 < t.count, i + 2 == t.count, let n = Int64(t[i + 1]) else {
            throw SigmaConditionError(reason: "malformed aggregation '\(text.trimmingSpaces)'")
        }
        let op: SigmaComparison.Op
        switch t[i] {
        case ">": op = .gt
        case ">=": op = .gte
        case "<": op = .lt
        case "<=": op = .lte
        case "=", "==": op = .eq
        default: throw SigmaConditionError(reason: "comparison '\(t[i])' is not supported")
        }
        return SigmaAggregation(field: field, groupBy: group, comparison: SigmaComparison(op: op, value: n))
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
