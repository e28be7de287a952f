import DwellAnalysis
import DwellCore
import DwellIngest
import DwellPipeline
import DwellTestSupport
import Foundation
import Testing

/// Issue #17 end to end: `dwell investigate` on real sensor-only captures, unseeded, through the correlator — the
/// window, the hosts by name, the hops and the attacker's infrastructure.
@Suite struct NetworkOnlyInvestigationTests {
    static let root = Fixture.realData?.appendingPathComponent("network")
    static func present(_ folder: String) -> Bool {
        FileManager.default.fileExists(atPath: root?.appendingPathComponent(folder).path ?? "/nonexistent")
    }
    static func investigate(_ folder: String) throws -> Investigation {
        let dir = try #require(root).appendingPathComponent(folder)
        return InvestigationRun.run(paths: [dir.path], options: IngestOptions(jobs: 2), seeds: []).investigation
    }

    @Test(
        "APT29 day 2: window from the first beacon, UTICA-A, NEWYORK and SCRANTON, two WinRM hops, 192.168.0.4",
        .enabled(if: present("zeek-json-otrf-apt29-day2"), "../shared/realdata is absent"))
    func apt29Day2() throws {
        let inv = try Self.investigate("zeek-json-otrf-apt29-day2")
        // The first beacon to 192.168.0.4 (07:03:39Z) to the last WinRM session to SCRANTON (07:32:37Z).
        #expect(inv.firstSeen?.iso8601(fractionDigits: 0) == "2020-05-01T07:03:39Z")
        #expect(inv.lastSeen?.iso8601(fractionDigits: 0) == "2020-05-01T07:32:37Z")
        #expect(inv.hosts.map(\.host) == ["UTICA-A", "NEWYORK", "SCRANTON"])
        #expect(inv.entryPoints == ["UTICA-A"])
        #expect(inv.sourceIPs.map(\.value) == ["192.168.0.4"])
        let hops = inv.edges.map { "\($0.from)>\($0.to) \($0.method) \($0.time.iso8601(fractionDigits: 0))" }
        // The capture's first WinRM connections (its README dates them 07:11:52Z and 07:29:56Z).
        #expect(hops == ["UTICA-A>NEWYORK winrm 2020-05-01T07:11:51Z", "UTICA-A>SCRANTON winrm 2020-05-01T07:29:31Z"])
        #expect(inv.hosts.first { $0.host == "UTICA-A" }?.addresses == ["10.0.1.5"])
        #expect(inv.firstEvidence?.raw.isEmpty == false)
        // Names come from the per-host capture files, and the report says so.
        #expect(inv.caveats.contains { $0.text.contains("NEWYORK = 10.0.0.4 (per-host capture file name") })
    }

    @Test(
        "LSASS campaign: the victim 192.168.1.41 and the payload server 10.0.5.13",
        .enabled(if: present("zeek-tsv-otrf-lsass-campaign-01"), "../shared/realdata is absent"))
    func lsassCampaign() throws {
        let inv = try Self.investigate("zeek-tsv-otrf-lsass-campaign-01")
        #expect(inv.hosts.map(\.host) == ["192.168.1.41"])
        #expect(inv.sourceIPs.map(\.value) == ["10.0.5.13"])
        #expect(inv.firstSeen != nil && inv.lastSeen != nil)
        #expect(inv.findings.contains { $0.rule == "net.payload_download" && inv.isTied($0) })
    }
}
