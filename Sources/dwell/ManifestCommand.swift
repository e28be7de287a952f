import ArgumentParser
import DwellCore
import DwellIngest
import Parsers

/// A sink that keeps nothing: the manifest needs only the per-file stats.
struct CountingSink: EventSink {
    mutating func consume(_ event: Event, line: Span<UInt8>, context: inout ParseContext) {}
    mutating func finish(context: inout ParseContext, stats: FileStats) {}
    var wantsRawLine: Bool { false }
}

struct ManifestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "manifest",
        abstract: "List the evidence: path, SHA-256, sizes, compression, rotation order, format, lines, problems.",
        discussion: """
            EXAMPLES
              dwell manifest /mnt/image/var/log
              dwell manifest --output json SampleLogs > manifest.json

            \(ExitStatus.helpText)
            """)

    enum Output: String, ExpressibleByArgument, CaseIterable { case text, json }

    @Argument(help: "Files, directories (walked recursively) or - for stdin.")
    var paths: [String]

    @Option(help: "text or json.")
    var output: Output = .text

    @OptionGroup var reading: ReadingOptions

    func run() throws {
        let found = try requireEvidence(paths)
        let options = try reading.ingestOptions()
        let bar = ProgressBar(for: found, quiet: reading.quiet)
        var all: [FileStats] = []
        Ingest.run(files: found.files, options: options, progress: bar.progress, makeSink: { _ in CountingSink() }) {
            stats, _ in all.append(stats)
        }
        bar.finish()
        var out = StandardOutput()
        switch output {
        case .json:
            var json = JSONBuffer()
            json.beginObject()
            json.key("schema_version"); json.int(1)
            json.key("files"); json.beginArray()
            for s in all { s.appendJSON(to: &json) }
            json.endArray()
            json.key("discovery_errors"); json.beginArray()
            for i in found.issues { i.appendJSON(to: &json) }
            json.endArray()
            json.endObject()
            json.newline()
            out.write(json.bytes)
        case .text:
            for s in all { out.write(ManifestText.describe(s)) }
        }
        out.flush()
        let problems = found.issues.contains(where: \.isProblem) || all.contains(where: \.hasProblems)
        let readable = all.contains { $0.lines > 0 || $0.rawBytes > 0 }
        if !readable { throw ExitStatus.usage.code }
        if problems { throw ExitStatus.evidenceProblems.code }
    }
}

/// The human-readable manifest entry, safe for the terminal.
enum ManifestText {
    static func describe(_ s: FileStats) -> String {
        var t = TerminalText.safe(s.file.displayPath) + "\n"
        t += "  sha256 \(s.sha256)\n"
        var size = "  \(s.rawBytes) bytes"
        if s.compression != .none {
            size += " \(s.compression.rawValue)"
            if s.gzipMembers > 1 { size += " (\(s.gzipMembers) members)" }
            size += ", \(s.decompressedBytes) decompressed"
        }
        t += size + "; rotation \(s.file.rotationIndex + 1)/\(s.file.rotationCount) of \(TerminalText.safe(s.file.rotationSet))\n"
        t += "  format \(s.format ?? "-"); \(s.lines) lines: \(s.parsed) events, \(s.nonEvents) non-event, \(s.rejected) rejected"
        if !s.rejectionsByReason.isEmpty {
            t += " (" + s.rejectionsByReason.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")"
        }
        t += "\n"
        if let a = s.firstTime, let b = s.lastTime {
            t += "  time \(a.iso8601(fractionDigits: 0)) .. \(b.iso8601(fractionDigits: 0))"
            let inferred = s.timeSources.keys.filter { $0 != "explicit" }.sorted()
            if !inferred.isEmpty { t += " (" + inferred.joined(separator: "; ") + "; year reference: \(s.yearReferenceSource ?? "-"))" }
            t += "\n"
        }
        if let j = s.journal {
            t += "  journal: state \(j.state), \(j.compact ? "compact" : "regular") layout, data compression \(j.compression)"
            t += "; \(j.entriesRead) of \(j.headerEntries) entries in the header read"
            if j.entriesRecovered > 0 { t += ", \(j.entriesRecovered) recovered past the entry arrays" }
            if j.entriesLost > 0 { t += ", \(j.entriesLost) lost" }
            if let a = j.firstSeqnum, let b = j.lastSeqnum { t += "; seqnum \(a)..\(b)" }
            t += "; header time \(j.headRealtime.iso8601(fractionDigits: 0)) .. \(j.tailRealtime.iso8601(fractionDigits: 0))"
            if j.sourceTimeEntries > 0 { t += "; \(j.sourceTimeEntries) entries timed by _SOURCE_REALTIME_TIMESTAMP" }
            t += "\n"
        }
        for sample in s.samples {
            t += "  rejected line \(sample.line) (\(sample.reason)): \(TerminalText.safe(bytes: sample.raw.prefix(160)))\n"
        }
        for issue in s.issues { t += "  ! \(TerminalText.safe(issue.message))\(issue.line.map { " [line \($0)]" } ?? "")\(issue.offset.map { " [byte \($0)]" } ?? "")\n" }
        return t
    }
}
