import ArgumentParser
import DwellAnalysis
import DwellCase
import DwellCore
import DwellIndex
import DwellIngest
import DwellPipeline
import Foundation

/// Writes a case, or says why not and exits 2.
func writeCase(_ c: Case) throws {
    do {
        try c.write()
    } catch {
        printError("dwell: \(TerminalText.safe(error.description))")
        throw ExitStatus.usage.code
    }
}

struct IndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract:
            "Read and index the evidence once into a case directory, for pivot, timeline, lateral and investigate --case.",
        discussion: """
            Writes the event store (columns, symbol tables, time buckets, postings) and the evidence manifest with
            SHA-256s into --case DIR, in files a later process maps. No detector runs: `dwell investigate --case
            DIR` analyses the stored events (`dwell investigate PATH... --case DIR` writes the findings too).

            Run again on the same --case with grown evidence to add what is new: files whose SHA-256 the case
            already holds (rotated or renamed) are kept without reading, changed and new files are read.

            EXAMPLES
              dwell index /mnt/image/var/log --case case-42
              dwell pivot 203.0.113.45 --case case-42
              dwell timeline --case case-42 --from 2026-03-11T19:00:00Z --to 2026-03-11T20:00:00Z --host web01
              dwell case verify case-42

            \(ExitStatus.helpText)
            """)

    @Argument(help: "Files, directories (walked recursively) or - for stdin.")
    var paths: [String]

    @Option(name: .customLong("case"), help: ArgumentHelp("The case directory (created).", valueName: "DIR"))
    var caseDirectory: String

    @Option(
        help: ArgumentHelp(
            "CSV of address,hostname[,from[,to]] to name hosts the logs do not name (times ISO 8601).",
            valueName: "FILE"))
    var hosts: String?

    @OptionGroup var reading: ReadingOptions
    @OptionGroup var insideNetworks: InternalNetworkOption

    func run() throws {
        let found = try requireEvidence(paths)
        let options = try reading.ingestOptions()
        let hostEntries = try readHostsFile(hosts)
        let bar = ProgressBar(for: found, quiet: reading.quiet)
        var out = StandardOutput()
        let c: Case
        if FileManager.default.fileExists(atPath: caseDirectory + "/" + CaseFile.Kind.manifest.fileName) {
            // A case is there: keep what it holds, read what is new.
            let existing = try openCase(caseDirectory)
            if hosts != nil || !insideNetworks.text.isEmpty {
                printError("dwell: note: the case keeps the --hosts and --internal it was built with")
            }
            let (updated, u) = existing.updated(with: found, inputs: paths, options: options, progress: bar.progress)
            bar.finish()
            c = updated
            func s(_ t: String) -> String { TerminalText.safe(t) }
            for k in u.kept where k.was != k.now { out.write("kept     \(s(k.now)) (was \(s(k.was)): rotated)\n") }
            for r in u.read { out.write("read     \(s(r))\n") }
            for d in u.dropped { out.write("dropped  \(s(d)) (its content is no longer under the inputs)\n") }
            out.write(
                "\(u.kept.count) file(s) kept without reading, \(u.read.count) read, \(u.dropped.count) dropped\n")
        } else {
            let built = InvestigationRun.index(
                files: found.files, options: options, hostEntries: hostEntries,
                internalNetworks: try insideNetworks.networks(), progress: bar.progress)
            bar.finish()
            c = Case(
                directory: caseDirectory, inputs: paths, evidence: found.files, stats: built.stats,
                discoveryIssues: found.issues, seeds: [], rulesFile: nil, rulesText: nil, analysed: false,
                store: built.store, analysis: built.analysis, lines: CaseLines())
        }
        try writeCase(c)
        out.write(
            "Indexed \(c.store.count) events from \(found.files.count) evidence file\(found.files.count == 1 ? "" : "s") into \(TerminalText.safe(caseDirectory))/\n"
        )
        out.flush()
        try IndexedEvidence(store: c.store, stats: c.stats, files: c.evidence, issues: c.discoveryIssues).finish()
    }
}
