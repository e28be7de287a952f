import DwellAnalysis
import DwellCore
import DwellIndex
import DwellIngest

/// The content that report.md and report.html share, arranged for people: the facts of the investigation put in
/// report order, with the prose (summary paragraph, next steps) derived from them.
///
/// Every `String` here is plain text that may hold attacker-controlled parts (host and account names, paths, user
/// agents): each renderer escapes all of it for its output. Nothing here reads evidence files or the clock.
struct ReportDigest {
    let input: ReportInput
    var inv: Investigation { input.investigation }

    /// One row of the phase overview: when each phase of the attack started and ended, where, and how often.
    struct PhaseRow {
        var phase: Phase
        var first: Timestamp
        var last: Timestamp
        var count: Int
        var hosts: [String]
        var evidence: EvidenceRef
    }

    /// One row of the attack timeline: a single event, or a burst of consecutive noisy events (scans, flows)
    /// folded into one row with its first and last evidence.
    struct TimelineRow {
        var first: Timestamp
        var last: Timestamp
        var hosts: [String]
        var phase: String
        var summary: String
        var firstEvidence: EvidenceRef
        var lastEvidence: EvidenceRef?
        var count: Int
    }

    /// A next step: a heading, the actions (plain text), and an optional shell command.
    struct NextStep {
        var title: String
        var items: [String]
        var command: String?
    }

    /// How the times of one file were obtained, when not all were explicit in the lines.
    struct TimeInference {
        var path: String
        var sources: String
        var yearReference: String
        var zone: String
    }

    /// A problem with the input, with its place.
    struct InputProblem {
        var path: String
        var place: String
        var message: String
        var raw: [UInt8]?
    }

    let phases: [PhaseRow]
    let timeline: [TimelineRow]
    let nextSteps: [NextStep]
    let timeInference: [TimeInference]
    let inputProblems: [InputProblem]

    /// Phases whose events come in bursts (scans, flows, ordinary requests): consecutive ones fold into one row.
    static let noisyPhases: Set<Phase> = [.reconnaissance, .commandAndControl, .activity]

    init(_ input: ReportInput) {
        self.input = input
        phases = Self.phaseRows(input.investigation.timeline)
        timeline = Self.timelineRows(input.investigation.timeline)
        nextSteps = Self.nextSteps(input)
        timeInference = Self.timeInference(input.files)
        inputProblems = Self.inputProblems(input)
    }

    var attackFound: Bool { inv.firstSeen != nil && inv.lastSeen != nil }

    // MARK: - Summary

    /// One paragraph a manager can read: what happened, for how long, where, and what it means.
    var managerParagraph: String {
        guard let first = inv.firstSeen, let last = inv.lastSeen else {
            var s = "dwell found no attack in \(input.files.count) \(plural(input.files.count, "file")) "
            s += "(\(inv.eventCount) \(plural(inv.eventCount, "event"))): \(inv.growth)."
            if inv.findings.isEmpty {
                s += " No detector fired."
            } else {
                s += " \(inv.findings.count) \(plural(inv.findings.count, "finding")) (highest severity "
                s +=
                    "\(inv.severity.name)) are listed below for review; none was strong enough to start an investigation."
            }
            return s
        }
        var s = "An attacker was active for \(Self.longDuration(inv.durationSeconds ?? 0)), from "
        s += "\(Self.time(first)) to \(Self.time(last))"
        let hosts = inv.hosts.map(\.host)
        s +=
            hosts.isEmpty
            ? ", but no host was shown to be compromised."
            : ", and compromised \(hosts.count) "
                + "\(plural(hosts.count, "host")): \(Self.list(hosts))."
        if let entry = inv.entryPoints.first {
            let how = inv.hosts.first { $0.host == entry }?.reason
            s += " They got in through \(entry)" + (how.map { " (\($0))" } ?? "") + "."
        }
        if let path = inv.paths.first, !path.isEmpty {
            let methods = Self.unique(path.map(\.method))
            let accounts = Self.unique(path.map(\.account))
            s += " From there they moved by \(Self.list(methods)) to \(Self.list(path.map(\.to)))"
            s += " with the \(plural(accounts.count, "account")) \(Self.list(accounts))."
        }
        let created = createdAccounts
        if !created.isEmpty {
            s += " They created the \(plural(created.count, "account")) \(Self.list(created.map(\.account)))"
            s += " to keep access."
        }
        let exfil = inv.findings.filter { $0.meaning == .exfiltration }
        if let f = exfil.first {
            s += " Data left the network: \(f.why)."
        } else if !inv.dataTouched.isEmpty {
            s +=
                " They touched \(inv.dataTouched.count) data \(plural(inv.dataTouched.count, "item")) (listed under Scope)."
        }
        let ips = inv.sourceIPs.map(\.value)
        if !ips.isEmpty {
            s +=
                " The attacker used \(ips.count) \(plural(ips.count, "address", "addresses")) (\(Self.list(Array(ips.prefix(5)))))"
            s += ips.count > 5 ? " and \(ips.count - 5) more)." : "."
        }
        s += " Severity: \(inv.severity.name). The next steps below say what to block, disable, rotate and isolate."
        return s
    }

