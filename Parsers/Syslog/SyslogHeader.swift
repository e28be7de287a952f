import DwellCore

/// A parsed syslog header: positions into the line, and the wall-clock time.
///
/// Three framings, told apart by their first bytes and freely mixed in one file:
///
///     Mar  3 04:12:09 web01 sshd[2211]: msg                              RFC 3164 (optional <PRI>, day " 3", "03" or "3")
///     2026-03-03T04:12:09.123456+01:00 web01 sshd[2211]: msg             RFC 3339 (rsyslog's high-precision default)
///     <38>1 2026-03-03T04:12:09.123Z web01 sshd 2211 - [sd@1 a="b"] msg   RFC 5424
///
/// RFC 3164 has no year and usually no zone: `FileClock` supplies both. The host may be missing (local writers
/// such as `Feb 11 15:23:17 dropbear[1252]: …`), and so may the program (`Nov 18 01:15:43: --- last message
/// repeated 5 times ---`).
public struct SyslogHeader {
    public var civil: CivilTime
    public var timeStart: Int
    public var host: Range<Int>
    public var program: Range<Int>
    public var pid: Int32?
    public var messageStart: Int

    /// Parses the header of `s`.
    /// - Throws: `.badTimestamp` when the time is not a syslog time, `.truncated` when the line ends inside the
    ///   header, `.unexpectedByte` for a malformed `<PRI>`.
    /// - Complexity: O(*n*) in the header's length.
    @inline(__always)
    public static func parse(_ s: Span<UInt8>) throws(LineRejection) -> SyslogHeader {
        var i = 0
        if s.count > 0, s[0] == UInt8(ascii: "<") {
            guard let gt = s.firstIndex(of: UInt8(ascii: ">"), from: 1), gt <= 4, s.parseUInt(1..<gt) != nil else {
                throw .unexpectedByte(s[0], atColumn: 0)
            }
            i = gt + 1
            if i + 1 < s.count, s[i] == UInt8(ascii: "1"), s[i + 1] == UInt8(ascii: " ") {
                return try parse5424(s, from: i + 2)
            }
        }
        guard i < s.count else { throw .truncated(atColumn: i) }
        if s[i] &- UInt8(ascii: "0") < 10 { return try parse3339(s, from: i) }
        return try parse3164(s, from: i)
    }

    /// `Mmm dd hh:mm:ss[.ffffff] ` then host, program, pid.
    static func parse3164(_ s: Span<UInt8>, from start: Int) throws(LineRejection) -> SyslogHeader {
        var i = start
        let timeStart = i
        guard i + 14 <= s.count else { throw .truncated(atColumn: s.count) }
        guard let month = MonthName.number(s[i], s[i + 1], s[i + 2]), s[i + 3] == UInt8(ascii: " ") else {
            throw .badTimestamp(atColumn: i)
        }
        i += 4
        if s[i] == UInt8(ascii: " ") { i += 1 }  // " 3"
        let dayEnd = s.digitsEnd(from: i)
        guard dayEnd > i, dayEnd - i <= 2, let day = s.parseUInt(i..<dayEnd) else { throw .badTimestamp(atColumn: i) }
        i = dayEnd
        guard i + 9 <= s.count, s[i] == UInt8(ascii: " "), s[i + 3] == UInt8(ascii: ":"),
            s[i + 6] == UInt8(ascii: ":"), let hh = s.twoDigits(at: i + 1), let mm = s.twoDigits(at: i + 4),
            let ss = s.twoDigits(at: i + 7)
        else { throw .badTimestamp(atColumn: timeStart) }
        var civil = CivilTime(year: nil, month: month, day: Int(day), hour: hh, minute: mm, second: ss)
        i += 9
        // Optional fractional seconds (some syslog-ng setups).
        if i < s.count, s[i] == UInt8(ascii: ".") {
            let e = s.digitsEnd(from: i + 1)
            guard e > i + 1 else { throw .badTimestamp(atColumn: i) }
            var micros = 0
            var n = 0
            var k = i + 1
            while k < e, n < 6 {
                micros = micros * 10 + Int(s[k] &- UInt8(ascii: "0"))
                n += 1
                k += 1
            }
            while n < 6 {
                micros *= 10
                n += 1
            }
            civil.microsecond = micros
            i = e
        }
        guard civil.isValid else { throw .badTimestamp(atColumn: timeStart) }
        guard i < s.count else { throw .truncated(atColumn: i) }
        if s[i] == UInt8(ascii: ":") {
            // `Nov 18 01:15:43: --- last message repeated 5 times ---`: no host, no program.
            let m = s.skipSpaces(from: i + 1)
            return SyslogHeader(
                civil: civil, timeStart: timeStart, host: m..<m, program: m..<m, pid: nil, messageStart: m)
        }
        guard s[i] == UInt8(ascii: " ") else { throw .badTimestamp(atColumn: i) }
        return try parseRest(s, from: i + 1, civil: civil, timeStart: timeStart)
    }

    /// An RFC 3339 time (`2026-03-03T04:12:09.123456+01:00`, offset optional) then host, program, pid.
    static func parse3339(_ s: Span<UInt8>, from start: Int) throws(LineRejection) -> SyslogHeader {
        guard let (civil, end) = ISO8601Scanner.scan(s, from: start), end >= start + 19 else {
            throw .badTimestamp(atColumn: start)
        }
        guard end < s.count else { throw .truncated(atColumn: end) }
        guard s[end] == UInt8(ascii: " ") else { throw .badTimestamp(atColumn: end) }
        return try parseRest(s, from: end + 1, civil: civil, timeStart: start)
    }

