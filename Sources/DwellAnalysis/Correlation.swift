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

    public init(
        store: EventStore, filePaths: [String], findings: [Finding], hostMap: [(IPAddress, String)] = [],
        hostEntries: [HostMapEntry] = [], ownTraffic: OwnTrafficLines = OwnTrafficLines(),
        options: CorrelationOptions = CorrelationOptions()
    ) {
        self.store = store
        self.filePaths = filePaths
        self.findings = findings
        self.options = options
        learnFromSightings(ownTraffic)
        learnWebServerAddresses()
        let given = hostEntries + hostMap.map { HostMapEntry(address: $0.0, host: $0.1) }
        for e in given {
            guard let id = store.addressID(of: e.address) else { continue }
            hostAddresses[e.host, default: []].insert(id)
            let to = e.to.map { $0.microseconds == Int64.max ? Int64.max : $0.microseconds + 1 } ?? Int64.max
            givenOwners[id, default: []].append(
                Owner(
                    host: e.host, from: e.from?.microseconds ?? Int64.min, to: to, seenFirst: e.from?.microseconds,
                    seenLast: e.to?.microseconds, source: e.origin))
        }
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
    public var addressBindings: [HostAddressBinding] {
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
        var firstPosition: Int
        var lastPosition: Int
    }

    /// Learns addresses from what hosts log about themselves: sshd's `Connection from A port N on B port M` names
    /// B as the logging host's address, and a locally originated packet (`OwnTraffic`: `OUT=` without `IN=`) names
    /// its `SRC=`. The store is in time order, so each address's sightings come in time order: consecutive
    /// sightings by the same host form one run, and a run lasts until another host is seen with the address.
    /// Two hosts seen with one address are never merged: each keeps its ranges, and `conflicts` says so.
    /// - Complexity: O(n) over the store, plus O(1) per firewall event to look up its direction.
    mutating func learnFromSightings(_ ownTraffic: OwnTrafficLines) {
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
        for (h, sources) in ownSources.sorted(by: { $0.key < $1.key }) where sources.count > options.maxOwnAddresses {
            gateways.insert(h)
            conflicts.append(
                "\(store.string(h)) logged outgoing packets (OUT= without IN=) from \(sources.count) source addresses, more than \(options.maxOwnAddresses): taken for a gateway logging forwarded packets in POSTROUTING (or forged sources); no address learned from them"
            )
        }
        var runs: [UInt32: [Run]] = [:]
        for i in 0..<store.count where store.host[i] != 0 {
            let addr: UInt32
            let own: Bool
            switch store.kind[i] {
            case .connect where store.destinationIP[i] != 0:
                addr = store.destinationIP[i]
                own = false
                if let ip = store.address(addr), ip.isLoopback { continue }  // every host is 127.0.0.1
            case .firewall where !isOwn.isEmpty && isOwn[i] && !gateways.contains(store.host[i]):
                addr = store.sourceIP[i]
                own = true
            default:
                continue
            }
            let h = store.host[i]
            let t = store.time[i]
            if var list = runs[addr], list[list.count - 1].host == h {
                let k = list.count - 1
                list[k].last = t
                list[k].lastPosition = i
                if own { list[k].own += 1 } else { list[k].sshd += 1 }
                runs[addr] = list
            } else {
                runs[addr, default: []].append(
                    Run(
                        host: h, first: t, last: t, sshd: own ? 0 : 1, own: own ? 1 : 0, firstPosition: i,
                        lastPosition: i))
            }
        }
        for (addr, list) in runs.sorted(by: { $0.key < $1.key }) {
            var owners: [Owner] = []
            for (k, r) in list.enumerated() {
                let name = store.string(r.host)
                hostAddresses[name, default: []].insert(addr)
                var sources: [String] = []
                if r.sshd > 0 { sources.append("sshd Connection lines (\(r.sshd))") }
                if r.own > 0 {
                    sources.append(
                        "own outgoing packets (\(r.own); netfilter OUT= without IN=; first \(place(r.firstPosition)))")
                    learned.append(
                        "\(name) = \(ipText(addr)) (\(r.own) outgoing packet(s) logged by \(name)'s own firewall with OUT= set and IN= empty, \(Timestamp(microseconds: r.first).iso8601(fractionDigits: 0)) to \(Timestamp(microseconds: r.last).iso8601(fractionDigits: 0)); first \(place(r.firstPosition)), last \(place(r.lastPosition)))"
                    )
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
        let f = Int(store.fileID[i])
        return "\(f < filePaths.count ? filePaths[f] : "file#\(f)"):\(store.line[i])"
    }

    /// When more than one host was seen with an address, or a host taught nothing: for the report's caveats.
    public private(set) var conflicts: [String] = []

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
                let best = byAddress.max(by: { ($0.value.count, $1.key) < ($1.value.count, $0.key) }),
                best.value.count >= 3
            else { continue }
            let total = byAddress.values.reduce(0) { $0 + $1.count }
            guard best.value.count * 2 > total, learnedOwners[best.key] == nil else { continue }
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
    public private(set) var learned: [String] = []

    struct Joined {
        var time: Int64
        var reason: String
        var evidence: Int
    }

    func ref(_ i: Int) -> EvidenceRef {
        let f = Int(store.fileID[i])
        return EvidenceRef(
            fileID: store.fileID[i], file: f < filePaths.count ? filePaths[f] : "file#\(f)",
            line: UInt64(store.line[i]),
            offset: store.offset[i], raw: [], time: store.timestamp(i))
    }

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
