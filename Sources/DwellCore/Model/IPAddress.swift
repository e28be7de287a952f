/// An IPv4 or IPv6 address as a 128-bit integer. IPv4 is held IPv4-mapped (`::ffff:a.b.c.d`).
/// The all-zero value stands for "absent" (`IPAddress.none`); `::` itself never identifies a peer in a log.
public struct IPAddress: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var high: UInt64
    public var low: UInt64

    @inlinable public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// An IPv4 address from its 32-bit value.
    @inlinable public init(v4 value: UInt32) {
        high = 0
        low = 0x0000_ffff_0000_0000 | UInt64(value)
    }

    public static let none = IPAddress(high: 0, low: 0)
    @inlinable public var isNone: Bool { high == 0 && low == 0 }
    @inlinable public var isV4: Bool { high == 0 && low >> 32 == 0xffff }
    @inlinable public var v4Value: UInt32 { UInt32(truncatingIfNeeded: low) }

    @inlinable public static func < (a: IPAddress, b: IPAddress) -> Bool {
        a.high != b.high ? a.high < b.high : a.low < b.low
    }

    /// Loopback, private (RFC 1918, ULA), link-local or CGNAT: addresses that stay inside an organisation.
    public var isInternal: Bool {
        if isV4 {
            let v = v4Value
            let a = v >> 24
            let b = (v >> 16) & 0xff
            return a == 10 || a == 127 || (a == 172 && b >= 16 && b < 32) || (a == 192 && b == 168)
                || (a == 169 && b == 254) || (a == 100 && b >= 64 && b < 128)
        }
        if high == 0 && low == 1 { return true }  // ::1
        let top = high >> 48
        return top & 0xfe00 == 0xfc00 || top & 0xffc0 == 0xfe80
    }

    public var isLoopback: Bool { isV4 ? v4Value >> 24 == 127 : (high == 0 && low == 1) }

    /// Parses dotted IPv4 or IPv6 text (with `::`, embedded IPv4, an optional `%zone` ignored) from `s[range]`.
    @inlinable
    public static func parse(_ s: Span<UInt8>, _ range: Range<Int>) -> IPAddress? {
        guard !range.isEmpty, range.lowerBound >= 0, range.upperBound <= s.count, range.count <= 64 else { return nil }
        if let v4 = parseV4(s, range) { return IPAddress(v4: v4) }
        return parseV6(s, range)
    }

    /// Parses text; for command-line and IOC input.
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard let ip = bytes.withUnsafeBufferPointer({ IPAddress.parse($0.span, 0..<bytes.count) }) else { return nil }
        self = ip
    }

    @inlinable
    static func parseV4(_ s: Span<UInt8>, _ range: Range<Int>) -> UInt32? {
        guard range.lowerBound >= 0, range.upperBound <= s.count else { return nil }
        return s.withUnsafeBufferPointer { p -> UInt32? in
            guard let base = p.baseAddress else { return nil }
            // Bounds: range lies inside the span (checked above).
            return parseV4(base + range.lowerBound, range.count)
        }
    }

    /// Dotted IPv4 in `p[0..<n]` (exactly four decimal octets of one to three digits, each at most 255).
    ///
    /// Reads octet by octet: up to three digits, then the dot, so each byte costs a compare and a multiply-add.
    @inlinable
    public static func parseV4(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt32? {
        var value: UInt32 = 0
        var i = 0
        var octet = 0
        while true {
            // Bounds: every read below is at an index tested to be < n.
            guard i < n else { return nil }
            var d = p[i] &- UInt8(ascii: "0")
            guard d < 10 else { return nil }
            var o = UInt32(d)
            i &+= 1
            if i < n {
                d = p[i] &- UInt8(ascii: "0")
                if d < 10 {
                    o = o &* 10 &+ UInt32(d)
                    i &+= 1
                    if i < n {
                        d = p[i] &- UInt8(ascii: "0")
                        if d < 10 {
                            o = o &* 10 &+ UInt32(d)
                            i &+= 1
                        }
                    }
                }
            }
            guard o <= 255 else { return nil }
            value = value << 8 | o
            if octet == 3 { return i == n ? value : nil }
            guard i < n, p[i] == UInt8(ascii: ".") else { return nil }
            i &+= 1
            octet &+= 1
        }
    }

    @inlinable
    static func hexValue(_ c: UInt8) -> UInt16? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt16(c - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt16(c - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt16(c - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    @inlinable
    static func parseV6(_ s: Span<UInt8>, _ range0: Range<Int>) -> IPAddress? {
        var range = range0
        if let pct = s.firstIndex(of: UInt8(ascii: "%"), from: range.lowerBound), pct < range.upperBound {
            range = range.lowerBound..<pct
        }
        // Groups accumulate into a 128-bit value (high, low): no array, no allocation. Before a `::` they go into
        // `head`, after it into `tail`; the two are joined at the end with the gap's zeros between them.
        @inline(__always) func push(_ v: inout (UInt64, UInt64), _ g: UInt16) {
            v = (v.0 << 16 | v.1 >> 48, v.1 << 16 | UInt64(g))
        }
        var head: (UInt64, UInt64) = (0, 0)
        var tail: (UInt64, UInt64) = (0, 0)
        var n = 0
        var gap = -1
        func add(_ g: UInt16) {
            if gap >= 0 { push(&tail, g) } else { push(&head, g) }
            n += 1
        }
        var i = range.lowerBound
        let end = range.upperBound
        if i + 1 < end, s[i] == UInt8(ascii: ":"), s[i + 1] == UInt8(ascii: ":") {
            gap = 0
            i += 2
            if i == end { return nil }  // "::" alone is not a peer
        }
        while i < end {
            // IPv4 tail?
            var j = i
            var sawDot = false
            while j < end, s[j] != UInt8(ascii: ":") {
                if s[j] == UInt8(ascii: ".") { sawDot = true }
                j += 1
            }
            if sawDot {
                guard j == end, n <= 6, let v4 = parseV4(s, i..<end) else { return nil }
                add(UInt16(v4 >> 16))
                add(UInt16(v4 & 0xffff))
                i = end
                break
            }
            guard j > i, j - i <= 4, n < 8 else { return nil }
            var v: UInt16 = 0
            for k in i..<j {
                guard let h = hexValue(s[k]) else { return nil }
                v = v << 4 | h
            }
            add(v)
            i = j
            if i < end {
                i += 1  // ':'
                if i < end, s[i] == UInt8(ascii: ":") {
                    guard gap < 0 else { return nil }
                    gap = n
                    i += 1
                } else if i == end {
                    return nil
                }
            }
        }
        var value = head
        if gap >= 0 {
            guard n < 8 else { return nil }
            // head holds `gap` groups: move them up past the zeros and the tail's groups.
            for _ in 0..<(8 - gap) { push(&value, 0) }
            value = (value.0 | tail.0, value.1 | tail.1)
        } else if n != 8 {
            return nil
        }
        let ip = IPAddress(high: value.0, low: value.1)
        return ip.isNone ? nil : ip
    }

    /// Canonical text: dotted IPv4; IPv6 per RFC 5952 (lower case, longest zero run compressed).
    public var description: String {
        var out = [UInt8]()
        append(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the canonical text to a byte buffer.
    public func append(to out: inout [UInt8]) {
        if isV4 {
            let v = v4Value
            for k in 0..<4 {
                if k > 0 { out.append(UInt8(ascii: ".")) }
                let o = Int(v >> UInt32(24 - 8 * k) & 0xff)
                if o >= 100 { out.append(UInt8(ascii: "0") + UInt8(o / 100)) }
                if o >= 10 { out.append(UInt8(ascii: "0") + UInt8(o / 10 % 10)) }
                out.append(UInt8(ascii: "0") + UInt8(o % 10))
            }
            return
        }
        var g = [Int](repeating: 0, count: 8)
        for k in 0..<4 { g[k] = Int(high >> UInt64(48 - 16 * k) & 0xffff) }
        for k in 0..<4 { g[4 + k] = Int(low >> UInt64(48 - 16 * k) & 0xffff) }
        var bestStart = -1
        var bestLen = 0
        var k = 0
        while k < 8 {
            if g[k] == 0 {
                var e = k
                while e < 8, g[e] == 0 { e += 1 }
                if e - k > bestLen && e - k >= 2 { bestStart = k; bestLen = e - k }
                k = e
            } else {
                k += 1
            }
        }
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        k = 0
        while k < 8 {
            if k == bestStart {
                out.append(UInt8(ascii: ":"))
                if k == 0 { out.append(UInt8(ascii: ":")) }
                k += bestLen
                continue
            }
            let v = g[k]
            var started = false
            for shift in stride(from: 12, through: 0, by: -4) {
                let d = (v >> shift) & 0xf
                if d != 0 || started || shift == 0 {
                    out.append(hex[d])
                    started = true
                }
            }
            if k < 7 { out.append(UInt8(ascii: ":")) }
            k += 1
        }
    }
}

/// An address range (`10.0.0.0/8`, `2001:db8::/32`), for IOC matching and internal-network settings.
public struct IPNetwork: Hashable, Sendable, CustomStringConvertible {
    public var address: IPAddress
    /// Prefix length over the 128-bit form (an IPv4 /8 is 104 here).
    public var prefixLength: Int

    public init(address: IPAddress, prefixLength: Int) {
        self.prefixLength = max(0, min(128, prefixLength))
        self.address = IPNetwork.mask(address, self.prefixLength)
    }

    public init?(_ text: String) {
        // `/` alone splits into nothing (an IOC list's `ip:/` trapped here: #23's fuzzing of STIX patterns).
        let parts = text.split(separator: "/", maxSplits: 1)
        guard let first = parts.first, let ip = IPAddress(String(first)) else { return nil }
        if parts.count == 1 {
            self.init(address: ip, prefixLength: 128)
            return
        }
        guard let n = Int(parts[1]), n >= 0 else { return nil }
        if ip.isV4 {
            guard n <= 32 else { return nil }
            self.init(address: ip, prefixLength: 96 + n)
        } else {
            guard n <= 128 else { return nil }
            self.init(address: ip, prefixLength: n)
        }
    }

    static func mask(_ ip: IPAddress, _ length: Int) -> IPAddress {
        let hiMask: UInt64 = length >= 64 ? ~0 : (length == 0 ? 0 : ~0 << UInt64(64 - length))
        let loLen = length - 64
        let loMask: UInt64 = loLen >= 64 ? ~0 : (loLen <= 0 ? 0 : ~0 << UInt64(64 - loLen))
        return IPAddress(high: ip.high & hiMask, low: ip.low & loMask)
    }

    public func contains(_ ip: IPAddress) -> Bool { IPNetwork.mask(ip, prefixLength) == address }

    public var description: String {
        address.isV4 ? "\(address)/\(prefixLength - 96)" : "\(address)/\(prefixLength)"
    }
}
