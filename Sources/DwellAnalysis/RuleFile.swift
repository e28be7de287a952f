import DwellCore
import Yams

/// A mistake in a rules file, with its place: `rules.yaml:12: unknown rule id 'auth.brute' ...`.
public struct RuleFileError: Error, CustomStringConvertible, Equatable {
    public var file: String
    public var line: Int?
    public var message: String

    public var description: String { "\(file)\(line.map { ":\($0)" } ?? ""): \(message)" }
}

/// Reads and writes the rules table as YAML (`--rules FILE`, `dwell rules --output yaml`).
///
/// The file names rules by `id` and changes any of `level` (or `severity`), `enabled`, `threshold`,
/// `timespan` (`30s`, `10m`, `1h`, `1d`, or seconds), `parameters`, `lists` (each replaces the list of that
/// name), `title`, `description` and `tags` (`attack.t1110.001` sets the technique). Keys follow Sigma
/// (`id`, `title`, `description`, `level`, `tags`, a correlation's `timespan`) so that a Sigma subset can be
/// read into the same table later. A rule or key the table does not know is an error naming the line.
///
///     schema_version: 1
///     rules:
///       - id: auth.bruteforce
///         threshold: 50
///         timespan: 10m
///       - id: web.scanner_agent
///         enabled: false
public enum RuleFile {
    public static let schemaVersion = 1

    /// The standard table with the file's changes applied.
    /// - Throws: `RuleFileError` naming the file and line of the first mistake.
    public static func load(path: String, text: String, base: RuleSet = .standard) throws(RuleFileError) -> RuleSet {
        func fail(_ node: Node?, _ message: String) -> RuleFileError {
            RuleFileError(file: path, line: node?.mark?.line, message: message)
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw RuleFileError(file: path, line: yamlLine(error), message: "not valid YAML: \(yamlProblem(error))")
        } catch {
            throw RuleFileError(file: path, line: nil, message: "not valid YAML: \(error)")
        }
        guard let root else { return base }
        guard let top = root.mapping else {
            throw fail(root, "expected a mapping with 'rules:' (see `dwell rules --output yaml`)")
        }
        var set = base
        var seen: Set<String> = []
        for (keyNode, value) in top {
            switch keyNode.string ?? "" {
            case "schema_version":
                guard value.string.flatMap({ Int($0) }) == schemaVersion else {
                    throw fail(value, "schema_version must be \(schemaVersion)")
                }
            case "rules":
                guard let list = value.sequence else {
                    throw fail(value, "'rules' must be a list of rules, each '- id: ...'")
                }
                for entry in list {
                    guard let fields = entry.mapping else { throw fail(entry, "a rule must be a mapping with an 'id'") }
                    guard let idNode = fields["id"], let id = idNode.string, !id.isEmpty else {
                        throw fail(entry, "a rule without 'id'")
                    }
                    guard let at = set.rules.firstIndex(where: { $0.id == id }) else {
                        throw fail(
                            idNode,
                            "unknown rule id '\(id)'; `dwell rules` lists the ids (\(set.rules.map(\.id).joined(separator: ", ")))"
                        )
                    }
                    guard seen.insert(id).inserted else { throw fail(idNode, "rule '\(id)' appears twice") }
                    try apply(fields, to: &set.rules[at], fail: fail)
                }
            default:
                throw fail(keyNode, "unknown key '\(keyNode.string ?? "?")'; expected schema_version or rules")
            }
        }
        return set
    }

