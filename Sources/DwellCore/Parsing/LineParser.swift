/// Why one line did not become an event. Small, `Equatable`, allocation-free.
public enum LineRejection: Error, Equatable, Sendable {
    case truncated(atColumn: Int)
    case badTimestamp(atColumn: Int)
    case unexpectedByte(UInt8, atColumn: Int)
    case unrecognized(atColumn: Int)  // well-formed, but no rule of this format matches
    case invalidField(atColumn: Int)  // a field the format requires is malformed (an address, a number)
    case lineTooLong(bytes: Int)
    case noFormat  // no registered format recognised the file

    /// A stable short name, used to count rejections per reason.
    public var reasonName: String {
        switch self {
        case .truncated: "truncated"
        case .badTimestamp: "bad_timestamp"
        case .unexpectedByte: "unexpected_byte"
        case .unrecognized: "unrecognized"
        case .invalidField: "invalid_field"
        case .lineTooLong: "line_too_long"
        case .noFormat: "no_format"
        }
    }

    public var column: Int? {
        switch self {
        case .truncated(let c), .badTimestamp(let c), .unrecognized(let c), .invalidField(let c): c
        case .unexpectedByte(_, let c): c
        case .lineTooLong, .noFormat: nil
        }
    }
}

/// A rejection together with its place in the evidence.
public struct InputIssue: Error, Sendable, CustomStringConvertible {
    public var source: SourceRef
    public var reason: LineRejection
    public init(source: SourceRef, reason: LineRejection) {
        self.source = source
        self.reason = reason
    }
    public var description: String { "\(source): \(reason)" }
}

/// Parses one line of one format into an event.
///
/// The caller owns one `Event` and passes it to every call (no event is copied or returned per line). The
/// convention: a parser that returns `true` has written the whole event (it starts from `Event(time:kind:)`,
/// so fields it does not set hold their defaults, never a previous line's values). After `false` (a non-event)
/// or a rejection, the event's content is unspecified and must not be used.
public protocol LineParser {
    /// Parses one line (terminator removed) into `event`. `line` is valid only during the call.
    /// - Returns: `true` for an event; `false` for lines the format defines as non-events (headers, comments),
    ///   which the caller counts.
    /// - Throws: the reason the line is not an event of this format.
    mutating func parse(
        _ line: Span<UInt8>, into event: inout Event, context: inout ParseContext
    ) throws(LineRejection) -> Bool
}

extension LineParser {
    /// Parses one line into a new event, or `nil` for a non-event. For tests, detection and other cold paths;
    /// per-line loops reuse one event with `parse(_:into:context:)`.
    @inlinable
    public mutating func event(_ line: Span<UInt8>, context: inout ParseContext) throws(LineRejection) -> Event? {
        var event = Event()
        return try parse(line, into: &event, context: &context) ? event : nil
    }
}

/// Parses fixed-size binary records (utmp/wtmp/btmp) into events, with the convention of `LineParser`.
public protocol RecordParser {
    var recordBytes: Int { get }
    /// Parses one record into `event`. Returns `false` for records that carry nothing (empty slots).
    mutating func parse(
        record: Span<UInt8>, into event: inout Event, context: inout ParseContext
    ) throws(LineRejection) -> Bool
}

extension RecordParser {
    /// Parses one record into a new event, or `nil` for an empty slot (cold paths and tests).
    @inlinable
    public mutating func event(record: Span<UInt8>, context: inout ParseContext) throws(LineRejection) -> Event? {
        var event = Event()
        return try parse(record: record, into: &event, context: &context) ? event : nil
    }
}

