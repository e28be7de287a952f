import DwellCore

/// The Zeek logs dwell structures, by their `#path` / `_path` name.
enum ZeekLog: UInt8 {
    case conn, dns, http, ssl, ssh, kerberos, smbMapping, smbFiles, rdp, dceRPC, files, notice, weird, ntlm, other

    static func named(_ s: Span<UInt8>, _ r: Range<Int>) -> ZeekLog {
        if s.equals(r, "conn") { return .conn }
        if s.equals(r, "dns") { return .dns }
        if s.equals(r, "http") { return .http }
        if s.equals(r, "ssl") { return .ssl }
        if s.equals(r, "ssh") { return .ssh }
        if s.equals(r, "kerberos") { return .kerberos }
        if s.equals(r, "smb_mapping") { return .smbMapping }
        if s.equals(r, "smb_files") { return .smbFiles }
        if s.equals(r, "rdp") { return .rdp }
        if s.equals(r, "dce_rpc") { return .dceRPC }
        if s.equals(r, "files") { return .files }
        if s.equals(r, "notice") { return .notice }
        if s.equals(r, "weird") { return .weird }
        if s.equals(r, "ntlm") { return .ntlm }
        return .other
    }

    var kind: EventKind {
        switch self {
        case .conn: .flow
        case .dns: .dns
        case .http: .http
        case .ssl: .tls
        case .ssh: .sshSession
        case .kerberos: .kerberos
        case .smbMapping, .smbFiles: .smb
        case .rdp: .rdp
        case .dceRPC: .rpc
        case .files: .fileTransfer
        case .notice: .alert
        case .weird: .anomaly
        case .ntlm: .ntlm
        case .other: .generic
        }
    }
}

/// A Zeek field dwell reads, resolved once per header block (TSV) or per key (JSON).
enum ZeekField: UInt8 {
    case ignore
    case ts, uid, origH, origP, respH, respP, proto
    case service, duration, origBytes, respBytes, connState, origPkts, respPkts, localOrig, localResp  // conn
    case query, answers, rcodeName  // dns
    case method, host, uri, referrer, userAgent, statusCode, requestBodyLen, responseBodyLen, username, version  // http
    case serverName, established  // ssl (version shared)
    case authSuccess, sshClient, hostKey  // ssh
    case krbClient, krbService, success, errorMsg, requestType  // kerberos
    case path, shareType, action, name, sharePath  // smb (service shared); sharePath: smb_files' `path`
    case cookie, result, securityProtocol  // rdp
    case endpoint, operation, namedPipe  // dce_rpc
    case txHosts, rxHosts, connUIDs, source, mimeType, filename, md5, sha1, sha256, totalBytes  // files
    case note, msg, src, dst, port  // notice
    case ntlmHost, ntlmDomain, ntlmServer  // ntlm (username shared)
    case logPath  // JSON `_path` / `@stream`
    case sensor  // JSON `@system` / `_system_name`: the sensor that wrote the record

