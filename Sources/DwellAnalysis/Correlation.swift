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

    /// Positions of session closes and disconnects per (host, program, pid), in time order. - Complexity: O(n).
    struct ProcessKey: Hashable {
        var host: UInt32
        var program: UInt32
        var pid: Int32
    }

    /// A session's identity: host, process and start.
    struct SessionKey: Hashable {
        var host: UInt32
        var pid: Int32
        var start: Int64
    }

    func closeIndex() -> [ProcessKey: [Int32]] {
        var out: [ProcessKey: [Int32]] = [:]
        for i in 0..<store.count where store.kind[i] == .sessionClose || store.kind[i] == .disconnect {
            guard store.host[i] != 0, store.pid[i] >= 0 else { continue }
            out[ProcessKey(host: store.host[i], program: store.program[i], pid: store.pid[i]), default: []].append(
                Int32(i))
        }
        return out
    }


    public func run(seeds givenSeeds: [Seed]) -> Investigation {
        var inv = Investigation()
        inv.findings = findings
        inv.eventCount = store.count
        var seeds = givenSeeds
        if seeds.isEmpty {
            for f in findings where f.seeds {
                for ind in f.indicators where ind.hasPrefix("ip:") {
                    let v = String(ind.dropFirst(3))
                    if let ip = IPAddress(v), !ip.isInternal || f.rule.hasPrefix("auth.") {
                        let s = Seed(
                            type: .ip, value: v,
                            reason: "\(f.title) (\(f.rule)) at \(f.time.iso8601(fractionDigits: 0))")
                        if !seeds.contains(where: { $0.type == s.type && $0.value == s.value }) { seeds.append(s) }
                    }
                }
            }
        }
        inv.seeds = seeds.map { "\($0.type.name):\($0.value) — \($0.reason)" }
        guard !seeds.isEmpty else {
            inv.growth = "no seed: no indicator given and no high-severity finding"
            return inv
        }

        var ips: [UInt32: Joined] = [:]
        var accounts: [String: Joined] = [:]
        var hosts: [String: Joined] = [:]
        var hostOrder: [String] = []
        var attacker: Set<Int> = []
        var edges: [LateralEdge] = []
        var edgeKeys: Set<String> = []
        var sessions: [(host: UInt32, user: UInt32, pid: Int32, start: Int64, end: Int64)] = []
        var guards: [String] = []

        for s in seeds {
            switch s.type {
            case .ip:
                if let k = store.key(.ip, s.value) {
                    ips[k.value] = Joined(
                        time: store.positions(k).first.map { store.time[Int($0)] } ?? 0, reason: s.reason,
                        evidence: Int(store.positions(k).first ?? 0))
                }
            case .user:
                if let k = store.key(.user, s.value), let first = store.positions(k).first {
                    accounts[s.value] = Joined(time: store.time[Int(first)], reason: s.reason, evidence: Int(first))
                }
            case .host:
                if let k = store.key(.host, s.value), let first = store.positions(k).first {
                    hosts[s.value] = Joined(time: store.time[Int(first)], reason: s.reason, evidence: Int(first))
                    hostOrder.append(s.value)
                }
            default:
                if let k = store.key(s.type, s.value) {
                    for p in store.positions(k) where store.sourceIP[Int(p)] != 0 {
                        let id = store.sourceIP[Int(p)]
                        if ips[id] == nil, let a = store.address(id), !a.isInternal {
                            ips[id] = Joined(
                                time: store.time[Int(p)], reason: "used \(s.type.name) \(s.value) (\(s.reason))",
                                evidence: Int(p))
                        }
                    }
                }
            }
        }

        let webshellEvents = Set(
            findings.filter { $0.rule == "web.webshell" || $0.rule == "web.exploit_success" }.flatMap { f in
                f.evidence.compactMap { e in self.index(of: e) }
            })

        func compromise(_ host: String, at t: Int64, reason: String, evidence: Int) -> Bool {
            if let h = hosts[host], h.time <= t { return false }
            if hosts[host] == nil { hostOrder.append(host) }
            hosts[host] = Joined(time: t, reason: reason, evidence: evidence)
            return true
        }
        func account(_ name: String, at t: Int64, reason: String, evidence: Int) -> Bool {
            guard !name.isEmpty else { return false }
            if let a = accounts[name], a.time <= t { return false }
            accounts[name] = Joined(time: t, reason: reason, evidence: evidence)
            return true
        }
        // The session lasts until sshd's process logs its close, else `sessionSeconds`: the first close or
        // disconnect of the same (host, program, pid) at or after the login, by binary search.
        let closes = closeIndex()
        var sessionKeys: Set<SessionKey> = []
        func addSession(_ i: Int) {
            let h = store.host[i]
            let pid = store.pid[i]
            var end = store.time[i] + options.sessionSeconds * 1_000_000
            if pid >= 0, h != 0, let list = closes[ProcessKey(host: h, program: store.program[i], pid: pid)] {
                let k = store.firstPosition(in: list, atOrAfter: store.time[i])
                if k < list.count { end = store.time[Int(list[k])] }
            }
            if sessionKeys.insert(SessionKey(host: h, pid: pid, start: store.time[i])).inserted {
                sessions.append((h, store.user[i], pid, store.time[i], end))
            }
        }

        // Routine logins before the attack: a (source address, account, host) triple that logged in successfully
        // at least `routineLogins` times before `t`. The index keeps the first such times per triple.
        let routineNeeded = max(options.routineLogins, 1)
        let routine = routineIndex(first: routineNeeded)
        func isRoutine(_ i: Int, before t: Int64) -> Bool {
            guard store.host[i] != 0,
                let times = routine[RoutineKey(host: store.host[i], source: store.sourceIP[i], user: store.user[i])]
            else { return false }
            return times.count >= routineNeeded && times[routineNeeded - 1] < t
        }

        // Per-process events (host, pid; any program) and account changes per host, for the sessions (d).
        var processEvents: [ProcessKey: [Int32]] = [:]
        var accountChanges: [UInt32: [Int32]] = [:]
        for i in 0..<store.count where store.host[i] != 0 {
            if store.pid[i] >= 0 && store.program[i] != 0 {
                processEvents[ProcessKey(host: store.host[i], program: 0, pid: store.pid[i]), default: []].append(
                    Int32(i))
            }
            switch store.kind[i] {
            case .accountCreate, .accountModify, .passwordChange, .accountDelete:
                accountChanges[store.host[i], default: []].append(Int32(i))
            default: break
            }
        }
        func window(_ list: [Int32], _ start: Int64, _ end: Int64) -> ArraySlice<Int32> {
            let a = store.firstPosition(in: list, atOrAfter: start)
            let b = end == Int64.max ? list.count : store.firstPosition(in: list, atOrAfter: end + 1)
            return list[a..<max(a, b)]
        }

        var rounds = 0
        var changed = true
        var stopReason = "fixed point"
        while changed {
            rounds += 1
            if rounds > options.maxRounds {
                stopReason = "round limit (\(options.maxRounds))"
                break
            }
            changed = false
            let attackStart = ips.values.map(\.time).min() ?? accounts.values.map(\.time).min() ?? Int64.max

            // (a) Attacker addresses.
            for ipID in ips.keys.sorted() {
                for p in store.positions(IndicatorKey(.ip, ipID)) {
                    let i = Int(p)
                    attacker.insert(i)
                    let t = store.time[i]
                    if store.sourceIP[i] == ipID && store.kind[i] == .authSuccess {
                        let u = store.string(store.user[i])
                        if account(u, at: t, reason: "logged in from attacker address \(ipText(ipID))", evidence: i) {
                            changed = true
                        }
                        if compromise(
                            hostName(i), at: t, reason: "login as \(u) from attacker address \(ipText(ipID))",
                            evidence: i)
                        {
                            changed = true
                        }
                        addSession(i)
                    }
                    if store.sourceIP[i] == ipID && webshellEvents.contains(i) {
                        // An access log names its own server; a sensor's record names the server by address.
                        let server =
                            store.kind[i] == .webRequest ? hostName(i) : nameOf(address: store.destinationIP[i], at: t)
                        if compromise(
                            server, at: t, reason: "web shell / successful exploit from \(ipText(ipID))", evidence: i)
                        {
                            changed = true
                        }
                    }
                }
            }

            // (b) Compromised hosts: logins from their addresses (while theirs) to other hosts after their compromise.
            for name in hostOrder {
                guard let h = hosts[name] else { continue }
                for addr in (hostAddresses[name] ?? []).sorted() {
                    let list = store.positions(IndicatorKey(.ip, addr))
                    for p in list[store.firstPosition(in: list, atOrAfter: h.time)...] {
                        let i = Int(p)
                        let t = store.time[i]
                        guard store.sourceIP[i] == addr, owner(addr, at: t) == name else { continue }
                        if store.kind[i] == .authSuccess && hostName(i) != name {
                            if isRoutine(i, before: attackStart) {
                                let g =
                                    "routine login \(store.string(store.user[i]))@\(name)→\(hostName(i)) (seen before the attack) not expanded"
                                if !guards.contains(g) { guards.append(g) }
                                continue
                            }
                            attacker.insert(i)
                            let u = store.string(store.user[i])
                            let method = store.service[i] != 0 ? store.string(store.service[i]) : "ssh"
                            let key = "\(name)|\(hostName(i))|\(t)"
                            if !edgeKeys.contains(key) {
                                edgeKeys.insert(key)
                                edges.append(
                                    LateralEdge(
                                        from: name, to: hostName(i), time: store.timestamp(i), account: u,
                                        method: method, evidence: ref(i)))
                            }
                            if account(
                                u, at: t, reason: "used from compromised host \(name) to log in to \(hostName(i))",
                                evidence: i)
                            {
                                changed = true
                            }
                            if compromise(
                                hostName(i), at: t, reason: "login as \(u) from compromised host \(name)", evidence: i)
                            {
                                changed = true
                            }
                            addSession(i)
                        }
                    }
                }
            }

            // (c) Compromised accounts: logins from sources that are not routine for them.
            for (name, a) in accounts.sorted(by: { $0.key < $1.key }) {
                guard let k = store.key(.user, name) else { continue }
                for p in store.positions(k) {
                    let i = Int(p)
                    guard store.time[i] >= a.time, store.kind[i] == .authSuccess, store.sourceIP[i] != 0 else {
                        continue
                    }
                    let src = store.sourceIP[i]
                    if ips[src] != nil || owner(src, at: store.time[i]).map({ hosts[$0] != nil }) == true { continue }
                    if isRoutine(i, before: attackStart) { continue }
                    if let ip = store.address(src), !ip.isInternal {
                        ips[src] = Joined(
                            time: store.time[i], reason: "logged in as compromised account \(name)", evidence: i)
                        changed = true
                    }
                }
            }

            // (d) Sessions of the attacker: events on that host by that account (or its sshd process) during them;
            // account changes during them are persistence. Read from the account's postings, the process index and
            // the host's account changes, each cut to the session by binary search (not a scan of the host).
            for s in sessions where s.host != 0 {
                if s.pid >= 0, let list = processEvents[ProcessKey(host: s.host, program: 0, pid: s.pid)] {
                    for p in window(list, s.start, s.end) { attacker.insert(Int(p)) }
                }
                if s.user != 0 {
                    for p in window(store.positions(IndicatorKey(.user, s.user)), s.start, s.end) {
                        let i = Int(p)
                        if store.host[i] == s.host && store.user[i] == s.user && store.kind[i] != .cron {
                            attacker.insert(i)
                        }
                    }
                } else {
                    let list = store.positions(IndicatorKey(.host, s.host))
                    for p in window(list, s.start, s.end) where store.user[Int(p)] == 0 && store.kind[Int(p)] != .cron {
                        attacker.insert(Int(p))
                    }
                }
                for p in window(accountChanges[s.host] ?? [], s.start, s.end) {
                    let i = Int(p)
                    attacker.insert(i)
                    let createdID = store.targetUser[i] != 0 ? store.targetUser[i] : store.user[i]
                    if store.kind[i] == .accountCreate && createdID != 0 {
                        let created = store.string(createdID)
                        if account(
                            created, at: store.time[i],
                            reason: "created on \(store.string(s.host)) during an attacker session", evidence: i)
                        {
                            changed = true
                        }
                    }
                }
            }

            // (e) Outbound from compromised hosts to new external addresses: large, or inside an attacker session.
            let large = Set(
                findings.filter { $0.rule == "net.large_outbound" }.flatMap { $0.evidence.compactMap(index(of:)) })
            var sessionsByHost: [String: [(start: Int64, end: Int64)]] = [:]
            for s in sessions { sessionsByHost[store.string(s.host), default: []].append((s.start, s.end)) }
            for name in hostOrder {
                guard let h = hosts[name] else { continue }
                let spans = sessionsByHost[name] ?? []
                for addr in (hostAddresses[name] ?? []).sorted() {
                    let list = store.positions(IndicatorKey(.ip, addr))
                    for p in list[store.firstPosition(in: list, atOrAfter: h.time)...] {
                        let i = Int(p)
                        guard store.sourceIP[i] == addr, store.destinationIP[i] != 0,
                            let d = store.address(store.destinationIP[i]), !d.isInternal,
                            owner(addr, at: store.time[i]) == name
                        else { continue }
                        let dst = store.destinationIP[i]
                        if ips[dst] != nil { continue }
                        let inSession = spans.contains { store.time[i] >= $0.start && store.time[i] <= $0.end }
                        guard large.contains(i) || inSession else { continue }
                        // New: never contacted before the attack.
                        let before =
                            store.positions(IndicatorKey(.ip, dst)).first.map { store.time[Int($0)] < attackStart }
                            ?? false
                        if before { continue }
                        ips[dst] = Joined(
                            time: store.time[i],
                            reason:
                                "\(large.contains(i) ? "large transfer" : "connection") from compromised host \(name) to a new external address",
                            evidence: i)
                        changed = true
                    }
                }
            }

            // Flows that carry a lateral hop (same source address, destination address of the target, port 22/3389/445/5985).
            for e in edges {
                guard let fromAddrs = hostAddresses[e.from], let toAddrs = hostAddresses[e.to] else { continue }
                for a in fromAddrs {
                    let list = store.positions(IndicatorKey(.ip, a))
                    for p in list[store.firstPosition(in: list, atOrAfter: e.time.microseconds - 120_000_000)...] {
                        let i = Int(p)
                        if store.time[i] > e.time.microseconds + 120_000_000 { break }
                        guard store.sourceIP[i] == a, toAddrs.contains(store.destinationIP[i]),
                            [22, 3389, 445, 5985, 5986].contains(store.destinationPort[i]),
                            owner(a, at: store.time[i]) == e.from,
                            owner(store.destinationIP[i], at: store.time[i]) == e.to
                        else { continue }
                        attacker.insert(i)
                    }
                }
            }
        }
        inv.caveats += learned.map { "host address learned: \($0)" }
        inv.caveats += conflicts.map { "host address conflict: \($0)" }
        inv.hostAddresses = addressBindings
        inv.growth =
            "stopped at \(stopReason) after \(rounds) round(s)"
            + (guards.isEmpty ? "" : "; guards: " + guards.joined(separator: "; "))

        // Results.
        let ordered = attacker.sorted()
        if let first = ordered.first, let last = ordered.last {
            inv.firstSeen = store.timestamp(first)
            inv.lastSeen = store.timestamp(last)
            inv.firstEvidence = ref(first)
            inv.lastEvidence = ref(last)
        }
        var lastByHost: [String: Int64] = [:]
        for i in ordered { lastByHost[hostName(i), default: 0] = max(lastByHost[hostName(i)] ?? 0, store.time[i]) }
        inv.hosts = hostOrder.compactMap { name in
            guard let h = hosts[name] else { return nil }
            return HostScope(
                host: name, addresses: (hostAddresses[name] ?? []).sorted().map(ipText),
                firstCompromise: Timestamp(microseconds: h.time),
                lastActivity: Timestamp(microseconds: max(lastByHost[name] ?? h.time, h.time)), reason: h.reason,
                evidence: ref(h.evidence))
        }.sorted { $0.firstCompromise < $1.firstCompromise }
        inv.entryPoints = inv.hosts.filter { h in !edges.contains { $0.to == h.host } }.map(\.host)
        inv.accounts = accounts.map { name, a in
            let k = store.key(.user, name)
            let pos = k.map { store.positions($0).filter { attacker.contains(Int($0)) } } ?? []
            return ScopeItem(
                type: .user, value: name, reason: a.reason, firstSeen: Timestamp(microseconds: a.time),
                lastSeen: pos.last.map { store.timestamp(Int($0)) } ?? Timestamp(microseconds: a.time),
                count: pos.count,
                evidence: ref(a.evidence))
        }.sorted { ($0.firstSeen, $0.value) < ($1.firstSeen, $1.value) }
        inv.sourceIPs = ips.map { id, j in
            let pos = store.positions(IndicatorKey(.ip, id))
            return ScopeItem(
                type: .ip, value: ipText(id), reason: j.reason,
                firstSeen: pos.first.map { store.timestamp(Int($0)) } ?? .zero,
                lastSeen: pos.last.map { store.timestamp(Int($0)) } ?? .zero, count: pos.count,
                evidence: pos.first.map { ref(Int($0)) })
        }.sorted { ($0.firstSeen, $0.value) < ($1.firstSeen, $1.value) }
        inv.edges = edges.sorted { $0.time < $1.time }
        inv.paths = Self.paths(
            edges: inv.edges, entries: inv.entryPoints,
            reached: inv.hosts.reduce(into: [:]) { $0[$1.host] = $1.firstCompromise })
        // Data touched: web paths served (2xx) to attacker addresses, bytes sent out to them.
        var served: [String: (Int, Int64, Int)] = [:]
        for i in ordered where store.kind[i] == .webRequest && store.httpStatus[i] >= 200 && store.httpStatus[i] < 300 {
            let key = "\(hostName(i)) \(store.string(store.path[i]))"
            let prev = served[key] ?? (0, 0, i)
            served[key] = (prev.0 + 1, prev.1 + max(store.bytesOut[i], 0), prev.2)
        }
        inv.dataTouched = served.sorted { $0.key < $1.key }.map { key, v in
            ScopeItem(
                type: .path, value: key, reason: "served \(v.0)× with 2xx to the attacker (\(v.1) bytes)",
                firstSeen: store.timestamp(v.2), lastSeen: store.timestamp(v.2), count: v.0, evidence: ref(v.2))
        }
        for i in ordered where (store.kind[i] == .flow) && store.bytesOut[i] >= 1_000_000 {
            if let d = store.address(store.destinationIP[i]), !d.isInternal {
                inv.dataTouched.append(
                    ScopeItem(
                        type: .ip, value: "\(nameOf(address: store.sourceIP[i], at: store.time[i])) → \(d)",
                        reason: "\(store.bytesOut[i]) bytes sent out", firstSeen: store.timestamp(i),
                        lastSeen: store.timestamp(i), count: 1, evidence: ref(i)))
            }
        }
        inv.timeline = ordered.map { i in
            TimelineEntry(
                time: store.timestamp(i),
                host: hostName(i).isEmpty ? nameOf(address: store.sourceIP[i], at: store.time[i]) : hostName(i),
                phase: phase(i, webshell: webshellEvents), kind: store.kind[i].name, summary: summary(i),
                evidence: ref(i))
        }
        // Indicators: addresses, accounts, user agents and paths of the attacker, with first/last seen.
        var indicators: [ScopeItem] =
            inv.sourceIPs
            + inv.accounts.map { a in
                var b = a
                b.reason = a.reason
                return b
            }
        var uas: [UInt32: [Int]] = [:]
        for i in ordered where store.userAgent[i] != 0 && ips[store.sourceIP[i]] != nil {
            uas[store.userAgent[i], default: []].append(i)
        }
        for (ua, idx) in uas.sorted(by: { $0.key < $1.key }) {
            let all = store.positions(IndicatorKey(.userAgent, ua))
            let others = all.filter { ips[store.sourceIP[Int($0)]] == nil }.count
            if others > all.count / 10 { continue }  // a common browser string is no indicator
            indicators.append(
                ScopeItem(
                    type: .userAgent, value: store.string(ua), reason: "user agent of the attacker's requests",
                    firstSeen: store.timestamp(idx[0]), lastSeen: store.timestamp(idx[idx.count - 1]), count: idx.count,
                    evidence: ref(idx[0])))
        }
        inv.indicators = indicators
        return inv
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
            let hops = firstPerTarget.values.sorted { $0.time < $1.time }
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
