import DwellCore
import DwellIndex

/// A host name the network traffic gives an address, with how it is known and the event that shows it.
public struct NetworkName: Sendable, Hashable {
    public enum Source: String, Sendable {
        /// An A/AAAA answer for the name pointing at an internal address.
        case dnsAnswer = "DNS answer"
        /// A Kerberos service ticket for `CLASS/NAME` followed by the client's connection to that service.
        case kerberosService = "Kerberos service principal"
        /// The server's NetBIOS/DNS computer name in an NTLM exchange.
        case ntlmServer = "NTLM server name"
        /// The client's workstation name in an NTLM exchange.
        case ntlmClient = "NTLM client host name"
        /// The server named in an SMB tree path (`\\NAME\share`).
        case smbPath = "SMB share path"
        /// A per-host capture (`NEWYORK_conn.log`) whose every record involves one address.
        case captureFile = "per-host capture file name"
    }

    public var addressID: UInt32
    public var name: String
    public var source: Source
    /// The event position that shows it.
    public var evidence: Int
}

/// Host names of addresses from what the sensor saw: DNS answers, Kerberos service principals, NTLM and SMB names.
///
/// Names are the first label, as logged (`newyork.dmevals.local` → `newyork`; `HTTP/NEWYORK` → `NEWYORK`).
/// Each (address, name) pair is returned once, at its first evidence, in address order.
/// - Parameters:
///   - isInternal: whether an address id is inside; DNS answers name only internal addresses (an outside address
///     answers for many names: CDNs, shared hosting).
///   - followSeconds: how long after a Kerberos service ticket the client's connection to that service may start.
/// - Complexity: O(*n*) in the events plus O(*k* log *k*) for the *k* Kerberos tickets' follow-up lookups.
public func networkHostNames(
    store: EventStore, isInternal: (UInt32) -> Bool, filePaths: [String] = [], followSeconds: Int64 = 120
) -> [NetworkName] {
    var out: [NetworkName] = []
    var seen: Set<String> = []
    func add(_ id: UInt32, _ raw: String, _ source: NetworkName.Source, _ i: Int) {
        let name = shortName(raw)
        guard id != 0, !name.isEmpty, IPAddress(name) == nil,
            seen.insert("\(id) \(name.lowercased())").inserted
        else { return }
        out.append(NetworkName(addressID: id, name: name, source: source, evidence: i))
    }
    // Connections by client, for the Kerberos follow-up: (time, responder, port).
    var connections: [UInt32: [(Int64, UInt32, UInt16)]] = [:]
    var tickets: [(Int, String, String)] = []  // (position, service class, host name)
    var answers: [UInt32: UInt32] = [:]  // answer symbol → address id (0: not an address the store holds)
    for i in 0..<store.count {
        switch store.kind[i] {
        case .dns:
            let q = store.domain[i]
            let answer = store.detail[i]
            guard q != 0, answer != 0 else { continue }
            // Each distinct answer is parsed once (most answers repeat).
            let id: UInt32
            if let known = answers[answer] {
                id = known
            } else {
                id = IPAddress(store.string(answer)).flatMap { store.addressID(of: $0) } ?? 0
                answers[answer] = id
            }
            guard id != 0, isInternal(id) else { continue }
            add(id, store.string(q), .dnsAnswer, i)
        case .kerberos:
            let service = store.service[i]
            guard service != 0, store.sourceIP[i] != 0, store.outcome[i] != .failure else { continue }
            let parts = store.string(service).split(separator: "/")
            guard parts.count >= 2 else { continue }
            let cls = parts[0].lowercased()
            guard cls != "krbtgt", cls != "kadmin" else { continue }
            tickets.append((i, cls, String(parts[1])))
        case .ntlm:
            if store.service[i] != 0 {
                add(store.destinationIP[i], store.string(store.service[i]), .ntlmServer, i)
            }
            if store.detail[i] != 0 {
                add(store.sourceIP[i], store.string(store.detail[i]), .ntlmClient, i)
            }
        case .smb:
            guard store.path[i] != 0 else { continue }
            let p = store.string(store.path[i])
            guard p.hasPrefix("\\\\") else { continue }
            let host = p.dropFirst(2).split(separator: "\\").first.map(String.init) ?? ""
            add(store.destinationIP[i], host, .smbPath, i)
        default: continue
        }
    }
    // The connections of the clients that obtained tickets only.
    let clients = Set(tickets.map { store.sourceIP[$0.0] })
    if !clients.isEmpty {
        for i in 0..<store.count where store.kind[i] == .flow && clients.contains(store.sourceIP[i]) {
            let d = store.destinationIP[i]
            if d != 0, store.destinationPort[i] != 0 {
                connections[store.sourceIP[i], default: []].append((store.time[i], d, store.destinationPort[i]))
            }
        }
    }
    for (i, cls, host) in tickets {
        guard let list = connections[store.sourceIP[i]] else { continue }
        let ports = servicePorts(cls)
        let t = store.time[i]
        let limit = t + followSeconds * 1_000_000
        // The list is in time order (the store is): the first connection at or after the ticket.
        var lo = 0
        var hi = list.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if list[mid].0 < t { lo = mid + 1 } else { hi = mid }
        }
        for k in lo..<list.count {
            let (ct, d, p) = list[k]
            if ct > limit { break }
            if ports.contains(p) {
                add(d, host, .kerberosService, i)
                break
            }
        }
    }
    for (file, host) in captureHosts(filePaths) {
        // The address in every record of the file, and in more of them than any other.
        var counts: [UInt32: Int] = [:]
        var first: [UInt32: Int] = [:]
        var records = 0
        for i in 0..<store.count where Int(store.fileID[i]) == file {
            let s = store.sourceIP[i]
            let d = store.destinationIP[i]
            guard s != 0 || d != 0 else { continue }
            records += 1
            for a in s == d ? [s] : [s, d] where a != 0 {
                counts[a, default: 0] += 1
                if first[a] == nil { first[a] = i }
            }
        }
        let ranked = counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
        guard records > 0, let top = ranked.first, top.value == records,
            ranked.count < 2 || ranked[1].value < top.value, let i = first[top.key]
        else { continue }
        add(top.key, host, .captureFile, i)
    }
    out.sort { ($0.addressID, $0.evidence) < ($1.addressID, $1.evidence) }
    return out
}

