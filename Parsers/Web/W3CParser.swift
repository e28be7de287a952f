import DwellCore

/// Parses W3C extended log files (IIS, IIS Advanced Logging, other W3C writers), driven by their `#Fields:` header.
///
///     #Software: Microsoft Internet Information Services 10.0
///     #Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken
///     2021-04-01 00:00:21 10.0.0.5 GET /foo/bar.asp id=1 80 - 203.0.113.9 Mozilla/5.0+(Windows+NT+5.1) - 200 0 0 65
///
/// The `#Fields:` header may change mid-file (IIS starts a new block on restart); each block is read with its own
/// field list. `#Date:`/`#Start-Date:` give the date for logs that write only `time`; `#GMT-Offset:` gives the zone.
/// Without `#GMT-Offset`, times are taken as zone-less (`--tz`, else UTC: IIS writes UTC, IIS Advanced Logging's
/// `date-local`/`time-local` need `--tz`). Before any `#Fields:` line, IIS's default field list is assumed for lines
/// that start with a date. Every `#` line is a non-event (`nil`).
///
/// Fields: words separated by runs of spaces or tabs; a quoted word (`"a b"`, with `""` for a quote) is one field;
/// `-` is "no value". Mapped: `c-ip` → `sourceIP`, `c-port`, `s-ip` → `destinationIP`, `s-port`, `cs-method`,
/// `cs-uri-stem` → `path`, `cs-uri-query` → `query` (raw; IIS writes `+` for spaces in the user agent, kept),
/// `cs-uri` (split at `?`), `sc-status`, `sc-bytes` → `bytesOut`, `cs-bytes` → `bytesIn`, `cs(User-Agent)`,
/// `cs(Referer)`, `cs(Host)` → `virtualHost`, `cs-username`/`c-auth-id` → `user`, `cs-version` →
/// `networkProtocol`, `cs(X-Forwarded-For)` → `forwardedFor`, `time-taken`/`TimeTakenMS` (milliseconds, as IIS
/// writes it) → `durationMicros`. Extra words past the field list are ignored; a short line keeps what it has.
/// - Complexity: O(*n*) in the line length; no allocation once warm (the field and word lists are reused).
public struct W3CParser: LineParser {
    enum Field: UInt8 {
        case ignore, date, time, clientIP, clientPort, serverIP, serverPort, method, uriStem, uriQuery, uri, status
        case bytesSent, bytesReceived, userAgent, referer, host, user, timeTakenMillis, version, forwardedFor
    }

    static let iisDefaultFields: [Field] = [
        .date, .time, .serverIP, .method, .uriStem, .uriQuery, .serverPort, .user, .clientIP, .userAgent, .referer,
        .status, .ignore, .ignore, .timeTakenMillis,
    ]

    var fields: [Field] = []
    var headerDate: (year: Int, month: Int, day: Int)?
    var gmtOffsetSeconds: Int?
    var words: [Range<Int>] = []
    var quotedEscapes: [Bool] = []
    var scratch: [UInt8] = []

    public init() {
        words.reserveCapacity(64)
        quotedEscapes.reserveCapacity(64)
    }

