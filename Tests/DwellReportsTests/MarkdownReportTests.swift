@testable import DwellAnalysis
@testable import DwellCore
import DwellIndex
@testable import DwellIngest
import DwellPipeline
@testable import DwellReports
import DwellTestSupport
import Foundation
import Testing

/// Inputs shared by the report.md / report.html tests: the SampleLogs incident run once through the real pipeline
/// (cached), and a hand-built investigation whose every attacker-controlled string is a payload.
enum HumanReportFixture {
    static let sampleDirectory = Fixture.packageRoot.appendingPathComponent("SampleLogs/incident-2026-03").path
    /// The fixed generation time of the golden files (what `SOURCE_DATE_EPOCH` would give).
    static let generated = Timestamp(seconds: 1_773_360_000)  // 2026-03-13T00:00:00Z

    /// The sample incident, investigated unaided; nil when SampleLogs is absent.
    static let sample: ReportInput? = {
        guard FileManager.default.fileExists(atPath: sampleDirectory) else { return nil }
        let run = InvestigationRun.run(paths: [sampleDirectory], options: IngestOptions(jobs: 2), seeds: [])
        return ReportInput(
            investigation: run.investigation, files: run.files, discoveryIssues: run.discoveryIssues,
            generated: generated,
            inputs: ["SampleLogs/incident-2026-03"], outputDirectory: "dwell-out")
    }()

    static let script = "<script>document.title='PWNED'</script>"
    static let img = "\"><img src=x onerror=\"document.body.appendChild(document.createElement('b')).id='pwned'\">"
    static let markdown =
        "a|b `code` [x](javascript:alert(1)) *em* _u_ <b>tag</b> ![i](http://evil.example/x.png) https://evil.example www.evil.example"
    /// What attacks a spreadsheet (harmless in Markdown and HTML, but it must arrive intact and escaped).
    static let formula = "=cmd|' /C calc'!A0 +1 -2 @SUM(1)\t\rx"
    static let ansi = "\u{1b}[31mred\u{1b}[0m\r\nsecond line\ttab \u{202e}rtl"

    static func ref(
        _ raw: [UInt8], file: String = "web01/var/log/nginx/access.log", line: UInt64 = 7, time: Int64 = 1_773_256_901
    )
        -> EvidenceRef
    {
        EvidenceRef(fileID: 0, file: file, line: line, offset: 100, raw: raw, time: Timestamp(seconds: time))
    }

