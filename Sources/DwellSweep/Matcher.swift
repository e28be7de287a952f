import DwellCore

#if canImport(Glibc)
import Glibc
#endif

/// The event field an indicator was found in.
public enum MatchField: String, Sendable {
    case sourceIP = "src_ip"
    case destinationIP = "dst_ip"
    case forwardedFor = "forwarded_for"
    case user
    case targetUser = "target_user"
    case host
    case domain
    case virtualHost = "vhost"
    case path
    case userAgent = "user_agent"
    case fileHash = "hash"
    /// Found in the raw line (hashes always; every type on unparsed lines or with `--raw`).
    case raw
}

/// One comparison that held: which atom, in which field.
public struct AtomMatch: Equatable, Sendable {
    public var atom: Int32
    public var field: MatchField
}

/// Compiled indicators: lookups that stay fast with hundreds of thousands of them.
///
/// - IPs: a hash table of single addresses, and one hash table per CIDR prefix length present (the address masked to
///   that length), so a lookup costs one probe plus one per distinct prefix length (at most 129), whatever the count.
/// - Users, hosts, domains, exact paths and user agents: hash tables on the bytes. A domain is looked up with each of
///   its parents (`a.b.evil.example`, `b.evil.example`, `evil.example`); path prefixes are looked up once per distinct
///   prefix length. User-agent prefix/substring patterns are compared one by one, once per distinct user agent.
/// - Symbol fields are judged once per distinct symbol of a file (`MatchCache`), not once per event.
public struct Matcher: Sendable {
    public let rules: [IOCRule]
    public let atoms: [IOCAtom]
    /// For each atom, its rule; atoms with the same key are chained (`nextSame`, -1 ends), the tables hold the first.
    let atomRule: [Int32]
    let nextSame: [Int32]

    let ipExact: [IPAddress: Int32]
    let ipPrefixes: [(length: Int, table: [IPAddress: Int32])]
    let users: [[UInt8]: Int32]
    let hosts: [[UInt8]: Int32]
    let domains: [[UInt8]: Int32]
    let urlExact: [[UInt8]: [Int32]]
    let urlPrefix: [[UInt8]: [Int32]]
    let urlPrefixLengths: [Int]
    let uaExact: [[UInt8]: Int32]
    let uaPatterns: [(bytes: [UInt8], mode: MatchMode, atom: Int32)]
    let hashes: [[UInt8]: Int32]

    public let hasIP: Bool
    public let hasUser: Bool
    public let hasHost: Bool
    public let hasDomain: Bool
    public let hasURL: Bool
    public let hasUA: Bool
    public let hasHash: Bool

    public init(rules: [IOCRule]) {
        self.rules = rules
        var atoms: [IOCAtom] = []
        var atomRule: [Int32] = []
        for (r, rule) in rules.enumerated() {
            for a in rule.atoms {
                atoms.append(a)
                atomRule.append(Int32(r))
            }
        }
        var nextSame = [Int32](repeating: -1, count: atoms.count)
        var lastSame: [Int32: Int32] = [:]
        /// The table's head for a key: the first atom; later ones are chained after it.
        func chain(_ head: Int32?, _ id: Int32) -> Int32 {
            guard let head else { return id }
            let tail = lastSame[head] ?? head
            nextSame[Int(tail)] = id
            lastSame[head] = id
            return head
        }
        self.atoms = atoms
        self.atomRule = atomRule

        var ipExact: [IPAddress: Int32] = [:]
        var byLength: [Int: [IPAddress: Int32]] = [:]
        var users: [[UInt8]: Int32] = [:]
        var hosts: [[UInt8]: Int32] = [:]
        var domains: [[UInt8]: Int32] = [:]
        var urlExact: [[UInt8]: [Int32]] = [:]
        var urlPrefix: [[UInt8]: [Int32]] = [:]
        var uaExact: [[UInt8]: Int32] = [:]
        var uaPatterns: [(bytes: [UInt8], mode: MatchMode, atom: Int32)] = []
        var hashes: [[UInt8]: Int32] = [:]
        for (i, a) in atoms.enumerated() {
            let id = Int32(i)
            let bytes = Array(a.value.utf8)
            switch a.type {
            case .ip:
                guard let n = a.network else { continue }
                if n.prefixLength == 128 { ipExact[n.address] = chain(ipExact[n.address], id) } else {
                    byLength[n.prefixLength, default: [:]][n.address] = chain(byLength[n.prefixLength]?[n.address], id)
                }
            case .user: users[bytes] = chain(users[bytes], id)
            case .host: hosts[bytes] = chain(hosts[bytes], id)
            case .domain: domains[bytes] = chain(domains[bytes], id)
            case .url:
                if a.mode == .exact { urlExact[bytes, default: []].append(id) } else { urlPrefix[bytes, default: []].append(id) }
            case .userAgent:
                if a.mode == .exact { uaExact[bytes] = chain(uaExact[bytes], id) } else { uaPatterns.append((bytes, a.mode, id)) }
            case .hash: hashes[bytes] = chain(hashes[bytes], id)
            }
        }
        self.nextSame = nextSame
        self.ipExact = ipExact
        ipPrefixes = byLength.keys.sorted(by: >).map { ($0, byLength[$0] ?? [:]) }
        self.users = users
        self.hosts = hosts
        self.domains = domains
        self.urlExact = urlExact
        self.urlPrefix = urlPrefix
        urlPrefixLengths = Set(urlPrefix.keys.map(\.count)).sorted()
        self.uaExact = uaExact
        self.uaPatterns = uaPatterns
        self.hashes = hashes
        hasIP = !ipExact.isEmpty || !ipPrefixes.isEmpty
        hasUser = !users.isEmpty
        hasHost = !hosts.isEmpty
        hasDomain = !domains.isEmpty
        hasURL = !urlExact.isEmpty || !urlPrefix.isEmpty
        hasUA = !uaExact.isEmpty || !uaPatterns.isEmpty
        hasHash = !hashes.isEmpty
    }

