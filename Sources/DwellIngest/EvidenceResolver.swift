import DwellCore
import Foundation

/// The one reader of raw evidence: turns (file, line) citations into the lines' bytes, for every command that
/// shows evidence (the investigation's findings and scope, `timeline`, `pivot`, the partials' first and last
/// sightings). One cap, one order of attempts, one place to change:
/// - a record-framed binary file (EVTX, utmp) gives the cited records, rendered as its parser renders them;
/// - a systemd journal gives the cited entries' fields;
/// - any other file is streamed line by line only as far as the last cited line.
///
/// Evidence read from stdin cannot be read again: its lines are read from the copy that ingest kept
/// (`IngestOptions.stdinSpool`). Without a copy, or past the end of a copy that was cut, they are absent from the
/// result (the caller cites file and line with no raw text, as the report schema allows); a cut copy's last line
/// may be partial and is never given.
public enum EvidenceResolver {
    /// The longest raw line kept, in bytes; a longer line is cut here (the report says the line number).
    public static let maxRawBytes = 4096

    /// The cited lines of one file, each cut at `maxRawBytes`.
    /// - Complexity: one streaming pass over the file up to its last cited line (the whole file for framed
    ///   records and journals).
    public static func rawLines(_ lines: Set<UInt64>, of file: EvidenceFile, options: IngestOptions) -> [UInt64: [UInt8]] {
        guard !lines.isEmpty else { return [:] }
        if file.isStdin {
            guard let spool = options.stdinSpool, let path = spool.readPath else { return [:] }
            var copy = file
            copy.isStdin = false
            copy.path = path
            let cut = spool.cut
            // A cut copy of a record-framed file or a journal ends inside a record: none of it is given.
            if cut && Ingest.framedRawRecords(lines, of: copy, options: options) != nil { return [:] }
            return readLines(lines, of: copy, options: options, dropLastLine: cut)
        }
        return readLines(lines, of: file, options: options, dropLastLine: false)
    }

    /// `rawLines` of a file that can be opened by its path. `dropLastLine`: the file is a cut copy, whose last line
    /// may be partial (it is left out).
    static func readLines(
        _ lines: Set<UInt64>, of file: EvidenceFile, options: IngestOptions, dropLastLine: Bool
    ) -> [UInt64: [UInt8]] {
        if !dropLastLine, let framed = Ingest.framedRawRecords(lines, of: file, options: options) { return framed }
        // The file was hashed when ingest read it: reading it back needs no second SHA-256.
        guard let maxLine = lines.max(), case .success(let source) = EvidenceSource.open(file, hashing: false) else {
            return [:]
        }
        var reader = LineReader(maxLineBytes: options.maxLineBytes)
        defer { reader.deallocate() }
        let done = StopFlag()
        var bounded = StoppableSource(inner: source, stop: done)
        // A plain journal file is mapped, as ingest read it, and only the cited entries' fields are read.
        if source.compression == .none, !file.isStdin, JournalHeader.hasSignature(reader.peek(8, from: &bounded)),
            let mapping = source.raw.mapped()
        {
            var journal = JournalReader(
                mapped: mapping, count: min(mapping.bytes.count, options.maxWholeFileBytes),
                displayPath: file.displayPath)
            return dropLastLine ? [:] : journal.renderedLines(lines).mapValues { Array($0.prefix(maxRawBytes)) }
        }
        if let journal = reader.journalLines(lines, from: &bounded, displayPath: file.displayPath, sizeHint: file.sizeBytes) {
            return dropLastLine ? [:] : journal.mapValues { Array($0.prefix(maxRawBytes)) }
        }
        // The wanted numbers in order: each line is compared with the next one wanted (no set lookup per line).
        let wanted = lines.sorted()
        var next = 0
        var found: [UInt64: [UInt8]] = [:]
        var lastRead: UInt64 = 0
        reader.forEachLine(from: &bounded) { line, info in
            lastRead = info.number
            while next < wanted.count && wanted[next] < info.number { next += 1 }
            if next < wanted.count && wanted[next] == info.number {
                line.withUnsafeBufferPointer { found[info.number] = Array($0.prefix(maxRawBytes)) }
                next += 1
            }
            // A cut copy is read to its end, so that its last line is known.
            if info.number >= maxLine && !dropLastLine { done.value = true }
        }
        // The copy ended where it was cut: the line read last may be partial.
        if dropLastLine { found[lastRead] = nil }
        return found
    }

    /// The cited lines of many files (by file id, an index into `files`), the files read side by side.
    public static func rawLines(
        _ wanted: [UInt32: Set<UInt64>], files: [EvidenceFile], options: IngestOptions
    ) -> [UInt32: [UInt64: [UInt8]]] {
        let jobs = wanted.filter { Int($0.key) < files.count }.sorted { $0.key < $1.key }
        let found = ResultSlots<[UInt64: [UInt8]]>(repeating: [:], count: jobs.count)
        DispatchQueue.concurrentPerform(iterations: jobs.count) { k in
            found.store(k, rawLines(jobs[k].value, of: files[Int(jobs[k].key)], options: options))
        }
        var out: [UInt32: [UInt64: [UInt8]]] = [:]
        for (k, lines) in found.values.enumerated() { out[jobs[k].key] = lines }
        return out
    }
}

/// A byte source that ends as soon as `stop` is set (the reader then finishes the lines it already holds).
public struct StoppableSource<S: ByteSource>: ByteSource {
    public var inner: S
    public let stop: StopFlag
    public init(inner: S, stop: StopFlag) {
        self.inner = inner
        self.stop = stop
    }
    public mutating func read(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        stop.value ? 0 : inner.read(into: buffer)
    }
}

/// Set by a reader's callback to end the read early (the one-pass readers stop after their last wanted line).
public final class StopFlag {
    public var value = false
    public init() {}
}
