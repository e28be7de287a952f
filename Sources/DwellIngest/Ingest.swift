import DwellCore
import Foundation
import Parsers

/// Reading options shared by every command that reads evidence.
public struct IngestOptions: Sendable {
    public var jobs: Int
    public var maxLineBytes: Int
    public var bufferBytes: Int
    public var zones: ZoneSettings
    public var year: Int?
    public var parserOptions: ParserOptions
    /// Force this format for every file (by name) instead of detecting it.
    public var forcedFormat: String?
    /// Reference time for inputs without a modification time (stdin); `nil` = now.
    public var now: Timestamp?
    /// Formats read whole (systemd journals, EVTX) keep at most this many bytes of a file in memory; the rest of a
    /// larger file (or a gzip bomb) is hashed, not parsed, and the manifest says so.
    public var maxWholeFileBytes: Int = Ingest.defaultMaxWholeFileBytes
    /// Where the bytes read from stdin are copied, for `EvidenceResolver` to read the cited lines again (`nil`:
    /// not kept, and stdin's lines are cited without their text).
    public var stdinSpool: StdinSpool?

    public init(
        jobs: Int = ProcessInfo.processInfo.activeProcessorCount, maxLineBytes: Int = LineReader.defaultMaxLineBytes,
        bufferBytes: Int = LineReader.defaultCapacity, zones: ZoneSettings = ZoneSettings(), year: Int? = nil,
        parserOptions: ParserOptions = ParserOptions(), forcedFormat: String? = nil, now: Timestamp? = nil
    ) {
        self.jobs = max(1, jobs)
        self.maxLineBytes = maxLineBytes
        self.bufferBytes = bufferBytes
        self.zones = zones
        self.year = year
        self.parserOptions = parserOptions
        self.forcedFormat = forcedFormat
        self.now = now
    }
}

/// Receives the events of one file, in line order, on the worker reading that file.
public protocol EventSink {
    associatedtype Output: Sendable
    /// One event. `line` is the raw line (valid during the call only); symbols are in `context.symbols`.
    mutating func consume(_ event: Event, line: Span<UInt8>, context: inout ParseContext)
    /// The file is done; `stats` is its manifest entry so far.
    mutating func finish(context: inout ParseContext, stats: FileStats) -> Output
    /// Whether the events need the text fields no index keeps (see `ParseContext.wantsUnindexedText`).
    var wantsUnindexedText: Bool { get }
    /// Whether `consume` reads `line`. Sources that must build the raw line (journal entries are rendered) skip
    /// that work for sinks that do not; such a sink is handed an empty line.
    var wantsRawLine: Bool { get }
    /// The file holds about `events` more events (a journal's header counts its entries): a sink that keeps them
    /// may make room for them at once. Called at most once per file, before its first event; a hint, not a bound.
    mutating func reserve(events: Int)
}

extension EventSink {
    public mutating func reserve(events: Int) {}
    public var wantsUnindexedText: Bool { true }
    public var wantsRawLine: Bool { true }
}

/// Progress counters, safe to read from another thread (for the progress bar).
public final class IngestProgress: @unchecked Sendable {
    private let lock = NSLock()
    private var _bytes: UInt64 = 0
    private var _files = 0
    public init() {}
    public func add(bytes: UInt64) { lock.withLock { _bytes += bytes } }
    public func fileDone() { lock.withLock { _files += 1 } }
    public var snapshot: (bytes: UInt64, files: Int) { lock.withLock { (_bytes, _files) } }
}

