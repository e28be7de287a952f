import Dispatch
import DwellCore
import DwellIndex

/// Which host each address belonged to, and when: every way dwell learns a host's address, in one place.
///
/// Built once from the store (before the detectors run) and asked by the detectors, the correlator and the
/// reports, so a finding's host and the scope's name for an address never differ. What teaches it, in order of
/// strength:
/// - `--hosts` rows (given; they win inside their time range);
/// - sshd's `Connection from A port N on B port M` logged by X (B is X's);
/// - X's own outgoing packets (netfilter `OUT=` without `IN=`; see `OwnTraffic`);
/// - a login logged by X (`Accepted … from A port P`) and the sensor's flow `A:P → B` at the same time: B is X's
///   (the client's source port makes the match exact); the same for failures and preauth lines;
/// - a host's access-log requests that match the sensor's flows to port 80/443 (same client, same second);
/// - names the sensor's traffic gives (capture files, Kerberos, NTLM, SMB, DNS);
/// - last, an inside address no rule above placed, from the logins made out of it while their accounts held a
///   session on one host (a jump host reached only from the Internet; `HostDirectory+HopSources.swift`).
///
/// Each learned binding keeps its first and last sighting and its evidence; two hosts seen with one address are
/// never merged (time ranges, and a conflict caveat).
public struct HostDirectory: Sendable {
    let store: EventStore
    let filePaths: [String]
    let maxOwnAddresses: Int
    /// Inside versus outside (the sensor's flags, `--internal`, or inferred), decided once for every reader.
    public let networks: InternalNetworks

    public init(
        store: EventStore, filePaths: [String], hostEntries: [HostMapEntry] = [],
        ownTraffic: OwnTrafficLines = OwnTrafficLines(), maxOwnAddresses: Int = 16, internalNetworks: [IPNetwork] = []
    ) {
        self.store = store
        self.filePaths = filePaths
        self.maxOwnAddresses = maxOwnAddresses
        // The inside networks and the login–flow matches only read the store: they are made side by side.
        let inside = ResultSlots<InternalNetworks?>(repeating: nil, count: 1)
        let matched = ResultSlots<[(position: Int32, destination: UInt32)]>(repeating: [], count: 1)
        DispatchQueue.concurrentPerform(iterations: 2) { k in
            if k == 0 {
                inside.store(0, PhaseTrace.timed("  inside networks") { InternalNetworks(store: store, given: internalNetworks) })
            } else {
                matched.store(0, PhaseTrace.timed("  login-flow matches") { Self.loginFlowMatches(in: store) })
            }
        }
        networks = inside.values[0] ?? InternalNetworks(store: store, given: internalNetworks)
        PhaseTrace.timed("  sightings") { learnFromSightings(ownTraffic, matched: matched.values[0]) }
        PhaseTrace.timed("  web server addresses") { learnWebServerAddresses() }
        PhaseTrace.timed("  network names") { learnFromNetworkNames() }
        for e in hostEntries {
            guard let id = store.addressID(of: e.address) else { continue }
            hostAddresses[e.host, default: []].insert(id)
            let to = e.to.map { $0.microseconds == Int64.max ? Int64.max : $0.microseconds + 1 } ?? Int64.max
            givenOwners[id, default: []].append(
                Owner(
                    host: e.host, from: e.from?.microseconds ?? Int64.min, to: to, seenFirst: e.from?.microseconds,
                    seenLast: e.to?.microseconds, source: e.origin))
        }
        PhaseTrace.timed("  hop sources") { learnHopSources() }
    }

    /// The name of a web tier known only by its shared access log: "web tier (access.log)" — never an empty host.
    static func webTier(fileID: UInt32, filePaths: [String]) -> String {
        let file = EvidenceFile.displayPath(Int(fileID), in: filePaths)
        return "web tier (\(file.split(separator: "/").last.map(String.init) ?? file))"
    }

    func ipText(_ id: UInt32) -> String { store.address(id)?.description ?? "" }
    func ref(_ i: Int) -> EvidenceRef { EvidenceRef(store: store, position: i, filePaths: filePaths) }

    /// Host names by address for the whole evidence: the given rows without a range, then every address's
    /// learned owner when one host holds it all along (an address that moved keeps no single name).
    public var stableNames: [UInt32: String] {
        var out: [UInt32: String] = [:]
        for (addr, owners) in learnedOwners {
            let names = Set(owners.map(\.host))
            if names.count == 1, let n = names.first { out[addr] = n }
        }
        for (addr, owners) in givenOwners {
            if let o = owners.last(where: { $0.from == Int64.min && $0.to == Int64.max }) { out[addr] = o.host }
        }
        return out
    }

