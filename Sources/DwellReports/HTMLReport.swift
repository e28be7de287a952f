import Crypto
import DwellAnalysis
import DwellCore
import DwellIndex
import DwellIngest

/// report.html: the same content as report.md in one self-contained page, with two pictures drawn by dwell (the
/// activity timeline and the lateral-movement graph, inline SVG).
///
/// Made for isolated analysis machines: inline CSS and SVG, no font, image, script or style from anywhere else,
/// and a Content-Security-Policy that forbids every load and allows only this page's own style and script by their
/// SHA-256 (so a string that escaped escaping still could not run). The small script only makes tables sortable;
/// the page reads fully without it, and prints cleanly (`@media print`). Every attacker-controlled string goes
/// through `HTMLText.escape`. Deterministic: the same input gives the same bytes.
public enum HTMLReport {
    public static func render(_ input: ReportInput) -> [UInt8] {
        let d = ReportDigest(input)
        var h = ""
        h += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        h += "<meta http-equiv=\"Content-Security-Policy\" content=\"\(contentSecurityPolicy)\">\n"
        h += "<meta name=\"referrer\" content=\"no-referrer\">\n"
        h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        h += "<title>dwell incident report</title>\n"
        h += "<style>\(style)</style>\n</head>\n<body>\n"
        title(d, &h)
        summary(d, &h)
        timeline(d, &h)
        scope(d, &h)
        lateral(d, &h)
        findings(d, &h)
        indicators(d, &h)
        nextSteps(d, &h)
        method(d, &h)
        h += "<script>\(script)</script>\n</body>\n</html>\n"
        return Array(h.utf8)
    }

    // MARK: - Page furniture

    static let style = """
        :root{color-scheme:light}\
        body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#1b1b1b;\
        background:#fff;margin:0 auto;max-width:1280px;padding:16px 24px}\
        h1{font-size:24px;margin:8px 0 4px}h2{font-size:19px;margin:28px 0 8px;padding-bottom:4px;\
        border-bottom:2px solid #c9d2de}h3{font-size:15px;margin:18px 0 6px}\
        .meta{color:#555;margin:0 0 8px}nav{margin:8px 0 12px;font-size:13px}nav a{margin-right:12px;color:#1a56a8}\
        .verdict{font-size:16px;font-weight:600;padding:8px 12px;border-left:6px solid #b3261e;background:#fdf0ee}\
        .verdict.none{border-color:#2e7d32;background:#eef7ee}\
        .para{font-size:15px;max-width:980px}\
        table{border-collapse:collapse;margin:6px 0 14px;width:100%}\
        th,td{border:1px solid #d5dbe3;padding:4px 6px;text-align:left;vertical-align:top}\
        td{overflow-wrap:anywhere;min-width:5.5em}.nw,.sev,th{white-space:nowrap}\
        th{background:#eef2f7;font-weight:600}table.kv th{width:150px}\
        table.sortable th{cursor:pointer}tbody tr:nth-child(even){background:#fafbfc}\
        .num{text-align:right;font-variant-numeric:tabular-nums}time{white-space:nowrap}\
        .ev{margin:2px 0}.loc{color:#1a56a8;font-family:"DejaVu Sans Mono",monospace;font-size:12px}\
        code,.raw,pre{font-family:"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:12px}\
        .raw{display:block;white-space:pre-wrap;word-break:break-all;background:#f6f8fa;padding:2px 4px;color:#222}\
        pre{background:#f6f8fa;border:1px solid #d5dbe3;padding:8px;white-space:pre-wrap;word-break:break-all}\
        .sev{display:inline-block;padding:0 6px;border-radius:3px;color:#fff;font-size:12px;font-weight:600}\
        .sev-critical{background:#8e0019}.sev-high{background:#d93025}.sev-medium{background:#b06a00}\
        .sev-low{background:#558b2f}.sev-info{background:#607d8b}\
        .chart{max-width:100%;height:auto;border:1px solid #d5dbe3;background:#fff}\
        .note{color:#555;font-size:13px}ol.steps>li{margin-bottom:10px}ol.steps ul{margin:4px 0}\
        @media print{body{max-width:none;padding:0;font-size:10pt}nav{display:none}\
        h2{break-after:avoid}tr,.ev{break-inside:avoid}.chart{break-inside:avoid;border:none}\
        a{color:inherit;text-decoration:none}th{background:#eee}table.sortable th{cursor:auto}}
        """

