import ArgumentParser
import DwellCore
import DwellIngest
import Foundation
import Parsers

/// Holds one file's output until its turn: in memory up to a limit, then in an unlinked temporary file
/// (in $TMPDIR, never beside the evidence), so memory stays bounded whatever the input size.
final class Spool: @unchecked Sendable {
    private var memory: [UInt8] = []
    private var fd: Int32 = -1
    static let memoryLimit = 32 << 20

    func append(_ bytes: [UInt8]) {
        if fd < 0 && memory.count + bytes.count <= Spool.memoryLimit {
            memory.append(contentsOf: bytes)
            return
        }
        if fd < 0 { openFile() }
        writeAll(fd, memory)
        memory = []
        writeAll(fd, bytes)
    }

    private func openFile() {
        let dir = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        var template = Array((dir + "/dwell-spool-XXXXXX").utf8CString)
        fd = template.withUnsafeMutableBufferPointer { p in p.baseAddress.map { mkstemp($0) } ?? -1 }
        if fd >= 0 { template.withUnsafeBufferPointer { p in _ = p.baseAddress.map { unlink($0) } } }
    }

    private func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        bytes.withUnsafeBytes { p in
            guard let base = p.baseAddress else { return }
            var off = 0
            while off < p.count {
                let n = write(fd, base + off, p.count - off)
                if n <= 0 { if errno == EINTR { continue } else { return } }
                off += n
            }
        }
    }

    /// Copies everything to `out`, then frees it.
    func drain(into out: inout StandardOutput) {
        if fd >= 0 {
            lseek(fd, 0, SEEK_SET)
            var chunk = [UInt8](repeating: 0, count: 1 << 20)
            while true {
                let n = chunk.withUnsafeMutableBytes { p in read(fd, p.baseAddress, p.count) }
                if n <= 0 { break }
                out.write(Array(chunk[0..<n]))
            }
            close(fd)
            fd = -1
        }
        out.write(memory)
        memory = []
    }
}

/// Writes each event as one JSON line into a spool.
struct JSONLinesSink: EventSink {
    let spool = Spool()
    let path: String
    var json = JSONBuffer(capacity: 1 << 16)
    /// A file has one format: its name is looked up once, not per event.
    var formatName: (id: FormatID, name: String)?

    init(file: EvidenceFile) { path = file.displayPath }

    mutating func consume(_ event: Event, line: Span<UInt8>, context: inout ParseContext) {
        if formatName?.id != event.format { formatName = (event.format, Registry.name(event.format)) }
        let format = formatName?.name ?? "unknown"
        event.appendJSON(to: &json, symbols: context.symbols, file: path, format: format) { json in
            if event.kind == .generic, event.messageColumn >= 0, Int(event.messageColumn) <= line.count {
                json.key("message")
                line.withUnsafeBufferPointer { p in json.string(bytes: p[Int(event.messageColumn)...]) }
            }
        }
        json.newline()
        if json.bytes.count >= 1 << 16 {
            spool.append(json.bytes)
            json.bytes.removeAll(keepingCapacity: true)
        }
    }

    mutating func finish(context: inout ParseContext, stats: FileStats) -> Spool {
        spool.append(json.bytes)
        json.bytes.removeAll()
        return spool
    }
}

struct ParseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parse",
        abstract: "Normalise log lines into events (JSON lines), with per-file coverage on stderr.",
        discussion: """
            Each event is one JSON object with the fields that apply (time in ISO 8601 UTC, time_source, host,
            format, kind, outcome, src_ip, dst_ip, user, ..., file, line, offset). Rejected lines go to stderr as
            JSON (or to --rejects FILE), with file, line, offset and reason; nothing is dropped silently.

            EXAMPLES
              dwell parse /var/log/auth.log --output jsonl | jq 'select(.kind=="auth_success")'
              dwell parse SampleLogs --rejects rejects.jsonl > events.jsonl
              zcat auth.log.2.gz | dwell parse --year 2026 -

            \(ExitStatus.helpText)
            """)

    enum Output: String, ExpressibleByArgument, CaseIterable { case jsonl }

    @Argument(help: "Files, directories (walked recursively) or - for stdin.")
    var paths: [String]

    @Option(help: "Output format (jsonl).")
    var output: Output = .jsonl

    @Option(help: ArgumentHelp("Write rejected lines (JSON lines) here instead of stderr.", valueName: "FILE"))
    var rejects: String?

    @Flag(help: "No per-file coverage summary on stderr.")
    var noSummary = false

    @OptionGroup var reading: ReadingOptions

    func run() throws {
        let found = try requireEvidence(paths)
        let options = try reading.ingestOptions()
        var rejectOut: FileHandle?
        if let rejects {
            guard FileManager.default.createFile(atPath: rejects, contents: nil),
                let h = FileHandle(forWritingAtPath: rejects)
            else {
                printError("dwell: cannot write --rejects file \(rejects)")
                throw ExitStatus.usage.code
            }
            rejectOut = h
        }
        let bar = ProgressBar(for: found, quiet: reading.quiet)
        var out = StandardOutput()
        var problems = found.issues.contains(where: \.isProblem)
        var readable = false
        var summaries: [String] = []
        Ingest.run(
            files: found.files, options: options, progress: bar.progress, makeSink: { JSONLinesSink(file: $0) }
        ) { stats, spool in
            if stats.duplicateOf == nil { spool.drain(into: &out) } else { _ = spool }
            problems = problems || stats.hasProblems
            readable = readable || stats.rawBytes > 0
            var rejectJSON = JSONBuffer()
            for s in stats.samples {
                rejectJSON.beginObject()
                rejectJSON.key("file"); rejectJSON.string(stats.file.displayPath)
                rejectJSON.key("line"); rejectJSON.int(s.line)
                rejectJSON.key("offset"); rejectJSON.int(s.offset)
                rejectJSON.key("reason"); rejectJSON.string(s.reason)
                if let c = s.column { rejectJSON.key("column"); rejectJSON.int(c) }
                rejectJSON.key("raw"); rejectJSON.string(bytes: s.raw)
                rejectJSON.endObject()
                rejectJSON.newline()
            }
            if !rejectJSON.bytes.isEmpty {
                if let h = rejectOut { h.write(Data(rejectJSON.bytes)) } else if noSummary {
                    FileHandle.standardError.write(Data(rejectJSON.bytes))
                }
            }
            summaries.append(ManifestText.describe(stats))
        }
        out.flush()
        bar.finish()
        if !noSummary { printError(summaries.joined()) }
        try? rejectOut?.close()
        if !readable { throw ExitStatus.usage.code }
        if problems { throw ExitStatus.evidenceProblems.code }
    }
}

struct FormatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "formats", abstract: "List the formats dwell reads, how each is detected, and a sample line.")

    func run() {
        var out = StandardOutput()
        for family in ["auth", "web", "network", "windows"] {
            out.write("\(family.uppercased())\n")
            for f in Registry.formats where f.family == family {
                out.write("  \(f.name)\n    detected by: \(f.detection)\n    sample: \(TerminalText.safe(f.sample))\n")
            }
        }
        out.write("\nCompression is detected by magic bytes: gzip is read natively (every member); bzip2, xz, zstd and lz4\nare named with the command to decompress them. Binary files that match no format are hashed and skipped.\n")
        out.flush()
    }
}
