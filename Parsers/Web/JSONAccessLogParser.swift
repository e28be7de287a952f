import DwellCore

/// Parses JSON access logs, one object per line: Nginx `log_format … escape=json` with the usual variable names,
/// Caddy's `http.log.access` records, Traefik's JSON access log and Google Cloud load balancer `httpRequest`
/// records.
///
///     {"time_iso8601":"2024-05-01T10:00:00+00:00","remote_addr":"203.0.113.9","request":"GET /a?b=1 HTTP/1.1","status":200,"body_bytes_sent":512,"http_referer":"","http_user_agent":"curl/8.0","http_x_forwarded_for":"","request_time":0.004}
///     {"level":"info","ts":1714557600.12,"logger":"http.log.access","msg":"handled request","request":{"remote_ip":"203.0.113.9","proto":"HTTP/2.0","method":"GET","host":"example.com","uri":"/a?b=1","headers":{"User-Agent":["curl/8.0"]}},"status":200,"size":512,"duration":0.004}
///
/// Keys read (first match wins, case as written by those servers): client `remote_addr`/`client_ip`/`remote_ip`/
/// `ClientHost`/`remoteIp`; time `time_iso8601`/`time_local`/`timestamp`/`time`/`ts`/`StartUTC`/`@timestamp` (ISO
/// 8601, the access-log form, or epoch seconds); request `request` (a request line) or `request_method`/`method`/
/// `RequestMethod`/`requestMethod` with `request_uri`/`uri`/`RequestPath`/`requestUrl` (split at `?`) and
/// `args`/`query_string`; `status`/`DownstreamStatus`; bytes `body_bytes_sent`/`bytes_sent`/`size`/
/// `DownstreamContentSize`/`responseSize`; `http_referer`/`referer`; `http_user_agent`/`user_agent`/`userAgent`;
/// `http_x_forwarded_for`; `host`/`server_name`/`RequestHost` → `virtualHost`; `remote_user`/`user_id`;
/// `server_protocol`/`proto`/`protocol`; `request_time`/`duration` (seconds) and `latency` (`"0.12s"`).
/// Nested `request`, `headers` and `httpRequest` objects are walked; header arrays give their first value.
/// Empty strings and `-` are "no value". Pretty-printed arrays are read too (`JSONRecordAssembler`).
/// Lines starting with `#` are non-events (`nil`).
/// - Complexity: O(*n*) in the line length; no allocation once warm.
public struct JSONAccessLogParser: JSONObjectLineParser {
    var assembler = JSONRecordAssembler()
    var reader = JSONFieldReader()

    public init() {}

    public mutating func parse(
        _ line: Span<UInt8>, into event: inout Event, context: inout ParseContext
    ) throws(LineRejection) -> Bool {
        try parseJSONLine(line, into: &event, context: &context)
    }

    struct Found {
        var sawTime = false
        var sawRequest = false
    }

    mutating func parseObject(
        _ s: Span<UInt8>, at start: Int, into event: inout Event, context: inout ParseContext
    ) throws(LineRejection) -> Bool {
        event.reset(kind: .webRequest)
        var found = Found()
        try walk(s, start, depth: 0, into: &event, found: &found, context: &context)
        guard found.sawTime else { throw .badTimestamp(atColumn: start) }
        guard found.sawRequest || !event.sourceIP.isNone else { throw .unrecognized(atColumn: start) }
        return true
    }

    mutating func walk(
        _ s: Span<UInt8>, _ start: Int, depth: Int, into event: inout Event, found: inout Found,
        context: inout ParseContext
    ) throws(LineRejection) {
        var cursor = JSONMemberCursor(objectAt: start)
        while let (k, v0) = try cursor.next(s) {
            var v = v0
            if v.kind == .object {
                if depth < 3
                    && (s.equals(k, "request") || s.equals(k, "headers") || s.equals(k, "httpRequest")
                        || s.equals(k, "http"))
                {
                    try walk(s, v.range.lowerBound, depth: depth + 1, into: &event, found: &found, context: &context)
                }
                continue
            }
            if v.kind == .array {
                var elements = JSONElementCursor(arrayAt: v.range.lowerBound)
                guard let first = try elements.next(s), first.kind == .string else { continue }
                v = first
            }
            if v.kind == .null || (v.kind == .string && (v.range.isEmpty || s.isDash(v.range))) { continue }
            try field(s, k, v, into: &event, found: &found, context: &context)
        }
    }

