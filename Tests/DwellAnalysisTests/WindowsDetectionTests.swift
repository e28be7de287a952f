import DwellAnalysis
import DwellCore
import DwellIngest
import DwellPipeline
import DwellTestSupport
import Foundation
import Testing

/// `dwell investigate` on the real Windows files: the `win.*` rules fire on the techniques each file shows, with
/// the hosts, accounts and addresses its README row names, and cite records as one line of XML.
@Suite struct WindowsDetectionTests {
    static var dir: URL? { Fixture.realData?.appendingPathComponent("windows/evtx-mdecrevoisier-evtx-to-mitre-attack") }

    static func investigate(_ name: String) throws -> Investigation {
        let path = try #require(dir).appendingPathComponent(name).path
        return InvestigationRun.run(paths: [path], options: IngestOptions(jobs: 2), seeds: []).investigation
    }

    @Test(.enabled(if: dir != nil, "../shared/realdata/windows is absent"))
    func secretsdumpFileShowsDumpPassTheHashAndClearedLog() throws {
        let inv = try Self.investigate("ID4656, 5145, 4674-Impacket secret dump via SMB.evtx")
        let rules = Set(inv.findings.map(\.rule))
        #expect(rules.isSuperset(of: ["win.secretsdump", "win.pass_the_hash", "win.log_cleared"]))
        let dump = try #require(inv.findings.first { $0.rule == "win.secretsdump" })
        #expect(dump.host == "fs03vuln.offsec.lan" && dump.indicators.contains(.ip("10.23.123.11")))
        #expect(dump.role == .compromise && dump.technique == "T1003.002")
        #expect(inv.sourceIPs.map(\.value).contains("10.23.123.11"))
        #expect(inv.accounts.map(\.value).contains("OFFSEC\\admmig"))
        #expect(inv.hosts.map(\.host).contains("fs03vuln.offsec.lan"))
        // Evidence is the record as one line of XML, read back from the binary file.
        let raw = String(decoding: try #require(dump.evidence.first).raw, as: UTF8.self)
        #expect(raw.hasPrefix("<Event xmlns=") && raw.contains("10.23.123.11"))
    }

    @Test(.enabled(if: dir != nil, "../shared/realdata/windows is absent"))
    func dcomFileShowsTheMMCLaunchAndTheNTLMLogon() throws {
        let inv = try Self.investigate("ID4688,4674-DCOMexec process spawned.evtx")
        let dcom = try #require(inv.findings.first { $0.rule == "win.dcom_exec" })
        #expect(dcom.host == "srvdefender01.offsec.lan" && dcom.why.contains("mmc.exe -Embedding"))
        #expect(dcom.indicators.contains(.user("OFFSEC\\admmig")))
        #expect(inv.findings.contains { $0.rule == "win.pass_the_hash" })
        // The two cscript monitoring processes are not findings.
        #expect(!inv.findings.contains { $0.why.contains("cscript") })
    }

    @Test(.enabled(if: dir != nil, "../shared/realdata/windows is absent"))
    func accountAndGroupChangesAndClearedLogs() throws {
        let admins = try Self.investigate("ID4732-User added to local admin groups.evtx")
        let add = admins.findings.filter { $0.rule == "win.admin_group_add" }
        #expect(add.count == 1 && add[0].count == 2)  // Administrators and Backup Operators; Users is not privileged
        #expect(add[0].host == "jump01.offsec.lan" && add[0].technique == "T1098")

        let created = try Self.investigate("ID4720-Local user created.evtx")
        #expect(created.findings.contains { $0.rule == "persist.account_created" && $0.why.contains("JUMP01\\hacking-local-acct") })

        let cleared = try Self.investigate("ID104-1102-Event log cleared.evtx")
        let c = try #require(cleared.findings.first { $0.rule == "win.log_cleared" })
        #expect(c.count == 91 && c.host == "FS03.offsec.lan" && c.technique == "T1070.001")
        #expect(cleared.findings.filter { $0.rule == "win.log_cleared" }.count == 1)

        let netUse = try Self.investigate("ID4688-4648 Lateral movement with net use.evtx")
        let e = try #require(netUse.findings.first { $0.rule == "win.explicit_credentials" })
        #expect(e.why.contains("OFFSEC.LAN\\hack1") && e.why.contains("fs03vuln.offsec.lan"))
    }

    @Test(.enabled(if: dir != nil, "../shared/realdata/windows is absent"))
    func benignKerberosLogonsAloneRaiseNoCompromise() throws {
        let inv = try Self.investigate("ID4624-Success login with Golden ticket.evtx")
        #expect(!inv.findings.contains { $0.role == .compromise })
    }
}