    /// Every address a host was seen with (at some time).
    var hostAddresses: [String: Set<UInt32>] = [:]
    /// Learned owners per address, in time order; `from` of the first is open, `to` is where the next starts.
    var learnedOwners: [UInt32: [Owner]] = [:]
    /// Owners given with `--hosts`; they win over learned ones inside their range.
    var givenOwners: [UInt32: [Owner]] = [:]

    struct Owner {
        var host: String
        /// Validity `[from, to)`.
        var from: Int64
        var to: Int64
        /// What was seen or given (for the report): first and last sighting, or the given range.
        var seenFirst: Int64?
        var seenLast: Int64?
        var source: String
        /// Position of the first sighting of a learned owner.
        var evidence: Int? = nil
    }


    /// The host an address belonged to at time `t`, if any: a `--hosts` row covering `t` (the last one given
    /// wins), else the learned owner. - Complexity: O(log r) in the address's learned runs.
    func owner(_ addr: UInt32, at t: Int64) -> String? {
        if let given = givenOwners[addr], let o = given.last(where: { $0.from <= t && t < $0.to }) { return o.host }
        guard let owners = learnedOwners[addr], !owners.isEmpty else { return nil }
        var lo = 0
        var hi = owners.count
        while lo < hi {  // the last run starting at or before t
            let mid = (lo + hi) / 2
            if owners[mid].from <= t { lo = mid + 1 } else { hi = mid }
        }
        return lo == 0 ? nil : owners[lo - 1].host
    }

    /// Every binding of an address to a host, for the report: host, then time.
    public var addressBindings: [HostAddressBinding] { addressBindings(in: store, filePaths: filePaths) }

    /// The same, with the addresses' text and the evidence read from `store` (the one the directory was learned
    /// from, or the same store mapped from a case).
    func addressBindings<S: EventColumns>(in store: S, filePaths: [String]) -> [HostAddressBinding] {
        func ipText(_ id: UInt32) -> String { store.address(id)?.description ?? "" }
        func ref(_ i: Int) -> EvidenceRef { EvidenceRef(store: store, position: i, filePaths: filePaths) }
        var out: [HostAddressBinding] = []
        for (addr, owners) in learnedOwners.merging(givenOwners, uniquingKeysWith: +) {
            for o in owners {
                out.append(
                    HostAddressBinding(
                        address: ipText(addr), host: o.host, from: o.seenFirst.map(Timestamp.init(microseconds:)),
                        to: o.seenLast.map(Timestamp.init(microseconds:)), source: o.source,
                        evidence: o.evidence.map(ref)))
            }
        }
        return out.sorted {
            ($0.host, $0.from ?? .distantPast, $0.address, $0.source) < (
                $1.host, $1.from ?? .distantPast, $1.address, $1.source
            )
        }
    }

    /// One host's consecutive sightings of an address (no other host seen with it in between).
    struct Run {
        var host: UInt32
        var first: Int64
        var last: Int64
        /// Sightings from sshd `Connection from A port N on B port M` (B is the logging host's).
        var sshd = 0
        /// Sightings from the host's own outgoing packets (`OwnTraffic`).
        var own = 0
        /// Logins logged by the host whose client address and port match a sensor flow to B.
        var flow = 0
        var firstPosition: Int
        var lastPosition: Int

        mutating func count(_ how: Sighting) {
            switch how {
            case .sshd: sshd += 1
            case .own: own += 1
            case .flow: flow += 1
            }
        }
    }

    enum Sighting { case sshd, own, flow }

    /// How far apart a login line and the sensor's record of its connection may be: the connection starts
    /// before the login is accepted (a person types a password), and a host's clock may be off by minutes.
    static let loginFlowSlackMicros: Int64 = 300_000_000

