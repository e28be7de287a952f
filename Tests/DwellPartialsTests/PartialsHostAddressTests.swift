@testable import DwellAnalysis
import DwellCore
import DwellIngest
import DwellPipeline
import DwellTestSupport
import Foundation
import Testing

/// Host addresses in partial mode: what summaries carry so that merging learns them as `investigate` does.
@Suite struct PartialsHostAddressTests {
    static let options = IngestOptions(jobs: 2)

    static func summarize(_ root: String) -> Partials {
        PartialsRun.summarize(files: Discovery().discover([root]).files, options: options)
    }

    /// The sample's lateral path is the same from merged partials as from one `investigate` over the evidence:
    /// web01's address is learned at merge time from its access log and the sensor's flows.
    @Test func sampleLateralPathFromPartialsIsTheSingleRunsPath() throws {
        let root = Fixture.packageRoot.appendingPathComponent("SampleLogs/incident-2026-03").path
        let files = Discovery().discover([root]).files
        try #require(files.count > 100)
        let single = InvestigationRun.run(
            files: files, discoveryIssues: [], options: Self.options, seeds: []
        ).investigation
        // Split in two shares (one per host group), summarised apart and merged through the JSON lines.
        let (a, b) = (files.filter { $0.path.contains("/sensor/") }, files.filter { !$0.path.contains("/sensor/") })
        let parts = [a, b].map { PartialsRun.summarize(files: $0, options: Self.options) }
        let merged = try Partials.read(Partials.merged(parts).jsonLines(), source: "merged")
        let partial = PartialsInvestigation.run(merged, seeds: []).investigation
        func hops(_ inv: Investigation) -> [String] {
            inv.paths.map { p in
                p.map {
                    "\($0.from)>\($0.to) \($0.account) \($0.method) \($0.time.iso8601(fractionDigits: 0)) "
                        + "\($0.evidence.file):\($0.evidence.line)"
                }.joined(separator: " | ")
            }
        }
        #expect(!single.paths.isEmpty)
        #expect(hops(partial) == hops(single))
        #expect(partial.hosts.map(\.host) == single.hosts.map(\.host))
        #expect(partial.hosts.first { $0.host == "web01" }?.addresses == ["10.0.1.10"])
        #expect(partial.caveats.contains { $0.text.hasPrefix("host address learned: web01 = 10.0.1.10") })
        #expect(!merged.webClients.isEmpty && !merged.webFlows.isEmpty)
        #expect(merged.webClients.values.allSatisfy { $0.seconds.seconds.count <= Partials.SecondsSample.capacity })
    }

