import ArgumentParser
import DwellAnalysis
import DwellCore
import DwellIndex
import DwellIngest
import DwellPipeline
import Foundation

struct TimelineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "timeline",
        abstract: "Events in time order, with the raw line behind each: a window, a host, an indicator, or the attack.",
        discussion: """
            Without --seed or --attack: every event in the window (--from/--to), narrowed by --host, --kind and
            --indicator. With --seed (or --attack, which seeds from high-severity findings): only the events of the
            attack that correlation finds, each with its phase (reconnaissance, initial-access, lateral-movement, ...).
            Times are UTC; --from is inclusive and --to exclusive (a bare date as --to means the end of that day).
            Ties are ordered by file and line, so the order never depends on --jobs.

            --output csv and jsonl carry Timesketch's columns (datetime, timestamp, timestamp_desc, message) plus
            host, kind, outcome, phase, user, src_ip, dst_ip, dst_port, file, line, offset and raw, so either can
            be imported as is. A CSV field that starts with = + - @ is prefixed with ' (no formula runs).

            EXAMPLES
              dwell timeline SampleLogs/incident-2026-03 --attack
              dwell timeline logs/ --seed 203.0.113.45 --output csv > attack.csv
              dwell timeline logs/ --from 2026-03-11T19:00Z --to 2026-03-11T21:00Z --host db01
              dwell timeline logs/ --indicator user:deploy --kind auth_success --kind privilege
              dwell timeline logs/ --from 2026-03-12 --to 2026-03-12 --output jsonl | jq .message

            \(ExitStatus.helpText)
            """)

    enum Output: String, ExpressibleByArgument, CaseIterable { case text, csv, jsonl }

    @Argument(help: "Files, directories (walked recursively) or - for stdin (or --case DIR).")
    var paths: [String] = []

    @OptionGroup var caseOption: CaseOption

    @OptionGroup var correlation: CorrelationArguments

    @Flag(help: "Only the attack's events, seeded by high-severity findings when no --seed is given.")
    var attack = false

    @Option(
        help: ArgumentHelp("Start of the window (ISO 8601, UTC unless it has an offset), inclusive.", valueName: "TIME")
    )
    var from: String?

    @Option(help: ArgumentHelp("End of the window, exclusive (a bare date: the end of that day).", valueName: "TIME"))
    var to: String?

    @Option(
        name: .customLong("host"),
        help: ArgumentHelp("Only events logged by this host (repeatable).", valueName: "NAME"))
    var hosts: [String] = []

    @Option(
        name: .customLong("kind"),
        help: ArgumentHelp(
            "Only events of this kind, e.g. auth_success, web_request, flow (repeatable).", valueName: "KIND"))
    var kinds: [String] = []

    @Option(
        name: .customLong("indicator"),
        help: ArgumentHelp(
            "Only events involving this indicator: an address or TYPE:VALUE, the forms of --seed (repeatable).",
            valueName: "INDICATOR"))
    var indicators: [Seed] = []

    @Option(help: "Output format: text, csv or jsonl.")
    var output: Output = .text

    @Option(help: "Print at most this many events (0: all); the total is always reported.")
    var limit: Int = 0

    @OptionGroup var reading: ReadingOptions

    @OptionGroup var insideNetworks: InternalNetworkOption

    func validate() throws {
        if let from, Timestamp(iso8601: from) == nil {
            throw ValidationError(
                "cannot read --from '\(from)': give ISO 8601 time, e.g. 2026-03-11T19:21:41Z or 2026-03-11")
        }
        if let to, Timestamp(iso8601: to) == nil {
            throw ValidationError(
                "cannot read --to '\(to)': give ISO 8601 time, e.g. 2026-03-11T21:00:00Z or 2026-03-12")
        }
        for k in kinds where EventKind(name: k) == nil {
            throw ValidationError(
                "unknown --kind '\(k)'; kinds are: \(EventKind.allCases.map(\.name).joined(separator: ", "))")
        }
        guard limit >= 0 else { throw ValidationError("--limit must be 0 (all) or more") }
        try caseOption.validate(paths: paths)
        try correlation.validateWithCase(caseOption)
    }

    /// The window `[from, to)`; a bare date as `--to` ends at the end of that day.
    var window: (from: Timestamp, to: Timestamp) {
        let a = from.flatMap { Timestamp(iso8601: $0) } ?? .distantPast
        var b = to.flatMap { Timestamp(iso8601: $0) } ?? .distantFuture
        if let to, to.count == 10, b != .distantFuture { b = Timestamp(microseconds: b.microseconds + 86_400_000_000) }
        return (a, b)
    }

    func run() throws {
        let seeds = try correlation.seeds()
        let options = try reading.ingestOptions(keepingStdinLines: true)
        let attackOnly = attack || !seeds.isEmpty
        let indexed: IndexedEvidence
        var investigation: Investigation?
        if let directory = caseOption.directory, !attackOnly {
            // The case's own phases mark the events: the store is read in place, only the window's rows.
            let c = try openCaseIndex(directory)
            if c.manifest.analysed {
                var phase: [Int: String] = [:]
                for m in c.manifest.phases {
                    if let i = c.store.position(time: m.time, fileID: m.fileID, line: m.line) { phase[i] = m.phase }
                }
                try emit(
                    store: c.store, paths: c.paths, phase: phase, investigation: nil, attackOnly: false,
                    rawLines: { CaseRawLines.read(positions: $0, store: c.store, lines: c.lines, evidence: c.manifest) },
                    check: { try caseIntact(c) },
                    finish: { try IndexedEvidence.finish(stats: c.manifest.stats, issues: c.manifest.discoveryIssues) })
                return
            }
        }
        if let directory = caseOption.directory {
            let c = try openCase(directory)
            indexed = IndexedEvidence(store: c.store, stats: c.stats, files: c.evidence, issues: c.discoveryIssues, opened: c)
            // The case's own investigation marks the phases; other seeds (or a case not yet analysed) correlate.
            if attackOnly || !c.analysed {
                investigation = try caseInvestigation(c, seeds: seeds, options: options)
            }
        } else {
            let entries = try correlation.hostEntries()
            let found = try requireEvidence(paths)
            let bar = ProgressBar(for: found, quiet: reading.quiet)
            let result = InvestigationRun.run(
                files: found.files, discoveryIssues: found.issues, options: options, seeds: seeds, hostEntries: entries,
                internalNetworks: try insideNetworks.networks(), progress: bar.progress)
            bar.finish()
            indexed = IndexedEvidence(
                store: result.store, stats: result.files, files: found.files, issues: found.issues)
            investigation = result.investigation
        }
        let store = indexed.store

        // Phases of the attack's events, by position.
        var phase: [Int: String] = [:]
        if let inv = investigation {
            for t in inv.timeline {
                if let i = store.position(of: t.evidence) { phase[i] = t.phase.rawValue }
            }
        } else if let c = indexed.opened {
            for m in c.phases {
                if let i = store.position(time: m.time, fileID: m.fileID, line: m.line) { phase[i] = m.phase }
            }
        }
        try emit(
            store: store, paths: indexed.paths, phase: phase, investigation: investigation, attackOnly: attackOnly,
            rawLines: { indexed.rawLines($0, options: options) }, check: {}, finish: indexed.finish)
    }

    /// Selects the window's events (and the hosts, kinds, indicators asked for) and prints them; `check` runs
    /// before anything is printed.
    func emit<S: EventColumns>(
        store: S, paths: [String], phase: [Int: String], investigation: Investigation?, attackOnly: Bool,
        rawLines: ([Int]) -> [Int: [UInt8]], check: () throws -> Void, finish: () throws -> Void
    ) throws {
        let w = window
        let kindSet = Set(kinds.compactMap(EventKind.init(name:)))
        var hostIDs: Set<UInt32> = []
        for h in hosts {
            if let k = store.key(.host, h) {
                hostIDs.insert(k.value)
            } else {
                printError("dwell: note: no event was logged by host \(TerminalText.safe(h))")
            }
        }
        var selected: [Int]
        if !indicators.isEmpty {
            var keys: [IndicatorKey<UInt32>] = []
            for s in indicators {
                let found = store.keys(s.type, matching: s.value, substring: s.type == .userAgent || s.type == .command)
                if found.isEmpty {
                    printError("dwell: note: \(TerminalText.safe("\(s.type.name):\(s.value)")) does not occur in the evidence")
                }
                keys += found
            }
            selected = store.positions(anyOf: keys).map(Int.init).filter {
                store.time[$0] >= w.from.microseconds && store.time[$0] < w.to.microseconds
            }
        } else {
            selected = Array(store.events(from: w.from, to: w.to))
        }
        if attackOnly { selected = selected.filter { phase[$0] != nil } }
        if !hosts.isEmpty { selected = selected.filter { hostIDs.contains(store.host[$0]) } }
        if !kindSet.isEmpty { selected = selected.filter { kindSet.contains(store.kind[$0]) } }
        let total = selected.count
        if limit > 0 && selected.count > limit { selected = Array(selected.prefix(limit)) }

        let raw = rawLines(selected)
        try check()
        var out = StandardOutput()
        switch output {
        case .text:
            if attackOnly, let inv = investigation {
                if let a = inv.firstSeen, let b = inv.lastSeen {
                    out.write(
                        "ATTACK \(a.iso8601(fractionDigits: 0)) → \(b.iso8601(fractionDigits: 0)); seeds: \(inv.seeds.map(TerminalText.safe).joined(separator: "; "))\n"
                    )
                } else {
                    out.write("No attack found: \(TerminalText.safe(inv.growth)).\n")
                }
            }
            for i in selected {
                let host = store.string(store.host[i])
                let p = phase[i].map { "[\($0)]  " } ?? ""
                out.write(
                    "\(store.timestamp(i).iso8601())  \(TerminalText.safe(host.isEmpty ? "-" : host))  \(p)\(TerminalText.safe(store.summary(i)))\n"
                )
                out.write(
                    "    \(TerminalText.safe(RawLines.file(i, store: store, paths: paths))):\(store.line[i])  \(TerminalText.safe(bytes: raw[i] ?? []))\n"
                )
            }
            out.write(
                "\(total) event(s)\(selected.count < total ? ", \(selected.count) shown (--limit 0 shows all)" : "")\n")
        case .csv:
            out.write(TimelineRow.csvHeader)
            for i in selected {
                out.write(TimelineRow.csv(i, store: store, paths: paths, phase: phase[i], raw: raw[i] ?? []))
            }
        case .jsonl:
            for i in selected {
                out.write(TimelineRow.json(i, store: store, paths: paths, phase: phase[i], raw: raw[i] ?? []))
            }
        }
        out.flush()
        if output != .text && selected.count < total {
            printError("dwell: \(total) events, \(selected.count) written (--limit)")
        }
        try finish()
    }
}

