/// A point in time: microseconds since the Unix epoch, UTC.
///
/// Every parser resolves years and zones before it builds one (see `ParseContext.timestamp(for:)`);
/// reports print it as ISO 8601 UTC.
public struct Timestamp: Comparable, Hashable, Sendable, CustomStringConvertible {
    public var microseconds: Int64

    @inlinable public init(microseconds: Int64) { self.microseconds = microseconds }
    @inlinable public init(seconds: Int64) { self.microseconds = seconds &* 1_000_000 }

    public static let zero = Timestamp(microseconds: 0)
    public static let distantPast = Timestamp(microseconds: Int64.min)
    public static let distantFuture = Timestamp(microseconds: Int64.max)

    /// Whole seconds, rounded down (also for times before 1970). Never traps: a damaged journal header's time near
    /// `Int64.min` did, in `microseconds - 999_999` (#23's fuzzing).
    @inlinable public var seconds: Int64 {
        microseconds >= 0 ? microseconds / 1_000_000 : (microseconds + 1) / 1_000_000 - 1
    }

    @inlinable public static func < (a: Timestamp, b: Timestamp) -> Bool { a.microseconds < b.microseconds }

    public var description: String { iso8601(fractionDigits: 6) }

    /// `2026-03-12T14:02:11.123456Z` (fractionDigits 6), `2026-03-12T14:02:11Z` (0), or with 3 digits.
    public func iso8601(fractionDigits: Int = 6) -> String {
        var out = [UInt8]()
        out.reserveCapacity(32)
        appendISO8601(to: &out, fractionDigits: fractionDigits)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the ISO 8601 form to a byte buffer (no `String` on the output path).
    public func appendISO8601(to out: inout [UInt8], fractionDigits: Int = 6, utcSuffix: String = "Z") {
        let secs = seconds
        let micros = Int(microseconds &- secs &* 1_000_000)  // in 0..<1_000_000; wrapping only near Int64.min
        var days = secs >= 0 ? secs / 86_400 : (secs - 86_399) / 86_400
        let secOfDay = Int(secs - days * 86_400)
        if days < -2_000_000 { days = -2_000_000 }  // keep the civil conversion in range for absurd inputs
        let (y, m, d) = CivilDate.civil(fromDays: days)
        Self.pad(&out, y, 4)
        out.append(UInt8(ascii: "-")); Self.pad(&out, m, 2)
        out.append(UInt8(ascii: "-")); Self.pad(&out, d, 2)
        out.append(UInt8(ascii: "T")); Self.pad(&out, secOfDay / 3600, 2)
        out.append(UInt8(ascii: ":")); Self.pad(&out, secOfDay / 60 % 60, 2)
        out.append(UInt8(ascii: ":")); Self.pad(&out, secOfDay % 60, 2)
        if fractionDigits > 0 {
            out.append(UInt8(ascii: "."))
            var div = 100_000
            for _ in 0..<min(fractionDigits, 6) {
                out.append(UInt8(ascii: "0") + UInt8(micros / div % 10))
                div /= 10
            }
        }
        out.append(contentsOf: utcSuffix.utf8)
    }

    @inline(__always) static func pad(_ out: inout [UInt8], _ value: Int, _ width: Int) {
        var v = value
        if v < 0 { out.append(UInt8(ascii: "-")); v = -v }
        var digitCount = 1
        var probe = v
        while probe >= 10 { probe /= 10; digitCount += 1 }
        var zeros = width - digitCount
        while zeros > 0 { out.append(UInt8(ascii: "0")); zeros -= 1 }
        var div = 1
        for _ in 1..<digitCount { div *= 10 }
        while div > 0 { out.append(UInt8(ascii: "0") + UInt8(v / div % 10)); div /= 10 }
    }

    /// Parses ISO 8601 / RFC 3339 text (`2026-03-12T14:02:11Z`, `2026-03-12 14:02:11.5+01:00`, `2026-03-12`,
    /// and minutes without seconds, `2026-03-12T14:02Z`), as typed on the command line. A missing zone means UTC.
    public init?(iso8601 text: String) {
        var bytes = Array(text.utf8)
        // ISO 8601 lets the seconds go: `YYYY-MM-DDTHH:MM`, then the zone or the end, reads as `HH:MM:00`.
        if bytes.count >= 16, bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: " "),
            bytes[13] == UInt8(ascii: ":"), bytes.count == 16 || bytes[16] != UInt8(ascii: ":")
        {
            bytes.insert(contentsOf: Array(":00".utf8), at: 16)
        }
        guard let parsed = bytes.withUnsafeBufferPointer({ ISO8601Scanner.scan($0.span, from: 0) }) else { return nil }
        guard parsed.end == bytes.count else { return nil }
        let utc = parsed.civil.utcOffsetSeconds ?? 0
        guard let ts = parsed.civil.timestamp(offsetSeconds: utc) else { return nil }
        self = ts
    }
}

/// Proleptic Gregorian calendar arithmetic on day numbers (days since 1970-01-01), without Foundation.
public enum CivilDate {
    /// Days since 1970-01-01 for a civil date (Howard Hinnant's algorithm).
    @inlinable public static func days(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The civil date of a day number.
    public static func civil(fromDays z0: Int64) -> (year: Int, month: Int, day: Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (Int(m <= 2 ? y + 1 : y), Int(m), Int(d))
    }

    @inlinable public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 1, 3, 5, 7, 8, 10, 12: return 31
        case 4, 6, 9, 11: return 30
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        default: return 0
        }
    }

    /// The year of a timestamp, UTC.
    public static func year(of t: Timestamp) -> Int {
        let secs = t.seconds
        let days = secs >= 0 ? secs / 86_400 : (secs - 86_399) / 86_400
        return civil(fromDays: days).year
    }
}

/// A wall-clock reading as a log line gives it: the year and the zone may be missing.
public struct CivilTime: Equatable, Sendable {
    public var year: Int?
    public var month: Int
    public var day: Int
    public var hour: Int
    public var minute: Int
    public var second: Int
    public var microsecond: Int
    /// The zone the line states (`+01:00` → 3600, `Z` → 0); `nil` when the line has none.
    public var utcOffsetSeconds: Int?

    @inlinable
    public init(
        year: Int?, month: Int, day: Int, hour: Int, minute: Int, second: Int, microsecond: Int = 0,
        utcOffsetSeconds: Int? = nil
    ) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
        self.microsecond = microsecond
        self.utcOffsetSeconds = utcOffsetSeconds
    }

    /// Whether the fields form a real date and time (leap second 60 accepted).
    @inlinable public var isValid: Bool {
        month >= 1 && month <= 12 && day >= 1 && day <= CivilDate.daysInMonth(year: year ?? 2000, month: month)
            && hour >= 0 && hour < 24 && minute >= 0 && minute < 60 && second >= 0 && second <= 60
            && microsecond >= 0 && microsecond < 1_000_000
    }

    /// Microseconds since the epoch of this wall-clock reading as if it were UTC, for the given year.
    @inlinable public func localMicroseconds(year y: Int) -> Int64 {
        let days = CivilDate.days(year: y, month: month, day: day)
        let secs = days * 86_400 + Int64(hour * 3600 + minute * 60 + min(second, 59))
        return secs * 1_000_000 + Int64(microsecond)
    }

    /// The instant, when the year is known, given the offset to apply.
    @inlinable public func timestamp(offsetSeconds: Int) -> Timestamp? {
        guard let y = year, isValid else { return nil }
        return Timestamp(microseconds: localMicroseconds(year: y) - Int64(offsetSeconds) * 1_000_000)
    }
}
