import DwellCore

#if canImport(Glibc)
    import Glibc
#endif

/// Small byte-level helpers shared by the web and network parsers. Nothing here allocates.
extension Span where Element == UInt8 {
    /// Whether `self[range]` equals `literal` exactly (same length, same bytes).
    func equals(_ range: Range<Int>, _ literal: StaticString) -> Bool {
        range.count == literal.utf8CodeUnitCount && matches(literal, at: range.lowerBound)
    }

    /// Whether `self[range]` equals `literal` ignoring ASCII case.
    func equalsIgnoringCase(_ range: Range<Int>, _ literal: StaticString) -> Bool {
        let n = literal.utf8CodeUnitCount
        guard range.count == n, range.lowerBound >= 0, range.upperBound <= count else { return false }
        let lit = literal.utf8Start
        var i = 0
        while i < n {
            if self[range.lowerBound + i] | 0x20 != lit[i] | 0x20 { return false }
            i += 1
        }
        return true
    }

    /// Whether `literal` occurs in `self[range]`, ignoring ASCII case (for short prefixes and tags).
    func containsIgnoringCase(_ range: Range<Int>, _ literal: StaticString) -> Bool {
        let n = literal.utf8CodeUnitCount
        guard n > 0, range.lowerBound >= 0, range.upperBound <= count else { return false }
        var i = range.lowerBound
        while i + n <= range.upperBound {
            if equalsIgnoringCase(i..<i + n, literal) { return true }
            i += 1
        }
        return false
    }

    /// Whether the byte range is a single `-` (the "no value" mark of access, W3C and Zeek logs).
    func isDash(_ range: Range<Int>) -> Bool {
        range.count == 1 && self[range.lowerBound] == UInt8(ascii: "-")
    }

    /// Parses a non-negative decimal number of seconds (`2.125850`, `0.06416988372802734`, `12`, `1.5e-05`)
    /// in `range` into microseconds (fraction digits past the sixth are truncated). `nil` if malformed.
    func parseSecondsAsMicros(_ range: Range<Int>) -> Int64? {
        guard !range.isEmpty, range.lowerBound >= 0, range.upperBound <= count else { return nil }
        return withUnsafeBufferPointer { p -> Int64? in
            guard let base = p.baseAddress else { return nil }
            // Bounds: range lies inside the span (checked above).
            return RawNumber.secondsAsMicros(base + range.lowerBound, range.count)
        }
    }

    /// Parses an epoch time with an optional fraction (`1320279554.496300`) into a timestamp.
    func parseEpochTimestamp(_ range: Range<Int>) -> Timestamp? {
        guard let micros = parseSecondsAsMicros(range) else { return nil }
        return Timestamp(microseconds: micros)
    }

    /// Index of the closing `"` of a quoted field whose content starts at `start`: the first quote not escaped by
    /// an odd run of backslashes. With `requireFieldEnd`, a quote counts only if a space or the line's end follows
    /// (access logs: Apache writes `\"`, but a hostile request may still carry a bare quote). `nil` if none.
    func closingQuote(from start: Int, requireFieldEnd: Bool) -> Int? {
        guard start >= 0, start < count else { return nil }
        return withUnsafeBufferPointer { p -> Int? in
            guard let base = p.baseAddress else { return nil }
            let n = p.count
            var i = start
            // Bounds: memchr reads base[i..<n] with i < n; the backslash walk stays in start..<q; q + 1 < n is tested.
            while i < n, let hit = memchr(base + i, Int32(UInt8(ascii: "\"")), n - i) {
                let q = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                var backslashes = 0
                var k = q - 1
                while k >= start, base[k] == UInt8(ascii: "\\") {
                    backslashes += 1
                    k -= 1
                }
                if backslashes & 1 == 0 {
                    if !requireFieldEnd || q + 1 == n || base[q + 1] == UInt8(ascii: " ") { return q }
                }
                i = q + 1
            }
            return nil
        }
    }
}

