/// Microseconds since the Unix epoch, UTC: the one representation of a point in time in the generator.
public typealias Micros = Int64

public let microsPerSecond: Micros = 1_000_000
public let microsPerMinute: Micros = 60 * microsPerSecond
public let microsPerHour: Micros = 3_600 * microsPerSecond
public let microsPerDay: Micros = 86_400 * microsPerSecond

/// A calendar date and time of day in UTC (or in a zone, once an offset has been added).
public struct CivilTime: Equatable, Sendable {
    public var year: Int
    public var month: Int
    public var day: Int
    public var hour: Int
    public var minute: Int
    public var second: Int
    public var micro: Int
}

/// Calendar arithmetic (Howard Hinnant's days-from-civil), Foundation-free and zone-free.
public enum Calendar0 {
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    public static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    public static func micros(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0)
        -> Micros
    {
        let days = daysFromCivil(year: year, month: month, day: day)
        return Micros(days * 86_400 + hour * 3_600 + minute * 60 + second) * microsPerSecond
    }

    public static func civil(_ time: Micros) -> CivilTime {
        let seconds = floorDiv(time, microsPerSecond)
        let micro = Int(time - seconds * microsPerSecond)
        let days = Int(floorDiv(seconds, 86_400))
        let secondOfDay = Int(seconds - Int64(days) * 86_400)
        let date = civilFromDays(days)
        return CivilTime(
            year: date.year, month: date.month, day: date.day,
            hour: secondOfDay / 3_600, minute: secondOfDay / 60 % 60, second: secondOfDay % 60, micro: micro)
    }

    /// Day of the week, 0 = Sunday.
    public static func weekday(days: Int) -> Int { ((days % 7) + 11) % 7 }

    public static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    /// Parses `YYYY-MM-DD` to midnight UTC of that day.
    public static func parseDate(_ text: String) -> Micros? {
        let parts = text.split(separator: "-")
        guard parts.count == 3, let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
            (1970...9999).contains(y), (1...12).contains(m), (1...31).contains(d)
        else { return nil }
        return micros(year: y, month: m, day: d)
    }
}

/// A host's clock: UTC, or Europe/Berlin (CET/CEST with the EU rule: last Sunday of March and October, 01:00 UTC).
public enum HostClock: Sendable, Equatable {
    case utc
    case europeBerlin

    /// The offset from UTC in seconds at `time`.
    public func offsetSeconds(at time: Micros) -> Int {
        switch self {
        case .utc:
            return 0
        case .europeBerlin:
            let year = Calendar0.civil(time).year
            let start = Self.lastSundayMicros(year: year, month: 3) + microsPerHour
            let end = Self.lastSundayMicros(year: year, month: 10) + microsPerHour
            return time >= start && time < end ? 7_200 : 3_600
        }
    }

    static func lastSundayMicros(year: Int, month: Int) -> Micros {
        let last = Calendar0.daysFromCivil(year: year, month: month, day: 31)
        let sunday = last - Calendar0.weekday(days: last)
        return Micros(sunday) * microsPerDay
    }
}

let monthNames: [StaticString] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

extension Array where Element == UInt8 {
    /// `Mar  9 06:25:01` (RFC 3164, the traditional syslog stamp: no year, no zone, day padded with a space).
    mutating func putRFC3164(_ time: Micros) {
        let c = Calendar0.civil(time)
        put(monthNames[c.month - 1])
        append(0x20)
        if c.day < 10 { append(0x20) }
        putInt(c.day)
        append(0x20)
        putClock(c)
    }

    /// `2026-03-12T14:03:11.123456+01:00` (RFC 3339 with microseconds, rsyslog's high-precision format).
    mutating func putRFC3339(_ time: Micros, offsetSeconds: Int) {
        let c = Calendar0.civil(time + Micros(offsetSeconds) * microsPerSecond)
        putDate(c)
        append(UInt8(ascii: "T"))
        putClock(c)
        append(UInt8(ascii: "."))
        putPadded(c.micro, width: 6)
        append(offsetSeconds < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
        let minutes = abs(offsetSeconds) / 60
        putPadded(minutes / 60, width: 2)
        append(UInt8(ascii: ":"))
        putPadded(minutes % 60, width: 2)
    }

    /// `12/Mar/2026:14:02:11 +0000` (nginx `$time_local` on a UTC host).
    mutating func putNginxTime(_ time: Micros) {
        let c = Calendar0.civil(time)
        putPadded(c.day, width: 2)
        append(UInt8(ascii: "/"))
        put(monthNames[c.month - 1])
        append(UInt8(ascii: "/"))
        putInt(c.year)
        append(UInt8(ascii: ":"))
        putClock(c)
        put(" +0000")
    }

    /// `1773324131.123456` (Zeek's `time`: epoch seconds with six decimals).
    mutating func putEpochSeconds(_ time: Micros) {
        let seconds = Calendar0.floorDiv(time, microsPerSecond)
        putInt(Int(seconds))
        append(UInt8(ascii: "."))
        putPadded(Int(time - seconds * microsPerSecond), width: 6)
    }

    /// `2026-03-12-14-00-00` (Zeek's `#open`/`#close`).
    mutating func putZeekStamp(_ time: Micros) {
        let c = Calendar0.civil(time)
        putInt(c.year)
        append(UInt8(ascii: "-"))
        putPadded(c.month, width: 2)
        append(UInt8(ascii: "-"))
        putPadded(c.day, width: 2)
        append(UInt8(ascii: "-"))
        putPadded(c.hour, width: 2)
        append(UInt8(ascii: "-"))
        putPadded(c.minute, width: 2)
        append(UInt8(ascii: "-"))
        putPadded(c.second, width: 2)
    }

    mutating func putDate(_ c: CivilTime) {
        putInt(c.year)
        append(UInt8(ascii: "-"))
        putPadded(c.month, width: 2)
        append(UInt8(ascii: "-"))
        putPadded(c.day, width: 2)
    }

    mutating func putClock(_ c: CivilTime) {
        putPadded(c.hour, width: 2)
        append(UInt8(ascii: ":"))
        putPadded(c.minute, width: 2)
        append(UInt8(ascii: ":"))
        putPadded(c.second, width: 2)
    }

    /// An nginx/Apache combined-format line: `client - - [time] "method uri HTTP/1.1" status bytes "referrer" "agent"`
    /// (time to the second, as `$time_local` prints it), for both emitters.
    mutating func putCombinedLine(
        client: IPv4, second: Micros, method: String, uri: String, status: Int, bytes: Int, referrer: String,
        userAgent: String
    ) {
        putIPv4(client)
        put(" - - [")
        putNginxTime(second)
        put("] \"")
        put(method)
        append(0x20)
        put(uri)
        put(" HTTP/1.1\" ")
        putInt(status)
        append(0x20)
        putInt(bytes)
        put(" \"")
        put(referrer)
        put("\" \"")
        put(userAgent)
        append(UInt8(ascii: "\""))
    }
}

/// `2026-03-12T14:01:07Z`: ISO 8601 UTC to the second (truncated), as the ground truth prints times.
public func isoSeconds(_ time: Micros) -> String {
    let c = Calendar0.civil(time)
    var bytes: [UInt8] = []
    bytes.putDate(c)
    bytes.append(UInt8(ascii: "T"))
    bytes.putClock(c)
    bytes.append(UInt8(ascii: "Z"))
    return String(decoding: bytes, as: UTF8.self)
}

/// `2026-03-12`
public func isoDate(_ time: Micros) -> String {
    var bytes: [UInt8] = []
    bytes.putDate(Calendar0.civil(time))
    return String(decoding: bytes, as: UTF8.self)
}