    /// Logins (and failures, preauth lines) logged by a host whose client address and source port match a
    /// sensor flow `A:P → B`: the position of each such auth event and B. A client's source port is not reused
    /// within minutes, so the pair names one connection; the closest flow in time wins (of equally close ones, the
    /// first in the store). An address matched to more than one host where no host holds nine in ten of its
    /// matches is a shared front end (a load balancer, NAT) and teaches nothing.
    ///
    /// Each client address is matched on its own, from its postings: its auth events and flows, ordered by source
    /// port and time, meet in one sorted list. No table of every (address, port) of the evidence is held (on a
    /// noisy server that table and its chains were the largest transient of the host directory).
    /// - Complexity: O(n) over the store, plus O(m log m) for each client's m postings.
    static func loginFlowMatches(in store: EventStore) -> [(position: Int32, destination: UInt32)] {
        @inline(__always) func isLogin(_ kind: EventKind) -> Bool {
            switch kind {
            case .authSuccess, .authFailure, .invalidUser, .authProbe, .sessionOpen: true
            default: false
            }
        }
        // The clients: addresses that some auth event with a port and a host names as its source.
        var isClient = [UInt64](repeating: 0, count: store.addresses.count / 64 + 1)
        var clients: [UInt32] = []
        var anyFlow = false
        for i in 0..<store.count {
            let kind = store.kind[i]
            if kind == .flow || kind == .sshSession {
                anyFlow = true
                continue
            }
            guard isLogin(kind), store.sourcePort[i] != 0, store.host[i] != 0 else { continue }
            let source = store.sourceIP[i]
            guard source != 0, Int(source >> 6) < isClient.count else { continue }
            let bit = UInt64(1) << UInt64(source & 63)
            if isClient[Int(source >> 6)] & bit == 0 {
                isClient[Int(source >> 6)] |= bit
                clients.append(source)
            }
        }
        guard !clients.isEmpty, anyFlow else { return [] }
        /// One of a client's events: an auth event, or a flow it opened (with its destination).
        struct Entry {
            var time: Int64
            var position: Int32
            var destination: UInt32
            var port: UInt16
            var isLogin: Bool
        }
        var entries: [Entry] = []
        var flows: [Entry] = []
        var best: [(position: Int32, destination: UInt32)] = []
        for client in clients {
            entries.removeAll(keepingCapacity: true)
            for p in store.postingSlice(IndicatorKey(.ip, client)) {
                let i = Int(p)
                guard store.sourceIP[i] == client else { continue }
                let port = store.sourcePort[i]
                guard port != 0 else { continue }
                let kind = store.kind[i]
                if isLogin(kind) {
                    guard store.host[i] != 0 else { continue }
                    entries.append(Entry(time: store.time[i], position: p, destination: 0, port: port, isLogin: true))
                } else if kind == .flow || kind == .sshSession {
                    let destination = store.destinationIP[i]
                    guard destination != 0, destination != client, let ip = store.address(destination),
                        OwnTraffic.isAssignable(ip)
                    else { continue }
                    entries.append(
                        Entry(time: store.time[i], position: p, destination: destination, port: port, isLogin: false))
                }
            }
            // By port, then in store order (the postings' order: time, then position).
            entries.sort { ($0.port, $0.position) < ($1.port, $1.position) }
            var run = 0
            while run < entries.count {
                var end = run
                while end < entries.count && entries[end].port == entries[run].port { end += 1 }
                flows.removeAll(keepingCapacity: true)
                for e in entries[run..<end] where !e.isLogin { flows.append(e) }
                if !flows.isEmpty {
                    for e in entries[run..<end] where e.isLogin {
                        // The flows within the slack, from the first at or after `time - slack`; the closest wins,
                        // the first in store order of equally close ones.
                        var lo = 0
                        var hi = flows.count
                        let from = e.time - Self.loginFlowSlackMicros
                        while lo < hi {
                            let mid = (lo + hi) / 2
                            if flows[mid].time < from { lo = mid + 1 } else { hi = mid }
                        }
                        var closest = (distance: Int64.max, destination: UInt32(0))
                        var k = lo
                        while k < flows.count && flows[k].time <= e.time + Self.loginFlowSlackMicros {
                            let d = abs(e.time - flows[k].time)
                            if d < closest.distance { closest = (d, flows[k].destination) }
                            k += 1
                        }
                        if closest.destination != 0 { best.append((e.position, closest.destination)) }
                    }
                }
                run = end
            }
        }
        // Per address: matches per host; a shared front end teaches nothing.
        var perAddress: [UInt32: [UInt32: Int]] = [:]
        for b in best { perAddress[b.destination, default: [:]][store.host[Int(b.position)], default: 0] += 1 }
        var shared: Set<UInt32> = []
        for (addr, hosts) in perAddress where hosts.count > 1 {
            let total = hosts.values.reduce(0, +)
            if (hosts.values.max() ?? 0) * 10 < total * 9 { shared.insert(addr) }
        }
        // In store order, for one merge-walk by the caller.
        var out = best.filter { !shared.contains($0.destination) }
        out.sort { $0.position < $1.position }
        return out
    }