/// Number parsing on raw bytes, for hot loops that already hold a pointer (the bounds are the caller's to argue).
/// It gives exactly the answer of its `Span` counterpart (`parseSecondsAsMicros`); integers are `DecimalDigits`.
enum RawNumber {
    /// Seconds with an optional fraction and exponent in `p[0..<n]` as microseconds (see
    /// `Span.parseSecondsAsMicros`).
    static func secondsAsMicros(_ p: UnsafePointer<UInt8>, _ end: Int) -> Int64? {
        guard end > 0 else { return nil }
        var i = 0
        var whole: Int64 = 0
        var digits = 0
        if end >= 8 {
            // Eight leading digits at once (an epoch time's first eight). whole is 0 before them, so the bound the
            // digit loop tests (whole <= 9e12 before each step) holds throughout them.
            // Bounds: end >= 8, so the load reads p[0..<8].
            let w = UnsafeRawPointer(p).loadUnaligned(as: UInt64.self).littleEndian
            let high: UInt64 = 0xF0F0_F0F0_F0F0_F0F0
            let zeros: UInt64 = 0x3030_3030_3030_3030
            // Every byte in 0x30...0x3F, and none above 0x39 (adding 6 keeps it below 0x40).
            if w & high == zeros && (w &+ 0x0606_0606_0606_0606) & high == zeros {
                // Byte 0 is the most significant digit: combine pairs, then quads, then the two halves.
                var v = w &- zeros
                v = (v &* 10 &+ (v >> 8)) & 0x00FF_00FF_00FF_00FF
                v = (v &* 100 &+ (v >> 16)) & 0x0000_FFFF_0000_FFFF
                v = (v &* 10_000 &+ (v >> 32)) & 0xFFFF_FFFF
                whole = Int64(v)
                digits = 8
                i = 8
            }
        }
        while i < end {
            let d = p[i] &- UInt8(ascii: "0")
            guard d < 10 else { break }
            // Bounded before each step: whole <= 9e12 gives whole * 10 + 9 < Int64.max, no overflow possible.
            if whole > 9_000_000_000_000 { return nil }
            whole = whole &* 10 &+ Int64(d)
            digits &+= 1
            i &+= 1
        }
        var micros: Int64 = 0
        var fractionDigits = 0
        if i < end, p[i] == UInt8(ascii: ".") {
            i &+= 1
            while i < end {
                let d = p[i] &- UInt8(ascii: "0")
                guard d < 10 else { break }
                if fractionDigits < 6 {
                    micros = micros &* 10 &+ Int64(d)
                    fractionDigits &+= 1
                }
                digits &+= 1
                i &+= 1
            }
        }
        guard digits > 0 else { return nil }
        while fractionDigits < 6 {
            micros &*= 10
            fractionDigits &+= 1
        }
        let (w, o) = whole.multipliedReportingOverflow(by: 1_000_000)
        // Checked: `9223372036854.999999` would pass the multiplication and overflow here (the Span version
        // trapped on it; hostile input must not).
        let (sum, o2) = w.addingReportingOverflow(micros)
        guard !o, !o2 else { return nil }
        var value = sum
        if i < end, p[i] | 0x20 == UInt8(ascii: "e") {
            // Rare: JSON writers print tiny durations with an exponent. Scale by the power of ten.
            i += 1
            var negative = false
            if i < end, p[i] == UInt8(ascii: "-") || p[i] == UInt8(ascii: "+") {
                negative = p[i] == UInt8(ascii: "-")
                i += 1
            }
            guard let e = DecimalDigits.parseUInt(p + i, end - i), e < 30 else { return nil }
            for _ in 0..<Int(e) {
                if negative {
                    value /= 10
                } else {
                    let (m, o3) = value.multipliedReportingOverflow(by: 10)
                    guard !o3 else { return nil }
                    value = m
                }
            }
            i = end
        }
        guard i == end else { return nil }
        return value
    }
}

/// Finds the separators of a line one after another, eight bytes at a time: each word's matching bytes become a
/// bit mask, and the next separator is its lowest set bit. One load and a few operations per eight bytes, and no
/// call per field.
struct SeparatorScanner {
    let base: UnsafePointer<UInt8>
    let count: Int
    let separator: UInt8
    let pattern: UInt64
    /// Start of the word whose matches `mask` holds.
    var wordStart = 0
    /// High bit of each byte of the word at `wordStart` that is a separator not yet returned.
    var mask: UInt64 = 0
    /// Bytes before this index have been scanned.
    var scanned = 0

