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

    @Test func goldenSampleIncident() throws {
        guard let input = HumanReportFixture.sample else {
            print("skipped: SampleLogs/incident-2026-03 is absent")
            return
        }
        try HumanGolden.check(HTMLReport.render(input), name: "report.html")
    }

    @Test func renderingTwiceGivesIdenticalBytes() {
        let hostile = HumanReportFixture.hostile()
        #expect(HTMLReport.render(hostile) == HTMLReport.render(hostile))
        if let input = HumanReportFixture.sample { #expect(HTMLReport.render(input) == HTMLReport.render(input)) }
    }

    @Test func markdownAndHTMLCarryTheSameSections() throws {
        guard let input = HumanReportFixture.sample else { return }
        let html = Self.text(input)
        let md = MarkdownTextOnly.headings(String(decoding: MarkdownReport.render(input), as: UTF8.self))
        let h = MarkdownTextOnly.htmlHeadings(html)
        #expect(md == h)
        #expect(md.count > 15)
    }

    @Test func pageIsSelfContained() throws {
        guard let input = HumanReportFixture.sample else { return }
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
