import DwellCore
import DwellIndex
import Foundation

/// What the network rules share: names learned from the traffic, the well-known service ranges, the hosts that
/// answer Kerberos or LDAP (domain controllers), and the evidence's span.
struct NetworkContext {
    var names: [UInt32: NetworkName] = [:]
    var addressesByName: [String: Set<UInt32>] = [:]
    var wellKnown: [IPNetwork] = []
    var domainControllers: Set<UInt32> = []
    var start: Int64 = 0
    var end: Int64 = 0
}

/// The network-only reconstruction (#17): beacons, payload downloads, admin-protocol hops, Kerberos tickets,
/// Zeek ssh.log, DNS; and the IDS alert verdicts and fast scans of the `network` family (#25).
extension Detectors {
    /// Inside the organisation by `InternalNetworks` (sensor flags, `--internal`, or inferred), not by RFC 1918.
    func inside(_ id: UInt32) -> Bool { networks.contains(id) }

    func networkContext() -> NetworkContext {
        var c = NetworkContext()
        for n in networkHostNames(store: store, isInternal: { inside($0) }, filePaths: filePaths)
        where c.names[n.addressID] == nil {
            c.names[n.addressID] = n
        }
        for (id, n) in c.names { c.addressesByName[n.name.lowercased(), default: []].insert(id) }
        for (id, n) in hostNames {
            c.addressesByName[shortName(n).lowercased(), default: []].insert(id)
        }
        c.wellKnown = rules.rule("ids.alert").list("well_known_networks").compactMap { IPNetwork($0) }
        for i in 0..<store.count where store.kind[i] == .flow || store.kind[i] == .kerberos {
            let p = store.destinationPort[i]
            if p == 88 || p == 389, store.destinationIP[i] != 0 {
                c.domainControllers.insert(store.destinationIP[i])
            }
        }
        c.start = store.time.first ?? 0
        c.end = store.count > 0 ? store.time[store.count - 1] : 0
        return c
    }

    func isWellKnown(_ id: UInt32, _ c: NetworkContext) -> Bool {
        guard let a = store.address(id) else { return false }
        return c.wellKnown.contains { $0.contains(a) }
    }

    /// `NEWYORK (10.0.0.4)`, or the address alone when no name is known.
    func label(_ id: UInt32, _ c: NetworkContext) -> String {
        if let n = hostNames[id] ?? c.names[id]?.name { return "\(n) (\(ip(id)))" }
        return ip(id)
    }

    /// The host name for a finding's `host`: the best-known name, else the address.
    func hostName(_ id: UInt32, _ c: NetworkContext) -> String {
        hostNames[id] ?? c.names[id]?.name ?? ip(id)
    }

    func nameOf(_ id: UInt32, _ c: NetworkContext) -> String? { hostNames[id] ?? c.names[id]?.name }

    /// Distinct sources of events to `destination`, counted up to `limit + 1` (from the address's postings).
    func distinctSources(of destination: UInt32, limit: Int) -> Int {
        guard let a = store.address(destination), let key = store.key(.ip, a.description) else {
            return 0
        }
        var seen: Set<UInt32> = []
        for p in store.postingSlice(key) {
            let i = Int(p)
            guard store.destinationIP[i] == destination, store.sourceIP[i] != 0 else { continue }
            seen.insert(store.sourceIP[i])
            if seen.count > limit { break }
        }
        return seen.count
    }

    func netFinding(
        _ r: Rule, severity: Severity? = nil, technique: String? = nil, at i: Int, host: String,
        indicators: [Indicator],
        why: String, evidence: [Int], role: FindingRole, implies: [Implication]
    ) -> Finding {
        var f = finding(
            r, severity: severity, at: i, host: host, indicators: indicators, why: why,
            evidence: evidence,
            seeds: role == .compromise)
        f.role = role
        f.implies = implies
        if let technique { f.technique = technique }
        return f
    }

    /// The `network-c2` family: everything here reads the store only.
    func networkReconstructionFindings() -> [Finding] {
        let c = PhaseTrace.timed("  network names") { networkContext() }
        var out = PhaseTrace.timed("  beacons") { beaconFindings(c) }
        out += PhaseTrace.timed("  payloads") { payloadFindings(c) }
        // Hosts already suspect, with the time they became so: beacon sources, payload downloaders, and victims
        // of severity 1-2 IDS alerts that show a compromise.
        var suspects: [UInt32: (Int64, String)] = [:]
        for f in out where f.role == .compromise {
            for case .compromisedHost(_, let address?) in f.implies {
                guard let id = store.addressID(of: address) else { continue }
                if suspects[id].map({ f.time.microseconds < $0.0 }) ?? true {
                    suspects[id] = (
                        f.time.microseconds, f.rule == "net.beacon" ? "it beacons" : "it downloaded a payload"
                    )
                }
            }
        }
        if let r = enabled("ids.alert") {
            for i in 0..<store.count where store.kind[i] == .alert && store.signature[i] != 0 {
                let v = idsVerdict(r, i, c)
                if v.role == .compromise, let victim = v.victim, inside(victim), suspects[victim] == nil {
                    suspects[victim] = (store.time[i], "it raised IDS alert '\(text(store.signature[i]))'")
                }
            }
        }
        out += PhaseTrace.timed("  kerberos") { kerberosFindings(c, suspects: suspects) }
        out += PhaseTrace.timed("  admin hops") { adminLateralFindings(c, suspects: suspects) }
        out += PhaseTrace.timed("  ssh.log") { sshFindings(c) }
        out += PhaseTrace.timed("  dns") { dnsFindings(c) }
        return out
    }