/// The streaming front of the pipeline: evidence → lines → parsers → a sink, one worker per file.
public enum Ingest {
    /// 2 GiB: four times systemd's largest journal file by default and well above real EVTX logs.
    public static let defaultMaxWholeFileBytes = 2 << 30
    /// Gzip inflating more than this many times its size (and to more than `bombMinimumBytes`) is named in the
    /// manifest: deflate's limit is about 1032:1, text logs reach 10-100:1, a bomb or a file of zeros nears the limit.
    public static let bombRatio: UInt64 = 500
    public static let bombMinimumBytes: UInt64 = 16 << 20
    /// Reads every file with up to `options.jobs` workers and hands each file's stats and sink output to
    /// `deliver` in file order (the manifest order), whatever the scheduling. Byte-identical files
    /// (same SHA-256) are delivered with `duplicateOf` set; their output should be ignored.
    public static func run<S: EventSink>(
        files: [EvidenceFile], options: IngestOptions, progress: IngestProgress? = nil,
        makeSink: @escaping @Sendable (EvidenceFile) -> S,
        deliver: (FileStats, S.Output) -> Void
    ) {
        var seen: [String: String] = [:]
        func hand(_ result: (FileStats, S.Output)) {
            var (stats, output) = result
            if !stats.sha256.isEmpty && stats.rawBytes > 0 {
                if let first = seen[stats.sha256] {
                    stats.duplicateOf = first
                    stats.issues.append(
                        EvidenceIssue(
                            kind: .duplicate, path: stats.file.displayPath,
                            message: "byte-identical to \(first) (same SHA-256); read once, this copy's events not used",
                            isProblem: false))
                } else {
                    seen[stats.sha256] = stats.file.displayPath
                }
            }
            deliver(stats, output)
        }
        let workers = min(options.jobs, max(files.count, 1))
        // One file: read it here. Otherwise even one worker reads on its own thread, so that delivering a file
        // (the store build appends its columns) overlaps with reading the next.
        if files.count <= 1 {
            for file in files {
                var sink = makeSink(file)
                let result = readFile(file, options: options, sink: &sink, progress: progress)
                progress?.fileDone()
                hand(result)
            }
            return
        }
        // Workers read files in parallel; this thread delivers them in order as soon as each is ready. A
        // worker starts file i only when i is within `window` files of the next to deliver, so memory holds a
        // few files' output at a time, not the whole input's.
        let state = OrderedResults<(FileStats, S.Output)>(count: files.count, window: workers * 2)
        let done = DispatchGroup()
        DispatchQueue.global().async(group: done) {
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                while let i = state.nextIndex() {
                    var sink = makeSink(files[i])
                    let result = readFile(files[i], options: options, sink: &sink, progress: progress)
                    progress?.fileDone()
                    state.store(i, result)
                }
            }
        }
        for i in 0..<files.count { hand(state.waitTake(i)) }
        done.wait()
    }

    /// Reads one file into a sink. Never throws: every problem becomes an issue in the stats.
    public static func readFile<S: EventSink>(
        _ file: EvidenceFile, options: IngestOptions, sink: inout S, progress: IngestProgress? = nil
    ) -> (FileStats, S.Output) {
        switch EvidenceSource.open(file, stdinSpool: options.stdinSpool) {
        case .failure(let issue):
            var stats = FileStats(file: file)
            stats.issues.append(issue)
            var context = ParseContext()
            context.wantsUnindexedText = sink.wantsUnindexedText
            return (stats, sink.finish(context: &context, stats: stats))
        case .success(let source):
            return read(source, options: options, sink: &sink, progress: progress)
        }
    }

    /// Reads bytes in memory as one evidence file, as `readFile` reads a path (as ripgrep's searcher takes a slice
    /// as well as a path): the same format detection (by the bytes and by `name`, e.g. `auth.log`, `x.evtx`),
    /// decompression, hashing, manifest entry and issues. `name` is the path shown and cited; `hostHint` the host a
    /// directory layout would give; `modificationTime` the file time that dates a year-less log (without it, the
    /// gzip header's time or `options.now`).
    public static func read<S: EventSink>(
        bytes: [UInt8], name: String, hostHint: String? = nil, modificationTime: Timestamp? = nil,
        options: IngestOptions, sink: inout S
    ) -> (FileStats, S.Output) {
        let file = EvidenceFile(
            id: 0, path: name, displayPath: name, hostHint: hostHint, rotationSet: name, rotationIndex: 0,
            rotationCount: 1, isStdin: false, sizeBytes: Int64(bytes.count), modificationTime: modificationTime)
        return read(EvidenceSource.open(bytes: bytes, as: file), options: options, sink: &sink)
    }

    /// Reads an opened source into a sink; every problem becomes an issue in the stats.
    static func read<S: EventSink>(
        _ source: EvidenceSource, options: IngestOptions, sink: inout S, progress: IngestProgress? = nil
    ) -> (FileStats, S.Output) {
        let file = source.file
        var stats = FileStats(file: file)
        var context = ParseContext()
        context.wantsUnindexedText = sink.wantsUnindexedText
        var src = source
        stats.compression = source.compression
        // The clock: year from gzip header mtime, else file mtime, else now (stdin); zone from --tz.
        let (zone, zoneSource) = options.zones.zone(forPath: file.displayPath)
        stats.zone = zone.name
        var reference = source.gzipModificationTime ?? file.modificationTime
        var referenceSource: TimeSource.Year = .fileMTime
        if reference == nil {
            reference = options.now ?? Timestamp(microseconds: Int64(Date().timeIntervalSince1970 * 1_000_000))
            referenceSource = .assumedNow
        }
        stats.yearReference = reference
        stats.yearReferenceSource =
            options.year != nil
            ? "--year \(options.year ?? 0)"
            : (source.gzipModificationTime != nil ? "gzip header mtime" : (referenceSource == .assumedNow ? "current time (no file time)" : "file mtime"))
        context.clock = FileClock(
            referenceTime: reference, referenceYearSource: referenceSource, userYear: options.year, zone: zone,
            zoneSource: zoneSource)
        if let h = file.hostHint { context.defaultHost = context.symbols.intern(h) }

        var reader = LineReader(capacity: options.bufferBytes, maxLineBytes: options.maxLineBytes)
        defer { reader.deallocate() }
        let prefix = source.compression == .none || source.compression == .gzip ? reader.peek(1 << 16, from: &src) : []
        let sample = DetectionSample(prefix: prefix, path: file.displayPath)

        var formatID: FormatID?
        if let forced = options.forcedFormat {
            formatID = Registry.id(of: forced)
        } else if !prefix.isEmpty {
            formatID = Registry.detect(sample, options: options.parserOptions)
        }
        let descriptor = formatID.flatMap(Registry.descriptor)
        var parser = descriptor.map { $0.make(options.parserOptions) }
        // The binary guess sets a line format aside only when the format itself does not recognise most sample lines
        // (control bytes an attacker put in a user name must not hide a whole log), and never one given by --format.
        if case .lines = parser, options.forcedFormat == nil, BinarySniffer.looksBinary(prefix),
            let d = descriptor, !Registry.recognisesMost(d, sample, options.parserOptions)
        {
            parser = nil
            formatID = nil
        }
        stats.format = parser == nil ? nil : descriptor?.name
        var lastReported: UInt64 = 0
        // The per-line state lives in one struct passed `inout` (not in variables captured by local functions,
        // which the compiler boxes and checks for exclusivity at run time on every access).
        var tally = LineTally(fileID: file.id, format: formatID ?? .unknown)
        // One event, reused for every line: parsers write it in place (see `LineParser`).
        var event = Event()

        switch parser {
        case .framed(var p):
            Self.readFramed(
                &p, file: file, reader: &reader, source: &src, limit: options.maxWholeFileBytes, tally: &tally,
                stats: &stats, context: &context, sink: &sink)
            Self.noteLimit(reader, file: file, options: options, stats: &stats)
        case .journal:
            // A plain file is mapped and read in place; anything else (stdin, gzip) is read whole into memory.
            if !readMappedJournal(
                source, reader: &reader, file: file, format: formatID ?? .unknown, options: options, stats: &stats,
                context: &context, sink: &sink)
            {
                let bytes = reader.takeAll(
                    from: &src, sizeHint: Int(clamping: max(file.sizeBytes, 0)), limit: options.maxWholeFileBytes)
                Self.noteLimit(reader, file: file, options: options, stats: &stats)
                var journal = JournalReader(bytes: bytes, displayPath: file.displayPath)
                readJournal(
                    &journal, byteCount: bytes.count, file: file, format: formatID ?? .unknown, stats: &stats,
                    context: &context, sink: &sink)
            }
            progress?.add(bytes: reader.totalBytes)
            lastReported = reader.totalBytes
        case .records(var p):
            let leftover = reader.forEachRecord(size: p.recordBytes, from: &src) { rec, info in
                do throws(LineRejection) {
                    if try p.parse(record: rec, into: &event, context: &context) {
                        tally.deliver(&event, info, rec, context: &context, sink: &sink)
                    } else {
                        tally.nonEvents += 1
                    }
                } catch {
                    Self.reject(error, info, rec, stats: &stats)
                }
            }
            stats.lines = reader.lineCount
            if leftover > 0 {
                stats.issues.append(
                    EvidenceIssue(
                        kind: .truncatedRecord, path: file.displayPath, offset: reader.totalBytes - UInt64(leftover),
                        message: "last record is \(leftover) of \(p.recordBytes) bytes (truncated); the \(reader.lineCount) whole records before it were kept"))
            }
        case .lines(var p):
            reader.forEachLine(from: &src) { line, info in
                if info.number & 0x3fff == 0, let progress {
                    progress.add(bytes: info.offset - lastReported)
                    lastReported = info.offset
                }
                if line.count == 0 {
                    tally.nonEvents += 1
                    return
                }
                var text = line
                if info.hasNUL {
                    // A crash or preallocation leaves NUL runs; parse what follows them, report the line.
                    var k = 0
                    while k < line.count, line[k] == 0 { k += 1 }
                    text = line.extracting(k..<line.count)
                    if text.count == 0 {
                        tally.nonEvents += 1
                        return
                    }
                }
                do throws(LineRejection) {
                    if try p.parse(text, into: &event, context: &context) {
                        tally.deliver(&event, info, line, context: &context, sink: &sink)
                    } else {
                        tally.nonEvents += 1
                    }
                } catch {
                    Self.reject(error, info, line, stats: &stats)
                }
            }
            stats.lines = reader.lineCount
        case nil:
            // No parser: binary, unsupported compression, empty, or no format fits. Count the lines of text
            // files so that nothing is dropped silently.
            if source.compression == .none || source.compression == .gzip {
                if !prefix.isEmpty && BinarySniffer.looksBinary(prefix) {
                    stats.issues.append(
                        EvidenceIssue(
                            kind: .binary, path: file.displayPath, offset: 0,
                            message: "binary content (\(BinarySniffer.describe(prefix))) and no binary format matches; hashed, not parsed"))
                } else if !prefix.isEmpty {
                    reader.forEachLine(from: &src) { line, info in
                        if line.count == 0 {
                            stats.nonEvents += 1
                        } else {
                            Self.reject(.noFormat, info, line, stats: &stats)
                        }
                    }
                    stats.lines = reader.lineCount
                    stats.issues.append(
                        EvidenceIssue(
                            kind: .unknownFormat, path: file.displayPath,
                            message: "no known format recognised in the first lines; \(stats.rejected) lines counted as unparsed (samples listed). Try --format NAME (see `dwell formats`)"))
                }
            }
        }
        progress?.add(bytes: reader.totalBytes - lastReported)
        tally.finish(into: &stats)

        stats.decompressedBytes = reader.totalBytes
        stats.issues += source.streamIssues
        let (sha, rawBytes) = source.finish()
        stats.sha256 = sha
        stats.rawBytes = rawBytes
        stats.gzipMembers = source.gzipMembers
        if source.compression == .gzip, reader.totalBytes >= Self.bombMinimumBytes, rawBytes > 0,
            reader.totalBytes / rawBytes >= Self.bombRatio
        {
            stats.issues.append(
                EvidenceIssue(
                    kind: .compressionRatio, path: file.displayPath,
                    message: "gzip inflated \(rawBytes) bytes to \(reader.totalBytes) (\(reader.totalBytes / rawBytes):1, beyond any text log's ratio): a decompression bomb or a file of zeros? It was read as a stream, memory bounded",
                    isProblem: false))
        }
        if rawBytes == 0 {
            stats.issues.append(
                EvidenceIssue(kind: .empty, path: file.displayPath, message: "empty file (0 bytes)", isProblem: false))
        }
        if reader.longLineCount > 0, let first = reader.longLines.first {
            stats.issues.append(
                EvidenceIssue(
                    kind: .lineTooLong, path: file.displayPath, offset: first.offset, line: first.line,
                    message: "\(reader.longLineCount) line(s) longer than \(options.maxLineBytes) bytes skipped (first: line \(first.line), \(first.bytes) bytes); raise --max-line-bytes to read them"))
        }
        if reader.nulLineCount > 0, let first = reader.firstNULLine {
            stats.issues.append(
                EvidenceIssue(
                    kind: .nulBytes, path: file.displayPath, offset: first.offset, line: first.number,
                    message: "\(reader.nulLineCount) line(s) contain NUL bytes (first: line \(first.number)); leading NUL runs were skipped when parsing, the raw lines are unchanged",
                    isProblem: false))
        }
        if reader.endsWithoutNewline && stats.lines > 0 {
            stats.issues.append(
                EvidenceIssue(
                    kind: .noTrailingNewline, path: file.displayPath, line: stats.lines,
                    message: "the last line has no newline: the log may have been cut mid-write", isProblem: false))
        }
        return (stats, sink.finish(context: &context, stats: stats))
    }
}