// MARK: - Shared by timeline, pivot and lateral

/// The correlation inputs: seeds, an IOC file and a host map.
struct CorrelationArguments: ParsableArguments {
    @Option(
        name: .customLong("seed"),
        help: ArgumentHelp(
            "A known indicator: an address (203.0.113.9) or TYPE:VALUE: user:NAME, host:NAME, ua:TEXT, url:PATH, domain:NAME (repeatable).",
            valueName: "INDICATOR")
    )
    var seedList: [Seed] = []

    @Option(help: ArgumentHelp("Indicators, one per line (same forms as --seed; # comments).", valueName: "FILE"))
    var iocs: String?

    @Option(
        name: .customLong("hosts"),
        help: ArgumentHelp(
            "CSV address,hostname[,from[,to]] naming hosts by address (times ISO 8601; empty = open).",
            valueName: "FILE"))
    var hostsFile: String?

    func seeds() throws -> [Seed] {
        var list = seedList
        guard let iocs else { return list }
        guard let text = try? String(contentsOfFile: iocs, encoding: .utf8) else {
            printError("dwell: cannot read --iocs \(iocs): check the path and that it is UTF-8 text")
            throw ExitStatus.usage.code
        }
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let s = Seed(parsing: line, reason: "listed in \(iocs):\(n + 1)") else {
                printError(
                    "dwell: \(iocs):\(n + 1): not an indicator: \(TerminalText.safe(line)) (give an address or TYPE:VALUE)"
                )
                throw ExitStatus.usage.code
            }
            list.append(s)
        }
        return list
    }

    func hostEntries() throws -> [HostMapEntry] { try readHostsFile(hostsFile) }
}