/// Files named `HOST_LOG.log` after a Zeek log (`UTICA-A_conn.log`): file id → host name.
func captureHosts(_ paths: [String]) -> [(Int, String)] {
    let logs = [
        "conn", "dns", "http", "ssl", "ssh", "kerberos", "smb", "rdp", "dce_rpc", "files", "notice", "ntlm", "weird",
        "x509",
    ]
    var out: [(Int, String)] = []
    for (k, path) in paths.enumerated() {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let underscore = name.firstIndex(of: "_") else { continue }
        let host = String(name[..<underscore])
        let rest = name[name.index(after: underscore)...]
        guard !host.isEmpty, logs.contains(where: { rest.hasPrefix($0 + ".") || rest.hasPrefix($0 + "_") }) else {
            continue
        }
        out.append((k, host))
    }
    return out
}

/// The ports a Kerberos service class is reached on.
func servicePorts(_ serviceClass: String) -> Set<UInt16> {
    switch serviceClass.lowercased() {
    case "http": [5985, 5986, 80, 443, 8080]
    case "wsman": [5985, 5986]
    case "cifs": [445, 139]
    case "host": [445, 135, 3389, 22, 5985, 5986]
    case "rpcss": [135]
    case "termsrv": [3389]
    case "ldap": [389, 636, 3268]
    case "mssqlsvc": [1433]
    default: []
    }
}

/// `newyork.dmevals.local` → `newyork`; `NEWYORK$` → `NEWYORK`; `NEWYORK:5985` → `NEWYORK`.
func shortName(_ s: String) -> String {
    var t = Substring(s)
    if let colon = t.firstIndex(of: ":") { t = t[..<colon] }
    if let dot = t.firstIndex(of: "."), t.first.map({ !$0.isNumber }) ?? false { t = t[..<dot] }
    while t.last == "$" { t = t.dropLast() }
    return String(t)
}
