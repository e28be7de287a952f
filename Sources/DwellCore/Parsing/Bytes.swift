#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Byte-level helpers for parsers. All positions are indexes into the span; nothing here allocates.
extension Span where Element == UInt8 {
    /// Index of the first `byte` at or after `start`, or `nil`. Uses `memchr` on the span's storage.
    @inlinable public func firstIndex(of byte: UInt8, from start: Int) -> Int? {
        guard start < count, start >= 0 else { return nil }
        return withUnsafeBufferPointer { p -> Int? in
            guard let base = p.baseAddress else { return nil }
            // Bounds: start < count, so base + start and the remaining count - start bytes are inside the buffer.
            guard let hit = memchr(base + start, Int32(byte), count - start) else { return nil }
            return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
        }
    }

    /// Index of the last `byte` before `end` (exclusive), or `nil`.
    @inlinable public func lastIndex(of byte: UInt8, before end: Int) -> Int? {
        var i = Swift.min(end, count) - 1
        while i >= 0 {
            if self[i] == byte { return i }
            i -= 1
        }
        return nil
    }

    /// Whether the bytes at `start` equal `literal`.
    ///
    /// Compares eight bytes at a time (overlapping loads for the tail), not byte by byte: this runs several times per
    /// line in the auth parsers.
    @inlinable @inline(__always) public func matches(_ literal: StaticString, at start: Int) -> Bool {
        let n = literal.utf8CodeUnitCount
        guard start >= 0, start + n <= count else { return false }
        let lit = UnsafeRawPointer(literal.utf8Start)
        return withUnsafeBufferPointer { p -> Bool in
            guard let base = p.baseAddress else { return n == 0 }
            // Bounds: start + n <= count, so every load below reads inside base[start..<start + n].
            let a = UnsafeRawPointer(base + start)
            if n >= 8 {
                var i = 0
                while i + 8 <= n {
                    if a.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                        != lit.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                    {
                        return false
                    }
                    i &+= 8
                }
                return i == n
                    || a.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
                        == lit.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
            }
            if n >= 4 {
                return a.loadUnaligned(as: UInt32.self) == lit.loadUnaligned(as: UInt32.self)
                    && a.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self)
                        == lit.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self)
            }
            var i = 0
            while i < n {
                if a.load(fromByteOffset: i, as: UInt8.self) != lit.load(fromByteOffset: i, as: UInt8.self) {
                    return false
                }
                i &+= 1
            }
            return true
        }
    }

    /// Index where `literal` first occurs at or after `start` (and ends before `end`), or `nil`.
    ///
    /// Scans (with `memchr`) for the literal's first byte that is not a space, which is rarer in text than the
    /// space many literals start with, and compares the literal at each candidate.
    @inlinable public func find(_ literal: StaticString, from start: Int, to end: Int? = nil) -> Int? {
        let n = literal.utf8CodeUnitCount
        let limit = Swift.min(end ?? count, count)
        guard n > 0, start >= 0 else { return nil }
        let k = Self.anchor(literal)
        let key = literal.utf8Start[k]
        var i = start
        while i + n <= limit {
            // The anchor of a match at i is at i + k; search for it where a match still fits.
            guard let j = firstIndex(of: key, from: i + k), j - k + n <= limit else { return nil }
            if matches(literal, at: j - k) { return j - k }
            i = j - k + 1
        }
        return nil
    }

    /// Index of the last occurrence of `literal` that ends at or before `end`, or `nil`.
    ///
    /// Walks backwards over the raw bytes looking for the literal's first non-space byte (see `find`), and
    /// compares the literal only there.
    @inlinable public func findLast(_ literal: StaticString, before end: Int? = nil, notBefore start: Int = 0) -> Int? {
        let n = literal.utf8CodeUnitCount
        let last = Swift.min(end ?? count, count) - n  // the last position where a match fits
        guard n > 0, last >= start, start >= 0 else { return nil }
        let k = Self.anchor(literal)
        let key = literal.utf8Start[k]
        return withUnsafeBufferPointer { p -> Int? in
            guard let base = p.baseAddress else { return nil }
            // Bounds: candidates i run from `last` down to `start`, both in 0...count - n, and i + k < i + n <= count.
            var i = last
            while i >= start {
                if base[i &+ k] == key, matches(literal, at: i) { return i }
                i &-= 1
            }
            return nil
        }
    }

    /// Index in `literal` of its first byte that is not a space (0 if all are spaces).
    @inlinable static func anchor(_ literal: StaticString) -> Int {
        let n = literal.utf8CodeUnitCount
        var k = 0
        while k < n, literal.utf8Start[k] == UInt8(ascii: " ") { k += 1 }
        return k < n ? k : 0
    }

    /// Parses an unsigned decimal number in `range`, with overflow checks. `nil` if empty, not all digits or too big.
    @inlinable public func parseUInt(_ range: Range<Int>) -> UInt64? {
        guard !range.isEmpty, range.lowerBound >= 0, range.upperBound <= count else { return nil }
        return withUnsafeBufferPointer { p in
            // Bounds: range lies inside the span (checked above).
            p.baseAddress.flatMap { DecimalDigits.parseUInt($0 + range.lowerBound, range.count) }
        }
    }

    /// The value of the two decimal digits at `i` (`"07"` → 7), or `nil`. For fixed-width time fields.
    @inlinable @inline(__always) public func twoDigits(at i: Int) -> Int? {
        guard i >= 0, i + 2 <= count else { return nil }
        let a = self[i] &- UInt8(ascii: "0")
        let b = self[i + 1] &- UInt8(ascii: "0")
        guard a < 10, b < 10 else { return nil }
        return Int(a) &* 10 &+ Int(b)
    }

    /// Parses a signed decimal integer (optional leading `-`) in `range`.
    @inlinable public func parseInt(_ range: Range<Int>) -> Int64? {
        guard !range.isEmpty, range.lowerBound >= 0, range.upperBound <= count else { return nil }
        return withUnsafeBufferPointer { p in
            // Bounds: range lies inside the span (checked above).
            p.baseAddress.flatMap { DecimalDigits.parseInt($0 + range.lowerBound, range.count) }
        }
    }

    /// End of the run of decimal digits starting at `start`.
    @inlinable public func digitsEnd(from start: Int) -> Int {
        var i = start
        while i < count, self[i] &- UInt8(ascii: "0") < 10 { i += 1 }
        return i
    }

    /// First index at or after `start` that is not a space.
    @inlinable public func skipSpaces(from start: Int) -> Int {
        var i = start
        while i < count, self[i] == UInt8(ascii: " ") { i += 1 }
        return i
    }

    /// Index of the next space at or after `start`, or `count`.
    @inlinable public func tokenEnd(from start: Int) -> Int {
        firstIndex(of: UInt8(ascii: " "), from: start) ?? count
    }
}