    // MARK: single values

    /// Every atom whose address or range holds `ip`: the exact address first, then ranges from the narrowest.
    /// - Complexity: O(1 + number of distinct prefix lengths).
    public func matchIP(_ ip: IPAddress, _ body: (Int32) -> Void) {
        if let a = ipExact[ip] { body(a) }
        for p in ipPrefixes {
            if let a = p.table[IPNetwork.masked(ip, p.length)] { body(a) }
        }
    }

    func matchUser(_ b: UnsafeBufferPointer<UInt8>, into out: inout [Int32]) {
        if let a = users[Array(b)] { out.append(a) }
    }

    func matchHost(_ b: UnsafeBufferPointer<UInt8>, into out: inout [Int32]) {
        let lower = Matcher.lowered(b)
        if let a = hosts[lower] {
            out.append(a)
        } else if let dot = lower.firstIndex(of: UInt8(ascii: ".")), let a = hosts[Array(lower[..<dot])] {
            out.append(a)  // web01.corp.example logged, host:web01 listed
        }
    }

    /// The name and each parent: `a.b.evil.example` → itself, `b.evil.example`, `evil.example`, `example`.
    func matchDomain(_ b: UnsafeBufferPointer<UInt8>, stripPort: Bool, into out: inout [Int32]) {
        var name = Matcher.lowered(b)
        if stripPort, !name.isEmpty, name[0] != UInt8(ascii: "["), let colon = name.lastIndex(of: UInt8(ascii: ":")) {
            name.removeSubrange(colon...)
        }
        if name.last == UInt8(ascii: ".") { name.removeLast() }
        guard !name.isEmpty else { return }
        var start = 0
        while start < name.count {
            if let a = domains[Array(name[start...])] { out.append(a) }
            guard let dot = name[start...].firstIndex(of: UInt8(ascii: ".")) else { break }
            start = dot + 1
        }
    }

    func matchPath(_ b: UnsafeBufferPointer<UInt8>, into out: inout [Int32]) {
        var path = Array(b)
        if let q = path.firstIndex(where: { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }) {
            path.removeSubrange(q...)
        }
        if let list = urlExact[path] { out += list }
        for n in urlPrefixLengths {
            guard n <= path.count else { break }
            if let list = urlPrefix[Array(path[0..<n])] { out += list }
        }
    }

    func matchUserAgent(_ b: UnsafeBufferPointer<UInt8>, into out: inout [Int32]) {
        if let a = uaExact[Array(b)] { out.append(a) }
        for p in uaPatterns {
            switch p.mode {
            case .prefix: if b.starts(with: p.bytes) { out.append(p.atom) }
            case .substring, .exact: if Matcher.contains(b, p.bytes) { out.append(p.atom) }
            }
        }
    }

    func matchHash(_ b: UnsafeBufferPointer<UInt8>, into out: inout [Int32]) {
        if let a = hashes[Matcher.lowered(b)] { out.append(a) }
    }