    public mutating func parse(
        _ line: Span<UInt8>, into event: inout Event, context: inout ParseContext
    ) throws(LineRejection) -> Bool {
        if line.count == 0 { return false }
        if line[0] == UInt8(ascii: "#") {
            header(line)
            return false
        }
        split(line)
        if fields.isEmpty {
            // No header seen: IIS's default fields, if the line starts with a date.
            guard let first = words.first, Self.date(line, first) != nil else { throw .unrecognized(atColumn: 0) }
            fields = Self.iisDefaultFields
        }
        event.reset(kind: .webRequest)
        var date: (year: Int, month: Int, day: Int)? = headerDate
        var timeWord: Range<Int>?
        let count = min(words.count, fields.count)
        var k = 0
        while k < count {
            let w = words[k]
            let field = fields[k]
            k += 1
            if field == .ignore || w.isEmpty || line.isDash(w) { continue }
            switch field {
            case .ignore: break
            case .date:
                guard let d = Self.date(line, w) else { throw .badTimestamp(atColumn: w.lowerBound) }
                date = d
            case .time: timeWord = w
            case .clientIP:
                guard let ip = IPAddress.parse(line, w) else { throw .invalidField(atColumn: w.lowerBound) }
                event.sourceIP = ip
            case .serverIP:
                if let ip = IPAddress.parse(line, w) { event.destinationIP = ip }
            case .clientPort:
                if let p = line.parseUInt(w), p <= 65535 { event.setSourcePort(UInt16(p)) }
            case .serverPort:
                if let p = line.parseUInt(w), p <= 65535 { event.setDestinationPort(UInt16(p)) }
            case .method: event.httpMethod = context.symbols.intern(line, w)
            case .uriStem: event.path = intern(line, w, k - 1, &context)
            case .uriQuery: event.query = intern(line, w, k - 1, &context)
            case .uri:
                if let q = line.firstIndex(of: UInt8(ascii: "?"), from: w.lowerBound), q < w.upperBound {
                    event.path = context.symbols.intern(line, w.lowerBound..<q)
                    if q + 1 < w.upperBound { event.query = context.symbols.intern(line, q + 1..<w.upperBound) }
                } else {
                    event.path = intern(line, w, k - 1, &context)
                }
            case .status:
                if let v = line.parseUInt(w), v < 10_000 { event.httpStatus = Int32(v) }
            case .bytesSent:
                if let v = line.parseUInt(w), v <= UInt64(Int64.max) { event.bytesOut = Int64(v) }
            case .bytesReceived:
                if let v = line.parseUInt(w), v <= UInt64(Int64.max) { event.bytesIn = Int64(v) }
            case .userAgent: event.userAgent = intern(line, w, k - 1, &context)
            case .referer:
                if context.wantsUnindexedText || WebText.mayCarryAttack(line, w) {
                    event.referer = intern(line, w, k - 1, &context)
                }
            case .host: event.virtualHost = intern(line, w, k - 1, &context)
            case .user: event.user = intern(line, w, k - 1, &context)
            case .version: event.networkProtocol = context.symbols.intern(line, w)
            case .forwardedFor: event.forwardedFor = intern(line, w, k - 1, &context)
            case .timeTakenMillis:
                if let v = line.parseUInt(w), v < UInt64(Int64.max / 1000) { event.durationMicros = Int64(v) * 1000 }
            }
        }
        guard let tw = timeWord else { throw .badTimestamp(atColumn: 0) }
        guard let d = date else { throw .badTimestamp(atColumn: tw.lowerBound) }
        guard var civil = Self.time(line, tw, d) else { throw .badTimestamp(atColumn: tw.lowerBound) }
        civil.utcOffsetSeconds = gmtOffsetSeconds
        guard let (time, source) = context.timestamp(for: civil) else { throw .badTimestamp(atColumn: tw.lowerBound) }
        event.time = time
        event.timeSource = source
        return true
    }

    /// Interns word `index`, undoubling `""` in quoted words.
    mutating func intern(_ s: Span<UInt8>, _ w: Range<Int>, _ index: Int, _ context: inout ParseContext) -> Symbol {
        guard index < quotedEscapes.count, quotedEscapes[index] else { return context.symbols.intern(s, w) }
        scratch.removeAll(keepingCapacity: true)
        var i = w.lowerBound
        while i < w.upperBound {
            scratch.append(s[i])
            i += s[i] == UInt8(ascii: "\"") && i + 1 < w.upperBound && s[i + 1] == UInt8(ascii: "\"") ? 2 : 1
        }
        return context.symbols.intern(bytes: scratch)
    }

    /// Splits a data line into words (quoted words without their quotes).
    mutating func split(_ s: Span<UInt8>) {
        words.removeAll(keepingCapacity: true)
        quotedEscapes.removeAll(keepingCapacity: true)
        var i = 0
        let n = s.count
        while i < n {
            let c = s[i]
            if c == 0x20 || c == 0x09 {
                i += 1
                continue
            }
            if c == UInt8(ascii: "\"") {
                var j = i + 1
                var doubled = false
                var end = n
                while let q = s.firstIndex(of: UInt8(ascii: "\""), from: j) {
                    if q + 1 < n, s[q + 1] == UInt8(ascii: "\"") {
                        doubled = true
                        j = q + 2
                        continue
                    }
                    end = q
                    break
                }
                words.append(i + 1..<end)
                quotedEscapes.append(doubled)
                i = end + 1
                continue
            }
            var e = i
            while e < n, s[e] != 0x20, s[e] != 0x09 { e += 1 }
            words.append(i..<e)
            quotedEscapes.append(false)
            i = e
        }
    }

    /// Reads a `#Directive:` line.
    mutating func header(_ s: Span<UInt8>) {
        guard let colon = s.firstIndex(of: UInt8(ascii: ":"), from: 1) else { return }
        let name = 1..<colon
        var i = colon + 1
        if s.equalsIgnoringCase(name, "fields") {
            fields.removeAll(keepingCapacity: true)
            while i < s.count {
                if s[i] == 0x20 || s[i] == 0x09 {
                    i += 1
                    continue
                }
                var e = i
                while e < s.count, s[e] != 0x20, s[e] != 0x09 { e += 1 }
                fields.append(Self.field(s, i..<e))
                i = e
            }
        } else if s.equalsIgnoringCase(name, "date") || s.equalsIgnoringCase(name, "start-date") {
            i = s.skipSpaces(from: i)
            let e = s.tokenEnd(from: i)
            if let d = Self.date(s, i..<e) {
                headerDate = d
            } else if e - i == 11, let month = MonthName.number(s[i + 3], s[i + 4], s[i + 5]),
                let day = s.parseUInt(i..<i + 2), let year = s.parseUInt(i + 7..<i + 11)
            {
                headerDate = (Int(year), month, Int(day))  // 28/Jun/2017
            }
        } else if s.equalsIgnoringCase(name, "gmt-offset") {
            i = s.skipSpaces(from: i)
            if i + 5 <= s.count, s[i] == UInt8(ascii: "+") || s[i] == UInt8(ascii: "-"),
                let h = s.parseUInt(i + 1..<i + 3), let m = s.parseUInt(i + 3..<i + 5)
            {
                let v = Int(h) * 3600 + Int(m) * 60
                gmtOffsetSeconds = s[i] == UInt8(ascii: "-") ? -v : v
            }
        }
    }