/// The rows of a `--hosts` file (none without one); a file that cannot be read or parsed is a usage error, said on
/// stderr with the file's name. One reader for every command that takes `--hosts`.
func readHostsFile(_ path: String?) throws -> [HostMapEntry] {
    guard let path else { return [] }
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
        printError("dwell: cannot read --hosts \(path): check the path and that it is UTF-8 text")
        throw ExitStatus.usage.code
    }
    do {
        return try HostsFile.parse(text, name: path)
    } catch {
        printError("dwell: --hosts \(path): \(TerminalText.safe(error.description))")
        throw ExitStatus.usage.code
    }
}

/// Exit status after a command that read evidence: 2 when nothing was readable, 3 when some had problems.
func finishStatus(found: Discovery.Result, files: [FileStats]) throws {
    if !files.contains(where: { $0.rawBytes > 0 }) { throw ExitStatus.usage.code }
    if found.issues.contains(where: \.isProblem) || files.contains(where: \.hasProblems) {
        printError("dwell: some evidence had problems; `dwell manifest` lists them")
        throw ExitStatus.evidenceProblems.code
    }
}

/// The raw lines of events, by position (EvidenceResolver reads them: one pass per file that holds any).
enum RawLines {
    static func read(positions: [Int], store: EventStore, files: [EvidenceFile], options: IngestOptions) -> [Int:
        [UInt8]]
    {
        var wanted: [UInt32: [UInt64: [Int]]] = [:]
        for i in positions { wanted[store.fileID[i], default: [:]][UInt64(store.line[i]), default: []].append(i) }
        let raw = EvidenceResolver.rawLines(wanted.mapValues { Set($0.keys) }, files: files, options: options)
        var out: [Int: [UInt8]] = [:]
        for (fileID, lines) in wanted {
            for (n, events) in lines { if let bytes = raw[fileID]?[n] { for i in events { out[i] = bytes } } }
        }
        return out
    }

