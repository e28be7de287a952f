import DwellCore
import DwellIndex

/// The growth rounds of `Correlator.run` (see docs/DESIGN.md, "Attribution"): what the attacker holds so far, the
/// indexes the rounds look things up in, and one method per rule of growth. `round()` applies them in order, once;
/// the correlator repeats it until nothing joins (or `maxRounds`).
struct AttributionGrowth<Store: EventColumns> {
    typealias Joined = Correlator<Store>.Joined
    typealias Presence = Correlator<Store>.Presence
    typealias Session = (host: UInt32, user: UInt32, pid: Int32, logon: UInt32, start: Int64, end: Int64)
    /// A hop a network finding implies (addresses), with its time and the finding.
    typealias LateralImplication = (from: UInt32, to: UInt32, account: String?, method: String, time: Int64, f: Finding)

    let c: Correlator<Store>

    // What the attacker holds, and when each joined.
    var ips: [UInt32: Joined] = [:]
    var accounts: [String: Joined] = [:]
    var hosts: [String: Joined] = [:]
    var hostOrder: [String] = []
    /// The attacker's events (store positions).
    var attacker: Set<Int> = []
    var edges: [LateralEdge] = []
    var edgeKeys: Set<String> = []
    var sessions: [Session] = []
    var sessionKeys: Set<Correlator<Store>.SessionKey> = []
    var presence: [String: [Presence]] = [:]
    /// Logins out of held hosts not tied to the attacker (position → the host it left and why); a later round
    /// may still attribute one (an account found held later), so the list is made at the end.
    var risky: [Int: (from: String, reason: String)] = [:]
    var webshellEvents: Set<Int> = []

    // What the rounds look up, built once.
    /// The paths of web shell findings, and of successful exploits that the correlation confirms.
    let shellPaths: Set<UInt32>
    let lateralImplications: [LateralImplication]
    /// Where sessions end (see `Correlator.sessionEnd`).
    let closes: Correlator<Store>.SessionCloses
    /// Routine logins: the first times each (target host, source address, account) logged in.
    let routineNeeded: Int
    let routine: [Correlator<Store>.RoutineKey: [Int64]]
    /// Per-process events (host, pid; any program) and account changes per host, for the sessions (d).
    let accountChanges: [UInt32: [Int32]]
    /// The same account change (kind, account, group) across hosts: where and when each was logged, in time order,
    /// to tell a fleet rollout from the attacker's persistence (`isRollout`).
    let sameChange: [ChangeKey: [(host: UInt32, time: Int64)]]
    let root: UInt32
    /// The events of large-outbound findings.
    let large: Set<Int>

    /// The state the seeds and the compromise findings' hosts give, and the indexes.
    init(
        correlator: Correlator<Store>, seeds: [Seed], compromiseFindings: [Finding],
        hostImplications: [(name: String, time: Int64, reason: String, evidence: Int?)],
        lateralImplications: [LateralImplication]
    ) {
        c = correlator
        self.lateralImplications = lateralImplications

        let store = correlator.store
        var shellPaths: Set<UInt32> = []
        for f in compromiseFindings where f.isWebShell || f.rule.name == RuleIDs.exploitSuccess {
            for path in f.indicators.values(.path) {
                if let k = store.key(.path, path) { shellPaths.insert(k.value) }
            }
        }
        self.shellPaths = shellPaths
        closes = correlator.closeIndex()
        routineNeeded = max(correlator.options.routineLogins, 1)
        routine = correlator.routineIndex(first: routineNeeded)
        var accountChanges: [UInt32: [Int32]] = [:]
        var sameChange: [ChangeKey: [(host: UInt32, time: Int64)]] = [:]
        for p in store.positions(ofKinds: [.accountCreate, .accountModify, .passwordChange, .accountDelete]) {
            let i = Int(p)
            let h = store.host[i]
            if h != 0 {
                accountChanges[h, default: []].append(p)
                sameChange[ChangeKey(store, i), default: []].append((h, store.time[i]))
            }
        }
        self.accountChanges = accountChanges
        self.sameChange = sameChange
        root = store.key(.user, "root")?.value ?? 0
        large = Set(
            correlator.findings.filter { $0.rule.name == RuleIDs.largeOutbound }.flatMap {
                $0.evidence.compactMap(correlator.index(of:))
            })
        for s in seeds {
            switch s.type {
            case .ip:
                if let k = c.store.key(.ip, s.value) {
                    ips[k.value] = Joined(
                        time: c.store.positions(k).first.map { c.store.time[Int($0)] } ?? 0, reason: s.reason,
                        evidence: Int(c.store.positions(k).first ?? 0))
                }
            case .user:
                if let k = c.store.key(.user, s.value), let first = c.store.positions(k).first {
                    accounts[s.value] = Joined(time: c.store.time[Int(first)], reason: s.reason, evidence: Int(first))
                }
            case .host:
                if let k = c.store.key(.host, s.value), let first = c.store.positions(k).first {
                    hosts[s.value] = Joined(time: c.store.time[Int(first)], reason: s.reason, evidence: Int(first))
                    hostOrder.append(s.value)
                }
            default:
                if let k = c.store.key(s.type, s.value) {
                    for p in c.store.positions(k) where c.store.sourceIP[Int(p)] != 0 {
                        let id = c.store.sourceIP[Int(p)]
                        if ips[id] == nil, let a = c.store.address(id), !a.isInternal {
                            ips[id] = Joined(
                                time: c.store.time[Int(p)], reason: "used \(s.type.name) \(s.value) (\(s.reason))",
                                evidence: Int(p))
                        }
                    }
                }
            }
        }

        for h in hostImplications {
            _ = compromise(h.name, at: h.time, reason: h.reason, evidence: h.evidence ?? 0)
            presence[h.name, default: []].append(Presence(start: h.time, end: Int64.max, user: 0))
        }
    }