extension Ingest {
    /// Names a file read whole that was larger than `maxWholeFileBytes`: only its start was parsed.
    static func noteLimit(_ reader: LineReader, file: EvidenceFile, options: IngestOptions, stats: inout FileStats) {
        guard reader.stoppedAtLimit else { return }
        stats.issues.append(
            EvidenceIssue(
                kind: .tooLarge, path: file.displayPath, offset: UInt64(options.maxWholeFileBytes),
                message: "larger than the \(options.maxWholeFileBytes) bytes dwell reads whole for this format (\(reader.totalBytes)+ bytes inflated; a gzip bomb?): the first \(options.maxWholeFileBytes) bytes were parsed, the rest hashed but not parsed"))
    }

    /// Counts a rejected line and keeps the first samples of each reason.
    static func reject(_ reason: LineRejection, _ info: LineInfo, _ line: Span<UInt8>, stats: inout FileStats) {
        stats.rejected += 1
        let name = reason.reasonName
        let n = (stats.rejectionsByReason[name] ?? 0) + 1
        stats.rejectionsByReason[name] = n
        if n <= 5 {
            var raw = [UInt8]()
            line.withUnsafeBufferPointer { raw = Array($0.prefix(512)) }
            stats.samples.append(
                FileStats.Sample(line: info.number, offset: info.offset, reason: name, column: reason.column, raw: raw))
        }
    }
}