    /// An investigation with payloads in user agents, paths, user names, host names, raw lines (with invalid UTF-8)
    /// and file names.
    static func hostile() -> ReportInput {
        let t0 = Timestamp(seconds: 1_773_256_901)
        let t1 = Timestamp(seconds: 1_773_260_000)
        let badFile = "web01/var/log/\(img)access.log"
        let rawBytes =
            Array("203.0.113.9 - - \"GET /\(script) HTTP/1.1\" 200 1 \"-\" \"\(img)\" ".utf8) + [0xff, 0xfe, 0xc3]
            + Array(ansi.utf8)
        let r = ref(rawBytes, file: badFile)
        var inv = Investigation()
        inv.firstSeen = t0
        inv.lastSeen = t1
        inv.firstEvidence = r
        inv.lastEvidence = ref(Array("last \(markdown)".utf8), line: 9, time: 1_773_260_000)
        let host = "web01\(script)"
        let host2 = "app\(img)"
        inv.entryPoints = [host]
        inv.hosts = [
            HostScope(
                host: host, addresses: ["10.0.0.1"], firstCompromise: t0, lastActivity: t1,
                reason: "web shell \(markdown)", evidence: r),
            HostScope(
                host: host2, addresses: [], firstCompromise: t1, lastActivity: t1, reason: "login as \(script)",
                evidence: r),
        ]
        let user = "root\(script)\(img)"
        inv.accounts = [
            ScopeItem(
                type: .user, value: user, reason: "logged in \(ansi)", firstSeen: t0, lastSeen: t1, count: 3,
                evidence: r)
        ]
        inv.sourceIPs = [
            ScopeItem(
                type: .ip, value: "203.0.113.9", reason: "seed", firstSeen: t0, lastSeen: t1, count: 2, evidence: r)
        ]
        inv.dataTouched = [
            ScopeItem(
                type: .path, value: "/uploads/\(script)\(markdown)", reason: "served", firstSeen: t0, lastSeen: t0,
                count: 1, evidence: r)
        ]
        let edge = LateralEdge(from: host, to: host2, time: t1, account: user, method: "ssh\(ansi)", evidence: r)
        inv.edges = [edge]
        inv.paths = [[edge]]
        inv.timeline = [
            TimelineEntry(
                time: t0, host: host, phase: .initialAccess, kind: "web_request", summary: "GET \(script)", evidence: r),
            TimelineEntry(
                time: t1, host: host2, phase: .lateralMovement, kind: "auth_success", summary: "user=\(user)",
                evidence: r),
        ]
        inv.findings = [
            Finding(
                rule: "web.webshell", title: "Web shell command", technique: "T1505.003", severity: .critical, time: t0,
                host: host,
                indicators: [.url("/shell.php\(img)"), .user("\(user)")], why: "answered 200 to cmd=\(script) \(markdown)",
                evidence: [r], seeds: true),
            Finding(
                rule: "persist.account_created", title: "Account created", technique: "T1136.001", severity: .medium,
                time: t1, host: host2,
                indicators: [.user("\(user)")], why: "useradd \(ansi)", evidence: [r], seeds: false),
        ]
        let ua = "Mozilla/5.0 \(script)\(img)\(markdown)\(ansi)"
        inv.indicators = [
            ScopeItem(
                type: .userAgent, value: ua, reason: "user agent of the attacker's requests", firstSeen: t0,
                lastSeen: t1, count: 5, evidence: r),
            ScopeItem(
                type: .path, value: "/uploads/\(script)", reason: "web shell", firstSeen: t0, lastSeen: t0, count: 1,
                evidence: r),
            ScopeItem(
                type: .user, value: formula, reason: "spreadsheet payload", firstSeen: t0, lastSeen: t0, count: 1,
                evidence: r),
        ]
        inv.seeds = ["ip:203.0.113.9"]
        inv.growth = "stopped at fixed point after 1 round(s)"
        inv.caveats = ["log gap on \(host): 2 hours \(ansi)"]
        inv.eventCount = 12
        var stats = FileStats(
            file: EvidenceFile(
                id: 0, path: "/evidence/" + badFile, displayPath: badFile, hostHint: host, rotationSet: badFile,
                rotationIndex: 0,
                rotationCount: 1, isStdin: false, sizeBytes: 10, modificationTime: nil))
        stats.sha256 = String(repeating: "ab", count: 32)
        stats.format = "combined"
        stats.lines = 10
        stats.parsed = 9
        stats.rejected = 1
        stats.rejectionsByReason = ["unrecognized": 1]
        stats.samples = [
            FileStats.Sample(line: 3, offset: 40, reason: "unrecognized", column: 0, raw: Array(script.utf8) + [0xff])
        ]
        stats.timeSources = ["year=file-mtime,zone=assumed-utc": 9]
        stats.yearReferenceSource = "file mtime"
        stats.issues = [
            EvidenceIssue(kind: .noTrailingNewline, path: badFile, line: 10, message: "no final newline \(script)")
        ]
        return ReportInput(
            investigation: inv, files: [stats],
            discoveryIssues: [
                EvidenceIssue(kind: .unreadable, path: "/evidence/\(img)", message: "permission denied \(script)")
            ],
            generated: generated, inputs: ["/evidence/\(img)", "/case/it's here\n`rm -rf`"], outputDirectory: "out dir")
    }