    // MARK: Beacons

    func beaconFindings(_ c: NetworkContext) -> [Finding] {
        guard let r = enabled("net.beacon") else { return [] }
        let ignored = Set(r.list("ignored_ports").compactMap { UInt16($0) })
        let jitter = r.parameter("jitter_percent")
        let regularShare = r.parameter("regular_percent")
        let burst = r.parameter("burst_seconds").saturatingTimes(1_000_000)
        let maxInterval = r.parameter("max_interval_seconds").saturatingTimes(1_000_000)
        let rare = Int(r.parameter("rare_sources"))
        var byPair: [UInt64: [Int]] = [:]
        for i in 0..<store.count where store.kind[i] == .flow {
            let s = store.sourceIP[i]
            let d = store.destinationIP[i]
            guard s != 0, d != 0, s != d, inside(s), !inside(d),
                !ignored.contains(store.destinationPort[i])
            else {
                continue
            }
            byPair[UInt64(s) << 32 | UInt64(d), default: []].append(i)
        }
        var out: [Finding] = []
        for (pair, idx) in byPair.sorted(by: { $0.key < $1.key }) where Int64(idx.count) >= r.threshold {
            let s = UInt32(pair >> 32)
            let d = UInt32(truncatingIfNeeded: pair)
            guard !isWellKnown(d, c) else { continue }
            let reach = distinctSources(of: d, limit: rare)
            guard reach <= rare else { continue }
            // Callbacks: connections closer than `burst` to the callback's first count once.
            var starts: [Int] = []
            var lastStart = Int64.min
            for i in idx where lastStart == .min || store.time[i] - lastStart >= burst {
                starts.append(i)
                lastStart = store.time[i]
            }
            guard Int64(starts.count) >= r.threshold else { continue }
            var intervals = zip(starts, starts.dropFirst()).map { store.time[$1] - store.time[$0] }
            let all = intervals
            let median = Self.select(&intervals, rank: intervals.count / 2)
            guard median > 0, median <= maxInterval else { continue }
            let regular = all.filter {
                abs($0 - median).saturatingTimes(100) <= median.saturatingTimes(jitter)
            }.count
            guard Int64(regular) * 100 >= Int64(all.count) * regularShare else { continue }
            var ports: [UInt16] = []
            var tls = false
            for i in idx {
                let p = store.destinationPort[i]
                if !ports.contains(p) { ports.append(p) }
                if store.service[i] != 0, text(store.service[i]).contains("ssl") { tls = true }
                if p == 443 { tls = true }
            }
            let first = starts[0]
            let last = idx[idx.count - 1]
            let medianSeconds = Double(median) / 1_000_000
            let why =
                "\(label(s, c)) connected to outside \(ip(d)) \(idx.count) times (\(starts.count) callbacks) from \(isoSecond(first)) to \(isoSecond(last)), every \(String(format: "%.1f", medianSeconds)) s (median interval; \(regular) of \(all.count) intervals within \(jitter)%), port(s) \(ports.sorted().map(String.init).joined(separator: ", ")); \(reach) internal host(s) reach \(ip(d)) (at most \(rare))"
            var implies: [Implication] = []
            if let a = store.address(s) {
                implies.append(.compromisedHost(name: nameOf(s, c), address: a))
            }
            if let a = store.address(d) { implies.append(.attackerAddress(a)) }
            out.append(
                netFinding(
                    r, technique: tls ? "T1573" : "T1071", at: first, host: hostName(s, c),
                    indicators: [.ip("\(ip(s))"), .ip("\(ip(d))")], why: why,
                    evidence: Array(starts.prefix(3)) + [last], role: .compromise, implies: implies))
        }
        return out
    }

    // MARK: Payload downloads

