import DwellCore

/// A value dwell's events carry, as Sigma rules may ask for it. See docs/sigma.md for the table a reader uses.
public enum DwellField: Sendable, Hashable {
    case host, sourceIP, destinationIP, sourcePort, destinationPort, user, targetUser, authMethod, program, pid
    case command, httpMethod, path, query, httpStatus, bytesIn, bytesOut, userAgent, domain, service, detail
    case fileHash, signature
    /// The request target as logged: path, then `?query` when there is one.
    case uri
    /// A Windows event's id (kept as text in `signature`).
    case eventID
    /// The raw line (Sigma `keywords`, and fields matched anywhere in the message).
    case rawLine
    /// A Windows record's own field, by its Sigma name (`ShareName`, `Provider_Name`): read back from the record
    /// (EVTX rendered as XML, or the export's line) for the events a rule can match, not kept in the index.
    case record(String)

    public var isNumeric: Bool {
        switch self {
        case .sourcePort, .destinationPort, .pid, .httpStatus, .bytesIn, .bytesOut, .eventID: true
        default: false
        }
    }
}

/// Which of dwell's events a Sigma log source stands for, and how its field names map onto them.
public struct SigmaSourceMapping: Sendable {
    /// How the table names the log source (`product:linux service:sshd`).
    public var name: String
    /// Formats whose events belong (names from `dwell formats`).
    public var formats: Set<String>
    /// Event kinds that belong (`nil`: every kind of those formats).
    public var kinds: Set<EventKind>?
    /// Programs (syslog tag) or Windows channels that belong, compared case-insensitively (`nil`: every one).
    public var programs: [String]?
    /// `true`: `programs` must be contained in the channel name, not equal to it.
    public var programContains = false
    /// Windows event ids that belong (`nil`: every one).
    public var eventIDs: Set<Int>?
    /// Sigma field name → dwell field. A field not here (and not in `absent`) makes a rule not applicable.
    public var fields: [String: DwellField]
    /// Fields the log source has in Sigma's taxonomy but dwell's events do not keep, with why.
    public var absent: [String: String] = [:]
    /// Whether `keywords` (values without a field) can be matched: the source's events have a raw text line.
    public var keywords: Bool
    /// Windows: a field not in `fields` is read from the record itself (`DwellField.record`).
    public var recordFields = false
}

/// The one table from Sigma log sources and field names to dwell's events (docs/sigma.md prints it).
public enum SigmaFieldMap {
    static let syslogFormats: Set<String> = ["syslog", "journal"]
    static let webFormats: Set<String> = ["combined", "w3c", "apache-custom", "json-access", "aws-alb", "aws-elb-classic"]
    static let zeekFormats: Set<String> = ["zeek-tsv", "zeek-json"]
    static let windowsFormats: Set<String> = ["evtx", "windows-json", "windows-xml"]

    public static let linuxFields: [String: DwellField] = ["USER": .targetUser, "COMMAND": .command]

    public static let webFields: [String: DwellField] = [
        "c-ip": .sourceIP, "s-ip": .destinationIP, "cs-method": .httpMethod, "cs-uri-query": .uri, "cs-uri": .uri,
        "cs-uri-stem": .path, "cs-user-agent": .userAgent, "sc-status": .httpStatus, "cs-username": .user,
        "cs-host": .domain,
    ]
    static let webAbsent: [String: String] = [
        "cs-referer": "dwell's index keeps a referer only when it may carry an attack pattern",
        "cs-cookie": "dwell does not keep cookies", "cs-content-type": "dwell does not keep content types",
    ]

    static let zeekCommon: [String: DwellField] = [
        "id.orig_h": .sourceIP, "id.resp_h": .destinationIP, "id.orig_p": .sourcePort, "id.resp_p": .destinationPort,
    ]
    public static let zeekFields: [String: [String: DwellField]] = [
        "conn": ["service": .service, "conn_state": .detail, "orig_bytes": .bytesOut, "resp_bytes": .bytesIn],
        "dns": ["query": .domain, "answers": .detail],
        "http": [
            "method": .httpMethod, "host": .domain, "uri": .uri, "user_agent": .userAgent, "status_code": .httpStatus,
            "username": .user, "request_body_len": .bytesIn, "response_body_len": .bytesOut,
            "c-uri": .uri, "c-useragent": .userAgent,
        ],
        "ssh": ["client": .userAgent],
        "ssl": ["server_name": .domain, "version": .detail],
        "kerberos": ["request_type": .authMethod, "service": .service, "client": .user],
        "smb_files": ["name": .path, "path": .domain, "action": .detail],
        "smb_mapping": ["path": .path, "share_type": .detail],
        "dce_rpc": ["endpoint": .service, "operation": .detail],
        "rdp": ["cookie": .user],
        "ntlm": ["username": .user, "domainname": .domain],
        "notice": ["note": .signature, "msg": .detail],
        "files": ["sha256": .fileHash, "sha1": .fileHash, "md5": .fileHash],
    ]
    static let zeekKinds: [String: EventKind] = [
        "conn": .flow, "dns": .dns, "http": .http, "ssh": .sshSession, "ssl": .tls, "kerberos": .kerberos,
        "smb_files": .smb, "smb_mapping": .smb, "dce_rpc": .rpc, "rdp": .rdp, "ntlm": .ntlm, "notice": .alert,
        "files": .fileTransfer,
    ]
    static let zeekAbsent: [String: [String: String]] = [
        "conn": ["proto": "dwell's index keeps no transport protocol"],
        "kerberos": ["cipher": "dwell does not keep Kerberos ciphers"],
        "dns": ["qtype_name": "dwell does not keep DNS query types", "rejected": "dwell does not keep DNS rejections"],
    ]

