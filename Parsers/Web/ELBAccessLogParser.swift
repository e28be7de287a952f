import DwellCore

/// Parses AWS Elastic Load Balancing access logs: Application Load Balancer (ALB) lines and Classic Load Balancer
/// (ELB) lines, as the load balancer writes them to S3 (one file per LB, node and five minutes; often gzip).
///
///     https 2026-03-11T19:21:41.512345Z app/web-lb/50dc6c495c0c9188 203.0.113.45:51234 10.0.1.20:80 0.001 0.042 0.000 200 200 243 1822 "GET https://shop.example.com:443/login?next=%2F HTTP/1.1" "curl/8.4.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:…:targetgroup/web/73e2d6bc24d8a067 "Root=1-65ef5c35-…" "shop.example.com" "arn:aws:acm:…" 1 2026-03-11T19:21:41.469000Z "forward" "-" "-" "10.0.1.20:80" "200" "-" "-" TID_1234
///     2015-05-13T23:39:43.945958Z my-lb 192.168.131.39:2817 10.0.0.1:80 0.000073 0.001048 0.000057 200 200 0 29 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.38.0" - -
///
/// ALB fields: `type time elb client:port target:port request_processing_time target_processing_time
/// response_processing_time elb_status_code target_status_code received_bytes sent_bytes "request" "user_agent"
/// ssl_cipher ssl_protocol`, then the fields AWS added over the years (`target_group_arn "trace_id" "domain_name"
/// "chosen_cert_arn" matched_rule_priority request_creation_time "actions_executed" "redirect_url" "error_reason"
/// "target:port_list" "target_status_code_list" "classification" "classification_reason" conn_trace_id`). Lines
/// that stop after `ssl_protocol` (older LBs) or carry more trailing fields (newer ones) are both accepted; a
/// trailing field cut inside its quotes is a truncated line. Classic lines have no `type` and stop after
/// `ssl_protocol`.
///
/// Each line becomes a `.webRequest` event: `host` is the load balancer's name as logged (`app/web-lb/50dc…`, the
/// logging sensor); `sourceIP`/`sourcePort` the client; `destinationIP`/`destinationPort` the target (backend);
/// time is `request_creation_time` when the line has it (when the LB received the request, as the classic `time`
/// and Apache's `%t` are), else the line's `time` (UTC, microseconds); `httpMethod`, `path` and `query` raw (no
/// percent-decoding, as the other web parsers; the scheme and `host:port` of the absolute URL are taken off the
/// path), the HTTP version in `networkProtocol`; `httpStatus` is `elb_status_code` (what the client got);
/// `bytesIn`/`bytesOut` are `received_bytes`/`sent_bytes`; `userAgent`; `virtualHost` is `domain_name` (the TLS
/// SNI) or, without one, the host of the request URL; `durationMicros` is the sum of the three processing times
/// when all are present; `service` is the listener type (`https`, `h2`, `ws`, … ; for classic lines the URL's
/// scheme); `detail` is `error_reason`; `signature` is `classification_reason` when the desync-mitigation
/// `classification` is `Ambiguous` or `Severe` (a malformed, possibly smuggling, request). The target status code,
/// cipher, certificate, trace id and rule fields have no place in the event and stay in the raw line.
///
/// `-1` and `-` mean "absent" in the numeric and target fields (a request the LB answered itself: 460, 502, 503,
/// 504); `"- - - "` is a request the LB could not parse (no method, path or protocol). Hostile requests are data
/// (escaped quotes, 8 KiB URLs, invalid UTF-8 are kept as bytes); a malformed field is a counted rejection.
/// - Complexity: O(*n*) in the line length; no allocation once the symbol table is warm.
public struct ELBAccessLogParser: LineParser {
    /// Which load balancer wrote the file.
    public enum Variant: Sendable {
        /// Application Load Balancer: lines start with the listener type (`http`, `https`, `h2`, `grpcs`, `ws`, `wss`).
        case application
        /// Classic Load Balancer: lines start with the time.
        case classic
    }

    public let variant: Variant

    public init(variant: Variant = .application) {
        self.variant = variant
    }