    func payloadFindings(_ c: NetworkContext) -> [Finding] {
        guard let r = enabled("net.payload_download") else { return [] }
        let mimes = r.list("mime_types").map { $0.lowercased() }
        let extensions = r.list("file_extensions").map { $0.lowercased() }
        let trusted = r.list("trusted_domains").map { $0.lowercased() }
        let rare = Int(r.parameter("rare_clients"))
        var firsts: [UInt64: (Int, Int)] = [:]  // (client, server) → (first position, downloads)
        var order: [UInt64] = []
        var what: [UInt64: String] = [:]
        var mimeVerdicts: [UInt32: Bool] = [:]
        var nameVerdicts: [UInt32: Bool] = [:]
        for i in 0..<store.count where store.kind[i] == .http || store.kind[i] == .fileTransfer {
            // http: the client asked the server; files: tx_hosts (source) sent to rx_hosts (destination).
            let http = store.kind[i] == .http
            let server = http ? store.destinationIP[i] : store.sourceIP[i]
            let client = http ? store.sourceIP[i] : store.destinationIP[i]
            guard server != 0, client != 0, server != client else { continue }
            if http, store.httpStatus[i] >= 400 { continue }
            // MIME types and names repeat: each symbol is judged once.
            let mimeSymbol = store.detail[i]
            let pathSymbol = store.path[i]
            let byMime: Bool
            if let v = mimeVerdicts[mimeSymbol] {
                byMime = v
            } else {
                let mime = mimeSymbol != 0 ? text(mimeSymbol).lowercased() : ""
                let bare = mime.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
                byMime = !bare.isEmpty && mimes.contains(bare)
                mimeVerdicts[mimeSymbol] = byMime
            }
            let byName: Bool
            if let v = nameVerdicts[pathSymbol] {
                byName = v
            } else {
                let file =
                    pathSymbol != 0 ? text(pathSymbol).split(separator: "/").last.map { $0.lowercased() } ?? "" : ""
                byName = !file.isEmpty && extensions.contains { file.hasSuffix($0) }
                nameVerdicts[pathSymbol] = byName
            }
            guard byMime || byName else { continue }
            let mime = mimeSymbol != 0 ? text(mimeSymbol).lowercased() : ""
            let name = pathSymbol != 0 ? text(pathSymbol) : ""
            if store.domain[i] != 0 {
                let host = text(store.domain[i]).lowercased()
                if trusted.contains(where: { host == $0 || host.hasSuffix("." + $0) }) { continue }
            }
            let key = UInt64(client) << 32 | UInt64(server)
            if let (p, n) = firsts[key] {
                firsts[key] = (p, n + 1)
            } else {
                firsts[key] = (i, 1)
                order.append(key)
                what[key] = byMime ? "\(mime)\(name.isEmpty ? "" : " \(name)")" : name
            }
        }
        var out: [Finding] = []
        for key in order {
            guard let (i, n) = firsts[key] else { continue }
            let client = UInt32(key >> 32)
            let server = UInt32(truncatingIfNeeded: key)
            guard !isWellKnown(server, c) else { continue }
            let reach = distinctSources(of: server, limit: rare)
            guard reach <= rare else { continue }
            // What the client did with the server afterwards: connections after the download.
            var later = 0
            var laterPorts: [UInt16] = []
            var lastLater = i
            let clientKey = store.address(client).flatMap { store.key(.ip, $0.description) }
            for p in clientKey.map({ store.postingSlice($0) }) ?? [] where Int(p) > i {
                let j = Int(p)
                guard store.kind[j] == .flow, store.sourceIP[j] == client, store.destinationIP[j] == server else {
                    continue
                }
                later += 1
                lastLater = j
                let p = store.destinationPort[j]
                if !laterPorts.contains(p) { laterPorts.append(p) }
            }
            let then =
                later > 0
                ? "; then \(later) connection(s) from \(ip(client)) to it on port(s) \(laterPorts.sorted().map(String.init).joined(separator: ", ")) until \(isoSecond(lastLater))"
                : ""
            var implies: [Implication] = []
            if let a = store.address(client) {
                implies.append(.compromisedHost(name: nameOf(client, c), address: a))
            }
            if let a = store.address(server) {
                implies.append(
                    inside(server)
                        ? .compromisedHost(name: nameOf(server, c), address: a) : .attackerAddress(a))
            }
            out.append(
                netFinding(
                    r, at: i, host: hostName(client, c),
                    indicators: [.ip("\(ip(client))"), .ip("\(ip(server))")],
                    why:
                        "\(label(client, c)) downloaded \(what[key] ?? "an executable") from \(inside(server) ? "internal" : "outside") \(ip(server)) (\(n) download(s); \(reach) host(s) fetch from it, at most \(rare))\(then)",
                    evidence: later > 0 ? [i, lastLater] : [i], role: .compromise, implies: implies))
        }
        return out
    }

    // MARK: Accounts behind hops

    /// The account of a hop from `s` to `d` at position `i`: a Kerberos service ticket that `s` obtained for a
    /// service of `d` shortly before, or an NTLM login from `s` to `d`; with the position that names it.
    func hopAccount(
        _ i: Int, from s: UInt32, to d: UInt32, port: UInt16, windowMicros: Int64,
        tickets: [UInt32: [Int]],
        ntlm: [UInt32: [Int]], _ c: NetworkContext
    ) -> (String, Int, String)? {
        let t = store.time[i]
        let targetNames = Set([nameOf(d, c)].compactMap { $0 }.map { $0.lowercased() })
        for k in (tickets[s] ?? []).reversed() {
            let tk = store.time[k]
            guard tk <= t + 5_000_000, tk >= t - windowMicros, store.user[k] != 0 else { continue }
            let parts = text(store.service[k]).split(separator: "/")
            guard parts.count >= 2 else { continue }
            let host = shortName(String(parts[1])).lowercased()
            let classMatches = port == 0 || servicePorts(String(parts[0])).contains(port)
            guard classMatches else { continue }
            if targetNames.contains(host)
                || (targetNames.isEmpty && c.addressesByName[host]?.contains(d) ?? false)
            {
                return (accountName(text(store.user[k])), k, "Kerberos ticket for \(parts[0])/\(parts[1])")
            }
        }
        for k in (ntlm[s] ?? []).reversed() where store.destinationIP[k] == d && store.user[k] != 0 {
            let tk = store.time[k]
            if tk <= t + 60_000_000, tk >= t - windowMicros {
                return (accountName(text(store.user[k])), k, "NTLM login")
            }
        }
        return nil
    }