    /// An investigation that found nothing, with one low finding.
    static func quiet() -> ReportInput {
        var inv = Investigation()
        inv.growth = "no seed: no indicator given and no high-severity finding"
        inv.eventCount = 40
        inv.findings = [
            Finding(
                rule: "web.scanner_agent", title: "Scanner user agent", technique: "T1595", severity: .medium,
                time: Timestamp(seconds: 1_773_256_901), host: "sensor", indicators: [.ip("198.51.100.1")], why: "zgrab",
                evidence: [ref(Array("GET / zgrab".utf8))], seeds: false)
        ]
        var stats = FileStats(
            file: EvidenceFile(
                id: 0, path: "/e/auth.log", displayPath: "e/auth.log", hostHint: nil, rotationSet: "e/auth.log",
                rotationIndex: 0,
                rotationCount: 1, isStdin: false, sizeBytes: 10, modificationTime: nil))
        stats.sha256 = String(repeating: "cd", count: 32)
        stats.lines = 40
        stats.parsed = 40
        stats.format = "syslog"
        return ReportInput(investigation: inv, files: [stats], discoveryIssues: [], generated: nil, inputs: ["e"])
    }
}

@Suite struct MarkdownReportTests {
    static func text(_ input: ReportInput) -> String { String(decoding: MarkdownReport.render(input), as: UTF8.self) }

    @Test func renderingTwiceGivesIdenticalBytes() throws {
        let hostile = HumanReportFixture.hostile()
        #expect(MarkdownReport.render(hostile) == MarkdownReport.render(hostile))
        let input = try #require(HumanReportFixture.sample, "SampleLogs/incident-2026-03 is committed with the package")
        #expect(MarkdownReport.render(input) == MarkdownReport.render(input))
    }

