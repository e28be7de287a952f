import DwellCore
import Foundation

/// Indicators read from one or more lists, with every problem found on the way.
public struct IOCList: Sendable {
    public var rules: [IOCRule] = []
    /// Unsupported and skipped indicators (always), and malformed ones skipped under `--lenient`.
    public var warnings: [IOCProblem] = []

    public init() {}

    /// The formats of an IOC list, detected by content (`--iocs-format` overrides).
    public enum Format: String, Sendable, CaseIterable {
        case text, csv, stix, report, misp
    }

    /// Reads a list. Malformed indicators throw (the first one, with its file and line) unless `lenient`,
    /// in which case they become warnings. A list that cannot be read at all always throws.
    /// - Parameter displayName: the name used in problems and hits (default: the path).
    public static func load(path: String, displayName: String? = nil, format: Format? = nil, lenient: Bool)
        throws(IOCProblem) -> IOCList
    {
        let name = displayName ?? path
        guard let data = FileManager.default.contents(atPath: path) else {
            throw IOCProblem(
                .unreadable, IOCOrigin(file: name),
                "cannot read the IOC list (missing or not readable); check the path given to --iocs")
        }
        return try parse(Array(data), name: name, format: format, lenient: lenient)
    }

    /// Parses list bytes (see `load`).
    public static func parse(_ bytes: [UInt8], name: String, format: Format? = nil, lenient: Bool) throws(IOCProblem)
        -> IOCList
    {
        var list = IOCList()
        var problems: [IOCProblem] = []
        let fmt = format ?? detect(bytes, name: name)
        switch fmt {
        case .text: TextList.parse(bytes, name: name, into: &list, problems: &problems)
        case .csv: TextList.parseCSV(bytes, name: name, into: &list, problems: &problems)
        case .stix, .report, .misp:
            try JSONList.parse(bytes, name: name, format: fmt, into: &list, problems: &problems)
        }
        for p in problems {
            if p.kind == .malformed && !lenient { throw p }
            list.warnings.append(p)
        }
        return list
    }

    /// JSON by its first byte and keys (`"type": "bundle"` → STIX, `"schema_version"` with dwell's keys → report,
    /// `"Event"`/`"Attribute"`/`"response"` → MISP); CSV by a `type,value` header or a `.csv` name; else text.
    public static func detect(_ bytes: [UInt8], name: String) -> Format {
        var i = 0
        if bytes.starts(with: [0xef, 0xbb, 0xbf]) { i = 3 }
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0a || bytes[i] == 0x0d { i += 1 }
        if i < bytes.count, bytes[i] == UInt8(ascii: "{") || bytes[i] == UInt8(ascii: "[") {
            let head = String(decoding: bytes.prefix(1 << 16), as: UTF8.self)
            if head.contains("\"bundle\"") || head.contains("\"indicator--") { return .stix }
            if head.contains("\"schema_version\"") || head.contains("\"source_ips\"") { return .report }
            if head.contains("\"Attribute\"") || head.contains("\"Event\"") || head.contains("\"response\"") {
                return .misp
            }
            return .stix  // the JSON reader names what it expected
        }
        if name.lowercased().hasSuffix(".csv") { return .csv }
        let firstLine = bytes[i...].prefix { $0 != 0x0a }
        let header = String(decoding: firstLine, as: UTF8.self).lowercased().replacingOccurrences(of: " ", with: "")
        if header.hasPrefix("type,value") || header.hasPrefix("\"type\",\"value\"") { return .csv }
        return .text
    }

    /// Turns one `TYPE:VALUE` or bare value into a comparison.
    /// - Throws: a message for people (what is wrong, what to write instead).
    /// - Parameter wildcards: whether a `*` (and a trailing `/` of a URL) asks for prefix or substring matching;
    ///   `false` for STIX, whose comparisons are equality.
    public static func atom(type typeText: String?, value raw: String, wildcards: Bool = true) throws(AtomError)
        -> IOCAtom
    {
        let value = raw.trimmingCharacters(in: .whitespaces)
        guard !value.isEmpty else { throw AtomError("empty value") }
        guard let typeText else { return try bare(value) }
        let t = typeText.lowercased().trimmingCharacters(in: .whitespaces)
        switch t {
        case "ip", "ipv4", "ipv6", "ip-src", "ip-dst", "ipv4-addr", "ipv6-addr", "cidr", "ip-src|port", "ip-dst|port":
            var v = value
            if t.hasSuffix("|port"), let bar = v.firstIndex(of: "|") { v = String(v[..<bar]) }
            return try ip(v)
        case "user", "account", "username", "user-account", "user_id":
            return IOCAtom(type: .user, value: value)
        case "host", "hostname-local":
            return IOCAtom(type: .host, value: value.lowercased())
        case "domain", "hostname", "fqdn", "domain-name":
            return try domain(value)
        case "url", "uri", "path", "link":
            return try url(value, wildcards: wildcards)
        case "ua", "user_agent", "user-agent", "useragent":
            return try userAgent(value, wildcards: wildcards)
        case "hash", "md5", "sha1", "sha-1", "sha256", "sha-256", "filename|md5", "filename|sha1", "filename|sha256":
            var v = value
            if t.hasPrefix("filename|"), let bar = v.lastIndex(of: "|") { v = String(v[v.index(after: bar)...]) }
            return try hash(v)
        default:
            throw AtomError(
                "unknown indicator type '\(typeText)'; use ip, user, host, domain, url, ua or hash (e.g. ip:203.0.113.9)")
        }
    }

