import DwellCore
import DwellIndex

/// The growth of the intrusion from its seeds, and how an event is judged the intruder's (see docs/DESIGN.md,
/// "Attribution").
///
/// A finding is evidence of an attempt; the window, the scope and the paths come only from evidence of compromise
/// (a login accepted after guessing, a web shell answering, a beacon, a critical alert) and from what follows from
/// it. On a host the attacker holds, other people keep working: a login out of such a host is the attacker's only
/// when it is tied to the attacker's presence there (same account, credentials the attacker holds, or a route the
/// account never took before while it had no session of its own on the host). The others are listed as at risk.
extension Correlator {
    /// The attacker's presence on a host: a session (with its account) or the reach of a web shell or implant.
    struct Presence {
        var start: Int64
        var end: Int64
        /// The account of the session (symbol id), 0 for a web shell or implant.
        var user: UInt32
    }

    /// A seed taken from a finding: its rule, time and why.
    static func seedReason(_ f: Finding) -> String { "\(f.title) (\(f.rule)) at \(f.time.iso8601(fractionDigits: 0))" }

    /// Whether a finding is evidence of compromise (it seeds when no seed is given). Critical findings always are,
    /// whatever their source: an insider is an attacker too.
    static func isCompromise(_ f: Finding) -> Bool {
        if f.rule.name == RuleIDs.exploitSuccess { return f.severity == .critical }
        return f.severity == .critical || f.role == .compromise || f.seeds
    }

    /// Whether a finding shows a compromise here: `isCompromise`, and for a web shell, that it answers. A
    /// catch-all page answers a scanner's `shell.php?cmd=id` with 200 too; a shell that runs commands gives
    /// answers of different sizes, or is uploaded by its user, or connects back to it.
    func showsCompromise(_ f: Finding) -> Bool {
        guard Self.isCompromise(f) else { return false }
        guard f.isWebShell else { return true }
        guard let ind = f.indicators.first(.ip), let src = store.key(.ip, ind.value)?.value
        else { return true }
        // The Internet's scanners probe shell paths all day; a private source driving a shell is no background.
        if store.address(src)?.isInternal == true { return true }
        let paths = Set(
            f.indicators.values(.path).compactMap { store.key(.path, $0)?.value })
        var sizes: Set<Int64> = []
        for p in store.postingSlice(IndicatorKey(.ip, src)) {
            let i = Int(p)
            let k = store.kind[i]
            if store.sourceIP[i] == src, k == .webRequest || k == .http {
                let status = store.httpStatus[i]
                guard status >= 200 && status < 300 else { continue }
                if paths.contains(store.path[i]) {
                    sizes.insert(store.bytesOut[i])
                    if sizes.count >= 2 { return true }
                } else if store.time[i] <= f.time.microseconds, store.httpMethod[i] != 0,
                    store.string(store.httpMethod[i]) == "POST"
                {
                    return true  // uploaded before it was used
                }
            } else if store.destinationIP[i] == src, store.sourceIP[i] != 0, store.sourceIP[i] != src,
                store.time[i] >= f.time.microseconds, store.address(store.sourceIP[i])?.isInternal == true
            {
                return true  // the server (or a host behind it) connected back
            }
        }
        return false
    }

    /// Address ids a host answers on: learned, given, or the host's own address when it is named by one.
    func addresses(of host: String) -> [UInt32] {
        if let a = hostAddresses[host] { return a.sorted() }
        if let ip = IPAddress(host), let id = store.addressID(of: ip) { return [id] }
        return []
    }

    /// The web server a request went to: the access log's host; for a sensor's record or an access log that names
    /// no host, the server address of the sensor's flow for the request (same client, within seconds), named by the
    /// host directory; otherwise the web tier of that log file.
    func serverName(_ i: Int) -> String {
        let t = store.time[i]
        if store.kind[i] == .http, store.destinationIP[i] != 0 { return nameOf(address: store.destinationIP[i], at: t) }
        if store.host[i] != 0 { return hostName(i) }
        let server = webServerAddress(forRequest: i)
        if server != 0 { return nameOf(address: server, at: t) }
        return HostDirectory.webTier(fileID: store.fileID[i], filePaths: filePaths)
    }

