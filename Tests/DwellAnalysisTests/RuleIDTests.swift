@testable import DwellAnalysis
import DwellCore
import DwellIngest
import DwellPipeline
import DwellScenario
import DwellTestSupport
import Foundation
import Testing

/// #24: a rule is declared once, as its row of `RuleSet.standard` (id, title, technique, role; its family by the id's
/// first part), and every finding carries that row's `RuleID`: code switches on its fields, never on the id's text.
@Suite struct RuleIDTests {
    /// Checks the detectors' findings (aggregated, before correlation) against the table: each names a row, carries
    /// the row's family, technique and role, and is not above that role.
    func checkAgainstTheTable(_ findings: [Finding], _ label: String) throws {
        #expect(!findings.isEmpty, "\(label): no findings")
        let table = Dictionary(uniqueKeysWithValues: RuleSet.standard.rules.map { ($0.id, $0) })
        for f in findings {
            let row = try #require(table[f.rule.name], "\(label): \(f.rule) is no rule of the table")
            #expect(f.rule.family == row.ruleID.family && f.rule.family != .other, "\(label): \(f.rule)")
            #expect(f.rule.technique == row.technique, "\(label): \(f.rule)")
            #expect(f.rule.role == row.role, "\(label): \(f.rule)")
            #expect(f.rule.meaning == TechniqueMeaning(technique: row.technique), "\(label): \(f.rule)")
            #expect(
                row.role.admits(f.role, seeds: f.seeds),
                "\(label): \(f.rule) is declared \(row.role) but a finding is \(f.role), seeds \(f.seeds): \(f.why)")
        }
    }

    @Test("#24: every rule the detectors fire on the sample is a row of the table, with its family, technique and role")
    func sampleFindingsCarryTheirRow() throws {
        try checkAgainstTheTable(GroundTruthTests.unaided.analysis.findings, "SampleLogs")
    }

    @Test(
        "#24: every rule the detectors fire on a fleet story is a row of the table, with its family, technique and role",
        arguments: FleetStoryKind.allCases)
    func fleetFindingsCarryTheirRow(_ story: FleetStoryKind) throws {
        let dir = try Fixture.temporaryDirectory("dwell-ruleid")
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try FleetGenerator.generate(
            FleetOptions(
                seed: 5, outputDirectory: dir.path, name: "case", story: story, layout: .central, days: 2,
                backgroundScale: 0.02))
        let result = InvestigationRun.run(
            paths: [dir.appendingPathComponent("case").path], options: IngestOptions(jobs: 2), seeds: [])
        try checkAgainstTheTable(result.analysis.findings, story.rawValue)
    }

    @Test("#24: every row of the table names a family by its id")
    func everyRowHasAFamily() {
        for r in RuleSet.standard.rules {
            #expect(r.ruleID.family != .other, "\(r.id)")
            #expect(r.ruleID.name == r.id && r.ruleID.description == r.id)
        }
        let families = Set(RuleSet.standard.rules.map(\.ruleID.family))
        #expect(families == Set(RuleFamily.allCases).subtracting([.sigma, .other]))
    }

    @Test("#24: a rule's role admits findings up to it and no further")
    func roleAdmitsUpToItself() {
        #expect(RuleRole.seed.admits(.compromise, seeds: true))
        #expect(RuleRole.background.admits(.attempt, seeds: false))
        #expect(!RuleRole.background.admits(.compromise, seeds: false))
        #expect(!RuleRole.background.admits(.attempt, seeds: true))
        #expect(RuleRole.context.admits(.context, seeds: false))
        #expect(!RuleRole.context.admits(.attempt, seeds: false))
    }

    /// A case file stores the id as text; reading it back gives the row's family and role again, a Sigma id a Sigma
    /// rule's, and an id no table has a rule of no family that only gives context.
    @Test(
        "#24: the written rule id reads back to the same typed rule",
        arguments: RuleSet.standard.rules.map(\.id) + ["sigma.6f0c2a51-x", "custom.thing"])
    func writtenRuleIDReadsBack(_ name: String) throws {
        let row = RuleSet.standard.rules.first { $0.id == name }
        let rule = row?.ruleID ?? RuleID(written: name, technique: "T1190")
        let f = Finding(
            rule: rule, title: "t", technique: rule.technique, severity: .medium, time: Timestamp(seconds: 1_773_256_901),
            host: "h", indicators: [.ua("sqlmap/1.7")], why: "w", evidence: [], seeds: false)
        var w = BinaryWriter()
        f.write(to: &w)
        let back = try w.bytes.withUnsafeBytes { buf in
            var r = BinaryReader(buf)
            return try Finding(reading: &r)
        }
        #expect(back.rule == rule)
        #expect(back.rule.name == name)
        #expect(back.rule.family == rule.family)
        #expect(back.rule.role == rule.role)
        #expect(back.rule.meaning == rule.meaning)
        #expect(back.indicators == [.ua("sqlmap/1.7")])
        switch name {
        case "sigma.6f0c2a51-x": #expect(back.rule.family == .sigma && back.rule.role == .background)
        case "custom.thing": #expect(back.rule.family == .other && back.rule.role == .context)
        default: #expect(back.rule.role == row?.role)
        }
    }

    /// A seed and a scope item hold the one indicator key: every spelling of a seed's type gives the same key.
    @Test("#24: seeds and scope items hold the one Indicator key")
    func seedsAndScopeHoldTheIndicatorKey() throws {
        for text in ["ua:sqlmap/1.7", "user_agent:sqlmap/1.7", "UA:sqlmap/1.7"] {
            let s = try #require(Seed(parsing: text), "\(text)")
            #expect(s.indicator == .ua("sqlmap/1.7"), "\(text)")
            #expect(s.type == .userAgent && s.value == "sqlmap/1.7")
        }
        #expect(Seed(parsing: "203.0.113.45")?.indicator == .ip("203.0.113.45"))
        #expect(Seed(parsing: "account:deploy")?.indicator == .user("deploy"))
        let t = Timestamp(seconds: 1_773_256_901)
        let item = ScopeItem(type: .path, value: "/x.php", reason: "r", firstSeen: t, lastSeen: t, count: 1, evidence: nil)
        #expect(item.indicator == .url("/x.php") && item.type == .path && item.value == "/x.php")
        #expect(Seed(type: .ip, value: "10.0.0.1", reason: "a") == Seed(.ip("10.0.0.1"), reason: "a"))
    }
}
