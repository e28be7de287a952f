@testable import DwellAnalysis
import DwellCore
import DwellIndex
import DwellSigma
import Testing

/// Sigma matches grouped into findings as they are made give what a finding per match, aggregated afterwards,
/// gives: the same findings, field for field.
@Suite struct SigmaFindingsTests {
    /// The reference: one finding per match (as dwell made them before grouping), aggregated by
    /// `FindingAggregation.aggregate`.
    static func perMatch(_ run: SigmaRunResult, _ set: SigmaRuleSet, _ d: Detectors) -> [Finding] {
        let store = d.store
        var out: [Finding] = []
        for m in run.matches {
            guard let first = m.positions.first else { continue }
            let r = set.runnable[m.rule].rule
            let by = r.author.isEmpty ? "" : ", by \(r.author)"
            var indicators: [Indicator] = []
            if store.sourceIP[first] != 0 { indicators.append(.ip("\(d.ip(store.sourceIP[first]))")) }
            if store.user[first] != 0 { indicators.append(.user(d.text(store.user[first]))) }
            let host = d.hostOf(first)
            if !host.isEmpty { indicators.append(.host(host)) }
            out.append(
                Finding(
                    rule: .sigma(SigmaFindings.ruleID(r), technique: r.technique), title: r.title, technique: r.technique,
                    severity: SigmaFindings.severity(r.level), time: store.timestamp(first), host: host,
                    indicators: indicators,
                    why: "Sigma rule '\(r.title)' (\(r.id), level \(r.level)\(by); \(r.logSource)): " + m.why,
                    evidence: m.positions.map { EvidenceRef(store: store, position: $0, filePaths: d.filePaths) },
                    seeds: false, role: .attempt))
        }
        return FindingAggregation.aggregate(out)
    }

    static func text(_ f: [Finding]) -> [String] { f.map { String(reflecting: $0) } }

    @Test func groupedFindingsEqualAggregatedPerMatchFindings() throws {
        // Two hosts, several sources, a user, equal times (ties keep the match order), more hits than the kept
        // evidence and indicators, a count() rule (matches of several events) and two rules with one id.
        var web01: [(ip: String, request: String, status: Int, agent: String)] = []
        for n in 0..<40 {
            web01.append(("203.0.113.\(n % 3 + 1)", "GET /a?q=union+select+\(n) HTTP/1.1", 200 + n % 2, "sqlmap"))
        }
        var web02 = web01.reversed().map { $0 }
        web02.append(("198.51.100.\(7)", "GET /b?q=UNION+SELECT HTTP/1.1", 500, "curl"))
        let h = try SigmaHarness([
            "web01/access.log": accessLog(web01), "web02/access.log": accessLog(web02),
            "web02/access.log.1": accessLog(Array(web01.prefix(5))),
        ])
        let rules = [
            webRule("Union Select", "    keywords:\n        - 'union+select'\n    condition: keywords", level: "high"),
            webRule("Union Select", "    sel:\n        cs-uri-query|contains: 'union'\n    condition: sel"),
            webRule(
                "Many Errors", "    sel:\n        sc-status: 201\n    timeframe: 1h\n    condition: sel | count() by c-ip > 2"),
        ].joined(separator: "\n---\n")
        let set = SigmaHarness.rules(rules)
        #expect(set.runnable.count == 3)
        let run = h.run(set)
        #expect(run.matches.count > 80)
        let paths = h.files.map(\.displayPath)
        let directory = InvestigationRun.hostDirectory(
            store: h.store, paths: paths, analysis: InvestigationRun.StoredAnalysis())
        let d = Detectors(store: h.store, filePaths: paths, directory: directory)
        let grouped = FindingAggregation.aggregate(SigmaFindings.findings(run, set, detectors: d))
        let reference = Self.perMatch(run, set, d)
        #expect(grouped.count == reference.count)
        #expect(Self.text(grouped) == Self.text(reference))
        #expect(grouped.contains { $0.count > FindingAggregation.keptEvidence })
    }
}
