import DwellCore

/// Parses Suricata `eve.json` records, one object per line or a file holding one pretty-printed JSON array.
///
///     {"timestamp":"2022-07-12T06:22:33.415742+0000","flow_id":1398609176796675,"in_iface":"eth0","event_type":"alert","src_ip":"198.51.100.4","src_port":33270,"dest_ip":"192.0.2.5","dest_port":80,"proto":"TCP","alert":{"action":"allowed","gid":1,"signature_id":2034125,"rev":4,"signature":"ET EXPLOIT Apache HTTP Server 2.4.49 - Path Traversal Attempt (CVE-2021-41773) M2","category":"Attempted Administrator Privilege Gain","severity":1},…}
///
/// Common fields: time with its offset, endpoints, `proto` (lower-cased) in `networkProtocol`, `app_proto` in
/// `service`, `flow_id` (as text) in `connectionUID`, `in_iface` in `inInterface`, the sensor's `host` in `host`.
/// By `event_type`: `alert` → `.alert` (signature, `signature_id` in `ruleID`, category in `detail`, severity
/// as Suricata gives it, 1 = highest); `flow`/`netflow` → `.flow` (state in `detail`); `http` → `.http` (hostname in
/// `domain`, url split into `path`/`query`, method, status, user agent, referer, response length in `bytesOut`);
/// `dns` → `.dns` (rrname in `domain`, first answer or rcode in `detail`); `tls` → `.tls` (SNI in `domain`,
/// version in `detail`); `ssh` → `.sshSession` (client software in `userAgent`); `fileinfo` → `.fileTransfer`
/// (file name in `path`, hash, magic); `anomaly` → `.anomaly` (event in `signature`); `smb`, `krb5`, `rdp`,
/// `dcerpc` → their kinds; `stats` records are sensor counters, not events (`nil`); any other type → `.generic`
/// with the type in `detail`. Nested `http`/`tls`/`dns` objects of an alert enrich it the same way, and its
/// `flow` object gives bytes and packets each way: `bytesOut`/`packetsOut` = to the server (from the source),
/// `bytesIn`/`packetsIn` = to the client.
/// - Complexity: O(*n*) in the record length; no allocation once warm.
public struct SuricataEveParser: JSONObjectLineParser {
    var assembler = JSONRecordAssembler()
    var reader = JSONFieldReader()

    public init() {}

    public mutating func parse(
        _ line: Span<UInt8>, into event: inout Event, context: inout ParseContext
    ) throws(LineRejection) -> Bool {
        try parseJSONLine(line, into: &event, context: &context)
    }

