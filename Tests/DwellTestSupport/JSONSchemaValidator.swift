/// A JSON value as parsed by `JSONValue.parse`: integers stay integers, object keys keep their order.
public indirect enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): true
        case (.bool(let x), .bool(let y)): x == y
        case (.int(let x), .int(let y)): x == y
        case (.double(let x), .double(let y)): x == y
        case (.int(let x), .double(let y)), (.double(let y), .int(let x)): Double(x) == y
        case (.string(let x), .string(let y)): x == y
        case (.array(let x), .array(let y)): x == y
        case (.object(let x), .object(let y)):
            x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: false
        }
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members.first { $0.0 == key }?.1 }
        return nil
    }

    public var string: String? { if case .string(let s) = self { s } else { nil } }
    public var array: [JSONValue]? { if case .array(let a) = self { a } else { nil } }
    public var int: Int64? { if case .int(let i) = self { i } else { nil } }

    public struct ParseError: Error, CustomStringConvertible {
        public var offset: Int
        public var message: String
        public var description: String { "JSON parse error at byte \(offset): \(message)" }
    }

    /// Parses one JSON document (RFC 8259; duplicate keys are an error, trailing bytes other than whitespace too).
    public static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        var p = Parser(b: bytes)
        let v = try p.value()
        p.skip()
        guard p.i == bytes.count else { throw ParseError(offset: p.i, message: "trailing bytes") }
        return v
    }

    struct Parser {
        let b: [UInt8]
        var i = 0

        mutating func skip() {
            while i < b.count, b[i] == 0x20 || b[i] == 0x0a || b[i] == 0x0d || b[i] == 0x09 { i += 1 }
        }

        func fail(_ m: String) -> ParseError { ParseError(offset: i, message: m) }

        mutating func literal(_ word: String, _ v: JSONValue) throws -> JSONValue {
            let w = Array(word.utf8)
            guard i + w.count <= b.count, Array(b[i..<i + w.count]) == w else {
                throw fail("expected \(word)")
            }
            i += w.count
            return v
        }

        mutating func value() throws -> JSONValue {
            skip()
            guard i < b.count else { throw fail("unexpected end") }
            switch b[i] {
            case UInt8(ascii: "{"):
                i += 1
                var members: [(String, JSONValue)] = []
                var seen = Set<String>()
                skip()
                if i < b.count, b[i] == UInt8(ascii: "}") {
                    i += 1
                    return .object(members)
                }
                while true {
                    skip()
                    guard case .string(let k) = try value() else { throw fail("expected a key") }
                    guard seen.insert(k).inserted else { throw fail("duplicate key \(k)") }
                    skip()
                    guard i < b.count, b[i] == UInt8(ascii: ":") else { throw fail("expected :") }
                    i += 1
                    members.append((k, try value()))
                    skip()
                    guard i < b.count else { throw fail("unexpected end in object") }
                    if b[i] == UInt8(ascii: ",") {
                        i += 1
                        continue
                    }
                    if b[i] == UInt8(ascii: "}") {
                        i += 1
                        return .object(members)
                    }
                    throw fail("expected , or }")
                }
            case UInt8(ascii: "["):
                i += 1
                var items: [JSONValue] = []
                skip()
                if i < b.count, b[i] == UInt8(ascii: "]") {
                    i += 1
                    return .array(items)
                }
                while true {
                    items.append(try value())
                    skip()
                    guard i < b.count else { throw fail("unexpected end in array") }
                    if b[i] == UInt8(ascii: ",") {
                        i += 1
                        continue
                    }
                    if b[i] == UInt8(ascii: "]") {
                        i += 1
                        return .array(items)
                    }
                    throw fail("expected , or ]")
                }
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): return try literal("true", .bool(true))
            case UInt8(ascii: "f"): return try literal("false", .bool(false))
            case UInt8(ascii: "n"): return try literal("null", .null)
            default: return try number()
            }
        }

        mutating func hex4() throws -> UInt32 {
            guard i + 4 <= b.count else { throw fail("short \\u escape") }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let c = b[i]
                let d: UInt32
                switch c {
                case 0x30...0x39: d = UInt32(c - 0x30)
                case 0x61...0x66: d = UInt32(c - 0x61 + 10)
                case 0x41...0x46: d = UInt32(c - 0x41 + 10)
                default: throw fail("bad hex digit")
                }
                v = v * 16 + d
                i += 1
            }
            return v
        }

        mutating func string() throws -> String {
            i += 1
            var out: [UInt8] = []
            while i < b.count {
                let c = b[i]
                if c == UInt8(ascii: "\"") {
                    i += 1
                    guard let s = String(validating: out, as: UTF8.self) else {
                        throw fail("string is not UTF-8")
                    }
                    return s
                }
                if c < 0x20 { throw fail("raw control character in string") }
                if c == UInt8(ascii: "\\") {
                    i += 1
                    guard i < b.count else { break }
                    let e = b[i]
                    i += 1
                    switch e {
                    case UInt8(ascii: "\""): out.append(0x22)
                    case UInt8(ascii: "\\"): out.append(0x5c)
                    case UInt8(ascii: "/"): out.append(0x2f)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0c)
                    case UInt8(ascii: "n"): out.append(0x0a)
                    case UInt8(ascii: "r"): out.append(0x0d)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "u"):
                        var v = try hex4()
                        if v >= 0xD800 && v < 0xDC00 {
                            guard i + 2 <= b.count, b[i] == 0x5c, b[i + 1] == UInt8(ascii: "u") else {
                                throw fail("lone surrogate")
                            }
                            i += 2
                            let lo = try hex4()
                            guard lo >= 0xDC00 && lo < 0xE000 else { throw fail("bad low surrogate") }
                            v = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00)
                        }
                        guard let scalar = Unicode.Scalar(v) else { throw fail("bad code point") }
                        out.append(contentsOf: Array(String(Character(scalar)).utf8))
                    default: throw fail("bad escape")
                    }
                    continue
                }
                out.append(c)
                i += 1
            }
            throw fail("unterminated string")
        }

        mutating func number() throws -> JSONValue {
            let start = i
            if i < b.count, b[i] == UInt8(ascii: "-") { i += 1 }
            var isInt = true
            while i < b.count {
                let c = b[i]
                if c >= 0x30 && c <= 0x39 {
                    i += 1
                    continue
                }
                if c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E")
                    || c == UInt8(ascii: "+")
                    || c == UInt8(ascii: "-")
                {
                    isInt = false
                    i += 1
                    continue
                }
                break
            }
            let text = String(decoding: b[start..<i], as: UTF8.self)
            if isInt, let v = Int64(text) { return .int(v) }
            if let d = Double(text) { return .double(d) }
            throw fail("bad number '\(text)'")
        }
    }
}