/// What the per-line loop of one file counts, kept apart from `FileStats` (whose strings and dictionaries are
/// touched only once per file) and folded into it by `finish(into:)`.
struct LineTally {
    let fileID: UInt32
    let format: FormatID
    var parsed: UInt64 = 0
    var nonEvents: UInt64 = 0
    var firstTime = Int64.max
    var lastTime = Int64.min
    /// Events per (year source, zone source), counted without building a name per event.
    var timeSourceCounts = [UInt64](repeating: 0, count: 8 * 4)

    init(fileID: UInt32, format: FormatID) {
        self.fileID = fileID
        self.format = format
    }

    /// Completes a parsed event with its provenance and hands it to the sink.
    @inline(__always)
    mutating func deliver<S: EventSink>(
        _ e: inout Event, _ info: LineInfo, _ line: Span<UInt8>, context: inout ParseContext, sink: inout S
    ) {
        e.source = SourceRef(fileID: fileID, line: info.number, offset: info.offset)
        e.format = format
        if e.host.isNone { e.host = context.defaultHost }
        parsed += 1
        let slot = Int(e.timeSource.year.rawValue) &* 4 &+ Int(e.timeSource.zone.rawValue)
        if slot < timeSourceCounts.count { timeSourceCounts[slot] &+= 1 }
        let t = e.time.microseconds
        if t < firstTime { firstTime = t }
        if t > lastTime { lastTime = t }
        sink.consume(e, line: line, context: &context)
    }

