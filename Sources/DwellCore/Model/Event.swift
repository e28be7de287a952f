/// What an event is. The raw value is stable (it is stored in columns); the `name` is the JSON contract.
public enum EventKind: UInt8, CaseIterable, Sendable, Comparable {
    case generic = 0  // a syslog line of a program we do not structure: program and message kept
    case authSuccess  // a login accepted (sshd Accepted, su success for a login, wtmp login)
    case authFailure  // a login refused (wrong password, PAM authentication failure, btmp record)
    case invalidUser  // a login attempt for an account that does not exist
    case authProbe  // pre-authentication noise: closed/disconnected [preauth], no identification, bad banner
    case connect  // a network peer connected to a service (sshd `Connection from A port N on B port M`)
    case disconnect  // a peer disconnected after a session
    case sessionOpen  // a session opened (pam_unix session opened, logind New session)
    case sessionClose  // a session closed
    case privilege  // sudo/su/pkexec to another user (outcome tells success or failure)
    case accountCreate  // useradd/adduser, groupadd
    case accountDelete  // userdel, groupdel
    case accountModify  // usermod, gpasswd: group membership, shell, lock
    case passwordChange  // passwd/chpasswd
    case cron  // cron job runs
    case boot  // system boot, shutdown, runlevel change (wtmp)
    case webRequest  // an HTTP request in an access log
    case flow  // a network connection or flow (Zeek conn, Suricata flow, VPC flow, netfilter)
    case firewall  // a firewall decision (netfilter/UFW block or allow)
    case dns  // a DNS query/answer
    case http  // an HTTP transaction seen on the wire (Zeek/Suricata http)
    case tls  // a TLS handshake (Zeek ssl, Suricata tls)
    case sshSession  // an SSH connection seen on the wire (Zeek/Suricata ssh)
    case kerberos  // a Kerberos exchange
    case smb  // SMB share mapping or file access
    case rdp  // an RDP connection
    case rpc  // DCE/RPC call
    case fileTransfer  // a file seen on the wire (Zeek files, Suricata fileinfo)
    case alert  // an IDS alert (Suricata) or Zeek notice
    case anomaly  // a protocol anomaly reported by a sensor
    case logout  // a logout record (wtmp DEAD_PROCESS)
    case command  // a command executed (web shell command, sudo COMMAND kept on privilege)
    case ntlm  // an NTLM authentication seen on the wire (Zeek ntlm)

    public static func < (a: EventKind, b: EventKind) -> Bool { a.rawValue < b.rawValue }

    /// The name used in JSON and reports.
    public var name: String {
        switch self {
        case .generic: "generic"
        case .authSuccess: "auth_success"
        case .authFailure: "auth_failure"
        case .invalidUser: "invalid_user"
        case .authProbe: "auth_probe"
        case .connect: "connect"
        case .disconnect: "disconnect"
        case .sessionOpen: "session_open"
        case .sessionClose: "session_close"
        case .privilege: "privilege"
        case .accountCreate: "account_create"
        case .accountDelete: "account_delete"
        case .accountModify: "account_modify"
        case .passwordChange: "password_change"
        case .cron: "cron"
        case .boot: "boot"
        case .webRequest: "web_request"
        case .flow: "flow"
        case .firewall: "firewall"
        case .dns: "dns"
        case .http: "http"
        case .tls: "tls"
        case .sshSession: "ssh_session"
        case .kerberos: "kerberos"
        case .smb: "smb"
        case .rdp: "rdp"
        case .rpc: "rpc"
        case .fileTransfer: "file_transfer"
        case .alert: "alert"
        case .anomaly: "anomaly"
        case .logout: "logout"
        case .command: "command"
        case .ntlm: "ntlm"
        }
    }

    public init?(name: String) {
        guard let k = EventKind.allCases.first(where: { $0.name == name }) else { return nil }
        self = k
    }
}

/// Whether what the event records succeeded.
public enum Outcome: UInt8, Sendable {
    case unknown = 0
    case success
    case failure

    public var name: String? {
        switch self {
        case .unknown: nil
        case .success: "success"
        case .failure: "failure"
        }
    }
}

/// How an event's year and zone were obtained. The report says so for every inferred or assumed time.
public struct TimeSource: Hashable, Sendable {
    public enum Year: UInt8, Sendable {
        case explicit = 0  // the line carries its year
        case fileMTime  // from the file's (or gzip header's) modification time
        case rollover  // from the modification time, one year back: the months went backwards across New Year
        case user  // --year
        case neighbour  // from a year-bearing file of the same rotation set
        case assumedNow  // no reference at all (stdin): the current year
    }