    static func file<S: EventColumns>(_ i: Int, store: S, paths: [String]) -> String {
        EvidenceFile.displayPath(Int(store.fileID[i]), in: paths)
    }
}

extension EventColumns {
    /// The position of the event at this time, file and line.
    func position(time: Timestamp, fileID f: UInt32, line l: UInt64) -> Int? {
        range(from: time, to: Timestamp(microseconds: time.microseconds + 1)).first {
            fileID[$0] == f && UInt64(line[$0]) == l
        }
    }
}

/// One event as a Timesketch-compatible CSV row or JSON line.
enum TimelineRow {
    static let csvHeader =
        "datetime,timestamp,timestamp_desc,message,host,kind,outcome,phase,user,src_ip,dst_ip,dst_port,file,line,offset,raw\n"

    static func fields<S: EventColumns>(_ i: Int, store: S, paths: [String], phase: String?, raw: [UInt8])
        -> [(String, String)]
    {
        func ip(_ id: UInt32) -> String { store.address(id)?.description ?? "" }
        return [
            ("datetime", store.timestamp(i).iso8601()),
            ("timestamp", String(store.time[i])),
            ("timestamp_desc", "Event Recorded"),
            ("message", store.summary(i)),
            ("host", store.string(store.host[i])),
            ("kind", store.kind[i].name),
            ("outcome", store.outcome[i].name ?? ""),
            ("phase", phase ?? ""),
            ("user", store.string(store.user[i])),
            ("src_ip", ip(store.sourceIP[i])),
            ("dst_ip", ip(store.destinationIP[i])),
            ("dst_port", store.destinationPort[i] == 0 ? "" : String(store.destinationPort[i])),
            ("file", RawLines.file(i, store: store, paths: paths)),
            ("line", String(store.line[i])),
            ("offset", String(store.offset[i])),
            ("raw", ByteText.string(raw)),
        ]
    }

    static func csv<S: EventColumns>(_ i: Int, store: S, paths: [String], phase: String?, raw: [UInt8]) -> String {
        fields(i, store: store, paths: paths, phase: phase, raw: raw).map { csvField($0.1) }.joined(separator: ",")
            + "\n"
    }

    /// Quotes a CSV field (RFC 4180) and defuses spreadsheet formulas (a leading = + - @ gets a ').
    static func csvField(_ s: String) -> String {
        var v = s
        if let c = v.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(c), Int64(v) == nil { v = "'" + v }
        if v.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "'" }) {
            return "\"" + v.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return v
    }

    static func json<S: EventColumns>(_ i: Int, store: S, paths: [String], phase: String?, raw: [UInt8]) -> [UInt8] {
        var j = JSONBuffer(capacity: 512)
        j.beginObject()
        for (k, v) in fields(i, store: store, paths: paths, phase: phase, raw: []) where !v.isEmpty {
            j.key(k)
            switch k {
            case "timestamp", "line", "offset", "dst_port": j.int(Int64(v) ?? 0)
            default: j.string(v)
            }
        }
        j.key("raw"); j.string(bytes: raw)
        j.endObject()
        j.newline()
        return j.bytes
    }
}
