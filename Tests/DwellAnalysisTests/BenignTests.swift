import DwellAnalysis
import DwellCore
import DwellIngest
import DwellPipeline
import DwellScenario
import DwellTestSupport
import Foundation
import Testing

/// Not crying wolf: a corpus of routine activity only (admins' logins and sudo, cron, monitoring, backups,
/// shop traffic, crawlers, the Internet's scattered guesses and 404 probes) gives no high finding and no window.
@Suite struct BenignTests {
    static func corpus(seed: UInt64, days: Int = 3, scale: Double = 0.2) throws -> (URL, String) {
        let dir = try Fixture.temporaryDirectory("dwell-benign")
        _ = try ScenarioGenerator.generate(
            ScenarioOptions(
                seed: seed, outputDirectory: dir.path, name: "quiet", days: days, backgroundScale: scale, attack: false)
        )
        return (dir, dir.appendingPathComponent("quiet").path)
    }

    @Test(arguments: [UInt64(42), 20_260_312])
    func benignCorpusRaisesNoHighFindingAndNoWindow(seed: UInt64) throws {
        let (dir, root) = try Self.corpus(seed: seed)
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = InvestigationRun.run(paths: [root], options: IngestOptions(jobs: 2), seeds: [])
        let inv = result.investigation
        let loud = inv.findings.filter { $0.severity >= .high }
        #expect(loud.isEmpty, "\(loud.map { "\($0.rule) \($0.host): \($0.why)" })")
        #expect(inv.firstSeen == nil && inv.lastSeen == nil)
        #expect(inv.hosts.isEmpty && inv.accounts.isEmpty && inv.sourceIPs.isEmpty && inv.paths.isEmpty)
        #expect(inv.seeds.isEmpty)
        // The logs are regular and complete: no integrity caveat.
        #expect(!inv.findings.contains { $0.rule.family == .integrity })
        // Whatever did fire explains itself and cites its lines.
        for f in inv.findings {
            #expect(!f.why.isEmpty && !f.evidence.isEmpty && f.evidence.allSatisfy { !$0.raw.isEmpty }, "\(f.rule)")
        }
        #expect(result.files.allSatisfy { !$0.hasProblems })
    }

    /// Cuts hours out of one host's log: the gap is a caveat on the window, with the lines either side.
    @Test func aCutInALogIsACaveatWithTheLinesEitherSide() throws {
        let (dir, root) = try Self.corpus(seed: 42, days: 3, scale: 0.05)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = root + "/app01/var/log/auth.log.1"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        // Drop every line stamped 09:00 to 14:59 of that day.
        let kept = lines.filter { line in
            let hour = Int(line.dropFirst(11).prefix(2)) ?? -1
            return !(9...14).contains(hour)
        }
        #expect(kept.count < lines.count - 20)
        try (kept.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let before = try #require(kept.last { (Int($0.dropFirst(11).prefix(2)) ?? 99) < 9 })
        let after = try #require(kept.first { (Int($0.dropFirst(11).prefix(2)) ?? -1) > 14 })

        let inv = InvestigationRun.run(paths: [root], options: IngestOptions(jobs: 2), seeds: []).investigation
        let gaps = inv.findings.filter { $0.rule == "integrity.log_gap" }
        #expect(gaps.count == 1)
        let gap = try #require(gaps.first)
        #expect(gap.host == "app01" && gap.technique == "T1070.002")
        #expect(gap.evidence.map { String(decoding: $0.raw, as: UTF8.self) } == [before, after])
        let caveat = try #require(inv.caveats.first { $0.text.hasPrefix("integrity.log_gap") }?.text)
        #expect(caveat.contains(before) && caveat.contains(after))
        #expect(caveat.contains("app01/var/log/auth.log.1:"))
        // Still no alarm: a gap is a caveat, not an attack.
        #expect(inv.firstSeen == nil)
    }

    @Test func aLogThatStopsEarlyIsACaveat() throws {
        let (dir, root) = try Self.corpus(seed: 42, days: 3, scale: 0.05)
        defer { try? FileManager.default.removeItem(at: dir) }
        // db01's current auth.log loses its afternoon and evening.
        let path = root + "/db01/var/log/auth.log"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lines = text.split(separator: "\n")
        // Lines are RFC 3339 with +01:00: keep those before noon of the file's first (local) day.
        let noon = String(try #require(lines.first).prefix(11)) + "12"
        let kept = lines.filter { String($0.prefix(13)) < noon }
        #expect(kept.count > 50 && kept.count < lines.count / 2 + 20)
        try (kept.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let inv = InvestigationRun.run(paths: [root], options: IngestOptions(jobs: 2), seeds: []).investigation
        let ends = inv.findings.filter { $0.rule == "integrity.log_ends_early" }
        #expect(ends.map(\.host) == ["db01"])
        #expect(inv.caveats.contains { $0.text.hasPrefix("integrity.log_ends_early") && $0.text.contains("db01") })
    }
}