    /// The server address of the sensor's flow carrying request `i`: a flow or HTTP record from the same client
    /// to a web port starting at most 30 s before and 2 s after the logged request; the closest wins; 0 if none.
    func webServerAddress(forRequest i: Int) -> UInt32 {
        let source = store.sourceIP[i]
        guard source != 0 else { return 0 }
        let t = store.time[i]
        let list = store.postingSlice(IndicatorKey(.ip, source))
        var k = store.firstPosition(in: list, atOrAfter: t - 30_000_000)
        var best: (distance: Int64, address: UInt32) = (.max, 0)
        while k < list.endIndex {
            let j = Int(list[k])
            k += 1
            if store.time[j] > t + 2_000_000 { break }
            guard store.sourceIP[j] == source, store.destinationIP[j] != 0 else { continue }
            let web: Bool
            switch store.kind[j] {
            case .http: web = true
            case .flow, .tls: web = [80, 443, 8080, 8443].contains(store.destinationPort[j])
            default: web = false
            }
            guard web else { continue }
            let d = abs(store.time[j] - t)
            if d < best.distance { best = (d, store.destinationIP[j]) }
        }
        return best.address
    }

    public func run(seeds givenSeeds: [Seed]) -> Investigation {
        var inv = Investigation()
        inv.findings = findings
        inv.eventCount = store.count
        let compromiseFindings = findings.filter(showsCompromise)
        var seeds = givenSeeds
        if seeds.isEmpty {
            func add(_ s: Seed) {
                if !seeds.contains(where: { $0.indicator == s.indicator }) { seeds.append(s) }
            }
            for f in compromiseFindings {
                let typed = f.implies.compactMap { imp -> IPAddress? in
                    if case .attackerAddress(let a) = imp { return a }
                    return nil
                }
                if !typed.isEmpty {
                    for a in typed { add(Seed(type: .ip, value: a.description, reason: Self.seedReason(f))) }
                    continue
                }
                // Typed implications without an attacker address (a hop, a host reached): the addresses it names
                // are victims, not the attacker's.
                if !f.implies.isEmpty { continue }
                for v in f.indicators.values(.ip) {
                    guard let ip = IPAddress(v) else { continue }
                    if !ip.isInternal || f.family == .auth || f.severity == .critical || f.role == .compromise {
                        add(Seed(type: .ip, value: v, reason: Self.seedReason(f)))
                    }
                    // One address per finding: the source (the rest are its targets).
                    break
                }
            }
        }
        if givenSeeds.isEmpty {
            // A valid password from a new Internet address, followed by what attackers do: no failure precedes it,
            // and nothing else shows it.
            for (i, why) in takeoverLogins() {
                let v = ipText(store.sourceIP[i])
                if !seeds.contains(where: { $0.indicator == .ip(v) }) {
                    seeds.append(
                        Seed(
                            type: .ip, value: v,
                            reason: "\(store.string(store.user[i]))'s login on \(hostName(i)) from \(v), an address never seen before, at \(store.timestamp(i).iso8601(fractionDigits: 0)), followed by \(why) (account takeover, T1078)"))
                }
            }
        }
        inv.seeds = seeds.map { "\($0.type.name):\($0.value) — \($0.reason)" }
        var hostImplications: [(name: String, time: Int64, reason: String, evidence: Int?)] = []
        var lateralImplications: [(from: UInt32, to: UInt32, account: String?, method: String, time: Int64, f: Finding)] = []
        for f in compromiseFindings where givenSeeds.isEmpty {
            for imp in f.implies {
                switch imp {
                case .compromisedHost(let name, let address):
                    let n =
                        name ?? address.flatMap { a in store.addressID(of: a).map { nameOf(address: $0, at: f.time.microseconds) } }
                        ?? address?.description
                    if let n, !n.isEmpty {
                        hostImplications.append((n, f.time.microseconds, Self.seedReason(f), f.evidence.first.flatMap(index(of:))))
                    }
                case .lateral(let from, let to, let account, let method):
                    if let a = store.addressID(of: from), let b = store.addressID(of: to) {
                        lateralImplications.append((a, b, account, method, f.time.microseconds, f))
                    }
                default: break
                }
            }
        }
        // A compromise with no address to grow from (a critical finding on a named host): the host itself.
        for f in compromiseFindings where givenSeeds.isEmpty && !f.host.isEmpty {
            let named = f.implies.contains {
                if case .compromisedHost = $0 { return true }
                return false
            }
            if !named && f.indicators.first(.ip) == nil {
                hostImplications.append((f.host, f.time.microseconds, Self.seedReason(f), f.evidence.first.flatMap(index(of:))))
            }
        }
        guard !seeds.isEmpty || !hostImplications.isEmpty else {
            inv.growth = "no seed: no indicator given and no finding shows a compromise"
            inv.background = background(findings: findings, attackerIPs: [:])
            return inv
        }

        var growth = AttributionGrowth(
            correlator: self, seeds: seeds, compromiseFindings: compromiseFindings, hostImplications: hostImplications,
            lateralImplications: lateralImplications)
        var rounds = 0
        var changed = true
        var stopReason = "fixed point"
        while changed {
            rounds += 1
            if rounds > options.maxRounds {
                stopReason = "round limit (\(options.maxRounds))"
                break
            }
            changed = growth.round()
        }
        var attacker = growth.attacker
        let (ips, accounts, hosts, hostOrder) = (growth.ips, growth.accounts, growth.hosts, growth.hostOrder)
        let (edges, risky, webshellEvents) = (growth.edges, growth.risky, growth.webshellEvents)
        inv.caveats += learned.map { Caveat(.hostAddress, "host address learned: \($0)") }
        inv.caveats += conflicts.map { Caveat(.hostAddress, "host address conflict: \($0)") }
        inv.hostAddresses = addressBindings
        inv.growth = "stopped at \(stopReason) after \(rounds) round(s)"
        // Compromise findings with no address to grow from (a critical finding on a named host) still mark the
        // window: their evidence is the attacker's.
        for f in compromiseFindings where f.indicators.first(.ip) == nil && givenSeeds.isEmpty {
            for e in f.evidence { if let p = index(of: e) { attacker.insert(p) } }
        }
        var atRisk: [String: AtRiskLogin] = [:]
        for (i, r) in risky.sorted(by: { $0.key < $1.key }) where !attacker.contains(i) {
            let u = store.string(store.user[i])
            let key = "\(r.from)\u{0}\(u)\u{0}\(hostName(i))"
            if var a = atRisk[key] {
                a.count += 1
                a.lastSeen = store.timestamp(i)
                atRisk[key] = a
            } else {
                atRisk[key] = AtRiskLogin(
                    from: r.from, to: hostName(i), account: u, count: 1, firstSeen: store.timestamp(i),
                    lastSeen: store.timestamp(i), reason: r.reason, evidence: ref(i))
            }
        }
        inv.atRisk = atRisk.values.sorted {
            ($0.firstSeen, $0.from, $0.to, $0.account) < ($1.firstSeen, $1.from, $1.to, $1.account)
        }
        inv.background = background(findings: findings, attackerIPs: ips, heldHosts: hostOrder)
        finish(
            &inv, attacker: attacker, ips: ips, accounts: accounts, hosts: hosts, hostOrder: hostOrder, edges: edges,
            webshellEvents: webshellEvents)
        return inv
    }