    public enum Zone: UInt8, Sendable {
        case explicit = 0  // the line carries its offset (or is UTC by definition, e.g. epoch seconds)
        case assumedUTC  // zone-less, and no --tz given: taken as UTC
        case user  // zone-less, --tz applied
    }

    public var year: Year
    public var zone: Zone

    @inlinable public init(year: Year = .explicit, zone: Zone = .explicit) {
        self.year = year
        self.zone = zone
    }

    public static let explicit = TimeSource()

    public var yearName: String {
        switch year {
        case .explicit: "explicit"
        case .fileMTime: "file-mtime"
        case .rollover: "rollover"
        case .user: "user"
        case .neighbour: "neighbour"
        case .assumedNow: "assumed-now"
        }
    }

    public var zoneName: String {
        switch zone {
        case .explicit: "explicit"
        case .assumedUTC: "assumed-utc"
        case .user: "user"
        }
    }

    /// `explicit` when both are; otherwise e.g. `year=file-mtime,zone=assumed-utc`.
    public var name: String {
        if year == .explicit && zone == .explicit { return "explicit" }
        return "year=\(yearName),zone=\(zoneName)"
    }
}

/// Where an event came from: the raw line can always be read back from these.
public struct SourceRef: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Index of the file in the run's evidence manifest.
    public var fileID: UInt32
    /// 1-based line number (record number for binary records) in the decompressed stream.
    public var line: UInt64
    /// Byte offset of the line's first byte in the decompressed stream.
    public var offset: UInt64

    @inlinable public init(fileID: UInt32, line: UInt64, offset: UInt64) {
        self.fileID = fileID
        self.line = line
        self.offset = offset
    }

    public static func < (a: SourceRef, b: SourceRef) -> Bool {
        a.fileID != b.fileID ? a.fileID < b.fileID : a.line < b.line
    }

    public var description: String { "file#\(fileID):\(line)@\(offset)" }
}

/// A format's identity in the parser registry (its index). Stable within a run.
public struct FormatID: Hashable, Sendable {
    public var rawValue: UInt16
    @inlinable public init(_ rawValue: UInt16) { self.rawValue = rawValue }
    public static let unknown = FormatID(0)
}

/// One normalised log event: integers and symbols only (no `String`, no class references).
///
/// Symbols refer to the `SymbolTable` of the context that produced the event. Fields that do not
/// apply stay `.none` / `IPAddress.none` / `nil`-like sentinels (`-1` for numbers, `0` for ports).
public struct Event: Equatable, Sendable {
    public var time: Timestamp
    public var timeSource: TimeSource
    public var source: SourceRef
    public var format: FormatID
    public var kind: EventKind
    public var outcome: Outcome
    /// The host that wrote the log (syslog header, sensor name, or the image root the file was found under).
    public var host: Symbol
    public var sourceIP: IPAddress
    public var destinationIP: IPAddress
    public var sourcePort: UInt16
    public var destinationPort: UInt16
    public var hasSourcePort: Bool
    public var hasDestinationPort: Bool
    public var user: Symbol
    public var targetUser: Symbol
    public var authMethod: Symbol
    public var program: Symbol
    public var pid: Int32
    public var command: Symbol
    public var tty: Symbol
    public var sessionID: Symbol
    public var keyFingerprint: Symbol
    public var uidValue: Int64
    public var httpMethod: Symbol
    public var path: Symbol
    public var query: Symbol
    public var httpStatus: Int32
    public var bytesIn: Int64
    public var bytesOut: Int64
    public var userAgent: Symbol
    public var referer: Symbol
    public var virtualHost: Symbol
    public var domain: Symbol
    public var service: Symbol
    public var networkProtocol: Symbol
    /// Zeek's connection uid, to join the logs of one connection.
    public var connectionUID: Symbol
    /// IDS signature or notice name.
    public var signature: Symbol
    public var severity: Int32
    /// The file hash (Zeek files, Suricata fileinfo), as text.
    public var fileHash: Symbol
    /// Firewall action, flow state, DNS answer…: a short format-specific detail.
    public var detail: Symbol
    /// Duration in microseconds (flows, requests), or -1.
    public var durationMicros: Int64
    /// Column where the free-text message starts in the raw line (syslog), or -1.
    public var messageColumn: Int32
    /// Packets sent by the originator / source of a flow (Zeek `orig_pkts`, Suricata `pkts_toserver`), or -1.
    public var packetsOut: Int64
    /// Packets sent by the responder / destination of a flow, or -1.
    public var packetsIn: Int64
    /// The `X-Forwarded-For` chain of a web request as logged (client first, proxies after), raw.
    public var forwardedFor: Symbol
    /// Numeric rule id of an IDS alert (Suricata `signature_id`), or -1.
    public var ruleID: Int64
    /// Interface a packet came in on / went out on (netfilter `IN=`/`OUT=`, VPC flow `interface-id`).
    public var inInterface: Symbol
    public var outInterface: Symbol
    /// How many times the line stands for its message: rsyslog's `message repeated N times: [ MSG ]` and old
    /// syslogd's `last message repeated N times` give N (one event stands for all; see `SyslogParser`), 1 otherwise.
    public var repeatCount: Int32
    /// Whether the sensor counts a flow's ends as local (Zeek `local_orig`/`local_resp`), as `Locality` bits; 0 when
    /// not logged.
    public var locality: UInt8