    /// One round: every rule of growth in order. Whether anything joined (an address, account, host, session or hop).
    mutating func round() -> Bool {
        let attackStart = min(
            ips.values.map(\.time).min() ?? Int64.max, accounts.values.map(\.time).min() ?? Int64.max,
            hosts.values.map(\.time).min() ?? Int64.max)
        var changed = false
        if attackerAddresses() { changed = true }
        if loginsOutOfHeldHosts() { changed = true }
        if networkHops() { changed = true }
        if heldAccountLogins(attackStart: attackStart) { changed = true }
        if sessionEvents() { changed = true }
        if newInfrastructure(attackStart: attackStart) { changed = true }
        hopFlows()
        return changed
    }

    // MARK: What the rounds share

    /// Marks `host` held from `t` (or earlier than known); whether that is news.
    mutating func compromise(_ host: String, at t: Int64, reason: String, evidence: Int) -> Bool {
        guard !host.isEmpty else { return false }
        if let h = hosts[host], h.time <= t { return false }
        if hosts[host] == nil { hostOrder.append(host) }
        hosts[host] = Joined(time: t, reason: reason, evidence: evidence)
        return true
    }

    /// Marks account `name` held from `t` (or earlier than known); whether that is news.
    mutating func account(_ name: String, at t: Int64, reason: String, evidence: Int) -> Bool {
        guard !name.isEmpty else { return false }
        if let a = accounts[name], a.time <= t { return false }
        accounts[name] = Joined(time: t, reason: reason, evidence: evidence)
        return true
    }

    /// The session lasts until sshd's process logs its close (Windows: the logoff of its logon id), else
    /// `sessionSeconds`: the first close or disconnect of the same (host, program, pid) at or after the login,
    /// by binary search.
    func sessionEnd(_ i: Int) -> Int64 { c.sessionEnd(i, closes: closes) }

    /// The attacker's session opened by login `i`, and its presence on the host (once per session).
    mutating func addSession(_ i: Int) {
        let store = c.store
        let h = store.host[i]
        let pid = c.sessionProcess(i)
        let end = sessionEnd(i)
        if sessionKeys.insert(
            Correlator<Store>.SessionKey(host: h, pid: pid, logonID: store.sessionID[i], start: store.time[i])
        ).inserted {
            sessions.append((h, store.user[i], pid, store.sessionID[i], store.time[i], end))
            presence[c.hostName(i), default: []].append(Presence(start: store.time[i], end: end, user: store.user[i]))
        }
    }

    /// Whether `user` logged in to `target` from one of `sources` often enough (`routineLogins`) before `t`.
    func seenBefore(target: UInt32, sources: [UInt32], user: UInt32, before t: Int64) -> Bool {
        sources.contains { s in
            guard let times = routine[Correlator<Store>.RoutineKey(host: target, source: s, user: user)] else { return false }
            return times.count >= routineNeeded && times[routineNeeded - 1] < t
        }
    }