    mutating func parseObject(
        _ s: Span<UInt8>, at start: Int, into event: inout Event, context: inout ParseContext
    ) throws(LineRejection) -> Bool {
        event.reset(kind: .generic)
        var eventType: Range<Int>?
        var sawTime = false
        var alert: Range<Int>?
        var flow: Range<Int>?
        var http: Range<Int>?
        var dns: Range<Int>?
        var tls: Range<Int>?
        var ssh: Range<Int>?
        var fileinfo: Range<Int>?
        var anomaly: Range<Int>?
        var other: Range<Int>?  // smb, krb5, rdp, dcerpc
        var cursor = JSONMemberCursor(objectAt: start)
        while let (k, v) = try cursor.next(s) {
            if v.kind == .object {
                if s.equals(k, "alert") {
                    alert = v.range
                } else if s.equals(k, "flow") || s.equals(k, "netflow") {
                    flow = v.range
                } else if s.equals(k, "http") {
                    http = v.range
                } else if s.equals(k, "dns") {
                    dns = v.range
                } else if s.equals(k, "tls") {
                    tls = v.range
                } else if s.equals(k, "ssh") {
                    ssh = v.range
                } else if s.equals(k, "fileinfo") {
                    fileinfo = v.range
                } else if s.equals(k, "anomaly") {
                    anomaly = v.range
                } else if s.equals(k, "smb") || s.equals(k, "krb5") || s.equals(k, "rdp") || s.equals(k, "dcerpc") {
                    other = v.range
                }
                continue
            }
            if s.equals(k, "timestamp") {
                guard v.kind == .string, let (civil, _) = ISO8601Scanner.scan(s, from: v.range.lowerBound),
                    let (t, src) = context.timestamp(for: civil)
                else { throw .badTimestamp(atColumn: v.range.lowerBound) }
                event.time = t
                event.timeSource = src
                sawTime = true
            } else if s.equals(k, "event_type") {
                eventType = v.range
            } else if s.equals(k, "src_ip") {
                guard let ip = IPAddress.parse(s, v.range) else { throw .invalidField(atColumn: v.range.lowerBound) }
                event.sourceIP = ip
            } else if s.equals(k, "dest_ip") {
                guard let ip = IPAddress.parse(s, v.range) else { throw .invalidField(atColumn: v.range.lowerBound) }
                event.destinationIP = ip
            } else if s.equals(k, "src_port") {
                if let p = v.int(s), p >= 0, p <= 65535 { event.setSourcePort(UInt16(p)) }
            } else if s.equals(k, "dest_port") {
                if let p = v.int(s), p >= 0, p <= 65535 { event.setDestinationPort(UInt16(p)) }
            } else if s.equals(k, "proto") {
                event.networkProtocol = ProtocolName.symbol(s, v.range, &context.symbols)
            } else if s.equals(k, "app_proto") {
                event.service = context.symbols.intern(s, v.range)
            } else if s.equals(k, "flow_id") {
                if context.wantsUnindexedText { event.connectionUID = context.symbols.intern(s, v.range) }
            } else if s.equals(k, "in_iface") {
                event.inInterface = reader.intern(s, v, &context.symbols)
            } else if s.equals(k, "host") {
                event.host = reader.intern(s, v, &context.symbols)
            }
        }
        guard let type = eventType else { throw .unrecognized(atColumn: start) }
        guard sawTime else { throw .badTimestamp(atColumn: start) }
        if s.equals(type, "stats") { return false }
        event.kind = Self.kind(s, type)
        if event.kind == .generic { event.detail = context.symbols.intern(s, type) }

        if let r = flow { try readFlow(s, r, into: &event, context: &context) }
        if let r = alert { try readAlert(s, r, into: &event, context: &context) }
        if let r = http { try readHTTP(s, r, into: &event, context: &context) }
        if let r = dns { try readDNS(s, r, into: &event, context: &context) }
        if let r = tls { try readTLS(s, r, into: &event, context: &context) }
        if let r = ssh { try readSSH(s, r, into: &event, context: &context) }
        if let r = fileinfo { try readFileinfo(s, r, into: &event, context: &context) }
        if let r = anomaly { try readAnomaly(s, r, into: &event, context: &context) }
        if let r = other { try readOther(s, r, into: &event, context: &context) }
        return true
    }

    static func kind(_ s: Span<UInt8>, _ type: Range<Int>) -> EventKind {
        if s.equals(type, "alert") { return .alert }
        if s.equals(type, "flow") || s.equals(type, "netflow") { return .flow }
        if s.equals(type, "http") { return .http }
        if s.equals(type, "dns") { return .dns }
        if s.equals(type, "tls") { return .tls }
        if s.equals(type, "ssh") { return .sshSession }
        if s.equals(type, "fileinfo") { return .fileTransfer }
        if s.equals(type, "anomaly") { return .anomaly }
        if s.equals(type, "smb") { return .smb }
        if s.equals(type, "krb5") { return .kerberos }
        if s.equals(type, "rdp") { return .rdp }
        if s.equals(type, "dcerpc") { return .rpc }
        return .generic
    }

    mutating func readAlert(_ s: Span<UInt8>, _ r: Range<Int>, into event: inout Event, context: inout ParseContext)
        throws(LineRejection)
    {
        var c = JSONMemberCursor(objectAt: r.lowerBound)
        while let (k, v) = try c.next(s) {
            if s.equals(k, "signature") {
                event.signature = reader.intern(s, v, &context.symbols)
            } else if s.equals(k, "category") {
                event.detail = reader.intern(s, v, &context.symbols)
            } else if s.equals(k, "severity") {
                if let x = v.int(s), x >= 0, x <= Int64(Int32.max) { event.severity = Int32(x) }
            } else if s.equals(k, "signature_id") {
                if let x = v.int(s) { event.ruleID = x }
            }
        }
    }