    /// X-Forwarded-For: a comma-separated list of addresses (client first).
    func matchForwarded(_ b: UnsafeBufferPointer<UInt8>, into out: inout [Int32]) {
        var start = 0
        let n = b.count
        while start < n {
            var end = start
            while end < n, b[end] != UInt8(ascii: ",") { end += 1 }
            var s = start
            var e = end
            while s < e, b[s] == 0x20 { s += 1 }
            while e > s, b[e - 1] == 0x20 { e -= 1 }
            if let ip = IPAddress.parse(b.span, s..<e) { matchIP(ip) { out.append($0) } }
            start = end + 1
        }
    }

    static func lowered(_ b: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var out = Array(b)
        for i in out.indices where out[i] >= 0x41 && out[i] <= 0x5a { out[i] |= 0x20 }
        return out
    }

    static func contains(_ hay: UnsafeBufferPointer<UInt8>, _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty else { return true }
        guard hay.count >= needle.count, let h = hay.baseAddress else { return false }
        return needle.withUnsafeBufferPointer { n -> Bool in
            guard let nb = n.baseAddress else { return true }
            let first = Int32(nb.pointee)
            var at = 0
            let last = hay.count - n.count
            while at <= last {
                guard let hit = memchr(h + at, first, last - at + 1) else { return false }
                let k = h.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                if memcmp(h + k, nb, n.count) == 0 { return true }
                at = k + 1
            }
            return false
        }
    }

    // MARK: events

    /// Judges one event: every atom that holds, with its field. Symbol fields are judged once per symbol (`cache`).
    public func match(
        _ e: Event, line: Span<UInt8>, symbols: SymbolTable, cache: inout MatchCache, rawToo: Bool,
        into out: inout [AtomMatch]
    ) {
        if hasIP {
            if !e.sourceIP.isNone { matchIP(e.sourceIP) { out.append(AtomMatch(atom: $0, field: .sourceIP)) } }
            if !e.destinationIP.isNone { matchIP(e.destinationIP) { out.append(AtomMatch(atom: $0, field: .destinationIP)) } }
            if !e.forwardedFor.isNone {
                cached(.forwarded, e.forwardedFor, symbols, &cache, .forwardedFor, &out) { matchForwarded($0, into: &$1) }
            }
        }
        if hasUser {
            if !e.user.isNone { cached(.user, e.user, symbols, &cache, .user, &out) { matchUser($0, into: &$1) } }
            if !e.targetUser.isNone {
                cached(.user, e.targetUser, symbols, &cache, .targetUser, &out) { matchUser($0, into: &$1) }
            }
        }
        if hasHost, !e.host.isNone { cached(.host, e.host, symbols, &cache, .host, &out) { matchHost($0, into: &$1) } }
        if hasDomain {
            if !e.domain.isNone {
                cached(.domain, e.domain, symbols, &cache, .domain, &out) { matchDomain($0, stripPort: false, into: &$1) }
            }
            if !e.virtualHost.isNone {
                cached(.vhost, e.virtualHost, symbols, &cache, .virtualHost, &out) { matchDomain($0, stripPort: true, into: &$1) }
            }
        }
        if hasURL, !e.path.isNone {
            let start = out.count
            cached(.path, e.path, symbols, &cache, .path, &out) { matchPath($0, into: &$1) }
            if out.count > start { filterURLHosts(&out, from: start, e, symbols) }
        }
        if hasUA, !e.userAgent.isNone {
            cached(.userAgent, e.userAgent, symbols, &cache, .userAgent, &out) { matchUserAgent($0, into: &$1) }
        }
        if hasHash {
            if !e.fileHash.isNone { cached(.hash, e.fileHash, symbols, &cache, .fileHash, &out) { matchHash($0, into: &$1) } }
            line.withUnsafeBufferPointer { scanHashes($0, into: &out) }
        }
        if rawToo { line.withUnsafeBufferPointer { matchRaw($0, hashes: false, into: &out) } }
    }

    /// A full-URL indicator (`http://evil.example/x.php`) also needs the host when the event logged one.
    func filterURLHosts(_ out: inout [AtomMatch], from start: Int, _ e: Event, _ symbols: SymbolTable) {
        let vhost = e.virtualHost.isNone ? (e.domain.isNone ? nil : e.domain) : e.virtualHost
        guard let vhost else { return }
        var logged = symbols.withBytes(vhost) { Matcher.lowered($0) }
        if let colon = logged.lastIndex(of: UInt8(ascii: ":")), logged.first != UInt8(ascii: "[") {
            logged.removeSubrange(colon...)
        }
        var k = start
        while k < out.count {
            if let h = atoms[Int(out[k].atom)].urlHost {
                let want = Array(h.utf8)
                let ok = logged == want || (logged.count > want.count && logged.suffix(want.count + 1) == [UInt8(ascii: ".")] + want)
                if !ok {
                    out.remove(at: k)
                    continue
                }
            }
            k += 1
        }
    }

