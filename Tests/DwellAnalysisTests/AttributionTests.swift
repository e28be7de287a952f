@testable import DwellAnalysis
import DwellCore
import DwellIndex
import Testing

/// How an event is judged the intruder's on hosts other people use too, and what is left as background.
@Suite struct AttributionTests {
    typealias Incident = CorrelationTests.Incident
    static let attacker = "203.0.113.9"

    /// A jump host that dozens of people use: the attacker breaks in as `oracle`, hops on with a stolen key as
    /// `deploy`; alice, who is logged in there herself, hops on as usual and is at risk, not the attacker.
    @Test func onlyHopsTiedToTheAttackersPresenceAreTheAttackers() throws {
        var x = Incident()
        x.address(0, "bastion", is: "10.0.0.5")
        // Before the attack: alice's usual route bastion → app01, deploy's usual logins come from CI.
        x.login(1, on: "bastion", as: "alice", from: "10.8.0.14", pid: 100)
        x.login(2, on: "app01", as: "alice", from: "10.0.0.5")
        x.login(3, on: "app01", as: "deploy", from: "10.0.9.9")
        x.add(4, .sessionClose, host: "bastion", user: "alice", pid: 100, program: "sshd")
        // The break-in.
        x.login(10, on: "bastion", as: "oracle", from: Self.attacker, pid: 200)
        // alice logs in to the bastion herself, then hops to app01 (usual) and db01 (new, while her session is open).
        x.login(11, on: "bastion", as: "alice", from: "10.8.0.14", pid: 300)
        x.login(12, on: "app01", as: "alice", from: "10.0.0.5")
        x.login(13, on: "db01", as: "alice", from: "10.0.0.5")
        // The attacker's hops: as the session's own account, and with deploy's key (deploy never came from here).
        x.login(14, on: "db02", as: "oracle", from: "10.0.0.5")
        x.login(15, on: "app01", as: "deploy", from: "10.0.0.5")
        x.add(40, .sessionClose, host: "bastion", user: "oracle", pid: 200, program: "sshd")
        // After the attacker left: bob's first hop ever from the bastion is not theirs.
        x.login(50, on: "app02", as: "bob", from: "10.0.0.5")
        let inv = x.investigate(seeds: [Self.attacker])
        #expect(Set(inv.hosts.map(\.host)) == ["bastion", "db02", "app01"])
        #expect(Set(inv.accounts.map(\.value)) == ["oracle", "deploy"])
        #expect(Set(inv.edges.map { "\($0.from)>\($0.to):\($0.account)" }) == ["bastion>db02:oracle", "bastion>app01:deploy"])
        let deployHop = try #require(inv.hosts.first { $0.host == "app01" })
        #expect(deployHop.reason.contains("stolen credentials or key"))
        #expect(Set(inv.atRisk.map { "\($0.account)@\($0.from)>\($0.to)" }) == ["alice@bastion>app01", "alice@bastion>db01", "bob@bastion>app02"])
        #expect(inv.atRisk.first { $0.account == "bob" }?.reason.contains("outside the attacker's presence") == true)
    }

    /// No host logs its own address (sshd at LogLevel INFO): the sensor's flow for a login, matched by the
    /// client's address and source port, teaches the server's address, and the hop out of it is found.
    @Test func loginsMatchedWithSensorFlowsTeachHostAddresses() throws {
        var x = Incident()
        // People log in to the bastion from the VPN; the sensor sees those connections (a few seconds earlier).
        for (k, port) in [(1, 51_000), (2, 51_200), (3, 51_900)] as [(Int64, UInt16)] {
            x.add(k, .flow, host: "sensor", src: "10.8.0.14", dst: "10.0.0.5", port: 22, second: 0, srcPort: port)
            x.add(k, .authSuccess, host: "bastion", user: "alice", src: "10.8.0.14", pid: -1, program: "sshd", second: 4, srcPort: port)
        }
        // A flow with the same client address but another port teaches nothing.
        x.add(4, .flow, host: "sensor", src: "10.8.0.14", dst: "10.0.0.77", port: 22, srcPort: 40_000)
        x.add(10, .authSuccess, host: "bastion", user: "oracle", src: Self.attacker, program: "sshd", srcPort: 60_001)
        x.add(10, .flow, host: "sensor", src: Self.attacker, dst: "10.0.0.5", port: 22, srcPort: 60_001)
        x.add(12, .authSuccess, host: "db01", user: "oracle", src: "10.0.0.5", program: "sshd", srcPort: 41_000)
        let inv = x.investigate(seeds: [Self.attacker])
        let binding = try #require(inv.hostAddresses.first { $0.address == "10.0.0.5" })
        #expect(binding.host == "bastion")
        #expect(binding.source.contains("logins matched with sensor flows by client address and port (4"))
        #expect(!inv.hostAddresses.contains { $0.address == "10.0.0.77" })
        #expect(inv.edges.map { "\($0.from)>\($0.to)" } == ["bastion>db01"])
    }