    public struct AtomError: Error, Sendable {
        public var message: String
        public init(_ message: String) { self.message = message }
    }

    static func bare(_ v: String) throws(AtomError) -> IOCAtom {
        if IPAddress(v) != nil || (v.contains("/") && IPNetwork(v) != nil) { return try ip(v) }
        if isHex(v) && [32, 40, 64].contains(v.utf8.count) { return try hash(v) }
        let lower = v.lowercased()
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") || v.hasPrefix("/") { return try url(v) }
        if v.contains("."), !v.contains(" "), !v.contains("/"), !v.contains(":") { return try domain(v) }
        throw AtomError(
            "cannot tell what kind of indicator '\(v)' is; write it with a type: ip:, user:, host:, domain:, url:, ua: or hash:")
    }

    static func ip(_ v: String) throws(AtomError) -> IOCAtom {
        if let a = IPAddress(v) {
            return IOCAtom(type: .ip, value: a.description, network: IPNetwork(address: a, prefixLength: 128))
        }
        if v.contains("/"), let n = IPNetwork(v) {
            if n.prefixLength == 0 || (n.address.isV4 && n.prefixLength <= 96) {
                throw AtomError("'\(v)' covers every address; give a narrower range")
            }
            return IOCAtom(type: .ip, value: n.prefixLength == 128 ? n.address.description : n.description, network: n)
        }
        throw AtomError("'\(v)' is not an IPv4/IPv6 address or CIDR range (e.g. 203.0.113.9, 203.0.113.0/24, 2001:db8::/32)")
    }

    static func domain(_ v0: String) throws(AtomError) -> IOCAtom {
        var v = v0.lowercased()
        if v.hasPrefix("*.") { v.removeFirst(2) }
        if v.hasSuffix(".") { v.removeLast() }
        let ok = !v.isEmpty && v.contains(".") && !v.hasPrefix(".") && !v.contains("..")
            && v.utf8.allSatisfy { c in
                (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c == 0x2d || c == 0x2e || c == 0x5f || c >= 0x80
            }
        guard ok else {
            throw AtomError("'\(v0)' is not a domain name (letters, digits, '-' and '.', e.g. evil.example)")
        }
        return IOCAtom(type: .domain, value: v)
    }

    static func url(_ v: String, wildcards: Bool = true) throws(AtomError) -> IOCAtom {
        var rest = Substring(v)
        var host: String?
        let lower = v.lowercased()
        if let scheme = lower.range(of: "://"), lower[..<scheme.lowerBound].allSatisfy({ $0.isLetter }) {
            rest = v[scheme.upperBound...]
            let slash = rest.firstIndex(of: "/") ?? rest.endIndex
            var h = rest[..<slash].lowercased()
            if let at = h.lastIndex(of: "@") { h = String(h[h.index(after: at)...]) }
            if !h.hasPrefix("["), let colon = h.lastIndex(of: ":") { h = String(h[..<colon]) }
            host = h.isEmpty ? nil : h
            rest = rest[slash...]
            if rest.isEmpty { rest = "/" }
        }
        guard rest.hasPrefix("/") else {
            throw AtomError("'\(v)' is not a URL path or URL (e.g. /uploads/shell.php or http://evil.example/x.php)")
        }
        if let q = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) { rest = rest[..<q] }
        var mode = MatchMode.exact
        if !wildcards {
            // equality
        } else if rest.hasSuffix("*") {
            rest.removeLast()
            mode = .prefix
        } else if rest.count > 1 && rest.hasSuffix("/") {
            mode = .prefix  // a directory: everything under it
        }
        if host == nil && (rest.isEmpty || rest == "/") && mode == .prefix {
            throw AtomError("'\(v)' would match every request; give a longer path")
        }
        return IOCAtom(type: .url, value: String(rest.isEmpty ? "/" : rest), mode: mode, urlHost: host)
    }

    static func userAgent(_ v: String, wildcards: Bool = true) throws(AtomError) -> IOCAtom {
        var s = Substring(v)
        var mode = MatchMode.exact
        if !wildcards {
            // equality
        } else if s.count > 1 && s.hasPrefix("*") && s.hasSuffix("*") {
            s = s.dropFirst().dropLast()
            mode = .substring
        } else if s.hasSuffix("*") {
            s = s.dropLast()
            mode = .prefix
        }
        guard mode == .exact || s.utf8.count >= 3 else {
            throw AtomError("user agent pattern '\(v)' is too short to be useful (at least 3 characters)")
        }
        return IOCAtom(type: .userAgent, value: String(s), mode: mode)
    }

