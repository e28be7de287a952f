import DwellCore
import DwellIndex
import Testing

@testable import DwellAnalysis

/// #18: `FindingAggregation.aggregate` groups by a typed (rule, host, source) key instead of building the text
/// "rule NUL host NUL source" per finding. The code it replaced is kept here as the oracle.
@Suite struct AggregationKeyTests {
    /// The grouping by text key, as `aggregate` did it before (only the grouping: the merge is shared).
    static func oracleGroups(_ findings: [Finding]) -> [[Int]] {
        var order: [String] = []
        var groups: [String: [Int]] = [:]
        for (n, f) in findings.enumerated() {
            if f.family == .integrity {
                let key = "\u{1}\(order.count)"
                order.append(key)
                groups[key] = [n]
                continue
            }
            let key = "\(f.rule)\u{0}\(f.host)\u{0}\(FindingAggregation.source(f)?.description ?? "")"
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(n)
        }
        return order.map { groups[$0] ?? [] }
    }

    /// Noisy findings, plus the cases a typed key could tell apart differently from the text: a host indicator and an
    /// address indicator with the same value, no indicator at all, a user as the only indicator, log-integrity
    /// findings of one rule on one host (each its own group), in time order as the detectors hand them over.
    static func findings() -> [Finding] {
        var out = BackgroundShortcutTests.findings()
        let t = Timestamp(seconds: CorrelationTests.Incident.base)
        func extra(_ rule: String, _ host: String, _ indicators: [Indicator], _ k: Int64) -> Finding {
            Finding(
                rule: RuleID(written: rule, technique: "T1070.002"), title: rule, technique: "T1070.002",
                severity: .medium, time: Timestamp(seconds: t.seconds + k), host: host, indicators: indicators,
                why: "extra \(k)", evidence: [], seeds: false, role: .context)
        }
        for k in 0..<3 {
            out.append(extra("web.scan", "web01", [.host("198.51.100.1")], Int64(k)))
            out.append(extra("web.scan", "web01", [.ip("198.51.100.1")], Int64(k)))
            out.append(extra("web.scan", "web01", [], Int64(k)))
            out.append(extra("web.scan", "web01", [.user("root")], Int64(k)))
            out.append(extra("integrity.log_gap", "bastion", [.host("bastion")], Int64(k)))
        }
        return out.sorted { ($0.time, $0.rule, $0.host) < ($1.time, $1.rule, $1.host) }
    }

    @Test func typedKeysGroupAsTheTextKeysDid() {
        let findings = Self.findings()
        let groups = Self.oracleGroups(findings)
        let aggregated = FindingAggregation.aggregate(findings)
        #expect(aggregated.count == groups.count)
        // Each group's aggregate: its rule, host, first time and summed count, in the same order once sorted.
        let expected = groups.map { g in
            (findings[g[0]].rule.name, findings[g[0]].host, g.map { findings[$0].time }.min()!, g.reduce(0) { $0 + findings[$1].count })
        }.sorted { ($0.2, $0.0, $0.1) < ($1.2, $1.0, $1.1) }
        let got = aggregated.map { ($0.rule.name, $0.host, $0.time, $0.count) }
        #expect(got.count == expected.count)
        for (a, b) in zip(got, expected) {
            #expect(a.0 == b.0 && a.1 == b.1 && a.2 == b.2 && a.3 == b.3, "\(a) against \(b)")
        }
    }
}
