import DwellCore
import DwellIndex

/// A starting indicator: given with `--seed`/`--iocs`, or taken from a high-severity finding.
public struct Seed: Sendable, Hashable {
    public var type: IndicatorType
    public var value: String
    public var reason: String

    public init(type: IndicatorType, value: String, reason: String) {
        self.type = type
        self.value = value
        self.reason = reason
    }

    /// `1.2.3.4`, `ip:1.2.3.4`, `user:alice`, `host:web01`, `ua:sqlmap`, `url:/x`, `domain:evil.example`.
    public init?(parsing text: String, reason: String = "given with --seed") {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard !t.isEmpty else { return nil }
        if let colon = t.firstIndex(of: ":"), IPAddress(t) == nil {
            let prefix = t[..<colon].lowercased()
            let value = String(t[t.index(after: colon)...])
            let map: [String: IndicatorType] = [
                "ip": .ip, "user": .user, "account": .user, "host": .host, "ua": .userAgent, "user_agent": .userAgent,
                "url": .path, "path": .path, "domain": .domain, "hash": .hash, "command": .command,
            ]
            guard let type = map[prefix], !value.isEmpty else { return nil }
            if type == .ip && IPAddress(value) == nil { return nil }
            self.init(type: type, value: value, reason: reason)
            return
        }
        if IPAddress(t) != nil {
            self.init(type: .ip, value: t, reason: reason)
            return
        }
        if t.count == 32 || t.count == 40 || t.count == 64, t.allSatisfy(\.isHexDigit) {
            self.init(type: .hash, value: t.lowercased(), reason: reason)
            return
        }
        if t.contains(".") && !t.contains("/") && !t.contains(" ") {
            self.init(type: .domain, value: t, reason: reason)
            return
        }
        return nil
    }
}

/// One row of a `--hosts` file: an address that belonged to a host, optionally only between two times.
public struct HostMapEntry: Sendable, Hashable {
    public var address: IPAddress
    public var host: String
    /// Start of the range (inclusive); `nil` = since always.
    public var from: Timestamp?
    /// End of the range (inclusive); `nil` = until now.
    public var to: Timestamp?
    /// Where the row came from (`hosts.csv:3`), for the report.
    public var origin: String

    public init(
        address: IPAddress, host: String, from: Timestamp? = nil, to: Timestamp? = nil, origin: String = "--hosts"
    ) {
        self.address = address
        self.host = host
        self.from = from
        self.to = to
        self.origin = origin
    }
}

/// Reads `--hosts` files: CSV `address,hostname[,from[,to]]` (times ISO 8601; empty = open), `#` comments,
/// an optional header row starting with `address`.
extension HostMapEntry {
    /// The rows that hold for the whole evidence (no time range), as (address, host name) pairs: what the
    /// detectors and partial mode use to name hosts.
    public static func unranged(_ entries: [HostMapEntry]) -> [(IPAddress, String)] {
        entries.filter { $0.from == nil && $0.to == nil }.map { ($0.address, $0.host) }
    }
}

public enum HostsFile {
    /// A row that cannot be read: its line number and what is wrong, for a message that says what to fix.
    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public var line: Int
        public var problem: String
        public var description: String { "line \(line): \(problem)" }
    }

    public static func parse(_ text: String, name: String) throws(ParseError) -> [HostMapEntry] {
        var out: [HostMapEntry] = []
        var n = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            n += 1
            let cols = raw.split(separator: ",", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            guard let first = cols.first, !first.isEmpty, !first.hasPrefix("#"), first.lowercased() != "address" else {
                continue
            }
            guard cols.count >= 2, !cols[1].isEmpty else {
                throw ParseError(line: n, problem: "expected address,hostname[,from[,to]]")
            }
            guard let ip = IPAddress(first) else {
                throw ParseError(line: n, problem: "'\(first)' is not an IP address")
            }
            func time(_ k: Int, _ what: String) throws(ParseError) -> Timestamp? {
                guard k < cols.count, !cols[k].isEmpty else { return nil }
                guard let t = Timestamp(iso8601: cols[k]) else {
                    throw ParseError(
                        line: n, problem: "\(what) '\(cols[k])' is not an ISO 8601 time (2026-03-11T19:21:41Z)")
                }
                return t
            }
            let from = try time(2, "from")
            let to = try time(3, "to")
            if let from, let to, to < from {
                throw ParseError(line: n, problem: "the range ends before it starts")
            }
            out.append(HostMapEntry(address: ip, host: cols[1], from: from, to: to, origin: "\(name):\(n)"))
        }
        return out
    }
}