    /// Learns addresses from what hosts log about themselves: sshd's `Connection from A port N on B port M` names
    /// B as the logging host's address, and a locally originated packet (`OwnTraffic`: `OUT=` without `IN=`) names
    /// its `SRC=`. The store is in time order, so each address's sightings come in time order: consecutive
    /// sightings by the same host form one run, and a run lasts until another host is seen with the address.
    /// Two hosts seen with one address are never merged: each keeps its ranges, and `conflicts` says so.
    /// `matched`: `loginFlowMatches(in:)`, in store order.
    /// - Complexity: O(n) over the store, plus O(1) per firewall event to look up its direction.
    mutating func learnFromSightings(_ ownTraffic: OwnTrafficLines, matched: [(position: Int32, destination: UInt32)]) {
        // Hosts whose own-looking packets carry too many sources (a gateway logging in POSTROUTING, or a forger).
        var ownSources: [UInt32: Set<UInt32>] = [:]
        var isOwn: [Bool] = []
        if !ownTraffic.isEmpty {
            isOwn = [Bool](repeating: false, count: store.count)
            for i in 0..<store.count where store.kind[i] == .firewall && store.host[i] != 0 && store.sourceIP[i] != 0 {
                guard ownTraffic.contains(fileID: store.fileID[i], line: store.line[i]) else { continue }
                isOwn[i] = true
                ownSources[store.host[i], default: []].insert(store.sourceIP[i])
            }
        }
        var gateways: Set<UInt32> = []
        for (h, sources) in ownSources.sorted(by: { $0.key < $1.key })
        where HostAddressRules.isGateway(sources: sources.count, limit: maxOwnAddresses) {
            gateways.insert(h)
            conflicts.append(
                HostAddressRules.gatewayNote(host: store.string(h), sources: sources.count, limit: maxOwnAddresses))
        }
        var nextMatch = 0
        // Each address's runs, in place: the address's slot in `runLists` (no copy of a list per sighting).
        var runSlot: [UInt32: Int] = [:]
        var runLists: [[Run]] = []
        for i in 0..<store.count {
            let addr: UInt32
            let how: Sighting
            switch store.kind[i] {
            case .connect:
                addr = store.destinationIP[i]
                guard addr != 0 else { continue }
                how = .sshd
                if let ip = store.address(addr), ip.isLoopback { continue }  // every host is 127.0.0.1
            case .firewall where !isOwn.isEmpty && isOwn[i] && !gateways.contains(store.host[i]):
                addr = store.sourceIP[i]
                how = .own
            case .authSuccess, .authFailure, .invalidUser, .authProbe, .sessionOpen:
                // The matches are in store order: walk them alongside.
                while nextMatch < matched.count && Int(matched[nextMatch].position) < i { nextMatch += 1 }
                guard nextMatch < matched.count, Int(matched[nextMatch].position) == i else { continue }
                addr = matched[nextMatch].destination
                how = .flow
            default:
                continue
            }
            let h = store.host[i]
            guard h != 0 else { continue }
            let t = store.time[i]
            if let slot = runSlot[addr] {
                let k = runLists[slot].count - 1
                if runLists[slot][k].host == h {
                    runLists[slot][k].last = t
                    runLists[slot][k].lastPosition = i
                    runLists[slot][k].count(how)
                    continue
                }
                var r = Run(host: h, first: t, last: t, firstPosition: i, lastPosition: i)
                r.count(how)
                runLists[slot].append(r)
            } else {
                var r = Run(host: h, first: t, last: t, firstPosition: i, lastPosition: i)
                r.count(how)
                runSlot[addr] = runLists.count
                runLists.append([r])
            }
        }
        for (addr, slot) in runSlot.sorted(by: { $0.key < $1.key }) {
            let list = runLists[slot]
            var owners: [Owner] = []
            for (k, r) in list.enumerated() {
                let name = store.string(r.host)
                hostAddresses[name, default: []].insert(addr)
                var sources: [String] = []
                if r.sshd > 0 { sources.append("sshd Connection lines (\(r.sshd))") }
                if r.flow > 0 {
                    sources.append("logins matched with sensor flows by client address and port (\(r.flow); first \(place(r.firstPosition)))")
                }
                if r.own > 0 {
                    sources.append(
                        "own outgoing packets (\(r.own); netfilter OUT= without IN=; first \(place(r.firstPosition)))")
                    learned.append(
                        HostAddressRules.ownPacketsNote(
                            host: name, address: ipText(addr), packets: Int64(r.own),
                            first: Timestamp(microseconds: r.first), last: Timestamp(microseconds: r.last),
                            firstPlace: place(r.firstPosition), lastPlace: place(r.lastPosition)))
                }
                owners.append(
                    Owner(
                        host: name, from: k == 0 ? Int64.min : r.first,
                        to: k + 1 < list.count ? list[k + 1].first : Int64.max,
                        seenFirst: r.first, seenLast: r.last, source: sources.joined(separator: "; "),
                        evidence: r.firstPosition))
            }
            learnedOwners[addr] = owners
            reportConflicts(addr, list)
        }
    }

