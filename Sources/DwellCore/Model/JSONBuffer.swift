/// Builds JSON text into a byte buffer, escaping every string (attacker-controlled text included).
///
/// Strings are written as UTF-8; control characters as `\u00XX`; bytes that are not valid UTF-8 as the
/// four characters `\xNN` (so the output stays valid JSON and the raw byte stays visible, never replaced).
public struct JSONBuffer {
    public var bytes: [UInt8]
    @usableFromInline var needsComma: [Bool] = []

    public init(capacity: Int = 1024) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public mutating func beginObject() {
        separator()
        bytes.append(UInt8(ascii: "{"))
        needsComma.append(false)
    }

    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        _ = needsComma.popLast()
    }

    public mutating func beginArray() {
        separator()
        bytes.append(UInt8(ascii: "["))
        needsComma.append(false)
    }

    public mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        _ = needsComma.popLast()
    }

    @usableFromInline mutating func separator() {
        guard let last = needsComma.last else { return }
        if last { bytes.append(UInt8(ascii: ",")) }
        needsComma[needsComma.count - 1] = true
    }

    /// Writes `"key":` (the next value follows without a comma).
    public mutating func key(_ k: StaticString) {
        separator()
        bytes.append(UInt8(ascii: "\""))
        k.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        needsComma.append(false)
        pendingKey = true
    }

    /// Writes a dynamic key.
    public mutating func key(_ k: String) {
        separator()
        appendEscaped(Array(k.utf8))
        bytes.append(UInt8(ascii: ":"))
        needsComma.append(false)
        pendingKey = true
    }

    @usableFromInline var pendingKey = false

    @usableFromInline mutating func valueStart() {
        if pendingKey {
            pendingKey = false
            _ = needsComma.popLast()
        } else {
            separator()
        }
    }

    public mutating func string(_ s: String) {
        valueStart()
        var copy = s
        copy.withUTF8 { appendEscaped($0) }
    }

    public mutating func string<C: Collection>(bytes b: C) where C.Element == UInt8 {
        valueStart()
        appendEscaped(b)
    }

    /// The same for an array (a raw evidence line): escaped through its buffer, by code compiled here for it, not
    /// through the generic collection another module's call would read byte by byte.
    public mutating func string(bytes b: [UInt8]) {
        valueStart()
        b.withUnsafeBufferPointer { appendEscaped($0) }
    }

    public mutating func int<I: BinaryInteger>(_ v: I) {
        valueStart()
        bytes.append(contentsOf: String(v).utf8)
    }

    public mutating func double(_ v: Double) {
        valueStart()
        if v.isFinite { bytes.append(contentsOf: "\(v)".utf8) } else { bytes.append(contentsOf: "null".utf8) }
    }

    public mutating func bool(_ v: Bool) {
        valueStart()
        bytes.append(contentsOf: (v ? "true" : "false").utf8)
    }

    public mutating func null() {
        valueStart()
        bytes.append(contentsOf: "null".utf8)
    }

    /// Writes already-serialised JSON as a value.
    public mutating func raw(_ json: [UInt8]) {
        valueStart()
        bytes.append(contentsOf: json)
    }

    /// A timestamp as an ISO 8601 UTC string.
    public mutating func time(_ t: Timestamp, fractionDigits: Int = 6) {
        valueStart()
        bytes.append(UInt8(ascii: "\""))
        t.appendISO8601(to: &bytes, fractionDigits: fractionDigits)
        bytes.append(UInt8(ascii: "\""))
    }

    public mutating func newline() { bytes.append(0x0a) }

    /// Escapes a string's bytes into the buffer, quotes included.
    public mutating func appendEscaped<C: Collection>(_ b: C) where C.Element == UInt8 {
        bytes.append(UInt8(ascii: "\""))
        JSONBuffer.escape(b, into: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    public static func escape<C: Collection>(_ b: C, into out: inout [UInt8]) where C.Element == UInt8 {
        var fast = true
        for c in b where c < 0x20 || c == 0x22 || c == 0x5c || c >= 0x80 {
            fast = false
            break
        }
        if fast {
            out.append(contentsOf: b)
            return
        }
        let a = Array(b)
        var i = 0
        while i < a.count {
            let c = a[i]
            switch c {
            case 0x22: out.append(contentsOf: [0x5c, 0x22])
            case 0x5c: out.append(contentsOf: [0x5c, 0x5c])
            case 0x0a: out.append(contentsOf: [0x5c, UInt8(ascii: "n")])
            case 0x0d: out.append(contentsOf: [0x5c, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [0x5c, UInt8(ascii: "t")])
            case 0..<0x20, 0x7f:
                out.append(contentsOf: Array("\\u00".utf8))
                out.append(hex[Int(c >> 4)])
                out.append(hex[Int(c & 0xf)])
            case 0x80...:
                let len = c & 0xE0 == 0xC0 ? 2 : c & 0xF0 == 0xE0 ? 3 : c & 0xF8 == 0xF0 ? 4 : 0
                if len > 0, i + len <= a.count, String(validating: a[i..<i + len], as: UTF8.self) != nil {
                    out.append(contentsOf: a[i..<i + len])
                    i += len
                    continue
                }
                out.append(contentsOf: [0x5c, 0x5c, UInt8(ascii: "x")])
                out.append(hex[Int(c >> 4)])
                out.append(hex[Int(c & 0xf)])
            default: out.append(c)
            }
            i += 1
        }
    }
}