    /// When the session opened by login `i` ends: for a Windows logon (it has a logon id), the first logoff
    /// (4634/4647) with the same logon id on the same host at or after it; otherwise the first close or disconnect
    /// of the same (host, program, pid) at or after it (by binary search in `closes`); else `sessionSeconds` after
    /// it.
    func sessionEnd(_ i: Int, closes: SessionCloses) -> Int64 {
        let h = store.host[i]
        let pid = store.pid[i]
        let logon = store.sessionID[i]
        if logon != 0, h != 0, store.kind[i] == .authSuccess {
            if let list = closes.byLogon[LogonKey(host: h, logonID: logon)] {
                let k = store.firstPosition(in: list, atOrAfter: store.time[i])
                if k < list.count { return store.time[Int(list[k])] }
            }
        } else if pid >= 0, h != 0, let list = closes.byProcess[ProcessKey(host: h, program: store.program[i], pid: pid)] {
            let k = store.firstPosition(in: list, atOrAfter: store.time[i])
            if k < list.count { return store.time[Int(list[k])] }
        }
        return store.time[i] + options.sessionSeconds * 1_000_000
    }

    /// The process a login's session is tied to, -1 for none: a Windows logon is tied by its logon id, and the
    /// process its record names (LSASS) serves every logon of the host.
    func sessionProcess(_ i: Int) -> Int32 {
        store.sessionID[i] != 0 && store.kind[i] == .authSuccess ? -1 : store.pid[i]
    }