    /// Sorts a table by the clicked column (numbers numerically, text otherwise); the page does not need it.
    static let script = """
        document.querySelectorAll("table.sortable th").forEach(function(th){th.addEventListener("click",function(){\
        var t=th.closest("table"),b=t.tBodies[0],i=Array.prototype.indexOf.call(th.parentNode.children,th),\
        d=th.getAttribute("data-dir")==="asc"?-1:1;th.setAttribute("data-dir",d>0?"asc":"desc");\
        var r=Array.prototype.slice.call(b.rows),num=/^-?[0-9]+(\\.[0-9]+)?$/;\
        r.sort(function(x,y){var a=x.cells[i].textContent.trim(),c=y.cells[i].textContent.trim();\
        if(num.test(a)&&num.test(c)){return (parseFloat(a)-parseFloat(c))*d}return a<c?-d:a>c?d:0});\
        r.forEach(function(x){b.appendChild(x)})})});
        """

    /// Nothing may be loaded; only this page's own style and script (by hash) may apply or run.
    static let contentSecurityPolicy =
        "default-src 'none'; style-src '\(sha256(style))'; script-src '\(sha256(script))'; img-src 'none'; "
        + "font-src 'none'; connect-src 'none'; base-uri 'none'; form-action 'none'"

    /// `sha256-<base64>` of the UTF-8 text, as CSP hash sources are written.
    static func sha256(_ text: String) -> String {
        "sha256-" + base64(Array(SHA256.hash(data: Array(text.utf8))))
    }

    static func base64(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            let b0 = UInt32(bytes[i])
            let b1 = i + 1 < bytes.count ? UInt32(bytes[i + 1]) : 0
            let b2 = i + 2 < bytes.count ? UInt32(bytes[i + 2]) : 0
            let v = b0 << 16 | b1 << 8 | b2
            out.append(alphabet[Int(v >> 18 & 63)])
            out.append(alphabet[Int(v >> 12 & 63)])
            out.append(i + 1 < bytes.count ? alphabet[Int(v >> 6 & 63)] : UInt8(ascii: "="))
            out.append(i + 2 < bytes.count ? alphabet[Int(v & 63)] : UInt8(ascii: "="))
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: - Helpers

    static func e(_ s: String) -> String { HTMLText.escape(s) }
    static func t(_ time: Timestamp) -> String { "<time>\(ReportDigest.time(time))</time>" }

    static func evidence(_ ev: EvidenceRef?) -> String {
        guard let ev else { return "" }
        let raw =
            ev.raw.isEmpty
            ? "<span class=\"note\">(raw line not available)</span>"
            : "<code class=\"raw\">\(HTMLText.escape(bytes: ev.raw))</code>"
        return "<div class=\"ev\"><span class=\"loc\">\(e(ReportDigest.place(ev)))</span>\(raw)</div>"
    }

    static func severity(_ s: Severity) -> String { "<span class=\"sev sev-\(s.name)\">\(s.name)</span>" }

    /// A table; cells are HTML already (escaped by the caller). `numeric` marks right-aligned columns.
    static func table(
        _ header: [String], _ rows: [[String]], numeric: Set<Int> = [], sortable: Bool = true, _ h: inout String
    ) {
        h += "<table\(sortable ? " class=\"sortable\"" : "")><thead><tr>"
        for c in header { h += "<th>\(c)</th>" }
        h += "</tr></thead><tbody>\n"
        for r in rows {
            h += "<tr>"
            for (i, c) in r.enumerated() { h += numeric.contains(i) ? "<td class=\"num\">\(c)</td>" : "<td>\(c)</td>" }
            h += "</tr>\n"
        }
        h += "</tbody></table>\n"
    }

    static func section(_ id: String, _ title: String, _ h: inout String) {
        h += "<section id=\"\(id)\">\n<h2>\(title)</h2>\n"
    }

    // MARK: - Sections

    static func title(_ d: ReportDigest, _ h: inout String) {
        h += "<header>\n<h1>dwell incident report</h1>\n<p class=\"meta\">dwell \(e(d.input.toolVersion))"
        if let g = d.input.generated { h += ", generated \(t(g))" }
        h += "; evidence: \(d.input.inputs.map { "<code>\(e($0))</code>" }.joined(separator: ", "))"
        h +=
            "; \(d.input.files.count) \(plural(d.input.files.count, "file")), \(d.inv.eventCount) \(plural(d.inv.eventCount, "event")). "
        h += "All times are UTC (ISO 8601).</p>\n<nav>"
        let links = [
            ("summary", "Summary"), ("timeline", "Timeline"), ("scope", "Scope"), ("lateral", "Lateral movement"),
            ("findings", "Findings"), ("indicators", "Indicators"), ("next-steps", "Next steps"),
            ("method", "Method and caveats"),
        ]
        h += links.map { "<a href=\"#\($0.0)\">\($0.1)</a>" }.joined()
        h += "</nav>\n</header>\n"
    }