/// Validates JSON against a JSON Schema (draft 2020-12), for the subset of keywords dwell's schemas use:
/// `type`, `properties`, `required`, `additionalProperties`, `items`, `enum`, `const`, `pattern`, `minimum`,
/// `$ref` (to `#/$defs/…`), `$defs`, `anyOf`, `oneOf`, and the annotations `$schema`, `$id`, `title`,
/// `description`. A schema using any other keyword is rejected, so the subset can never pass silently.
public struct JSONSchemaValidator {
    public let schema: JSONValue
    var regexCache: [String: Regex<AnyRegexOutput>] = [:]

    public struct Violation: Sendable, CustomStringConvertible, Equatable {
        public var path: String
        public var message: String
        public var description: String { "$\(path): \(message)" }
    }

    static let annotations: Set<String> = ["$schema", "$id", "title", "description", "$comment"]
    static let supported: Set<String> = [
        "type", "properties", "required", "additionalProperties", "items", "enum", "const", "pattern",
        "minimum",
        "$ref", "$defs", "anyOf", "oneOf",
    ]

    public init(schema: JSONValue) {
        self.schema = schema
    }

    /// All violations (empty when the instance is valid).
    public mutating func validate(_ instance: JSONValue) -> [Violation] {
        var out: [Violation] = []
        check(instance, against: schema, path: "", into: &out)
        return out
    }

