import DwellAnalysis
import DwellCore

/// sigma/: one Sigma rule (YAML) per indicator group, so other monitoring can watch for the attacker's return:
/// sshd logins from its addresses (product linux, service sshd), web requests with its user agents or paths
/// (category webserver), Zeek connections with its addresses (product zeek, service conn).
///
/// Each rule has title, id (UUIDv5 of the group and its values: stable), status experimental, description,
/// author dwell, date (`YYYY-MM-DD`, Sigma 2: the `generated` day, else the attack's last day), logsource,
/// detection (selections and a condition), falsepositives, level and `attack.tXXXX` tags. No references: the
/// source is this incident's evidence. Values are quoted by `SigmaYAML` (attacker text is never YAML syntax)
/// and Sigma's wildcards `*` `?` and the backslash are escaped, so they match literally.
public enum SigmaRules {
    public struct File: Sendable, Equatable {
        public var name: String
        public var bytes: [UInt8]
    }

    public static func render(_ input: ReportInput) -> [File] {
        let inv = input.investigation
        let all = AttackerIndicators.collect(inv)
        let day = (input.generated ?? inv.lastSeen ?? all.map(\.lastSeen).max() ?? .zero).iso8601(
            fractionDigits: 0)
        let date = String(day.prefix(10))
        let window: String
        if let a = inv.firstSeen, let b = inv.lastSeen {
            window =
                " during the incident of \(a.iso8601(fractionDigits: 0)) .. \(b.iso8601(fractionDigits: 0))"
        } else {
            window = ""
        }
        let addresses = all.filter { $0.kind == .address }.map(\.value)
        let single = addresses.filter { !$0.contains("/") }
        let ranges = addresses.filter { $0.contains("/") }
        let agents = all.filter { $0.kind == .userAgent }.map(\.value)
        let shells = all.filter { $0.kind == .webShell }.map(\.value)
        let paths = all.filter { $0.kind == .url }.map(\.value)
        var files: [File] = []

        if !single.isEmpty {
            var y = SigmaYAML()
            header(
                &y, title: "SSH login from an address of a past attacker (dwell)", group: "sshd",
                values: single,
                description:
                    "Accepted sshd logins from addresses that dwell attributed to the attacker\(window).",
                date: date)
            y.map("logsource")
            y.entry("product", "linux", depth: 1)
            y.entry("service", "sshd", depth: 1)
            y.map("detection")
            y.map("keywords_login", depth: 1)
            y.item("Accepted ", depth: 2)
            y.map("keywords_address", depth: 1)
            for a in single { y.item(" from \(a) port ", depth: 2) }
            y.raw("condition", "keywords_login and keywords_address", depth: 1)
            footer(
                &y, falsePositives: ["The address was reassigned to a legitimate user since the incident"],
                level: "high",
                tags: [
                    "attack.initial-access", "attack.lateral-movement", "attack.t1078", "attack.t1021.004",
                ])
            files.append(File(name: "dwell_sshd_attacker_logins.yml", bytes: y.bytes))
        }

        if !agents.isEmpty || !shells.isEmpty || !paths.isEmpty {
            var y = SigmaYAML()
            header(
                &y, title: "Web request with a user agent or path of a past attacker (dwell)",
                group: "webserver",
                values: agents.map { "ua:" + $0 } + (shells + paths).map { "url:" + $0 },
                description:
                    "Web requests carrying a user agent the attacker used, or asking for a web shell or path it planted or requested\(window).",
                date: date)
            y.map("logsource")
            y.entry("category", "webserver", depth: 1)
            y.map("detection")
            var selections: [String] = []
            if !agents.isEmpty {
                y.map("selection_useragent", depth: 1)
                y.map("c-useragent", depth: 2)
                for a in agents { y.item(SigmaYAML.wildcardEscaped(a), depth: 3) }
                selections.append("selection_useragent")
            }
            if !shells.isEmpty || !paths.isEmpty {
                y.map("selection_path", depth: 1)
                y.map("c-uri|contains", depth: 2)
                for p in shells + paths { y.item(SigmaYAML.wildcardEscaped(p), depth: 3) }
                selections.append("selection_path")
            }
            y.raw("condition", selections.count == 1 ? selections[0] : "1 of selection_*", depth: 1)
            var tags = ["attack.initial-access", "attack.t1190"]
            if !shells.isEmpty { tags += ["attack.persistence", "attack.t1505.003"] }
            footer(
                &y, falsePositives: ["A common user agent string shared with legitimate clients"],
                level: shells.isEmpty ? "medium" : "high", tags: tags)
            files.append(File(name: "dwell_web_attacker_requests.yml", bytes: y.bytes))
        }

        if !addresses.isEmpty {
            var y = SigmaYAML()
            header(
                &y, title: "Zeek connection with an address of a past attacker (dwell)", group: "zeek-conn",
                values: addresses,
                description:
                    "Connections from or to infrastructure that dwell attributed to the attacker\(window).",
                date: date)
            y.map("logsource")
            y.entry("product", "zeek", depth: 1)
            y.entry("service", "conn", depth: 1)
            y.map("detection")
            var selections: [String] = []
            for (field, list, modifier) in [
                ("id.orig_h", single, ""), ("id.resp_h", single, ""), ("id.orig_h", ranges, "|cidr"),
                ("id.resp_h", ranges, "|cidr"),
            ] where !list.isEmpty {
                let name =
                    "selection_" + (field == "id.orig_h" ? "from" : "to") + (modifier.isEmpty ? "" : "_range")
                y.map(name, depth: 1)
                y.map(field + modifier, depth: 2)
                for a in list { y.item(a, depth: 3) }
                selections.append(name)
            }
            y.raw("condition", "1 of selection_*", depth: 1)
            footer(
                &y, falsePositives: ["Shared hosting or cloud addresses reassigned since the incident"],
                level: "high",
                tags: ["attack.command-and-control", "attack.t1071"])
            files.append(File(name: "dwell_zeek_attacker_conns.yml", bytes: y.bytes))
        }
        return files
    }

