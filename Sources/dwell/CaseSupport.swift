import ArgumentParser
import DwellAnalysis
import DwellCase
import DwellCore
import DwellIndex
import DwellIngest
import DwellPipeline
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `--case DIR` for the commands that answer from a persistent case.
struct CaseOption: ParsableArguments {
    @Option(
        name: .customLong("case"),
        help: ArgumentHelp(
            "A case directory (dwell index/investigate … --case DIR): answer from it, without reading the evidence.",
            valueName: "DIR"))
    var directory: String?

    /// Evidence paths or a case, not both and not neither.
    func validate(paths: [String]) throws {
        if paths.isEmpty && directory == nil { throw ValidationError("give evidence paths or --case DIR") }
        if !paths.isEmpty && directory != nil {
            throw ValidationError(
                "give evidence paths or --case DIR, not both (`dwell index PATH... --case DIR` builds a case)")
        }
    }
}

extension CorrelationArguments {
    /// A case keeps the host map it was built with: `--hosts` goes with the evidence, when the case is built.
    func validateWithCase(_ c: CaseOption) throws {
        if c.directory != nil && hostsFile != nil {
            throw ValidationError(
                "--hosts is given when the case is built (dwell index/investigate PATH... --case DIR --hosts FILE)")
        }
    }
}

/// The investigation a case gives for `seeds` (the case's own seeds when none are given), or exits 2 when the
/// case's stored rules cannot be read.
func caseInvestigation(_ c: Case, seeds: [Seed], options: IngestOptions) throws -> Investigation {
    do {
        return try c.investigate(seeds: seeds.isEmpty ? nil : seeds, options: options).investigation
    } catch {
        printError("dwell: \(c.directory): the rules stored in the case do not load: \(error)")
        throw ExitStatus.usage.code
    }
}

/// The investigation of a case with its store read in place (`CaseIndex.investigate`) and the opened case, or nil
/// when the case must be opened whole (only indexed, or no stored host directory); says why and exits 2 when the
/// case is damaged.
func caseInvestigationInPlace(_ directory: String, seeds: [Seed], options: IngestOptions) throws
    -> (index: CaseIndex, investigation: Investigation)?
{
    let index = try openCaseIndex(directory)
    do {
        guard let inv = try index.investigate(seeds: seeds.isEmpty ? nil : seeds, options: options) else { return nil }
        return (index, inv)
    } catch {
        printError("dwell: \(TerminalText.safe(error.description))")
        throw ExitStatus.usage.code
    }
}

/// Opens a case, or says why not and exits 2.
func openCase(_ directory: String) throws -> Case {
    do {
        return try Case.open(directory)
    } catch {
        printError("dwell: \(TerminalText.safe(error.description))")
        throw ExitStatus.usage.code
    }
}

/// Opens a case for queries (the store in place), or says why not and exits 2.
func openCaseIndex(_ directory: String) throws -> CaseIndex {
    do {
        return try CaseIndex.open(directory)
    } catch {
        printError("dwell: \(TerminalText.safe(error.description))")
        throw ExitStatus.usage.code
    }
}

/// Says which column of a case is damaged and exits 2, before a command prints an answer read from it.
func caseIntact(_ c: CaseIndex) throws {
    do {
        try c.checkIntact()
    } catch {
        printError("dwell: \(TerminalText.safe(error.description))")
        throw ExitStatus.usage.code
    }
}

/// The indexed evidence a command works on: read and indexed now, or a case's.
struct IndexedEvidence {
    var store: EventStore
    var stats: [FileStats]
    var files: [EvidenceFile]
    var issues: [EvidenceIssue]
    var opened: Case? = nil

    var paths: [String] { files.map(\.displayPath) }

    static func load(paths: [String], caseDirectory: String?, reading: ReadingOptions) throws -> IndexedEvidence {
        if let caseDirectory {
            let c = try openCase(caseDirectory)
            return IndexedEvidence(
                store: c.store, stats: c.stats, files: c.evidence, issues: c.discoveryIssues, opened: c)
        }
        let found = try requireEvidence(paths)
        let options = try reading.ingestOptions()
        let bar = ProgressBar(for: found, quiet: reading.quiet)
        let (store, stats) = InvestigationRun.buildStore(files: found.files, options: options, progress: bar.progress)
        bar.finish()
        return IndexedEvidence(store: store, stats: stats, files: found.files, issues: found.issues, opened: nil)
    }

    /// The raw lines of events: from the evidence, or from the case (see `CaseRawLines`).
    func rawLines(_ positions: [Int], options: IngestOptions) -> [Int: [UInt8]] {
        if let opened { return CaseRawLines.read(positions: positions, from: opened) }
        return RawLines.read(positions: positions, store: store, files: files, options: options)
    }

    /// Exit status: 2 when nothing was readable, 3 when some evidence had problems.
    func finish() throws { try Self.finish(stats: stats, issues: issues) }

    static func finish(stats: [FileStats], issues: [EvidenceIssue]) throws {
        if !stats.contains(where: { $0.rawBytes > 0 }) { throw ExitStatus.usage.code }
        if issues.contains(where: \.isProblem) || stats.contains(where: \.hasProblems) {
            printError("dwell: some evidence had problems; `dwell manifest` lists them")
            throw ExitStatus.evidenceProblems.code
        }
    }
}

/// Raw lines of events for a command answering from a case: the lines the case holds (every line its findings
/// cite), and for the others, the line at the event's byte offset in a plain-text evidence file that is still at
/// its path with its recorded size and time. A line found neither way is left out (shown empty), never guessed.
enum CaseRawLines {
    static func read(positions: [Int], from c: Case) -> [Int: [UInt8]] {
        read(positions: positions, store: c.store, lines: c.lines, evidence: c)
    }

    static func read<S: EventColumns>(positions: [Int], store: S, lines: CaseLines, evidence c: Case) -> [Int: [UInt8]] {
        var out: [Int: [UInt8]] = [:]
        var missing: [UInt32: [Int]] = [:]
        for i in positions {
            let f = store.fileID[i]
            if let bytes = lines.line(file: f, line: UInt64(store.line[i])) {
                out[i] = bytes
            } else {
                missing[f, default: []].append(i)
            }
        }
        var statsByID: [UInt32: FileStats] = [:]
        for s in c.stats { statsByID[s.file.id] = s }
        for (f, events) in missing.sorted(by: { $0.key < $1.key }) {
            guard Int(f) < c.evidence.count, let s = statsByID[f], s.compression == .none, s.journal == nil,
                let e = c.unchangedEvidence(Int(f))
            else { continue }
            let fd = open(e.path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { continue }
            defer { close(fd) }
            var buffer = [UInt8](repeating: 0, count: 4097)
            for i in events {
                let offset = store.offset[i]
                guard offset < UInt64(Int64.max) else { continue }
                // Read from the byte before the line: it must be a newline (or the line starts the file), else the
                // offset is not a line's start in this file (a binary format's record) and nothing is shown.
                let from = offset == 0 ? 0 : offset - 1
                let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(from)) }
                guard n > 0 else { continue }
                var start = 0
                if offset > 0 {
                    guard buffer[0] == 0x0a else { continue }
                    start = 1
                }
                var end = start
                while end < n && buffer[end] != 0x0a { end += 1 }
                if end > start && buffer[end - 1] == 0x0d { end -= 1 }
                out[i] = Array(buffer[start..<min(end, start + EvidenceResolver.maxRawBytes)])
            }
        }
        return out
    }
}