    /// The field for a column or key name in a given log. `id.orig_h` and `id_orig_h` are the same field.
    static func named(_ s: Span<UInt8>, _ r: Range<Int>, in log: ZeekLog) -> ZeekField {
        let n = r.count
        guard n > 0 else { return .ignore }
        // The connection id, dotted (TSV, default JSON) or underscored (json-streaming-logs).
        if n == 9 || n == 8, s.matches("id", at: r.lowerBound),
            s[r.lowerBound + 2] == UInt8(ascii: ".") || s[r.lowerBound + 2] == UInt8(ascii: "_")
        {
            let rest = r.lowerBound + 3..<r.upperBound
            if s.equals(rest, "orig_h") { return .origH }
            if s.equals(rest, "orig_p") { return .origP }
            if s.equals(rest, "resp_h") { return .respH }
            if s.equals(rest, "resp_p") { return .respP }
        }
        if s.equals(r, "ts") { return .ts }
        if s.equals(r, "uid") { return .uid }
        if s.equals(r, "proto") { return .proto }
        if s.equals(r, "_path") || s.equals(r, "@stream") { return .logPath }
        if s.equals(r, "@system") || s.equals(r, "_system_name") { return .sensor }
        switch log {
        case .conn:
            if s.equals(r, "service") { return .service }
            if s.equals(r, "duration") { return .duration }
            if s.equals(r, "orig_bytes") { return .origBytes }
            if s.equals(r, "resp_bytes") { return .respBytes }
            if s.equals(r, "conn_state") { return .connState }
            if s.equals(r, "orig_pkts") { return .origPkts }
            if s.equals(r, "resp_pkts") { return .respPkts }
            if s.equals(r, "local_orig") { return .localOrig }
            if s.equals(r, "local_resp") { return .localResp }
        case .dns:
            if s.equals(r, "query") { return .query }
            if s.equals(r, "answers") { return .answers }
            if s.equals(r, "rcode_name") { return .rcodeName }
            if s.equals(r, "qtype_name") { return .service }  // the record type asked for: A, AAAA, TXT, ...
        case .http:
            if s.equals(r, "method") { return .method }
            if s.equals(r, "host") { return .host }
            if s.equals(r, "uri") { return .uri }
            if s.equals(r, "referrer") { return .referrer }
            if s.equals(r, "user_agent") { return .userAgent }
            if s.equals(r, "status_code") { return .statusCode }
            if s.equals(r, "request_body_len") { return .requestBodyLen }
            if s.equals(r, "response_body_len") { return .responseBodyLen }
            if s.equals(r, "username") { return .username }
            if s.equals(r, "resp_mime_types") { return .mimeType }
        case .ssl:
            if s.equals(r, "server_name") { return .serverName }
            if s.equals(r, "version") { return .version }
            if s.equals(r, "established") { return .established }
        case .ssh:
            if s.equals(r, "auth_success") { return .authSuccess }
            if s.equals(r, "client") { return .sshClient }
            if s.equals(r, "host_key") { return .hostKey }
        case .kerberos:
            if s.equals(r, "client") { return .krbClient }
            if s.equals(r, "service") { return .krbService }
            if s.equals(r, "success") { return .success }
            if s.equals(r, "error_msg") { return .errorMsg }
            if s.equals(r, "request_type") { return .requestType }
        case .smbMapping:
            if s.equals(r, "path") { return .path }
            if s.equals(r, "service") { return .service }
            if s.equals(r, "share_type") { return .shareType }
        case .smbFiles:
            if s.equals(r, "action") { return .action }
            if s.equals(r, "name") { return .name }
            if s.equals(r, "path") { return .sharePath }  // \\HOST\SHARE: kept in `domain` (`name` is the path)
            if s.equals(r, "size") { return .totalBytes }
        case .rdp:
            if s.equals(r, "cookie") { return .cookie }
            if s.equals(r, "result") { return .result }
            if s.equals(r, "security_protocol") { return .securityProtocol }
        case .dceRPC:
            if s.equals(r, "endpoint") { return .endpoint }
            if s.equals(r, "operation") { return .operation }
            if s.equals(r, "named_pipe") { return .namedPipe }
        case .files:
            if s.equals(r, "tx_hosts") { return .txHosts }
            if s.equals(r, "rx_hosts") { return .rxHosts }
            if s.equals(r, "conn_uids") { return .connUIDs }
            if s.equals(r, "source") { return .source }
            if s.equals(r, "mime_type") { return .mimeType }
            if s.equals(r, "filename") { return .filename }
            if s.equals(r, "md5") { return .md5 }
            if s.equals(r, "sha1") { return .sha1 }
            if s.equals(r, "sha256") { return .sha256 }
            if s.equals(r, "total_bytes") || s.equals(r, "seen_bytes") { return .totalBytes }
        case .notice:
            if s.equals(r, "note") { return .note }
            if s.equals(r, "msg") { return .msg }
            if s.equals(r, "src") { return .src }
            if s.equals(r, "dst") { return .dst }
            if s.equals(r, "p") { return .port }
        case .weird:
            if s.equals(r, "name") { return .note }
        case .ntlm:
            if s.equals(r, "username") { return .username }
            if s.equals(r, "hostname") { return .ntlmHost }
            if s.equals(r, "domainname") { return .ntlmDomain }
            if s.equals(r, "server_nb_computer_name") || s.equals(r, "server_dns_computer_name") {
                return .ntlmServer
            }
            if s.equals(r, "success") { return .success }
        case .other:
            break
        }
        return .ignore
    }