    /// Accounts created during the attack (from the account-creation findings), with their host.
    var createdAccounts: [(account: String, host: String)] { Self.createdAccounts(inv) }

    static func createdAccounts(_ inv: Investigation) -> [(account: String, host: String)] {
        var seen = Set<String>()
        var out: [(String, String)] = []
        for f in inv.findings where f.meaning == .accountCreated {
            for name in f.indicators.values(.user) {
                guard !name.isEmpty, inv.accounts.contains(where: { $0.value == name }),
                    seen.insert(name + "\u{0}" + f.host).inserted
                else { continue }
                out.append((name, f.host))
            }
        }
        return out
    }

    // MARK: - Timeline

    static func phaseRows(_ timeline: [TimelineEntry]) -> [PhaseRow] {
        var rows: [PhaseRow] = []
        var index: [String: Int] = [:]
        for t in timeline {
            if let i = index[t.phase.rawValue] {
                rows[i].first = min(rows[i].first, t.time)
                rows[i].last = max(rows[i].last, t.time)
                rows[i].count += 1
                if !rows[i].hosts.contains(t.host) { rows[i].hosts.append(t.host) }
            } else {
                index[t.phase.rawValue] = rows.count
                rows.append(
                    PhaseRow(
                        phase: t.phase, first: t.time, last: t.time, count: 1, hosts: [t.host], evidence: t.evidence))
            }
        }
        return rows
    }

    static func timelineRows(_ timeline: [TimelineEntry]) -> [TimelineRow] {
        var rows: [TimelineRow] = []
        var burst: [TimelineEntry] = []
        func flush() {
            guard let a = burst.first, let b = burst.last else { return }
            if burst.count == 1 {
                rows.append(row(a))
            } else {
                var counts: [String: Int] = [:]
                var order: [String] = []
                for e in burst {
                    if counts[e.phase.rawValue] == nil { order.append(e.phase.rawValue) }
                    counts[e.phase.rawValue, default: 0] += 1
                }
                let what = order.map { "\(counts[$0] ?? 0) \($0)" }.joined(separator: ", ")
                rows.append(
                    TimelineRow(
                        first: a.time, last: b.time, hosts: unique(burst.map(\.host)).sorted(),
                        phase: order.joined(separator: ", "),
                        summary: "\(burst.count) events (\(what)); first: \(a.summary); last: \(b.summary)",
                        firstEvidence: a.evidence, lastEvidence: b.evidence, count: burst.count))
            }
            burst.removeAll()
        }
        for t in timeline {
            if noisyPhases.contains(t.phase) {
                burst.append(t)
            } else {
                flush()
                rows.append(row(t))
            }
        }
        flush()
        return rows
    }