    /// `mscott/DMEVALS.LOCAL` → `mscott`; `mscott@DMEVALS.LOCAL` → `mscott`; `DMEVALS\mscott` → `mscott`.
    func accountName(_ s: String) -> String {
        var t = Substring(s)
        if let slash = t.firstIndex(of: "/") { t = t[..<slash] }
        if let at = t.firstIndex(of: "@") { t = t[..<at] }
        if let back = t.lastIndex(of: "\\") { t = t[t.index(after: back)...] }
        return String(t)
    }

    // MARK: Kerberos

    func kerberosFindings(_ c: NetworkContext, suspects: [UInt32: (Int64, String)]) -> [Finding] {
        guard let r = enabled("net.kerberos_service") else { return [] }
        let classes = Set(r.list("service_classes").map { $0.lowercased() })
        var seen: Set<String> = []
        var out: [Finding] = []
        for i in 0..<store.count where store.kind[i] == .kerberos {
            let s = store.sourceIP[i]
            guard s != 0, store.service[i] != 0, store.user[i] != 0, store.outcome[i] != .failure,
                let (since, why) = suspects[s], since <= store.time[i]
            else { continue }
            let service = text(store.service[i])
            let parts = service.split(separator: "/")
            guard parts.count >= 2, classes.contains(parts[0].lowercased()) else { continue }
            let target = shortName(String(parts[1]))
            // A ticket for the requesting host's own services is no hop.
            if let own = nameOf(s, c), own.lowercased() == target.lowercased() { continue }
            // File, host and RPC tickets for a domain controller are every member's Group Policy and logon traffic.
            let routineClasses: Set<String> = ["cifs", "host", "rpcss", "ldap"]
            if routineClasses.contains(parts[0].lowercased()),
                let ids = c.addressesByName[target.lowercased()],
                ids.contains(where: { c.domainControllers.contains($0) })
            {
                continue
            }
            let account = accountName(text(store.user[i]))
            guard seen.insert("\(s) \(account.lowercased()) \(service.lowercased())").inserted else {
                continue
            }
            var implies: [Implication] = [.compromisedAccount(account)]
            var to = ""
            if let ids = c.addressesByName[target.lowercased()], ids.count == 1, let d = ids.first,
                d != s,
                let from = store.address(s), let a = store.address(d)
            {
                implies.append(
                    .lateral(from: from, to: a, account: account, method: "kerberos:\(parts[0])"))
                to = " (\(target) is \(ip(d)))"
            }
            out.append(
                netFinding(
                    r, severity: .high, at: i, host: hostName(s, c),
                    indicators: [.ip("\(ip(s))"), .user("\(account)")],
                    why:
                        "\(label(s, c)) obtained a Kerberos service ticket for \(service)\(to) as \(account); the host is suspect since \(Timestamp(microseconds: since).iso8601(fractionDigits: 0)): \(why)",
                    evidence: [i], role: .compromise, implies: implies))
        }
        return out
    }

    // MARK: Admin-protocol lateral movement

