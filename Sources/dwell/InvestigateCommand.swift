import ArgumentParser
import DwellAnalysis
import DwellCase
import DwellCore
import DwellIngest
import DwellPipeline
import DwellReports
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

struct InvestigateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "investigate",
        abstract:
            "Find the attack: window (dwell time), scope, lateral movement, findings — with the evidence line behind each.",
        discussion: """
            With no --seed, high-severity findings (success after brute force, web shell, successful exploit,
            high IDS alerts) seed the correlation. Prints a summary and writes the reports to --out (each file
            written whole, then renamed into place), then lists what it wrote.

            FORMATS (--formats, default all)
            \(ReportFormat.allCases.map { "  \($0.rawValue.padding(toLength: 6, withPad: " ", startingAt: 0)) \($0.summary)" }.joined(separator: "\n"))

            SOURCE_DATE_EPOCH, when set, is the reports' generation time; otherwise none is written, so two runs
            on the same evidence give byte-identical files.

            EXAMPLES
              dwell investigate SampleLogs/incident-2026-03
              dwell investigate /mnt/image/var/log --seed 203.0.113.45 --out case-42
              dwell investigate logs/ --seed user:deploy --hosts hosts.csv --tz 'web01/*=America/New_York'
              dwell investigate logs/ --formats json,stix,iocs,sigma --out share    # only what other teams need
              dwell investigate logs/ --formats csv --timeline-style l2tcsv          # plaso l2tcsv for old tooling

            \(ExitStatus.helpText)
            """)

    @Argument(help: "Files, directories (walked recursively) or - for stdin.")
    var paths: [String] = []

    @Option(
        parsing: .upToNextOption,
        help: ArgumentHelp(
            "Build the report from partial results (dwell summarize / dwell merge) instead of evidence; see dwell summarize --help.",
            valueName: "FILE"))
    var partials: [String] = []

    @Option(
        name: .customLong("seed"),
        help: ArgumentHelp(
            "A known indicator: an address (203.0.113.9) or TYPE:VALUE: user:NAME, host:NAME, ua:TEXT, url:PATH, domain:NAME (repeatable).",
            valueName: "INDICATOR"))
    var seeds: [Seed] = []

    @Option(
        help: ArgumentHelp(
            "Indicators, one per line (same forms as --seed; # comments).", valueName: "FILE"))
    var iocs: String?

    @Option(
        help: ArgumentHelp(
            "CSV of address,hostname[,from[,to]] to name hosts the logs do not name (times ISO 8601).", valueName: "FILE"))
    var hosts: String?

    @Option(
        help: ArgumentHelp(
            "Directory for the reports (created; never inside the evidence).", valueName: "DIR"))
    var out: String = "dwell-out"

    @Option(
        help: ArgumentHelp(
            "Reports to write, comma-separated: \(ReportFormat.allCases.map(\.rawValue).joined(separator: ",")) or all (default: all).",
            valueName: "LIST"),
        transform: ReportFormat.list(argument:))
    var formats: [ReportFormat]?

    @Option(
        help: ArgumentHelp(
            "Layout of the csv timeline: timesketch (timeline.csv) or l2tcsv (plaso's 17 columns, timeline.l2tcsv.csv).",
            valueName: "STYLE"))
    var timelineStyle: TimelineStyle = .timesketch

    @Flag(help: "Print report.json to stdout instead of the summary.")
    var json = false

    @Option(
        name: .customLong("case"),
        help: ArgumentHelp(
            "With evidence paths: also write a persistent case there (store, manifest, findings, cited lines). Without: investigate from that case, reading no evidence (--seed correlates again; --rules runs the detectors again over the stored events).",
            valueName: "DIR"))
    var caseDirectory: String?

    @OptionGroup var reading: ReadingOptions

    @OptionGroup var insideNetworks: InternalNetworkOption
    @OptionGroup var rules: RulesOptions
    @OptionGroup var sigma: SigmaOptions

    func validate() throws {
        if (paths.isEmpty && caseDirectory == nil) == partials.isEmpty {
            throw ValidationError("give evidence paths (or --case DIR) or --partials FILE..., not both and not neither")
        }
        if caseDirectory != nil && (hosts != nil || !insideNetworks.text.isEmpty) && paths.isEmpty {
            throw ValidationError("--hosts and --internal are given when the case is built (with the evidence paths)")
        }
    }

    func run() throws {
        var seedList = seeds
        if let iocs {
            guard let text = try? String(contentsOfFile: iocs, encoding: .utf8) else {
                printError("dwell: cannot read --iocs \(iocs)")
                throw ExitStatus.usage.code
            }
            for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let line = raw.trimmingCharacters(in: .whitespaces)
                if line.isEmpty || line.hasPrefix("#") { continue }
                guard let s = Seed(parsing: line, reason: "listed in \(iocs):\(n + 1)") else {
                    printError("dwell: \(iocs):\(n + 1): not an indicator: \(TerminalText.safe(line))")
                    throw ExitStatus.usage.code
                }
                seedList.append(s)
            }
        }
        let hostEntries = try readHostsFile(hosts)
        if !partials.isEmpty {
            return try runPartials(seeds: seedList, hostMap: HostMapEntry.unranged(hostEntries))
        }
        if paths.isEmpty, let caseDirectory { return try runFromCase(caseDirectory, seeds: seedList) }
        let found = try requireEvidence(paths)
        let outDir = Self.resolved(out)
        for f in found.files where !f.isStdin {
            let dir = Self.resolved(URL(fileURLWithPath: f.path).deletingLastPathComponent().path)
            if dir == outDir || dir.hasPrefix(outDir + "/") {
                printError(
                    "dwell: --out \(out) holds evidence (\(f.displayPath)); choose a directory outside the evidence"
                )
                throw ExitStatus.usage.code
            }
        }
        for p in paths where p != "-" {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: p, isDirectory: &isDirectory),
                isDirectory.boolValue
            else { continue }
            let root = Self.resolved(p)
            if outDir == root || outDir.hasPrefix(root == "/" ? "/" : root + "/") {
                printError(
                    "dwell: --out \(out) is inside the evidence directory \(p); choose a directory outside it"
                )
                throw ExitStatus.usage.code
            }
        }
        let options = try reading.ingestOptions(keepingStdinLines: true)
        let ruleSet = try rules.ruleSet()
        let sigmaRules = try sigma.ruleSet()
        if let s = sigmaRules, !reading.quiet {
            printError(
                "dwell: Sigma: \(s.loadedCount) rules loaded, \(s.unsupportedCount) unsupported, \(s.notApplicableCount) not applicable (dwell sigma check lists why)")
        }
        let bar = ProgressBar(for: found, quiet: reading.quiet)
        let result = InvestigationRun.run(
            files: found.files, discoveryIssues: found.issues, options: options, seeds: seedList,
            rules: ruleSet, hostEntries: hostEntries, internalNetworks: try insideNetworks.networks(),
            sigma: sigmaRules, progress: bar.progress)
        bar.finish()
        let input = ReportInput(
            investigation: result.investigation, files: result.files, discoveryIssues: result.discoveryIssues,
            generated: Self.generationTime(), inputs: paths, rules: ruleSet.rules, outputDirectory: out)
        var trace = PhaseTrace()
        try writeReports(input, origin: "\(result.files.count) evidence files")
        trace.mark("reports")
        if let caseDirectory {
            let c = Case.from(
                run: result, evidence: found.files, directory: caseDirectory, inputs: paths, seeds: seedList,
                rulesFile: rules.file, rulesText: try rules.text())
            try writeCase(c)
            trace.mark("case written")
        }
        let problems =
            found.issues.contains(where: \.isProblem) || result.files.contains(where: \.hasProblems)
        if !result.files.contains(where: { $0.rawBytes > 0 }) { throw ExitStatus.usage.code }
        if problems { throw ExitStatus.evidenceProblems.code }
    }

    /// Re-renders the reports from a case: its findings correlated from `seeds` (the case's own when none), or
    /// the detectors run again over its events when `--rules` is given.
    func runFromCase(_ directory: String, seeds: [Seed]) throws {
        let ruleSet = rules.file == nil ? nil : try rules.ruleSet()
        // Correlating again reads the store in place (only what the correlator touches); the detectors (--rules,
        // or a case only indexed) read every event, from the case opened whole.
        if ruleSet == nil,
            let inPlace = try caseInvestigationInPlace(directory, seeds: seeds, options: try reading.ingestOptions())
        {
            let c = inPlace.index.manifest
            let input = ReportInput(
                investigation: inPlace.investigation, files: c.stats, discoveryIssues: c.discoveryIssues,
                generated: Self.generationTime(), inputs: c.inputs, rules: try c.ruleSet().rules, outputDirectory: out)
            try writeReports(input, origin: "case \(directory)")
            return try IndexedEvidence.finish(stats: c.stats, issues: c.discoveryIssues)
        }
        let c = try openCase(directory)
        let r: (investigation: Investigation, analysis: InvestigationRun.StoredAnalysis)
        do {
            r = try c.investigate(seeds: seeds.isEmpty ? nil : seeds, rules: ruleSet, options: try reading.ingestOptions())
        } catch {
            printError("dwell: \(directory): the rules stored in the case do not load: \(error)")
            throw ExitStatus.usage.code
        }
        let inv = r.investigation
        // A case only indexed so far keeps the findings (and the lines they cite) of its first investigation.
        if !c.analysed && seeds.isEmpty && ruleSet == nil {
            var analysed = c
            analysed.analysed = true
            analysed.analysis = r.analysis
            var raw = analysed.lines.all
            CaseLines.cited(by: inv, into: &raw)
            analysed.lines = CaseLines(raw)
            analysed.phases = inv.timeline.map {
                PhaseMark(
                    time: $0.evidence.time, fileID: $0.evidence.fileID, line: $0.evidence.line, phase: $0.phase.rawValue)
            }
            try writeCase(analysed)
        }
        let used = try ruleSet ?? c.ruleSet()
        let input = ReportInput(
            investigation: inv, files: c.stats, discoveryIssues: c.discoveryIssues, generated: Self.generationTime(),
            inputs: c.inputs, rules: used.rules, outputDirectory: out)
        try writeReports(input, origin: "case \(directory)")
        let indexed = IndexedEvidence(store: c.store, stats: c.stats, files: c.evidence, issues: c.discoveryIssues)
        try indexed.finish()
    }

    /// `SOURCE_DATE_EPOCH` as the report's generation time, when set (reproducible builds' convention).
    static func generationTime() -> Timestamp? {
        ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"].flatMap(Int64.init).map { Timestamp(seconds: $0) }
    }

    /// Renders the chosen formats and writes them atomically into `--out` (or report.json to stdout with
    /// `--json`), then prints the summary and the list of files written.
    func writeReports(_ input: ReportInput, origin: String) throws {
        var stdout = StandardOutput()
        if json {
            stdout.write(ReportSet.render(input, formats: [.json]).first?.bytes ?? [])
        } else {
            var written: [(String, Int)] = []
            for f in ReportSet.render(input, formats: formats ?? ReportFormat.allCases, timelineStyle: timelineStyle) {
                do {
                    try ReportWriter.write(f.bytes, to: f.path, in: out)
                    written.append((f.path, f.bytes.count))
                } catch {
                    printError("dwell: cannot write \(out)/\(f.path): \(error); check that --out is a writable directory")
                    throw ExitStatus.usage.code
                }
            }
            let inv = input.investigation
            stdout.write(Summary.render(inv))
            stdout.write(
                "\nWrote \(written.count) file\(written.count == 1 ? "" : "s") to \(out)/  (\(origin), \(inv.eventCount) events):\n"
            )
            for (path, size) in written { stdout.write("  \(path)  (\(size) bytes)\n") }
        }
        stdout.flush()
    }

    /// The absolute, standardised path with symlinks resolved (so `--out ./x/../logs/out` is caught too).
    static func resolved(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
    }
}

