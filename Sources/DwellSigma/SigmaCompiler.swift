import DwellCore
import Foundation

/// Why a rule does not run: a feature or field dwell does not support, or no log source dwell reads.
public enum SigmaStatusReason: Error, Sendable, Equatable {
    case unsupported(String)
    case notApplicable(String)

    public var text: String {
        switch self {
        case .unsupported(let s), .notApplicable(let s): s
        }
    }
}

/// One comparison of one field, as a selection writes it (`CommandLine|contains|all: [...]`).
public struct SigmaFieldTest: Sendable, Hashable {
    public enum Check: Sendable, Hashable {
        /// Any (or, with `all`, every) pattern matches the field's text.
        case patterns([SigmaPattern], all: Bool)
        /// Regular expressions (`re`, with `i`/`m`/`s`), by their source; compiled by the engine.
        case regex([String], all: Bool, options: UInt)
        case cidr([String], all: Bool)
        case compare(SigmaComparison.Op, [Int64])
        /// `exists: true/false`.
        case exists(Bool)
        /// `null`: the field is absent or empty.
        case null
        /// `fieldref`: equal to (or contains, starts, ends with) another field of the same event.
        case fieldref(DwellField, mode: Int, cased: Bool)
    }
    public var field: DwellField
    public var check: Check
}

/// A compiled condition over field tests (indices into the rule's `tests`).
public indirect enum SigmaNode: Sendable {
    case test(Int)
    case and([SigmaNode])
    case or([SigmaNode])
    case not(SigmaNode)
    case constant(Bool)
}

/// A rule dwell can run: its log source mapping, its tests and its condition tree.
public struct SigmaCompiledRule: Sendable {
    public var rule: SigmaRule
    public var source: SigmaSourceMapping
    public var tests: [SigmaFieldTest]
    public var root: SigmaNode
    public var aggregation: SigmaAggregation?
    /// The aggregation's `by` and counted fields, mapped.
    public var groupField: DwellField?
    public var countField: DwellField?
}

public enum SigmaCompiler {
    static let modifiersKnown: Set<String> = [
        "contains", "startswith", "endswith", "all", "re", "i", "m", "s", "cidr", "base64", "base64offset",
        "windash", "exists", "gt", "gte", "lt", "lte", "fieldref", "cased",
    ]

    /// Compiles a (non-correlation) rule, or says why it cannot run.
    public static func compile(_ rule: SigmaRule) -> Result<SigmaCompiledRule, SigmaStatusReason> {
        let source: SigmaSourceMapping
        switch SigmaFieldMap.mapping(product: rule.product, category: rule.category, service: rule.service) {
        case .success(let m): source = m
        case .failure(let r): return .failure(r)
        }
        guard rule.condition.count == 1 else {
            return .failure(.unsupported("a list of conditions (\(rule.condition.count)); write them as one with 'or'"))
        }
        let parsed: (SigmaCondition, SigmaAggregation?)
        do {
            parsed = try SigmaConditionParser.parse(rule.condition[0])
        } catch {
            return .failure(.unsupported("condition: \(error.reason)"))
        }
        var tests: [SigmaFieldTest] = []
        var index: [SigmaFieldTest: Int] = [:]
        func add(_ t: SigmaFieldTest) -> SigmaNode {
            if let i = index[t] { return .test(i) }
            index[t] = tests.count
            tests.append(t)
            return .test(tests.count - 1)
        }
        var searches: [String: SigmaNode] = [:]
        do throws(SigmaStatusReason) {
            for (name, value) in rule.detection {
                searches[name] = try search(value, source: source, add: add)
            }
            let names = rule.detection.map(\.name)
            let root = try node(parsed.0, searches: searches, names: names)
            var compiled = SigmaCompiledRule(rule: rule, source: source, tests: tests, root: root, aggregation: parsed.1)
            if let a = parsed.1 {
                if a.comparison.op == .lt || a.comparison.op == .lte {
                    throw .unsupported("aggregation with '<' or '<=' (counting absences)")
                }
                if let g = a.groupBy { compiled.groupField = try field(g, source: source) }
                if let f = a.field { compiled.countField = try field(f, source: source) }
            }
            return .success(compiled)
        } catch {
            return .failure(error)
        }
    }