    /// Whether `user` had a session of its own (not the attacker's) on `host` at `t`: a login there that
    /// is not an attacker event, not yet closed. Scans back at most a day of the account's events.
    func ownSession(user: UInt32, host: UInt32, at t: Int64) -> Bool {
        guard user != 0, host != 0 else { return false }
        let store = c.store
        let list = store.postingSlice(IndicatorKey(.user, user))
        var k = store.firstPosition(in: list, atOrAfter: t + 1)
        let earliest = t - 86_400_000_000
        var looked = 0
        while k > list.startIndex && looked < 20_000 {
            k -= 1
            looked += 1
            let j = Int(list[k])
            if store.time[j] < earliest { break }
            guard store.kind[j] == .authSuccess, store.host[j] == host, store.user[j] == user, !attacker.contains(j)
            else { continue }
            if sessionEnd(j) >= t { return true }
        }
        return false
    }

    /// The attacker's presences on `host` at `t`.
    func present(_ host: String, at t: Int64) -> [Presence] {
        (presence[host] ?? []).filter { $0.start <= t && t <= $0.end }
    }

    /// The part of a time-ordered position list from `start` to `end`.
    func window<C: RandomAccessCollection>(_ list: C, _ start: Int64, _ end: Int64) -> C.SubSequence
    where C.Element == Int32, C.Index == Int {
        let a = c.store.firstPosition(in: list, atOrAfter: start)
        let b = end == Int64.max ? list.endIndex : c.store.firstPosition(in: list, atOrAfter: end + 1)
        return list[a..<max(a, b)]
    }

    // MARK: The rounds

    /// (a) Attacker addresses: every event of theirs; their logins and web shells compromise.
    mutating func attackerAddresses() -> Bool {
        var changed = false
        for ipID in ips.keys.sorted() {
            for p in c.store.positions(IndicatorKey(.ip, ipID)) {
                let i = Int(p)
                attacker.insert(i)
                let t = c.store.time[i]
                if c.store.sourceIP[i] == ipID && c.store.kind[i] == .authSuccess {
                    let u = c.store.string(c.store.user[i])
                    if account(u, at: t, reason: "logged in from attacker address \(c.ipText(ipID))", evidence: i) {
                        changed = true
                    }
                    if compromise(
                        c.hostName(i), at: t, reason: "login as \(u) from attacker address \(c.ipText(ipID))",
                        evidence: i)
                    {
                        changed = true
                    }
                    addSession(i)
                }
                let k = c.store.kind[i]
                if c.store.sourceIP[i] == ipID, k == .webRequest || k == .http, shellPaths.contains(c.store.path[i]),
                    c.store.httpStatus[i] >= 200, c.store.httpStatus[i] < 300
                {
                    webshellEvents.insert(i)
                    let server = c.serverName(i)
                    if compromise(
                        server, at: t, reason: "web shell / successful exploit from \(c.ipText(ipID))", evidence: i)
                    {
                        changed = true
                    }
                    let reach = t + c.options.sessionSeconds * 1_000_000
                    if var list = presence[server], let last = list.indices.last, list[last].user == 0,
                        list[last].end >= t
                    {
                        list[last].end = max(list[last].end, reach)
                        presence[server] = list
                    } else {
                        presence[server, default: []].append(Presence(start: t, end: reach, user: 0))
                    }
                }
            }
        }
        return changed
    }