    static func summary(_ d: ReportDigest, _ h: inout String) {
        let inv = d.inv
        section("summary", "Summary", &h)
        if d.attackFound {
            h +=
                "<p class=\"verdict\">Attack found: severity \(inv.severity.name), active for \(e(ReportDigest.longDuration(inv.durationSeconds ?? 0)))</p>\n"
        } else {
            let critical = d.inv.findings.filter { $0.severity == .critical }.count
            h +=
                critical > 0
                ? "<p class=\"verdict\">Attack suspected: \(critical) critical finding(s), but no window could be built. Read the findings below.</p>\n"
                : "<p class=\"verdict none\">No attack found.</p>\n"
        }
        h += "<p class=\"para\">\(e(d.managerParagraph))</p>\n"
        let rows = d.summaryRows(
            escape: e, time: t, evidence: evidence, dataTouched: dataSummary(inv),
            severity: { "\(severity($0)) \($1) of \($2) \(plural($2, "finding")) high or critical" })
        h += "<table class=\"kv\"><tbody>\n"
        for r in rows { h += "<tr><th scope=\"row\">\(r[0])</th><td>\(r[1])</td></tr>\n" }
        h += "</tbody></table>\n</section>\n"
    }

    static func dataSummary(_ inv: Investigation) -> String {
        guard !inv.dataTouched.isEmpty else { return "none found" }
        let shown = inv.dataTouched.prefix(8).map { "\(e($0.value)) (\(e($0.reason)))" }.joined(separator: "; ")
        let more = inv.dataTouched.count > 8 ? "; and \(inv.dataTouched.count - 8) more under Scope" : ""
        return shown + more
    }

    static func timeline(_ d: ReportDigest, _ h: inout String) {
        section("timeline", "Timeline of the attack", &h)
        if let svg = SVGActivityTimeline.render(d.inv) {
            h +=
                "<figure>\(svg)<figcaption class=\"note\">Attacker activity per host (taller ticks: more events), the attack window shaded, findings marked by severity. Hover for details.</figcaption></figure>\n"
        }
        guard !d.inv.timeline.isEmpty else {
            h += "<p>No attacker activity to put on a timeline.</p>\n</section>\n"
            return
        }
        h += "<h3>Phases</h3>\n"
        table(
            ["Phase", "First", "Last", "Events", "Hosts", "First evidence"],
            d.phases.map {
                [
                    e($0.phase.rawValue), t($0.first), t($0.last), "\($0.count)",
                    $0.hosts.map(e).joined(separator: ", "), evidence($0.evidence),
                ]
            }, numeric: [3], &h)
        h +=
            "<h3>Events</h3>\n<p class=\"note\">Each step of the attack in time order. Runs of reconnaissance, command-and-control and ordinary activity are folded into one row with their first and last evidence; report.json and timeline.csv list every event.</p>\n"
        table(
            ["Time", "Host", "Phase", "What", "Evidence"],
            d.timeline.map { r in
                let when = r.count > 1 ? "\(t(r.first)) → \(t(r.last))" : t(r.first)
                var ev = evidence(r.firstEvidence)
                if let last = r.lastEvidence { ev = "first:" + ev + "last:" + evidence(last) }
                return [when, r.hosts.map(e).joined(separator: ", "), e(r.phase), e(r.summary), ev]
            }, &h)
        h += "</section>\n"
    }

    static func scope(_ d: ReportDigest, _ h: inout String) {
        let inv = d.inv
        section("scope", "Scope", &h)
        h += "<h3>Hosts</h3>\n"
        if inv.hosts.isEmpty {
            h += "<p>No host was shown to be compromised.</p>\n"
        } else {
            table(
                ["Host", "Addresses", "Compromised from", "Last activity", "Why", "Evidence"],
                inv.hosts.map {
                    [
                        e($0.host), $0.addresses.map(e).joined(separator: ", "), t($0.firstCompromise),
                        t($0.lastActivity), e($0.reason), evidence($0.evidence),
                    ]
                }, &h)
        }
        items("Accounts", "Account", inv.accounts, &h)
        items("Source IPs", "Address", inv.sourceIPs, &h)
        items("Data touched", "Data", inv.dataTouched, &h)
        h += "</section>\n"
    }

    static func items(_ heading: String, _ column: String, _ list: [ScopeItem], _ h: inout String) {
        h += "<h3>\(heading)</h3>\n"
        guard !list.isEmpty else {
            h += "<p>None.</p>\n"
            return
        }
        table(
            [column, "First seen", "Last seen", "Events", "Why", "Evidence"],
            list.map {
                [e($0.value), t($0.firstSeen), t($0.lastSeen), "\($0.count)", e($0.reason), evidence($0.evidence)]
            },
            numeric: [3], &h)
    }