    /// Shells by program name: sudo running one of these, or su with no command, opens a shell.
    static var shells: Set<String> { loginShells }

    /// Whether privilege event `i` opened a root shell: sudo or su to root (or to no one named) running a shell
    /// rather than a command (`sudo /bin/bash`, `sudo -i`, `su -`).
    func isRootShell(_ i: Int, root: UInt32) -> Bool {
        let target = store.targetUser[i]
        guard target == 0 || target == root else { return false }
        let command = store.command[i] == 0 ? "" : store.string(store.command[i])
        let program = store.program[i] == 0 ? "" : store.string(store.program[i])
        if command.isEmpty { return program == "su" }
        let first = command.split(separator: " ").first.map(String.init) ?? ""
        return Self.shells.contains(first.split(separator: "/").last.map(String.init) ?? first)
    }

    /// The host symbol id of a host name (0 when no event names it).
    func hostID(_ name: String) -> UInt32 { store.key(.host, name)?.value ?? 0 }

    /// Whether external address `dst` was reached only from `sources` and never before `notBefore`.
    func rareExternal(_ dst: UInt32, onlyFrom sources: Set<UInt32>, notBefore: Int64) -> Bool {
        var looked = 0
        for p in store.postingSlice(IndicatorKey(.ip, dst)) {
            let i = Int(p)
            if store.time[i] < notBefore { return false }
            if store.destinationIP[i] == dst, store.sourceIP[i] != 0, !sources.contains(store.sourceIP[i]) {
                return false
            }
            looked += 1
            if looked > 10_000 { return false }
        }
        return true
    }

    /// Sources whose findings are attempts only: every finding's first address, unless it is the attacker's.
    /// A finding is the intrusion's when any address it names is the attacker's or a held host's. A context
    /// finding (an account's new source address, a system account's login) is no attempt: it makes no source
    /// hostile background (a colleague logging in from a new VPN address was listed as an attacker that had
    /// "no login accepted from it", with its accepted login as the evidence).
    func background(findings: [Finding], attackerIPs: [UInt32: Joined], heldHosts: [String] = []) -> [BackgroundSource] {
        var tied = Set(attackerIPs.keys)
        for h in heldHosts { tied.formUnion(addresses(of: h)) }
        // One source per address, updated in place: one look-up by address per finding.
        var slot: [String: Int] = [:]
        var sources: [BackgroundSource] = []
        var rules: [[RuleID: Int]] = []
        // Fields read in place through the buffer: a loop variable would copy every finding (a retain per string
        // and array it holds), and there are tens of thousands.
        findings.withUnsafeBufferPointer { all in
            for n in all.indices where all[n].role != .context {
                // The first address names the source; the first one the store knows says whose it is; any one
                // tied to the attacker or a held host makes the finding the intrusion's.
                var source: String? = nil
                var firstKnown: UInt32? = nil
                var isTied = false
                for i in all[n].indicators where i.type == .ip {
                    if source == nil { source = i.value }
                    guard let id = store.key(.ip, i.value)?.value else { continue }
                    if tied.contains(id) {
                        isTied = true
                        break
                    }
                    if firstKnown == nil { firstKnown = id }
                }
                guard let v = source, !isTied else { continue }
                let time = all[n].time
                // A host of the evidence (its address known to the directory) is no background attacker: its
                // findings are "other" (administration, a first-time hop), not the Internet's noise.
                if let first = firstKnown, owner(first, at: time.microseconds) != nil { continue }
                let last = all[n].lastTime ?? time
                let (count, severity) = (all[n].count, all[n].severity)
                let k: Int
                if let known = slot[v] {
                    k = known
                    sources[k].findings += 1
                    sources[k].hits += count
                    sources[k].firstSeen = min(sources[k].firstSeen, time)
                    sources[k].lastSeen = max(sources[k].lastSeen, last)
                    sources[k].highest = max(sources[k].highest, severity)
                } else {
                    k = sources.count
                    slot[v] = k
                    sources.append(
                        BackgroundSource(
                            address: v, findings: 1, hits: count, firstSeen: time, lastSeen: last, rules: [],
                            highest: severity,
                            reason:
                                "attempts only: no login accepted from it, no web shell it drove and no connection back to it ties it to a compromise",
                            evidence: all[n].evidence.first))
                    rules.append([:])
                }
                rules[k][all[n].rule, default: 0] += count
            }
        }
        for k in sources.indices {
            sources[k].rules = rules[k].map { ($0.key, $0.value) }.sorted { ($1.1, $0.0) < ($0.1, $1.0) }
        }
        // Addresses are unique: the order is total, whatever order the sources were met in.
        return sources.sorted { ($1.hits, $0.address) < ($0.hits, $1.address) }
    }

