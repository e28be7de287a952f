import DwellCore

/// Parses syslog lines as written to /var/log by rsyslog/syslog-ng: the header (time, host, program, pid)
/// and, for programs dwell structures, the message.
///
///     Mar  3 04:12:09 web01 sshd[2211]: Accepted password for deploy from 10.0.1.10 port 51234 ssh2
///
/// Header forms: RFC 3164 (no year: see `FileClock`), optional `<PRI>` prefix.
/// Any program not structured becomes a `.generic` event (program, message column), never a rejection.
/// - Complexity: O(n) in the line length; no allocation once the symbol table is warm.
public struct SyslogParser: LineParser {
    public init() {}

    public mutating func parse(_ line: Span<UInt8>, context: inout ParseContext) throws(LineRejection) -> Event? {
        let header = try SyslogHeader.parse(line)
        guard let (time, source) = context.timestamp(for: header.civil) else {
            throw .badTimestamp(atColumn: header.timeStart)
        }
        var event = Event(time: time, kind: .generic)
        event.timeSource = source
        header.resolveHost(line, context: &context, into: &event)
        if !header.program.isEmpty { event.program = context.symbols.intern(line, header.program) }
        if let pid = header.pid { event.pid = pid }
        event.messageColumn = Int32(header.messageStart)
        return event
    }
}

/// A parsed syslog header: positions into the line, and the wall-clock time.
public struct SyslogHeader {
    public var civil: CivilTime
    public var timeStart: Int
    public var host: Range<Int>
    public var program: Range<Int>
    public var pid: Int32?
    public var messageStart: Int

    /// Parses `[<PRI>]Mmm dd hh:mm:ss host prog[pid]: `. The host may be missing (some local writers).
    public static func parse(_ s: Span<UInt8>) throws(LineRejection) -> SyslogHeader {
        var i = 0
        if s.count > 0, s[0] == UInt8(ascii: "<") {
            guard let gt = s.firstIndex(of: UInt8(ascii: ">"), from: 1), gt <= 4, s.parseUInt(1..<gt) != nil else {
                throw .unexpectedByte(s[0], atColumn: 0)
            }
            i = gt + 1
        }
        let timeStart = i
        guard i + 15 <= s.count else { throw .truncated(atColumn: s.count) }
        guard let month = MonthName.number(s[i], s[i + 1], s[i + 2]), s[i + 3] == UInt8(ascii: " ") else {
            throw .badTimestamp(atColumn: i)
        }
        // Day: " 3", "03" or "3 " is not valid; accept space- or zero-padded.
        let d0 = s[i + 4]
        let d1 = s[i + 5]
        var day = 0
        if d0 == UInt8(ascii: " ") { day = Int(d1 &- UInt8(ascii: "0")) } else {
            guard let d = s.parseUInt(i + 4..<i + 6) else { throw .badTimestamp(atColumn: i + 4) }
            day = Int(d)
        }
        guard s[i + 6] == UInt8(ascii: " "), s[i + 9] == UInt8(ascii: ":"), s[i + 12] == UInt8(ascii: ":"),
            let hh = s.parseUInt(i + 7..<i + 9), let mm = s.parseUInt(i + 10..<i + 12),
            let ss = s.parseUInt(i + 13..<i + 15)
        else { throw .badTimestamp(atColumn: i) }
        var civil = CivilTime(year: nil, month: month, day: day, hour: Int(hh), minute: Int(mm), second: Int(ss))
        i += 15
        // Optional fractional seconds (some syslog-ng setups).
        if i < s.count, s[i] == UInt8(ascii: ".") {
            let e = s.digitsEnd(from: i + 1)
            var micros = 0
            var n = 0
            for k in (i + 1)..<e where n < 6 {
                micros = micros * 10 + Int(s[k] &- UInt8(ascii: "0"))
                n += 1
            }
            while n < 6 { micros *= 10; n += 1 }
            civil.microsecond = micros
            i = e
        }
        guard civil.isValid else { throw .badTimestamp(atColumn: timeStart) }
        guard i < s.count, s[i] == UInt8(ascii: " ") else { throw .truncated(atColumn: i) }
        i += 1
        return try parseRest(s, from: i, civil: civil, timeStart: timeStart)
    }

    /// Parses `host prog[pid]: msg` after the timestamp.
    public static func parseRest(_ s: Span<UInt8>, from start: Int, civil: CivilTime, timeStart: Int) throws(LineRejection)
        -> SyslogHeader
    {
        var i = start
        let hostEnd = s.tokenEnd(from: i)
        var host = i..<hostEnd
        i = hostEnd < s.count ? hostEnd + 1 : hostEnd
        // Program: up to '[' or ':'. If the "host" token itself ends with ':' the host was omitted.
        if hostEnd > start, s[hostEnd - 1] == UInt8(ascii: ":") || s[hostEnd - 1] == UInt8(ascii: "]") {
            i = start
            host = start..<start
        }
        let progStart = i
        var j = i
        while j < s.count, s[j] != UInt8(ascii: "["), s[j] != UInt8(ascii: ":"), s[j] != UInt8(ascii: " ") { j += 1 }
        let program = progStart..<j
        var pid: Int32?
        if j < s.count, s[j] == UInt8(ascii: "[") {
            guard let close = s.firstIndex(of: UInt8(ascii: "]"), from: j + 1) else { throw .truncated(atColumn: j) }
            if let p = s.parseUInt(j + 1..<close), p <= UInt64(Int32.max) { pid = Int32(p) }
            j = close + 1
        }
        var messageStart = j
        if j < s.count, s[j] == UInt8(ascii: ":") {
            messageStart = j + 1
            if messageStart < s.count, s[messageStart] == UInt8(ascii: " ") { messageStart += 1 }
        } else {
            // No "prog:" part: the whole rest is the message (e.g. "last message repeated 3 times").
            messageStart = progStart
            return SyslogHeader(
                civil: civil, timeStart: timeStart, host: host, program: progStart..<progStart, pid: nil,
                messageStart: messageStart)
        }
        return SyslogHeader(
            civil: civil, timeStart: timeStart, host: host, program: program, pid: pid, messageStart: messageStart)
    }

    /// Sets the event's host from the header, or the file's host when the header names none (or `localhost`).
    public func resolveHost(_ s: Span<UInt8>, context: inout ParseContext, into event: inout Event) {
        if host.isEmpty || s.matches("localhost", at: host.lowerBound) && host.count == 9 {
            event.host = context.defaultHost
        } else {
            event.host = context.symbols.intern(s, host)
        }
    }
}