    public mutating func parse(
        _ line: Span<UInt8>, into event: inout Event, context: inout ParseContext
    ) throws(LineRejection) -> Bool {
        event.reset(kind: .webRequest)  // nothing of the previous line survives
        return try parseLine(line, into: &event, context: &context)
    }

    /// Fills `event` (a fresh `.webRequest` event) from one line. Returns `false` for a non-event (an empty line).
    mutating func parseLine(_ line: Span<UInt8>, into event: inout Event, context: inout ParseContext)
        throws(LineRejection) -> Bool
    {
        let n = line.count
        if n == 0 { return false }
        event.kind = .webRequest
        var i = 0
        if variant == .application {
            let type = try Self.bareField(line, &i)
            guard type.count <= 8, Self.isLowerAlphanumeric(line, type) else { throw .unrecognized(atColumn: 0) }
            event.service = context.symbols.intern(line, type)
        }
        // time: 2026-03-11T19:21:41.512345Z
        let timeField = try Self.bareField(line, &i)
        let (logTime, logTimeSource) = try Self.time(line, timeField, context: &context)
        event.time = logTime
        event.timeSource = logTimeSource

        let elb = try Self.bareField(line, &i)
        guard !line.isDash(elb) else { throw .invalidField(atColumn: elb.lowerBound) }
        event.host = context.symbols.intern(line, elb)

        let client = try Self.bareField(line, &i)
        guard let (clientIP, clientPort) = Self.endpoint(line, client) else {
            throw .invalidField(atColumn: client.lowerBound)
        }
        event.sourceIP = clientIP
        event.setSourcePort(clientPort)

        let target = try Self.bareField(line, &i)
        if !line.isDash(target) {
            guard let (targetIP, targetPort) = Self.endpoint(line, target) else {
                throw .invalidField(atColumn: target.lowerBound)
            }
            event.destinationIP = targetIP
            event.setDestinationPort(targetPort)
        }

        // request_processing_time target_processing_time response_processing_time (seconds, `-1` when absent)
        var total: Int64 = 0
        var allTimes = true
        for _ in 0..<3 {
            let f = try Self.bareField(line, &i)
            if let micros = try Self.seconds(line, f) { total &+= micros } else { allTimes = false }
        }
        if allTimes { event.durationMicros = total }

        let elbStatus = try Self.bareField(line, &i)
        if let s = try Self.status(line, elbStatus) { event.httpStatus = s }
        _ = try Self.status(line, try Self.bareField(line, &i))  // target status: checked, kept in the raw line

        let received = try Self.bareField(line, &i)
        if let b = try Self.count(line, received) { event.bytesIn = b }
        let sent = try Self.bareField(line, &i)
        if let b = try Self.count(line, sent) { event.bytesOut = b }

        let request = try Self.quotedField(line, &i)
        var urlHost = 0..<0
        if !Self.isUnparsedRequest(line, request) {
            var parts = HTTPRequestLine.split(line, request)
            if let p = parts.path, let (authority, rest) = Self.splitAbsoluteURL(line, p) {
                urlHost = Self.hostOfAuthority(line, authority)
                if variant == .classic {
                    event.service = context.symbols.intern(line, p.lowerBound..<authority.lowerBound - 3)
                }
                parts.path = rest.isEmpty ? nil : rest
            }
            parts.apply(line, to: &event, context: &context)
        }

        let agent = try Self.quotedField(line, &i)
        if !agent.isEmpty && !line.isDash(agent) { event.userAgent = context.symbols.intern(line, agent) }

        _ = try Self.bareField(line, &i)  // ssl_cipher
        _ = try Self.bareField(line, &i)  // ssl_protocol

        if variant == .application {
            try readTrailingFields(line, &i, into: &event, context: &context)
        }
        if event.virtualHost.isNone && !urlHost.isEmpty {
            event.virtualHost = context.symbols.intern(line, urlHost)
        }
        return true
    }

