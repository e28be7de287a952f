import DwellCore
import DwellIndex
import DwellTestSupport
import Testing

@testable import DwellAnalysis

/// The host directory matches a host's auth lines to the sensor's flows by client address and source port
/// (`HostDirectory.loginFlowMatches`). It must give exactly what the plain definition gives: for each auth event,
/// the closest flow from the same address and port within the slack (the first in the store of equally close
/// ones), shared front ends left out, in store order.
@Suite struct LoginFlowMatchTests {
    static let loginKinds: [EventKind] = [.authSuccess, .authFailure, .invalidUser, .authProbe, .sessionOpen]

    /// Random auth events and flows over few addresses and ports (so that keys repeat), times in a few minutes
    /// (so that ties and the slack's edges occur), some events without a port, a host or an assignable destination.
    static func store(seed: UInt64, events: Int) -> EventStore {
        var r = SplitMix64(seed: seed)
        func below(_ n: Int) -> Int { Int(r.next() % UInt64(n)) }
        var symbols = SymbolTable()
        let hosts = ["bastion", "web01", "app02"].map { symbols.intern($0) }
        let clients = (1...6).map { "203.0.113.\($0)" }
        // Each (client, port) connects to one server, whose host logs the login (now and then another host does);
        // the last client's connections go to a front end that every host sees (shared: it teaches nothing).
        let servers = ["10.0.0.5", "10.0.0.6", "10.0.0.7"]
        let odd = ["0.0.0.0", "255.255.255.255", "203.0.113.1"]
        var list: [Event] = []
        for n in 0..<events {
            let isFlow = below(2) == 0
            let kind: EventKind =
                isFlow ? (below(5) == 0 ? .sshSession : .flow) : (below(8) == 0 ? .cron : loginKinds[below(5)])
            let c = below(clients.count)
            let port = below(4)
            let server = (c + port) % servers.count
            // Seconds apart, with repeats, across about twice the slack.
            var e = Event(time: Timestamp(microseconds: 1_773_014_400_000_000 + Int64(below(700)) * 1_000_000), kind: kind)
            e.source = SourceRef(fileID: UInt32(isFlow ? 1 : 0), line: UInt64(n + 1), offset: UInt64(n) * 80)
            let frontEnd = c == clients.count - 1
            e.host = below(12) == 0 ? .none : hosts[frontEnd || below(20) == 0 ? below(hosts.count) : server]
            e.sourceIP = IPAddress(clients[c])!
            e.sourcePort = below(8) == 0 ? 0 : UInt16(40_000 + port)
            e.hasSourcePort = e.sourcePort != 0
            if isFlow {
                let to = frontEnd ? "10.0.0.9" : below(10) == 0 ? odd[below(odd.count)] : servers[server]
                e.destinationIP = IPAddress(to)!
                e.destinationPort = 22
                e.hasDestinationPort = true
            }
            list.append(e)
        }
        var b = EventStore.Builder()
        b.add(events: list, symbols: symbols)
        return b.build()
    }

    /// The definition, event by event.
    static func reference(_ store: EventStore) -> [(position: Int32, destination: UInt32)] {
        var best: [(position: Int, destination: UInt32)] = []
        for i in 0..<store.count where loginKinds.contains(store.kind[i]) {
            let (source, port) = (store.sourceIP[i], store.sourcePort[i])
            guard port != 0, source != 0, store.host[i] != 0 else { continue }
            var closest = (distance: Int64.max, destination: UInt32(0))
            for j in 0..<store.count where store.kind[j] == .flow || store.kind[j] == .sshSession {
                let destination = store.destinationIP[j]
                guard store.sourceIP[j] == source, store.sourcePort[j] == port, destination != 0, destination != source,
                    let ip = store.address(destination), OwnTraffic.isAssignable(ip)
                else { continue }
                let d = abs(store.time[i] - store.time[j])
                if d <= HostDirectory.loginFlowSlackMicros && d < closest.distance { closest = (d, destination) }
            }
            if closest.destination != 0 { best.append((i, closest.destination)) }
        }
        var hostsOf: [UInt32: [UInt32: Int]] = [:]
        for b in best { hostsOf[b.destination, default: [:]][store.host[b.position], default: 0] += 1 }
        let shared = Set(
            hostsOf.filter { $0.value.count > 1 && ($0.value.values.max() ?? 0) * 10 < $0.value.values.reduce(0, +) * 9 }.keys)
        return best.filter { !shared.contains($0.destination) }.map { (Int32($0.position), $0.destination) }
    }

    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8])
    func matchesEqualTheDefinition(seed: UInt64) {
        let store = Self.store(seed: seed, events: seed.isMultiple(of: 2) ? 400 : 1_500)
        let got = HostDirectory.loginFlowMatches(in: store)
        let expected = Self.reference(store)
        #expect(got.map(\.position) == expected.map(\.position))
        #expect(got.map(\.destination) == expected.map(\.destination))
        // The random evidence must exercise the match (a test that matches nothing proves nothing).
        #expect(expected.count > 10)
    }

    @Test func noFlowsNoMatches() {
        var symbols = SymbolTable()
        var e = Event(time: Timestamp(seconds: 1_773_014_400), kind: .authSuccess)
        e.host = symbols.intern("bastion")
        e.sourceIP = IPAddress("203.0.113.9")!
        e.sourcePort = 50_000
        e.hasSourcePort = true
        var b = EventStore.Builder()
        b.add(events: [e], symbols: symbols)
        #expect(HostDirectory.loginFlowMatches(in: b.build()).isEmpty)
    }
}
