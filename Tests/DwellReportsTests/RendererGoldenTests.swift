@testable import DwellAnalysis
@testable import DwellCore
import DwellIndex
@testable import DwellIngest
@testable import DwellReports
import DwellTestSupport
import Foundation
import Testing

/// A small intrusion written by hand, not produced by the pipeline: a web server entered through a web shell, a
/// hop by ssh to a database host, a persistence account, one background scanner, one login at risk. Every field a
/// renderer shows is set, and attacker-controlled text carries payloads for each output's escaping. A parser or
/// detector change cannot move it; only a renderer change can.
enum HandMadeInvestigation {
    static let t0 = Timestamp(seconds: 1_773_256_901)  // 2026-03-11T19:21:41Z
    static let web = "web01"
    static let db = "db02"
    static let attacker = "203.0.113.45"
    static let scanner = "198.51.100.7"
    static let hostile = "<script>alert(1)</script>|a,b\"c`d`\u{1b}[31m=HYPERLINK(\"x\")"

    static func at(_ seconds: Int64) -> Timestamp { Timestamp(seconds: t0.seconds + seconds) }

    static func ref(_ file: UInt32, _ line: UInt64, _ offset: UInt64, _ seconds: Int64, _ raw: String) -> EvidenceRef {
        let path = file == 0 ? "web01/var/log/nginx/access.log" : "db02/var/log/auth.log"
        return EvidenceRef(fileID: file, file: path, line: line, offset: offset, raw: Array(raw.utf8), time: at(seconds))
    }

    static let shellUpload = ref(0, 120, 9_812, 0, "\(attacker) - - [11/Mar/2026:19:21:41 +0000] \"POST /uploads/x.php HTTP/1.1\" 200 31 \"-\" \"\(hostile)\"")
    static let shellCommand = ref(0, 131, 10_644, 60, "\(attacker) - - [11/Mar/2026:19:22:41 +0000] \"GET /uploads/x.php?cmd=id HTTP/1.1\" 200 54 \"-\" \"curl/8.5\"")
    static let hop = ref(1, 7, 610, 600, "Mar 11 19:31:41 db02 sshd[4411]: Accepted publickey for deploy from 10.0.1.5 port 52114 ssh2")
    static let useradd = ref(1, 9, 790, 660, "Mar 11 19:32:41 db02 useradd[4450]: new user: name=backup\(hostile), UID=1001")
    static let scan = ref(0, 3, 211, -3_600, "\(scanner) - - [11/Mar/2026:18:21:41 +0000] \"GET /.env HTTP/1.1\" 404 0 \"-\" \"zgrab\"")
    static let admin = ref(1, 12, 1_001, 900, "Mar 11 19:36:41 db02 sshd[4502]: Accepted publickey for ops from 10.0.1.5 port 52200 ssh2")

