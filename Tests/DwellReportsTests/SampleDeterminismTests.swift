import DwellCore
import DwellTestSupport
import Foundation
import Testing

@testable import DwellAnalysis
@testable import DwellReports

/// Two full runs on the SampleLogs incident give byte-identical files in every format. What the pipeline answers is
/// held by the ground-truth tests (GroundTruthTests and the matrices), how each renderer writes by the hand-made
/// goldens (RendererGoldenTests): no golden bytes of the whole pipeline, which any parser change would rewrite.
@Suite struct SampleDeterminismTests {
    @Test func twoFullRunsGiveByteIdenticalFiles() throws {
        let first = try #require(MachineReportFixture.sample, "SampleLogs/incident-2026-03 is committed with the package")
        let second = try #require(MachineReportFixture.runSample())
        let a = ReportSet.render(first, formats: ReportFormat.allCases)
        let b = ReportSet.render(second, formats: ReportFormat.allCases)
        #expect(a.map(\.path) == b.map(\.path))
        #expect(a.map(\.path).contains("sigma/dwell_sshd_attacker_logins.yml"))
        for (x, y) in zip(a, b) {
            #expect(x.bytes == y.bytes, "\(x.path) differs between two runs on the same evidence")
        }
        let l2a = ReportSet.render(first, formats: [.csv], timelineStyle: .l2tcsv)
        let l2b = ReportSet.render(second, formats: [.csv], timelineStyle: .l2tcsv)
        #expect(l2a.map(\.path) == ["timeline.l2tcsv.csv"])
        #expect(l2a == l2b)
    }
}
