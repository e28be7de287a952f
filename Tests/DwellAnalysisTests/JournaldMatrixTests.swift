import DwellAnalysis
import DwellCore
import DwellIngest
import DwellPipeline
import DwellScenario
import DwellTestSupport
import Foundation
import Testing

/// The ground-truth matrix on images whose hosts keep their auth history in the systemd journal
/// (`--journald some|all`, #19): each cell is written twice from the same seed, once with journald and once with
/// auth.log, and unseeded `dwell investigate` must give the ground truth exactly (window, hosts, accounts, attacker
/// addresses, every hop, the look-alikes out) and the same answer on both versions: the same window, scope, hops
/// and findings (rule, host, time), with only the evidence citations differing.
@Suite
struct JournaldMatrixTests {
    struct Cell: CustomTestStringConvertible, Sendable {
        var story: FleetStoryKind
        var seed: UInt64
        var journald: FleetJournald
        var testDescription: String { "\(story.rawValue) image seed \(seed) journald \(journald.rawValue)" }
    }

    static let cells: [Cell] = FleetStoryKind.allCases.flatMap { story in
        [Cell(story: story, seed: 1, journald: .all), Cell(story: story, seed: 2, journald: .some)]
    }

    /// What must not differ between the journald and the syslog version.
    struct Answer: Equatable, CustomStringConvertible {
        var window: String
        var hosts: [String]
        var accounts: [String]
        var ips: [String]
        var edges: [String]
        var findings: [String]
        var description: String {
            "window \(window)\nhosts \(hosts)\naccounts \(accounts)\nips \(ips)\nedges \(edges)\n\(findings.count) findings"
        }

        init(_ inv: Investigation) {
            window =
                "\(inv.firstSeen?.iso8601(fractionDigits: 0) ?? "none") – \(inv.lastSeen?.iso8601(fractionDigits: 0) ?? "none")"
            hosts = inv.hosts.map(\.host).sorted()
            accounts = inv.accounts.map(\.value).sorted()
            ips = inv.sourceIPs.map(\.value).sorted()
            edges = inv.edges.map { "\($0.from)→\($0.to) \($0.account) \($0.time.iso8601(fractionDigits: 0))" }.sorted()
            findings = inv.findings.map {
                "\($0.rule) \($0.host) \($0.time.iso8601(fractionDigits: 0)) ×\($0.count) \($0.role)"
            }.sorted()
        }
    }

    @Test(arguments: cells)
    func journaldImageMatchesTheTruthAndTheSyslogImage(_ cell: Cell) throws {
        let dir = try Fixture.temporaryDirectory("dwell-journald-matrix")
        defer { try? FileManager.default.removeItem(at: dir) }
        var answers: [Answer] = []
        for (name, journald) in [("journal", cell.journald), ("syslog", FleetJournald.none)] {
            _ = try FleetGenerator.generate(
                FleetOptions(
                    seed: cell.seed, outputDirectory: dir.path, name: name, story: cell.story, layout: .image,
                    days: 3, backgroundScale: 0.02, journald: journald))
            let root = dir.appendingPathComponent(name).path
            let truth = try GroundTruthMatrixTests.Truth(json: root + ".truth.json")
            let result = InvestigationRun.run(paths: [root], options: IngestOptions(jobs: 2), seeds: [])
            let problems = GroundTruthMatrixTests.differences(result.investigation, truth)
            #expect(problems.isEmpty, "\(cell.testDescription) (\(name)):\n  \(problems.joined(separator: "\n  "))")
            answers.append(Answer(result.investigation))
            if journald != .none {
                // The journal is really what was read: journal files exist, and the claims cite them.
                let files = result.files.filter { $0.journal != nil }
                #expect(!files.isEmpty)
                #expect(files.contains { $0.file.displayPath.hasSuffix(".journal~") && $0.journal?.entriesRecovered == 2 })
                // The Linux stories hop by ssh, so their hops cite the journal; web-to-windows hops into Windows
                // (RDP, WinRM: the Windows exports), and its journal shows in the window and scope checked above.
                if cell.story != .webToWindows {
                    #expect(result.investigation.edges.contains { $0.evidence.file.contains("/var/log/journal/") })
                }
                #expect(result.investigation.edges.allSatisfy { !$0.evidence.raw.isEmpty })
            }
        }
        try #require(answers.count == 2)
        #expect(answers[0] == answers[1], "journald:\n\(answers[0])\nsyslog:\n\(answers[1])")
        if answers[0] != answers[1] {
            let a = Set(answers[0].findings)
            let b = Set(answers[1].findings)
            #expect(a == b, "only journald: \(a.subtracting(b).sorted()), only syslog: \(b.subtracting(a).sorted())")
        }
    }
}
