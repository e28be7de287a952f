import DwellCore
import DwellIndex

/// The address a jump host leaves from, learned from the logins made out of it.
///
/// A host that people only reach from the Internet (its public address, or one the sensor does not see) teaches
/// no inside address by the other rules: no login to it matches a flow to its inside address. Yet the logins it
/// makes onward name that address as their source on every host they reach, and each is made by an account that
/// holds a session on it at that moment. When the logins from an inside address nobody else claims are made, time
/// after time and by more than one account, while the account holds a session on one logged host and on no other,
/// that host is the address's: the way an analyst reads `Accepted … from 10.20.0.5` on db-1 a minute after the
/// same account's login to the jump host.
extension HostDirectory {
    /// The fewest onward logins that name a host as an address's (each while the account held a session there).
    static let hopSourceMinimumLogins = 3
    /// How long a session without a logged close is taken to stay open, for this rule.
    static let hopSourceSessionMicros: Int64 = 12 * 3_600_000_000

    /// Learns the inside addresses no other rule placed from the logins made out of them (see the extension's
    /// comment). An address is learned for host G when at least `hopSourceMinimumLogins` of its logins were made
    /// while the account held an open session on G and on no other logged host, by at least two accounts (or one
    /// account on three different days), and those logins are more than half of all its logins and more than twice
    /// those naming any other host.
    /// - Complexity: O(n) over the store, plus O(s) per login for the account's s open sessions.
    mutating func learnHopSources() {
        struct ProcessKey: Hashable {
            var host: UInt32
            var program: UInt32
            var pid: Int32
        }
        struct OpenSession {
            var host: UInt32
            var user: UInt32
            var start: Int64
        }
        struct Votes {
            var perHost: [UInt32: Int] = [:]
            var users: [UInt32: Set<UInt32>] = [:]
            var days: [UInt32: Set<Int64>] = [:]
            var first: [UInt32: Int] = [:]
            var last: [UInt32: Int] = [:]
            var logins = 0
        }
        let internalAddress = [false] + store.addresses.map(\.isInternal)
        // Open sessions by (host, program, pid), and each account's open ones.
        var open: [ProcessKey: OpenSession] = [:]
        var openByUser: [UInt32: [ProcessKey]] = [:]
        var votes: [UInt32: Votes] = [:]
        for i in 0..<store.count {
            let kind = store.kind[i]
            let host = store.host[i]
            guard host != 0 else { continue }
            switch kind {
            case .sessionClose, .disconnect:
                guard store.pid[i] >= 0 else { continue }
                let key = ProcessKey(host: host, program: store.program[i], pid: store.pid[i])
                if let s = open.removeValue(forKey: key) {
                    openByUser[s.user]?.removeAll { $0 == key }
                }
            case .authSuccess:
                let user = store.user[i]
                guard user != 0 else { continue }
                let t = store.time[i]
                let source = store.sourceIP[i]
                if source != 0, Int(source) < internalAddress.count, internalAddress[Int(source)],
                    learnedOwners[source] == nil, givenOwners[source] == nil
                {
                    var holders: Set<UInt32> = []
                    for key in openByUser[user] ?? [] {
                        guard let s = open[key], s.host != host, t - s.start <= Self.hopSourceSessionMicros else {
                            continue
                        }
                        holders.insert(s.host)
                    }
                    var v = votes[source] ?? Votes()
                    v.logins += 1
                    if holders.count == 1, let g = holders.first {
                        v.perHost[g, default: 0] += 1
                        v.users[g, default: []].insert(user)
                        v.days[g, default: []].insert(t / 86_400_000_000)
                        if v.first[g] == nil { v.first[g] = i }
                        v.last[g] = i
                    }
                    votes[source] = v
                }
                guard store.pid[i] >= 0 else { continue }
                let key = ProcessKey(host: host, program: store.program[i], pid: store.pid[i])
                if let old = open[key] { openByUser[old.user]?.removeAll { $0 == key } }
                open[key] = OpenSession(host: host, user: user, start: t)
                // Sessions left open past the rule's horizon are dropped as the account's list is walked.
                var list = openByUser[user] ?? []
                list.removeAll { k in
                    guard let s = open[k] else { return true }
                    if t - s.start > Self.hopSourceSessionMicros {
                        open.removeValue(forKey: k)
                        return true
                    }
                    return false
                }
                list.append(key)
                openByUser[user] = list
            default:
                continue
            }
        }
        for (addr, v) in votes.sorted(by: { $0.key < $1.key }) {
            let ranked = v.perHost.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
            guard let best = ranked.first, best.value >= Self.hopSourceMinimumLogins, best.value * 2 > v.logins,
                ranked.count < 2 || best.value > 2 * ranked[1].value,
                (v.users[best.key]?.count ?? 0) >= 2 || (v.days[best.key]?.count ?? 0) >= 3,
                let first = v.first[best.key], let last = v.last[best.key]
            else { continue }
            let name = store.string(best.key)
            hostAddresses[name, default: []].insert(addr)
            let accounts = v.users[best.key]?.count ?? 0
            let source =
                "logins made from it while the account held a session on \(name) (\(best.value) of \(v.logins), \(accounts) account(s); first \(place(first)))"
            learnedOwners[addr] = [
                Owner(
                    host: name, from: Int64.min, to: Int64.max, seenFirst: store.time[first],
                    seenLast: store.time[last], source: source, evidence: first)
            ]
            learned.append("\(name) = \(ipText(addr)) (\(source))")
        }
    }
}