    func finish(into stats: inout FileStats) {
        stats.parsed += parsed
        stats.nonEvents += nonEvents
        if parsed > 0 {
            stats.firstTime = Timestamp(microseconds: firstTime)
            stats.lastTime = Timestamp(microseconds: lastTime)
        }
        for (slot, n) in timeSourceCounts.enumerated() where n > 0 {
            if let year = TimeSource.Year(rawValue: UInt8(slot / 4)), let zone = TimeSource.Zone(rawValue: UInt8(slot % 4)) {
                stats.timeSources[TimeSource(year: year, zone: zone).name] = n
            }
        }
    }
}

/// Tells binary content from text by its first bytes.
public enum BinarySniffer {
    /// Binary when most newline-separated segments of the prefix hold NUL or control bytes (other than tab,
    /// FF, VT and ESC) after any leading NUL run: a text log with a block of NULs (a crash left it) stays text.
    public static func looksBinary(_ prefix: [UInt8]) -> Bool {
        guard !prefix.isEmpty else { return false }
        var segments = 0
        var dirty = 0
        var i = 0
        while i < prefix.count {
            var j = i
            while j < prefix.count, prefix[j] == 0 { j += 1 }
            var bad = false
            var k = j
            while k < prefix.count, prefix[k] != 0x0a {
                let b = prefix[k]
                if b < 0x20 && b != 0x09 && b != 0x0d && b != 0x0c && b != 0x0b && b != 0x1b { bad = true }
                k += 1
            }
            if k > i {
                segments += 1
                if bad { dirty += 1 }
            }
            i = k + 1
        }
        return segments > 0 && dirty * 2 >= segments
    }

