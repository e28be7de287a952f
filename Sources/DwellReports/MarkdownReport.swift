import DwellAnalysis
import DwellCore
import DwellIndex
import DwellIngest

/// report.md: the investigation for people, in Markdown (CommonMark with GitHub tables).
///
/// Sections in incident-response reading order: summary, timeline, scope, lateral movement, findings, indicators,
/// next steps, method and caveats. Every attacker-controlled string goes through `MarkdownText.escape`; the only
/// markup in the output is dwell's own. Deterministic: the same input gives the same bytes (no clock but
/// `ReportInput.generated`, no dictionary order).
public enum MarkdownReport {
    public static func render(_ input: ReportInput) -> [UInt8] {
        let d = ReportDigest(input)
        var o = MarkdownWriter()
        title(d, &o)
        summary(d, &o)
        timeline(d, &o)
        scope(d, &o)
        lateral(d, &o)
        findings(d, &o)
        indicators(d, &o)
        nextSteps(d, &o)
        method(d, &o)
        return Array(o.text.utf8)
    }

    static func e(_ s: String) -> String { MarkdownText.escape(s) }
    static func t(_ time: Timestamp) -> String { ReportDigest.time(time) }

    /// `file:line` and the raw line, escaped, for a table cell or a list item.
    static func evidence(_ ev: EvidenceRef?) -> String {
        guard let ev else { return "" }
        let raw = ev.raw.isEmpty ? "(raw line not available)" : MarkdownText.escape(bytes: ev.raw)
        return "\(e(ReportDigest.place(ev))): \(raw)"
    }

    static func title(_ d: ReportDigest, _ o: inout MarkdownWriter) {
        o.line("# dwell incident report")
        o.blank()
        var meta = "dwell \(e(d.input.toolVersion))"
        if let g = d.input.generated { meta += ", generated \(t(g))" }
        meta += "; evidence: \(d.input.inputs.map(e).joined(separator: ", "))"
        meta +=
            "; \(d.input.files.count) \(plural(d.input.files.count, "file")), \(d.inv.eventCount) \(plural(d.inv.eventCount, "event"))."
        o.line(meta)
        o.line("All times are UTC (ISO 8601).")
        o.blank()
    }

    static func summary(_ d: ReportDigest, _ o: inout MarkdownWriter) {
        let inv = d.inv
        o.heading(2, "Summary")
        if !d.attackFound {
            let critical = inv.findings.filter { $0.severity == .critical }.count
            o.line(
                critical > 0
                    ? "**Attack suspected: \(critical) critical \(plural(critical, "finding")), but no window could be built.** Read the findings below."
                    : "**No attack found.**")
            o.blank()
        }
        o.line(e(d.managerParagraph))
        o.blank()
        let rows = d.summaryRows(
            escape: e, time: t, evidence: evidence, dataTouched: dataSummary(inv),
            severity: { "\($0.name) (\($1) of \($2) \(plural($2, "finding")) high or critical)" })
        o.table(["What", "Found"], rows)
    }

    static func dataSummary(_ inv: Investigation) -> String {
        guard !inv.dataTouched.isEmpty else { return "none found" }
        let shown = inv.dataTouched.prefix(8).map { "\(e($0.value)) (\(e($0.reason)))" }.joined(separator: "; ")
        let more = inv.dataTouched.count > 8 ? "; and \(inv.dataTouched.count - 8) more under Scope" : ""
        return shown + more
    }

    static func timeline(_ d: ReportDigest, _ o: inout MarkdownWriter) {
        o.heading(2, "Timeline of the attack")
        guard !d.inv.timeline.isEmpty else {
            o.line("No attacker activity to put on a timeline.")
            o.blank()
            return
        }
        o.heading(3, "Phases")
        o.table(
            ["Phase", "First", "Last", "Events", "Hosts", "First evidence"],
            d.phases.map {
                [
                    $0.phase.rawValue, t($0.first), t($0.last), "\($0.count)", $0.hosts.map(e).joined(separator: ", "),
                    evidence($0.evidence),
                ]
            })
        o.heading(3, "Events")
        o.line(
            "Each step of the attack in time order. Runs of reconnaissance, command-and-control and ordinary activity are folded into one row with their first and last evidence; report.json and timeline.csv list every event."
        )
        o.blank()
        o.table(
            ["Time", "Host", "Phase", "What", "Evidence"],
            d.timeline.map { r in
                let when = r.count > 1 ? "\(t(r.first)) → \(t(r.last))" : t(r.first)
                var ev = evidence(r.firstEvidence)
                if let last = r.lastEvidence { ev = "first: \(ev)<br>last: \(evidence(last))" }
                return [when, r.hosts.map(e).joined(separator: ", "), e(r.phase), e(r.summary), ev]
            })
    }