    static func row(_ t: TimelineEntry) -> TimelineRow {
        TimelineRow(
            first: t.time, last: t.time, hosts: [t.host], phase: t.phase.rawValue, summary: t.summary,
            firstEvidence: t.evidence, lastEvidence: nil, count: 1)
    }

    // MARK: - Next steps

    static func nextSteps(_ input: ReportInput) -> [NextStep] {
        let inv = input.investigation
        var steps: [NextStep] = []
        guard inv.firstSeen != nil else {
            var items = ["Review the findings below; none was strong enough to seed an investigation."]
            items.append(
                "If you know an indicator of the attacker (an address, an account), run again with `--seed` to start from it."
            )
            steps.append(NextStep(title: "Review", items: items, command: nil))
            return steps
        }
        // 1. Cut off the vector.
        var block: [String] = []
        for ip in inv.sourceIPs {
            let addr = ip.value
            let scope = ip.address?.isInternal == true ? "internal address: find the machine behind it" : "block at the perimeter"
            block.append(
                "\(addr) — \(scope); seen \(time(ip.firstSeen)) to \(time(ip.lastSeen)), \(ip.count) \(plural(ip.count, "event")); \(ip.reason)"
            )
        }
        var vector: [String] = []
        let compromised = Set(inv.hosts.map(\.host))
        // On the compromised server itself (a sensor that saw the request is not where the file is).
        for f in inv.findings
        where compromised.contains(f.host)
            && (f.meaning == .serverComponent || (f.meaning == .publicExploit && f.severity >= .high))
        {
            for path in f.indicators.values(.path) {
                let line = "Remove or fix \(path) on \(f.host) (\(f.title), \(f.technique))"
                if !vector.contains(line) { vector.append(line) }
            }
        }
        steps.append(NextStep(title: "Cut off the way in", items: vector + block, command: nil))

        // 2. Accounts and credentials.
        var accounts: [String] = []
        let created = createdAccounts(inv)
        for a in inv.accounts {
            let hosts = unique(inv.edges.filter { $0.account == a.value }.map(\.to))
            if let c = created.first(where: { $0.account == a.value }) {
                accounts.append(
                    "Disable \(a.value) on \(c.host) (created during the attack); delete it once the host is imaged")
            } else {
                let on = hosts.isEmpty ? "" : " (used on \(list(hosts)))"
                accounts.append(
                    "Disable \(a.value) or reset its password, and replace its SSH keys and authorized_keys on every host\(on)"
                )
            }
        }
        for f in inv.findings where f.meaning == .accountChanged {
            accounts.append("Undo on \(f.host): \(f.why)")
        }
        if !inv.hosts.isEmpty {
            accounts.append(
                "Rotate every credential stored on or typed into \(list(inv.hosts.map(\.host))): service and database passwords, API tokens, private keys, sudo passwords"
            )
        }
        steps.append(NextStep(title: "Disable accounts and rotate credentials", items: accounts, command: nil))

        // 3. Hosts.
        let hosts = inv.hosts.map { h in
            let addrs = h.addresses.isEmpty ? "" : " (\(h.addresses.joined(separator: ", ")))"
            return
                "\(h.host)\(addrs): compromised from \(time(h.firstCompromise)), last attacker activity \(time(h.lastActivity)); isolate from the network, image memory and disk before any clean-up"
        }
        steps.append(NextStep(title: "Isolate and image hosts", items: hosts, command: nil))

        // 4. Indicators.
        var byType: [IndicatorType: [ScopeItem]] = [:]
        for i in inv.indicators { byType[i.type, default: []].append(i) }
        var watch: [String] = []
        for type in IndicatorType.allCases {
            guard let items = byType[type], !items.isEmpty else { continue }
            let shown = items.prefix(5).map(\.value)
            let more = items.count > shown.count ? " and \(items.count - shown.count) more" : ""
            watch.append(
                "\(items.count) \(type.name) \(plural(items.count, "indicator")): \(list(Array(shown)))\(more)")
        }
        watch.append(
            "All of them are in iocs.txt and iocs.stix.json beside this report, for your monitoring and other teams")
        steps.append(NextStep(title: "Monitor the indicators", items: watch, command: nil))

        // 5. Sweep.
        steps.append(
            NextStep(
                title: "Schedule the re-attack sweep",
                items: ["Run it on new logs (e.g. hourly from cron); exit status 1 means an indicator came back"],
                command: sweepCommand(input)))
        return steps
    }

