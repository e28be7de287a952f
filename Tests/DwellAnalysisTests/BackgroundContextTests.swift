import DwellAnalysis
import DwellCore
import DwellIngest
import DwellPipeline
import DwellTestSupport
import Foundation
import Testing

/// The hostile background lists the sources whose findings are attempts that led nowhere. A context finding (an
/// account logging in from an address never seen for it) is no attempt: its source must not be listed as a
/// background attacker, with "no login accepted from it" as the reason and its accepted login as the evidence,
/// nor its finding rolled up into "hostile background" as an attempt.
@Suite struct BackgroundContextTests {
    @Test func aColleaguesNewSourceIsContextNotHostileBackground() throws {
        var lines: [String] = []
        // Day 1: alice's usual address (the rule learns a day of the host's evidence first).
        lines.append("Mar  9 08:00:00 bastion sshd[100]: Accepted publickey for alice from 10.8.0.5 port 40000 ssh2")
        // Day 2: an Internet brute force that leads nowhere.
        for k in 0..<25 {
            let s = String(format: "%02d", k)
            lines.append(
                "Mar 10 03:00:\(s) bastion sshd[\(200 + k)]: Failed password for root from 203.0.113.50 port \(50000 + k) ssh2")
        }
        // Day 3: alice from a new VPN address.
        lines.append("Mar 11 09:00:00 bastion sshd[300]: Accepted publickey for alice from 10.8.0.20 port 41000 ssh2")
        let dir = try Fixture.temporaryDirectory("background-context")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("auth.log")
        _ = try Fixture.write(lines.joined(separator: "\n") + "\n", to: file)
        let inv = InvestigationRun.run(paths: [file.path], options: IngestOptions(jobs: 1, year: 2026), seeds: [])
            .investigation
        let newSource = try #require(
            inv.findings.first { $0.rule == "auth.new_source" }, "\(inv.findings.map(\.rule))")
        #expect(newSource.role == .context)
        #expect(newSource.indicators.first(.ip)?.value == "10.8.0.20")
        #expect(!inv.isBackground(newSource))
        #expect(inv.background.map(\.address) == ["203.0.113.50"], "\(inv.background.map(\.address))")
        #expect(inv.findings.contains { $0.rule == "auth.bruteforce" && inv.isBackground($0) })
    }
}