/// Packets a host's own firewall log shows it sending: their source address is one of the host's own.
///
/// Sound evidence, and why:
/// - netfilter/UFW `LOG` lines (kern.log, syslog, journal) with `OUT=` set and `IN=` empty, logged by host X. The
///   kernel fills `IN=` with the device a packet arrived on; a packet with no such device and an output device was
///   generated by X itself (OUTPUT chain), so `SRC=` is X's address. UFW logs its `ufw-*-output` chains this way.
/// - Not a forwarded packet (`IN=` and `OUT=` both set: a router or a Docker host passing someone else's traffic),
///   nor an incoming one (`IN=` set, `OUT=` empty: in PREROUTING that is also true of packets about to be
///   forwarded, so `DST=` is not necessarily X's).
/// - A `LOG` rule in POSTROUTING sees forwarded packets with `IN=` empty too, and a root process on X can forge
///   `SRC=`: a host whose own-looking packets carry more than `CorrelationOptions.maxOwnAddresses` distinct sources
///   is taken for a gateway (or a forger) and teaches nothing; the report says so. A single forged address shows
///   as a conflict with its real owner, kept as separate time ranges and reported, never merged.
/// - Loopback, unspecified, broadcast, multicast and link-local sources teach nothing (every host has them, or they
///   are nobody's).
///
/// Not evidence of a host's own address: sshd/ssh client lines, sudo and su (no address of the host); a Zeek or
/// Suricata sensor's flows (other hosts' traffic; a sensor is no host of the incident); a web server's access log
/// (its clients); VPC flow logs (an interface id and an account, no host name the other logs use); and an auth log
/// on Y showing `Accepted ... from A` (that names a peer of Y, not Y; whether A is X is what is being learned).
public enum OwnTraffic {
    /// Whether `e` is a packet the logging host generated itself (see the type's documentation).
    /// - Complexity: O(1).
    @inlinable public static func isLocallyOriginated(_ e: Event) -> Bool {
        e.kind == .firewall && !e.outInterface.isNone && e.inInterface.isNone && !e.host.isNone
            && isAssignable(e.sourceIP)
    }

    /// An address that identifies one host: not absent, unspecified, loopback, broadcast, multicast or link-local.
    @inlinable public static func isAssignable(_ ip: IPAddress) -> Bool {
        if ip.isNone || ip.isLoopback { return false }
        if ip.isV4 {
            let v = ip.v4Value
            let a = v >> 24
            return v != 0 && v != 0xffff_ffff && a != 0 && !(a >= 224) && !(a == 169 && (v >> 16) & 0xff == 254)
        }
        let top = ip.high >> 48
        return top & 0xff00 != 0xff00 && top & 0xffc0 != 0xfe80
    }
}

/// The evidence lines (file id, line) of locally originated packets (`OwnTraffic`), noted while the files are read:
/// the event store keeps no interface columns, so the direction is taken from the events as they pass.
/// - Complexity: O(1) per event to note and to look up; one entry per such packet.
public struct OwnTrafficLines: Sendable {
    var keys: Set<UInt64> = []

    public init() {}

    public var isEmpty: Bool { keys.isEmpty }
    public var count: Int { keys.count }

    /// Notes `e` if it is a locally originated packet.
    @inlinable public mutating func note(_ e: Event) {
        if OwnTraffic.isLocallyOriginated(e) { insert(fileID: e.source.fileID, line: e.source.line) }
    }

    @usableFromInline mutating func insert(fileID: UInt32, line: UInt64) {
        keys.insert(UInt64(fileID) << 32 | UInt64(UInt32(clamping: line)))
    }

    public func contains(fileID: UInt32, line: UInt32) -> Bool { keys.contains(UInt64(fileID) << 32 | UInt64(line)) }

    public mutating func merge(_ other: OwnTrafficLines) { keys.formUnion(other.keys) }
}

/// Which host an address belonged to, and when: learned from the logs or given with `--hosts`.
///
/// `from`/`to` are the first and last time the binding was seen (or the range given); `nil` is open-ended.
/// The address is taken to belong to the host from `from` until another host is seen with it.
public struct HostAddressBinding: Sendable, Hashable {
    public var address: String
    public var host: String
    public var from: Timestamp?
    public var to: Timestamp?
    /// How it is known: `sshd Connection lines (12)`, `hosts.csv:3`, `access log matched with sensor flows (40)`,
    /// `own outgoing packets (3; netfilter OUT= without IN=; first web01/var/log/kern.log:12)`.
    public var source: String
    /// The first sighting of a learned binding (file, line; the raw line once the investigation attaches it).
    public var evidence: EvidenceRef? = nil
}