    /// `dwell sweep --iocs <out>/iocs.txt <inputs>`, with the inputs quoted for a POSIX shell.
    static func sweepCommand(_ input: ReportInput) -> String {
        let out = input.outputDirectory ?? "OUT"
        var words = [
            "dwell", "sweep", "--iocs", shellQuote(out + "/iocs.txt"), "--state", shellQuote(out + "/sweep.state"),
        ]
        words += input.inputs.map(shellQuote)
        return words.joined(separator: " ")
    }

    /// A word for a POSIX shell: bare when it is plain, single-quoted otherwise, `$'…'` when it holds control bytes.
    static func shellQuote(_ word: String) -> String {
        let plain =
            !word.isEmpty
            && word.unicodeScalars.allSatisfy {
                ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
                    || "/._-+:,=%@".unicodeScalars.contains($0)
            }
        if plain { return word }
        if word.utf8.contains(where: { $0 < 0x20 || $0 == 0x7f }) {
            var out = Array("$'".utf8)
            for b in word.utf8 {
                switch b {
                case 0x27: out += Array("\\'".utf8)
                case 0x5c: out += Array("\\\\".utf8)
                case 0..<0x20, 0x7f: out += Array(("\\x" + (b < 16 ? "0" : "") + String(b, radix: 16)).utf8)
                default: out.append(b)
                }
            }
            out.append(0x27)
            return ByteText.string(out)
        }
        return "'" + word.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'"
    }

    // MARK: - Method and caveats

    static func timeInference(_ files: [FileStats]) -> [TimeInference] {
        var rows: [TimeInference] = []
        for f in files where f.duplicateOf == nil {
            let inferred = f.timeSources.filter { $0.key != "explicit" }
            guard !inferred.isEmpty else { continue }
            let sources = f.timeSources.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(
                separator: "; ")
            var reference = f.yearReferenceSource ?? "none"
            if let t = f.yearReference { reference += " (\(time(t)))" }
            rows.append(
                TimeInference(path: f.file.displayPath, sources: sources, yearReference: reference, zone: f.zone))
        }
        return rows
    }

    static func inputProblems(_ input: ReportInput) -> [InputProblem] {
        var rows: [InputProblem] = []
        for i in input.discoveryIssues {
            rows.append(
                InputProblem(path: i.path, place: place(line: i.line, offset: i.offset), message: i.message, raw: nil))
        }
        for f in input.files {
            for i in f.issues {
                rows.append(
                    InputProblem(
                        path: f.file.displayPath, place: place(line: i.line, offset: i.offset), message: i.message,
                        raw: nil))
            }
            if let d = f.duplicateOf {
                rows.append(
                    InputProblem(
                        path: f.file.displayPath, place: "", message: "byte-identical copy of \(d): read once", raw: nil
                    ))
            }
            if f.rejected > 0 {
                let reasons = f.rejectionsByReason.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(
                    separator: ", ")
                rows.append(
                    InputProblem(
                        path: f.file.displayPath, place: "",
                        message: "\(f.rejected) \(plural(Int(f.rejected), "line")) not parsed (\(reasons))",
                        raw: nil))
                for s in f.samples.prefix(3) {
                    rows.append(
                        InputProblem(
                            path: f.file.displayPath, place: place(line: s.line, offset: s.offset),
                            message: "rejected (\(s.reason))", raw: s.raw))
                }
            }
        }
        return rows
    }