    public static let windowsFields: [String: DwellField] = [
        "EventID": .eventID, "Channel": .program, "Computer": .host,
        "ServiceName": .service, "ImagePath": .command, "ServiceFileName": .command, "TaskName": .service,
        "CommandLine": .command, "Image": .path, "NewProcessName": .path, "ParentImage": .detail,
        "ParentProcessName": .detail, "ScriptBlockText": .command, "TargetServerName": .domain,
        "SourceIp": .sourceIP, "DestinationIp": .destinationIP, "SourcePort": .sourcePort,
        "DestinationPort": .destinationPort, "ProcessId": .pid,
    ]
    /// The names a Windows record field goes by in dwell's record model (`WindowsRecord`): Sigma's name first,
    /// then the names exports use. `Provider_Name` is the `Provider` element's `Name`.
    public static func recordNames(_ sigma: String) -> [String] {
        switch sigma {
        case "Provider_Name": ["Provider", "provider_name", "ProviderName", "SourceName"]
        case "Security_UserID": ["UserID", "user_id"]
        case "Level": ["Level", "level"]
        default: [sigma]
        }
    }

    /// Whether `name` can be a Windows record field (letters, digits, `_`, `-`, `.`; not empty).
    static func isRecordFieldName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b | 0x20 >= 0x61 && b | 0x20 <= 0x7a) || b == 0x5f || b == 0x2d || b == 0x2e
        }
    }

    /// The mapping for a rule's log source, or why none of dwell's events fit it.
    public static func mapping(product: String?, category: String?, service: String?) -> Result<SigmaSourceMapping, SigmaStatusReason> {
        let name = [product.map { "product:\($0)" }, category.map { "category:\($0)" }, service.map { "service:\($0)" }]
            .compactMap { $0 }.joined(separator: " ")
        switch (product, category, service) {
        case ("linux", nil, let s):
            if s == "auditd" { return .failure(.notApplicable("dwell reads no auditd logs (\(name))")) }
            var programs: [String]?
            switch s {
            case nil, "auth", "syslog": programs = nil
            case "sshd": programs = ["sshd"]
            case "sudo": programs = ["sudo"]
            case "cron": programs = ["cron", "crond"]
            case let other?: programs = [other]
            }
            return .success(
                SigmaSourceMapping(
                    name: name, formats: syslogFormats, kinds: nil, programs: programs, fields: linuxFields,
                    keywords: true))
        case ("linux", let c?, _):
            return .failure(.notApplicable("dwell reads no Linux \(c) telemetry (auditd or Sysmon for Linux) (\(name))"))
        case (_, "webserver", _), ("apache", nil, _), ("nginx", nil, _):
            return .success(
                SigmaSourceMapping(
                    name: name, formats: webFormats, kinds: [.webRequest], programs: nil, fields: webFields,
                    absent: webAbsent, keywords: true))
        case ("zeek", nil, let s?):
            guard let kind = zeekKinds[s], let fields = zeekFields[s] else {
                return .failure(.notApplicable("dwell does not read Zeek's \(s).log (\(name))"))
            }
            return .success(
                SigmaSourceMapping(
                    name: name, formats: zeekFormats, kinds: [kind], programs: nil,
                    fields: fields.merging(zeekCommon) { a, _ in a }, absent: zeekAbsent[s] ?? [:], keywords: true))
        case ("windows", nil, let s?):
            let channel: (String, Bool)
            switch s {
            case "security": channel = ("security", false)
            case "system": channel = ("system", false)
            case "sysmon": channel = ("sysmon", true)
            case "powershell": channel = ("powershell", true)
            default: return .failure(.notApplicable("dwell does not map the Windows \(s) channel (\(name))"))
            }
            return .success(
                SigmaSourceMapping(
                    name: name, formats: windowsFormats, kinds: nil, programs: [channel.0], programContains: channel.1,
                    fields: windowsFields, keywords: true, recordFields: true))
        case ("windows", "process_creation", nil):
            return .success(
                SigmaSourceMapping(
                    name: name, formats: windowsFormats, kinds: [.command], programs: nil, eventIDs: [1, 4688],
                    fields: windowsFields, keywords: true, recordFields: true))
        case ("windows", let c?, _):
            return .failure(.notApplicable("dwell does not read Windows \(c) events (\(name))"))
        default:
            return .failure(.notApplicable("no log source dwell reads matches '\(name.isEmpty ? "(none)" : name)'"))
        }
    }
}
