import DwellIndex
import DwellPipeline
import DwellTestSupport
import Foundation
import Testing

@testable import DwellAnalysis
@testable import DwellCore
@testable import DwellIngest
@testable import DwellReports

/// Inputs shared by the machine-output tests: the SampleLogs incident run once through the real pipeline (cached,
/// with a fixed `generated` time) and a hand-built investigation whose attacker-controlled strings are payloads.
enum MachineReportFixture {
    static let sampleDirectory = Fixture.packageRoot.appendingPathComponent(
        "SampleLogs/incident-2026-03"
    ).path
    /// What `SOURCE_DATE_EPOCH=1773360000` gives: 2026-03-13T00:00:00Z.
    static let generated = Timestamp(seconds: 1_773_360_000)

    static func runSample() -> ReportInput? {
        guard FileManager.default.fileExists(atPath: sampleDirectory) else { return nil }
        let run = InvestigationRun.run(
            paths: [sampleDirectory], options: IngestOptions(jobs: 2), seeds: [])
        return ReportInput(
            investigation: run.investigation, files: run.files, discoveryIssues: run.discoveryIssues,
            generated: generated, inputs: ["SampleLogs/incident-2026-03"])
    }

    /// The sample incident, investigated unaided once per test process; nil when SampleLogs is absent.
    static let sample: ReportInput? = runSample()

    static let script = "<script>alert(1)</script>"
    static let img = "\"><img src=x onerror=alert(1)>"
    static let markdown = "a|b `code` [x](javascript:alert(1))"
    static let formula = "=cmd|' /C calc'!A0"
    static let ansi = "\u{1b}[31mred\u{1b}[0m"
    static let quote = "it's a \\ back'slash"
    static let invalidUTF8: [UInt8] = [0xff, 0xfe, 0xc3]

    static func ref(
        _ raw: [UInt8], file: String = "web01/var/log/nginx/access.log", line: UInt64 = 7,
        time: Int64 = 1_773_256_901
    )
        -> EvidenceRef
    {
        EvidenceRef(
            fileID: 0, file: file, line: line, offset: 100, raw: raw, time: Timestamp(seconds: time))
    }

    /// An investigation with payloads in user agents, paths, user names, host names, raw lines (with invalid
    /// UTF-8 and ANSI escapes) and file names.
    static func hostile() -> ReportInput {
        let t0 = Timestamp(seconds: 1_773_256_901)
        let t1 = Timestamp(seconds: 1_773_260_000)
        let badFile = "web01/var/log/\(img)access.log"
        let raw =
            Array("203.0.113.9 - - \"GET /\(script) HTTP/1.1\" 200 1 \"-\" \"\(img)\" ".utf8)
            + invalidUTF8
            + Array(ansi.utf8)
        let r = ref(raw, file: badFile)
        let user = "+root\(script)"
        let agent = "\(formula) \(img) \(markdown)\t\(ansi)\nsecond line"
        let path = "/uploads/\(script)*?\(quote)"
        var inv = Investigation()
        inv.firstSeen = t0
        inv.lastSeen = t1
        inv.firstEvidence = r
        inv.lastEvidence = r
        inv.entryPoints = ["web01"]
        inv.hosts = [
            HostScope(
                host: "@web01\(script)", addresses: ["10.0.0.1"], firstCompromise: t0, lastActivity: t1,
                reason: "web shell", evidence: r)
        ]
        inv.accounts = [
            ScopeItem(
                type: .user, value: user, reason: "logged in from \(img)", firstSeen: t0, lastSeen: t1,
                count: 3, evidence: r)
        ]
        inv.sourceIPs = [
            ScopeItem(
                type: .ip, value: "203.0.113.9", reason: "seed", firstSeen: t0, lastSeen: t1, count: 2,
                evidence: r),
            ScopeItem(
                type: .ip, value: "2001:db8::9", reason: "seed", firstSeen: t0, lastSeen: t1, count: 1,
                evidence: r),
            ScopeItem(
                type: .ip, value: "198.51.100.0/24", reason: "given range", firstSeen: t0, lastSeen: t1,
                count: 1, evidence: r),
        ]
        inv.indicators =
            inv.sourceIPs + inv.accounts + [
                ScopeItem(
                    type: .userAgent, value: agent, reason: "user agent of the attacker's requests",
                    firstSeen: t0, lastSeen: t1, count: 4, evidence: r),
                ScopeItem(
                    type: .userAgent, value: "sqlmap/1.5 (\(quote))", reason: "user agent", firstSeen: t0,
                    lastSeen: t0, count: 1, evidence: r),
                ScopeItem(
                    type: .domain, value: "evil.example", reason: "resolved by the shell", firstSeen: t0,
                    lastSeen: t0, count: 1, evidence: r),
                ScopeItem(
                    type: .hash, value: String(repeating: "a", count: 64), reason: "dropped file",
                    firstSeen: t0, lastSeen: t0, count: 1, evidence: r),
                ScopeItem(
                    type: .host, value: "victim-host", reason: "compromised", firstSeen: t0, lastSeen: t0,
                    count: 1, evidence: r),
            ]
        let edge = LateralEdge(
            from: "web01", to: "-app\(img)", time: t1, account: user, method: "ssh",
            evidence: ref(raw, file: badFile, line: 9, time: 1_773_260_000))
        inv.edges = [edge]
        inv.paths = [[edge]]
        inv.timeline = [
            TimelineEntry(
                time: t0, host: "web01", phase: .initialAccess, kind: "web_request",
                summary: "web_request src=203.0.113.9 GET \(path) user=admin", evidence: r),
            TimelineEntry(
                time: t1, host: "-app\(img)", phase: .lateralMovement, kind: "auth_success",
                summary: "auth_success success user=\(user) src=10.0.0.1", evidence: edge.evidence),
        ]
        inv.findings = [
            Finding(
                rule: "web.webshell", title: "Web shell command", technique: "T1505.003",
                severity: .critical, time: t0,
                host: "web01", indicators: [.ip("203.0.113.9"), .url("\(path)")],
                why: "answered 200 to cmd=\(formula)",
                evidence: [r], seeds: true),
            Finding(
                rule: "web.scanner_agent", title: "Scanner user agent", technique: "T1595",
                severity: .medium, time: t0,
                host: "web01", indicators: [.ip("203.0.113.9"), .ua("\(agent)")], why: "\(ansi) tool",
                evidence: [r], seeds: false),
        ]
        return ReportInput(
            investigation: inv, files: [], discoveryIssues: [], generated: nil, inputs: ["logs/"])
    }
}
