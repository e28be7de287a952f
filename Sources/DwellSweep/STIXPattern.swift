/// Reads the STIX 2.1 patterns dwell can match: equality comparisons joined by `AND`/`OR`, in one or more
/// observation expressions (`[a = 'x'] OR [b = 'y']`), with parentheses.
///
///     [ipv4-addr:value = '203.0.113.0/24' OR ipv6-addr:value = '2001:db8::1']
///     [network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = 'sqlmap/1.5']
///
/// The result is in disjunctive normal form: a list of alternatives, each a list of comparisons that must all hold.
/// `AND` is read as "in the same event", including between observation expressions (stricter than STIX, which
/// allows different observations; a sweep judges events one at a time). Anything else (other operators,
/// qualifiers such as `WITHIN`, `FOLLOWEDBY`, object paths dwell does not know, non-string literals) is
/// `unsupported` with the reason.
public enum STIXPattern {
    public struct Comparison: Hashable, Sendable {
        /// `ipv4-addr`, `file`, …
        public var objectType: String
        /// The property path, unquoted: `["value"]`, `["hashes", "SHA-256"]`.
        public var path: [String]
        public var value: String
    }

    public enum Failure: Error, Equatable, Sendable {
        case unsupported(String)
        case malformed(String)
    }

    /// Parses a pattern into alternatives of comparisons.
    public static func parse(_ text: String) throws(Failure) -> [[Comparison]] {
        var p = Parser(chars: Array(text.unicodeScalars))
        let dnf = try p.observationOr()
        p.skipSpace()
        if p.i < p.chars.count {
            let rest = String(String.UnicodeScalarView(p.chars[p.i...].prefix(20)))
            if let word = p.peekWord(), ["WITHIN", "START", "STOP", "REPEATS"].contains(word) {
                throw .unsupported("qualifier \(word) (dwell matches single events without time windows)")
            }
            throw .malformed("unexpected text at character \(p.i + 1): \(rest)")
        }
        return dnf
    }

    /// Maps a comparison to dwell's indicator types.
    public static func atom(_ c: Comparison) throws(Failure) -> IOCAtom {
        let path = c.path.map { $0.lowercased() }
        let type: String?
        switch (c.objectType.lowercased(), path) {
        case ("ipv4-addr", ["value"]), ("ipv6-addr", ["value"]), ("network-traffic", ["src_ref", "value"]),
            ("network-traffic", ["dst_ref", "value"]):
            type = "ip"
        case ("user-account", ["user_id"]), ("user-account", ["account_login"]):
            type = "user"
        case ("url", ["value"]): type = "url"
        case ("domain-name", ["value"]): type = "domain"
        case ("network-traffic", ["extensions", "http-request-ext", "request_header", "user-agent"]): type = "ua"
        case ("file", let p) where p.count == 2 && p[0] == "hashes":
            guard ["md5", "sha-1", "sha1", "sha-256", "sha256"].contains(p[1]) else {
                throw .unsupported("hash algorithm '\(c.path[1])' (dwell matches MD5, SHA-1 and SHA-256)")
            }
            type = "hash"
        default: type = nil
        }
        guard let type else {
            throw .unsupported("object path \(c.objectType):\(c.path.joined(separator: ".")) is not one dwell matches")
        }
        do throws(IOCList.AtomError) {
            // STIX comparisons are equality: no wildcards.
            return try IOCList.atom(type: type, value: c.value, wildcards: false)
        } catch {
            throw .malformed(error.message)
        }
    }

    struct Parser {
        let chars: [Unicode.Scalar]
        var i = 0
        static let maxAlternatives = 1024

        mutating func skipSpace() {
            while i < chars.count, chars[i] == " " || chars[i] == "\t" || chars[i] == "\n" || chars[i] == "\r" { i += 1 }
        }

        func peekWord() -> String? {
            var j = i
            var w = ""
            while j < chars.count, chars[j].properties.isAlphabetic || chars[j] == "_" {
                w.unicodeScalars.append(chars[j])
                j += 1
            }
            return w.isEmpty ? nil : w.uppercased()
        }

        mutating func keyword(_ k: String) -> Bool {
            skipSpace()
            guard peekWord() == k else { return false }
            i += k.count
            return true
        }

        mutating func expect(_ c: Unicode.Scalar) throws(Failure) {
            skipSpace()
            guard i < chars.count, chars[i] == c else {
                throw .malformed("expected '\(c)' at character \(i + 1)")
            }
            i += 1
        }

        static func product(_ a: [[Comparison]], _ b: [[Comparison]]) throws(Failure) -> [[Comparison]] {
            guard a.count * b.count <= maxAlternatives else { throw .unsupported("pattern too complex to expand") }
            var out: [[Comparison]] = []
            for x in a { for y in b { out.append(x + y) } }
            return out
        }