    @inline(__always)
    func cached(
        _ slot: MatchCache.Slot, _ symbol: Symbol, _ symbols: SymbolTable, _ cache: inout MatchCache, _ field: MatchField,
        _ out: inout [AtomMatch], _ compute: (UnsafeBufferPointer<UInt8>, inout [Int32]) -> Void
    ) {
        let found = cache.lookup(slot, symbol) {
            var atoms: [Int32] = []
            symbols.withBytes(symbol) { compute($0, &atoms) }
            return atoms
        }
        if let found {
            for a in found { out.append(AtomMatch(atom: a, field: field)) }
        }
    }

    // MARK: raw lines

    /// Hex runs of 32, 40 or 64 digits, compared with the hash indicators.
    func scanHashes(_ b: UnsafeBufferPointer<UInt8>, into out: inout [AtomMatch]) {
        var i = 0
        let n = b.count
        while i < n {
            guard IOCList.hexDigit(b[i]) else {
                i += 1
                continue
            }
            var j = i
            while j < n, IOCList.hexDigit(b[j]) { j += 1 }
            let len = j - i
            let boundedBefore = i == 0 || !Matcher.isWordByte(b[i - 1])
            let boundedAfter = j == n || !Matcher.isWordByte(b[j])
            if (len == 32 || len == 40 || len == 64) && boundedBefore && boundedAfter {
                if let a = hashes[Matcher.lowered(UnsafeBufferPointer(rebasing: b[i..<j]))] {
                    out.append(AtomMatch(atom: a, field: .raw))
                }
            }
            i = j
        }
    }

    @inline(__always) static func isWordByte(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c | 0x20 >= 0x61 && c | 0x20 <= 0x7a) || c == 0x5f
    }

    /// Raw-line mode (lines no parser understood, or `--raw`): addresses, domains, paths, user names and
    /// hashes found as tokens of the line, and user-agent patterns as substrings.
    public func matchRaw(_ b: UnsafeBufferPointer<UInt8>, hashes withHashes: Bool = true, into out: inout [AtomMatch]) {
        if hasHash && withHashes { scanHashes(b, into: &out) }
        let n = b.count
        var scratch: [Int32] = []
        func emit() {
            for a in scratch where !out.contains(AtomMatch(atom: a, field: .raw)) { out.append(AtomMatch(atom: a, field: .raw)) }
            scratch.removeAll(keepingCapacity: true)
        }
        if hasIP {
            // Runs of [0-9a-fA-F.:]: IPv4 (with an optional :port), IPv6 with '::' or seven colons.
            var i = 0
            while i < n {
                let c = b[i]
                guard IOCList.hexDigit(c) || c == UInt8(ascii: ":") else {
                    i += 1
                    continue
                }
                var j = i
                var dots = 0
                var colons = 0
                var double = false
                while j < n {
                    let d = b[j]
                    if d == UInt8(ascii: ".") {
                        dots += 1
                    } else if d == UInt8(ascii: ":") {
                        colons += 1
                        if j > i, b[j - 1] == UInt8(ascii: ":") { double = true }
                    } else if !IOCList.hexDigit(d) {
                        break
                    }
                    j += 1
                }
                let before = i == 0 || !Matcher.isWordByte(b[i - 1])
                if before && j - i >= 3 {
                    var end = j
                    while end > i, b[end - 1] == UInt8(ascii: ".") || b[end - 1] == UInt8(ascii: ":") { end -= 1 }
                    if dots == 3 && colons <= 1 {
                        if colons == 1, let c = b[i..<end].firstIndex(of: UInt8(ascii: ":")) { end = c }
                        if let ip = IPAddress.parse(b.span, i..<end) { matchIP(ip) { scratch.append($0) } }
                    } else if double || colons == 7 || (colons >= 2 && dots == 3) {
                        if let ip = IPAddress.parse(b.span, i..<end) { matchIP(ip) { scratch.append($0) } }
                    }
                }
                i = j + 1
            }
            emit()
        }
        if hasDomain || hasUser {
            var i = 0
            while i < n {
                guard Matcher.isNameByte(b[i]) else {
                    i += 1
                    continue
                }
                var j = i
                var dot = false
                while j < n, Matcher.isNameByte(b[j]) {
                    if b[j] == UInt8(ascii: ".") { dot = true }
                    j += 1
                }
                var end = j
                while end > i, b[end - 1] == UInt8(ascii: ".") { end -= 1 }
                let token = UnsafeBufferPointer(rebasing: b[i..<end])
                if hasUser, !token.isEmpty { matchUser(token, into: &scratch) }
                if hasDomain, dot, !token.isEmpty { matchDomain(token, stripPort: false, into: &scratch) }
                i = j + 1
            }
            emit()
        }
        if hasURL {
            var i = 0
            while i < n {
                guard b[i] == UInt8(ascii: "/"), i == 0 || b[i - 1] == 0x20 || b[i - 1] == UInt8(ascii: "\"") || b[i - 1] == UInt8(ascii: "=")
                else {
                    i += 1
                    continue
                }
                var j = i
                while j < n, b[j] != 0x20, b[j] != UInt8(ascii: "\""), b[j] != UInt8(ascii: "'") { j += 1 }
                matchPath(UnsafeBufferPointer(rebasing: b[i..<j]), into: &scratch)
                i = j
            }
            emit()
        }
        if hasUA {
            for (bytes, atom) in uaExact where Matcher.contains(b, bytes) { scratch.append(atom) }
            for p in uaPatterns where Matcher.contains(b, p.bytes) { scratch.append(p.atom) }
            emit()
        }
    }

    @inline(__always) static func isNameByte(_ c: UInt8) -> Bool {
        isWordByte(c) || c == UInt8(ascii: "-") || c == UInt8(ascii: ".") || c == UInt8(ascii: "$") || c == UInt8(ascii: "@")
            || c >= 0x80
    }

    // MARK: rules

    /// Turns the atoms that held into indicator hits: a one-atom rule hits when its atom holds; a conjunction
    /// when all its atoms hold in this event. Each rule hits at most once per event (its first field).
    public func rulesHit(_ matches: [AtomMatch], into hits: inout [(rule: Int32, field: MatchField, atom: Int32)]) {
        guard !matches.isEmpty else { return }
        for m in matches {
            var a = m.atom
            while a >= 0 {
                let r = atomRule[Int(a)]
                a = nextSame[Int(a)]
                if hits.contains(where: { $0.rule == r }) { continue }
                let rule = rules[Int(r)]
                if rule.atomCount > 1 {
                    let all = rule.atoms.allSatisfy { want in
                        matches.contains { atoms[Int($0.atom)] == want }
                    }
                    if !all { continue }
                }
                hits.append((r, m.field, m.atom))
            }
        }
    }
}