/// Tunables of the growth.
public struct CorrelationOptions: Sendable {
    /// A (source, account, destination host) login seen this many times before the attack is routine.
    public var routineLogins = 1
    /// Growth stops after this many rounds if no fixed point was reached (the report says which).
    public var maxRounds = 10
    /// How long after an attacker login its session is assumed to last when no close is seen.
    public var sessionSeconds: Int64 = 4 * 3600
    /// A host whose locally originated packets (`OwnTraffic`) carry more distinct source addresses than this is
    /// taken for a gateway logging forwarded packets in POSTROUTING, or a forger, and teaches no address.
    public var maxOwnAddresses = 16
    public init() {}
}

/// Grows the set of malicious indicators from seeds through the relations logs show, and builds the
/// attack window, scope, lateral movement and timeline.
///
/// Relations: an attacker address's successful login → the account and host are compromised; a web shell or
/// successful exploit from it → the web host is compromised; a compromised host's logins to other hosts →
/// lateral movement; a compromised account's logins from new sources → attacker infrastructure; a compromised
/// host's large or in-session outbound connections to new external addresses → attacker infrastructure;
/// accounts created during an attacker session → persistence. Guards: logins whose (source, account, host)
/// occurred before the attack are routine (the admin's look-alike), and external addresses contacted before
/// the attack are not new.
///
/// Host addresses keep their time ranges: an address belongs to a host from when it is seen with it until
/// another host is seen with it, and a `--hosts` row with a range overrides what was learned inside it.
/// An address no host claims at a time stays an address.
/// - Complexity: O(n) to learn addresses and build the routine and session-close indexes; each round is
///   O(attacker events + compromised hosts' events · log n).
public struct Correlator {
    let store: EventStore
    let filePaths: [String]
    /// The detectors' findings (settable so that address learning, in `init`, can run before they are known).
    var findings: [Finding]
    var options: CorrelationOptions
    public init(
        store: EventStore, filePaths: [String], findings: [Finding], hostMap: [(IPAddress, String)] = [],
        hostEntries: [HostMapEntry] = [], ownTraffic: OwnTrafficLines = OwnTrafficLines(),
        options: CorrelationOptions = CorrelationOptions()
    ) {
        self.init(
            store: store, filePaths: filePaths, findings: findings,
            directory: HostDirectory(
                store: store, filePaths: filePaths, hostEntries: hostEntries + hostMap.map { HostMapEntry(address: $0.0, host: $0.1) },
                ownTraffic: ownTraffic, maxOwnAddresses: options.maxOwnAddresses),
            options: options)
    }

    public init(
        store: EventStore, filePaths: [String], findings: [Finding], directory: HostDirectory,
        options: CorrelationOptions = CorrelationOptions()
    ) {
        self.store = store
        self.filePaths = filePaths
        self.findings = findings
        self.options = options
        self.directory = directory
    }

    /// Which host each address belonged to, and when: learned once from the store, shared with the detectors.
    public let directory: HostDirectory
    var hostAddresses: [String: Set<UInt32>] { directory.hostAddresses }
    func owner(_ addr: UInt32, at t: Int64) -> String? { directory.owner(addr, at: t) }
    var learned: [String] { directory.learned }
    var conflicts: [String] { directory.conflicts }
    var addressBindings: [HostAddressBinding] { directory.addressBindings }


    struct Joined {
        var time: Int64
        var reason: String
        var evidence: Int
    }

    func ref(_ i: Int) -> EvidenceRef { EvidenceRef(store: store, position: i, filePaths: filePaths) }

    func hostName(_ i: Int) -> String { store.string(store.host[i]) }
    func ipText(_ id: UInt32) -> String { store.address(id)?.description ?? "" }
    /// The host an address belonged to at `t`, or the address itself (unknown addresses stay addresses).
    func nameOf(address id: UInt32, at t: Int64) -> String { owner(id, at: t) ?? ipText(id) }

    /// Successful logins per (host, source, account): the times of the first `k` of them, to decide in O(1)
    /// whether a login was routine before a time. - Complexity: O(n).
    struct RoutineKey: Hashable {
        var host: UInt32
        var source: UInt32
        var user: UInt32
    }

