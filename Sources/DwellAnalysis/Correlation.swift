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

/// Tunables of the growth.
public struct CorrelationOptions: Sendable {
    /// A (source, account, destination host) login seen this many times before the attack is routine.
    public var routineLogins = 1
    /// Growth stops after this many rounds if no fixed point was reached (the report says which).
    public var maxRounds = 10
    /// How long after an attacker login its session is assumed to last when no close is seen.
    public var sessionSeconds: Int64 = 4 * 3600
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
public struct Correlator {
    let store: EventStore
    let filePaths: [String]
    let findings: [Finding]
    var options: CorrelationOptions
    var hostAddresses: [String: Set<UInt32>] = [:]
    var addressHost: [UInt32: String] = [:]

    public init(store: EventStore, filePaths: [String], findings: [Finding], hostMap: [(IPAddress, String)] = [],
        options: CorrelationOptions = CorrelationOptions())
    {
        self.store = store
        self.filePaths = filePaths
        self.findings = findings
        self.options = options
        // Learn addresses: sshd "Connection from A port N on B port M" names B as the logging host's address.
        for i in 0..<store.count where store.kind[i] == .connect && store.destinationIP[i] != 0 && store.host[i] != 0 {
            let name = store.string(store.host[i])
            hostAddresses[name, default: []].insert(store.destinationIP[i])
            if addressHost[store.destinationIP[i]] == nil { addressHost[store.destinationIP[i]] = name }
        }
        learnWebServerAddresses()
        for (ip, name) in hostMap {
            if let id = store.addressID(of: ip) {
                hostAddresses[name, default: []].insert(id)
                addressHost[id] = name
            }
        }
    }

    /// A web server logs no address of its own; the sensor does. Requests in a host's access log that match
    /// sensor flows (same client, same second, to port 80/443/8080/8443) vote for the server's address.
    mutating func learnWebServerAddresses() {
        var requests: [Int64: [(UInt32, UInt32)]] = [:]  // second → (client, host)
        for i in 0..<store.count where store.kind[i] == .webRequest && store.sourceIP[i] != 0 && store.host[i] != 0 {
            requests[store.time[i] / 1_000_000, default: []].append((store.sourceIP[i], store.host[i]))
        }
        guard !requests.isEmpty else { return }
        var votes: [UInt32: [UInt32: Int]] = [:]  // host → address → votes
        for j in 0..<store.count where store.kind[j] == .flow || store.kind[j] == .http {
            guard [80, 443, 8080, 8443].contains(store.destinationPort[j]) || store.kind[j] == .http,
                store.destinationIP[j] != 0, let d = store.address(store.destinationIP[j]), d.isInternal
            else { continue }
            let sec = store.time[j] / 1_000_000
            var matched: Set<UInt32> = []
            for s in sec - 1...sec + 1 {
                for (client, host) in requests[s] ?? [] where client == store.sourceIP[j] { matched.insert(host) }
            }
            for h in matched { votes[h, default: [:]][store.destinationIP[j], default: 0] += 1 }
        }
        for (host, byAddress) in votes.sorted(by: { $0.key < $1.key }) {
            let name = store.string(host)
            guard hostAddresses[name] == nil,
                let best = byAddress.max(by: { ($0.value, $1.key) < ($1.value, $0.key) }), best.value >= 3
            else { continue }
            let total = byAddress.values.reduce(0, +)
            guard best.value * 2 > total, addressHost[best.key] == nil else { continue }
            hostAddresses[name] = [best.key]
            addressHost[best.key] = name
            learned.append("\(name) = \(ipText(best.key)) (\(best.value) of its access-log requests match sensor flows to that address)")
        }
    }

    /// How host addresses were learned, for the report.
    public private(set) var learned: [String] = []

    struct Joined {
        var time: Int64
        var reason: String
        var evidence: Int
    }

    func ref(_ i: Int) -> EvidenceRef {
        let f = Int(store.fileID[i])
        return EvidenceRef(
            fileID: store.fileID[i], file: f < filePaths.count ? filePaths[f] : "file#\(f)", line: UInt64(store.line[i]),
            offset: store.offset[i], raw: [], time: store.timestamp(i))
    }