extension IPNetwork {
    /// `ip` with the bits past `length` cleared (length over the 128-bit form).
    @inline(__always) static func masked(_ ip: IPAddress, _ length: Int) -> IPAddress {
        let hiMask: UInt64 = length >= 64 ? ~0 : (length <= 0 ? 0 : ~0 << UInt64(64 - length))
        let loLen = length - 64
        let loMask: UInt64 = loLen >= 64 ? ~0 : (loLen <= 0 ? 0 : ~0 << UInt64(64 - loLen))
        return IPAddress(high: ip.high & hiMask, low: ip.low & loMask)
    }
}

/// What the symbols of one file matched, computed once per symbol. Cleared with the file's symbol table.
public struct MatchCache {
    enum Slot: Int, CaseIterable {
        case user, host, domain, vhost, path, userAgent, hash, forwarded
    }

    /// Per slot, per symbol id: 0 = not judged yet, 1 = no match, k ≥ 2 = `lists[k - 2]`.
    var slots: [[UInt32]] = Array(repeating: [], count: Slot.allCases.count)
    var lists: [[Int32]] = []

    public init() {}

    public mutating func clear() {
        for i in slots.indices { slots[i].removeAll(keepingCapacity: false) }
        lists.removeAll()
    }

    @inline(__always)
    mutating func lookup(_ slot: Slot, _ symbol: Symbol, compute: () -> [Int32]) -> [Int32]? {
        let id = Int(symbol.id)
        let s = slot.rawValue
        if id < slots[s].count {
            let v = slots[s][id]
            if v == 1 { return nil }
            if v >= 2 { return lists[Int(v - 2)] }
        } else {
            slots[s].append(contentsOf: repeatElement(0, count: id + 1 - slots[s].count + 64))
        }
        let found = compute()
        if found.isEmpty {
            slots[s][id] = 1
            return nil
        }
        lists.append(found)
        slots[s][id] = UInt32(lists.count + 1)
        return found
    }
}