    /// A Sigma field name mapped through the log source's table, or not applicable with the field named.
    static func field(_ name: String, source: SigmaSourceMapping) throws(SigmaStatusReason) -> DwellField {
        if let f = source.fields[name] { return f }
        if source.recordFields && SigmaFieldMap.isRecordFieldName(name) { return .record(name) }
        if let why = source.absent[name] {
            throw .notApplicable("field '\(name)': \(why)")
        }
        throw .notApplicable("field '\(name)' is not among the fields dwell's events keep for \(source.name)")
    }

    static func node(_ c: SigmaCondition, searches: [String: SigmaNode], names: [String]) throws(SigmaStatusReason)
        -> SigmaNode
    {
        switch c {
        case .search(let s):
            guard let n = searches[s] else { throw .unsupported("condition names '\(s)', which the detection does not define") }
            return n
        case .of(let pattern, let all):
            let hit = SigmaCondition.expand(pattern, in: names)
            guard !hit.isEmpty else { throw .unsupported("'\(pattern)' names no search identifier") }
            let parts = hit.compactMap { searches[$0] }
            return all ? .and(parts) : .or(parts)
        case .not(let x): return .not(try node(x, searches: searches, names: names))
        case .and(let xs):
            var out: [SigmaNode] = []
            for x in xs { out.append(try node(x, searches: searches, names: names)) }
            return .and(out)
        case .or(let xs):
            var out: [SigmaNode] = []
            for x in xs { out.append(try node(x, searches: searches, names: names)) }
            return .or(out)
        }
    }

    /// A search identifier's value: a map (AND of fields), a list of maps (OR), a list of keywords (OR).
    static func search(
        _ v: SigmaValue, source: SigmaSourceMapping, add: (SigmaFieldTest) -> SigmaNode
    ) throws(SigmaStatusReason) -> SigmaNode {
        switch v {
        case .map(let pairs):
            var parts: [SigmaNode] = []
            for (key, value) in pairs { parts.append(try fieldTest(key, value, source: source, add: add)) }
            return .and(parts)
        case .list(let items):
            if items.allSatisfy({ if case .map = $0 { return true } else { return false } }) {
                var parts: [SigmaNode] = []
                for i in items { parts.append(try search(i, source: source, add: add)) }
                return .or(parts)
            }
            return try fieldTest("", v, source: source, add: add)
        case .scalar:
            return try fieldTest("", .list([v]), source: source, add: add)
        case .null:
            throw .unsupported("an empty search identifier")
        }
    }