    static func lateral(_ d: ReportDigest, _ h: inout String) {
        let inv = d.inv
        section("lateral", "Lateral movement", &h)
        guard !inv.edges.isEmpty else {
            h += "<p>No movement from host to host was found.</p>\n</section>\n"
            return
        }
        if let svg = SVGLateralGraph.render(inv) {
            h +=
                "<figure>\(svg)<figcaption class=\"note\">Hosts in the order the attacker reached them; each arrow is a hop with its time (UTC), account and method. Red boxes: compromised hosts. Dashed: the attacker's way in.</figcaption></figure>\n"
        }
        for (n, path) in inv.paths.enumerated() {
            let hosts = [path.first?.from ?? ""] + path.map(\.to)
            h += "<h3>Path \(n + 1): \(hosts.map(e).joined(separator: " → "))</h3>\n"
            table(["Hop", "Time", "From", "To", "Account", "Method", "Evidence"], hops(path), numeric: [0], &h)
        }
        let inPaths = Set(inv.paths.flatMap { $0 })
        let other = inv.edges.filter { !inPaths.contains($0) }
        if !other.isEmpty {
            h += "<h3>Other connections between hosts</h3>\n"
            table(["Hop", "Time", "From", "To", "Account", "Method", "Evidence"], hops(other), numeric: [0], &h)
        }
        h += "</section>\n"
    }

    static func hops(_ edges: [LateralEdge]) -> [[String]] {
        edges.enumerated().map { i, x in
            ["\(i + 1)", t(x.time), e(x.from), e(x.to), e(x.account), e(x.method),
             ([x.evidence] + x.corroboration).map { evidence($0) }.joined()]
        }
    }

    static func findings(_ d: ReportDigest, _ h: inout String) {
        section("findings", "Findings", &h)
        if d.inv.findings.isEmpty {
            h += "<p>No detector fired.</p>\n"
        } else {
            func rows(_ list: [Finding]) -> [[String]] {
                list.map { f in
                    [
                        severity(f.severity), t(f.time), e(f.host),
                        "\(e(f.title)) <code>\(e(f.rule.name))</code> \(e(f.role.rawValue))",
                        "<span class=\"nw\">\(e(f.technique))</span>", "\(f.count)", e(f.why),
                        f.evidence.map { evidence($0) }.joined(),
                    ]
                }
            }
            let header = ["Severity", "Time", "Host", "Finding", "ATT&amp;CK", "Hits", "Why", "Evidence"]
            h += "<h3>Tied to the intrusion</h3>\n"
            let tied = d.inv.intrusionFindings
            if tied.isEmpty { h += "<p>None.</p>\n" } else { table(header, rows(tied), &h) }
            let other = d.inv.otherFindings
            if !other.isEmpty {
                h += "<h3>Other findings</h3>\n<p>Not tied to the intrusion's addresses, hosts or window, and not attacks from the background: routine administration, log gaps, first-time logins. They do not change the window or the scope.</p>\n"
                table(header, rows(Array(other.prefix(MarkdownReport.backgroundRows))), &h)
                if other.count > MarkdownReport.backgroundRows {
                    h += "<p>... and \(other.count - MarkdownReport.backgroundRows) more in report.json.</p>\n"
                }
            }
        }
        if !d.inv.background.isEmpty {
            let list = d.inv.background
            let hits = list.reduce(0) { $0 + $1.hits }
            h += "<h3>Hostile background</h3>\n<p>\(list.count) source(s) made \(hits) attack attempt(s) that led nowhere: no login accepted from them, no web shell they drove, no connection back to them. They are not in the window or the scope. Most hits first\(list.count > MarkdownReport.backgroundRows ? "; the first \(MarkdownReport.backgroundRows) here, all in report.json" : "").</p>\n"
            table(
                ["Source", "Hits", "First seen", "Last seen", "Highest", "Rules", "Evidence"],
                list.prefix(MarkdownReport.backgroundRows).map { b in
                    [
                        e(b.address), "\(b.hits)", t(b.firstSeen), t(b.lastSeen), severity(b.highest),
                        b.rules.prefix(5).map { "\(e($0.rule.name)) (\($0.hits))" }.joined(separator: ", "),
                        evidence(b.evidence),
                    ]
                }, &h)
        }
        if !d.inv.atRisk.isEmpty {
            h += "<h3>Logins at risk (not attributed to the attacker)</h3>\n<p>Logins out of hosts the attacker held that the evidence does not tie to the attacker: other people working there. Check their accounts and targets; they are not in the scope.</p>\n"
            table(
                ["From", "Account", "To", "Logins", "First", "Last", "Why not the attacker", "Evidence"],
                d.inv.atRisk.prefix(MarkdownReport.backgroundRows).map { r in
                    [
                        e(r.from), e(r.account), e(r.to), "\(r.count)", t(r.firstSeen), t(r.lastSeen), e(r.reason),
                        evidence(r.evidence),
                    ]
                }, &h)
        }
        h += "</section>\n"
    }