        // observationOr := observationAnd (OR observationAnd)*
        mutating func observationOr() throws(Failure) -> [[Comparison]] {
            var out = try observationAnd()
            while keyword("OR") { out += try observationAnd() }
            return out
        }

        mutating func observationAnd() throws(Failure) -> [[Comparison]] {
            var out = try observation()
            while true {
                if keyword("AND") {
                    out = try Parser.product(out, try observation())
                } else if keyword("FOLLOWEDBY") {
                    throw .unsupported("FOLLOWEDBY (an order of observations; dwell matches single events)")
                } else {
                    return out
                }
            }
        }

        mutating func observation() throws(Failure) -> [[Comparison]] {
            skipSpace()
            guard i < chars.count else { throw .malformed("pattern ends where '[' was expected") }
            if chars[i] == "(" {
                i += 1
                let inner = try observationOr()
                try expect(")")
                return inner
            }
            try expect("[")
            let inner = try comparisonOr()
            try expect("]")
            skipSpace()
            if let w = peekWord(), ["WITHIN", "START", "REPEATS"].contains(w) {
                throw .unsupported("qualifier \(w) (dwell matches single events without time windows)")
            }
            return inner
        }

        mutating func comparisonOr() throws(Failure) -> [[Comparison]] {
            var out = try comparisonAnd()
            while keyword("OR") { out += try comparisonAnd() }
            return out
        }

        mutating func comparisonAnd() throws(Failure) -> [[Comparison]] {
            var out = try comparison()
            while keyword("AND") { out = try Parser.product(out, try comparison()) }
            return out
        }

        mutating func comparison() throws(Failure) -> [[Comparison]] {
            skipSpace()
            guard i < chars.count else { throw .malformed("pattern ends inside '[ ]'") }
            if chars[i] == "(" {
                i += 1
                let inner = try comparisonOr()
                try expect(")")
                return inner
            }
            if peekWord() == "NOT" { throw .unsupported("operator NOT") }
            let (type, path) = try objectPath()
            skipSpace()
            guard i < chars.count else { throw .malformed("comparison without operator") }
            if chars[i] == "=" {
                i += 1
            } else {
                var op = ""
                while i < chars.count, "!<>=".unicodeScalars.contains(chars[i]) {
                    op.unicodeScalars.append(chars[i])
                    i += 1
                }
                if op.isEmpty, let w = peekWord() { op = w }
                throw .unsupported("operator \(op.isEmpty ? "?" : op) (dwell matches '=' only)")
            }
            skipSpace()
            guard i < chars.count, chars[i] == "'" else {
                throw .unsupported("a non-string literal after '=' (dwell compares with quoted strings)")
            }
            let value = try stringLiteral()
            return [[Comparison(objectType: type, path: path, value: value)]]
        }

        mutating func stringLiteral() throws(Failure) -> String {
            i += 1  // opening quote
            var s = ""
            while i < chars.count {
                let c = chars[i]
                if c == "\\" {
                    guard i + 1 < chars.count, chars[i + 1] == "'" || chars[i + 1] == "\\" else {
                        throw .malformed("bad escape in string at character \(i + 1) (only \\' and \\\\ are allowed)")
                    }
                    s.unicodeScalars.append(chars[i + 1])
                    i += 2
                    continue
                }
                if c == "'" {
                    i += 1
                    return s
                }
                s.unicodeScalars.append(c)
                i += 1
            }
            throw .malformed("unterminated string")
        }

        /// `type:prop.'quoted-prop'.prop`
        mutating func objectPath() throws(Failure) -> (String, [String]) {
            var type = ""
            while i < chars.count, chars[i] != ":" {
                let c = chars[i]
                guard c.properties.isAlphabetic || ("0"..."9").contains(c) || c == "-" || c == "_" else {
                    throw .malformed("expected an object path (type:property) at character \(i + 1)")
                }
                type.unicodeScalars.append(c)
                i += 1
            }
            guard i < chars.count, !type.isEmpty else { throw .malformed("object path without ':'") }
            i += 1
            var parts: [String] = []
            var cur = ""
            while i < chars.count {
                let c = chars[i]
                if c == "'" {
                    cur += try stringLiteral()
                    continue
                }
                if c == "." {
                    parts.append(cur)
                    cur = ""
                    i += 1
                    continue
                }
                if c == "[" { throw .unsupported("list index in object path") }
                guard c.properties.isAlphabetic || ("0"..."9").contains(c) || c == "-" || c == "_" else { break }
                cur.unicodeScalars.append(c)
                i += 1
            }
            parts.append(cur)
            guard !parts.contains(where: \.isEmpty) else { throw .malformed("empty property in object path") }
            return (type, parts)
        }
    }
}