/// Per-file state a parser reads and writes: the symbol table, the host, and the clock that turns
/// wall-clock readings into UTC timestamps.
public struct ParseContext {
    public var symbols: SymbolTable
    /// The host the file belongs to (from its path under an image root), or `.none`.
    public var defaultHost: Symbol
    public var clock: FileClock {
        didSet { minute = MinuteCache() }
    }
    /// Whether parsers fill the text fields that no index keeps (connection uid, referer), which are the costly
    /// ones to intern: a Zeek uid is new on every line. `dwell parse` shows them; the commands that only build the
    /// event store turn this off (see `EventSink.wantsUnindexedText`).
    public var wantsUnindexedText = true
    /// The last resolved minute (see `timestamp(for:)`); cleared when the clock changes.
    @usableFromInline var minute = MinuteCache()

    public init(symbols: SymbolTable = SymbolTable(), defaultHost: Symbol = .none, clock: FileClock = FileClock()) {
        self.symbols = symbols
        self.defaultHost = defaultHost
        self.clock = clock
    }

    /// Resolves a wall-clock reading: the year (if missing) from the file's reference time, the zone
    /// (if missing) from `--tz`. Returns `nil` for impossible dates.
    ///
    /// Logs write many lines per minute, so the minute's start is resolved once and reused while the year, month,
    /// day, hour, minute and stated offset stay the same: a line of that minute costs a few compares. A minute is
    /// reused only when the whole minute resolves alike (same year and zone decision, no offset change inside it),
    /// so the result is always the one `FileClock.resolve` gives.
    @inlinable
    public mutating func timestamp(for civil: CivilTime) -> (Timestamp, TimeSource)? {
        let second = civil.second
        let micros = civil.microsecond
        if minute.matches(civil), second >= 0, second <= 60, micros >= 0, micros < 1_000_000 {
            let t = minute.start &+ Int64(Swift.min(second, 59)) &* 1_000_000 &+ Int64(micros)
            return (Timestamp(microseconds: t), minute.source)
        }
        guard let resolved = clock.resolve(civil) else { return nil }
        rememberMinute(of: civil)
        return resolved
    }

    /// Resolves the first and last instant of `civil`'s minute; keeps the minute if they agree.
    @usableFromInline
    mutating func rememberMinute(of civil: CivilTime) {
        var first = civil
        first.second = 0
        first.microsecond = 0
        var last = civil
        last.second = 59
        last.microsecond = 999_999
        guard let (t0, s0) = clock.resolve(first), let (t1, s1) = clock.resolve(last), s0 == s1,
            t1.microseconds - t0.microseconds == 59_999_999
        else {
            minute = MinuteCache()
            return
        }
        minute = MinuteCache(civil, start: t0.microseconds, source: s0)
    }
}

/// One resolved minute of wall-clock time: its fields, and the UTC instant of its first second.
@usableFromInline
struct MinuteCache {
    @usableFromInline var year = Int.min  // `Int.min`: nothing cached; -1: a reading without a year
    @usableFromInline var month = 0
    @usableFromInline var day = 0
    @usableFromInline var hour = 0
    @usableFromInline var minute = 0
    @usableFromInline var offset = Int.min  // the stated offset, or `Int.min` for none
    @usableFromInline var start: Int64 = 0
    @usableFromInline var source = TimeSource()

    @usableFromInline init() {}

    @usableFromInline init(_ civil: CivilTime, start: Int64, source: TimeSource) {
        year = civil.year ?? -1
        month = civil.month
        day = civil.day
        hour = civil.hour
        minute = civil.minute
        offset = civil.utcOffsetSeconds ?? Int.min
        self.start = start
        self.source = source
    }

    /// Whether `civil` falls in this minute (with the same year, or lack of one, and the same stated offset).
    @inlinable func matches(_ civil: CivilTime) -> Bool {
        minute == civil.minute && hour == civil.hour && day == civil.day && month == civil.month
            && year == (civil.year ?? -1) && offset == (civil.utcOffsetSeconds ?? Int.min)
    }
}