    static func field(_ s: Span<UInt8>, _ r: Range<Int>) -> Field {
        if s.equalsIgnoringCase(r, "date") || s.equalsIgnoringCase(r, "date-local") { return .date }
        if s.equalsIgnoringCase(r, "time") || s.equalsIgnoringCase(r, "time-local") { return .time }
        if s.equalsIgnoringCase(r, "c-ip") { return .clientIP }
        if s.equalsIgnoringCase(r, "c-port") { return .clientPort }
        if s.equalsIgnoringCase(r, "s-ip") { return .serverIP }
        if s.equalsIgnoringCase(r, "s-port") { return .serverPort }
        if s.equalsIgnoringCase(r, "cs-method") { return .method }
        if s.equalsIgnoringCase(r, "cs-uri-stem") { return .uriStem }
        if s.equalsIgnoringCase(r, "cs-uri-query") { return .uriQuery }
        if s.equalsIgnoringCase(r, "cs-uri") { return .uri }
        if s.equalsIgnoringCase(r, "sc-status") { return .status }
        if s.equalsIgnoringCase(r, "sc-bytes") || s.equalsIgnoringCase(r, "bytes") { return .bytesSent }
        if s.equalsIgnoringCase(r, "cs-bytes") { return .bytesReceived }
        if s.equalsIgnoringCase(r, "cs(user-agent)") { return .userAgent }
        if s.equalsIgnoringCase(r, "cs(referer)") || s.equalsIgnoringCase(r, "cs(referrer)") { return .referer }
        if s.equalsIgnoringCase(r, "cs(host)") || s.equalsIgnoringCase(r, "cs-host") { return .host }
        if s.equalsIgnoringCase(r, "cs-username") || s.equalsIgnoringCase(r, "c-auth-id") { return .user }
        if s.equalsIgnoringCase(r, "cs-version") { return .version }
        if s.equalsIgnoringCase(r, "cs(x-forwarded-for)") || s.equalsIgnoringCase(r, "x-forwarded-for") {
            return .forwardedFor
        }
        if s.equalsIgnoringCase(r, "time-taken") || s.equalsIgnoringCase(r, "timetakenms") { return .timeTakenMillis }
        return .ignore
    }

    /// `yyyy-mm-dd`.
    static func date(_ s: Span<UInt8>, _ r: Range<Int>) -> (year: Int, month: Int, day: Int)? {
        let i = r.lowerBound
        guard r.count == 10, s[i + 4] == UInt8(ascii: "-"), s[i + 7] == UInt8(ascii: "-"),
            let y = s.parseUInt(i..<i + 4), let m = s.parseUInt(i + 5..<i + 7), let d = s.parseUInt(i + 8..<i + 10)
        else { return nil }
        return (Int(y), Int(m), Int(d))
    }

    /// `hh:mm:ss[.fff]` on the given date.
    static func time(_ s: Span<UInt8>, _ r: Range<Int>, _ d: (year: Int, month: Int, day: Int)) -> CivilTime? {
        let i = r.lowerBound
        guard r.count >= 8, s[i + 2] == UInt8(ascii: ":"), s[i + 5] == UInt8(ascii: ":"),
            let h = s.parseUInt(i..<i + 2), let m = s.parseUInt(i + 3..<i + 5), let sec = s.parseUInt(i + 6..<i + 8)
        else { return nil }
        var micros = 0
        if r.count > 9, s[i + 8] == UInt8(ascii: ".") {
            var digits = 0
            for k in (i + 9)..<r.upperBound where digits < 6 {
                let v = s[k] &- UInt8(ascii: "0")
                guard v < 10 else { return nil }
                micros = micros * 10 + Int(v)
                digits += 1
            }
            while digits < 6 {
                micros *= 10
                digits += 1
            }
        } else if r.count != 8 {
            return nil
        }
        let civil = CivilTime(
            year: d.year, month: d.month, day: d.day, hour: Int(h), minute: Int(m), second: Int(sec),
            microsecond: micros)
        return civil.isValid ? civil : nil
    }
}