    mutating func field(
        _ s: Span<UInt8>, _ k: Range<Int>, _ v: JSONValue, into event: inout Event, found: inout Found,
        context: inout ParseContext
    ) throws(LineRejection) {
        if s.equals(k, "remote_addr") || s.equals(k, "client_ip") || s.equals(k, "remote_ip")
            || s.equals(k, "ClientHost") || s.equals(k, "remoteIp") || s.equals(k, "clientip")
        {
            if event.sourceIP.isNone, let ip = IPAddress.parse(s, v.range) { event.sourceIP = ip }
        } else if s.equals(k, "time_iso8601") || s.equals(k, "time_local") || s.equals(k, "timestamp")
            || s.equals(k, "time") || s.equals(k, "ts") || s.equals(k, "StartUTC") || s.equals(k, "@timestamp")
        {
            if !found.sawTime, let (t, src) = time(s, v, context: &context) {
                event.time = t
                event.timeSource = src
                found.sawTime = true
            }
        } else if s.equals(k, "request") && v.kind == .string {
            if let bytes = reader.unescaped(s, v) {
                bytes.withUnsafeBufferPointer { p in
                    HTTPRequestLine.split(p.span, 0..<p.count).apply(
                        p.span, to: &event, context: &context)
                }
            } else {
                HTTPRequestLine.split(s, v.range).apply(
                    s, to: &event, context: &context)
            }
            found.sawRequest = true
        } else if s.equals(k, "request_method") || s.equals(k, "method") || s.equals(k, "RequestMethod")
            || s.equals(k, "requestMethod")
        {
            event.httpMethod = context.symbols.intern(s, v.range)
            found.sawRequest = true
        } else if s.equals(k, "request_uri") || s.equals(k, "uri") || s.equals(k, "RequestPath")
            || s.equals(k, "requestUrl")
        {
            if let bytes = reader.unescaped(s, v) {
                bytes.withUnsafeBufferPointer { p in Self.splitURI(p.span, 0..<p.count, into: &event, context: &context)
                }
            } else {
                Self.splitURI(s, v.range, into: &event, context: &context)
            }
            found.sawRequest = true
        } else if s.equals(k, "args") || s.equals(k, "query_string") {
            if event.query.isNone { event.query = reader.intern(s, v, &context.symbols) }
        } else if s.equals(k, "status") || s.equals(k, "DownstreamStatus") {
            if let x = v.int(s), x >= 0, x < 10_000 { event.httpStatus = Int32(x) }
        } else if s.equals(k, "body_bytes_sent") || s.equals(k, "bytes_sent") || s.equals(k, "size")
            || s.equals(k, "DownstreamContentSize") || s.equals(k, "responseSize")
        {
            if event.bytesOut < 0, let x = v.int(s) { event.bytesOut = x }
        } else if s.equals(k, "http_referer") || s.equals(k, "referer") || s.equals(k, "Referer")
            || s.equals(k, "request_Referer")
        {
            if context.wantsUnindexedText || WebText.mayCarryAttack(s, v.range) {
                event.referer = reader.intern(s, v, &context.symbols)
            }
        } else if s.equals(k, "http_user_agent") || s.equals(k, "user_agent") || s.equals(k, "userAgent")
            || s.equals(k, "User-Agent") || s.equals(k, "request_User-Agent")
        {
            event.userAgent = reader.intern(s, v, &context.symbols)
        } else if s.equals(k, "http_x_forwarded_for") || s.equals(k, "X-Forwarded-For")
            || s.equals(k, "request_X-Forwarded-For")
        {
            event.forwardedFor = reader.intern(s, v, &context.symbols)
        } else if s.equals(k, "host") || s.equals(k, "server_name") || s.equals(k, "RequestHost")
            || s.equals(k, "http_host")
        {
            if event.virtualHost.isNone { event.virtualHost = reader.intern(s, v, &context.symbols) }
        } else if s.equals(k, "remote_user") || s.equals(k, "user_id") {
            event.user = reader.intern(s, v, &context.symbols)
        } else if s.equals(k, "server_protocol") || s.equals(k, "proto") || s.equals(k, "protocol")
            || s.equals(k, "RequestProtocol")
        {
            event.networkProtocol = context.symbols.intern(s, v.range)
        } else if s.equals(k, "request_time") || s.equals(k, "duration") {
            if let x = s.parseSecondsAsMicros(v.range) { event.durationMicros = x }
        } else if s.equals(k, "latency") {
            var r = v.range
            if r.count > 1, s[r.upperBound - 1] == UInt8(ascii: "s") { r = r.lowerBound..<r.upperBound - 1 }
            if let x = s.parseSecondsAsMicros(r) { event.durationMicros = x }
        }
    }