    /// (b) Logins out of compromised hosts, attributed only when tied to the attacker's presence there.
    mutating func loginsOutOfHeldHosts() -> Bool {
        var changed = false
        for name in hostOrder {
            guard let h = hosts[name] else { continue }
            let own = c.addresses(of: name)
            for addr in own {
                let list = c.store.positions(IndicatorKey(.ip, addr))
                for p in list[c.store.firstPosition(in: list, atOrAfter: h.time)...] {
                    let i = Int(p)
                    let t = c.store.time[i]
                    guard c.store.sourceIP[i] == addr, c.store.kind[i] == .authSuccess, c.hostName(i) != name,
                        !attacker.contains(i), c.owner(addr, at: t) == name || IPAddress(name) != nil
                    else { continue }
                    let u = c.store.string(c.store.user[i])
                    let target = c.hostName(i)
                    let here = present(name, at: t)
                    var why: String? = nil
                    if here.isEmpty {
                        why = nil
                    } else if here.contains(where: { $0.user != 0 && $0.user == c.store.user[i] }) {
                        why = "the account of the attacker's session on \(name)"
                    } else if let a = accounts[u], a.time <= t {
                        why = "an account the attacker holds"
                    } else if !seenBefore(target: c.store.host[i], sources: own, user: c.store.user[i], before: h.time),
                        !ownSession(user: c.store.user[i], host: c.hostID(name), at: t)
                    {
                        why = "\(u) never logged in from \(name) to \(target) before its compromise and had no session of its own on \(name): stolen credentials or key"
                    }
                    guard let why else {
                        if risky[i] == nil {
                            risky[i] = (
                                name, here.isEmpty
                                    ? "from \(name) after its compromise, outside the attacker's presence there"
                                    : "\(u) had a session of its own on \(name) (or took this route before): a user hopping through a host the attacker held"
                            )
                        }
                        continue
                    }
                    attacker.insert(i)
                    let method = c.store.service[i] != 0 ? c.store.string(c.store.service[i]) : "ssh"
                    let key = "\(name)|\(target)|\(t)"
                    let at = c.store.timestamp(i)
                    if let k = edges.firstIndex(where: { $0.isSameLogon(from: name, to: target, account: u, method: method, time: at) }) {
                        // The same logon recorded twice (an RDP 1149 and its 4624): one hop citing both lines.
                        // The logon record (4624) gives the hop its time and first citation; the 1149 before it
                        // corroborates.
                        if edgeKeys.insert(key).inserted {
                            if c.store.signature[i] != 0 && c.store.string(c.store.signature[i]) == "4624" {
                                edges[k].corroboration.insert(edges[k].evidence, at: 0)
                                edges[k].evidence = c.ref(i)
                                edges[k].time = at
                            } else {
                                edges[k].corroboration.append(c.ref(i))
                            }
                        }
                    } else if edgeKeys.insert(key).inserted {
                        edges.append(
                            LateralEdge(
                                from: name, to: target, time: c.store.timestamp(i), account: u, method: method,
                                evidence: c.ref(i)))
                    }
                    if account(u, at: t, reason: "used from compromised host \(name) to log in to \(target) (\(why))", evidence: i)
                    {
                        changed = true
                    }
                    if compromise(target, at: t, reason: "login as \(u) from compromised host \(name) (\(why))", evidence: i) {
                        changed = true
                    }
                    addSession(i)
                    changed = true
                }
            }
        }
        return changed
    }

    /// (b') Hops that network findings show (admin protocols between internal hosts), from held hosts.
    mutating func networkHops() -> Bool {
        var changed = false
        for l in lateralImplications {
            let fromName = c.nameOf(address: l.from, at: l.time)
            let toName = c.nameOf(address: l.to, at: l.time)
            guard let h = hosts[fromName], h.time <= l.time, fromName != toName else { continue }
            let key = "\(fromName)|\(toName)|\(l.time)"
            guard edgeKeys.insert(key).inserted else { continue }
            let evidence = l.f.evidence.first.flatMap(c.index(of:)) ?? 0
            edges.append(
                LateralEdge(
                    from: fromName, to: toName, time: Timestamp(microseconds: l.time), account: l.account ?? "",
                    method: l.method, evidence: l.f.evidence.first ?? c.ref(evidence)))
            if let a = l.account {
                _ = account(a, at: l.time, reason: "named by \(l.f.rule) on the hop \(fromName) → \(toName)", evidence: evidence)
            }
            _ = compromise(toName, at: l.time, reason: "\(l.method) hop from compromised host \(fromName) (\(l.f.rule))", evidence: evidence)
            presence[toName, default: []].append(Presence(start: l.time, end: Int64.max, user: 0))
            for e in l.f.evidence { if let p = c.index(of: e) { attacker.insert(p) } }
            changed = true
        }
        return changed
    }