    func adminLateralFindings(_ c: NetworkContext, suspects: [UInt32: (Int64, String)]) -> [Finding] {
        guard let r = enabled("net.admin_lateral") else { return [] }
        var methods: [UInt16: String] = [:]
        for item in r.list("ports") {
            let parts = item.split(separator: ":")
            if parts.count == 2, let p = UInt16(parts[0]) { methods[p] = String(parts[1]) }
        }
        let endpoints = Set(r.list("rpc_endpoints").map { $0.lowercased() })
        let learning = r.parameter("learning_seconds").saturatingTimes(1_000_000)
        let learns = c.end - c.start >= learning.saturatingTimes(2)
        let learnEnd = c.start + learning
        let smbRPC = r.parameter("smb_rpc_seconds").saturatingTimes(1_000_000)
        let accountWindow = r.parameter("account_seconds").saturatingTimes(1_000_000)
        struct Pair: Hashable {
            var from: UInt32
            var to: UInt32
            var method: String
        }
        var routine: Set<Pair> = []
        var first: [Pair: (Int, Int)] = [:]  // first position, connections
        var order: [Pair] = []
        var tickets: [UInt32: [Int]] = [:]
        var ntlm: [UInt32: [Int]] = [:]
        for i in 0..<store.count {
            let k = store.kind[i]
            let s = store.sourceIP[i]
            if k == .kerberos, s != 0, store.service[i] != 0, store.outcome[i] != .failure {
                tickets[s, default: []].append(i)
            }
            if k == .ntlm, s != 0 { ntlm[s, default: []].append(i) }
            guard k == .flow || k == .rpc else { continue }
            let d = store.destinationIP[i]
            guard s != 0, d != 0, s != d, inside(s), inside(d) else { continue }
            let method: String
            if k == .rpc {
                guard store.service[i] != 0 else { continue }
                let e = text(store.service[i])
                guard endpoints.contains(e.lowercased()) else { continue }
                method = e
            } else {
                guard let m = methods[store.destinationPort[i]] else { continue }
                // SMB and RPC to a domain controller are Group Policy and Netlogon for every member.
                if (m == "smb" || m == "dcom") && c.domainControllers.contains(d) { continue }
                method = m
            }
            let pair = Pair(from: s, to: d, method: method)
            if learns && store.time[i] < learnEnd {
                routine.insert(pair)
                continue
            }
            if routine.contains(pair) { continue }
            if let (p, n) = first[pair] {
                first[pair] = (p, n + 1)
            } else {
                first[pair] = (i, 1)
                order.append(pair)
            }
        }
        var out: [Finding] = []
        for pair in order {
            guard let (i, n) = first[pair] else { continue }
            var method = pair.method
            var evidence = [i]
            // SMB counts with RPC (remote service creation, PsExec); RPC alone is DCOM/WMI.
            if method == "smb" {
                let rpc = Pair(from: pair.from, to: pair.to, method: "dcom")
                guard let (j, _) = first[rpc], abs(store.time[j] - store.time[i]) <= smbRPC else {
                    continue
                }
                method = "smb+rpc"
                evidence.append(j)
            } else if method == "dcom",
                let (j, _) = first[Pair(from: pair.from, to: pair.to, method: "smb")],
                abs(store.time[j] - store.time[i]) <= smbRPC
            {
                continue  // reported as smb+rpc
            }
            let technique: String
            switch method.lowercased() {
            case "winrm": technique = "T1021.006"
            case "rdp": technique = "T1021.001"
            case "ssh": technique = "T1021.004"
            case "smb+rpc": technique = "T1021.002"
            case "dcom": technique = "T1021.003"
            case "svcctl": technique = "T1569.002"
            case "atsvc", "itaskschedulerservice": technique = "T1053.005"
            case "iwbemservices", "iwbemlevel1login": technique = "T1047"
            default: technique = "T1021"
            }
            let port = store.kind[i] == .flow ? store.destinationPort[i] : 0
            let account = hopAccount(
                i, from: pair.from, to: pair.to, port: port, windowMicros: accountWindow, tickets: tickets,
                ntlm: ntlm,
                c)
            if let (_, k, _) = account { evidence.append(k) }
            let suspect = suspects[pair.from].flatMap { $0.0 <= store.time[i] ? $0 : nil }
            guard let from = store.address(pair.from), let to = store.address(pair.to) else { continue }
            var implies: [Implication] = [
                .lateral(from: from, to: to, account: account?.0, method: method.lowercased())
            ]
            if suspect != nil, let a = account?.0 { implies.append(.compromisedAccount(a)) }
            let via = port != 0 ? "\(method) (port \(port))" : "DCE/RPC \(method)"
            let history =
                learns
                ? "not seen in the first \(RuleSet.durationText(r.parameter("learning_seconds"))) of the evidence"
                : "the evidence spans \(RuleSet.durationText((c.end - c.start) / 1_000_000)), too short to learn routine admin pairs"
            let accountText = account.map { "; account \($0.0) (\($0.2))" } ?? ""
            let suspectText =
                suspect.map {
                    "; the source is suspect since \(Timestamp(microseconds: $0.0).iso8601(fractionDigits: 0)): \($0.1)"
                } ?? "; the source is not otherwise suspect"
            out.append(
                netFinding(
                    r, severity: suspect != nil ? .high : r.severity, technique: technique, at: i,
                    host: hostName(pair.to, c),
                    indicators: [.ip("\(ip(pair.from))"), .ip("\(ip(pair.to))")]
                        + (account.map { [.user("\($0.0)")] } ?? []),
                    why:
                        "\(label(pair.from, c)) reached \(label(pair.to, c)) over \(via), \(n) connection(s) from \(isoSecond(i)); \(history)\(accountText)\(suspectText)",
                    evidence: evidence, role: suspect != nil ? .compromise : .attempt, implies: implies))
        }
        return out
    }

    // MARK: Zeek ssh.log