    static func header(
        _ y: inout SigmaYAML, title: String, group: String, values: [String], description: String,
        date: String
    ) {
        y.entry("title", title)
        y.raw("id", UUIDv5.string("sigma:" + group + "\n" + values.sorted().joined(separator: "\n")))
        y.raw("status", "experimental")
        y.entry("description", description)
        y.entry("author", "dwell")
        y.raw("date", date)
    }

    static func footer(_ y: inout SigmaYAML, falsePositives: [String], level: String, tags: [String]) {
        y.map("falsepositives")
        for f in falsePositives { y.item(f, depth: 1) }
        y.raw("level", level)
        y.map("tags")
        for t in tags { y.raw(item: t, depth: 1) }
    }
}

/// A small YAML writer for Sigma rules: 4-space indentation, every string value quoted.
///
/// Text made only of printable characters is single-quoted (`'` doubled), as Sigma's style asks; any other
/// text (control characters, ANSI escapes, line breaks, U+2028/2029, a BOM) is double-quoted with `\xNN` /
/// `\uNNNN` escapes, so no value can end its scalar, open a new key or inject a comment.
public struct SigmaYAML {
    public var bytes: [UInt8] = []

    public init() {}

    mutating func indent(_ depth: Int) {
        bytes.append(contentsOf: [UInt8](repeating: 0x20, count: depth * 4))
    }

    /// `key: 'value'`
    mutating func entry(_ key: String, _ value: String, depth: Int = 0) {
        indent(depth)
        bytes.append(contentsOf: Array("\(key): ".utf8))
        bytes.append(contentsOf: Array(Self.quoted(value).utf8))
        bytes.append(0x0a)
    }

    /// `key: value` for values dwell makes itself (ids, dates, conditions, levels).
    mutating func raw(_ key: String, _ value: String, depth: Int = 0) {
        indent(depth)
        bytes.append(contentsOf: Array("\(key): \(value)\n".utf8))
    }

    /// `key:` opening a nested mapping or list.
    mutating func map(_ key: String, depth: Int = 0) {
        indent(depth)
        bytes.append(contentsOf: Array("\(key):\n".utf8))
    }

    /// `- 'value'`
    mutating func item(_ value: String, depth: Int) {
        indent(depth)
        bytes.append(contentsOf: Array("- \(Self.quoted(value))\n".utf8))
    }

    mutating func raw(item value: String, depth: Int) {
        indent(depth)
        bytes.append(contentsOf: Array("- \(value)\n".utf8))
    }

    /// The YAML scalar for `s`: single-quoted when printable, double-quoted with escapes otherwise.
    public static func quoted(_ s: String) -> String {
        let printable = s.unicodeScalars.allSatisfy { !needsEscape($0) }
        if printable { return "'" + s.replacingAll("'", with: "''") + "'" }
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if needsEscape(u) {
                    let hex = String(u.value, radix: 16, uppercase: true)
                    out +=
                        u.value < 0x100
                        ? "\\x" + String(repeating: "0", count: 2 - hex.count) + hex
                        : "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }

    static func needsEscape(_ u: Unicode.Scalar) -> Bool {
        switch u.value {
        case 0..<0x20, 0x7f, 0x80..<0xa0, 0x2028, 0x2029, 0xfeff, 0x202a...0x202e, 0x2066...0x2069: true
        default: false
        }
    }

    /// Sigma value escaping: `\` → `\\`, `*` → `\*`, `?` → `\?`, so the value matches literally.
    public static func wildcardEscaped(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            if u == "\\" || u == "*" || u == "?" { out += "\\" }
            out.unicodeScalars.append(u)
        }
        return out
    }
}

extension String {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for c in self {
            if c == target { out += replacement } else { out.append(c) }
        }
        return out
    }
}