    /// `TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA [MSG]` after `<PRI>1 `; `-` means absent.
    static func parse5424(_ s: Span<UInt8>, from start: Int) throws(LineRejection) -> SyslogHeader {
        guard start < s.count else { throw .truncated(atColumn: start) }
        guard s[start] != UInt8(ascii: "-"), let (civil, tEnd) = ISO8601Scanner.scan(s, from: start),
            tEnd >= start + 19, tEnd < s.count, s[tEnd] == UInt8(ascii: " ")
        else { throw .badTimestamp(atColumn: start) }
        var i = tEnd + 1
        func field(_ i: inout Int) throws(LineRejection) -> Range<Int> {
            guard i < s.count else { throw .truncated(atColumn: i) }
            let e = s.tokenEnd(from: i)
            let r = i..<e
            i = e + 1
            return r.count == 1 && s[r.lowerBound] == UInt8(ascii: "-") ? r.lowerBound..<r.lowerBound : r
        }
        let host = try field(&i)
        let app = try field(&i)
        let procID = try field(&i)
        _ = try field(&i)  // MSGID
        var pid: Int32?
        if let p = s.parseUInt(procID), p <= UInt64(Int32.max) { pid = Int32(p) }
        // Structured data: `-` or one or more `[id k="v" …]`; values may hold `]` inside quotes or escaped.
        guard i <= s.count else { throw .truncated(atColumn: s.count) }
        if i < s.count, s[i] == UInt8(ascii: "-") {
            i += 1
        } else {
            while i < s.count, s[i] == UInt8(ascii: "[") {
                var inQuotes = false
                var k = i + 1
                var closed = false
                while k < s.count {
                    let b = s[k]
                    if b == UInt8(ascii: "\\") {
                        k += 2
                        continue
                    }
                    if b == UInt8(ascii: "\"") {
                        inQuotes.toggle()
                    } else if b == UInt8(ascii: "]"), !inQuotes {
                        closed = true
                        break
                    }
                    k += 1
                }
                guard closed else { throw .truncated(atColumn: s.count) }
                i = k + 1
            }
        }
        var m = s.skipSpaces(from: i)
        // A UTF-8 byte order mark may start the message.
        if m + 3 <= s.count, s[m] == 0xEF, s[m + 1] == 0xBB, s[m + 2] == 0xBF { m += 3 }
        return SyslogHeader(civil: civil, timeStart: start, host: host, program: app, pid: pid, messageStart: m)
    }

    /// Parses `host prog[pid]: msg` after the timestamp. The host is omitted when the first token already ends
    /// with `:` or `]` (`dropbear[1252]:`, `kernel:`, `[sshd]:`). A bracketed program (`[sshd]`) is accepted.
    /// Without a `prog:` part the whole rest is the message (`Job 'cron.daily' terminated`).
    public static func parseRest(
        _ s: Span<UInt8>, from start: Int, civil: CivilTime, timeStart: Int
    ) throws(LineRejection) -> SyslogHeader {
        let hostEnd = s.tokenEnd(from: start)
        var host = start..<hostEnd
        var i = hostEnd < s.count ? hostEnd + 1 : hostEnd
        if hostEnd > start, s[hostEnd - 1] == UInt8(ascii: ":") || s[hostEnd - 1] == UInt8(ascii: "]") {
            i = start
            host = start..<start
        }
        let progStart = i
        var program = i..<i
        var pid: Int32?
        var j = i
        if j < s.count, s[j] == UInt8(ascii: "[") {
            // `[sshd]: msg` (a program in brackets, no pid).
            if let close = s.firstIndex(of: UInt8(ascii: "]"), from: j + 1), close - j < 64 {
                program = j + 1..<close
                j = close + 1
            }
        } else {
            while j < s.count, s[j] != UInt8(ascii: "["), s[j] != UInt8(ascii: ":"), s[j] != UInt8(ascii: " ") {
                j += 1
            }
            program = progStart..<j
            if j < s.count, s[j] == UInt8(ascii: "[") {
                guard let close = s.firstIndex(of: UInt8(ascii: "]"), from: j + 1) else {
                    throw .truncated(atColumn: j)
                }
                if let p = s.parseUInt(j + 1..<close), p <= UInt64(Int32.max) { pid = Int32(p) }
                j = close + 1
            }
        }
        if j < s.count, s[j] == UInt8(ascii: ":"), !program.isEmpty {
            return SyslogHeader(
                civil: civil, timeStart: timeStart, host: host, program: program, pid: pid,
                messageStart: s.skipSpaces(from: j + 1))
        }
        if j < s.count, s[j] == UInt8(ascii: " "), !program.isEmpty, s[progStart] == UInt8(ascii: "[") {
            // `[sshd] User root from …` (no colon after a bracketed program).
            return SyslogHeader(
                civil: civil, timeStart: timeStart, host: host, program: program, pid: nil,
                messageStart: s.skipSpaces(from: j))
        }
        if j == s.count, pid != nil {
            // `host prog[pid]` with nothing after it.
            return SyslogHeader(
                civil: civil, timeStart: timeStart, host: host, program: program, pid: pid, messageStart: j)
        }
        let m = s.skipSpaces(from: progStart)
        return SyslogHeader(
            civil: civil, timeStart: timeStart, host: host, program: m..<m, pid: nil, messageStart: m)
    }

    /// Sets the event's host from the header, or the file's host when the header names none (or `localhost`).
    public func resolveHost(_ s: Span<UInt8>, context: inout ParseContext, into event: inout Event) {
        if host.isEmpty || host.count == 9 && s.matches("localhost", at: host.lowerBound) {
            event.host = context.defaultHost
        } else {
            event.host = context.symbols.intern(s, host)
        }
    }
}