    mutating func check(
        _ v: JSONValue, against s: JSONValue, path: String, into out: inout [Violation]
    ) {
        if case .bool(let b) = s {
            if !b { out.append(Violation(path: path, message: "no value is allowed here")) }
            return
        }
        guard case .object(let keywords) = s else {
            out.append(Violation(path: path, message: "schema is not an object"))
            return
        }
        for (k, _) in keywords where !Self.annotations.contains(k) && !Self.supported.contains(k) {
            out.append(Violation(path: path, message: "unsupported schema keyword '\(k)'"))
        }
        if let ref = s["$ref"]?.string {
            guard let target = resolve(ref) else {
                out.append(Violation(path: path, message: "unresolvable $ref \(ref)"))
                return
            }
            check(v, against: target, path: path, into: &out)
        }
        if let t = s["type"] {
            let names = t.array?.compactMap(\.string) ?? [t.string].compactMap { $0 }
            if !names.contains(where: { Self.has(v, type: $0) }) {
                out.append(
                    Violation(
                        path: path,
                        message: "expected type \(names.joined(separator: " or ")), got \(Self.typeName(v))"))
                return
            }
        }
        if let e = s["enum"]?.array, !e.contains(v) {
            out.append(
                Violation(path: path, message: "\(Self.short(v)) is not one of the allowed values"))
        }
        if let c = s["const"], c != v {
            out.append(
                Violation(path: path, message: "\(Self.short(v)) is not the constant \(Self.short(c))"))
        }
        if let p = s["pattern"]?.string, case .string(let text) = v {
            if let r = regex(p) {
                if (try? r.firstMatch(in: text)) == nil {
                    out.append(Violation(path: path, message: "\(Self.short(v)) does not match \(p)"))
                }
            } else {
                out.append(Violation(path: path, message: "cannot compile pattern \(p)"))
            }
        }
        if let m = s["minimum"] {
            let limit: Double? =
                switch m {
                case .int(let i): Double(i)
                case .double(let d): d
                default: nil
                }
            let value: Double? =
                switch v {
                case .int(let i): Double(i)
                case .double(let d): d
                default: nil
                }
            if let limit, let value, value < limit {
                out.append(
                    Violation(path: path, message: "\(Self.short(v)) is below the minimum \(Self.short(m))"))
            }
        }
        if case .object(let members) = v {
            let props = s["properties"]
            for name in s["required"]?.array?.compactMap(\.string) ?? [] where v[name] == nil {
                out.append(Violation(path: path, message: "missing required property '\(name)'"))
            }
            for (k, value) in members {
                if let sub = props?[k] {
                    check(value, against: sub, path: path + "." + k, into: &out)
                } else if let extra = s["additionalProperties"] {
                    if case .bool(false) = extra {
                        out.append(Violation(path: path, message: "property '\(k)' is not allowed"))
                    } else {
                        check(value, against: extra, path: path + "." + k, into: &out)
                    }
                }
            }
        }
        if case .array(let items) = v, let sub = s["items"] {
            for (n, item) in items.enumerated() {
                check(item, against: sub, path: "\(path)[\(n)]", into: &out)
            }
        }
        if let any = s["anyOf"]?.array {
            let ok = any.contains { alt in
                var tmp: [Violation] = []
                check(v, against: alt, path: path, into: &tmp)
                return tmp.isEmpty
            }
            if !ok {
                out.append(Violation(path: path, message: "\(Self.short(v)) matches none of anyOf"))
            }
        }
        if let one = s["oneOf"]?.array {
            let n = one.filter { alt in
                var tmp: [Violation] = []
                check(v, against: alt, path: path, into: &tmp)
                return tmp.isEmpty
            }.count
            if n != 1 {
                out.append(
                    Violation(path: path, message: "\(Self.short(v)) matches \(n) of oneOf, not exactly 1"))
            }
        }
    }

    func resolve(_ ref: String) -> JSONValue? {
        guard ref.hasPrefix("#/") else { return nil }
        var node = schema
        for part in ref.dropFirst(2).split(separator: "/") {
            let key = String(part).replacingOccurrences("~1", "/").replacingOccurrences("~0", "~")
            guard let next = node[key] else { return nil }
            node = next
        }
        return node
    }

    mutating func regex(_ p: String) -> Regex<AnyRegexOutput>? {
        if let r = regexCache[p] { return r }
        guard let r = try? Regex(p) else { return nil }
        regexCache[p] = r
        return r
    }

    static func has(_ v: JSONValue, type: String) -> Bool {
        switch (type, v) {
        case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array),
            ("object", .object):
            true
        case ("integer", .int): true
        case ("integer", .double(let d)): d == d.rounded()
        case ("number", .int), ("number", .double): true
        default: false
        }
    }

    static func typeName(_ v: JSONValue) -> String {
        switch v {
        case .null: "null"
        case .bool: "boolean"
        case .int: "integer"
        case .double: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    static func short(_ v: JSONValue) -> String {
        switch v {
        case .string(let s): "'" + String(s.prefix(60)) + "'"
        case .int(let i): String(i)
        case .double(let d): String(d)
        case .bool(let b): String(b)
        case .null: "null"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

extension String {
    fileprivate func replacingOccurrences(_ a: String, _ b: String) -> String {
        split(separator: a, omittingEmptySubsequences: false).joined(separator: b)
    }
}
