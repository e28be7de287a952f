import DwellCore

/// Parses Apache httpd error log lines (2.2 and 2.4 styles) into `.generic` web events.
///
///     [Sun Jun 09 07:57:47 2013] [error] [client 192.0.43.10] script '/x.php' not found or unable to stat
///     [Mon Dec 23 07:49:01.981912 2013] [:error] [pid 3790] [client 204.232.202.107:46301] script not found
///
/// Kept: the time (zone-less: `--tz` or UTC), the level in `detail` (`error`, `info`, …), `pid`, the client
/// address and port when a `[client …]` group is present, and `messageColumn` (where the message starts).
/// Lines starting with `#` are non-events (`nil`).
/// - Complexity: O(*n*) in the line length.
public struct ApacheErrorLogParser: LineParser {
    public init() {}

    public mutating func parse(
        _ line: Span<UInt8>, into event: inout Event, context: inout ParseContext
    ) throws(LineRejection) -> Bool {
        if line.count == 0 || line[0] == UInt8(ascii: "#") { return false }
        try Self.parseLine(line, into: &event, context: &context)
        return true
    }

    static func parseLine(
        _ s: Span<UInt8>, into event: inout Event, context: inout ParseContext
    ) throws(LineRejection) {
        // [Www Mmm dd hh:mm:ss[.ffffff] yyyy]
        guard s.count > 26, s[0] == UInt8(ascii: "["), s[4] == UInt8(ascii: " "), s[8] == UInt8(ascii: " "),
            let month = MonthName.number(s[5], s[6], s[7]), s[11] == UInt8(ascii: " "),
            s[14] == UInt8(ascii: ":"), s[17] == UInt8(ascii: ":"),
            let hour = s.parseUInt(12..<14), let minute = s.parseUInt(15..<17), let second = s.parseUInt(18..<20)
        else { throw .unrecognized(atColumn: 0) }
        let day: UInt64
        if s[9] == UInt8(ascii: " ") {
            guard let d = s.parseUInt(10..<11) else { throw .badTimestamp(atColumn: 1) }
            day = d
        } else {
            guard let d = s.parseUInt(9..<11) else { throw .badTimestamp(atColumn: 1) }
            day = d
        }
        var i = 20
        var micros = 0
        if s[i] == UInt8(ascii: ".") {
            let f = s.digitsEnd(from: i + 1)
            var digits = 0
            for k in (i + 1)..<f where digits < 6 {
                micros = micros * 10 + Int(s[k] &- UInt8(ascii: "0"))
                digits += 1
            }
            while digits < 6 {
                micros *= 10
                digits += 1
            }
            i = f
        }
        guard i + 6 <= s.count, s[i] == UInt8(ascii: " "), let year = s.parseUInt(i + 1..<i + 5),
            s[i + 5] == UInt8(ascii: "]")
        else { throw .badTimestamp(atColumn: 1) }
        let civil = CivilTime(
            year: Int(year), month: month, day: Int(day), hour: Int(hour), minute: Int(minute), second: Int(second),
            microsecond: micros)
        guard let (time, source) = context.timestamp(for: civil) else { throw .badTimestamp(atColumn: 1) }
        event.reset(time: time, kind: .generic)
        event.timeSource = source
        i += 6
        // Leading bracket groups: [module:level] [pid N:tid M] [client A:P]
        var group = 0
        while true {
            i = s.skipSpaces(from: i)
            guard i < s.count, s[i] == UInt8(ascii: "[") else { break }
            guard let close = s.firstIndex(of: UInt8(ascii: "]"), from: i + 1) else { break }
            let inner = i + 1..<close
            if s.matches("client ", at: inner.lowerBound) {
                Self.client(s, inner.lowerBound + 7..<close, into: &event)
            } else if s.matches("pid ", at: inner.lowerBound) {
                var e = s.digitsEnd(from: inner.lowerBound + 4)
                if e > close { e = close }
                if let pid = s.parseUInt(inner.lowerBound + 4..<e), pid <= UInt64(Int32.max) { event.pid = Int32(pid) }
            } else if group == 0 {
                var level = inner
                if let colon = s.lastIndex(of: UInt8(ascii: ":"), before: close), colon >= inner.lowerBound {
                    level = colon + 1..<close
                }
                if !level.isEmpty { event.detail = context.symbols.intern(s, level) }
            }
            group += 1
            i = close + 1
        }
        event.messageColumn = Int32(min(i, s.count))
        // Apache 2.4 may place the client group after an APR error text: "(70014)End of file found: [client …]".
        if event.sourceIP.isNone, let c = s.find("[client ", from: i),
            let close = s.firstIndex(of: UInt8(ascii: "]"), from: c + 8)
        {
            Self.client(s, c + 8..<close, into: &event)
        }
    }

