import DwellCore

/// One JSON value found by `JSONScanner`: its kind and where its bytes are. Positions only, no copies.
public struct JSONValue: Equatable, Sendable {
    public enum Kind: UInt8, Sendable {
        case string, number, object, array, bool, null
    }

    public var kind: Kind
    /// For a string, the bytes between the quotes (still escaped); for any other kind, the whole value text.
    public var range: Range<Int>
    /// For a string: whether it holds a backslash escape (then `JSONScanner.unescape` gives its real bytes).
    public var hasEscapes: Bool

    public init(kind: Kind, range: Range<Int>, hasEscapes: Bool = false) {
        self.kind = kind
        self.range = range
        self.hasEscapes = hasEscapes
    }
}

/// Walks the members of a JSON object kept as positions into a line, without building a tree.
///
///     var members = JSONMemberCursor(objectAt: 0)
///     while let (key, value) = try members.next(line) { ... }
///
/// Keys come back as the byte range between their quotes (escaped keys are rare and compared raw).
/// Nested objects and arrays are skipped in one pass (their range is returned, to be walked with a new cursor).
/// - Complexity: O(*n*) in the bytes of the object; no allocation.
public struct JSONMemberCursor {
    var position: Int
    var first = true
    /// Index just after the closing `}` once the cursor has reached it.
    public var end: Int?
    var started = false

    /// A cursor over the object whose `{` is at `start` (leading whitespace allowed).
    public init(objectAt start: Int) {
        position = start
        end = nil
    }

    /// The next member, or `nil` after the closing `}`.
    /// - Throws: `.truncated` when the object ends early, `.unexpectedByte` on malformed JSON.
    public mutating func next(_ s: Span<UInt8>) throws(LineRejection) -> (key: Range<Int>, value: JSONValue)? {
        var i = JSONScanner.skipWhitespace(s, position)
        if !started {
            guard i < s.count else { throw .truncated(atColumn: i) }
            guard s[i] == UInt8(ascii: "{") else { throw .unexpectedByte(s[i], atColumn: i) }
            started = true
            i = JSONScanner.skipWhitespace(s, i + 1)
        }
        if end != nil { return nil }
        guard i < s.count else { throw .truncated(atColumn: i) }
        if s[i] == UInt8(ascii: "}") {
            end = i + 1
            position = i + 1
            return nil
        }
        if !first {
            guard s[i] == UInt8(ascii: ",") else { throw .unexpectedByte(s[i], atColumn: i) }
            i = JSONScanner.skipWhitespace(s, i + 1)
            guard i < s.count else { throw .truncated(atColumn: i) }
        }
        first = false
        guard s[i] == UInt8(ascii: "\"") else { throw .unexpectedByte(s[i], atColumn: i) }
        let (keyEnd, _) = try JSONScanner.stringEnd(s, i + 1)
        let key = i + 1..<keyEnd
        i = JSONScanner.skipWhitespace(s, keyEnd + 1)
        guard i < s.count else { throw .truncated(atColumn: i) }
        guard s[i] == UInt8(ascii: ":") else { throw .unexpectedByte(s[i], atColumn: i) }
        i = JSONScanner.skipWhitespace(s, i + 1)
        let (value, valueEnd) = try JSONScanner.value(s, at: i)
        position = valueEnd
        return (key, value)
    }
}

/// Walks the elements of a JSON array kept as positions into a line.
public struct JSONElementCursor {
    var position: Int
    var first = true
    var started = false
    var done = false

    /// A cursor over the array whose `[` is at `start`.
    public init(arrayAt start: Int) { position = start }

    /// The next element, or `nil` after the closing `]`.
    public mutating func next(_ s: Span<UInt8>) throws(LineRejection) -> JSONValue? {
        var i = JSONScanner.skipWhitespace(s, position)
        if !started {
            guard i < s.count else { throw .truncated(atColumn: i) }
            guard s[i] == UInt8(ascii: "[") else { throw .unexpectedByte(s[i], atColumn: i) }
            started = true
            i = JSONScanner.skipWhitespace(s, i + 1)
        }
        if done { return nil }
        guard i < s.count else { throw .truncated(atColumn: i) }
        if s[i] == UInt8(ascii: "]") {
            done = true
            position = i + 1
            return nil
        }
        if !first {
            guard s[i] == UInt8(ascii: ",") else { throw .unexpectedByte(s[i], atColumn: i) }
            i = JSONScanner.skipWhitespace(s, i + 1)
        }
        first = false
        let (value, valueEnd) = try JSONScanner.value(s, at: i)
        position = valueEnd
        return value
    }
}