    /// A host's own outgoing packet in its kern.log teaches its address in partial mode too, and a later login
    /// from that address is a hop; a forwarded packet teaches nothing.
    @Test func ownOutgoingPacketsTeachAddressesAtMergeTime() throws {
        let dir = try Fixture.temporaryDirectory("dwell-partials-own")
        defer { try? FileManager.default.removeItem(at: dir) }
        func at(_ s: String) -> String { "2026-03-11T\(s).000000+00:00" }
        _ = try Fixture.write(
            """
            \(at("19:00:00")) app01 kernel: [1000.1] [UFW AUDIT] IN= OUT=eth0 SRC=10.0.2.20 DST=10.0.0.2 LEN=60 TTL=64 ID=1 DF PROTO=UDP SPT=40000 DPT=53 LEN=40
            \(at("19:00:06")) app01 kernel: [1006.0] [UFW BLOCK] IN=eth1 OUT=eth0 SRC=10.0.9.9 DST=192.0.2.80 LEN=40 TTL=63 ID=3 PROTO=TCP SPT=5556 DPT=443 SYN URGP=0

            """, to: dir.appendingPathComponent("app01/var/log/kern.log"))
        _ = try Fixture.write(
            "\(at("19:10:00")) app01 sshd[100]: Accepted password for deploy from 203.0.113.9 port 50000 ssh2\n",
            to: dir.appendingPathComponent("app01/var/log/auth.log"))
        _ = try Fixture.write(
            "\(at("19:20:00")) db01 sshd[200]: Accepted password for deploy from 10.0.2.20 port 50001 ssh2\n",
            to: dir.appendingPathComponent("db01/var/log/auth.log"))
        let p = try Partials.read(Self.summarize(dir.path).jsonLines(), source: "p")
        #expect(p.ownAddresses.keys.map { "\($0.host)=\($0.ip)" } == ["app01=10.0.2.20"])
        let own = try #require(p.ownAddresses.values.first)
        #expect(own.first.raw.contains("OUT=eth0 SRC=10.0.2.20") && own.first.line == 1)
        let inv = PartialsInvestigation.run(p, seeds: [try #require(Seed(parsing: "203.0.113.9"))]).investigation
        #expect(inv.edges.map { "\($0.from)>\($0.to)" } == ["app01>db01"])
        #expect(inv.caveats.contains { $0.text.hasPrefix("host address learned: app01 = 10.0.2.20 (1 outgoing packet(s)") })
    }

    /// #24: the store's host directory and partial mode's merge-time learning name every address alike for the
    /// same evidence (one set of rules, `HostAddressRules`): the sample (web01 from its access log and the sensor's
    /// flows, the others from sshd's Connection lines), a host's own packets, and a gateway whose own-looking packets
    /// carry too many sources (it teaches nothing in either).
    @Test("#24: both engines name the same host for every address of the same evidence")
    func bothEnginesNameTheSameHostForEveryAddress() throws {
        let dir = try Fixture.temporaryDirectory("dwell-partials-same-hosts")
        defer { try? FileManager.default.removeItem(at: dir) }
        func at(_ s: String) -> String { "2026-03-11T\(s).000000+00:00" }
        _ = try Fixture.write(
            "\(at("19:00:00")) app09 kernel: [1000.1] [UFW AUDIT] IN= OUT=eth0 SRC=10.0.9.20 DST=10.0.0.2 LEN=60 TTL=64 ID=1 DF PROTO=UDP SPT=40000 DPT=53 LEN=40\n",
            to: dir.appendingPathComponent("app09/var/log/kern.log"))
        let forwarded = (1...17).map {
            "\(at("19:00:\(String(format: "%02d", $0))")) gw09 kernel: [1000.\($0)] [UFW AUDIT] IN= OUT=eth0 SRC=10.0.8.\($0) DST=192.0.2.80 LEN=60 TTL=64 ID=1 DF PROTO=TCP SPT=40000 DPT=443 LEN=40\n"
        }
        _ = try Fixture.write(forwarded.joined(), to: dir.appendingPathComponent("gw09/var/log/kern.log"))
        let sample = Fixture.packageRoot.appendingPathComponent("SampleLogs/incident-2026-03").path
        let files = Discovery().discover([sample, dir.path]).files
        try #require(files.count > 100)
        let single = InvestigationRun.run(files: files, discoveryIssues: [], options: Self.options, seeds: [])
            .investigation
        let merged = try Partials.read(PartialsRun.summarize(files: files, options: Self.options).jsonLines(), source: "p")
        let partial = HostDirectory.learn(fromPartials: merged).hostOfIP
        // The store's names: every address one host holds all along (learned or given).
        var store: [String: Set<String>] = [:]
        for b in single.hostAddresses { store[b.address, default: []].insert(b.host) }
        #expect(partial["10.0.9.20"] == "app09")
        #expect(partial["10.0.1.10"] == "web01")
        #expect(!partial.keys.contains { $0.hasPrefix("10.0.8.") } && !store.keys.contains { $0.hasPrefix("10.0.8.") })
        #expect(partial.count >= 3)
        for (address, host) in partial.sorted(by: { $0.key < $1.key }) {
            #expect(store[address] == [host], "\(address): partial mode names \(host), the store \(store[address] ?? [])")
        }
        // What the store learned from the sightings partials carry (sshd, own packets, access logs) is in partial
        // mode too; logins matched with flows and names from the network are the store's alone (docs/partials.md).
        let carried = single.hostAddresses.filter {
            $0.source.hasPrefix("sshd Connection") || $0.source.hasPrefix("own outgoing")
                || $0.source.hasPrefix("access log matched")
        }
        #expect(!carried.isEmpty)
        for b in carried { #expect(partial[b.address] == b.host, "\(b.address) \(b.host) (\(b.source))") }
    }

    @Test func anAddressClaimedByTwoHostsIsReportedNotMerged() throws {
        func ev(_ t: Int64, _ f: String) -> Partials.Evidence {
            Partials.Evidence(time: Timestamp(seconds: t), file: f, line: 1, offset: 0, raw: "SRC=10.0.0.1")
        }
        var p = Partials()
        p.ownAddresses[Partials.HostAddressKey(ip: "10.0.0.1", host: "web01")] = Partials.Seen(
            count: 3, first: ev(10, "web01/kern.log"), last: ev(50, "web01/kern.log"))
        p.hostAddresses[Partials.HostAddressKey(ip: "10.0.0.1", host: "db01")] = Partials.Seen(
            count: 1, first: ev(20, "db01/auth.log"), last: ev(20, "db01/auth.log"))
        let inv = PartialsInvestigation.run(p, seeds: []).investigation
        let caveat = try #require(inv.caveats.first { $0.text.hasPrefix("host address conflict:") }?.text)
        #expect(caveat.contains("10.0.0.1 seen with 2 hosts"))
        #expect(caveat.contains("gives it to web01 (most sightings), not merged"))
        #expect(caveat.contains("db01/auth.log:1"))
    }

    /// The sample of seconds merges associatively and commutatively, stays bounded, and is complete up to its
    /// threshold: every second ranked at or below it is in the sample.
    @Test(arguments: [UInt64(1), 7, 42])
    func secondsSamplesMergeInAnyOrderAndAreCompleteUpToTheirThreshold(seed: UInt64) throws {
        let client = try #require(IPAddress("198.51.100.7"))
        var rng = SplitMix64(seed: seed)
        let all = (0..<200).map { _ in Int64.random(in: 1_773_000_000..<1_773_000_600, using: &rng) }
        let whole = Partials.SecondsSample(client: client, seconds: all)
        let shares = (0..<3).map { k in
            Partials.SecondsSample(
                client: client, seconds: all.enumerated().filter { $0.offset % 3 == k }.map(\.element))
        }
        var forward = shares[0]
        forward.merge(shares[1])
        forward.merge(shares[2])
        var backward = shares[2]
        backward.merge(shares[0])
        backward.merge(shares[1])
        #expect(forward == whole && backward == whole)
        #expect(whole.seconds.count == Partials.SecondsSample.capacity)
        let t = whole.threshold
        #expect(Set(all.filter { whole.rank($0) <= t }) == Set(whole.seconds))
        // Two samples of overlapping sets share the common seconds below both thresholds.
        let other = Partials.SecondsSample(client: client, seconds: Array(all.prefix(150)))
        let common = whole.common(with: other)
        #expect(!common.isEmpty)
        #expect(common.allSatisfy { other.seconds.contains($0) && all.prefix(150).contains($0) })
    }
}
