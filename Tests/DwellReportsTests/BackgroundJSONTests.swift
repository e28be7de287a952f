import DwellCore
import Testing

@testable import DwellAnalysis
@testable import DwellReports

/// #22: report.json's hostile_background, rendered in two halves side by side, is the array one pass writes.
@Suite struct BackgroundJSONTests {
    static func sources(_ n: Int) -> [BackgroundSource] {
        (0..<n).map { k in
            let t = Timestamp(seconds: 1_773_000_000 + Int64(k))
            return BackgroundSource(
                address: "198.51.\(k / 256).\(k % 256)", findings: 1 + k % 3, hits: 1 + k % 7, firstSeen: t,
                lastSeen: t, rules: k % 5 == 0 ? [] : [(RuleID(written: "auth.bruteforce", technique: "T1110"), k)],
                highest: .medium, reason: "attempts only \"quoted\"",
                evidence: k % 4 == 0
                    ? nil
                    : EvidenceRef(
                        fileID: 0, file: "auth.log", line: UInt64(k), offset: UInt64(k * 90),
                        raw: Array("sshd[\(k)]: Failed password \u{1} \\ é".utf8) + [0xFF], time: t))
        }
    }

    static func onePass(_ sources: [BackgroundSource]) -> [UInt8] {
        var j = JSONBuffer()
        j.beginArray()
        for b in sources { ReportJSON.backgroundSource(b, &j) }
        j.endArray()
        return j.bytes
    }

    @Test(arguments: [0, 1, 2, 1023, 1024, 1025, 3001])
    func halvesJoinToTheOnePassArray(count: Int) {
        let s = Self.sources(count)
        #expect(ReportJSON.backgroundArray(s) == Self.onePass(s))
    }

    /// In report.json: the key, the array, and the key after it, as a one-pass render writes them.
    @Test func theReportHoldsTheArrayWhereOnePassWroteIt() {
        var inv = Investigation()
        inv.background = Self.sources(1500)
        let text = String(decoding: ReportJSON.render(inv, files: [], discoveryIssues: [], generated: nil), as: UTF8.self)
        let array = String(decoding: Self.onePass(inv.background), as: UTF8.self)
        #expect(text.contains("\"hostile_background\":" + array + ",\"caveats\":"))
    }
}