/// The byte-level JSON primitives behind the cursors.
public enum JSONScanner {
    static func skipWhitespace(_ s: Span<UInt8>, _ start: Int) -> Int {
        var i = start
        while i < s.count {
            let c = s[i]
            if c != 0x20 && c != 0x09 && c != 0x0a && c != 0x0d { break }
            i += 1
        }
        return i
    }

    /// End (the closing quote's index) of a string whose content starts at `start`, and whether it has escapes.
    static func stringEnd(_ s: Span<UInt8>, _ start: Int) throws(LineRejection) -> (Int, Bool) {
        var i = start
        var escaped = false
        let n = s.count
        while i < n {
            let c = s[i]
            if c == UInt8(ascii: "\"") { return (i, escaped) }
            if c == UInt8(ascii: "\\") {
                escaped = true
                i += 2
                continue
            }
            i += 1
        }
        throw .truncated(atColumn: n)
    }

    /// The value at `i` and the index just after it.
    public static func value(_ s: Span<UInt8>, at i: Int) throws(LineRejection) -> (JSONValue, Int) {
        guard i < s.count else { throw .truncated(atColumn: i) }
        let c = s[i]
        switch c {
        case UInt8(ascii: "\""):
            let (e, esc) = try stringEnd(s, i + 1)
            return (JSONValue(kind: .string, range: i + 1..<e, hasEscapes: esc), e + 1)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let e = try containerEnd(s, i)
            return (JSONValue(kind: c == UInt8(ascii: "{") ? .object : .array, range: i..<e), e)
        case UInt8(ascii: "t"):
            guard s.matches("true", at: i) else { throw .unexpectedByte(c, atColumn: i) }
            return (JSONValue(kind: .bool, range: i..<i + 4), i + 4)
        case UInt8(ascii: "f"):
            guard s.matches("false", at: i) else { throw .unexpectedByte(c, atColumn: i) }
            return (JSONValue(kind: .bool, range: i..<i + 5), i + 5)
        case UInt8(ascii: "n"):
            guard s.matches("null", at: i) else { throw .unexpectedByte(c, atColumn: i) }
            return (JSONValue(kind: .null, range: i..<i + 4), i + 4)
        default:
            var e = i
            while e < s.count {
                let d = s[e]
                let isNumberByte =
                    d &- UInt8(ascii: "0") < 10 || d == UInt8(ascii: "-") || d == UInt8(ascii: "+")
                    || d == UInt8(ascii: ".") || d | 0x20 == UInt8(ascii: "e")
                if !isNumberByte { break }
                e += 1
            }
            guard e > i else { throw .unexpectedByte(c, atColumn: i) }
            return (JSONValue(kind: .number, range: i..<e), e)
        }
    }

    /// Index just after the object or array that opens at `start`, skipping strings.
    static func containerEnd(_ s: Span<UInt8>, _ start: Int) throws(LineRejection) -> Int {
        var depth = 0
        var i = start
        while i < s.count {
            let c = s[i]
            if c == UInt8(ascii: "\"") {
                let (e, _) = try stringEnd(s, i + 1)
                i = e + 1
                continue
            }
            if c == UInt8(ascii: "{") || c == UInt8(ascii: "[") {
                depth += 1
            } else if c == UInt8(ascii: "}") || c == UInt8(ascii: "]") {
                depth -= 1
                if depth == 0 { return i + 1 }
            }
            i += 1
        }
        throw .truncated(atColumn: s.count)
    }