    static func investigation() -> Investigation {
        var inv = Investigation()
        inv.firstSeen = at(0)
        inv.lastSeen = at(660)
        inv.firstEvidence = shellUpload
        inv.lastEvidence = useradd
        inv.entryPoints = [web]
        inv.hosts = [
            HostScope(host: web, addresses: ["10.0.1.5"], firstCompromise: at(0), lastActivity: at(600), reason: "web shell /uploads/x.php answered \(attacker)", evidence: shellCommand),
            HostScope(host: db, addresses: ["10.0.1.9"], firstCompromise: at(600), lastActivity: at(660), reason: "login as deploy from \(web)", evidence: hop),
        ]
        inv.accounts = [
            ScopeItem(type: .user, value: "deploy", reason: "ssh login from a held host", firstSeen: at(600), lastSeen: at(600), count: 1, evidence: hop),
            ScopeItem(type: .user, value: "backup\(hostile)", reason: "created in the attacker's session", firstSeen: at(660), lastSeen: at(660), count: 1, evidence: useradd),
        ]
        inv.sourceIPs = [
            ScopeItem(type: .ip, value: attacker, reason: "drove the web shell", firstSeen: at(0), lastSeen: at(60), count: 2, evidence: shellUpload)
        ]
        inv.dataTouched = [
            ScopeItem(type: .path, value: "/uploads/x.php", reason: "web shell", firstSeen: at(0), lastSeen: at(60), count: 2, evidence: shellUpload)
        ]
        let edge = LateralEdge(from: web, to: db, time: at(600), account: "deploy", method: "ssh (publickey)", evidence: hop)
        inv.edges = [edge]
        inv.paths = [[edge]]
        inv.timeline = [
            TimelineEntry(time: at(0), host: web, phase: .initialAccess, kind: "web_request", summary: "POST /uploads/x.php 200 ua=\(hostile)", evidence: shellUpload),
            TimelineEntry(time: at(60), host: web, phase: .execution, kind: "web_request", summary: "GET /uploads/x.php?cmd=id 200", evidence: shellCommand),
            TimelineEntry(time: at(600), host: db, phase: .lateralMovement, kind: "auth_success", summary: "deploy from 10.0.1.5 (publickey)", evidence: hop),
            TimelineEntry(time: at(660), host: db, phase: .persistence, kind: "account_create", summary: "useradd backup\(hostile)", evidence: useradd),
        ]
        var shell = Finding(
            rule: "web.webshell", title: "Web shell answering commands", technique: "T1505.003", severity: .critical,
            time: at(60), host: web, indicators: [.ip("\(attacker)"), .url("/uploads/x.php")],
            why: "2 requests with cmd= answered with different sizes (31, 54 bytes)", evidence: [shellUpload, shellCommand],
            seeds: true)
        shell.role = .compromise
        shell.implies = [.compromisedHost(name: web, address: nil)] + (IPAddress(attacker).map { [.attackerAddress($0)] } ?? [])
        shell.count = 2
        shell.lastTime = at(60)
        var created = Finding(
            rule: "persist.account_created", title: "Account created", technique: "T1136.001", severity: .medium,
            time: at(660), host: db, indicators: [.user("backup\(hostile)")], why: "useradd in the session of deploy",
            evidence: [useradd], seeds: false)
        created.role = .compromise
        var probe = Finding(
            rule: "web.probe", title: "Probe for secrets", technique: "T1595.003", severity: .low, time: at(-3_600),
            host: web, indicators: [.ip("\(scanner)")], why: "1 request for /.env", evidence: [scan], seeds: false)
        probe.role = .attempt
        inv.findings = [shell, created, probe]
        inv.indicators = [
            ScopeItem(type: .ip, value: attacker, reason: "drove the web shell", firstSeen: at(0), lastSeen: at(60), count: 2, evidence: shellUpload),
            ScopeItem(type: .path, value: "/uploads/x.php", reason: "web shell", firstSeen: at(0), lastSeen: at(60), count: 2, evidence: shellUpload),
            ScopeItem(type: .userAgent, value: hostile, reason: "user agent of the attacker's upload", firstSeen: at(0), lastSeen: at(0), count: 1, evidence: shellUpload),
            ScopeItem(type: .user, value: "backup\(hostile)", reason: "persistence account", firstSeen: at(660), lastSeen: at(660), count: 1, evidence: useradd),
        ]
        inv.seeds = ["ip:\(attacker) — Web shell answering commands (web.webshell) at 2026-03-11T19:22:41Z"]
        inv.growth = "stopped at a fixed point after 2 rounds"
        inv.caveats = ["web01/var/log/nginx/access.log: 3 event times inferred (year from file mtime)"]
        inv.eventCount = 14
        inv.hostAddresses = [
            HostAddressBinding(address: "10.0.1.5", host: web, from: at(-86_400), to: at(900), source: "sshd Connection lines (3)", evidence: hop),
            HostAddressBinding(address: "10.0.1.9", host: db, from: nil, to: nil, source: "hosts.csv:2"),
        ]
        inv.background = [
            BackgroundSource(
                address: scanner, findings: 1, hits: 1, firstSeen: at(-3_600), lastSeen: at(-3_600),
                rules: [(rule: "web.probe", hits: 1)], highest: .low,
                reason: "no login accepted from it, no web shell it drove, no connection back to it", evidence: scan)
        ]
        inv.atRisk = [
            AtRiskLogin(
                from: web, to: db, account: "ops", count: 1, firstSeen: at(900), lastSeen: at(900),
                reason: "ops had a session of their own on web01", evidence: admin)
        ]
        return inv
    }

    static func stats(_ id: UInt32, _ path: String, host: String, format: String, lines: Int) -> FileStats {
        var s = FileStats(
            file: EvidenceFile(
                id: id, path: "/evidence/" + path, displayPath: path, hostHint: host, rotationSet: path, rotationIndex: 0,
                rotationCount: 1, isStdin: false, sizeBytes: Int64(lines * 80), modificationTime: at(3_600)))
        s.sha256 = String(repeating: id == 0 ? "1f" : "a0", count: 32)
        s.format = format
        s.lines = UInt64(lines)
        s.parsed = UInt64(lines)
        s.timeSources = ["year=file-mtime,zone=assumed-utc": UInt64(lines)]
        s.yearReferenceSource = "file mtime"
        return s
    }

    static func input() -> ReportInput {
        ReportInput(
            investigation: investigation(),
            files: [
                stats(0, "web01/var/log/nginx/access.log", host: web, format: "combined", lines: 140),
                stats(1, "db02/var/log/auth.log", host: db, format: "syslog", lines: 20),
            ],
            discoveryIssues: [], generated: Timestamp(seconds: 1_773_360_000), inputs: ["/evidence"],
            outputDirectory: "case-42")
    }
}