    func hostName(_ i: Int) -> String { store.string(store.host[i]) }
    func ipText(_ id: UInt32) -> String { store.address(id)?.description ?? "" }
    /// A host name for an address, or the address itself.
    func nameOf(address id: UInt32) -> String { addressHost[id] ?? ipText(id) }

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
                        let s = Seed(type: .ip, value: v, reason: "\(f.title) (\(f.rule)) at \(f.time.iso8601(fractionDigits: 0))")
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
                    ips[k.value] = Joined(time: store.positions(k).first.map { store.time[Int($0)] } ?? 0, reason: s.reason, evidence: Int(store.positions(k).first ?? 0))
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
                            ips[id] = Joined(time: store.time[Int(p)], reason: "used \(s.type.name) \(s.value) (\(s.reason))", evidence: Int(p))
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
        func addSession(_ i: Int) {
            // The session lasts until sshd's process logs its close, else `sessionSeconds`.
            let h = store.host[i]
            let pid = store.pid[i]
            var end = store.time[i] + options.sessionSeconds * 1_000_000
            if pid >= 0, let hk = store.key(.host, store.string(h)) {
                for p in store.positions(hk) {
                    let j = Int(p)
                    guard store.time[j] >= store.time[i], store.pid[j] == pid, store.program[j] == store.program[i] else { continue }
                    if store.kind[j] == .sessionClose || store.kind[j] == .disconnect { end = store.time[j]; break }
                }
            }
            if !sessions.contains(where: { $0.host == h && $0.start == store.time[i] && $0.pid == pid }) {
                sessions.append((h, store.user[i], pid, store.time[i], end))
            }
        }

