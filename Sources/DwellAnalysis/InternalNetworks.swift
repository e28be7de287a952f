import DwellCore
import DwellIndex
import Foundation

/// Which addresses are inside the organisation, and on what basis.
///
/// In order of trust:
/// 1. the sensor's own `local_orig`/`local_resp` flags (Zeek `conn.log`), when logged and when they say more than
///    "private address space" (Zeek's default `Site::local_nets` marks exactly the RFC 1918 ranges local, which says
///    nothing about this network);
/// 2. the networks given with `--internal CIDR,...`;
/// 3. the networks of the sensor's most common infrastructure responders (DNS, Kerberos, LDAP servers on private
///    addresses: the /16 of each for IPv4, the /64 for IPv6), said so in `caveat`;
/// 4. private address space, said so in `caveat`.
///
/// RFC 1918 alone is not "internal": lab and competition attackers live in private space too.
/// - Complexity: O(*n*) in the events to decide, O(1) per address afterwards.
public struct InternalNetworks: Sendable {
    public enum Basis: String, Sendable {
        case sensorFlags = "sensor local_orig/local_resp"
        case given = "--internal"
        case inferred = "inferred from infrastructure responders"
        case privateRanges = "private address ranges"
    }

    public var basis: Basis
    /// The networks used (given or inferred); empty when the sensor's flags or private ranges decide.
    public var networks: [IPNetwork]
    /// A sentence for the report's caveats when the basis is a guess; `nil` when the sensor or `--internal` said.
    public var caveat: String?
    /// By address id (slot 0, no address, is false).
    public var inside: [Bool]

    /// Ports whose private responders are taken for the organisation's own infrastructure when nothing else says
    /// what is internal: DNS, Kerberos, LDAP, global catalog, DHCP.
    static let infrastructurePorts: Set<UInt16> = [53, 88, 389, 636, 3268, 67]

    public func contains(_ id: UInt32) -> Bool { Int(id) < inside.count && inside[Int(id)] }

    /// Parses `--internal` text: CIDRs or single addresses separated by commas.
    /// - Returns: the networks, or `nil` with the first item that is neither.
    public static func parseList(_ text: String) -> Result<[IPNetwork], InternalNetworkListError> {
        var out: [IPNetwork] = []
        for item in text.split(separator: ",") {
            let t = item.trimmingCharacters(in: .whitespaces)
            guard !t.isEmpty else { continue }
            guard let n = IPNetwork(t) else { return .failure(InternalNetworkListError(item: t)) }
            out.append(n)
        }
        return .success(out)
    }

    public init(store: EventStore, given: [IPNetwork] = []) {
        let n = store.addresses.count + 1
        var localVotes = [Int32](repeating: 0, count: n)
        var remoteVotes = [Int32](repeating: 0, count: n)
        var flagged = false
        var infrastructure: [UInt32: Int] = [:]
        for i in 0..<store.count {
            let k = store.kind[i]
            guard k == .flow || k == .dns || k == .kerberos else { continue }
            let bits = store.locality[i]
            if bits != 0 {
                flagged = true
                let s = Int(store.sourceIP[i])
                let d = Int(store.destinationIP[i])
                if bits & Locality.originKnown != 0, s != 0 {
                    if bits & Locality.originLocal != 0 { localVotes[s] += 1 } else { remoteVotes[s] += 1 }
                }
                if bits & Locality.responderKnown != 0, d != 0 {
                    if bits & Locality.responderLocal != 0 { localVotes[d] += 1 } else { remoteVotes[d] += 1 }
                }
            }
            let d = store.destinationIP[i]
            if d != 0, Self.infrastructurePorts.contains(store.destinationPort[i]),
                let a = store.address(d), a.isInternal, !a.isLoopback
            {
                infrastructure[d, default: 0] += 1
            }
        }
        var inside = [Bool](repeating: false, count: n)
        if flagged {
            // Flags that only repeat "private or not" are Zeek's default site and carry no knowledge of this network.
            var echoesPrivate = true
            for id in 1..<n where localVotes[id] + remoteVotes[id] > 0 {
                guard let a = store.address(UInt32(id)) else { continue }
                if (localVotes[id] >= remoteVotes[id]) != a.isInternal {
                    echoesPrivate = false
                    break
                }
            }
            if !echoesPrivate {
                for id in 1..<n {
                    if localVotes[id] + remoteVotes[id] > 0 {
                        inside[id] = localVotes[id] >= remoteVotes[id]
                    } else if let a = store.address(UInt32(id)) {
                        inside[id] = given.contains { $0.contains(a) }
                    }
                }
                self.init(basis: .sensorFlags, networks: given, caveat: nil, inside: inside)
                return
            }
        }
        let echoNote =
            flagged
            ? "the sensor's local_orig/local_resp flags mark exactly the private address ranges (Zeek's default Site::local_nets) and were not trusted; "
            : ""
        if !given.isEmpty {
            for id in 1..<n {
                if let a = store.address(UInt32(id)) { inside[id] = given.contains { $0.contains(a) } }
            }
            self.init(
                basis: .given, networks: given,
                caveat: echoNote.isEmpty
                    ? nil
                    : "internal networks: " + echoNote
                        + "--internal \(given.map(\.description).joined(separator: ",")) used", inside: inside)
            return
        }
        // The most common infrastructure responders: those with at least a tenth of the busiest one's exchanges.
        let busiest = infrastructure.values.max() ?? 0
        let servers = infrastructure.filter { $0.value * 10 >= busiest }.keys.sorted()
        var networks: [IPNetwork] = []
        for id in servers {
            guard let a = store.address(id) else { continue }
            let net = IPNetwork(address: a, prefixLength: a.isV4 ? 96 + 16 : 64)
            if !networks.contains(net) { networks.append(net) }
        }
        if !networks.isEmpty {
            for id in 1..<n {
                if let a = store.address(UInt32(id)) { inside[id] = networks.contains { $0.contains(a) } }
            }
            let names = servers.compactMap { store.address($0)?.description }
            self.init(
                basis: .inferred, networks: networks,
                caveat:
                    "internal networks inferred: \(echoNote)no --internal given, so the networks of the sensor's most common DNS/Kerberos/LDAP servers (\(names.prefix(5).joined(separator: ", "))) are taken as internal: \(networks.map(\.description).joined(separator: ", ")); other private addresses count as outside. Give --internal CIDR,... to set them",
                inside: inside)
            return
        }
        for id in 1..<n { inside[id] = store.address(UInt32(id))?.isInternal ?? false }
        self.init(
            basis: .privateRanges, networks: [],
            caveat:
                "internal networks unknown: \(echoNote)no --internal given and no internal DNS/Kerberos/LDAP server seen, so private address space is taken as internal (an attacker in private space would count as inside). Give --internal CIDR,... to set them",
            inside: inside)
    }

    init(basis: Basis, networks: [IPNetwork], caveat: String?, inside: [Bool]) {
        self.basis = basis
        self.networks = networks
        self.caveat = caveat
        self.inside = inside
    }
}

/// An `--internal` item that is neither a CIDR nor an address.
public struct InternalNetworkListError: Error, Sendable, CustomStringConvertible {
    public var item: String
    public var description: String {
        "'\(item)' is not a network (CIDR such as 10.0.0.0/16) or an address"
    }
}