    func sshFindings(_ c: NetworkContext) -> [Finding] {
        var out: [Finding] = []
        var successes: [UInt32: [(Int, UInt32)]] = [:]
        var failures: [UInt32: [Int]] = [:]
        var clients: [UInt32: [Int]] = [:]
        let reuse = enabled("net.ssh_reuse")
        let learning = (reuse?.parameter("learning_seconds") ?? 0).saturatingTimes(1_000_000)
        let learns = c.end - c.start >= learning.saturatingTimes(2)
        var routine: Set<UInt64> = []
        var seenPair: Set<UInt64> = []
        for i in 0..<store.count where store.kind[i] == .sshSession {
            let s = store.sourceIP[i]
            let d = store.destinationIP[i]
            guard s != 0, d != 0 else { continue }
            if store.userAgent[i] != 0 { clients[s, default: []].append(i) }
            switch store.outcome[i] {
            case .success:
                let pair = UInt64(s) << 32 | UInt64(d)
                if learns && store.time[i] < c.start + learning {
                    routine.insert(pair)
                } else if !routine.contains(pair), seenPair.insert(pair).inserted {
                    successes[s, default: []].append((i, d))
                }
            case .failure: failures[s, default: []].append(i)
            default: break
            }
        }
        func attackerOrHost(_ s: UInt32) -> [Implication] {
            guard let a = store.address(s) else { return [] }
            return inside(s) ? [] : [.attackerAddress(a)]
        }
        if let r = reuse {
            for (s, list) in successes.sorted(by: { $0.key < $1.key })
            where Int64(list.count) >= r.threshold {
                let idx = list.map(\.0)
                let servers = Dictionary(list.map { ($0.0, UInt64($0.1)) }, uniquingKeysWith: { a, _ in a })
                guard
                    let w = firstWindow(
                        idx, windowMicros: r.windowMicros, threshold: r.threshold, key: { servers[$0] ?? 0 })
                else { continue }
                let hit = Array(list[w.lo...w.hi])
                var implies: [Implication] = []
                if let from = store.address(s) {
                    if inside(s) {
                        implies.append(.compromisedHost(name: nameOf(s, c), address: from))
                    } else {
                        implies.append(.attackerAddress(from))
                    }
                    for (_, d) in hit {
                        if let to = store.address(d) {
                            implies.append(.lateral(from: from, to: to, account: nil, method: "ssh"))
                            implies.append(.compromisedHost(name: nameOf(d, c), address: to))
                        }
                    }
                }
                out.append(
                    netFinding(
                        r, at: hit[0].0, host: hostName(s, c), indicators: [.ip("\(ip(s))")],
                        why:
                            "\(label(s, c)) logged in over SSH (ssh.log auth_success) to \(w.distinct) servers it had not logged in to before within \(r.windowText) (threshold \(r.threshold)): \(hit.map { label($0.1, c) }.joined(separator: ", "))",
                        evidence: Array(hit.map(\.0).prefix(8)), role: .compromise, implies: implies))
            }
        }
        if let r = enabled("net.ssh_guessing") {
            for (s, idx) in failures.sorted(by: { $0.key < $1.key }) where Int64(idx.count) >= r.threshold {
                // Every failed session counts (keyed by its position): the first window holding the threshold.
                guard let w = firstWindow(idx, windowMicros: r.windowMicros, threshold: r.threshold, key: { UInt64($0) })
                else { continue }
                out.append(
                    netFinding(
                        r, at: idx[w.lo], host: hostName(s, c), indicators: [.ip("\(ip(s))")],
                        why:
                            "\(w.distinct) SSH sessions from \(label(s, c)) failed authentication (ssh.log auth_success false) within \(r.windowText) (threshold \(r.threshold)), \(isoSecond(idx[w.lo])) to \(isoSecond(idx[w.hi])); \(idx.count) in all",
                        evidence: [idx[w.lo], idx[w.hi]], role: .attempt, implies: attackerOrHost(s)))
            }
        }
        if let r = enabled("net.ssh_scanner") {
            let scanners = r.list("scanner_clients").map { $0.lowercased() }
            let libraries = r.list("library_clients").map { $0.lowercased() }
            // Match on the software part of the banner (`SSH-2.0-Go`, `SSH-2.0-paramiko_2.4`), once per banner.
            var banners: [UInt32: String] = [:]
            func software(_ i: Int) -> String {
                let symbol = store.userAgent[i]
                if let known = banners[symbol] { return known }
                let t = text(symbol).lowercased()
                let part = t.hasPrefix("ssh-") ? String(t.split(separator: "-", maxSplits: 2).last ?? "") : t
                banners[symbol] = part
                return part
            }
            for (s, idx) in clients.sorted(by: { $0.key < $1.key }) {
                if let i = idx.first(where: { i in scanners.contains { software(i).contains($0) } }) {
                    out.append(
                        netFinding(
                            r, at: i, host: hostName(s, c), indicators: [.ip("\(ip(s))")],
                            why: "\(label(s, c)) used the SSH scanner client '\(text(store.userAgent[i]))'",
                            evidence: [i], role: .attempt, implies: attackerOrHost(s)))
                    continue
                }
                let tools = idx.filter { i in libraries.contains { software(i).hasPrefix($0) } }
                guard Int64(tools.count) >= r.threshold,
                    let w = firstWindow(tools, windowMicros: r.windowMicros, threshold: r.threshold, key: { UInt64($0) })
                else { continue }
                out.append(
                    netFinding(
                        r, at: tools[w.lo], host: hostName(s, c), indicators: [.ip("\(ip(s))")],
                        why:
                            "\(w.distinct) SSH sessions from \(label(s, c)) with the library client '\(text(store.userAgent[tools[w.lo]]))' within \(r.windowText) (threshold \(r.threshold))",
                        evidence: [tools[w.lo], tools[w.hi]], role: .attempt, implies: attackerOrHost(s)))
            }
        }
        return out
    }

    // MARK: DNS

    /// The registered part of a name: its last two labels (`a.b.example.com` → `example.com`).
    static func registeredDomain(_ name: String) -> Substring {
        var dots = 0
        var i = name.endIndex
        while i > name.startIndex {
            let p = name.index(before: i)
            if name[p] == "." {
                dots += 1
                if dots == 2 { return name[i...] }
            }
            i = p
        }
        return name[...]
    }

