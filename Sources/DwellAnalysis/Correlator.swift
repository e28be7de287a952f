import DwellCore
import DwellIndex

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
public struct Correlator<Store: EventColumns> {
    let store: Store
    let filePaths: [String]
    /// The detectors' findings (settable so that address learning, in `init`, can run before they are known).
    var findings: [Finding]
    var options: CorrelationOptions

    public init(
        store: Store, filePaths: [String], findings: [Finding], directory: HostDirectory,
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
    var addressBindings: [HostAddressBinding] { directory.addressBindings(in: store, filePaths: filePaths) }

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
        // The columns read once: a mapped store's column is a view made on each read of the property.
        let host = store.host
        for p in store.positions(ofKinds: [.authSuccess]) where host[Int(p)] != 0 {
            let i = Int(p)
            let key = RoutineKey(host: host[i], source: store.sourceIP[i], user: store.user[i])
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
        let kind = store.kind
        for p in store.positions(ofKinds: [.sessionClose, .disconnect, .logout]) {
            let i = Int(p)
            switch kind[i] {
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

    func index(of e: EvidenceRef) -> Int? { store.position(of: e) }

    func summary(_ i: Int) -> String { store.summary(i) }
}

extension Correlator where Store == EventStore {
    /// A correlator over a store in memory, with a host directory learned from it now.
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
}
