import DwellCore
import DwellTestSupport
import Foundation
import Testing

@testable import DwellAnalysis
@testable import DwellReports

/// Every machine output on the SampleLogs incident against its golden file, and determinism across full runs.
@Suite struct MachineGoldenTests {
    /// The machine formats (md/html are the reports-human tests' golden files; lateral.dot is correl's).
    static let formats: [ReportFormat] = [.json, .csv, .jsonl, .stix, .iocs, .sigma]

    @Test func machineOutputsMatchTheirGoldenFiles() throws {
        let input = try #require(MachineReportFixture.sample, "SampleLogs/incident-2026-03 is committed with the package")
        let files = ReportSet.render(input, formats: Self.formats)
        #expect(files.map(\.path).contains("sigma/dwell_sshd_attacker_logins.yml"))
        for f in files { try MachineGolden.check(f.bytes, name: f.path) }
        let l2t = ReportSet.render(input, formats: [.csv], timelineStyle: .l2tcsv)
        #expect(l2t.map(\.path) == ["timeline.l2tcsv.csv"])
        for f in l2t { try MachineGolden.check(f.bytes, name: f.path) }
    }

    @Test func twoFullRunsGiveByteIdenticalFiles() throws {
        let first = try #require(MachineReportFixture.sample, "SampleLogs/incident-2026-03 is committed with the package")
        let second = try #require(MachineReportFixture.runSample())
        let a = ReportSet.render(first, formats: ReportFormat.allCases)
        let b = ReportSet.render(second, formats: ReportFormat.allCases)
        #expect(a.map(\.path) == b.map(\.path))
        for (x, y) in zip(a, b) {
            #expect(x.bytes == y.bytes, "\(x.path) differs between two runs on the same evidence")
        }
        let l2a = ReportSet.render(first, formats: [.csv], timelineStyle: .l2tcsv)
        let l2b = ReportSet.render(second, formats: [.csv], timelineStyle: .l2tcsv)
        #expect(l2a == l2b)
    }
}