    /// `Field|mod|mod: value(s)`; an empty field name is a keyword search over the raw line.
    static func fieldTest(
        _ key: String, _ value: SigmaValue, source: SigmaSourceMapping, add: (SigmaFieldTest) -> SigmaNode
    ) throws(SigmaStatusReason) -> SigmaNode {
        let parts = key.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        let name = parts[0]
        let mods = Array(parts.dropFirst())
        for m in mods where !modifiersKnown.contains(m) {
            throw .unsupported("modifier '\(m)'")
        }
        let field: DwellField
        if name.isEmpty {
            guard source.keywords else {
                throw .notApplicable("keywords: dwell's \(source.name) events keep no raw text line")
            }
            field = .rawLine
        } else {
            field = try Self.field(name, source: source)
        }
        let has = Set(mods)
        let cased = has.contains("cased")
        let all = has.contains("all")
        var raw: [SigmaValue]
        switch value {
        case .list(let l): raw = l
        default: raw = [value]
        }
        if raw.isEmpty { return .constant(false) }
        if raw.count == 1, case .null = raw[0] {
            return add(SigmaFieldTest(field: field, check: .null))
        }
        var strings: [String] = []
        for r in raw {
            switch r {
            case .scalar(let s): strings.append(s)
            case .null: throw .unsupported("null inside a list of values")
            default: throw .unsupported("a nested value under '\(key)'")
            }
        }
        if has.contains("exists") {
            guard let s = strings.first, let b = Bool(s.lowercased()) else { throw .unsupported("exists without true/false") }
            return add(SigmaFieldTest(field: field, check: .exists(b)))
        }
        for (m, op) in [("gt", SigmaComparison.Op.gt), ("gte", .gte), ("lt", .lt), ("lte", .lte)] where has.contains(m) {
            let ns = strings.compactMap { Int64($0) }
            guard ns.count == strings.count else { throw .unsupported("\(m) with a value that is not an integer") }
            return add(SigmaFieldTest(field: field, check: .compare(op, ns)))
        }
        if has.contains("fieldref") {
            var nodes: [SigmaNode] = []
            let mode = has.contains("contains") ? 1 : has.contains("startswith") ? 2 : has.contains("endswith") ? 3 : 0
            for s in strings {
                let other = try Self.field(s, source: source)
                nodes.append(add(SigmaFieldTest(field: field, check: .fieldref(other, mode: mode, cased: cased))))
            }
            return all ? .and(nodes) : .or(nodes)
        }
        if has.contains("re") {
            var options: NSRegularExpression.Options = []
            if has.contains("i") { options.insert(.caseInsensitive) }
            if has.contains("m") { options.insert(.anchorsMatchLines) }
            if has.contains("s") { options.insert(.dotMatchesLineSeparators) }
            for s in strings {
                do { _ = try NSRegularExpression(pattern: s, options: options) } catch {
                    throw .unsupported("regular expression '\(s)' does not compile")
                }
            }
            return add(SigmaFieldTest(field: field, check: .regex(strings, all: all, options: options.rawValue)))
        }
        if has.contains("cidr") {
            for s in strings where IPNetwork(s) == nil { throw .unsupported("cidr '\(s)' is not a network") }
            return add(SigmaFieldTest(field: field, check: .cidr(strings, all: all)))
        }
        // Value transformations, then the match shape.
        if has.contains("windash") {
            strings = strings.flatMap(windash)
        }
        if has.contains("base64offset") {
            strings = strings.flatMap(base64Offsets)
        } else if has.contains("base64") {
            strings = strings.map { Data($0.utf8).base64EncodedString() }
        }
        let contains = has.contains("contains") || has.contains("base64offset")
        let starts = has.contains("startswith")
        let ends = has.contains("endswith")
        // Keywords match anywhere in the line.
        let anywhere = field == .rawLine
        let exact = cased || has.contains("base64") || has.contains("base64offset")  // base64 is case-sensitive
        let patterns = strings.map {
            SigmaPattern($0, cased: exact, prefixStar: contains || ends || anywhere, suffixStar: contains || starts || anywhere)
        }
        // With windash, `all` means every original value (any of its dash variants): keep it simple and exact.
        if all && has.contains("windash") { throw .unsupported("windash together with all") }
        return add(SigmaFieldTest(field: field, check: .patterns(patterns, all: all)))
    }

    /// Sigma's `windash`: a leading `-` or `/` of each word-initial option may be any Windows dash.
    package static func windash(_ s: String) -> [String] {
        let dashes: [Character] = ["-", "/", "\u{2013}", "\u{2014}", "\u{2015}"]
        var out: [String] = []
        for d in dashes {
            var r = ""
            var prev: Character = " "
            for ch in s {
                r.append((ch == "-" || ch == "/") && prev == " " ? d : ch)
                prev = ch
            }
            if !out.contains(r) { out.append(r) }
        }
        return out
    }

    /// The three encodings of `s` at byte offsets 0, 1, 2 of a base64 stream, cut to the stable characters.
    package static func base64Offsets(_ s: String) -> [String] {
        let b = Array(s.utf8)
        var out: [String] = []
        for shift in 0..<3 {
            let enc = Data([UInt8](repeating: 0, count: shift) + b).base64EncodedString()
            let start = [0, 2, 3][shift]
            let endCut = [0, 3, 2][(b.count + shift) % 3]
            let chars = Array(enc)
            guard chars.count - endCut > start else { continue }
            out.append(String(chars[start..<(chars.count - endCut)]))
        }
        return out
    }
}
