import DwellCore

/// Parses Apache/Nginx access logs: `common`, `combined`, `vhost_combined`, and combined with extra trailing fields.
///
///     203.0.113.9 - alice [08/Jun/2020:06:49:01 +0000] "GET /a?b=1 HTTP/1.1" 200 803 "-" "curl/8.0" "10.0.0.7" 0.012
///     www.example.com:443 203.0.113.9 - - [08/Jun/2020:06:49:01 +0000] "GET / HTTP/1.1" 403 6963 "-" "UA"
///
/// Each line becomes a `.webRequest` event: `sourceIP` is the peer that connected (the client, or the last proxy);
/// `user` (`-` is none; the ident field is ignored), time with the zone the line states (a line without a zone,
/// as some custom formats write, gets `--tz`/UTC), `httpMethod`, `path` and `query` raw (no percent-decoding),
/// the HTTP version in `networkProtocol`, `httpStatus`, `bytesOut` (bytes sent to the client), `referer`,
/// `userAgent`, and `virtualHost` (a leading `vhost[:port]` field or a host name written after the time).
/// Trailing fields after the user agent are read by shape: a quoted address list is the `X-Forwarded-For` chain
/// (`forwardedFor`, client first), an unquoted decimal with a fraction is Nginx's `$request_time` (seconds, kept
/// in `durationMicros`); anything else is ignored. A client written as a host name (Apache `HostnameLookups On`)
/// is kept in `domain`.
///
/// Hostile requests are data: escaped quotes, binary handshakes written as `\x16\x03\x01`, `-`, an empty request,
/// a missing protocol, 8 KiB URLs and invalid UTF-8 all parse (see `HTTPRequestLine`).
/// Lines starting with `#` are non-events (`nil`): fail2ban's test files interleave `# failJSON:` comments.
/// Apache and Nginx *error* log lines met in the same file (some setups share one file) become `.generic` web
/// events through `ApacheErrorLogParser`/`NginxErrorLogParser` rather than rejections.
/// - Complexity: O(*n*) in the line length; no allocation once the symbol table is warm.
public struct CombinedLogParser: LineParser {
    // The last time field seen (its first 26 bytes) and what it resolved to: busy logs repeat each second.
    var lastTimeKey: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    var lastTime = Timestamp.zero
    var lastTimeSource = TimeSource.explicit
    var hasLastTime = false
    /// Whether error-log lines are accepted as `.generic` events (on by default).
    public var acceptsErrorLines: Bool

    public init(acceptsErrorLines: Bool = true) {
        self.acceptsErrorLines = acceptsErrorLines
    }

    public mutating func parse(
        _ line: Span<UInt8>, into event: inout Event, context: inout ParseContext
    ) throws(LineRejection) -> Bool {
        let n = line.count
        if n == 0 || line[0] == UInt8(ascii: "#") { return false }
        do {
            try parseAccess(line, into: &event, context: &context)
            return true
        } catch {
            if acceptsErrorLines {
                if (try? ApacheErrorLogParser.parseLine(line, into: &event, context: &context)) != nil { return true }
                if (try? NginxErrorLogParser.parseLine(line, into: &event, context: &context)) != nil { return true }
            }
            throw error
        }
    }

    mutating func parseAccess(
        _ line: Span<UInt8>, into event: inout Event, context: inout ParseContext
    ) throws(LineRejection) {
        try line.withUnsafeBufferPointer { p throws(LineRejection) in
            try parseAccess(p, into: &event, context: &context)
        }
    }

