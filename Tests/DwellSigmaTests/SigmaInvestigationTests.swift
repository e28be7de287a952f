import DwellAnalysis
import DwellCore
import DwellIngest
import DwellPipeline
import DwellReports
import DwellSigma
import DwellTestSupport
import Foundation
import Testing

/// Sigma matches inside `investigate`: findings like the detectors', aggregated, with evidence lines.
@Suite struct SigmaInvestigationTests {
    func investigate(_ rules: String) throws -> Investigation {
        let dir = try Fixture.temporaryDirectory("sigma-inv")
        let log = accessLog([
            ("203.0.113.9", "GET /shop?q=%3Cscript%3Ealert(1) HTTP/1.1", 200, "Mozilla/5.0"),
            ("203.0.113.9", "GET /shop?q=%3Cscript%3Ealert(2) HTTP/1.1", 200, "Mozilla/5.0"),
            ("198.51.100.20", "GET /shop?q=shoes HTTP/1.1", 200, "Mozilla/5.0"),
        ])
        try Fixture.write(log, to: dir.appendingPathComponent("web01/access.log"))
        let set = SigmaHarness.rules(rules)
        #expect(set.loadedCount == set.statuses.count)
        return InvestigationRun.run(
            paths: [dir.path], options: IngestOptions(jobs: 1), seeds: [], sigma: set
        ).investigation
    }

    static let xss = webRule(
        "Script Tag In Query", "    sel:\n        cs-uri-query|contains: '%3Cscript'\n    condition: sel", level: "high",
        extra: "author: Test Author")

    @Test func aMatchIsAFindingWithRuleLevelTechniqueAndEvidence() throws {
        let inv = try investigate(Self.xss)
        let f = try #require(inv.findings.first { $0.rule == "sigma.script-tag-in-query" })
        #expect(f.title == "Script Tag In Query")
        #expect(f.severity == .high)
        #expect(f.technique == "T1190")
        #expect(f.count == 2)  // aggregated per (rule, source, host)
        #expect(f.indicators.contains(.ip("203.0.113.9")))
        #expect(f.why.contains("Test Author"))  // DRL 1.1: a reported match names the rule's author
        #expect(f.evidence.map(\.line) == [1, 2])
        #expect(f.evidence.allSatisfy { ByteText.string($0.raw).contains("%3Cscript%3E") })
        #expect(!f.seeds && f.role == .attempt)
        // High attempts seed only as the detectors' do: this one alone grows no attack.
        #expect(!inv.seeds.contains { $0.contains("203.0.113.9") && $0.contains("sigma") })
    }

    @Test func aCriticalMatchSeedsAsACriticalDetectorFindingDoes() throws {
        let inv = try investigate(Self.xss.replacingOccurrences(of: "level: high", with: "level: critical"))
        let f = try #require(inv.findings.first { $0.rule == "sigma.script-tag-in-query" })
        #expect(f.severity == .critical)
        #expect(inv.seeds.contains { $0.hasPrefix("ip:203.0.113.9") })
    }
}

/// The README's example: the team directory's rules over the sample incident.
@Suite struct SigmaTeamExampleTests {
    static let root = Fixture.packageRoot
    static var present: Bool {
        FileManager.default.fileExists(atPath: root.appendingPathComponent("SampleLogs/incident-2026-03").path)
    }

    @Test(.enabled(if: present, "SampleLogs/incident-2026-03 is absent"))
    func theExampleTeamRulesFindTheSampleWebShell() throws {
        let root = Self.root
        let set = SigmaRuleSet.load(paths: [root.appendingPathComponent("docs/examples/sigma-team").path])
        #expect(set.loadedCount == 3 && set.notApplicableCount == 1 && set.unsupportedCount == 0)
        let inv = InvestigationRun.run(
            paths: [root.appendingPathComponent("SampleLogs/incident-2026-03").path], options: IngestOptions(jobs: 2),
            seeds: [], sigma: set
        ).investigation
        let shell = try #require(inv.findings.first { $0.title == "Web Shell Command In A Query Parameter" })
        #expect(shell.severity == .critical && shell.count == 4 && shell.host == "web01")
        #expect(shell.evidence.allSatisfy { ByteText.string($0.raw).contains("/uploads/shell.php?cmd=") })
        #expect(inv.findings.contains { $0.title == "Burst Of Client Errors From One Address" })
        // The sample's attack is still found whole: same attacker address in scope.
        #expect(inv.sourceIPs.contains { $0.value == "203.0.113.45" })
        // report.json with Sigma findings still matches docs/report.schema.json (rule ids `sigma.<id>`).
        #expect(shell.rule == "sigma.6f0c2a51-2d3e-4c1b-9a57-0d1e5b7f3a01")
        let schema = try #require(FileManager.default.contents(atPath: root.appendingPathComponent("docs/report.schema.json").path))
        var validator = JSONSchemaValidator(schema: try JSONValue.parse(Array(schema)))
        let violations = validator.validate(
            try JSONValue.parse(ReportJSON.render(inv, files: [], discoveryIssues: [], generated: nil)))
        #expect(violations.isEmpty, "\(violations.prefix(5).map(\.description))")
    }
}