    static func place(line: UInt64?, offset: UInt64?) -> String {
        var parts: [String] = []
        if let line { parts.append("line \(line)") }
        if let offset { parts.append("byte \(offset)") }
        return parts.joined(separator: ", ")
    }

    // MARK: - Words

    static func time(_ t: Timestamp) -> String { t.iso8601(fractionDigits: 0) }

    /// `1 hour 28 minutes 45 seconds`, `3 days 2 hours`, `45 seconds` (to the second below a day).
    static func longDuration(_ seconds: Int64) -> String {
        let d = seconds / 86_400
        let h = seconds / 3600 % 24
        let m = seconds / 60 % 60
        let s = seconds % 60
        var parts: [String] = []
        if d > 0 { parts.append("\(d) \(d == 1 ? "day" : "days")") }
        if h > 0 { parts.append("\(h) \(h == 1 ? "hour" : "hours")") }
        if m > 0 && d == 0 { parts.append("\(m) \(m == 1 ? "minute" : "minutes")") }
        if s > 0 && d == 0 || parts.isEmpty { parts.append("\(s) \(s == 1 ? "second" : "seconds")") }
        return parts.joined(separator: " ")
    }

    /// `a`, `a and b`, `a, b and c`.
    static func list(_ items: [String]) -> String {
        switch items.count {
        case 0: return "none"
        case 1: return items[0]
        default: return items.dropLast().joined(separator: ", ") + " and " + (items.last ?? "")
        }
    }

    static func unique(_ items: [String]) -> [String] {
        var seen = Set<String>()
        return items.filter { seen.insert($0).inserted }
    }

    /// The evidence place as `file:line`.
    static func place(_ e: EvidenceRef) -> String { "\(e.file):\(e.line)" }
}

func plural(_ n: Int, _ one: String, _ many: String? = nil) -> String { n == 1 ? one : many ?? one + "s" }

extension ReportDigest {
    /// The summary table's rows (label, value), shared by report.md and report.html; each output passes its own
    /// escaping and formatting, so the two say the same thing in their own syntax.
    func summaryRows(
        escape e: (String) -> String, time t: (Timestamp) -> String, evidence: (EvidenceRef?) -> String,
        dataTouched: String, severity: (Severity, _ high: Int, _ total: Int) -> String
    ) -> [[String]] {
        var rows: [[String]] = []
        if let first = inv.firstSeen, let last = inv.lastSeen {
            rows.append([
                "Attack window",
                "\(t(first)) → \(t(last)) (\(e(ReportDigest.longDuration(inv.durationSeconds ?? 0))))",
            ])
            rows.append(["First evidence", evidence(inv.firstEvidence)])
            rows.append(["Last evidence", evidence(inv.lastEvidence)])
        } else {
            rows.append(["Attack window", "none found"])
        }
        rows.append([
            "Entry point", inv.entryPoints.isEmpty ? "none found" : inv.entryPoints.map(e).joined(separator: ", "),
        ])
        rows.append([
            "Hosts",
            inv.hosts.isEmpty
                ? "none" : inv.hosts.map { "\(e($0.host)) (from \(t($0.firstCompromise)))" }.joined(separator: ", "),
        ])
        rows.append([
            "Accounts", inv.accounts.isEmpty ? "none" : inv.accounts.map { e($0.value) }.joined(separator: ", "),
        ])
        rows.append([
            "Source IPs", inv.sourceIPs.isEmpty ? "none" : inv.sourceIPs.map { e($0.value) }.joined(separator: ", "),
        ])
        rows.append(["Data touched", dataTouched])
        let high = inv.findings.filter { $0.severity >= .high }.count
        rows.append(["Severity", severity(inv.severity, high, inv.findings.count)])
        return rows
    }
}