        // Routine logins before the attack: (source address, account, host) triples.
        func isRoutine(_ i: Int, before t: Int64) -> Bool {
            guard let hk = store.key(.host, hostName(i)) else { return false }
            var n = 0
            for p in store.positions(hk) {
                let j = Int(p)
                if store.time[j] >= t { break }
                if store.kind[j] == .authSuccess && store.sourceIP[j] == store.sourceIP[i] && store.user[j] == store.user[i] {
                    n += 1
                    if n >= options.routineLogins { return true }
                }
            }
            return false
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
                        if account(u, at: t, reason: "logged in from attacker address \(ipText(ipID))", evidence: i) { changed = true }
                        if compromise(hostName(i), at: t, reason: "login as \(u) from attacker address \(ipText(ipID))", evidence: i) { changed = true }
                        addSession(i)
                    }
                    if store.sourceIP[i] == ipID && webshellEvents.contains(i) {
                        // An access log names its own server; a sensor's record names the server by address.
                        let server = store.kind[i] == .webRequest ? hostName(i) : nameOf(address: store.destinationIP[i])
                        if compromise(server, at: t, reason: "web shell / successful exploit from \(ipText(ipID))", evidence: i) { changed = true }
                    }
                }
            }

            // (b) Compromised hosts: logins from their addresses to other hosts after their compromise.
            for name in hostOrder {
                guard let h = hosts[name] else { continue }
                for addr in (hostAddresses[name] ?? []).sorted() {
                    for p in store.positions(IndicatorKey(.ip, addr)) {
                        let i = Int(p)
                        let t = store.time[i]
                        guard t >= h.time, store.sourceIP[i] == addr else { continue }
                        if store.kind[i] == .authSuccess && hostName(i) != name {
                            if isRoutine(i, before: attackStart) {
                                let g = "routine login \(store.string(store.user[i]))@\(name)→\(hostName(i)) (seen before the attack) not expanded"
                                if !guards.contains(g) { guards.append(g) }
                                continue
                            }
                            attacker.insert(i)
                            let u = store.string(store.user[i])
                            let method = store.service[i] != 0 ? store.string(store.service[i]) : "ssh"
                            let key = "\(name)|\(hostName(i))|\(t)"
                            if !edgeKeys.contains(key) {
                                edgeKeys.insert(key)
                                edges.append(LateralEdge(from: name, to: hostName(i), time: store.timestamp(i), account: u, method: method, evidence: ref(i)))
                            }
                            if account(u, at: t, reason: "used from compromised host \(name) to log in to \(hostName(i))", evidence: i) { changed = true }
                            if compromise(hostName(i), at: t, reason: "login as \(u) from compromised host \(name)", evidence: i) { changed = true }
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
                    guard store.time[i] >= a.time, store.kind[i] == .authSuccess, store.sourceIP[i] != 0 else { continue }
                    let src = store.sourceIP[i]
                    if ips[src] != nil || addressHost[src].map({ hosts[$0] != nil }) == true { continue }
                    if isRoutine(i, before: attackStart) { continue }
                    if let ip = store.address(src), !ip.isInternal {
                        ips[src] = Joined(time: store.time[i], reason: "logged in as compromised account \(name)", evidence: i)
                        changed = true
                    }
                }
            }

            // (d) Sessions of the attacker: events on that host by that account (or its sshd process) during them;
            // account changes during them are persistence.
            for s in sessions {
                guard let hk = store.key(.host, store.string(s.host)) else { continue }
                for p in store.positions(hk) {
                    let i = Int(p)
                    let t = store.time[i]
                    guard t >= s.start, t <= s.end else { continue }
                    let k = store.kind[i]
                    let samePID = s.pid >= 0 && store.pid[i] == s.pid && store.program[i] != 0
                    let sameUser = store.user[i] == s.user && k != .cron
                    let accountChange = k == .accountCreate || k == .accountModify || k == .passwordChange || k == .accountDelete
                    if samePID || sameUser || accountChange {
                        attacker.insert(i)
                    }
                    let createdID = store.targetUser[i] != 0 ? store.targetUser[i] : store.user[i]
                    if k == .accountCreate && createdID != 0 {
                        let created = store.string(createdID)
                        if account(created, at: t, reason: "created on \(store.string(s.host)) during an attacker session", evidence: i) {
                            changed = true
                        }
                    }
                }
            }

            // (e) Outbound from compromised hosts to new external addresses: large, or inside an attacker session.
            let large = Set(findings.filter { $0.rule == "net.large_outbound" }.flatMap { $0.evidence.compactMap(index(of:)) })
            for name in hostOrder {
                guard let h = hosts[name] else { continue }
                for addr in (hostAddresses[name] ?? []).sorted() {
                    for p in store.positions(IndicatorKey(.ip, addr)) {
                        let i = Int(p)
                        guard store.time[i] >= h.time, store.sourceIP[i] == addr, store.destinationIP[i] != 0,
                            let d = store.address(store.destinationIP[i]), !d.isInternal
                        else { continue }
                        let dst = store.destinationIP[i]
                        if ips[dst] != nil { continue }
                        let inSession = sessions.contains { s in
                            store.string(s.host) == name && store.time[i] >= s.start && store.time[i] <= s.end
                        }
                        guard large.contains(i) || inSession else { continue }
                        // New: never contacted before the attack.
                        let before = store.positions(IndicatorKey(.ip, dst)).first.map { store.time[Int($0)] < attackStart } ?? false
                        if before { continue }
                        ips[dst] = Joined(time: store.time[i], reason: "\(large.contains(i) ? "large transfer" : "connection") from compromised host \(name) to a new external address", evidence: i)
                        changed = true
                    }
                }
            }

            // Flows that carry a lateral hop (same source address, destination address of the target, port 22/3389/445/5985).
            for e in edges {
                guard let fromAddrs = hostAddresses[e.from], let toAddrs = hostAddresses[e.to] else { continue }
                for a in fromAddrs {
                    for p in store.positions(IndicatorKey(.ip, a)) {
                        let i = Int(p)
                        guard store.sourceIP[i] == a, toAddrs.contains(store.destinationIP[i]),
                            abs(store.time[i] - e.time.microseconds) <= 120_000_000,
                            [22, 3389, 445, 5985, 5986].contains(store.destinationPort[i])
                        else { continue }
                        attacker.insert(i)
                    }
                }
            }
        }
        inv.caveats += learned.map { "host address learned: \($0)" }
        inv.growth = "stopped at \(stopReason) after \(rounds) round(s)" + (guards.isEmpty ? "" : "; guards: " + guards.joined(separator: "; "))

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
                host: name, addresses: (hostAddresses[name] ?? []).sorted().map(ipText), firstCompromise: Timestamp(microseconds: h.time),
                lastActivity: Timestamp(microseconds: max(lastByHost[name] ?? h.time, h.time)), reason: h.reason, evidence: ref(h.evidence))
        }.sorted { $0.firstCompromise < $1.firstCompromise }
        inv.entryPoints = inv.hosts.filter { h in !edges.contains { $0.to == h.host } }.map(\.host)
        inv.accounts = accounts.map { name, a in
            let k = store.key(.user, name)
            let pos = k.map { store.positions($0).filter { attacker.contains(Int($0)) } } ?? []
            return ScopeItem(
                type: .user, value: name, reason: a.reason, firstSeen: Timestamp(microseconds: a.time),
                lastSeen: pos.last.map { store.timestamp(Int($0)) } ?? Timestamp(microseconds: a.time), count: pos.count,
                evidence: ref(a.evidence))
        }.sorted { ($0.firstSeen, $0.value) < ($1.firstSeen, $1.value) }
        inv.sourceIPs = ips.map { id, j in
            let pos = store.positions(IndicatorKey(.ip, id))
            return ScopeItem(
                type: .ip, value: ipText(id), reason: j.reason, firstSeen: pos.first.map { store.timestamp(Int($0)) } ?? .zero,
                lastSeen: pos.last.map { store.timestamp(Int($0)) } ?? .zero, count: pos.count, evidence: pos.first.map { ref(Int($0)) })
        }.sorted { ($0.firstSeen, $0.value) < ($1.firstSeen, $1.value) }
        inv.edges = edges.sorted { $0.time < $1.time }
        inv.paths = Self.paths(edges: inv.edges, entries: inv.entryPoints, reached: inv.hosts.reduce(into: [:]) { $0[$1.host] = $1.firstCompromise })
        // Data touched: web paths served (2xx) to attacker addresses, bytes sent out to them.
        var served: [String: (Int, Int64, Int)] = [:]
        for i in ordered where store.kind[i] == .webRequest && store.httpStatus[i] >= 200 && store.httpStatus[i] < 300 {
            let key = "\(hostName(i)) \(store.string(store.path[i]))"
            let prev = served[key] ?? (0, 0, i)
            served[key] = (prev.0 + 1, prev.1 + max(store.bytesOut[i], 0), prev.2)
        }
        inv.dataTouched = served.sorted { $0.key < $1.key }.map { key, v in
            ScopeItem(type: .path, value: key, reason: "served \(v.0)× with 2xx to the attacker (\(v.1) bytes)", firstSeen: store.timestamp(v.2), lastSeen: store.timestamp(v.2), count: v.0, evidence: ref(v.2))
        }
        for i in ordered where (store.kind[i] == .flow) && store.bytesOut[i] >= 1_000_000 {
            if let d = store.address(store.destinationIP[i]), !d.isInternal {
                inv.dataTouched.append(
                    ScopeItem(type: .ip, value: "\(nameOf(address: store.sourceIP[i])) → \(d)", reason: "\(store.bytesOut[i]) bytes sent out", firstSeen: store.timestamp(i), lastSeen: store.timestamp(i), count: 1, evidence: ref(i)))
            }
        }
        inv.timeline = ordered.map { i in
            TimelineEntry(time: store.timestamp(i), host: hostName(i).isEmpty ? nameOf(address: store.sourceIP[i]) : hostName(i), phase: phase(i, webshell: webshellEvents), kind: store.kind[i].name, summary: summary(i), evidence: ref(i))
        }
        // Indicators: addresses, accounts, user agents and paths of the attacker, with first/last seen.
        var indicators: [ScopeItem] = inv.sourceIPs + inv.accounts.map { a in
            var b = a
            b.reason = a.reason
            return b
        }
        var uas: [UInt32: [Int]] = [:]
        for i in ordered where store.userAgent[i] != 0 && ips[store.sourceIP[i]] != nil { uas[store.userAgent[i], default: []].append(i) }
        for (ua, idx) in uas.sorted(by: { $0.key < $1.key }) {
            let all = store.positions(IndicatorKey(.userAgent, ua))
            let others = all.filter { ips[store.sourceIP[Int($0)]] == nil }.count
            if others > all.count / 10 { continue }  // a common browser string is no indicator
            indicators.append(ScopeItem(type: .userAgent, value: store.string(ua), reason: "user agent of the attacker's requests", firstSeen: store.timestamp(idx[0]), lastSeen: store.timestamp(idx[idx.count - 1]), count: idx.count, evidence: ref(idx[0])))
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

    func summary(_ i: Int) -> String {
        var parts: [String] = [store.kind[i].name]
        if store.outcome[i] != .unknown, let o = store.outcome[i].name { parts.append(o) }
        if store.user[i] != 0 { parts.append("user=\(store.string(store.user[i]))") }
        if store.targetUser[i] != 0 { parts.append("target=\(store.string(store.targetUser[i]))") }
        if store.sourceIP[i] != 0 { parts.append("src=\(ipText(store.sourceIP[i]))") }
        if store.destinationIP[i] != 0 { parts.append("dst=\(ipText(store.destinationIP[i])):\(store.destinationPort[i])") }
        if store.httpMethod[i] != 0 { parts.append(store.string(store.httpMethod[i])) }
        if store.path[i] != 0 {
            parts.append(store.string(store.path[i]) + (store.query[i] != 0 ? "?" + store.string(store.query[i]) : ""))
        }
        if store.httpStatus[i] >= 0 { parts.append("status=\(store.httpStatus[i])") }
        if store.command[i] != 0 { parts.append("command=\(store.string(store.command[i]))") }
        if store.bytesOut[i] >= 0 && store.kind[i] == .flow { parts.append("bytes_out=\(store.bytesOut[i])") }
        return parts.joined(separator: " ")
    }

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