    static func apply(_ fields: Node.Mapping, to rule: inout Rule, fail: (Node?, String) -> RuleFileError)
        throws(RuleFileError)
    {
        for (keyNode, value) in fields {
            let key = keyNode.string ?? ""
            func scalar() throws(RuleFileError) -> String {
                guard let s = value.scalar?.string else {
                    throw fail(value, "\(rule.id): '\(key)' must be a single value")
                }
                return s
            }
            switch key {
            case "id":
                continue
            case "title":
                rule.title = try scalar()
            case "description":
                rule.description = try scalar()
            case "level", "severity":
                let s = try scalar()
                guard let level = severity(s) else {
                    throw fail(
                        value, "\(rule.id): \(key) '\(s)' is not one of informational, low, medium, high, critical")
                }
                rule.severity = level
            case "enabled":
                switch try scalar().lowercased() {
                case "true", "yes", "on": rule.enabled = true
                case "false", "no", "off": rule.enabled = false
                default: throw fail(value, "\(rule.id): enabled must be true or false")
                }
            case "threshold":
                let s = try scalar()
                guard let n = integer(s), n >= 1 else {
                    throw fail(
                        value, "\(rule.id): threshold '\(s)' must be a whole number of at least 1 (\(rule.unit))")
                }
                rule.threshold = n
            case "timespan", "window":
                let s = try scalar()
                guard let seconds = timespan(s) else {
                    throw fail(value, "\(rule.id): \(key) '\(s)' must be a duration like 30s, 10m, 1h, 1d, or seconds")
                }
                rule.windowSeconds = seconds
            case "tags":
                guard let tags = value.sequence else { throw fail(value, "\(rule.id): tags must be a list") }
                for tag in tags {
                    guard let t = tag.string?.lowercased() else { throw fail(tag, "\(rule.id): a tag must be text") }
                    if t.hasPrefix("attack.t"), t.dropFirst(8).first?.isNumber == true {
                        rule.technique = "T" + t.dropFirst(8).uppercased()
                        break
                    }
                }
            case "parameters":
                guard let params = value.mapping else {
                    throw fail(value, "\(rule.id): parameters must be a mapping of name: number")
                }
                for (nameNode, v) in params {
                    let name = nameNode.string ?? ""
                    guard let at = rule.parameters.firstIndex(where: { $0.name == name }) else {
                        let known = rule.parameters.map(\.name)
                        throw fail(
                            nameNode,
                            "\(rule.id): unknown parameter '\(name)'\(known.isEmpty ? "; this rule has none" : "; expected \(known.joined(separator: ", "))")"
                        )
                    }
                    guard let s = v.scalar?.string, let n = integer(s), n >= 0 else {
                        throw fail(v, "\(rule.id): parameter \(name) must be a whole number of at least 0")
                    }
                    rule.parameters[at].value = n
                }
            case "lists":
                guard let lists = value.mapping else {
                    throw fail(value, "\(rule.id): lists must be a mapping of name: [values]")
                }
                for (nameNode, v) in lists {
                    let name = nameNode.string ?? ""
                    guard let at = rule.lists.firstIndex(where: { $0.name == name }) else {
                        let known = rule.lists.map(\.name)
                        throw fail(
                            nameNode,
                            "\(rule.id): unknown list '\(name)'\(known.isEmpty ? "; this rule has none" : "; expected \(known.joined(separator: ", "))")"
                        )
                    }
                    guard let items = v.sequence else { throw fail(v, "\(rule.id): list \(name) must be a list") }
                    var values: [String] = []
                    for item in items {
                        guard let s = item.scalar?.string, !s.isEmpty else {
                            throw fail(item, "\(rule.id): list \(name) holds something that is not text")
                        }
                        values.append(s)
                    }
                    rule.lists[at].values = values
                }
            default:
                throw fail(
                    keyNode,
                    "\(rule.id): unknown key '\(key)'; expected id, title, description, tags, level, enabled, threshold, timespan, parameters, lists"
                )
            }
        }
    }

    static func severity(_ s: String) -> Severity? {
        switch s.lowercased() {
        case "informational", "info": .info
        case "low": .low
        case "medium": .medium
        case "high": .high
        case "critical": .critical
        default: nil
        }
    }

    /// `100_000_000` or `100000000`.
    static func integer(_ s: String) -> Int64? {
        let digits = s.replacingUnderscores()
        guard !digits.isEmpty, digits.allSatisfy(\.isASCIIDigit) else { return nil }
        return Int64(digits)
    }

