import DwellAnalysis
import DwellCore
import DwellIngest
import DwellPipeline
import DwellScenario
import DwellTestSupport
import Foundation
import Testing

/// Unseeded `dwell investigate` on the web-to-windows fleet incident (issue #20): a web shell on a Linux web
/// server, WinRM and RDP into Windows servers, a service and a local administrator, exfiltration; beside the
/// Windows background (domain logons from forty workstations, Internet RDP guessing on the exposed terminal
/// server, administrators over RDP, nightly update services and tasks). Both layouts, three seeds: the window
/// exact to the second, hosts, accounts (`DOMAIN\user`) and attacker addresses exact, every hop found, the
/// look-alikes out; and a benign week of the same fleet is no attack.
@Suite
struct WindowsGroundTruthMatrixTests {
    typealias Cell = GroundTruthMatrixTests.Cell
    typealias Truth = GroundTruthMatrixTests.Truth

    static let cells: [Cell] = FleetLayout.allCases.flatMap { layout in
        [UInt64(1), 2, 3].map { Cell(story: .webToWindows, layout: layout, seed: $0) }
    }

    @Test(arguments: cells)
    func unseededInvestigationMatchesTheGroundTruth(_ cell: Cell) throws {
        let (truth, result) = try GroundTruthMatrixTests.investigate(cell, folder: "dwell-windows-matrix")
        // The truth names Windows hosts, accounts and hops: the cell checks the story crosses both systems.
        #expect(truth.hosts.isSuperset(of: ["ts01", "sql01"]))
        #expect(truth.accounts.isSuperset(of: ["CORP\\svc-web", "CORP\\adm-backup"]))
        #expect(truth.hops.map(\.to) == ["ts01", "sql01"])
        let inv = result.investigation
        let problems = GroundTruthMatrixTests.differences(inv, truth)
        #expect(problems.isEmpty, "\(cell.testDescription):\n  \(problems.joined(separator: "\n  "))")
        // The hops name their Windows method (the logon type), and cite the exported record.
        let methods = Set(inv.edges.filter { $0.to == "ts01" || $0.to == "sql01" }.map(\.method))
        #expect(methods == ["network", "rdp"])
        #expect(inv.edges.allSatisfy { !$0.evidence.raw.isEmpty })
        // #20: the RDP hop is one edge citing both records of its logon (RemoteConnectionManager 1149 and 4624
        // type 10), not two edges in the same second.
        let rdp = inv.edges.filter { $0.from == "ts01" && $0.to == "sql01" }
        #expect(rdp.count == 1, "\(rdp.map { ($0.time, $0.evidence.line) })")
        if let hop = rdp.first {
            let cited = ([hop.evidence] + hop.corroboration).map { String(decoding: $0.raw, as: UTF8.self) }
            #expect(cited.count == 2, "\(cited)")
            #expect(cited.contains { $0.contains("1149") } && cited.contains { $0.contains("4624") }, "\(cited)")
        }
        // The Windows detections fire on the attacker's records; the RDP guessers stay background.
        let rules = Set(inv.findings.map(\.rule))
        #expect(rules.isSuperset(of: ["win.account_created_admin", "win.remote_service", "win.explicit_then_exec"]))
        let guessers = Set(inv.background.map(\.address)).intersection(truth.guessers)
        #expect(!guessers.isEmpty)
    }

    @Test(arguments: FleetLayout.allCases)
    func aBenignWindowsWeekIsNoAttack(_ layout: FleetLayout) throws {
        let inv = try GroundTruthMatrixTests.benignWeek(.webToWindows, layout, seed: 4, folder: "dwell-windows-benign")
        // The background is there: Windows records read, services installed by updates, RDP guessing.
        #expect(inv.findings.contains { $0.rule == "win.service_installed" && $0.role == .context })
        #expect(inv.findings.contains { $0.rule == "auth.bruteforce" && $0.host == "ts01" && $0.title == "Windows logon brute force" })
    }
}