    /// Shannon entropy of the characters, in bits per character × 100.
    static func entropyCentibits(_ s: Substring) -> Int64 {
        var counts: [Character: Int] = [:]
        for ch in s { counts[ch, default: 0] += 1 }
        let n = Double(s.count)
        guard n > 0 else { return 0 }
        var h = 0.0
        for (_, k) in counts {
            let p = Double(k) / n
            h -= p * log2(p)
        }
        return Int64(h * 100)
    }

    func dnsFindings(_ c: NetworkContext) -> [Finding] {
        let entropy = enabled("net.dns_entropy")
        let txt = enabled("net.dns_txt_burst")
        guard entropy != nil || txt != nil else { return [] }
        let minLabel = Int(entropy?.parameter("min_label") ?? 0)
        let minEntropy = entropy?.parameter("entropy_centibits") ?? 0
        let rare = Int(entropy?.parameter("rare_clients") ?? 0)
        var clientsOf: [Substring: Set<UInt32>] = [:]
        var random: [Substring: [(Int, UInt32)]] = [:]  // domain → (position, query symbol)
        var txtQueries: [String: [(Int, UInt32)]] = [:]  // "client domain" → (position, query symbol)
        let txtSymbol = symbolID("TXT")
        // Each distinct name is judged once: its registered domain, and whether its first label looks random.
        var judged: [UInt32: (domain: Substring, random: Bool)] = [:]
        for i in 0..<store.count where store.kind[i] == .dns {
            let q = store.domain[i]
            guard q != 0 else { continue }
            let verdict: (domain: Substring, random: Bool)
            if let v = judged[q] {
                verdict = v
            } else {
                let name = text(q).lowercased()
                let domain = Self.registeredDomain(name)
                var random = false
                if entropy != nil, let first = name.split(separator: ".").first, first.count >= minLabel,
                    name.count > domain.count
                {
                    random = Self.entropyCentibits(first) >= minEntropy
                }
                verdict = (domain, random)
                judged[q] = verdict
            }
            let domain = verdict.domain
            if store.sourceIP[i] != 0, clientsOf[domain]?.count ?? 0 <= rare {
                clientsOf[domain, default: []].insert(store.sourceIP[i])
            }
            if verdict.random { random[domain, default: []].append((i, q)) }
            if txt != nil, let t = txtSymbol, store.service[i] == t, store.sourceIP[i] != 0 {
                txtQueries["\(store.sourceIP[i]) \(domain)", default: []].append((i, q))
            }
        }
        var out: [Finding] = []
        if let r = entropy {
            for (domain, list) in random.sorted(by: { $0.key < $1.key }) {
                guard clientsOf[domain]?.count ?? 0 <= rare else { continue }
                let idx = list.map(\.0)
                let names = Dictionary(list.map { ($0.0, UInt64($0.1)) }, uniquingKeysWith: { a, _ in a })
                guard
                    let w = firstWindow(
                        idx, windowMicros: r.windowMicros, threshold: r.threshold, key: { names[$0] ?? 0 })
                else { continue }
                let s = store.sourceIP[idx[w.lo]]
                out.append(
                    netFinding(
                        r, at: idx[w.lo], host: s != 0 ? hostName(s, c) : hostOf(idx[w.lo]),
                        indicators: [.domain("\(domain)")] + (s != 0 ? [.ip("\(ip(s))")] : []),
                        why:
                            "\(w.distinct) distinct high-entropy names under \(domain) within \(r.windowText) (threshold \(r.threshold); first label ≥ \(minLabel) characters, ≥ \(Double(minEntropy) / 100) bits per character), e.g. \(text(store.domain[idx[w.lo]])); \(clientsOf[domain]?.count ?? 0) host(s) query the domain",
                        evidence: [idx[w.lo], idx[w.hi]], role: .context, implies: []))
            }
        }
        if let r = txt {
            for (key, list) in txtQueries.sorted(by: { $0.key < $1.key })
            where Int64(list.count) >= r.threshold {
                let idx = list.map(\.0)
                let names = Dictionary(list.map { ($0.0, UInt64($0.1)) }, uniquingKeysWith: { a, _ in a })
                guard
                    let w = firstWindow(
                        idx, windowMicros: r.windowMicros, threshold: r.threshold, key: { names[$0] ?? 0 })
                else { continue }
                let s = store.sourceIP[idx[w.lo]]
                let domain = key.split(separator: " ").last.map(String.init) ?? ""
                var implies: [Implication] = []
                if let a = store.address(s), inside(s) {
                    implies.append(.compromisedHost(name: nameOf(s, c), address: a))
                }
                out.append(
                    netFinding(
                        r, at: idx[w.lo], host: hostName(s, c),
                        indicators: [.ip("\(ip(s))"), .domain("\(domain)")],
                        why:
                            "\(label(s, c)) asked for \(w.distinct) distinct TXT names under \(domain) within \(r.windowText) (threshold \(r.threshold)), \(isoSecond(idx[w.lo])) to \(isoSecond(idx[w.hi]))",
                        evidence: [idx[w.lo], idx[w.hi]], role: inside(s) ? .compromise : .attempt,
                        implies: implies))
            }
        }
        return out
    }

    // MARK: IDS alerts with sense (#25)

    /// How an alert is read: its role, the attacker and victim address ids, and why.
    struct IDSVerdict {
        var role: FindingRole
        var attacker: UInt32?
        var victim: UInt32?
        var reason: String
    }