    /// Says when more than one host was seen with an address: at overlapping times (both claim it; each sighting
    /// holds until the other host is seen again) or one after the other (it moved). Nothing is merged.
    mutating func reportConflicts(_ addr: UInt32, _ list: [Run]) {
        var span: [UInt32: (first: Int64, last: Int64, position: Int)] = [:]
        var order: [UInt32] = []
        for r in list {
            if let s = span[r.host] {
                span[r.host] = (s.first, r.last, s.position)
            } else {
                span[r.host] = (r.first, r.last, r.firstPosition)
                order.append(r.host)
            }
        }
        guard order.count > 1 else { return }
        func time(_ t: Int64) -> String { Timestamp(microseconds: t).iso8601(fractionDigits: 0) }
        let described = order.compactMap { h -> String? in
            guard let s = span[h] else { return nil }
            return "\(store.string(h)) \(time(s.first)) to \(time(s.last)) (first \(place(s.position)))"
        }
        let interleaved = list.count > order.count
        if interleaved {
            conflicts.append(
                "address \(ipText(addr)) claimed by \(order.count) hosts at overlapping times: \(described.joined(separator: "; ")); kept as \(list.count) separate time ranges (each sighting holds until another host is seen with it), not merged; check the hosts' configuration or give --hosts"
            )
        } else {
            conflicts.append(
                "address \(ipText(addr)) moved between hosts: \(described.joined(separator: ", then ")); each host holds it from its first sighting until the next host's"
            )
        }
    }

    /// `file:line` of a store position.
    func place(_ i: Int) -> String {
        "\(EvidenceFile.displayPath(Int(store.fileID[i]), in: filePaths)):\(store.line[i])"
    }

    /// When more than one host was seen with an address, or a host taught nothing: for the report's caveats.
    public internal(set) var conflicts: [String] = []