/// Turns wall-clock readings of one file into UTC instants.
///
/// Years: a line without a year gets the year of the file's reference time (gzip header mtime when set,
/// else the file's mtime); a date that would fall more than two days after that reference belongs to the
/// year before (`rollover`: the log crossed New Year). `--year` overrides. Zones: a line's own offset
/// wins; otherwise `--tz` (recorded as `user`) or UTC (recorded as `assumed-utc`).
public struct FileClock {
    public var referenceTime: Timestamp? {
        didSet { referenceYear = referenceTime.map(CivilDate.year(of:)) }
    }
    /// The reference time's year, worked out once (not per line).
    @usableFromInline var referenceYear: Int?
    public var referenceYearSource: TimeSource.Year
    public var userYear: Int?
    public var zone: LocalZone
    public var zoneSource: TimeSource.Zone

    public init(
        referenceTime: Timestamp? = nil, referenceYearSource: TimeSource.Year = .fileMTime, userYear: Int? = nil,
        zone: LocalZone = .utc, zoneSource: TimeSource.Zone = .assumedUTC
    ) {
        self.referenceTime = referenceTime
        self.referenceYear = referenceTime.map(CivilDate.year(of:))
        self.referenceYearSource = referenceYearSource
        self.userYear = userYear
        self.zone = zone
        self.zoneSource = zoneSource
    }

    @inlinable
    public func resolve(_ civil0: CivilTime) -> (Timestamp, TimeSource)? {
        var civil = civil0
        var source = TimeSource()
        // The common case (the year from the reference, no rollover) validates and converts once.
        var local: Int64? = nil
        if civil.year == nil {
            if let y = userYear {
                civil.year = y
                source.year = .user
            } else if let ref = referenceTime, let y = referenceYear {
                civil.year = y
                source.year = referenceYearSource
                // Feb 29 of a non-leap reference year belongs to an earlier leap year; rollover handles it below.
                if civil.isValid {
                    let l = civil.localMicroseconds(year: y)
                    if l - 86_400_000_000 * 2 > ref.microseconds {
                        civil.year = y - 1
                        source.year = .rollover
                    } else {
                        local = l
                    }
                } else {
                    civil.year = y - 1
                    source.year = .rollover
                }
            } else {
                return nil
            }
        }
        if local == nil {
            guard let y = civil.year, civil.isValid else { return nil }
            local = civil.localMicroseconds(year: y)
        }
        guard let l = local else { return nil }
        let offset: Int
        if let o = civil.utcOffsetSeconds {
            offset = o
            source.zone = .explicit
        } else {
            offset = zone.offsetSeconds(forLocalMicroseconds: l)
            source.zone = zoneSource
        }
        return (Timestamp(microseconds: l - Int64(offset) * 1_000_000), source)
    }
}

/// The zone assumed for zone-less lines: a fixed offset, or a rule (an IANA zone) supplied by the caller.
public struct LocalZone: @unchecked Sendable {
    public static let utc = LocalZone(fixedOffsetSeconds: 0)

    @usableFromInline let fixed: Int?
    @usableFromInline let rule: ZoneRule?
    public let name: String

    public init(fixedOffsetSeconds: Int, name: String? = nil) {
        fixed = fixedOffsetSeconds
        rule = nil
        if let name { self.name = name } else {
            let sign = fixedOffsetSeconds < 0 ? "-" : "+"
            let a = abs(fixedOffsetSeconds)
            self.name = "UTC\(sign)\(String(a / 3600).leftPadded(to: 2)):\(String(a / 60 % 60).leftPadded(to: 2))"
        }
    }

    public init(rule: ZoneRule) {
        fixed = nil
        self.rule = rule
        name = rule.name
    }

    @inlinable public func offsetSeconds(forLocalMicroseconds local: Int64) -> Int {
        if let fixed { return fixed }
        return rule?.offsetSeconds(forLocalMicroseconds: local) ?? 0
    }
}

/// A zone whose offset varies (daylight saving). Implemented with the system's zone database (see `TimeZones`).
public protocol ZoneRule: AnyObject {
    var name: String { get }
    func offsetSeconds(forLocalMicroseconds local: Int64) -> Int
}
