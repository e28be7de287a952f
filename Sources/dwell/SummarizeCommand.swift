import ArgumentParser
import DwellAnalysis
import DwellCore
import DwellIngest
import DwellPipeline
import Foundation

struct SummarizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summarize",
        abstract: "Partial results of the evidence (JSON lines) that dwell merge combines: for cluster jobs.",
        discussion: """
            Writes, per input, aggregates that merge associatively and commutatively, so that shares of the
            evidence can be summarised on many machines and reduced in any order: per indicator (type, value) the
            count and the first and last evidence (file, line, offset, raw line); login edges from an address to
            a host (account, method, first/last); the addresses hosts answer on; events per time bucket by host
            and kind; the evidence manifest (path, SHA-256, sizes, lines, parsed, rejected, problems); detector
            state (failed logins per source per minute, user agents per source, script requests with queries,
            the sources of each script path).

            Each record is one JSON object with "schema_version" and "type" (manifest, indicator, edge,
            host_address, own_address, activity, auth_failures, web_agent, script_query, path_sources,
            web_client, web_flow), sorted by type then key: the same
            evidence gives the same bytes however it is split. docs/partials.md describes every field.

            Every file is summarised on its own: byte-identical copies are not dropped here (another share may
            hold the other copy); the report from the partials names them.

            EXAMPLES
              dwell summarize SampleLogs/incident-2026-03 > all.partial.jsonl
              dwell summarize web01/var/log > web01.jsonl && dwell summarize db01/var/log > db01.jsonl
              dwell merge web01.jsonl db01.jsonl > merged.jsonl
              dwell investigate --partials merged.jsonl --out case-1

            \(ExitStatus.helpText)
            """)

    enum Output: String, ExpressibleByArgument, CaseIterable { case jsonl }

    @Argument(help: "Files, directories (walked recursively) or - for stdin.")
    var paths: [String]

    @Option(help: "Output format (jsonl).")
    var output: Output = .jsonl

    @Option(help: ArgumentHelp("Width of the activity buckets in seconds (60 = per minute).", valueName: "SECONDS"))
    var bucketSeconds: Int64 = 3_600

    @OptionGroup var reading: ReadingOptions
    @OptionGroup var rules: RulesOptions

    func validate() throws {
        guard bucketSeconds >= 1 && bucketSeconds <= 31 * 86_400 else {
            throw ValidationError("--bucket-seconds must be between 1 and 2678400 (31 days); got \(bucketSeconds)")
        }
    }

    func run() throws {
        let found = try requireEvidence(paths)
        let options = try reading.ingestOptions()
        let ruleSet = try rules.ruleSet()
        let bar = ProgressBar(for: found, quiet: reading.quiet)
        let partials = PartialsRun.summarize(
            files: found.files, options: options, bucketSeconds: bucketSeconds, rules: ruleSet, progress: bar.progress)
        bar.finish()
        var out = StandardOutput()
        out.write(partials.jsonLines())
        out.flush()
        let entries = partials.manifest.values
        if !entries.contains(where: { $0.bytes > 0 }) { throw ExitStatus.usage.code }
        if found.issues.contains(where: \.isProblem) || entries.contains(where: { !$0.problems.isEmpty }) {
            throw ExitStatus.evidenceProblems.code
        }
    }
}

struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Combine partial results of dwell summarize (or earlier merges) into one, in the same format.",
        discussion: """
            Merge rules: counts add; first and last seen keep the evidence of the winning end (the least and
            the greatest (time, file, line), so ties are broken by file then line); records with the same key
            (indicator type and value; edge from, to, account, method; bucket, host, kind; ...) merge, others
            are kept; manifest entries are keyed by path and SHA-256. Merging is associative and commutative:
            any grouping and order of the same partials gives byte-identical output.

            EXAMPLES
              dwell merge part-*.jsonl > merged.jsonl
              cat a.jsonl b.jsonl | dwell merge - c.jsonl > merged.jsonl
              dwell merge --out merged.jsonl spark-out/summaries/*.jsonl

            \(ExitStatus.helpText)
            """)

    @Argument(help: "Partial files (JSON lines from dwell summarize or dwell merge), or - for stdin.")
    var partials: [String]

    @Option(help: ArgumentHelp("Write here (whole, then renamed into place) instead of stdout.", valueName: "FILE"))
    var out: String?

    func run() throws {
        let merged = try readPartials(partials)
        let bytes = merged.jsonLines()
        if let out {
            let url = URL(fileURLWithPath: out)
            do {
                try ReportWriter.write(bytes, to: url.lastPathComponent, in: url.deletingLastPathComponent().path)
            } catch {
                printError("dwell: cannot write --out \(out): \(error); check that its directory exists and is writable")
                throw ExitStatus.usage.code
            }
        } else {
            var stdout = StandardOutput()
            stdout.write(bytes)
            stdout.flush()
        }
    }
}

/// Reads and merges partial files (`-` is stdin); a file that cannot be read or parsed exits 2 with its name and line.
func readPartials(_ paths: [String]) throws -> Partials {
    var merged = Partials()
    for path in paths {
        let data: Data?
        if path == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            data = FileManager.default.contents(atPath: path)
        }
        guard let data else {
            printError("dwell: cannot read partials \(path): no such file, or not readable")
            throw ExitStatus.usage.code
        }
        do {
            merged.merge(try Partials.read([UInt8](data), source: path == "-" ? "(stdin)" : path))
        } catch {
            printError("dwell: \(TerminalText.safe(error.description))")
            throw ExitStatus.usage.code
        }
    }
    return merged
}