    /// The optional ALB fields after `ssl_protocol`, by position; fields past the known ones are left in the raw line.
    mutating func readTrailingFields(
        _ line: Span<UInt8>, _ i: inout Int, into event: inout Event, context: inout ParseContext
    ) throws(LineRejection) {
        var k = 16  // index of the next field in the ALB field list
        var severeClassification = false
        while let f = try Self.optionalField(line, &i) {
            let absent = f.isEmpty || line.isDash(f)
            switch k {
            case 18:  // domain_name (TLS SNI)
                if !absent { event.virtualHost = context.symbols.intern(line, f) }
            case 21:  // request_creation_time: when the LB received the request
                if !absent {
                    let (t, source) = try Self.time(line, f, context: &context)
                    event.time = t
                    event.timeSource = source
                }
            case 24:  // error_reason
                if !absent { event.detail = context.symbols.intern(line, f) }
            case 27:  // classification
                severeClassification = line.equals(f, "Ambiguous") || line.equals(f, "Severe")
            case 28:  // classification_reason
                if severeClassification && !absent { event.signature = context.symbols.intern(line, f) }
            default:
                break
            }
            k += 1
        }
    }

    /// Detection: trial-parses the sample lines. Scored above the generic trial score (`Registry.trialScore`) when
    /// at least half the lines parse, so that a cut last line does not hand a Classic ELB file to the syslog parser,
    /// which reads any line starting with an RFC 3339 time and a word as a generic syslog message.
    public static func detect(_ sample: DetectionSample, variant: Variant) -> Int {
        var parser = ELBAccessLogParser(variant: variant)
        var context = ParseContext()
        var events = 0
        for line in sample.lines {
            let parsed = line.withUnsafeBufferPointer { p in
                (try? parser.event(p.span, context: &context)) != nil
            }
            if parsed { events += 1 }
        }
        guard events > 0, events * 2 >= sample.lines.count else { return 0 }
        return events * 3 + 10
    }

    // MARK: - Fields

    /// The next space-separated token at or after `i` (which moves past it); `.truncated` at the end of the line.
    @inline(__always)
    static func bareField(_ line: Span<UInt8>, _ i: inout Int) throws(LineRejection) -> Range<Int> {
        let start = line.skipSpaces(from: i)
        guard start < line.count else { throw .truncated(atColumn: start) }
        if line[start] == UInt8(ascii: "\"") { throw .unexpectedByte(line[start], atColumn: start) }
        let end = line.tokenEnd(from: start)
        i = end
        return start..<end
    }

    /// The content of the next `"…"` field (escaped quotes inside are skipped); `i` moves past the closing quote.
    @inline(__always)
    static func quotedField(_ line: Span<UInt8>, _ i: inout Int) throws(LineRejection) -> Range<Int> {
        let start = line.skipSpaces(from: i)
        guard start < line.count else { throw .truncated(atColumn: start) }
        guard line[start] == UInt8(ascii: "\"") else { throw .unexpectedByte(line[start], atColumn: start) }
        guard let close = line.closingQuote(from: start + 1, requireFieldEnd: true) else {
            throw .truncated(atColumn: start)
        }
        i = close + 1
        return start + 1..<close
    }

    /// The next field, quoted or bare, or `nil` at the end of the line. A quote left open is a truncated line.
    @inline(__always)
    static func optionalField(_ line: Span<UInt8>, _ i: inout Int) throws(LineRejection) -> Range<Int>? {
        let start = line.skipSpaces(from: i)
        guard start < line.count else { return nil }
        if line[start] == UInt8(ascii: "\"") { return try quotedField(line, &i) }
        return try bareField(line, &i)
    }

    /// An ISO 8601 time filling the whole field (`2026-03-11T19:21:41.512345Z`).
    @inline(__always)
    static func time(_ line: Span<UInt8>, _ f: Range<Int>, context: inout ParseContext) throws(LineRejection)
        -> (Timestamp, TimeSource)
    {
        guard f.count >= 19, let (civil, end) = ISO8601Scanner.scan(line, from: f.lowerBound), end == f.upperBound,
            let resolved = context.timestamp(for: civil)
        else { throw .badTimestamp(atColumn: f.lowerBound) }
        return resolved
    }