    /// `192.0.2.1`, `192.0.2.1:50229`, `2001:db8::1` or `2001:db8::1:50229` (the last is ambiguous; an address wins).
    static func client(_ s: Span<UInt8>, _ r: Range<Int>, into event: inout Event) {
        if let ip = IPAddress.parse(s, r) {
            event.sourceIP = ip
            return
        }
        if let colon = s.lastIndex(of: UInt8(ascii: ":"), before: r.upperBound), colon > r.lowerBound,
            let ip = IPAddress.parse(s, r.lowerBound..<colon)
        {
            event.sourceIP = ip
            if let port = s.parseUInt(colon + 1..<r.upperBound), port <= 65535 { event.setSourcePort(UInt16(port)) }
        }
    }
}

/// Parses Nginx error log lines into `.generic` web events, also when a journal or syslog prefix precedes them.
///
///     2012/04/09 11:53:29 [error] 2865#0: *66647 user "xyz" was not found in "/var/www/.htpasswd", client: 192.0.43.10, server: www.myhost.com, request: "GET / HTTP/1.1", host: "www.myhost.com"
///     host nginx[2833]: 2015/01/21 10:56:10 [error] 2833#0: *16336 open() "/x" failed, client: 5.7.9.2, …
///
/// Kept: the time (zone-less: `--tz` or UTC), the level in `detail`, `pid`, `messageColumn`, and from the
/// message's `client:`, `request:` and `host:` parts the client address, method, path, query and `virtualHost`.
/// Lines starting with `#` are non-events (`nil`).
/// - Complexity: O(*n*) in the line length.
public struct NginxErrorLogParser: LineParser {

    public init() {}

    public mutating func parse(
        _ line: Span<UInt8>, into event: inout Event, context: inout ParseContext
    ) throws(LineRejection) -> Bool {
        if line.count == 0 || line[0] == UInt8(ascii: "#") { return false }
        try Self.parseLine(line, into: &event, context: &context)
        return true
    }

    /// Whether `yyyy/mm/dd hh:mm:ss [` starts at `p`.
    static func timeStarts(_ s: Span<UInt8>, at p: Int) -> Bool {
        p + 21 <= s.count && s[p + 4] == UInt8(ascii: "/") && s[p + 7] == UInt8(ascii: "/")
            && s[p + 10] == UInt8(ascii: " ") && s[p + 13] == UInt8(ascii: ":") && s[p + 16] == UInt8(ascii: ":")
            && s[p + 19] == UInt8(ascii: " ") && s[p + 20] == UInt8(ascii: "[") && s[p] &- UInt8(ascii: "0") < 10
    }