    /// A web server logs no address of its own; the sensor does. Requests in a host's access log that match
    /// sensor flows (same client, same second, to port 80/443/8080/8443) vote for the server's address.
    mutating func learnWebServerAddresses() {
        // Requests (client, host) and the sensor's flows are both in time order: the requests within a second of a
        // flow are a sliding window over the request list (linear; no table of every second).
        // Decoded once, in order, into plain arrays: the window scan reads them many times.
        var requestSecond: [Int64] = []
        var requestSource: [UInt32] = []
        var requestHost: [UInt32] = []
        for i in 0..<store.count where store.kind[i] == .webRequest && store.sourceIP[i] != 0 && store.host[i] != 0 {
            requestSecond.append(store.time[i] / 1_000_000)
            requestSource.append(store.sourceIP[i])
            requestHost.append(store.host[i])
        }
        guard !requestSecond.isEmpty else { return }
        let hostCount = Set(requestHost).count
        // Votes per (host, address): how many flows, first and last time.
        var votes = IntegerTable<(count: Int, first: Int64, last: Int64)>(capacity: 64)
        var lo = 0
        var hi = 0
        var matched: [UInt32] = []
        // Whether an address is internal, decided once per address id (slot 0: none).
        let internalAddress = [false] + store.addresses.map(\.isInternal)
        for j in 0..<store.count where store.kind[j] == .flow || store.kind[j] == .http {
            let webPort: Bool
            switch store.destinationPort[j] {
            case 80, 443, 8080, 8443: webPort = true
            default: webPort = store.kind[j] == .http
            }
            let destination = Int(store.destinationIP[j])
            guard webPort, destination != 0, destination < internalAddress.count, internalAddress[destination] else { continue }
            let t = store.time[j]
            let sec = t / 1_000_000
            while lo < requestSecond.count && requestSecond[lo] < sec - 1 { lo += 1 }
            if hi < lo { hi = lo }
            while hi < requestSecond.count && requestSecond[hi] <= sec + 1 { hi += 1 }
            matched.removeAll(keepingCapacity: true)
            let source = store.sourceIP[j]
            requestSource.withUnsafeBufferPointer { sources in
                for k in lo..<hi where sources[k] == source && !matched.contains(requestHost[k]) {
                    matched.append(requestHost[k])
                    // Every host with an access log is matched: the rest of the window can add none.
                    if matched.count == hostCount { break }
                }
            }
            for h in matched {
                let v = votes.index(of: UInt64(h) << 32 | UInt64(destination), inserting: (0, t, t))
                votes.values[v].count += 1
                votes.values[v].first = min(votes.values[v].first, t)
                votes.values[v].last = max(votes.values[v].last, t)
            }
        }
        var byHost: [UInt32: [UInt32: (count: Int, first: Int64, last: Int64)]] = [:]
        for (k, key) in votes.keys.enumerated() {
            byHost[UInt32(truncatingIfNeeded: key >> 32), default: [:]][UInt32(truncatingIfNeeded: key)] = votes.values[k]
        }
        for (host, byAddress) in byHost.sorted(by: { $0.key < $1.key }) {
            let name = store.string(host)
            guard hostAddresses[name] == nil,
                let address = HostAddressRules.webServerAddress(votes: byAddress.mapValues { Int64($0.count) }),
                let vote = byAddress[address], learnedOwners[address] == nil
            else { continue }
            let best = (key: address, value: vote)
            hostAddresses[name] = [best.key]
            learnedOwners[best.key] = [
                Owner(
                    host: name, from: Int64.min, to: Int64.max, seenFirst: best.value.first, seenLast: best.value.last,
                    source: "access log matched with sensor flows (\(best.value.count))")
            ]
            learned.append(
                "\(name) = \(ipText(best.key)) (\(best.value.count) of its access-log requests match sensor flows to that address)"
            )
        }
    }

    /// How host addresses were learned, for the report.
    public internal(set) var learned: [String] = []

    /// Names the sensor's traffic gives addresses no host log claims (`networkHostNames`: per-host capture files,
    /// Kerberos service principals, NTLM and SMB names, DNS answers), for the whole evidence; one name per address,
    /// by the strength of its source. A name that differs only in case from a known host is that host.
    mutating func learnFromNetworkNames() {
        guard store.kind.contains(where: { [.dns, .kerberos, .ntlm, .smb, .flow].contains($0) }) else { return }
        let inside = networks
        let names = networkHostNames(store: store, isInternal: { inside.contains($0) }, filePaths: filePaths)
        guard !names.isEmpty else { return }
        func rank(_ s: NetworkName.Source) -> Int {
            switch s {
            case .captureFile: 0
            case .kerberosService: 1
            case .ntlmServer: 2
            case .smbPath: 3
            case .dnsAnswer: 4
            case .ntlmClient: 5
            }
        }
        var best: [UInt32: NetworkName] = [:]
        for n in names {
            if let b = best[n.addressID], rank(b.source) <= rank(n.source) { continue }
            best[n.addressID] = n
        }
        var known: [String: String] = [:]  // lower-cased → as the logs spell it
        for name in hostAddresses.keys { known[name.lowercased()] = name }
        for i in 0..<store.count where store.host[i] != 0 {
            let h = store.string(store.host[i])
            if known[h.lowercased()] == nil { known[h.lowercased()] = h }
        }
        for (addr, n) in best.sorted(by: { $0.key < $1.key }) where learnedOwners[addr] == nil {
            let name = known[n.name.lowercased()] ?? n.name
            known[name.lowercased()] = name
            hostAddresses[name, default: []].insert(addr)
            learnedOwners[addr] = [
                Owner(
                    host: name, from: Int64.min, to: Int64.max, seenFirst: store.time[n.evidence],
                    seenLast: store.time[n.evidence], source: n.source.rawValue, evidence: n.evidence)
            ]
            learned.append("\(name) = \(ipText(addr)) (\(n.source.rawValue); \(place(n.evidence)))")
        }
    }
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