    mutating func readFlow(_ s: Span<UInt8>, _ r: Range<Int>, into event: inout Event, context: inout ParseContext)
        throws(LineRejection)
    {
        var c = JSONMemberCursor(objectAt: r.lowerBound)
        var startTime: Timestamp?
        var endTime: Timestamp?
        while let (k, v) = try c.next(s) {
            if s.equals(k, "bytes_toserver") {
                event.bytesOut = v.int(s) ?? -1
            } else if s.equals(k, "bytes_toclient") {
                event.bytesIn = v.int(s) ?? -1
            } else if s.equals(k, "pkts_toserver") {
                event.packetsOut = v.int(s) ?? -1
            } else if s.equals(k, "pkts_toclient") {
                event.packetsIn = v.int(s) ?? -1
            } else if s.equals(k, "state") {
                if event.kind == .flow { event.detail = context.symbols.intern(s, v.range) }
            } else if s.equals(k, "start") || s.equals(k, "end") {
                if v.kind == .string, let (civil, _) = ISO8601Scanner.scan(s, from: v.range.lowerBound),
                    let (t, _) = context.timestamp(for: civil)
                {
                    if s.equals(k, "start") { startTime = t } else { endTime = t }
                }
            }
        }
        if let a = startTime, let b = endTime, b >= a { event.durationMicros = b.microseconds - a.microseconds }
    }

    mutating func readHTTP(_ s: Span<UInt8>, _ r: Range<Int>, into event: inout Event, context: inout ParseContext)
        throws(LineRejection)
    {
        var c = JSONMemberCursor(objectAt: r.lowerBound)
        while let (k, v) = try c.next(s) {
            if s.equals(k, "hostname") {
                event.domain = reader.intern(s, v, &context.symbols)
            } else if s.equals(k, "url") {
                splitURL(s, v, into: &event, context: &context)
            } else if s.equals(k, "http_user_agent") {
                event.userAgent = reader.intern(s, v, &context.symbols)
            } else if s.equals(k, "http_method") {
                event.httpMethod = reader.intern(s, v, &context.symbols)
            } else if s.equals(k, "http_refer") {
                if context.wantsUnindexedText { event.referer = reader.intern(s, v, &context.symbols) }
            } else if s.equals(k, "status") {
                if let x = v.int(s), x >= 0, x < 10_000 { event.httpStatus = Int32(x) }
            } else if s.equals(k, "length") {
                if event.kind == .http { event.bytesOut = v.int(s) ?? -1 }
            }
        }
    }

    mutating func splitURL(_ s: Span<UInt8>, _ v: JSONValue, into event: inout Event, context: inout ParseContext) {
        if let bytes = reader.unescaped(s, v) {
            bytes.withUnsafeBufferPointer { p in Self.split(p.span, 0..<p.count, into: &event, context: &context) }
        } else {
            Self.split(s, v.range, into: &event, context: &context)
        }
    }

    static func split(_ s: Span<UInt8>, _ r: Range<Int>, into event: inout Event, context: inout ParseContext) {
        if let q = s.firstIndex(of: UInt8(ascii: "?"), from: r.lowerBound), q < r.upperBound {
            event.path = context.symbols.intern(s, r.lowerBound..<q)
            if q + 1 < r.upperBound { event.query = context.symbols.intern(s, q + 1..<r.upperBound) }
        } else {
            event.path = context.symbols.intern(s, r)
        }
    }

    mutating func readDNS(_ s: Span<UInt8>, _ r: Range<Int>, into event: inout Event, context: inout ParseContext)
        throws(LineRejection)
    {
        var c = JSONMemberCursor(objectAt: r.lowerBound)
        var answer: JSONValue?
        var rcode: JSONValue?
        while let (k, v) = try c.next(s) {
            if s.equals(k, "rrname") {
                if event.domain.isNone { event.domain = reader.intern(s, v, &context.symbols) }
            } else if s.equals(k, "rdata") {
                answer = answer ?? v
            } else if s.equals(k, "rcode") {
                rcode = v
            } else if (s.equals(k, "answers") || s.equals(k, "queries")) && v.kind == .array {
                var a = JSONElementCursor(arrayAt: v.range.lowerBound)
                if let first = try a.next(s), first.kind == .object {
                    var m = JSONMemberCursor(objectAt: first.range.lowerBound)
                    while let (k2, v2) = try m.next(s) {
                        if s.equals(k2, "rdata") && answer == nil { answer = v2 }
                        if s.equals(k2, "rrname") && event.domain.isNone {
                            event.domain = reader.intern(s, v2, &context.symbols)
                        }
                    }
                }
            }
        }
        if let a = answer {
            event.detail = reader.intern(s, a, &context.symbols)
        } else if let rc = rcode {
            event.detail = reader.intern(s, rc, &context.symbols)
        }
    }

