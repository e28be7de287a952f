import DwellAnalysis
import DwellCore
import DwellIngest
import DwellPipeline
import DwellReports
import DwellTestSupport
import Foundation
import Testing

@testable import DwellSweep

/// The loop the responder closes: investigate the incident, hand its `iocs.stix.json` / `iocs.txt` to the
/// nightly sweep, and the sweep finds the attacker when they come back in new logs — and stays quiet otherwise.
@Suite struct ReportToSweepRoundTripTests {
    static let sample = Fixture.packageRoot.appendingPathComponent("SampleLogs/incident-2026-03").path

    /// The sample's indicator files, as `dwell investigate --formats stix,iocs` writes them.
    static let exports: [String: [UInt8]] = {
        let run = InvestigationRun.run(paths: [sample], options: IngestOptions(jobs: 2), seeds: [])
        let input = ReportInput(
            investigation: run.investigation, files: run.files, discoveryIssues: run.discoveryIssues, generated: nil,
            inputs: [sample])
        var out: [String: [UInt8]] = [:]
        for f in ReportSet.render(input, formats: [.stix, .iocs]) { out[f.path] = f.bytes }
        return out
    }()

    /// Two weeks later: the attacker's address logs in again over ssh and calls the web shell; plus routine noise.
    static let returning = """
        Mar 27 03:14:15 web01 sshd[4242]: Failed password for root from 192.0.2.10 port 40000 ssh2
        Mar 27 03:14:16 web01 sshd[4243]: Accepted password for deploy from 203.0.113.45 port 51515 ssh2
        Mar 27 03:20:00 web01 CRON[4300]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)

        """
    static let returningWeb = """
        198.51.100.20 - - [27/Mar/2026:03:15:00 +0000] "GET /index.html HTTP/1.1" 200 512 "-" "Mozilla/5.0"
        192.0.2.99 - - [27/Mar/2026:03:16:00 +0000] "GET /uploads/shell.php?cmd=whoami HTTP/1.1" 200 9 "-" "curl/8.5.0"

        """
    static let quiet = """
        Mar 27 03:14:15 web01 sshd[4242]: Failed password for root from 192.0.2.10 port 40000 ssh2
        Mar 27 03:20:00 web01 CRON[4300]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)

        """

    func sweep(_ iocs: String, logs: [String: String]) throws -> (SweepReport, [[String: Any]]) {
        let h = try SweepHarness()
        let bytes = try #require(Self.exports[iocs], "investigate wrote no \(iocs)")
        try Data(bytes).write(to: URL(fileURLWithPath: h.path("iocs-in")))
        for (name, text) in logs { try h.write(name, text) }
        return h.sweep(iocs: "iocs-in", logs.keys.sorted())
    }

    @Test(arguments: ["iocs.stix.json", "iocs.txt"])
    func theSweepFindsTheAttackersReturn(_ iocs: String) throws {
        let (report, hits) = try sweep(iocs, logs: ["auth.log": Self.returning, "access.log": Self.returningWeb])
        #expect(report.outcome == .hits)
        #expect(report.warnings.isEmpty, "every exported indicator is understood: \(report.warnings)")
        let indicators = Set(hits.compactMap { ($0["indicator"] as? [String: Any])?["value"] as? String })
        #expect(indicators.contains { $0.contains("203.0.113.45") }, "\(indicators)")
        #expect(indicators.contains { $0.contains("/uploads/shell.php") }, "\(indicators)")
        // The evidence line of each hit is the returning line, not the noise around it.
        let lines = Set(hits.compactMap { h -> String? in
            guard let e = h["evidence"] as? [String: Any], let file = e["file"] as? String, let line = e["line"] as? Int
            else { return nil }
            return "\(URL(fileURLWithPath: file).lastPathComponent):\(line)"
        })
        #expect(lines == ["auth.log:2", "access.log:2"], "\(lines)")
    }

    @Test(arguments: ["iocs.stix.json", "iocs.txt"])
    func quietLogsGiveNoHit(_ iocs: String) throws {
        let (report, hits) = try sweep(iocs, logs: ["auth.log": Self.quiet])
        #expect(report.outcome == .clean)
        #expect(hits.isEmpty)
    }
}