/// Writes report files atomically: the bytes go to a temporary file in the destination's directory, are flushed,
/// and the file is renamed over the destination, so a reader never sees half a report.
enum ReportWriter {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func write(_ bytes: [UInt8], to relativePath: String, in directory: String) throws {
        let dest = URL(fileURLWithPath: directory).appendingPathComponent(relativePath)
        let dir = dest.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let temp = dir.appendingPathComponent(".\(dest.lastPathComponent).tmp-\(getpid())")
        let fd = open(temp.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw Failure(description: "cannot create \(temp.path): \(String(cString: strerror(errno)))")
        }
        var ok = true
        var failure = ""
        bytes.withUnsafeBytes { buf in
            var done = 0
            while done < buf.count {
                let n = Glibc.write(fd, buf.baseAddress.map { $0 + done }, buf.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    ok = false
                    failure = String(cString: strerror(errno))
                    return
                }
                done += n
            }
        }
        if ok && fsync(fd) != 0 {
            ok = false
            failure = String(cString: strerror(errno))
        }
        close(fd)
        guard ok else {
            unlink(temp.path)
            throw Failure(description: "writing \(temp.path) failed: \(failure)")
        }
        guard rename(temp.path, dest.path) == 0 else {
            let why = String(cString: strerror(errno))
            unlink(temp.path)
            throw Failure(description: "cannot rename into \(dest.path): \(why)")
        }
    }
}
