@testable import DwellAnalysis
import DwellCore
@testable import DwellReports
import Foundation
import Testing

@Suite struct HTMLReportTests {
    static func text(_ input: ReportInput) -> String { String(decoding: HTMLReport.render(input), as: UTF8.self) }

    static func count(_ needle: String, in haystack: String) -> Int {
        haystack.components(separatedBy: needle).count - 1
    }

    @Test func renderingTwiceGivesIdenticalBytes() throws {
        let hostile = HumanReportFixture.hostile()
        #expect(HTMLReport.render(hostile) == HTMLReport.render(hostile))
        let input = try #require(HumanReportFixture.sample, "SampleLogs/incident-2026-03 is committed with the package")
        #expect(HTMLReport.render(input) == HTMLReport.render(input))
    }

    @Test func markdownAndHTMLCarryTheSameSections() throws {
        let input = try #require(HumanReportFixture.sample, "SampleLogs/incident-2026-03 is committed with the package")
        let html = Self.text(input)
        let md = MarkdownTextOnly.headings(String(decoding: MarkdownReport.render(input), as: UTF8.self))
        let h = MarkdownTextOnly.htmlHeadings(html)
        #expect(md == h)
        #expect(md.count > 15)
    }

    @Test func pageIsSelfContained() throws {
        let input = try #require(HumanReportFixture.sample, "SampleLogs/incident-2026-03 is committed with the package")
        let html = Self.text(input)
        // No fetch of any kind: no external URL in src/href, no @import, no url() but the SVG marker reference.
        #expect(!html.contains(" src=\""))
        #expect(!html.contains(" src='"))
        #expect(!html.contains("@import"))
        #expect(!html.contains("<link"))
        #expect(!html.contains("href=\"http"))
        #expect(Self.count("url(", in: html) == Self.count("url(#arrow)", in: html))
        #expect(
            html.contains(
                "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'sha256-"))
        #expect(html.contains("@media print"))
        // One script (ours) and two pictures drawn by dwell.
        #expect(Self.count("<script", in: html) == 1)
        #expect(Self.count("<svg ", in: html) == 2)
        #expect(html.contains("<title id=\"tl-title\">Attacker activity per host"))
        // The lateral graph has a box per host of the path, and a label per hop with its time.
        for hop in input.investigation.paths.flatMap({ $0 }) {
            #expect(html.contains(">\(hop.to)</text>"))
            #expect(html.contains(">\(String(hop.time.iso8601(fractionDigits: 0).dropFirst(11).prefix(8)))</text>"))
        }
    }

    @Test func cspHashesMatchTheInlineStyleAndScript() throws {
        let html = Self.text(HumanReportFixture.quiet())
        let style = try #require(html.range(of: "<style>")).upperBound
        let styleEnd = try #require(html.range(of: "</style>")).lowerBound
        #expect(String(html[style..<styleEnd]) == HTMLReport.style)
        let script = try #require(html.range(of: "<script>")).upperBound
        let scriptEnd = try #require(html.range(of: "</script>")).lowerBound
        #expect(String(html[script..<scriptEnd]) == HTMLReport.script)
        // Known answer for the hash encoding: SHA-256 of "abc".
        #expect(HTMLReport.sha256("abc") == "sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=")
        #expect(html.contains("style-src '\(HTMLReport.sha256(HTMLReport.style))'"))
        #expect(html.contains("script-src '\(HTMLReport.sha256(HTMLReport.script))'"))
    }

    @Test func noAttackIsSaidPlainly() {
        let html = Self.text(HumanReportFixture.quiet())
        #expect(html.contains("<p class=\"verdict none\">No attack found.</p>"))
        #expect(html.contains("Scanner user agent"))
        #expect(html.contains("<td>e/auth.log</td>"))
        #expect(html.contains("No movement from host to host was found."))
        #expect(Self.count("<svg ", in: html) == 1)  // the timeline shows the finding; no graph without hops
    }

    @Test func hostileTextNeverBecomesMarkup() {
        let html = Self.text(HumanReportFixture.hostile())
        #expect(Self.count("<script", in: html) == 1)
        #expect(!html.contains("<img"))
        #expect(!html.contains("<b>tag"))
        #expect(!html.contains("onerror=\""))
        #expect(html.contains("&lt;script&gt;document.title=&#39;PWNED&#39;&lt;/script&gt;"))
        #expect(html.contains("&quot;&gt;&lt;img src=x onerror=&quot;document.body"))
        // Control characters, bidi overrides and invalid UTF-8 are visible escapes.
        #expect(
            !html.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" || $0.value == 0x1b || $0.value == 0x202e })
        #expect(html.contains("\\x1B[31mred"))
        #expect(html.contains("\\xFF\\xFE\\xC3"))
        #expect(html.contains("\\u{202e}rtl"))
        #expect(html.contains("<td>=cmd|&#39; /C calc&#39;!A0 +1 -2 @SUM(1)\\t\\rx</td>"))
        // Inside SVG titles and texts too (host names are drawn).
        #expect(html.contains("<title>web01&lt;script&gt;"))
    }

    @Test(arguments: [
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("\"><img src=x onerror=alert(1)>", "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"),
        ("a'b&c", "a&#39;b&amp;c"), ("&lt;", "&amp;lt;"), ("\u{1b}[31m\n", "\\x1B[31m\\n"), ("ok", "ok"),
    ])
    func htmlEscaping(input: String, expected: String) {
        #expect(HTMLText.escape(input) == expected)
    }

    @Test func invalidUTF8BytesAreShownNotReplaced() {
        #expect(HTMLText.escape(bytes: [0x41, 0xff, 0x3c, 0xc3]) == "A\\xFF&lt;\\xC3")
    }
}

