import DwellAnalysis
import DwellCore
import DwellIngest
import DwellPipeline
import DwellScenario
import DwellTestSupport
import Foundation
import Testing

/// `dwell investigate` against the generator's ground truth: window to the second, hosts, accounts,
/// attacker addresses and the lateral path in order; the decoy and the look-alike stay out of scope.
@Suite struct GroundTruthTests {
    struct Truth {
        var first: String
        var last: String
        var hosts: [String]
        var accounts: [String]
        var ips: [String]
        var path: [(String, String, String, String)]
        var decoy: String
        var lookalikeAccount: String

        init(json path: String) throws {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            let o = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            let attack = try #require(o["attack"] as? [String: Any])
            first = try #require(attack["first_seen"] as? String)
            last = try #require(attack["last_seen"] as? String)
            hosts = try #require(o["compromised_hosts"] as? [String])
            accounts = try #require(o["compromised_accounts"] as? [String])
            ips = try #require(o["attacker_ips"] as? [String])
            let hops = try #require(o["lateral_path"] as? [[String: Any]])
            self.path = hops.map {
                (
                    $0["from"] as? String ?? "", $0["to"] as? String ?? "", $0["time"] as? String ?? "",
                    $0["account"] as? String ?? ""
                )
            }
            decoy = ((o["decoy"] as? [String: Any])?["source_ip"] as? String) ?? ""
            lookalikeAccount = ((o["lookalike"] as? [String: Any])?["account"] as? String) ?? ""
        }
    }

    func check(_ inv: Investigation, against t: Truth) {
        #expect(inv.firstSeen?.iso8601(fractionDigits: 0) == t.first)
        #expect(inv.lastSeen?.iso8601(fractionDigits: 0) == t.last)
        #expect(inv.hosts.map(\.host) == t.hosts)
        #expect(Set(inv.accounts.map(\.value)) == Set(t.accounts))
        #expect(Set(inv.sourceIPs.map(\.value)) == Set(t.ips))
        let hops = inv.paths.first ?? []
        #expect(inv.paths.count == 1)
        #expect(hops.map(\.from) == t.path.map(\.0))
        #expect(hops.map(\.to) == t.path.map(\.1))
        #expect(hops.map { $0.time.iso8601(fractionDigits: 0) } == t.path.map(\.2))
        #expect(hops.map(\.account) == t.path.map(\.3))
        #expect(!inv.sourceIPs.contains { $0.value == t.decoy })
        #expect(!inv.accounts.contains { $0.value == t.lookalikeAccount })
        // Every claim carries its raw evidence line.
        #expect(inv.firstEvidence?.raw.isEmpty == false)
        #expect(inv.lastEvidence?.raw.isEmpty == false)
        #expect(hops.allSatisfy { !$0.evidence.raw.isEmpty })
    }

    static var sample: String { Fixture.packageRoot.appendingPathComponent("SampleLogs/incident-2026-03").path }

    /// The sample investigated once with no seed and once seeded with the attacker's address, shared by the
    /// tests below (each run reads 407 files).
    static let unaided = InvestigationRun.run(paths: [sample], options: IngestOptions(jobs: 2), seeds: [])
    static let seeded = InvestigationRun.run(
        paths: [sample], options: IngestOptions(jobs: 1), seeds: Seed(parsing: "203.0.113.45").map { [$0] } ?? [])

    @Test func sampleIncidentUnaidedMatchesTheGroundTruth() throws {
        let truth = try Truth(json: Self.sample + ".truth.json")
        let result = Self.unaided
        check(result.investigation, against: truth)
        #expect(result.investigation.entryPoints == ["web01"])
    }

    @Test func seedingWithTheAttackerAddressGivesTheSameAnswer() throws {
        let truth = try Truth(json: Self.sample + ".truth.json")
        #expect(Self.seeded.investigation.seeds.first?.hasPrefix("ip:203.0.113.45") == true)
        check(Self.seeded.investigation, against: truth)
    }

    @Test("#7: unaided and seeded with the attacker's address give the same window, scope and paths")
    func unaidedEqualsSeeded() throws {
        let unaided = Self.unaided.investigation
        let seeded = Self.seeded.investigation
        #expect(unaided.seeds != seeded.seeds)
        #expect(unaided.firstSeen != nil)
        #expect(unaided.firstSeen == seeded.firstSeen)
        #expect(unaided.lastSeen == seeded.lastSeen)
        #expect(unaided.entryPoints == seeded.entryPoints)
        #expect(unaided.hosts.map(\.host) == seeded.hosts.map(\.host))
        #expect(unaided.hosts.map(\.firstCompromise) == seeded.hosts.map(\.firstCompromise))
        #expect(Set(unaided.accounts.map(\.value)) == Set(seeded.accounts.map(\.value)))
        #expect(Set(unaided.sourceIPs.map(\.value)) == Set(seeded.sourceIPs.map(\.value)))
        func hops(_ inv: Investigation) -> [[String]] {
            inv.paths.map {
                $0.map {
                    "\($0.from)>\($0.to)@\($0.time.microseconds) \($0.account) \($0.method) \($0.evidence.file):\($0.evidence.line)"
                }
            }
        }
        #expect(hops(unaided) == hops(seeded))
        #expect(!hops(unaided).isEmpty)
    }

    @Test("#5 wart: the sample folder holds only evidence, so the README's main command has no input problem")
    func sampleReadsWithoutEvidenceProblems() throws {
        let result = Self.unaided
        #expect(result.discoveryIssues.filter(\.isProblem).isEmpty)
        #expect(result.files.filter(\.hasProblems).map(\.file.displayPath) == [])
        #expect(result.files.count == 407)
    }

    @Test("#7: every finding on the sample says why it fired and cites its raw lines")
    func everyFindingExplainsItself() throws {
        let inv = Self.unaided.investigation
        #expect(inv.findings.count > 10)
        for f in inv.findings {
            let rule = RuleSet.standard.rule(f.rule.name)
            #expect(!f.why.isEmpty && f.evidence.allSatisfy { !$0.raw.isEmpty }, "\(f.rule)")
            if rule.threshold > 1 { #expect(f.why.contains("threshold"), "\(f.rule): \(f.why)") }
            #expect(
                f.host != "sensor" || f.rule.name.hasPrefix("net.port_scan") || f.rule == "ids.alert",
                "\(f.rule) names the sensor")
        }
        // The decoy's brute force counts each attempt once: the truth's 631 failed passwords.
        let brute = try #require(inv.findings.first { $0.rule == "auth.bruteforce" })
        #expect(brute.why.contains("631 in all"))
    }

    @Test(arguments: [UInt64(7), 424_242, 99])
    func generatedIncidentsOfOtherShapes(seed: UInt64) throws {
        let dir = try Fixture.temporaryDirectory("dwell-gt")
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try ScenarioGenerator.generate(
            ScenarioOptions(seed: seed, outputDirectory: dir.path, name: "case", days: 3, backgroundScale: 0.05))
        let root = dir.appendingPathComponent("case").path
        let truth = try Truth(json: root + ".truth.json")
        let result = InvestigationRun.run(paths: [root], options: IngestOptions(jobs: 2), seeds: [])
        check(result.investigation, against: truth)
    }
}