    static func hash(_ v: String) throws(AtomError) -> IOCAtom {
        guard isHex(v), [32, 40, 64].contains(v.utf8.count) else {
            throw AtomError("'\(v)' is not an MD5, SHA-1 or SHA-256 in hex (32, 40 or 64 hex digits)")
        }
        return IOCAtom(type: .hash, value: v.lowercased())
    }

    static func isHex(_ v: String) -> Bool { !v.isEmpty && v.utf8.allSatisfy { IOCList.hexDigit($0) } }

    @inline(__always) static func hexDigit(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46)
    }
}

/// The plain-text and CSV lists.
enum TextList {
    static let typePrefixes: Set<String> = [
        "ip", "ipv4", "ipv6", "cidr", "user", "account", "username", "host", "domain", "hostname", "fqdn", "url", "uri",
        "path", "ua", "user_agent", "user-agent", "useragent", "hash", "md5", "sha1", "sha-1", "sha256", "sha-256",
    ]

    /// One indicator per line: bare or `type:value`; `#` starts a comment line; a note may follow ` #` or a tab.
    static func parse(_ bytes: [UInt8], name: String, into list: inout IOCList, problems: inout [IOCProblem]) {
        for (number, rawLine) in lines(bytes) {
            var line = rawLine
            if let tab = line.firstIndex(of: "\t") { line = String(line[..<tab]) + " #" + line[line.index(after: tab)...] }
            var note: String?
            if let r = line.range(of: " #") {
                note = line[r.upperBound...].trimmingCharacters(in: .whitespaces)
                line = String(line[..<r.lowerBound])
            }
            let entry = line.trimmingCharacters(in: .whitespaces)
            if entry.isEmpty || entry.hasPrefix("#") { continue }
            let origin = IOCOrigin(file: name, line: number)
            var type: String?
            var value = entry
            if let colon = entry.firstIndex(of: ":"), IPAddress(entry) == nil, IPNetwork(entry) == nil {
                let t = entry[..<colon].lowercased()
                if TextList.typePrefixes.contains(t) {
                    type = t
                    value = String(entry[entry.index(after: colon)...])
                } else if !(t == "http" || t == "https") {
                    problems.append(
                        IOCProblem(
                            .malformed, origin,
                            "unknown indicator type '\(TerminalText.safe(String(t)))'; use ip:, user:, host:, domain:, url:, ua: or hash:"))
                    continue
                }
            }
            do throws(IOCList.AtomError) {
                let atom = try IOCList.atom(type: type, value: value)
                list.rules.append(IOCRule(atoms: [atom], text: atom.text, origin: origin, note: note.flatMap { $0.isEmpty ? nil : $0 }))
            } catch {
                problems.append(IOCProblem(.malformed, origin, TerminalText.safe(error.message)))
            }
        }
    }

    /// `type,value[,note]`, with an optional header line; RFC 4180 quoting.
    static func parseCSV(_ bytes: [UInt8], name: String, into list: inout IOCList, problems: inout [IOCProblem]) {
        for (number, line) in lines(bytes) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let fields = csvFields(line)
            let origin = IOCOrigin(file: name, line: number)
            if fields.count >= 2, fields[0].lowercased() == "type", fields[1].lowercased() == "value" { continue }
            guard fields.count >= 2 else {
                problems.append(IOCProblem(.malformed, origin, "expected type,value[,note]; got \(fields.count) field"))
                continue
            }
            do throws(IOCList.AtomError) {
                let atom = try IOCList.atom(type: fields[0], value: fields[1])
                let note = fields.count > 2 ? fields[2...].joined(separator: ",") : nil
                list.rules.append(IOCRule(atoms: [atom], text: atom.text, origin: origin, note: note.flatMap { $0.isEmpty ? nil : $0 }))
            } catch {
                problems.append(IOCProblem(.malformed, origin, TerminalText.safe(error.message)))
            }
        }
    }

    static func csvFields(_ line: String) -> [String] {
        var fields: [String] = []
        var cur = ""
        var quoted = false
        var chars = Array(line)
        if chars.last == "\r" { chars.removeLast() }
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if quoted {
                if c == "\"" {
                    if i + 1 < chars.count, chars[i + 1] == "\"" {
                        cur.append("\"")
                        i += 1
                    } else {
                        quoted = false
                    }
                } else {
                    cur.append(c)
                }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                fields.append(cur.trimmingCharacters(in: .whitespaces))
                cur = ""
            } else {
                cur.append(c)
            }
            i += 1
        }
        fields.append(cur.trimmingCharacters(in: .whitespaces))
        return fields
    }

    /// Lines with their 1-based numbers; CR removed; invalid UTF-8 shown as `\xNN`.
    static func lines(_ bytes: [UInt8]) -> [(Int, String)] {
        var out: [(Int, String)] = []
        var start = bytes.starts(with: [0xef, 0xbb, 0xbf]) ? 3 : 0
        var n = 0
        var i = start
        while i <= bytes.count {
            if i == bytes.count || bytes[i] == 0x0a {
                n += 1
                var end = i
                if end > start && bytes[end - 1] == 0x0d { end -= 1 }
                if end > start || i < bytes.count { out.append((n, ByteText.string(bytes[start..<end]))) }
                start = i + 1
            }
            i += 1
        }
        return out
    }
}