    /// Scans `base[0..<count]`, which must stay valid while the scanner is used.
    @inline(__always)
    init(base: UnsafePointer<UInt8>, count: Int, separator: UInt8) {
        self.base = base
        self.count = count
        self.separator = separator
        pattern = UInt64(separator) &* 0x0101_0101_0101_0101
    }

    /// The index of the next separator, or `count` when none is left.
    @inline(__always)
    mutating func next() -> Int {
        while true {
            if mask != 0 {
                let at = wordStart &+ mask.trailingZeroBitCount >> 3
                mask &= mask &- 1
                return at
            }
            if scanned &+ 8 <= count {
                // Bounds: scanned + 8 <= count, so the load reads inside base[0..<count].
                let x = UnsafeRawPointer(base + scanned).loadUnaligned(as: UInt64.self).littleEndian ^ pattern
                // Exact zero-byte test (no false positives): the high bit is set only where a byte of x is 0.
                let low7: UInt64 = 0x7f7f_7f7f_7f7f_7f7f
                mask = ~(((x & low7) &+ low7) | x | low7)
                wordStart = scanned
                scanned &+= 8
                continue
            }
            while scanned < count {
                let at = scanned
                scanned &+= 1
                if base[at] == separator { return at }
            }
            return count
        }
    }
}

extension SymbolTable {
    /// Interns a literal (a normalised value such as `tcp`, `deny` or `preauth`).
    @inline(__always) mutating func intern(literal: StaticString) -> Symbol {
        intern(UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    /// Interns the bytes of a scratch buffer.
    mutating func intern(bytes: [UInt8]) -> Symbol {
        bytes.withUnsafeBufferPointer { intern($0) }
    }
}

/// Network protocol names, normalised to lower case (`tcp`, `udp`, `icmp`, …) from names or IANA numbers.
enum ProtocolName {
    /// The normalised symbol for a protocol given as text (`TCP`, `tcp`, `6`, `ICMPv6`), or the bytes as they are.
    static func symbol(_ s: Span<UInt8>, _ range: Range<Int>, _ table: inout SymbolTable) -> Symbol {
        if s.equalsIgnoringCase(range, "tcp") || s.equals(range, "6") { return table.intern(literal: "tcp") }
        if s.equalsIgnoringCase(range, "udp") || s.equals(range, "17") { return table.intern(literal: "udp") }
        if s.equalsIgnoringCase(range, "icmp") || s.equals(range, "1") { return table.intern(literal: "icmp") }
        if s.equalsIgnoringCase(range, "icmpv6") || s.equalsIgnoringCase(range, "ipv6-icmp") || s.equals(range, "58") {
            return table.intern(literal: "icmpv6")
        }
        if s.equalsIgnoringCase(range, "sctp") || s.equals(range, "132") { return table.intern(literal: "sctp") }
        if s.equalsIgnoringCase(range, "gre") || s.equals(range, "47") { return table.intern(literal: "gre") }
        if s.equalsIgnoringCase(range, "esp") || s.equals(range, "50") { return table.intern(literal: "esp") }
        return table.intern(s, range)
    }
}

/// Substring tests on sample lines (detection only; not on the per-line path).
enum ByteSearch {
    static func contains(_ bytes: [UInt8], _ needle: StaticString) -> Bool {
        bytes.withUnsafeBufferPointer { $0.span.find(needle, from: 0) != nil }
    }

    /// Number of sample lines that start (after blanks) with `{`.
    static func jsonLines(_ sample: DetectionSample) -> Int {
        sample.lines.reduce(0) { n, line in
            let first = line.first { $0 != 0x20 && $0 != 0x09 }
            return first == UInt8(ascii: "{") ? n + 1 : n
        }
    }
}

extension ByteSearch {
    static func startsWith(_ bytes: [UInt8], _ prefix: StaticString) -> Bool {
        bytes.withUnsafeBufferPointer { $0.span.matches(prefix, at: 0) }
    }
}