    /// `parseAccess` on the line's bytes: the scans for spaces and the numbers read the buffer directly.
    @inline(__always)
    mutating func parseAccess(
        _ p: UnsafeBufferPointer<UInt8>, into event: inout Event, context: inout ParseContext
    ) throws(LineRejection) {
        guard let base = p.baseAddress else { throw .unrecognized(atColumn: 0) }
        let line = p.span
        let n = p.count
        guard let bracket = line.firstIndex(of: UInt8(ascii: "["), from: 0), bracket > 0 else {
            throw .unrecognized(atColumn: 0)
        }
        // Bounds: every base[k] below is read with 0 <= k < n (each loop tests its index against bracket or n).
        @inline(__always) func skipSpaces(_ from: Int) -> Int {
            var k = from
            while k < n, base[k] == UInt8(ascii: " ") { k &+= 1 }
            return k
        }
        @inline(__always) func tokenEnd(_ from: Int) -> Int {
            var k = from
            while k < n, base[k] != UInt8(ascii: " ") { k &+= 1 }
            return k
        }
        @inline(__always) func isDash(_ from: Int, _ to: Int) -> Bool {
            to &- from == 1 && base[from] == UInt8(ascii: "-")
        }
        // Up to five space-separated words before the time: [vhost] client ident user [extra].
        var t0 = 0..<0
        var t1 = 0..<0
        var t2 = 0..<0
        var t3 = 0..<0
        var words = 0
        var i = 0
        while i < bracket {
            if base[i] == UInt8(ascii: " ") {
                i += 1
                continue
            }
            // The word ends at the next space, or at the bracket.
            var e = i
            while e < bracket, base[e] != UInt8(ascii: " ") { e &+= 1 }
            switch words {
            case 0: t0 = i..<e
            case 1: t1 = i..<e
            case 2: t2 = i..<e
            case 3: t3 = i..<e
            default: throw .unrecognized(atColumn: i)
            }
            words += 1
            i = e
        }
        event.reset(kind: .webRequest)
        var client = t0
        var user = 0..<0
        switch words {
        case 2:
            user = 0..<0
        case 3:
            user = t2
        case 4:
            if let ip = IPAddress.parse(line, t1) {
                event.virtualHost = context.symbols.intern(line, vhostRange(line, t0))
                event.sourceIP = ip
                client = 0..<0
                user = t3
            } else {
                user = t2
            }
        default:
            throw .unrecognized(atColumn: 0)
        }
        if !client.isEmpty {
            // Dotted IPv4 straight from the bytes (client lies inside the line); anything else as before.
            if let v4 = IPAddress.parseV4(base + client.lowerBound, client.count) {
                event.sourceIP = IPAddress(v4: v4)
            } else if let ip = IPAddress.parse(line, client) {
                event.sourceIP = ip
            } else if isHostName(line, client) {
                event.domain = context.symbols.intern(line, client)
            } else {
                throw .invalidField(atColumn: client.lowerBound)
            }
        }
        if !user.isEmpty && !line.isDash(user) {
            event.user = context.symbols.intern(UnsafeBufferPointer(start: base + user.lowerBound, count: user.count))
        }

        // Time: [08/Jun/2020:06:49:01 +0000]
        let timeStart = bracket + 1
        guard let close = line.firstIndex(of: UInt8(ascii: "]"), from: timeStart) else {
            throw .truncated(atColumn: timeStart)
        }
        try resolveTime(line, timeStart, close, into: &event, context: &context)

        // Optional host name between the time and the request (Apache `%v` placed there).
        i = close + 1
        var hops = 0
        while true {
            i = skipSpaces(i)
            guard i < n else { throw .truncated(atColumn: i) }
            if line[i] == UInt8(ascii: "\"") { break }
            let e = tokenEnd(i)
            hops += 1
            guard hops <= 2 else { throw .unexpectedByte(line[i], atColumn: i) }
            if event.virtualHost.isNone && !line.isDash(i..<e) {
                event.virtualHost = context.symbols.intern(line, vhostRange(line, i..<e))
            }
            i = e
        }
        // The request, up to its closing quote (escaped quotes inside are skipped).
        guard let requestEnd = line.closingQuote(from: i + 1, requireFieldEnd: true) else {
            throw .truncated(atColumn: i)
        }
        HTTPRequestLine.split(line, i + 1..<requestEnd).apply(base, to: &event, context: &context)

        // Status and bytes.
        i = skipSpaces(requestEnd + 1)
        var e = tokenEnd(i)
        guard e > i else { throw .truncated(atColumn: i) }
        if !isDash(i, e) {
            guard e - i <= 4, let status = DecimalDigits.parseUInt(base + i, e - i) else {
                throw .invalidField(atColumn: i)
            }
            event.httpStatus = Int32(status)
        }
        i = skipSpaces(e)
        if i >= n { return }  // common log format without a byte count is rare but harmless
        e = tokenEnd(i)
        if !isDash(i, e) {
            guard let bytes = DecimalDigits.parseUInt(base + i, e - i), bytes <= UInt64(Int64.max) else {
                throw .invalidField(atColumn: i)
            }
            event.bytesOut = Int64(bytes)
        }
        i = skipSpaces(e)
        if i >= n { return }

        // Combined: "referer" "user agent", then any extra fields.
        var quoted = 0
        while i < n {
            if base[i] == UInt8(ascii: "\"") {
                guard let q = line.closingQuote(from: i + 1, requireFieldEnd: true) else {
                    throw .truncated(atColumn: i)
                }
                let field = i + 1..<q
                switch quoted {
                case 0:
                    if !field.isEmpty && !line.isDash(field)
                        && (context.wantsUnindexedText || WebText.mayCarryAttack(line, field))
                    {
                        event.referer = context.symbols.intern(line, field)
                    }
                case 1:
                    if !field.isEmpty && !line.isDash(field) {
                        event.userAgent = context.symbols.intern(
                            UnsafeBufferPointer(start: base + field.lowerBound, count: field.count))
                    }
                default:
                    if event.forwardedFor.isNone
                        && (looksLikeAddressList(line, field) || WebText.mayCarryAttack(line, field))
                    {
                        event.forwardedFor = context.symbols.intern(line, field)
                    }
                }
                quoted += 1
                i = q + 1
            } else {
                let f = tokenEnd(i)
                if quoted >= 2 && event.durationMicros < 0,
                    line.firstIndex(of: UInt8(ascii: "."), from: i).map({ $0 < f }) ?? false,
                    let micros = line.parseSecondsAsMicros(i..<f)
                {
                    event.durationMicros = micros
                }
                i = f
            }
            i = skipSpaces(i)
        }
    }