/// Months by their English three-letter abbreviation, matched on bytes packed into an integer.
public enum MonthName {
    /// 1...12 for `Jan`...`Dec` (case-insensitive first letter kept strict as syslog writes it), else `nil`.
    @inlinable public static func number(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> Int? {
        let key = UInt32(a | 0x20) << 16 | UInt32(b | 0x20) << 8 | UInt32(c | 0x20)
        switch key {
        case 0x6a616e: return 1  // jan
        case 0x666562: return 2  // feb
        case 0x6d6172: return 3  // mar
        case 0x617072: return 4  // apr
        case 0x6d6179: return 5  // may
        case 0x6a756e: return 6  // jun
        case 0x6a756c: return 7  // jul
        case 0x617567: return 8  // aug
        case 0x736570: return 9  // sep
        case 0x6f6374: return 10  // oct
        case 0x6e6f76: return 11  // nov
        case 0x646563: return 12  // dec
        default: return nil
        }
    }
}

/// Scans ISO 8601 / RFC 3339 timestamps from bytes: `2026-03-12T14:02:11.123456+01:00`, `... 14:02:11Z`,
/// a space instead of `T`, fractions of any length (kept to microseconds), offsets `+hh:mm`, `+hhmm`, `Z` or none.
public enum ISO8601Scanner {
    @inlinable
    public static func scan(_ s: Span<UInt8>, from start: Int) -> (civil: CivilTime, end: Int)? {
        var i = start
        guard i + 10 <= s.count,
            let century = s.twoDigits(at: i), let yy = s.twoDigits(at: i + 2), s[i + 4] == UInt8(ascii: "-"),
            let month = s.twoDigits(at: i + 5), s[i + 7] == UInt8(ascii: "-"),
            let day = s.twoDigits(at: i + 8)
        else { return nil }
        i += 10
        var civil = CivilTime(year: century * 100 + yy, month: month, day: day, hour: 0, minute: 0, second: 0)
        if i < s.count, s[i] == UInt8(ascii: "T") || s[i] == UInt8(ascii: " ") || s[i] == UInt8(ascii: "t"),
            i + 9 <= s.count, s[i + 3] == UInt8(ascii: ":"), s[i + 6] == UInt8(ascii: ":"),
            let h = s.twoDigits(at: i + 1), let m = s.twoDigits(at: i + 4), let sec = s.twoDigits(at: i + 7)
        {
            civil.hour = h
            civil.minute = m
            civil.second = sec
            i += 9
            if i < s.count, s[i] == UInt8(ascii: ".") || s[i] == UInt8(ascii: ",") {
                i += 1
                let fracStart = i
                var micros = 0
                var digits = 0
                while i < s.count, s[i] &- UInt8(ascii: "0") < 10 {
                    if digits < 6 { micros = micros * 10 + Int(s[i] &- UInt8(ascii: "0")) }
                    digits += 1
                    i += 1
                }
                guard i > fracStart else { return nil }
                while digits < 6 { micros *= 10; digits += 1 }
                civil.microsecond = micros
            }
            if i < s.count {
                let c = s[i]
                if c == UInt8(ascii: "Z") || c == UInt8(ascii: "z") {
                    civil.utcOffsetSeconds = 0
                    i += 1
                } else if c == UInt8(ascii: "+") || c == UInt8(ascii: "-") {
                    let sign = c == UInt8(ascii: "-") ? -1 : 1
                    if i + 6 <= s.count, s[i + 3] == UInt8(ascii: ":"),
                        let oh = s.twoDigits(at: i + 1), let om = s.twoDigits(at: i + 4)
                    {
                        civil.utcOffsetSeconds = sign * (oh * 3600 + om * 60)
                        i += 6
                    } else if i + 5 <= s.count, let oh = s.twoDigits(at: i + 1), let om = s.twoDigits(at: i + 3) {
                        civil.utcOffsetSeconds = sign * (oh * 3600 + om * 60)
                        i += 5
                    }
                }
            }
        }
        guard civil.isValid else { return nil }
        return (civil, i)
    }
}

/// Decimal numbers read from raw bytes, for the parsers' hot loops that already hold a pointer (the bounds are the
/// caller's to argue) and for `Span.parseUInt`.
public enum DecimalDigits {
    /// An unsigned decimal number in `p[0..<n]`, with overflow checks. `nil` if empty, not all digits or too big.
    @inlinable @inline(__always)
    public static func parseUInt(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt64? {
        guard n > 0 else { return nil }
        var v: UInt64 = 0
        var i = 0
        if n <= 19 {
            // At most 19 digits cannot overflow a UInt64 (10^19 - 1 < 2^64).
            while i < n {
                let d = p[i] &- UInt8(ascii: "0")
                guard d < 10 else { return nil }
                v = v &* 10 &+ UInt64(d)
                i &+= 1
            }
            return v
        }
        while i < n {
            let d = p[i] &- UInt8(ascii: "0")
            guard d < 10 else { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(UInt64(d))
            if o1 || o2 { return nil }
            v = a
            i &+= 1
        }
        return v
    }

    /// A signed decimal integer (optional leading `-`) in `p[0..<n]`.
    @inlinable @inline(__always)
    public static func parseInt(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int64? {
        guard n > 0 else { return nil }
        if p[0] == UInt8(ascii: "-") {
            guard let u = parseUInt(p + 1, n - 1), u <= UInt64(Int64.max) else { return nil }
            return -Int64(u)
        }
        guard let u = parseUInt(p, n), u <= UInt64(Int64.max) else { return nil }
        return Int64(u)
    }
}