    static func parseLine(
        _ s: Span<UInt8>, into event: inout Event, context: inout ParseContext
    ) throws(LineRejection) {
        var p = 0
        if !timeStarts(s, at: 0) {
            // A journal/syslog prefix ("host nginx[983478]: ", "host nginx: "): look for the time after a ": ".
            var found = false
            var k = 0
            let limit = min(s.count, 160)
            while k < limit, let c = s.firstIndex(of: UInt8(ascii: ":"), from: k), c < limit {
                if c + 1 < s.count, s[c + 1] == UInt8(ascii: " "), timeStarts(s, at: c + 2) {
                    p = c + 2
                    found = true
                    break
                }
                k = c + 1
            }
            guard found else { throw .unrecognized(atColumn: 0) }
        }
        guard let year = s.parseUInt(p..<p + 4), let month = s.parseUInt(p + 5..<p + 7),
            let day = s.parseUInt(p + 8..<p + 10), let hour = s.parseUInt(p + 11..<p + 13),
            let minute = s.parseUInt(p + 14..<p + 16), let second = s.parseUInt(p + 17..<p + 19)
        else { throw .badTimestamp(atColumn: p) }
        let civil = CivilTime(
            year: Int(year), month: Int(month), day: Int(day), hour: Int(hour), minute: Int(minute),
            second: Int(second))
        guard let (time, source) = context.timestamp(for: civil) else { throw .badTimestamp(atColumn: p) }
        event.reset(time: time, kind: .generic)
        event.timeSource = source
        var i = p + 21
        guard let close = s.firstIndex(of: UInt8(ascii: "]"), from: i) else { throw .truncated(atColumn: i) }
        if close > i { event.detail = context.symbols.intern(s, i..<close) }
        i = s.skipSpaces(from: close + 1)
        let pidEnd = s.digitsEnd(from: i)
        if let pid = s.parseUInt(i..<pidEnd), pid <= UInt64(Int32.max) { event.pid = Int32(pid) }
        if let colon = s.firstIndex(of: UInt8(ascii: ":"), from: pidEnd), colon < pidEnd + 24 {
            i = s.skipSpaces(from: colon + 1)
        }
        event.messageColumn = Int32(min(i, s.count))
        // ", client: A, server: S, request: "R", host: "H""; the last occurrence wins over text a user injected.
        if let c = s.findLast(", client: ", notBefore: i) {
            let a = c + 10
            var e = s.firstIndex(of: UInt8(ascii: ","), from: a) ?? s.count
            if let sp = s.firstIndex(of: UInt8(ascii: " "), from: a), sp < e { e = sp }
            if let ip = IPAddress.parse(s, a..<e) { event.sourceIP = ip }
            if let r = s.find(", request: \"", from: e) {
                let start = r + 12
                if let q = s.closingQuote(from: start, requireFieldEnd: false) {
                    let req = HTTPRequestLine.split(s, start..<q)
                    if let m = req.method { event.httpMethod = context.symbols.intern(s, m) }
                    if let pth = req.path { event.path = context.symbols.intern(s, pth) }
                    if let qu = req.query { event.query = context.symbols.intern(s, qu) }
                    if let v = req.version { event.networkProtocol = context.symbols.intern(s, v) }
                }
            }
            if let h = s.find(", host: \"", from: e) {
                let start = h + 9
                if let q = s.firstIndex(of: UInt8(ascii: "\""), from: start), q > start {
                    event.virtualHost = context.symbols.intern(s, start..<q)
                }
            }
            basicAuthFailure(s, from: i, to: c, into: &event, context: &context)
        }
    }

    /// `*N user "X" was not found in "FILE"` (an invalid user) and `*N user "X": password mismatch` (a failure):
    /// HTTP basic authentication refused, with the user and `auth_method` `http-basic` (each line one attempt).
    static func basicAuthFailure(
        _ s: Span<UInt8>, from i: Int, to end: Int, into event: inout Event, context: inout ParseContext
    ) {
        var k = i
        if k < end, s[k] == UInt8(ascii: "*") { k = s.digitsEnd(from: k + 1) }
        k = s.skipSpaces(from: k)
        guard k < end, s.matches("user \"", at: k) else { return }
        let u = k + 6
        // The user is chosen by the client: the closing quote is the last one before the known endings.
        let ending: Int
        let kind: EventKind
        if let at = s.findLast("\" was not found in \"", before: end, notBefore: u) {
            (ending, kind) = (at, .invalidUser)
        } else if let at = s.findLast("\": password mismatch", before: end, notBefore: u) {
            (ending, kind) = (at, .authFailure)
        } else {
            return
        }
        event.kind = kind
        event.outcome = .failure
        if ending > u { event.user = context.symbols.intern(s, u..<ending) }
        event.authMethod = context.symbols.intern(literal: "http-basic")
    }
}