    public static func describe(_ prefix: [UInt8]) -> String {
        let nul = prefix.filter { $0 == 0 }.count
        return "\(nul) NUL bytes in the first \(prefix.count)"
    }
}

/// Results slots filled by workers in any order and taken in index order, with a bounded window of
/// started-but-undelivered indexes.
final class OrderedResults<T>: @unchecked Sendable {
    private let condition = NSCondition()
    private var slots: [T?]
    private var next = 0
    private var delivered = 0
    private let window: Int

    init(count: Int, window: Int) {
        slots = Array(repeating: nil, count: count)
        self.window = max(window, 1)
    }

    /// The next index to work on, waiting while the window is full; nil when every index is taken.
    func nextIndex() -> Int? {
        condition.lock()
        defer { condition.unlock() }
        while next < slots.count && next >= delivered + window { condition.wait() }
        guard next < slots.count else { return nil }
        defer { next += 1 }
        return next
    }

    func store(_ i: Int, _ v: T) {
        condition.lock()
        slots[i] = v
        condition.broadcast()
        condition.unlock()
    }

    /// Waits for index `i`'s result and takes it (indexes must be taken in order).
    func waitTake(_ i: Int) -> T {
        condition.lock()
        defer { condition.unlock() }
        while slots[i] == nil { condition.wait() }
        let v = slots[i]!
        slots[i] = nil
        delivered = i + 1
        condition.broadcast()
        return v
    }
}