    /// Resolves `08/Jun/2020:06:49:01 +0000` in `line[start..<close]`, reusing the last result for a repeated time.
    mutating func resolveTime(
        _ line: Span<UInt8>, _ start: Int, _ close: Int, into event: inout Event, context: inout ParseContext
    ) throws(LineRejection) {
        let cacheable = close - start == 26
        var key: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        if cacheable {
            // Bounds: start + 26 == close < line.count, so the loads at start...start+18 (8 bytes each) are inside.
            key = line.withUnsafeBufferPointer { p -> (UInt64, UInt64, UInt64, UInt64) in
                let raw = UnsafeRawBufferPointer(p)
                return (
                    raw.loadUnaligned(fromByteOffset: start, as: UInt64.self),
                    raw.loadUnaligned(fromByteOffset: start + 8, as: UInt64.self),
                    raw.loadUnaligned(fromByteOffset: start + 16, as: UInt64.self),
                    raw.loadUnaligned(fromByteOffset: start + 18, as: UInt64.self)
                )
            }
            if hasLastTime && key == lastTimeKey {
                event.time = lastTime
                event.timeSource = lastTimeSource
                return
            }
        }
        guard let civil = AccessLogTime.parse(line, start, close) else { throw .badTimestamp(atColumn: start) }
        guard let (time, source) = context.timestamp(for: civil) else { throw .badTimestamp(atColumn: start) }
        event.time = time
        event.timeSource = source
        if cacheable {
            lastTimeKey = key
            lastTime = time
            lastTimeSource = source
            hasLastTime = true
        }
    }

    /// A `vhost:port` field without its port.
    func vhostRange(_ line: Span<UInt8>, _ r: Range<Int>) -> Range<Int> {
        if let c = line.firstIndex(of: UInt8(ascii: ":"), from: r.lowerBound), c < r.upperBound,
            line.parseUInt(c + 1..<r.upperBound) != nil
        {
            return r.lowerBound..<c
        }
        return r
    }