    @inlinable
    public init(time: Timestamp = .zero, kind: EventKind = .generic) {
        self.time = time
        self.timeSource = .explicit
        self.source = SourceRef(fileID: 0, line: 0, offset: 0)
        self.format = .unknown
        self.kind = kind
        self.outcome = .unknown
        self.host = .none
        self.sourceIP = .none
        self.destinationIP = .none
        self.sourcePort = 0
        self.destinationPort = 0
        self.hasSourcePort = false
        self.hasDestinationPort = false
        self.user = .none
        self.targetUser = .none
        self.authMethod = .none
        self.program = .none
        self.pid = -1
        self.command = .none
        self.tty = .none
        self.sessionID = .none
        self.keyFingerprint = .none
        self.uidValue = -1
        self.httpMethod = .none
        self.path = .none
        self.query = .none
        self.httpStatus = -1
        self.bytesIn = -1
        self.bytesOut = -1
        self.userAgent = .none
        self.referer = .none
        self.virtualHost = .none
        self.domain = .none
        self.service = .none
        self.networkProtocol = .none
        self.connectionUID = .none
        self.signature = .none
        self.severity = -1
        self.fileHash = .none
        self.detail = .none
        self.durationMicros = -1
        self.messageColumn = -1
        self.packetsOut = -1
        self.packetsIn = -1
        self.forwardedFor = .none
        self.ruleID = -1
        self.inInterface = .none
        self.outInterface = .none
        self.repeatCount = 1
        self.locality = 0
    }

    /// Sets every field to what `init(time:kind:)` gives, in place: parsers reuse one event per line, and
    /// assigning a new `Event` builds it on the stack and copies its 272 bytes over (a `memcpy` per line; neither
    /// `self = Event(...)` nor initializing through a pointer avoided it). Keep in step with `init(time:kind:)`:
    /// a test resets an event with every field set and compares it with a new one.
    @inlinable
    public mutating func reset(time: Timestamp = .zero, kind: EventKind = .generic) {
        self.time = time
        timeSource = .explicit
        source = SourceRef(fileID: 0, line: 0, offset: 0)
        format = .unknown
        self.kind = kind
        outcome = .unknown
        host = .none
        sourceIP = .none
        destinationIP = .none
        sourcePort = 0
        destinationPort = 0
        hasSourcePort = false
        hasDestinationPort = false
        user = .none
        targetUser = .none
        authMethod = .none
        program = .none
        pid = -1
        command = .none
        tty = .none
        sessionID = .none
        keyFingerprint = .none
        uidValue = -1
        httpMethod = .none
        path = .none
        query = .none
        httpStatus = -1
        bytesIn = -1
        bytesOut = -1
        userAgent = .none
        referer = .none
        virtualHost = .none
        domain = .none
        service = .none
        networkProtocol = .none
        connectionUID = .none
        signature = .none
        severity = -1
        fileHash = .none
        detail = .none
        durationMicros = -1
        messageColumn = -1
        packetsOut = -1
        packetsIn = -1
        forwardedFor = .none
        ruleID = -1
        inInterface = .none
        outInterface = .none
        repeatCount = 1
        locality = 0
    }

    @inlinable public mutating func setSourcePort(_ port: UInt16) {
        sourcePort = port
        hasSourcePort = true
    }

    @inlinable public mutating func setDestinationPort(_ port: UInt16) {
        destinationPort = port
        hasDestinationPort = true
    }
}

/// The bits of `Event.locality`: which ends of a flow the sensor logged as local, and what it said.
public enum Locality {
    public static let originKnown: UInt8 = 1
    public static let originLocal: UInt8 = 2
    public static let responderKnown: UInt8 = 4
    public static let responderLocal: UInt8 = 8
}