    @Test func sampleReportHasTheSectionsInIncidentResponseOrder() throws {
        let input = try #require(HumanReportFixture.sample, "SampleLogs/incident-2026-03 is committed with the package")
        let md = Self.text(input)
        let headings = [
            "## Summary", "## Timeline of the attack", "## Scope", "## Lateral movement", "## Findings",
            "## Indicators",
            "## Next steps", "## Method and caveats",
        ]
        let positions = try headings.map { h in try #require(md.range(of: "\n" + h + "\n")).lowerBound }
        #expect(positions == positions.sorted())
        let inv = input.investigation
        let first = try #require(inv.firstSeen)
        let last = try #require(inv.lastSeen)
        #expect(
            md.contains("| Attack window | \(first.iso8601(fractionDigits: 0)) → \(last.iso8601(fractionDigits: 0))"))
        // Both ends of the window cite their evidence line.
        let fe = try #require(inv.firstEvidence)
        let le = try #require(inv.lastEvidence)
        #expect(md.contains(MarkdownText.escape("\(fe.file):\(fe.line)") + ": " + MarkdownText.escape(bytes: fe.raw)))
        #expect(md.contains(MarkdownText.escape("\(le.file):\(le.line)") + ": " + MarkdownText.escape(bytes: le.raw)))
        // Every hop of every path, every finding and every manifest file appears.
        for hop in inv.paths.flatMap({ $0 }) {
            #expect(md.contains("| \(hop.time.iso8601(fractionDigits: 0)) | \(hop.from) | \(hop.to) |"))
        }
        for f in input.files { #expect(md.contains("| \(MarkdownText.escape(f.file.displayPath)) | \(f.sha256) |")) }
        let webshells = inv.findings.filter { $0.technique == "T1505.003" }.count
        let webshellRules = input.rules.filter { $0.technique == "T1505.003" }.count
        #expect(md.components(separatedBy: "| T1505.003 |").count - 1 == webshells + webshellRules)
        // The sweep command to schedule, with the user's inputs.
        #expect(
            md.contains(
                "dwell sweep --iocs dwell-out/iocs.txt --state dwell-out/sweep.state SampleLogs/incident-2026-03\n"))
        for ip in inv.sourceIPs { #expect(md.contains("- \(MarkdownText.escape(ip.value)) — ")) }
        for rule in input.rules { #expect(md.contains("| \(MarkdownText.escape(rule.id)) | ")) }
    }

    @Test func noAttackIsSaidPlainlyAndFindingsAndManifestStillShow() {
        let md = Self.text(HumanReportFixture.quiet())
        #expect(md.contains("**No attack found.**"))
        #expect(md.contains("| Attack window | none found |"))
        #expect(md.contains("Scanner user agent"))
        #expect(md.contains("| e/auth.log | \(String(repeating: "cd", count: 32)) | 0 | syslog | 40 | 40 | 0 |"))
        #expect(md.contains("No movement from host to host was found."))
        #expect(!md.contains("dwell sweep"))
    }

    @Test func hostileTextStaysText() {
        let md = Self.text(HumanReportFixture.hostile())
        // No raw HTML, no link, no image, no code span from the logs: every such character is backslash-escaped.
        // Outside the fenced command (code, shown verbatim), the only unescaped `<` is dwell's own line break.
        var outsideCode = ""
        var inFence = false
        for line in md.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```") { inFence.toggle() } else if !inFence { outsideCode += line + "\n" }
        }
        let scalars = Array(outsideCode.unicodeScalars)
        for (i, c) in scalars.enumerated() where c == "<" && (i == 0 || scalars[i - 1] != "\\") {
            #expect(String(String.UnicodeScalarView(scalars[i..<min(i + 4, scalars.count)])) == "<br>")
        }
        #expect(!md.contains("](javascript"))
        #expect(!md.contains("![i]("))
        #expect(!md.contains("https://evil"))
        #expect(!md.contains("www.evil"))
        #expect(md.contains("\\<script\\>document.title='PWNED'\\</script\\>"))
        #expect(md.contains("\\[x\\]\\(javascript:alert\\(1\\)\\)"))
        #expect(md.contains("a\\|b \\`code\\`"))
        // Control characters and ANSI escapes are visible, and no table row is broken by a newline.
        #expect(!md.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" || $0.value == 0x1b || $0.value == 0x202e })
        #expect(md.contains("\\\\x1B\\[31mred"))
        // Invalid UTF-8 in a raw line is shown as \xNN, not replaced.
        #expect(md.contains("\\\\xFF\\\\xFE\\\\xC3"))
        #expect(!md.contains("\u{FFFD}"))
        for line in md.split(separator: "\n") where line.hasPrefix("|") {
            #expect(line.hasSuffix("|"), "table row broken: \(line.prefix(120))")
            // Unescaped pipes would add cells: count the separators that are not escaped.
            let cells = line.replacingOccurrences(of: "\\|", with: "").split(
                separator: "|", omittingEmptySubsequences: false
            ).count
            #expect(cells >= 3)
        }
        #expect(md.contains("| user | =cmd\\|' /C calc'\\!A0 +1 -2 \\@SUM\\(1\\)\\\\t\\\\rx |"))
        // The sweep command quotes hostile inputs for the shell inside a fence longer than any backtick run.
        #expect(md.contains("```sh\ndwell sweep --iocs 'out dir/iocs.txt' --state 'out dir/sweep.state'"))
        #expect(md.contains("$'/case/it\\'s here\\x0a`rm -rf`'"))
    }

    @Test(arguments: [
        ("<script>", "\\<script\\>"), ("a|b", "a\\|b"), ("`x`", "\\`x\\`"),
        ("[x](javascript:alert(1))", "\\[x\\]\\(javascript:alert\\(1\\)\\)"),
        ("=cmd|' /C calc'!A0", "=cmd\\|' /C calc'\\!A0"), ("http://e.x", "http\\://e.x"),
        ("see www.e.x", "see www\\.e.x"),
        ("1\n2", "1\\\\n2"), ("\u{1b}[31m", "\\\\x1B\\[31m"), ("a_b*c", "a\\_b\\*c"),
        ("plain 10.0.0.1 text", "plain 10.0.0.1 text"),
    ])
    func markdownEscaping(input: String, expected: String) {
        #expect(MarkdownText.escape(input) == expected)
    }
}