    /// Letters, digits, `.`, `-`, `_`: a DNS name as Apache writes it for `%h` with `HostnameLookups On`.
    func isHostName(_ line: Span<UInt8>, _ r: Range<Int>) -> Bool {
        guard !r.isEmpty, r.count <= 253 else { return false }
        var dots = 0
        for k in r {
            let c = line[k]
            if c == UInt8(ascii: ".") {
                dots += 1
                continue
            }
            let ok =
                (c | 0x20) &- UInt8(ascii: "a") < 26 || c &- UInt8(ascii: "0") < 10 || c == UInt8(ascii: "-")
                || c == UInt8(ascii: "_")
            if !ok { return false }
        }
        return dots > 0 || r.count > 1
    }

    /// `203.0.113.9, 10.0.0.1`: the X-Forwarded-For shape (first element an address).
    func looksLikeAddressList(_ line: Span<UInt8>, _ r: Range<Int>) -> Bool {
        guard !r.isEmpty, !line.isDash(r) else { return false }
        var e = r.upperBound
        if let comma = line.firstIndex(of: UInt8(ascii: ","), from: r.lowerBound), comma < e { e = comma }
        return IPAddress.parse(line, r.lowerBound..<e) != nil
    }
}

/// The access-log time `dd/Mon/yyyy:hh:mm:ss[.ffffff] [+-]hhmm` (zone optional).
enum AccessLogTime {
    static func parse(_ s: Span<UInt8>, _ start: Int, _ end: Int) -> CivilTime? {
        guard start >= 0, end <= s.count, end - start >= 20 else { return nil }
        return s.withUnsafeBufferPointer { p -> CivilTime? in
            guard let base = p.baseAddress else { return nil }
            // Bounds: start >= 0 and end <= count; the fixed fields read base[start..<start + 20] (end - start >= 20),
            // the zone loops stay below end, and the fraction's digit run below count.
            return parse(base, p.count, start, end)
        }
    }

    /// The decimal value of the `n` (1 to 4) digits at `p`, or `nil` if one is not a digit.
    @inline(__always)
    static func digits(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int? { DecimalDigits.parseUInt(p, n).map { Int($0) } }

    @inline(__always)
    static func parse(_ s: UnsafePointer<UInt8>, _ count: Int, _ start: Int, _ end: Int) -> CivilTime? {
        let i = start
        guard s[i + 2] == UInt8(ascii: "/"), s[i + 6] == UInt8(ascii: "/"),
            s[i + 11] == UInt8(ascii: ":"), s[i + 14] == UInt8(ascii: ":"), s[i + 17] == UInt8(ascii: ":"),
            let day = digits(s + i, 2), let month = MonthName.number(s[i + 3], s[i + 4], s[i + 5]),
            let year = digits(s + i + 7, 4), let hour = digits(s + i + 12, 2),
            let minute = digits(s + i + 15, 2), let second = digits(s + i + 18, 2)
        else { return nil }
        var civil = CivilTime(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        var k = i + 20
        if k < end, s[k] == UInt8(ascii: ".") {
            var f = k + 1
            while f < count, s[f] &- UInt8(ascii: "0") < 10 { f += 1 }
            var micros = 0
            var digits = 0
            for d in (k + 1)..<f where digits < 6 {
                micros = micros * 10 + Int(s[d] &- UInt8(ascii: "0"))
                digits += 1
            }
            while digits < 6 {
                micros *= 10
                digits += 1
            }
            civil.microsecond = micros
            k = f
        }
        while k < end, s[k] == UInt8(ascii: " ") { k += 1 }
        if k < end {
            let sign = s[k]
            guard sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-"), k + 5 <= end,
                let oh = Self.digits(s + k + 1, 2), let om = Self.digits(s + k + 3, 2), oh < 24, om < 60
            else { return nil }
            let offset = oh * 3600 + om * 60
            civil.utcOffsetSeconds = sign == UInt8(ascii: "-") ? -offset : offset
            k += 5
            while k < end, s[k] == UInt8(ascii: " ") { k += 1 }
            guard k == end else { return nil }
        }
        return civil.isValid ? civil : nil
    }
}