    static func splitURI(_ s: Span<UInt8>, _ r0: Range<Int>, into event: inout Event, context: inout ParseContext) {
        var r = r0
        // An absolute URL (load balancers): keep the host as the virtual host, the rest as the target.
        if s.matches("http://", at: r.lowerBound) || s.matches("https://", at: r.lowerBound) {
            let hostStart = r.lowerBound + (s[r.lowerBound + 4] == UInt8(ascii: "s") ? 8 : 7)
            var hostEnd = s.firstIndex(of: UInt8(ascii: "/"), from: hostStart) ?? r.upperBound
            if hostEnd > r.upperBound { hostEnd = r.upperBound }
            if event.virtualHost.isNone, hostEnd > hostStart {
                event.virtualHost = context.symbols.intern(s, hostStart..<hostEnd)
            }
            r = hostEnd..<r.upperBound
            if r.isEmpty { return }
        }
        if let q = s.firstIndex(of: UInt8(ascii: "?"), from: r.lowerBound), q < r.upperBound {
            event.path = context.symbols.intern(s, r.lowerBound..<q)
            if q + 1 < r.upperBound { event.query = context.symbols.intern(s, q + 1..<r.upperBound) }
        } else {
            event.path = context.symbols.intern(s, r)
        }
    }

    func time(_ s: Span<UInt8>, _ v: JSONValue, context: inout ParseContext) -> (Timestamp, TimeSource)? {
        let r = v.range
        if v.kind == .number {
            guard var micros = s.parseSecondsAsMicros(r) else { return nil }
            if micros > 100_000_000_000_000_000 { micros /= 1000 }  // epoch milliseconds
            return (Timestamp(microseconds: micros), .explicit)
        }
        guard v.kind == .string, r.count >= 10 else { return nil }
        if s[r.lowerBound + 4] == UInt8(ascii: "-") {
            guard let (civil, _) = ISO8601Scanner.scan(s, from: r.lowerBound) else { return nil }
            return context.timestamp(for: civil)
        }
        if s[r.lowerBound + 2] == UInt8(ascii: "/"), let civil = AccessLogTime.parse(s, r.lowerBound, r.upperBound) {
            return context.timestamp(for: civil)
        }
        return nil
    }

    /// Detection: JSON lines carrying access-log keys, and none of Zeek's or Suricata's.
    static func detect(_ sample: DetectionSample) -> Int {
        var hits = 0
        for line in sample.lines where line.first == UInt8(ascii: "{") {
            if ByteSearch.contains(line, "\"event_type\"") || ByteSearch.contains(line, "\"id.orig_h\"")
                || ByteSearch.contains(line, "\"id_orig_h\"")
            {
                continue
            }
            if ByteSearch.contains(line, "\"remote_addr\"") || ByteSearch.contains(line, "\"request_uri\"")
                || ByteSearch.contains(line, "\"http_user_agent\"") || ByteSearch.contains(line, "\"httpRequest\"")
                || ByteSearch.contains(line, "\"http.log.access") || ByteSearch.contains(line, "\"ClientHost\"")
                || ByteSearch.contains(line, "\"RequestMethod\"")
            {
                hits += 1
            }
        }
        guard hits > 0, hits * 2 >= ByteSearch.jsonLines(sample) else { return 0 }
        return hits * 3 + 10
    }
}