    /// `address:port` (IPv6 written without brackets: the port follows the last colon).
    static func endpoint(_ line: Span<UInt8>, _ f: Range<Int>) -> (IPAddress, UInt16)? {
        guard let colon = line.lastIndex(of: UInt8(ascii: ":"), before: f.upperBound), colon > f.lowerBound,
            colon + 1 < f.upperBound, colon + 6 >= f.upperBound, let port = line.parseUInt(colon + 1..<f.upperBound),
            port <= 65535
        else { return nil }
        var ipRange = f.lowerBound..<colon
        if line[f.lowerBound] == UInt8(ascii: "["), line[colon - 1] == UInt8(ascii: "]"), colon - f.lowerBound > 2 {
            ipRange = f.lowerBound + 1..<colon - 1
        }
        guard let ip = IPAddress.parse(line, ipRange) else { return nil }
        return (ip, UInt16(port))
    }

    /// A processing time in seconds (`0.000073`) as microseconds; `nil` for `-1` or `-` (absent).
    @inline(__always)
    static func seconds(_ line: Span<UInt8>, _ f: Range<Int>) throws(LineRejection) -> Int64? {
        if line.isDash(f) || line.equals(f, "-1") { return nil }
        guard let micros = line.parseSecondsAsMicros(f) else { throw .invalidField(atColumn: f.lowerBound) }
        return micros
    }

    /// An HTTP status code, or `nil` for `-`.
    @inline(__always)
    static func status(_ line: Span<UInt8>, _ f: Range<Int>) throws(LineRejection) -> Int32? {
        if line.isDash(f) { return nil }
        guard f.count <= 4, let s = line.parseUInt(f) else { throw .invalidField(atColumn: f.lowerBound) }
        return Int32(s)
    }

    /// A byte count, or `nil` for `-` and `-1`.
    @inline(__always)
    static func count(_ line: Span<UInt8>, _ f: Range<Int>) throws(LineRejection) -> Int64? {
        if line.isDash(f) || line.equals(f, "-1") { return nil }
        guard let v = line.parseUInt(f), v <= UInt64(Int64.max) else { throw .invalidField(atColumn: f.lowerBound) }
        return Int64(v)
    }

    /// `- - - ` (with or without the trailing space): the LB could not read a request (or a TCP/SSL listener).
    static func isUnparsedRequest(_ line: Span<UInt8>, _ r: Range<Int>) -> Bool {
        var dashes = 0
        for k in r {
            let c = line[k]
            if c == UInt8(ascii: "-") {
                dashes += 1
            } else if c != UInt8(ascii: " ") {
                return false
            }
        }
        return dashes > 1
    }

    /// Splits `scheme://authority/rest` in `line[p]` into the authority and the rest (from its `/`, maybe empty).
    static func splitAbsoluteURL(_ line: Span<UInt8>, _ p: Range<Int>) -> (authority: Range<Int>, rest: Range<Int>)? {
        guard let sep = line.find("://", from: p.lowerBound, to: min(p.upperBound, p.lowerBound + 12)),
            sep > p.lowerBound, isLowerAlphanumeric(line, p.lowerBound..<sep)
        else { return nil }
        let start = sep + 3
        var end = line.firstIndex(of: UInt8(ascii: "/"), from: start) ?? p.upperBound
        if end > p.upperBound { end = p.upperBound }
        return (start..<end, end..<p.upperBound)
    }

    /// The host of `host:port`, `[v6]:port` or `host`.
    static func hostOfAuthority(_ line: Span<UInt8>, _ a: Range<Int>) -> Range<Int> {
        guard !a.isEmpty else { return a }
        if line[a.lowerBound] == UInt8(ascii: "[") {
            if let close = line.firstIndex(of: UInt8(ascii: "]"), from: a.lowerBound), close < a.upperBound {
                return a.lowerBound + 1..<close
            }
            return a
        }
        if let colon = line.lastIndex(of: UInt8(ascii: ":"), before: a.upperBound), colon >= a.lowerBound,
            line.parseUInt(colon + 1..<a.upperBound) != nil
        {
            return a.lowerBound..<colon
        }
        return a
    }

    /// Lower-case ASCII letters and digits only (a listener type or URL scheme).
    static func isLowerAlphanumeric(_ line: Span<UInt8>, _ r: Range<Int>) -> Bool {
        guard !r.isEmpty else { return false }
        for k in r {
            let c = line[k]
            guard c &- UInt8(ascii: "a") < 26 || c &- UInt8(ascii: "0") < 10 else { return false }
        }
        return true
    }
}