/// Every renderer on the hand-made investigation against its golden file in Golden/handmade/, JSON written one
/// key per line so that a renderer change reads as a diff. The pipeline's answers are held by the ground-truth
/// tests (GroundTruthTests, GroundTruthMatrixTests, WindowsGroundTruthMatrixTests, JournaldMatrixTests), not here.
@Suite struct RendererGoldenTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Golden/handmade")

    /// The golden form of a file: JSON re-indented (`Golden.prettyJSON`), anything else as written.
    static func golden(_ f: ReportFile) -> [UInt8] {
        f.path.hasSuffix(".json") ? Golden.prettyJSON(f.bytes) : f.bytes
    }

    @Test(arguments: ReportFormat.allCases)
    func everyFormatMatchesItsGoldenFile(format: ReportFormat) throws {
        let files = ReportSet.render(HandMadeInvestigation.input(), formats: [format])
        #expect(!files.isEmpty)
        for f in files { try Golden.check(Self.golden(f), name: f.path, directory: Self.directory) }
    }

    @Test func theL2tcsvTimelineMatchesItsGoldenFile() throws {
        let files = ReportSet.render(HandMadeInvestigation.input(), formats: [.csv], timelineStyle: .l2tcsv)
        #expect(files.map(\.path) == ["timeline.l2tcsv.csv"])
        for f in files { try Golden.check(f.bytes, name: f.path, directory: Self.directory) }
    }

    @Test func aJSONGoldenFilePinsTheRenderersBytes() throws {
        for f in ReportSet.render(HandMadeInvestigation.input(), formats: [.json, .stix]) {
            let pretty = Golden.prettyJSON(f.bytes)
            // The renderer writes compact JSON and one final newline.
            let written = f.bytes.last == UInt8(ascii: "\n") ? Array(f.bytes.dropLast()) : f.bytes
            let same = Golden.compactJSON(pretty) == written
            #expect(same, "\(f.path): re-indenting changed more than whitespace")
            #expect(pretty.split(separator: UInt8(ascii: "\n")).count > 50, "\(f.path) is one key per line")
            #expect(try JSONSerialization.jsonObject(with: Data(pretty)) is [String: Any])
        }
    }

    @Test func updatingGoldenFilesIsAskedForOneByOne() {
        #expect(Golden.updates("report.json", setting: "1"))
        #expect(Golden.updates("sigma/x.yml", setting: "all"))
        #expect(Golden.updates("report.json", setting: "report.md,report.json"))
        #expect(Golden.updates("handmade/report.json", setting: "report.json"))
        #expect(!Golden.updates("report.md", setting: "report.json"))
        #expect(!Golden.updates("report.json", setting: nil))
        #expect(!Golden.updates("report.json", setting: ""))
    }

    @Test func reIndentingKeepsStringsWhole() {
        let json = Array(#"{"a":"x,{y}:\"[z]\\","b":[1,{"c":[]},{}],"d":{}}"#.utf8)
        let pretty = Golden.prettyJSON(json)
        #expect(Golden.compactJSON(pretty) == json)
        #expect(
            String(decoding: pretty, as: UTF8.self) == """
                {
                  "a": "x,{y}:\\"[z]\\\\",
                  "b": [
                    1,
                    {
                      "c": []
                    },
                    {}
                  ],
                  "d": {}
                }

                """)
    }
}

/// Reports tell inside from outside as the analysis does (`IPAddress.isInternal`), never by a text prefix.
@Suite struct ReportAddressTests {
    @Test(
        "#24: fe80::/10 is link-local through febf::, which a text prefix missed",
        arguments: [
            ("fe80::1", true), ("fe90::1", true), ("febf:ffff::1", true), ("fec0::1", false), ("fc00::1", true),
            ("fdff::1", true), ("::1", true), ("10.1.2.3", true), ("100.64.0.1", true), ("100.128.0.1", false),
            ("172.32.0.1", false), ("8.8.8.8", false), ("2001:db8::1", false), ("fe80", false), ("host:web01", false),
        ])
    func nextStepsCallAnAddressInternalAsTheAnalysisDoes(address: String, isInternal: Bool) throws {
        var inv = Investigation()
        inv.firstSeen = Timestamp(seconds: 100)
        inv.lastSeen = Timestamp(seconds: 200)
        inv.sourceIPs = [
            ScopeItem(
                type: .ip, value: address, reason: "seed", firstSeen: .zero, lastSeen: .zero, count: 1, evidence: nil)
        ]
        let steps = ReportDigest.nextSteps(
            ReportInput(investigation: inv, files: [], discoveryIssues: [], generated: nil, inputs: [], outputDirectory: nil))
        let line = try #require(steps.first?.items.first { $0.hasPrefix(address + " — ") })
        #expect(line.contains("internal address: find the machine behind it") == isInternal, "\(line)")
        #expect(line.contains("block at the perimeter") == !isInternal, "\(line)")
    }
}
