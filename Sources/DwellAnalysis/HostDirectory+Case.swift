import DwellCore
import DwellIndex

/// The host directory as a persistent case keeps it (in `analysis.dwell`): what it learned, so that
/// `investigate --case DIR --seed X` asks the same directory without learning it again from the store (the
/// sightings walk is most of such a run). Valid only with the store it was learned from: it records the event
/// and address counts, and a case whose store was rebuilt (`dwell index` on grown evidence) keeps none.
extension HostDirectory {
    /// What a directory learned from its store, its `--hosts` rows and `--internal` networks.
    public struct Snapshot: Sendable {
        var events: Int
        var addresses: Int
        var maxOwnAddresses: Int
        var networks: InternalNetworks
        var hostAddresses: [String: Set<UInt32>]
        var learnedOwners: [UInt32: [Owner]]
        var givenOwners: [UInt32: [Owner]]
        /// How addresses were learned and the conflicts met, for the report.
        var learned: [String]
        var conflicts: [String]
    }

    public var snapshot: Snapshot {
        Snapshot(
            events: store.count, addresses: store.addresses.count, maxOwnAddresses: maxOwnAddresses,
            networks: networks, hostAddresses: hostAddresses, learnedOwners: learnedOwners, givenOwners: givenOwners,
            learned: learned, conflicts: conflicts)
    }

    /// The directory `learned` describes, over its store; nil when `store` is not the one it was learned from.
    init?(store: EventStore, filePaths: [String], restoring l: Snapshot) {
        self.init(
            events: store.count, addresses: store.addresses.count, store: store, filePaths: filePaths, restoring: l)
    }

    /// The directory `l` describes for the correlator over a store mapped from a case (`Correlator` over
    /// `MappedEventStore`), given that store's event and address counts; nil when they are not the snapshot's.
    /// It holds no store: the correlator reads addresses and evidence from its own (`addressBindings(in:)`), and
    /// the detectors, which read the directory's store, are given a directory learned from a store in memory.
    public init?(events: Int, addresses: Int, filePaths: [String], restoring l: Snapshot) {
        self.init(events: events, addresses: addresses, store: EventStore(), filePaths: filePaths, restoring: l)
    }

    init?(events: Int, addresses: Int, store: EventStore, filePaths: [String], restoring l: Snapshot) {
        guard l.events == events, l.addresses == addresses, l.networks.inside.count <= addresses + 1 else { return nil }
        self.store = store
        self.filePaths = filePaths
        maxOwnAddresses = l.maxOwnAddresses
        networks = l.networks
        hostAddresses = l.hostAddresses
        learnedOwners = l.learnedOwners
        givenOwners = l.givenOwners
        learned = l.learned
        conflicts = l.conflicts
    }
}

extension HostDirectory.Snapshot {
    /// Written in a fixed order (hosts by name, addresses by id), so the same directory gives the same bytes.
    public func write(to w: inout BinaryWriter) {
        w.int(events)
        w.int(addresses)
        w.int(maxOwnAddresses)
        w.string(networks.basis.rawValue)
        w.int(networks.networks.count)
        for n in networks.networks {
            n.address.write(to: &w)
            w.int(n.prefixLength)
        }
        w.optionalString(networks.caveat)
        w.array(networks.inside.map { $0 ? UInt8(1) : 0 })
        w.int(hostAddresses.count)
        for (host, ids) in hostAddresses.sorted(by: { $0.key < $1.key }) {
            w.string(host)
            w.array(ids.sorted())
        }
        for owners in [learnedOwners, givenOwners] {
            w.int(owners.count)
            for (id, list) in owners.sorted(by: { $0.key < $1.key }) {
                w.u32(id)
                w.int(list.count)
                for o in list {
                    w.string(o.host)
                    w.i64(o.from)
                    w.i64(o.to)
                    w.bool(o.seenFirst != nil)
                    w.i64(o.seenFirst ?? 0)
                    w.bool(o.seenLast != nil)
                    w.i64(o.seenLast ?? 0)
                    w.string(o.source)
                    w.bool(o.evidence != nil)
                    w.int(o.evidence ?? 0)
                }
            }
        }
        w.strings(learned)
        w.strings(conflicts)
    }

    public init(reading r: inout BinaryReader) throws(BinaryFormatError) {
        let eventCount = try r.int()
        events = eventCount
        addresses = try r.int()
        maxOwnAddresses = try r.int()
        let at = r.position
        guard let basis = InternalNetworks.Basis(rawValue: try r.string()) else {
            throw BinaryFormatError(offset: at, what: "host directory: inside/outside basis")
        }
        var nets: [IPNetwork] = []
        for _ in 0..<(try r.count(minimumBytes: 24)) {
            nets.append(IPNetwork(address: try IPAddress(reading: &r), prefixLength: try r.int()))
        }
        let caveat = try r.optionalString()
        let inside: [UInt8] = try r.array()
        networks = InternalNetworks(basis: basis, networks: nets, caveat: caveat, inside: inside.map { $0 != 0 })
        hostAddresses = [:]
        for _ in 0..<(try r.count(minimumBytes: 16)) {
            let host = try r.string()
            let ids: [UInt32] = try r.array()
            hostAddresses[host] = Set(ids)
        }
        func owners() throws(BinaryFormatError) -> [UInt32: [HostDirectory.Owner]] {
            var out: [UInt32: [HostDirectory.Owner]] = [:]
            for _ in 0..<(try r.count(minimumBytes: 12)) {
                let id = try r.u32()
                var list: [HostDirectory.Owner] = []
                for _ in 0..<(try r.count(minimumBytes: 44)) {
                    let host = try r.string()
                    let from = try r.i64()
                    let to = try r.i64()
                    let hasFirst = try r.bool()
                    let first = try r.i64()
                    let hasLast = try r.bool()
                    let last = try r.i64()
                    let source = try r.string()
                    let hasEvidence = try r.bool()
                    let evidence = try r.int()
                    guard !hasEvidence || (evidence >= 0 && evidence < eventCount) else {
                        throw BinaryFormatError(offset: r.position, what: "host directory: evidence past the events")
                    }
                    list.append(
                        HostDirectory.Owner(
                            host: host, from: from, to: to, seenFirst: hasFirst ? first : nil,
                            seenLast: hasLast ? last : nil, source: source, evidence: hasEvidence ? evidence : nil))
                }
                out[id] = list
            }
            return out
        }
        learnedOwners = try owners()
        givenOwners = try owners()
        learned = try r.strings()
        conflicts = try r.strings()
    }
}