    mutating func readTLS(_ s: Span<UInt8>, _ r: Range<Int>, into event: inout Event, context: inout ParseContext)
        throws(LineRejection)
    {
        var c = JSONMemberCursor(objectAt: r.lowerBound)
        while let (k, v) = try c.next(s) {
            if s.equals(k, "sni") {
                event.domain = reader.intern(s, v, &context.symbols)
            } else if s.equals(k, "version") {
                if event.kind == .tls { event.detail = reader.intern(s, v, &context.symbols) }
            } else if s.equals(k, "fingerprint") {
                event.keyFingerprint = reader.intern(s, v, &context.symbols)
            }
        }
    }

    mutating func readSSH(_ s: Span<UInt8>, _ r: Range<Int>, into event: inout Event, context: inout ParseContext)
        throws(LineRejection)
    {
        var c = JSONMemberCursor(objectAt: r.lowerBound)
        while let (k, v) = try c.next(s) {
            guard s.equals(k, "client"), v.kind == .object else { continue }
            var m = JSONMemberCursor(objectAt: v.range.lowerBound)
            while let (k2, v2) = try m.next(s) {
                if s.equals(k2, "software_version") { event.userAgent = reader.intern(s, v2, &context.symbols) }
            }
        }
    }

    mutating func readFileinfo(_ s: Span<UInt8>, _ r: Range<Int>, into event: inout Event, context: inout ParseContext)
        throws(LineRejection)
    {
        var c = JSONMemberCursor(objectAt: r.lowerBound)
        var hashLength = 0
        while let (k, v) = try c.next(s) {
            if s.equals(k, "filename") {
                event.path = reader.intern(s, v, &context.symbols)
            } else if s.equals(k, "magic") {
                event.detail = reader.intern(s, v, &context.symbols)
            } else if s.equals(k, "size") {
                event.bytesOut = v.int(s) ?? -1
            } else if s.equals(k, "sha256") || s.equals(k, "sha1") || s.equals(k, "md5") {
                if v.range.count > hashLength {
                    hashLength = v.range.count
                    event.fileHash = reader.intern(s, v, &context.symbols)
                }
            }
        }
    }

    mutating func readAnomaly(_ s: Span<UInt8>, _ r: Range<Int>, into event: inout Event, context: inout ParseContext)
        throws(LineRejection)
    {
        var c = JSONMemberCursor(objectAt: r.lowerBound)
        while let (k, v) = try c.next(s) {
            if s.equals(k, "event") {
                event.signature = reader.intern(s, v, &context.symbols)
            } else if s.equals(k, "type") {
                event.detail = reader.intern(s, v, &context.symbols)
            }
        }
    }

    /// smb, krb5, rdp, dcerpc: the account, file or command they name.
    mutating func readOther(_ s: Span<UInt8>, _ r: Range<Int>, into event: inout Event, context: inout ParseContext)
        throws(LineRejection)
    {
        var c = JSONMemberCursor(objectAt: r.lowerBound)
        while let (k, v) = try c.next(s) {
            guard v.kind == .string else { continue }
            if s.equals(k, "cname") || s.equals(k, "cookie") {
                event.user = reader.intern(s, v, &context.symbols)
            } else if s.equals(k, "sname") {
                event.service = reader.intern(s, v, &context.symbols)
            } else if s.equals(k, "filename") || s.equals(k, "share") {
                event.path = reader.intern(s, v, &context.symbols)
            } else if s.equals(k, "command") || s.equals(k, "error_code") || s.equals(k, "request_type") {
                if event.detail.isNone { event.detail = reader.intern(s, v, &context.symbols) }
            }
        }
    }
}