    static func scope(_ d: ReportDigest, _ o: inout MarkdownWriter) {
        let inv = d.inv
        o.heading(2, "Scope")
        o.heading(3, "Hosts")
        if inv.hosts.isEmpty {
            o.line("No host was shown to be compromised.")
            o.blank()
        } else {
            o.table(
                ["Host", "Addresses", "Compromised from", "Last activity", "Why", "Evidence"],
                inv.hosts.map {
                    [
                        e($0.host), $0.addresses.map(e).joined(separator: ", "), t($0.firstCompromise),
                        t($0.lastActivity), e($0.reason), evidence($0.evidence),
                    ]
                })
        }
        items("Accounts", "Account", inv.accounts, &o)
        items("Source IPs", "Address", inv.sourceIPs, &o)
        items("Data touched", "Data", inv.dataTouched, &o)
    }

    static func items(_ heading: String, _ column: String, _ list: [ScopeItem], _ o: inout MarkdownWriter) {
        o.heading(3, heading)
        guard !list.isEmpty else {
            o.line("None.")
            o.blank()
            return
        }
        o.table(
            [column, "First seen", "Last seen", "Events", "Why", "Evidence"],
            list.map {
                [e($0.value), t($0.firstSeen), t($0.lastSeen), "\($0.count)", e($0.reason), evidence($0.evidence)]
            })
    }

    static func lateral(_ d: ReportDigest, _ o: inout MarkdownWriter) {
        let inv = d.inv
        o.heading(2, "Lateral movement")
        guard !inv.edges.isEmpty else {
            o.line("No movement from host to host was found.")
            o.blank()
            return
        }
        for (n, path) in inv.paths.enumerated() {
            let hosts = [path.first?.from ?? ""] + path.map(\.to)
            o.heading(3, "Path \(n + 1): " + hosts.map(e).joined(separator: " → "))
            o.table(["Hop", "Time", "From", "To", "Account", "Method", "Evidence"], hops(path))
        }
        let inPaths = Set(inv.paths.flatMap { $0 })
        let other = inv.edges.filter { !inPaths.contains($0) }
        if !other.isEmpty {
            o.heading(3, "Other connections between hosts")
            o.table(["Hop", "Time", "From", "To", "Account", "Method", "Evidence"], hops(other))
        }
    }

    static func hops(_ edges: [LateralEdge]) -> [[String]] {
        edges.enumerated().map { i, h in
            ["\(i + 1)", t(h.time), e(h.from), e(h.to), e(h.account), e(h.method),
             ([h.evidence] + h.corroboration).map { evidence($0) }.joined(separator: "<br>")]
        }
    }

    static func findings(_ d: ReportDigest, _ o: inout MarkdownWriter) {
        o.heading(2, "Findings")
        guard !d.inv.findings.isEmpty else {
            o.line("No detector fired.")
            o.blank()
            return
        }
        func rows(_ list: [Finding]) -> [[String]] {
            list.map { f in
                [
                    f.severity.name, t(f.time), e(f.host), "\(e(f.title)) (\(e(f.rule.name)); \(f.role.rawValue))",
                    e(f.technique), "\(f.count)", e(f.why), f.evidence.map { evidence($0) }.joined(separator: "<br>"),
                ]
            }
        }
        let header = ["Severity", "Time", "Host", "Finding", "ATT&CK", "Hits", "Why", "Evidence"]
        let tied = d.inv.intrusionFindings
        o.heading(3, "Tied to the intrusion")
        if tied.isEmpty {
            o.line("None.")
            o.blank()
        } else {
            o.table(header, rows(tied))
        }
        let other = d.inv.otherFindings
        if !other.isEmpty {
            o.heading(3, "Other findings")
            o.line(
                "Not tied to the intrusion's addresses, hosts or window, and not attacks from the background: routine administration, log gaps, first-time logins. Review them; they do not change the window or the scope.")
            o.blank()
            o.table(header, rows(Array(other.prefix(backgroundRows))))
            if other.count > backgroundRows { o.line("... and \(other.count - backgroundRows) more in report.json."); o.blank() }
        }
        background(d, &o)
        atRisk(d, &o)
    }

    /// Sources judged hostile background, most hits first (all of them in report.json).
    static let backgroundRows = 100

    static func background(_ d: ReportDigest, _ o: inout MarkdownWriter) {
        let list = d.inv.background
        guard !list.isEmpty else { return }
        o.heading(3, "Hostile background")
        let hits = list.reduce(0) { $0 + $1.hits }
        o.line(
            "\(list.count) \(plural(list.count, "source")) made \(hits) attack \(plural(hits, "attempt")) that led nowhere: no login accepted from them, no web shell they drove, no connection back to them. They are not in the window or the scope. Most hits first\(list.count > backgroundRows ? "; the first \(backgroundRows) here, all in report.json" : "").")
        o.blank()
        o.table(
            ["Source", "Hits", "First seen", "Last seen", "Highest", "Rules", "Evidence"],
            list.prefix(backgroundRows).map { b in
                [
                    e(b.address), "\(b.hits)", t(b.firstSeen), t(b.lastSeen), b.highest.name,
                    b.rules.prefix(5).map { "\(e($0.rule.name)) (\($0.hits))" }.joined(separator: ", "), evidence(b.evidence),
                ]
            })
    }