    func routineIndex(first k: Int) -> [RoutineKey: [Int64]] {
        var out: [RoutineKey: [Int64]] = [:]
        for i in 0..<store.count where store.kind[i] == .authSuccess && store.host[i] != 0 {
            let key = RoutineKey(host: store.host[i], source: store.sourceIP[i], user: store.user[i])
            if let times = out[key], times.count >= k { continue }
            out[key, default: []].append(store.time[i])
        }
        return out
    }

    /// A process on a host: sshd's session is tied to its close by (host, program, pid).
    struct ProcessKey: Hashable {
        var host: UInt32
        var program: UInt32
        var pid: Int32
    }

    /// A Windows logon on a host: 4624 is tied to its 4634/4647 logoff by (host, TargetLogonId).
    struct LogonKey: Hashable {
        var host: UInt32
        var logonID: UInt32
    }

    /// A session's identity: host, process (or Windows logon id) and start.
    struct SessionKey: Hashable {
        var host: UInt32
        var pid: Int32
        var logonID: UInt32 = 0
        var start: Int64
    }

    /// Where sessions end, in time order: sshd's closes and disconnects per (host, program, pid), and Windows
    /// logoffs (4634, 4647) per (host, logon id).
    struct SessionCloses {
        var byProcess: [ProcessKey: [Int32]] = [:]
        var byLogon: [LogonKey: [Int32]] = [:]
    }

    /// The session closes of the store. - Complexity: O(n).
    func closeIndex() -> SessionCloses {
        var out = SessionCloses()
        for i in 0..<store.count {
            switch store.kind[i] {
            case .sessionClose, .disconnect:
                guard store.host[i] != 0, store.pid[i] >= 0 else { continue }
                out.byProcess[ProcessKey(host: store.host[i], program: store.program[i], pid: store.pid[i]), default: []]
                    .append(Int32(i))
            case .logout:
                guard store.host[i] != 0, store.sessionID[i] != 0 else { continue }
                out.byLogon[LogonKey(host: store.host[i], logonID: store.sessionID[i]), default: []].append(Int32(i))
            default: continue
            }
        }
        return out
    }

    func index(of e: EvidenceRef) -> Int? {
        let r = store.range(from: e.time, to: Timestamp(microseconds: e.time.microseconds + 1))
        return r.first { store.fileID[$0] == e.fileID && UInt64(store.line[$0]) == e.line }
    }

    func phase(_ i: Int, webshell: Set<Int>) -> Phase {
        switch store.kind[i] {
        case .webRequest, .http:
            if webshell.contains(i) { return store.query[i] != 0 ? .execution : .initialAccess }
            return store.httpStatus[i] == 404 ? .reconnaissance : .activity
        case .authSuccess, .sessionOpen, .sessionClose, .connect, .disconnect:
            return .lateralMovement
        case .authFailure, .invalidUser: return .credentialAccess
        case .privilege: return .privilegeEscalation
        case .accountCreate, .accountModify, .passwordChange: return .persistence
        case .flow, .sshSession, .tls:
            return store.bytesOut[i] >= 1_000_000 ? .exfiltration : .commandAndControl
        case .command: return .execution
        default: return .activity
        }
    }

    func summary(_ i: Int) -> String { store.summary(i) }

    /// Time-respecting paths from the entry hosts: a hop out of a host counts only after the host was reached.
    static func paths(edges: [LateralEdge], entries: [String], reached: [String: Timestamp]) -> [[LateralEdge]] {
        var out: [[LateralEdge]] = []
        func extend(_ path: [LateralEdge], at host: String, since: Timestamp, visited: Set<String>) {
            let next = edges.filter { $0.from == host && $0.time >= since && !visited.contains($0.to) }
            // One hop per destination: the first one in time.
            var firstPerTarget: [String: LateralEdge] = [:]
            for e in next where firstPerTarget[e.to] == nil { firstPerTarget[e.to] = e }
            // Hops at the same time in the order of their targets' names (a dictionary's order changes per run).
            let hops = firstPerTarget.values.sorted { ($0.time, $0.to) < ($1.time, $1.to) }
            if hops.isEmpty {
                if !path.isEmpty { out.append(path) }
                return
            }
            for e in hops { extend(path + [e], at: e.to, since: e.time, visited: visited.union([e.to])) }
        }
        for entry in entries { extend([], at: entry, since: reached[entry] ?? .distantPast, visited: [entry]) }
        return out
    }
}