    func idsVerdict(_ r: Rule, _ i: Int, _ c: NetworkContext) -> IDSVerdict {
        let signature = text(store.signature[i])
        let lower = signature.lowercased()
        let level = store.severity[i]
        let s = store.sourceIP[i]
        let d = store.destinationIP[i]
        if let p = r.list("context_prefixes").first(where: { signature.hasPrefix($0) }) {
            return IDSVerdict(
                role: .context, reason: "\(p) signatures are context, not attacks: seeds nothing")
        }
        if store.detail[i] != 0, !lower.hasPrefix("et scan"), !lower.hasPrefix("gpl scan") {
            let category = text(store.detail[i])
            if r.list("context_categories").contains(category) {
                return IDSVerdict(
                    role: .context, reason: "category '\(category)' is context, not an attack: seeds nothing")
            }
        }
        if level < 0 {
            // A Zeek notice: scans are attempts, the rest context.
            if lower.hasPrefix("scan::") {
                return IDSVerdict(
                    role: .attempt, attacker: s != 0 ? s : nil, victim: nil,
                    reason: "a Zeek scan notice: an attempt, not a compromise")
            }
            return IDSVerdict(role: .context, reason: "a sensor notice without severity: context")
        }
        let serverSent = r.list("server_sent_needles").contains { lower.contains($0) }
        let response = !serverSent && r.list("response_needles").contains { lower.contains($0) }
        let checkin = !response && r.list("checkin_needles").contains { lower.contains($0) }
        let attacker = response || checkin ? d : s
        let victim = response || checkin ? s : d
        let direction =
            response
            ? "a response-direction signature: the attacker is the destination"
            : checkin
                ? "a malware check-in signature: the source is the victim, the destination the attacker"
                : "the attacker is the source"
        if attacker != 0, let a = store.address(attacker), a.isNone || Self.isBroadcastOrMulticast(a) {
            return IDSVerdict(
                role: .context, victim: victim,
                reason: "the attacker side \(a) is a broadcast, multicast or unspecified address: seeds nothing")
        }
        if attacker != 0, isWellKnown(attacker, c) {
            return IDSVerdict(
                role: .context, victim: victim,
                reason:
                    "\(ip(attacker)) is a well-known service address (CDN, search engine, cloud or public resolver), never taken for an attacker: seeds nothing"
            )
        }
        if let p = r.list("attempt_prefixes").first(where: { signature.hasPrefix($0) }) {
            return IDSVerdict(
                role: .attempt, attacker: attacker, victim: nil,
                reason: "\(p) signatures are attempts or reputation: \(direction); seeds nothing")
        }
        if level >= 1 && level <= 2 {
            return IDSVerdict(
                role: .compromise, attacker: attacker, victim: victim,
                reason: "sensor severity \(level) seeds: \(direction)")
        }
        return IDSVerdict(
            role: .context, attacker: nil, victim: nil,
            reason: "sensor severity \(level) is informational: seeds nothing")
    }

    /// 255.255.255.255, 0.0.0.0, 224.0.0.0/4, ff00::/8: no host sends from there.
    static func isBroadcastOrMulticast(_ a: IPAddress) -> Bool {
        if a.isV4 {
            let v = a.v4Value
            return v == 0xffff_ffff || v == 0 || v >> 28 == 0xe
        }
        return a.high >> 56 == 0xff || (a.high == 0 && a.low == 0)
    }

    func idsFinding(_ r: Rule, _ i: Int, _ c: NetworkContext) -> Finding {
        let level = store.severity[i]
        var sev: Severity = level == 1 ? .high : level == 2 ? .medium : level >= 3 ? .low : r.severity
        let v = idsVerdict(r, i, c)
        if v.role == .context { sev = min(sev, .low) }
        if v.role == .attempt { sev = min(sev, .medium) }
        let s = store.sourceIP[i]
        let d = store.destinationIP[i]
        var implies: [Implication] = []
        if let a = v.attacker, a != 0, let address = store.address(a), v.role != .context {
            implies.append(.attackerAddress(address))
        }
        let response = v.role == .compromise && v.attacker == d
        if response, let victim = v.victim, inside(victim), let address = store.address(victim) {
            implies.append(.compromisedHost(name: nameOf(victim, c), address: address))
        }
        func end(_ a: UInt32, _ port: UInt16) -> String { port != 0 ? "\(ip(a)):\(port)" : ip(a) }
        let category = store.detail[i] != 0 ? ", category '\(text(store.detail[i]))'" : ""
        let proto = store.service[i] != 0 ? " \(text(store.service[i]))" : ""
        let host = v.victim.flatMap { $0 != 0 && inside($0) ? hostName($0, c) : nil } ?? hostOf(i)
        return netFinding(
            r, severity: sev, at: i, host: host, indicators: [.ip("\(ip(s))"), .ip("\(ip(d))")],
            why:
                "IDS signature '\(text(store.signature[i]))'\(category) (sensor severity \(level): \(sev.name)) from \(end(s, store.sourcePort[i])) to \(end(d, store.destinationPort[i]))\(proto); \(v.reason)",
            evidence: [i], role: v.role, implies: implies)
    }
}