    /// `30s`, `10m`, `1h`, `1d`, or plain seconds.
    static func timespan(_ s: String) -> Int64? {
        guard let unit = s.last else { return nil }
        if unit.isASCIIDigit { return integer(s) }
        let scale: Int64
        switch unit {
        case "s": scale = 1
        case "m": scale = 60
        case "h": scale = 3_600
        case "d": scale = 86_400
        default: return nil
        }
        guard let n = integer(String(s.dropLast())) else { return nil }
        let (v, overflow) = n.multipliedReportingOverflow(by: scale)
        return overflow ? nil : v
    }

    static func yamlLine(_ error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): mark.line
        default: nil
        }
    }

    static func yamlProblem(_ error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _): problem
        default: String(describing: error).split(separator: "\n").first.map(String.init) ?? "unreadable"
        }
    }

    // MARK: Writing

    /// The table as a YAML rules file that `load` reads back to the same table.
    public static func yaml(_ set: RuleSet) -> String {
        var out = """
            # dwell rules: every threshold, window, level and pattern list the detectors use.
            # Edit, then run: dwell investigate EVIDENCE --rules THIS_FILE
            # Keep only what you change if you like: rules are matched by id, and keys left out keep their defaults.
            # level: informational | low | medium | high | critical. timespan: 30s, 10m, 1h, 1d (or seconds).
            # tags follow Sigma (attack.tNNNN is the ATT&CK technique). A list given here replaces the whole list.
            schema_version: \(schemaVersion)
            rules:

            """
        for r in set.rules {
            out += "  - id: \(r.id)\n"
            out += "    title: \(quote(r.title))\n"
            out += "    description: \(quote(r.description))\n"
            out += "    tags: [attack.\(r.technique.lowercased())]\n"
            out += "    level: \(levelName(r.severity))\n"
            out += "    enabled: \(r.enabled)\n"
            out += "    threshold: \(r.threshold)  # \(r.unit)\n"
            out += "    timespan: \(RuleSet.timespan(r.windowSeconds))\n"
            if !r.parameters.isEmpty {
                out += "    parameters:\n"
                for p in r.parameters { out += "      \(p.name): \(p.value)  # \(p.description)\n" }
            }
            if !r.lists.isEmpty {
                out += "    lists:\n"
                for l in r.lists {
                    out += "      # \(l.description)\n"
                    out += "      \(quote(l.name)): [\(l.values.map(quote).joined(separator: ", "))]\n"
                }
            }
        }
        return out
    }

    static func levelName(_ s: Severity) -> String { s == .info ? "informational" : s.name }

    /// A YAML double-quoted scalar (its escapes are JSON's).
    static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\\x" + String(scalar.value, radix: 16).leftPaddedTo2()
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// The table as JSON: `{"schema_version":1,"rules":[{"id":...,"technique":...,"role":...,"severity":...}]}`.
    public static func json(_ set: RuleSet) -> [UInt8] {
        var j = JSONBuffer()
        j.beginObject()
        j.key("schema_version")
        j.int(schemaVersion)
        j.key("rules")
        j.beginArray()
        for r in set.rules {
            j.beginObject()
            j.key("id"); j.string(r.id)
            j.key("title"); j.string(r.title)
            j.key("technique"); j.string(r.technique)
            j.key("role"); j.string(r.role.rawValue)
            j.key("severity"); j.string(r.severity.name)
            j.key("enabled"); j.bool(r.enabled)
            j.key("threshold"); j.int(r.threshold)
            j.key("unit"); j.string(r.unit)
            j.key("window_seconds"); j.int(r.windowSeconds)
            j.key("description"); j.string(r.description)
            j.key("parameters")
            j.beginObject()
            for p in r.parameters {
                j.key(p.name)
                j.int(p.value)
            }
            j.endObject()
            j.key("lists")
            j.beginObject()
            for l in r.lists {
                j.key(l.name)
                j.beginArray()
                for v in l.values { j.string(v) }
                j.endArray()
            }
            j.endObject()
            j.endObject()
        }
        j.endArray()
        j.endObject()
        j.newline()
        return j.bytes
    }
}

extension String {
    fileprivate func replacingUnderscores() -> String { String(filter { $0 != "_" }) }
    fileprivate func leftPaddedTo2() -> String { count >= 2 ? self : "0" + self }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