    /// A critical finding seeds even from a private address: an insider is an attacker too.
    @Test func aCriticalFindingFromAPrivateAddressSeeds() {
        var x = Incident()
        x.add(10, .webRequest, host: "web01", src: "172.17.0.2")
        let evidence = EvidenceRef(
            fileID: 0, file: "web01/auth.log", line: 1, offset: 80, raw: [],
            time: Timestamp(seconds: Incident.base + 600))
        let f = Finding(
            rule: "web.exploit_success", title: "Exploit answered", technique: "T1190", severity: .critical,
            time: evidence.time, host: "web01", indicators: [.ip("172.17.0.2")], why: "test", evidence: [evidence],
            seeds: true, role: .compromise)
        let inv = x.investigate(seeds: [], findings: [f])
        #expect(inv.firstSeen != nil)
        #expect(inv.sourceIPs.map(\.value) == ["172.17.0.2"])
        #expect(inv.background.isEmpty)
    }

    /// Attempts that led nowhere are background per source, never the window; one finding per (rule, source, host).
    @Test func attemptsAreBackgroundAndFindingsAreAggregated() throws {
        func hit(_ minute: Int64, _ source: String, role: FindingRole = .attempt, rule: String = "auth.bruteforce")
            -> Finding
        {
            let t = Timestamp(seconds: Incident.base + minute * 60)
            return Finding(
                rule: RuleID(written: rule, technique: "T1110"), title: rule, technique: "T1110", severity: .medium, time: t, host: "bastion",
                indicators: [.ip("\(source)")], why: "minute \(minute)",
                evidence: [EvidenceRef(fileID: 0, file: "f", line: UInt64(minute), offset: 0, raw: [], time: t)],
                seeds: role == .compromise, role: role)
        }
        let hits = (0..<50).map { hit(Int64($0), "198.51.100.\($0 % 5)") }
        let aggregated = FindingAggregation.aggregate(hits)
        #expect(aggregated.count == 5)
        let first = try #require(aggregated.first)
        #expect(first.count == 10)
        #expect(first.time == Timestamp(seconds: Incident.base))
        #expect(first.lastTime == Timestamp(seconds: Incident.base + 45 * 60))
        #expect(first.evidence.count <= FindingAggregation.keptEvidence)
        #expect(first.why.contains("10 hits of this rule from this source on this host"))

        var x = Incident()
        for m in 0..<50 { x.add(Int64(m), .authFailure, host: "bastion", user: "root", src: "198.51.100.\(m % 5)") }
        x.login(60, on: "bastion", as: "oracle", from: Self.attacker)
        let inv = x.investigate(seeds: [], findings: aggregated + [hit(60, Self.attacker, role: .compromise, rule: "auth.success_after_failures")])
        #expect(inv.firstSeen == Timestamp(seconds: Incident.base + 3600))
        #expect(inv.sourceIPs.map(\.value) == [Self.attacker])
        #expect(inv.background.count == 5)
        #expect(inv.background.allSatisfy { $0.hits == 10 && $0.rules.first?.rule == "auth.bruteforce" })
        #expect(inv.intrusionFindings.count == 1)

        // The background rolled up: one finding per (rule, host), its busiest sources named, every source kept.
        var rolled = inv
        FindingAggregation.rollUpBackground(&rolled)
        #expect(rolled.findings.count == 2)
        let roll = try #require(rolled.findings.first { $0.rule == "auth.bruteforce" })
        #expect(roll.count == 50)
        #expect(roll.indicators.count == 5)
        #expect(roll.role == .attempt && !roll.seeds)
        #expect(roll.why.hasPrefix("hostile background: 5 sources hit this rule on bastion 50 times"))
        #expect(rolled.background.count == 5)
        #expect(rolled.isBackground(roll))
    }
}