    /// (c) Held accounts: logins from external sources never seen before the attack (`attackStart`).
    ///
    /// Not the owner's dynamic address: an account whose owner logged in, before the account was taken, from two or
    /// more addresses of one network (an IPv4 /16, an IPv6 /48: a home ISP's pool, a phone carrier) keeps logging in
    /// from that network after it; a new address there is the owner's next lease, not the attacker's, unless it
    /// shares a /24 (/64) with an address already the attacker's.
    mutating func heldAccountLogins(attackStart: Int64) -> Bool {
        var changed = false
        let attackerNets = Set(ips.keys.compactMap { c.store.address($0).map { $0.network(narrow: true) } })
        for (name, a) in accounts.sorted(by: { $0.key < $1.key }) {
            guard let k = c.store.key(.user, name) else { continue }
            // Taken in the evidence's first day, with too little before it, the rest of the evidence stands in.
            let learning = a.time - (c.store.timeBounds?.first ?? a.time) < 86_400_000_000
            for p in c.store.positions(k) {
                let i = Int(p)
                guard c.store.time[i] >= a.time, c.store.kind[i] == .authSuccess, c.store.sourceIP[i] != 0 else {
                    continue
                }
                let src = c.store.sourceIP[i]
                if ips[src] != nil || c.owner(src, at: c.store.time[i]).map({ hosts[$0] != nil }) == true { continue }
                guard let ip = c.store.address(src), !ip.isInternal else { continue }
                let firstSeen = c.store.postingSlice(IndicatorKey(.ip, src)).first.map { c.store.time[Int($0)] } ?? 0
                if firstSeen < attackStart { continue }
                if !attackerNets.contains(ip.network(narrow: true)),
                    c.isOwnerLease(
                        src, user: k.value, before: learning ? nil : a.time, days: learning ? 2 : 1,
                        isAttacker: { other, address in
                            ips[other] != nil || attackerNets.contains(address.network(narrow: true))
                        })
                {
                    continue
                }
                ips[src] = Joined(
                    time: c.store.time[i], reason: "logged in as compromised account \(name)", evidence: i)
                changed = true
            }
        }
        return changed
    }

    /// What makes two account changes alike across hosts: the kind, the account (or the user the line names) and
    /// the group.
    struct ChangeKey: Hashable {
        var kind: UInt8
        var account: UInt32
        var group: UInt32
        init(_ store: Store, _ i: Int) {
            kind = store.kind[i].rawValue
            account = store.targetUser[i] != 0 ? store.targetUser[i] : store.user[i]
            group = store.detail[i]
        }
    }

    /// (d) Sessions of the attacker: events on that host by that account (or its sshd process) during them;
    /// account changes during them are persistence when the attacker's session could make them (a privilege
    /// change of the session shortly before, or a root session).
    mutating func sessionEvents() -> Bool {
        var changed = false
        for s in sessions where s.host != 0 {
            var rootShell = s.user == root && root != 0
            if s.pid >= 0 {
                // The session's process: the host's events in the window with its pid (and a program), read from
                // the host's postings rather than from an index of every process of the evidence.
                for p in window(c.store.postingSlice(IndicatorKey(.host, s.host)), s.start, s.end)
                where c.store.pid[Int(p)] == s.pid && c.store.program[Int(p)] != 0 {
                    attacker.insert(Int(p))
                }
            }
            var privilegeTimes: [Int64] = []
            if s.user != 0 {
                for p in window(c.store.postingSlice(IndicatorKey(.user, s.user)), s.start, s.end) {
                    let i = Int(p)
                    if c.store.host[i] == s.host && c.store.user[i] == s.user && c.store.kind[i] != .cron {
                        attacker.insert(i)
                        if c.store.kind[i] == .privilege && c.store.outcome[i] != .failure {
                            privilegeTimes.append(c.store.time[i])
                            if c.isRootShell(i, root: root) { rootShell = true }
                        }
                    }
                }
            } else {
                let list = c.store.postingSlice(IndicatorKey(.host, s.host))
                for p in window(list, s.start, s.end) where c.store.user[Int(p)] == 0 && c.store.kind[Int(p)] != .cron {
                    attacker.insert(Int(p))
                }
            }
            for p in window(accountChanges[s.host] ?? [], s.start, s.end) {
                let i = Int(p)
                let t = c.store.time[i]
                // Windows names the logon session that made a change (SubjectLogonId): the session's own.
                let tiedToSession = privilegeTimes.contains { $0 <= t && t - $0 <= 120_000_000 }
                    || (s.logon != 0 && c.store.sessionID[i] == s.logon)
                // A root shell ties every change made while it is open, and so also a fleet rollout's change that
                // configuration management makes on this host at the same time (its own session, its own sudo).
                guard tiedToSession || (rootShell && !isRollout(i)) else { continue }
                attacker.insert(i)
                let createdID = c.store.targetUser[i] != 0 ? c.store.targetUser[i] : c.store.user[i]
                if c.store.kind[i] == .accountCreate && createdID != 0 {
                    let created = c.store.string(createdID)
                    if account(
                        created, at: t,
                        reason: "created on \(c.store.string(s.host)) during an attacker session", evidence: i)
                    {
                        changed = true
                    }
                }
            }
        }
        return changed
    }

