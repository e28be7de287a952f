import DwellCore
import DwellTestSupport
import Testing

@testable import DwellAnalysis
@testable import DwellReports

@Suite struct ReportSetTests {
    @Test func formatListsParseWithAllAndDuplicates() throws {
        #expect(try ReportFormat.parseList("all") == ReportFormat.allCases)
        #expect(try ReportFormat.parseList("json, CSV,json") == [.json, .csv])
        #expect(try ReportFormat.parseList("sigma,md") == [.md, .sigma])
    }

    @Test func unknownFormatNamesTheValidOnes() {
        do {
            _ = try ReportFormat.parseList("json,pdf")
            Issue.record("pdf was accepted")
        } catch {
            #expect(error.name == "pdf")
            #expect(error.description.contains("md,html,json,csv,jsonl,dot,stix,iocs,sigma"))
        }
    }

    @Test func everyFormatWritesItsFilesInAFixedOrder() {
        let input = MachineReportFixture.hostile()
        let paths = ReportSet.render(input).map(\.path)
        #expect(
            paths == [
                "report.md", "report.html", "report.json", "timeline.csv", "timeline.jsonl", "lateral.dot",
                "iocs.stix.json", "iocs.txt", "sigma/dwell_sshd_attacker_logins.yml",
                "sigma/dwell_web_attacker_requests.yml", "sigma/dwell_zeek_attacker_conns.yml",
            ])
        #expect(
            ReportSet.render(input, formats: [.csv], timelineStyle: .l2tcsv).map(\.path) == [
                "timeline.l2tcsv.csv"
            ])
        #expect(ReportSet.render(input, formats: []).isEmpty)
    }

    @Test func anEmptyInvestigationStillGivesWellFormedFiles() throws {
        let input = ReportInput(
            investigation: Investigation(), files: [], discoveryIssues: [], generated: nil, inputs: [])
        let files = ReportSet.render(input, formats: [.json, .csv, .jsonl, .stix, .iocs, .sigma])
        #expect(!files.contains { $0.path.hasPrefix("sigma/") })  // no indicators, no rules
        let stix = try #require(files.first { $0.path == "iocs.stix.json" })
        let objects = try #require(try JSONValue.parse(stix.bytes)["objects"]?.array)
        #expect(objects.count == 1)  // the identity alone
        let iocs = String(
            decoding: try #require(files.first { $0.path == "iocs.txt" }).bytes, as: UTF8.self)
        #expect(iocs.contains("# no attack window was found"))
    }
}