    static func atRisk(_ d: ReportDigest, _ o: inout MarkdownWriter) {
        let list = d.inv.atRisk
        guard !list.isEmpty else { return }
        o.heading(3, "Logins at risk (not attributed to the attacker)")
        o.line(
            "Logins out of hosts the attacker held that the evidence does not tie to the attacker: other people working on those hosts. Their accounts and targets may be exposed (keys, agent forwarding), so check them, but they are not in the scope.")
        o.blank()
        o.table(
            ["From", "Account", "To", "Logins", "First", "Last", "Why not the attacker", "Evidence"],
            list.prefix(backgroundRows).map { r in
                [
                    e(r.from), e(r.account), e(r.to), "\(r.count)", t(r.firstSeen), t(r.lastSeen), e(r.reason),
                    evidence(r.evidence),
                ]
            })
    }

    static func indicators(_ d: ReportDigest, _ o: inout MarkdownWriter) {
        o.heading(2, "Indicators")
        guard !d.inv.indicators.isEmpty else {
            o.line("None.")
            o.blank()
            return
        }
        o.table(
            ["Type", "Value", "First seen", "Last seen", "Count", "Why"],
            d.inv.indicators.map {
                [$0.type.name, e($0.value), t($0.firstSeen), t($0.lastSeen), "\($0.count)", e($0.reason)]
            })
    }

    static func nextSteps(_ d: ReportDigest, _ o: inout MarkdownWriter) {
        o.heading(2, "Next steps")
        for (n, step) in d.nextSteps.enumerated() {
            o.heading(3, "\(n + 1). \(e(step.title))")
            if step.items.isEmpty { o.line("- Nothing found for this step.") }
            for item in step.items { o.line("- " + e(item)) }
            o.blank()
            if let command = step.command {
                o.text += MarkdownText.codeBlock(command)
                o.blank()
            }
        }
    }

    static func method(_ d: ReportDigest, _ o: inout MarkdownWriter) {
        let inv = d.inv
        o.heading(2, "Method and caveats")
        o.line("- Seeds: " + (inv.seeds.isEmpty ? "none" : inv.seeds.map(e).joined(separator: "; ")))
        o.line("- Growth of the scope: " + e(inv.growth))
        o.line("- Events read: \(inv.eventCount) from \(d.input.files.count) \(plural(d.input.files.count, "file"))")
        o.blank()
        o.heading(3, "Evidence manifest")
        o.table(
            ["File", "SHA-256", "Bytes", "Format", "Lines", "Parsed", "Rejected"],
            d.input.files.map { f in
                let size =
                    f.compression == .none ? "\(f.rawBytes)" : "\(f.rawBytes) (\(f.decompressedBytes) decompressed)"
                return [
                    e(f.file.displayPath), e(f.sha256), size, e(f.format ?? "none"), "\(f.lines)", "\(f.parsed)",
                    "\(f.rejected)",
                ]
            })
        o.heading(3, "Input problems")
        if d.inputProblems.isEmpty {
            o.line("None: every file was read to its end.")
            o.blank()
        } else {
            o.table(
                ["File", "Where", "Problem"],
                d.inputProblems.map { p in
                    var message = e(p.message)
                    if let raw = p.raw { message += ": " + MarkdownText.escape(bytes: raw) }
                    return [e(p.path), e(p.place), message]
                })
        }
        o.heading(3, "Times inferred or assumed")
        if d.timeInference.isEmpty {
            o.line("None: every event carried its full date and zone.")
            o.blank()
        } else {
            o.table(
                ["File", "Time sources (events)", "Year reference", "Zone"],
                d.timeInference.map { [e($0.path), e($0.sources), e($0.yearReference), e($0.zone)] })
        }
        o.heading(3, "Caveats")
        if inv.caveats.isEmpty { o.line("None.") }
        for c in inv.caveats { o.line("- " + e(c.text)) }
        o.blank()
        o.heading(3, "Detector thresholds")
        o.table(
            ["Rule", "Title", "ATT&CK", "Severity", "Threshold", "Window", "Counts"],
            d.input.rules.map { r in
                [
                    e(r.id), e(r.title), e(r.technique), r.severity.name, "\(r.threshold)",
                    r.windowSeconds > 0 ? "\(r.windowSeconds) s" : "—", e(r.description),
                ]
            })
    }
}

/// A Markdown text being written: headings, lines and tables.
struct MarkdownWriter {
    var text = ""

    mutating func line(_ s: String) { text += s + "\n" }
    mutating func blank() { text += "\n" }

    mutating func heading(_ level: Int, _ s: String) {
        text += String(repeating: "#", count: level) + " " + s + "\n\n"
    }

    /// A GitHub table; cells must be escaped already (and hold no newline).
    mutating func table(_ header: [String], _ rows: [[String]]) {
        text += "| " + header.joined(separator: " | ") + " |\n"
        text += "|" + header.map { _ in "---|" }.joined() + "\n"
        for r in rows { text += "| " + r.joined(separator: " | ") + " |\n" }
        text += "\n"
    }
}