    /// An account change logged alike (same kind, account and group), at any time of the evidence, on at least
    /// `Self.rolloutHosts` other hosts the attacker does not hold: the fleet's configuration management rolling
    /// out an agent's account, at once or a few hosts a day, not persistence. The attacker's own changes happen
    /// only where the attacker is.
    func isRollout(_ i: Int) -> Bool {
        let here = c.store.host[i]
        var elsewhere: Set<UInt32> = []
        for other in sameChange[ChangeKey(c.store, i)] ?? []
        where other.host != here && hosts[c.store.string(other.host)] == nil {
            elsewhere.insert(other.host)
            if elsewhere.count >= Self.rolloutHosts { return true }
        }
        return false
    }

    /// How many other, unheld hosts make a change a rollout.
    static var rolloutHosts: Int { 2 }

    /// (e) Outbound from compromised hosts while the attacker is there: a large transfer (the detector's finding),
    /// or a new connection to an external address no other host ever reached that carries data or goes to an
    /// unusual port.
    mutating func newInfrastructure(attackStart: Int64) -> Bool {
        var changed = false
        for name in hostOrder {
            guard let h = hosts[name] else { continue }
            for addr in c.addresses(of: name) {
                let list = c.store.positions(IndicatorKey(.ip, addr))
                for p in list[c.store.firstPosition(in: list, atOrAfter: h.time)...] {
                    let i = Int(p)
                    guard c.store.sourceIP[i] == addr, c.store.destinationIP[i] != 0,
                        let d = c.store.address(c.store.destinationIP[i]), !d.isInternal
                    else { continue }
                    let dst = c.store.destinationIP[i]
                    if ips[dst] != nil { continue }
                    let t = c.store.time[i]
                    guard c.owner(addr, at: t) == name || IPAddress(name) != nil else { continue }
                    let isLarge = large.contains(i)
                    if !isLarge {
                        guard !present(name, at: t).isEmpty else { continue }
                        let usualPort = [53, 80, 123, 443].contains(c.store.destinationPort[i])
                        guard c.store.bytesOut[i] >= 1_000_000 || !usualPort else { continue }
                        guard c.rareExternal(dst, onlyFrom: Set(c.addresses(of: name)), notBefore: attackStart) else { continue }
                    } else {
                        let before =
                            c.store.positions(IndicatorKey(.ip, dst)).first.map { c.store.time[Int($0)] < attackStart } ?? false
                        if before { continue }
                    }
                    ips[dst] = Joined(
                        time: t,
                        reason:
                            "\(isLarge ? "large transfer" : "connection") from compromised host \(name) to a new external address while the attacker was there",
                        evidence: i)
                    changed = true
                }
            }
        }
        return changed
    }

    /// Flows that carry a lateral hop (same source address, destination address of the target, port
    /// 22/3389/445/5985/5986): the attacker's events; they join nothing, so they change nothing.
    mutating func hopFlows() {
        for e in edges {
            let fromAddrs = c.addresses(of: e.from)
            let toAddrs = Set(c.addresses(of: e.to))
            guard !fromAddrs.isEmpty, !toAddrs.isEmpty else { continue }
            // An ssh hop is one connection; a hop a network rule found (WinRM, SMB, RDP, ...) is the admin
            // sessions that follow it too.
            let until = e.method == "ssh" ? e.time.microseconds + 120_000_000 : Int64.max
            for a in fromAddrs {
                let list = c.store.positions(IndicatorKey(.ip, a))
                for p in list[c.store.firstPosition(in: list, atOrAfter: e.time.microseconds - 120_000_000)...] {
                    let i = Int(p)
                    if c.store.time[i] > until { break }
                    guard c.store.sourceIP[i] == a, toAddrs.contains(c.store.destinationIP[i]),
                        [22, 3389, 445, 5985, 5986].contains(c.store.destinationPort[i])
                    else { continue }
                    attacker.insert(i)
                }
            }
        }
    }
}