    /// The window, scope, paths, data touched, timeline and indicators from the attacker's events.
    func finish(
        _ inv: inout Investigation, attacker: Set<Int>, ips: [UInt32: Joined], accounts: [String: Joined],
        hosts: [String: Joined], hostOrder: [String], edges: [LateralEdge], webshellEvents: Set<Int>
    ) {
        // Results.
        let ordered = attacker.sorted()
        if let first = ordered.first, let last = ordered.last {
            inv.firstSeen = store.timestamp(first)
            inv.lastSeen = store.timestamp(last)
            inv.firstEvidence = ref(first)
            inv.lastEvidence = ref(last)
        }
        var lastByHost: [String: Int64] = [:]
        for i in ordered {
            let h = store.kind[i] == .webRequest ? serverName(i) : hostName(i)
            lastByHost[h] = max(lastByHost[h] ?? 0, store.time[i])
        }
        inv.hosts = hostOrder.compactMap { name in
            guard let h = hosts[name] else { return nil }
            return HostScope(
                host: name, addresses: addresses(of: name).map(ipText),
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
        inv.paths = LateralPaths.paths(
            edges: inv.edges, entries: inv.entryPoints,
            reached: inv.hosts.reduce(into: [:]) { $0[$1.host] = $1.firstCompromise })
        // Data touched: web paths served (2xx) to attacker addresses, bytes sent out to them.
        var served: [String: (Int, Int64, Int)] = [:]
        for i in ordered where store.kind[i] == .webRequest && store.httpStatus[i] >= 200 && store.httpStatus[i] < 300 {
            let key = "\(serverName(i)) \(store.string(store.path[i]))"
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
                host: store.kind[i] == .webRequest || store.kind[i] == .http ? serverName(i) : hostName(i).isEmpty ? nameOf(address: store.sourceIP[i], at: store.time[i]) : hostName(i),
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

    }

    /// Logins with a valid account from an Internet address never seen before (no failed guess, so no brute-force
    /// finding) whose session does two different things attackers do and the account's owner had not: its first
    /// root shell on a host, an account created or added to a group, a hop to a host the account never logged in to,
    /// a large transfer out; one of them an account change or a transfer out, since an admin working from home
    /// also logs in from new addresses, becomes root and now and then visits a new host. The hops' own sessions are
    /// followed (three levels). - Complexity: O(external logins · their sessions' events).
    func takeoverLogins() -> [(Int, String)] {
        guard let evidenceStart = store.timeBounds?.first else { return [] }
        let closes = closeIndex()
        func end(_ i: Int) -> Int64 { sessionEnd(i, closes: closes) }
        let root = store.key(.user, "root")?.value ?? 0
        /// Whether one of `user`'s events before `t` (or, when the login is in the evidence's first day, with too
        /// little before it to know what is usual, after `later`) passes `test`.
        func didBefore(_ user: UInt32, _ t: Int64, orAfter later: Int64?, _ test: (Int) -> Bool) -> Bool {
            for p in store.postingSlice(IndicatorKey(.user, user)) {
                let j = Int(p)
                if store.time[j] >= t {
                    guard let later else { return false }
                    if store.time[j] <= later { continue }
                }
                if test(j) { return true }
            }
            return false
        }
        /// Whether `user` logged in to host `target` (as `didBefore` times it).
        func reached(_ user: UInt32, _ target: UInt32, before t: Int64, orAfter later: Int64?) -> Bool {
            didBefore(user, t, orAfter: later) { store.kind[$0] == .authSuccess && store.host[$0] == target }
        }
        /// Whether `user` became root through a shell on `host` (as `didBefore` times it).
        func hadRootShell(_ user: UInt32, on host: UInt32, before t: Int64, orAfter later: Int64?) -> Bool {
            didBefore(user, t, orAfter: later) {
                store.kind[$0] == .privilege && store.host[$0] == host && store.user[$0] == user
                    && store.outcome[$0] != .failure && isRootShell($0, root: root)
            }
        }
        func behaviours(_ login: Int, depth: Int, since t0: Int64, until later: Int64?, into found: inout Set<TakeoverSign>) {
            let host = store.host[login]
            let user = store.user[login]
            let start = store.time[login]
            let stop = end(login)
            var privilegeTimes: [Int64] = []
            var rootShell = false
            let list = store.postingSlice(IndicatorKey(.host, host))
            var k = store.firstPosition(in: list, atOrAfter: start)
            var looked = 0
            while k < list.endIndex && looked < 200_000 {
                let i = Int(list[k])
                k += 1
                looked += 1
                if store.time[i] > stop { break }
                switch store.kind[i] {
                case .privilege where store.user[i] == user && store.outcome[i] != .failure:
                    privilegeTimes.append(store.time[i])
                    if isRootShell(i, root: root) {
                        rootShell = true
                        // An admin's habit is not the attacker's: the account's first root shell on this host.
                        if !hadRootShell(user, on: host, before: t0, orAfter: later) {
                            found.insert(
                                TakeoverSign(
                                    kind: .rootShell,
                                    text: "a root shell on \(store.string(host)), a first for \(store.string(user)) there"))
                        }
                    }
                case .accountCreate, .accountModify:
                    if rootShell || privilegeTimes.contains(where: { store.time[i] - $0 <= 120_000_000 }) {
                        found.insert(TakeoverSign(kind: .accountChange, text: "an account change on \(store.string(host))"))
                    }
                default: break
                }
            }
            for addr in addresses(of: store.string(host)) {
                for t in largeOut[addr] ?? [] where t >= start && t <= stop {
                    found.insert(
                        TakeoverSign(kind: .dataOut, text: "a large transfer out of \(store.string(host))"))
                }
            }
            guard depth < 3 else { return }
            for addr in addresses(of: store.string(host)) {
                let out = store.postingSlice(IndicatorKey(.ip, addr))
                var m = store.firstPosition(in: out, atOrAfter: start)
                while m < out.endIndex {
                    let j = Int(out[m])
                    m += 1
                    if store.time[j] > stop { break }
                    guard store.kind[j] == .authSuccess, store.sourceIP[j] == addr, store.user[j] == user,
                        store.host[j] != host, store.host[j] != 0
                    else { continue }
                    if !reached(user, store.host[j], before: t0, orAfter: later) {
                        found.insert(
                            TakeoverSign(
                                kind: .newHost,
                                text: "a hop to \(store.string(store.host[j])), a host \(store.string(user)) never logged in to"))
                    }
                    behaviours(j, depth: depth + 1, since: t0, until: later, into: &found)
                }
            }
        }
        // Large transfers out (the detector's findings), by source address.
        var largeOut: [UInt32: [Int64]] = [:]
        for f in findings where f.rule.name == RuleIDs.largeOutbound {
            for e in f.evidence {
                if let i = index(of: e), store.sourceIP[i] != 0 { largeOut[store.sourceIP[i], default: []].append(store.time[i]) }
            }
        }
        var out: [(Int, String)] = []
        var tried: Set<UInt32> = []
        let kind = store.kind
        for i in 0..<store.count where kind[i] == .authSuccess {
            let src = store.sourceIP[i]
            guard src != 0, store.user[i] != 0, store.host[i] != 0, let ip = store.address(src), !ip.isInternal,
                tried.insert(src).inserted
            else { continue }
            let t = store.time[i]
            // The address never seen before (no guessing either).
            guard let first = store.postingSlice(IndicatorKey(.ip, src)).first,
                store.time[Int(first)] >= t - 600_000_000
            else { continue }
            // What is usual is learnt from a day of evidence before the login. In the evidence's first day the rest of
            // the evidence stands in for it: the account logs in from no other Internet address anywhere in it, and a
            // hop is to a host the account logs in to at no other time.
            let learning = t - evidenceStart < 86_400_000_000
            // An account that also logs in from other Internet addresses roams: in its first day nothing tells a
            // habit from a first, so only the two things no habit explains count there, together.
            let roams = learning && loginsFromOtherInternetAddresses(user: store.user[i], besides: src)
            // The owner's next lease (in the first day, judged from the whole evidence).
            if isOwnerLease(src, user: store.user[i], before: learning ? nil : t, days: learning ? 2 : 1) { continue }
            var found: Set<TakeoverSign> = []
            behaviours(i, depth: 0, since: t, until: learning ? end(i) : nil, into: &found)
            // Two different things (root shells on two hosts, or hops to two new hosts, are one thing each), and one
            // of them beyond what an admin working from home does (a root shell, a host not visited before): an
            // account made or changed, or data carried out.
            let kinds = Set(found.map(\.kind))
            let enough =
                roams
                ? kinds.contains(.accountChange) && kinds.contains(.dataOut)
                : kinds.count >= 2 && (kinds.contains(.accountChange) || kinds.contains(.dataOut))
            if enough {
                out.append((i, found.map(\.text).sorted().joined(separator: ", ")))
            }
        }
        return out
    }

    /// Whether `src` is the owner's next lease: `user` logged in successfully from two or more other Internet
    /// addresses of `src`'s network (IPv4 /16, IPv6 /48) but not of its /24 (/64) — a home ISP or phone carrier's
    /// pool, where an attacker's neighbouring addresses share a /24 — before `t` (anywhere in the evidence when `t`
    /// is nil), on at least `days` different days, none of them `isAttacker`'s. One rule for the takeover seed and
    /// for the held account's later logins.
    func isOwnerLease(
        _ src: UInt32, user: UInt32, before t: Int64?, days: Int, isAttacker: (UInt32, IPAddress) -> Bool = { _, _ in false }
    ) -> Bool {
        guard let ip = store.address(src) else { return false }
        let network = ip.network(narrow: false)
        let near = ip.network(narrow: true)
        var seen: Set<UInt32> = []
        var seenDays: Set<Int64> = []
        for p in store.postingSlice(IndicatorKey(.user, user)) {
            let j = Int(p)
            if let t, store.time[j] >= t { break }
            let a = store.sourceIP[j]
            guard store.kind[j] == .authSuccess, a != 0, a != src, let other = store.address(a), !other.isInternal,
                other.network(narrow: false) == network, other.network(narrow: true) != near, !isAttacker(a, other)
            else { continue }
            seen.insert(a)
            seenDays.insert(store.time[j] / 86_400_000_000)
        }
        return seen.count >= 2 && seenDays.count >= days
    }

    /// Whether `user` logs in successfully from an Internet address other than `src` anywhere in the evidence.
    func loginsFromOtherInternetAddresses(user: UInt32, besides src: UInt32) -> Bool {
        for p in store.postingSlice(IndicatorKey(.user, user)) {
            let j = Int(p)
            let a = store.sourceIP[j]
            guard store.kind[j] == .authSuccess, a != 0, a != src, let ip = store.address(a) else { continue }
            if !ip.isInternal { return true }
        }
        return false
    }
}

/// What a takeover's session did that attackers do and the account's owner had not (`takeoverLogins`).
struct TakeoverSign: Hashable {
    enum Kind: Hashable { case rootShell, accountChange, newHost, dataOut }
    var kind: Kind
    var text: String
}

/// Programs that are a shell (a generic type holds no stored static).
private let loginShells: Set<String> = ["sh", "bash", "dash", "zsh", "ksh", "fish", "su", "tcsh", "csh"]

extension IPAddress {
    /// The address's network, for telling an owner's changing addresses from an attacker's: IPv4 /16 (/24 when
    /// `narrow`), IPv6 /48 (/64). A home ISP or phone carrier leases from one /16; an attacker's neighbouring
    /// addresses share a /24.
    func network(narrow: Bool) -> IPAddress {
        if isV4 { return IPAddress(high: high, low: low & (narrow ? 0xffff_ffff_ffff_ff00 : 0xffff_ffff_ffff_0000)) }
        return IPAddress(high: high & (narrow ? ~0 : 0xffff_ffff_ffff_0000), low: 0)
    }
}