    /// Guesses the log from a key that only it has (plain Zeek JSON carries no `_path`).
    static func logHint(_ s: Span<UInt8>, _ r: Range<Int>) -> ZeekLog? {
        if s.equals(r, "conn_state") { return .conn }
        if s.equals(r, "qtype_name") { return .dns }
        if s.equals(r, "status_code") || s.equals(r, "trans_depth") { return .http }
        if s.equals(r, "server_name") || s.equals(r, "resumed") { return .ssl }
        if s.equals(r, "auth_success") || s.equals(r, "auth_attempts") { return .ssh }
        if s.equals(r, "request_type") { return .kerberos }
        if s.equals(r, "share_type") { return .smbMapping }
        if s.equals(r, "security_protocol") || s.equals(r, "cookie") { return .rdp }
        if s.equals(r, "named_pipe") || s.equals(r, "operation") { return .dceRPC }
        if s.equals(r, "mime_type") || s.equals(r, "fuid") { return .files }
        if s.equals(r, "note") { return .notice }
        if s.equals(r, "domainname") || s.equals(r, "server_nb_computer_name") { return .ntlm }
        return nil
    }
}

/// Writes one Zeek value into an event. Shared by the TSV and JSON readers.
///
/// The value is raw bytes (TSV field, or a JSON string's real bytes, a number's text, `true`/`false`); a set or
/// vector (TSV `a,b` with the set separator, or a JSON array's first element given by the caller) contributes its
/// first element. Flow direction: `bytesOut`/`packetsOut` are what the originator sent (`orig_bytes`,
/// `orig_pkts`), `bytesIn`/`packetsIn` what the responder sent. For `http`, `bytesOut` is the response body (bytes
/// the server sent), `bytesIn` the request body, as in access logs.
enum ZeekRecord {
    static func set(
        _ field: ZeekField, _ s: Span<UInt8>, _ r0: Range<Int>, setSeparator: UInt8, into event: inout Event,
        context: inout ParseContext
    ) throws(LineRejection) {
        var r = r0
        switch field {
        case .answers, .txHosts, .rxHosts, .connUIDs, .mimeType:
            if let c = s.firstIndex(of: setSeparator, from: r.lowerBound), c < r.upperBound { r = r.lowerBound..<c }
        default: break
        }
        guard !r.isEmpty else { return }
        switch field {
        case .ignore, .logPath: return
        case .ts:
            if r.count >= 19, s[r.lowerBound + 4] == UInt8(ascii: "-") {
                guard let (civil, _) = ISO8601Scanner.scan(s, from: r.lowerBound),
                    let (t, src) = context.timestamp(for: civil)
                else { throw .badTimestamp(atColumn: r.lowerBound) }
                event.time = t
                event.timeSource = src
            } else {
                guard let t = s.parseEpochTimestamp(r) else { throw .badTimestamp(atColumn: r.lowerBound) }
                event.time = t
                event.timeSource = .explicit
            }
        case .uid: if context.wantsUnindexedText { event.connectionUID = context.symbols.intern(s, r) }
        case .origH, .src, .txHosts:
            guard let ip = IPAddress.parse(s, r) else { throw .invalidField(atColumn: r.lowerBound) }
            event.sourceIP = ip
        case .respH, .dst, .rxHosts:
            guard let ip = IPAddress.parse(s, r) else { throw .invalidField(atColumn: r.lowerBound) }
            event.destinationIP = ip
        case .origP:
            guard let p = s.parseUInt(r), p <= 65535 else { throw .invalidField(atColumn: r.lowerBound) }
            event.setSourcePort(UInt16(p))
        case .respP, .port:
            guard let p = s.parseUInt(r), p <= 65535 else { throw .invalidField(atColumn: r.lowerBound) }
            event.setDestinationPort(UInt16(p))
        case .proto: event.networkProtocol = context.symbols.intern(s, r)
        case .service, .krbService, .endpoint, .source:
            event.service = context.symbols.intern(s, r)
        case .duration: event.durationMicros = s.parseSecondsAsMicros(r) ?? -1
        case .origBytes, .responseBodyLen, .totalBytes: setCount(s, r, &event.bytesOut)
        case .respBytes, .requestBodyLen: setCount(s, r, &event.bytesIn)
        case .origPkts: event.packetsOut = s.parseInt(r) ?? -1
        case .respPkts: event.packetsIn = s.parseInt(r) ?? -1
        case .connState, .rcodeName, .shareType, .action, .result, .mimeType:
            if field != .rcodeName || event.detail.isNone { event.detail = context.symbols.intern(s, r) }
        case .query, .host, .serverName, .sharePath: event.domain = context.symbols.intern(s, r)
        case .answers, .errorMsg, .operation, .msg: event.detail = context.symbols.intern(s, r)
        case .method: event.httpMethod = context.symbols.intern(s, r)
        case .uri:
            if let q = s.firstIndex(of: UInt8(ascii: "?"), from: r.lowerBound), q < r.upperBound {
                event.path = context.symbols.intern(s, r.lowerBound..<q)
                if q + 1 < r.upperBound { event.query = context.symbols.intern(s, q + 1..<r.upperBound) }
            } else {
                event.path = context.symbols.intern(s, r)
            }
        case .referrer: if context.wantsUnindexedText { event.referer = context.symbols.intern(s, r) }
        case .userAgent, .sshClient: event.userAgent = context.symbols.intern(s, r)
        case .statusCode:
            if let v = s.parseUInt(r), v < 10_000 { event.httpStatus = Int32(v) }
        case .username, .krbClient, .cookie: event.user = context.symbols.intern(s, r)
        case .version: event.detail = context.symbols.intern(s, r)  // ssl: TLSv12
        case .established, .authSuccess, .success:
            let c = s[r.lowerBound]
            if c == UInt8(ascii: "T") || c == UInt8(ascii: "t") { event.outcome = .success }
            if c == UInt8(ascii: "F") || c == UInt8(ascii: "f") { event.outcome = .failure }
        case .hostKey: event.keyFingerprint = context.symbols.intern(s, r)
        case .localOrig, .localResp:
            let c = s[r.lowerBound]
            let known = field == .localOrig ? Locality.originKnown : Locality.responderKnown
            let local = field == .localOrig ? Locality.originLocal : Locality.responderLocal
            if c == UInt8(ascii: "T") || c == UInt8(ascii: "t") { event.locality |= known | local }
            if c == UInt8(ascii: "F") || c == UInt8(ascii: "f") { event.locality |= known }
        case .ntlmHost: event.detail = context.symbols.intern(s, r)
        case .ntlmDomain: event.domain = context.symbols.intern(s, r)
        case .ntlmServer: if event.service.isNone { event.service = context.symbols.intern(s, r) }
        case .requestType, .securityProtocol: event.authMethod = context.symbols.intern(s, r)
        case .path, .name, .namedPipe, .filename: event.path = context.symbols.intern(s, r)
        case .connUIDs: if context.wantsUnindexedText { event.connectionUID = context.symbols.intern(s, r) }
        case .sha256: event.fileHash = context.symbols.intern(s, r)
        case .sha1, .md5:
            // A stronger hash wins: sha256 over sha1 over md5 (by length).
            if event.fileHash.isNone || context.symbols.bytes(event.fileHash).count < r.count {
                event.fileHash = context.symbols.intern(s, r)
            }
        case .note: event.signature = context.symbols.intern(s, r)
        case .sensor: event.host = context.symbols.intern(s, r)
        }
    }

    static func setCount(_ s: Span<UInt8>, _ r: Range<Int>, _ target: inout Int64) {
        if let v = s.parseInt(r), v >= 0 { target = v }
    }
}