    /// Appends the real bytes of an escaped JSON string (`\"`, `\\`, `\/`, `\n`, `\uXXXX` with surrogate
    /// pairs → UTF-8) to `out`. A malformed escape is kept as it is written, never dropped.
    public static func unescape(_ s: Span<UInt8>, _ range: Range<Int>, into out: inout [UInt8]) {
        var i = range.lowerBound
        let end = range.upperBound
        while i < end {
            let c = s[i]
            if c != UInt8(ascii: "\\") || i + 1 >= end {
                out.append(c)
                i += 1
                continue
            }
            let e = s[i + 1]
            switch e {
            case UInt8(ascii: "n"): out.append(0x0a)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "r"): out.append(0x0d)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0c)
            case UInt8(ascii: "u"):
                if let cp = hex4(s, i + 2, end) {
                    var scalar = UInt32(cp)
                    var used = 6
                    if cp >= 0xD800 && cp < 0xDC00, i + 12 <= end, s[i + 6] == UInt8(ascii: "\\"),
                        s[i + 7] == UInt8(ascii: "u"), let lo = hex4(s, i + 8, end), lo >= 0xDC00 && lo < 0xE000
                    {
                        scalar = 0x10000 + ((UInt32(cp) - 0xD800) << 10) + (UInt32(lo) - 0xDC00)
                        used = 12
                    }
                    appendUTF8(scalar, to: &out)
                    i += used
                    continue
                }
                out.append(c)
                out.append(e)
            default: out.append(e)  // \" \\ \/ and unknown escapes: the escaped byte itself
            }
            i += 2
        }
    }

    static func hex4(_ s: Span<UInt8>, _ start: Int, _ end: Int) -> UInt16? {
        guard start + 4 <= end else { return nil }
        var v: UInt16 = 0
        for k in start..<start + 4 {
            let c = s[k]
            let d: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = c - UInt8(ascii: "A") + 10
            default: return nil
            }
            v = v << 4 | UInt16(d)
        }
        return v
    }

    static func appendUTF8(_ v: UInt32, to out: inout [UInt8]) {
        // Lone surrogates are not scalars; write them as the replacement-free 3-byte form of their value.
        switch v {
        case 0..<0x80: out.append(UInt8(v))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | (v >> 6)))
            out.append(UInt8(0x80 | (v & 0x3F)))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | (v >> 12)))
            out.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (v & 0x3F)))
        default:
            out.append(UInt8(0xF0 | (v >> 18)))
            out.append(UInt8(0x80 | ((v >> 12) & 0x3F)))
            out.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (v & 0x3F)))
        }
    }
}

/// Turns JSON values into event fields: strings interned (unescaped through a reusable scratch buffer only when
/// they hold escapes), numbers parsed from their bytes.
public struct JSONFieldReader {
    var scratch: [UInt8] = []

    public init() {
        scratch.reserveCapacity(256)
    }

    /// Interns a value: a string's real bytes, or any other value's text. `-` and empty strings give `.none`
    /// when `dashIsNone` (access logs write `-` for "no value").
    public mutating func intern(
        _ s: Span<UInt8>, _ v: JSONValue, _ table: inout SymbolTable, dashIsNone: Bool = false
    ) -> Symbol {
        if v.kind == .null { return .none }
        if dashIsNone && s.isDash(v.range) { return .none }
        if v.kind == .string && v.hasEscapes {
            scratch.removeAll(keepingCapacity: true)
            JSONScanner.unescape(s, v.range, into: &scratch)
            return table.intern(bytes: scratch)
        }
        return table.intern(s, v.range)
    }

    /// The value's real bytes placed in the scratch buffer (for values parsed further, e.g. a URL).
    /// Returns `nil` when the value can be read in place (no escapes).
    public mutating func unescaped(_ s: Span<UInt8>, _ v: JSONValue) -> [UInt8]? {
        guard v.kind == .string && v.hasEscapes else { return nil }
        scratch.removeAll(keepingCapacity: true)
        JSONScanner.unescape(s, v.range, into: &scratch)
        return scratch
    }
}

extension JSONValue {
    /// An integer held as a number or as a numeric string (some writers quote ports and sizes).
    public func int(_ s: Span<UInt8>) -> Int64? {
        guard kind == .number || kind == .string else { return nil }
        return s.parseInt(range)
    }

    /// `true`/`false`, also from the strings `"true"`, `"T"` and `"F"`.
    public func bool(_ s: Span<UInt8>) -> Bool? {
        guard !range.isEmpty else { return nil }
        let c = s[range.lowerBound]
        if c == UInt8(ascii: "t") || c == UInt8(ascii: "T") { return true }
        if c == UInt8(ascii: "f") || c == UInt8(ascii: "F") { return false }
        return nil
    }
}