/// Section headings of both reports (levels 2 and 3; the numbered next steps are a list in HTML), to compare them.
enum MarkdownTextOnly {
    static func headings(_ md: String) -> [String] {
        md.split(separator: "\n").filter { $0.hasPrefix("## ") || $0.hasPrefix("### ") }.map {
            String($0.drop { $0 == "#" || $0 == " " })
        }.filter { !($0.first?.isNumber ?? false) }
    }

    static func htmlHeadings(_ html: String) -> [String] {
        var out: [String] = []
        var rest = Substring(html)
        while let open = [rest.range(of: "<h2>"), rest.range(of: "<h3>")].compactMap({ $0 }).min(by: {
            $0.lowerBound < $1.lowerBound
        }) {
            rest = rest[open.upperBound...]
            guard let close = rest.range(of: "</h") else { break }
            out.append(String(rest[..<close.lowerBound]))
        }
        return out
    }
}

@Suite struct HTMLPictureTests {
    func edge(_ from: String, _ to: String, _ seconds: Int64, _ account: String = "deploy") -> LateralEdge {
        LateralEdge(
            from: from, to: to, time: Timestamp(seconds: seconds), account: account, method: "ssh",
            evidence: HumanReportFixture.ref(Array("Accepted password for \(account)".utf8)))
    }

    @Test func hostsAreLayeredByTheOrderTheAttackerReachedThem() {
        var inv = Investigation()
        inv.entryPoints = ["web"]
        inv.sourceIPs = [
            ScopeItem(
                type: .ip, value: "203.0.113.9", reason: "seed", firstSeen: .zero, lastSeen: .zero, count: 1,
                evidence: nil)
        ]
        inv.hosts = [
            HostScope(
                host: "web", addresses: [], firstCompromise: Timestamp(seconds: 100),
                lastActivity: Timestamp(seconds: 900), reason: "web shell", evidence: nil)
        ]
        // web → a → b, a hop back b → web, a second hop web → a, and a host never reached (x → b).
        inv.edges = [
            edge("web", "a", 200), edge("a", "b", 300), edge("b", "web", 400), edge("web", "a", 500),
            edge("x", "b", 600),
        ]
        let (nodes, links) = SVGLateralGraph.layout(inv)
        let layer = Dictionary(uniqueKeysWithValues: nodes.map { ($0.name, $0.layer) })
        #expect(layer[SVGLateralGraph.attackerNode] == 0)
        #expect(layer["web"] == 1)
        #expect(layer["x"] == 1)
        #expect(layer["a"] == 2)
        #expect(layer["b"] == 3)
        // One arrow per pair of hosts (web → a twice becomes one arrow with ×2), plus the attacker's way in.
        #expect(links.count == 5)
        #expect(links.first { $0.from == "web" && $0.to == "a" }?.hops.count == 2)
        let svg = SVGLateralGraph.render(inv) ?? ""
        #expect(svg.contains("deploy · ssh ×2"))
        #expect(svg.components(separatedBy: "<rect ").count - 1 == 5)  // attacker, web, x, a, b
        #expect(svg.contains(">00:03:20</text>"))  // the hop a → b at 300 s, labelled with its time
        #expect(svg.components(separatedBy: "Q").count - 1 == 2)  // the hop back and x → b (another row) are curves
    }

    @Test func timelineMarksFindingsAndCountsThoseItCannotPlace() {
        var inv = Investigation()
        inv.firstSeen = Timestamp(seconds: 1_000_000)
        inv.lastSeen = Timestamp(seconds: 1_003_600)
        inv.hosts = [
            HostScope(
                host: "web", addresses: [], firstCompromise: Timestamp(seconds: 1_000_000),
                lastActivity: Timestamp(seconds: 1_003_600), reason: "x", evidence: nil)
        ]
        let r = HumanReportFixture.ref([])
        inv.timeline = [
            TimelineEntry(
                time: Timestamp(seconds: 1_000_010), host: "web", phase: .execution, kind: "k", summary: "s",
                evidence: r)
        ]
        func finding(_ seconds: Int64, _ severity: Severity) -> Finding {
            Finding(
                rule: "r", title: "T", technique: "T1", severity: severity, time: Timestamp(seconds: seconds),
                host: "web",
                indicators: [], why: "w", evidence: [r], seeds: false)
        }
        inv.findings = [finding(1_000_100, .critical), finding(1_002_000, .medium), finding(10, .low)]
        let svg = SVGActivityTimeline.render(inv) ?? ""
        #expect(svg.contains("fill=\"#8e0019\" stroke=\"#fff\""))  // the critical one
        #expect(svg.contains("fill=\"#f29900\" stroke=\"#fff\""))  // the medium one
        #expect(svg.contains("1 finding outside this range or host set"))
        #expect(svg.contains("<title>Attack window "))
        #expect(svg.contains("1970-01-12 UTC"))
        #expect(svg.contains("web: 1 event</title>"))
        #expect(SVGActivityTimeline.render(Investigation()) == nil)
    }
}
