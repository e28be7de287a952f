/// Appending text to byte buffers without building a `String` per line.
extension Array where Element == UInt8 {
    @inlinable mutating func put(_ text: StaticString) {
        text.withUTF8Buffer { append(contentsOf: $0) }
    }

    @inlinable mutating func put(_ text: String) {
        append(contentsOf: text.utf8)
    }

    mutating func putInt(_ value: Int) {
        if value < 0 {
            append(UInt8(ascii: "-"))
            putInt(-value)
            return
        }
        if value < 10 {
            append(UInt8(truncatingIfNeeded: 48 + value))
            return
        }
        var digits: [UInt8] = []
        var v = value
        while v > 0 {
            digits.append(UInt8(truncatingIfNeeded: 48 + v % 10))
            v /= 10
        }
        append(contentsOf: digits.reversed())
    }

    /// Zero-padded to `width` digits.
    mutating func putPadded(_ value: Int, width: Int) {
        var divisor = 1
        for _ in 1..<width { divisor *= 10 }
        var v = value
        while divisor > 0 {
            append(UInt8(truncatingIfNeeded: 48 + (v / divisor) % 10))
            v %= divisor
            divisor /= 10
        }
    }

    mutating func putIPv4(_ address: IPv4) {
        let v = address.value
        putInt(Int(v >> 24))
        append(UInt8(ascii: "."))
        putInt(Int((v >> 16) & 0xFF))
        append(UInt8(ascii: "."))
        putInt(Int((v >> 8) & 0xFF))
        append(UInt8(ascii: "."))
        putInt(Int(v & 0xFF))
    }

    /// Zeek's `interval`: seconds with six decimals.
    mutating func putInterval(_ duration: Micros) {
        putInt(Int(duration / microsPerSecond))
        append(UInt8(ascii: "."))
        putPadded(Int(duration % microsPerSecond), width: 6)
    }

    @inlinable mutating func tab() { append(0x09) }

    /// Zeek's connection id fields, each followed by a tab: `orig_h orig_p resp_h resp_p`.
    mutating func putZeekConnID(from: IPv4, _ fromPort: Int, to: IPv4, _ toPort: Int) {
        putIPv4(from)
        tab()
        putInt(fromPort)
        tab()
        putIPv4(to)
        tab()
        putInt(toPort)
        tab()
    }

    /// A Zeek 6 conn.log record from `proto` on (the fields after the uid and the endpoints), for both emitters:
    /// packet counts and IP bytes estimated from the payload (1400-byte segments, TCP's handshake and teardown).
    mutating func putConnFields(
        proto: StaticString, service: StaticString, duration: Micros, bytesOut: Int, bytesIn: Int,
        state: StaticString, from: IPv4, to: IPv4, history: StaticString
    ) {
        put(proto)
        tab()
        put(service)
        tab()
        putInterval(Swift.max(0, duration))
        tab()
        putInt(bytesOut)
        tab()
        putInt(bytesIn)
        tab()
        put(state)
        tab()
        put(from.isPrivate ? "T" : "F")
        tab()
        put(to.isPrivate ? "T" : "F")
        put("\t0\t")
        put(history)
        let tcp = proto.utf8CodeUnitCount == 3 && proto.withUTF8Buffer { $0[0] == UInt8(ascii: "t") }
        let header = tcp ? 52 : 28
        let outPackets = bytesOut / 1_400 + (tcp ? 4 : 1)
        let inPackets = bytesIn / 1_400 + (tcp ? 3 : (bytesIn > 0 ? 1 : 0))
        tab()
        putInt(outPackets)
        tab()
        putInt(bytesOut + outPackets * header)
        tab()
        putInt(inPackets)
        tab()
        putInt(bytesIn + inPackets * header)
        put("\t-")
    }
}

/// An IPv4 address as an integer.
public struct IPv4: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var value: UInt32
    public init(_ a: Int, _ b: Int, _ c: Int, _ d: Int) {
        value = UInt32(a & 0xFF) << 24 | UInt32(b & 0xFF) << 16 | UInt32(c & 0xFF) << 8 | UInt32(d & 0xFF)
    }
    public init(value: UInt32) { self.value = value }
    public var description: String {
        var bytes: [UInt8] = []
        bytes.putIPv4(self)
        return String(decoding: bytes, as: UTF8.self)
    }
    public static func < (a: IPv4, b: IPv4) -> Bool { a.value < b.value }
    /// The /24 this address is in (the sensor sees traffic that crosses the router between /24s).
    public var subnet24: UInt32 { value >> 8 }
    public var isPrivate: Bool { value >> 24 == 10 }
}