    static func indicators(_ d: ReportDigest, _ h: inout String) {
        section("indicators", "Indicators", &h)
        if d.inv.indicators.isEmpty {
            h += "<p>None.</p>\n"
        } else {
            table(
                ["Type", "Value", "First seen", "Last seen", "Count", "Why"],
                d.inv.indicators.map {
                    [e($0.type.name), e($0.value), t($0.firstSeen), t($0.lastSeen), "\($0.count)", e($0.reason)]
                },
                numeric: [4], &h)
        }
        h += "</section>\n"
    }

    static func nextSteps(_ d: ReportDigest, _ h: inout String) {
        section("next-steps", "Next steps", &h)
        h += "<ol class=\"steps\">\n"
        for step in d.nextSteps {
            h += "<li><strong>\(e(step.title))</strong>\n<ul>"
            if step.items.isEmpty { h += "<li>Nothing found for this step.</li>" }
            for item in step.items { h += "<li>\(e(item))</li>" }
            h += "</ul>\n"
            if let command = step.command { h += "<pre><code>\(e(command))</code></pre>\n" }
            h += "</li>\n"
        }
        h += "</ol>\n</section>\n"
    }

    static func method(_ d: ReportDigest, _ h: inout String) {
        let inv = d.inv
        section("method", "Method and caveats", &h)
        h += "<ul>"
        h += "<li>Seeds: \(inv.seeds.isEmpty ? "none" : inv.seeds.map(e).joined(separator: "; "))</li>"
        h += "<li>Growth of the scope: \(e(inv.growth))</li>"
        h +=
            "<li>Events read: \(inv.eventCount) from \(d.input.files.count) \(plural(d.input.files.count, "file"))</li>"
        h += "</ul>\n<h3>Evidence manifest</h3>\n"
        table(
            ["File", "SHA-256", "Bytes", "Format", "Lines", "Parsed", "Rejected"],
            d.input.files.map { f in
                let size =
                    f.compression == .none ? "\(f.rawBytes)" : "\(f.rawBytes) (\(f.decompressedBytes) decompressed)"
                return [
                    e(f.file.displayPath), "<code>\(e(f.sha256))</code>", size, e(f.format ?? "none"), "\(f.lines)",
                    "\(f.parsed)", "\(f.rejected)",
                ]
            }, numeric: [4, 5, 6], &h)
        h += "<h3>Input problems</h3>\n"
        if d.inputProblems.isEmpty {
            h += "<p>None: every file was read to its end.</p>\n"
        } else {
            table(
                ["File", "Where", "Problem"],
                d.inputProblems.map { p in
                    var message = e(p.message)
                    if let raw = p.raw { message += "<code class=\"raw\">\(HTMLText.escape(bytes: raw))</code>" }
                    return [e(p.path), e(p.place), message]
                }, &h)
        }
        h += "<h3>Times inferred or assumed</h3>\n"
        if d.timeInference.isEmpty {
            h += "<p>None: every event carried its full date and zone.</p>\n"
        } else {
            table(
                ["File", "Time sources (events)", "Year reference", "Zone"],
                d.timeInference.map { [e($0.path), e($0.sources), e($0.yearReference), e($0.zone)] }, &h)
        }
        h += "<h3>Caveats</h3>\n"
        if inv.caveats.isEmpty {
            h += "<p>None.</p>\n"
        } else {
            h += "<ul>" + inv.caveats.map { "<li>\(e($0.text))</li>" }.joined() + "</ul>\n"
        }
        h += "<h3>Detector thresholds</h3>\n"
        table(
            ["Rule", "Title", "ATT&amp;CK", "Severity", "Threshold", "Window", "Counts"],
            d.input.rules.map { r in
                [
                    "<code>\(e(r.id))</code>", e(r.title), "<span class=\"nw\">\(e(r.technique))</span>",
                    r.severity.name, "\(r.threshold)",
                    r.windowSeconds > 0 ? "\(r.windowSeconds) s" : "—", e(r.description),
                ]
            }, numeric: [4], &h)
        h += "</section>\n"
    }
}
