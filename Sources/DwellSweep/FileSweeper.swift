import DwellCore
import DwellIngest
import Foundation
import Parsers

#if canImport(Glibc)
import Glibc
#endif

/// One indicator found in one event (or unparsed line), with its evidence.
public struct Hit: Sendable {
    public var time: Timestamp?
    public var host: String?
    /// The event kind, or `unparsed` for a line no parser understood.
    public var kind: String
    public var format: String?
    public var rule: Int32
    public var field: MatchField
    /// The file as shown in reports, its 1-based line and the byte offset (decompressed) of the line.
    public var file: String
    public var line: UInt64
    public var offset: UInt64
    /// The raw line, cut at 4 KiB.
    public var raw: [UInt8]
}

/// How a file's earlier sweep was taken into account.
public enum Resume: Sendable, Equatable {
    /// No state file, or stdin.
    case none
    /// Not in the state: swept from the start.
    case new
    /// Known: swept from `offset` (the file grew, or was renamed by rotation: `previousPath`).
    case resumed(offset: UInt64, previousPath: String)
    /// Known and unchanged: not read.
    case unchanged(previousPath: String)
    /// Known, but its content changed before the swept offset (copytruncate, replaced): swept from the start.
    case restarted(reason: String)
}

/// What sweeping one file gave.
public struct FileSweep: Sendable {
    public var file: EvidenceFile
    public var format: String?
    public var resume: Resume = .none
    /// Decompressed offset where matching started, and the decompressed bytes read after it.
    public var startOffset: UInt64 = 0
    public var bytesSwept: UInt64 = 0
    public var lines: UInt64 = 0
    public var events: UInt64 = 0
    /// Lines no parser understood (rejected, or the file's format is unknown): matched in raw mode.
    public var unparsed: UInt64 = 0
    public var hits: UInt64 = 0
    /// Bytes after the last newline, left for the next run (with `--state`).
    public var heldBack: UInt64 = 0
    public var issues: [EvidenceIssue] = []
    /// The state entry to remember (files only, with `--state`).
    public var entry: SweepState.Entry?

    public init(file: EvidenceFile) { self.file = file }

    /// Some of the file's evidence could not be read (exit status 3).
    public var hasProblems: Bool { issues.contains(where: \.isProblem) }
}

/// Options of a sweep.
public struct SweepOptions: Sendable {
    public var reading: IngestOptions
    /// Events before this time are not matched (`--since`).
    public var since: Timestamp?
    /// Also match every parsed line in raw mode (`--raw`).
    public var rawAll: Bool
    /// Symbol-table bytes (or 65,536 symbols) after which a file's table is cleared, to keep memory flat on huge files.
    public var symbolBudgetBytes: Int

    public init(reading: IngestOptions = IngestOptions(), since: Timestamp? = nil, rawAll: Bool = false, symbolBudgetBytes: Int = 1 << 20) {
        self.reading = reading
        self.since = since
        self.rawAll = rawAll
        self.symbolBudgetBytes = symbolBudgetBytes
    }
}

/// Sweeps one file: reads from where the state says, parses, matches, and reports hits through `emit`.
/// Never throws: problems are issues of the result.
enum FileSweeper {
    static let prefixBytes = 1 << 16

    static func sweep(
        _ file: EvidenceFile, matcher: Matcher, options: SweepOptions, state: [SweepState.Entry]?,
        emit: (Hit) -> Void
    ) -> FileSweep {
        var result = FileSweep(file: file)
        if file.isStdin {
            switch EvidenceSource.open(file) {
            case .failure(let issue): result.issues.append(issue)
            case .success(var source):
                var reader = LineReader(capacity: options.reading.bufferBytes, maxLineBytes: options.reading.maxLineBytes)
                defer { reader.deallocate() }
                let prefix = reader.peek(prefixBytes, from: &source)
                run(
                    &result, reader: &reader, source: &source, prefix: prefix, start: (0, 0), gzipTime: nil,
                    matcher: matcher, options: options, prime: false, emit: emit)
                result.issues += source.streamIssues
            }
            return result
        }
        var st = stat()
        guard stat(file.path, &st) == 0 else {
            let e = errno
            result.issues.append(
                EvidenceIssue(
                    kind: e == ENOENT ? .vanished : .unreadable, path: file.displayPath,
                    message: "cannot open (\(String(cString: strerror(e)))); nothing swept"))
            return result
        }
        let plain: FDSource
        do { plain = try FDSource(path: file.path) } catch {
            result.issues.append(
                EvidenceIssue(
                    kind: .unreadable, path: file.displayPath,
                    message: "cannot open (\(error.message)); nothing swept. Check permissions"))
            return result
        }
        let size = Int64(st.st_size)
        let magic = plain.pread(0, 16)
        let compression = Compression.detect(magic)
        let gzipTime = GzipSource.headerModificationTime(magic).map { Timestamp(seconds: $0) }
        switch compression {
        case .none, .gzip: break
        default:
            result.issues.append(
                EvidenceIssue(
                    kind: .unsupportedCompression, path: file.displayPath, offset: 0,
                    message: "\(compression.rawValue)-compressed; sweep reads plain and gzip only. Not swept. Read it with: \(compression.advice.replacingOccurrences(of: "FILE", with: "'\(file.path)'").replacingOccurrences(of: "dwell parse", with: "dwell sweep --iocs LIST"))"
                ))
            return result
        }
        // The content's first bytes: detection, and the identity in the state.
        let prefix: [UInt8]
        if compression == .gzip {
            prefix = inflatePrefix(file, prefixBytes)
        } else {
            prefix = plain.pread(0, prefixBytes)
        }
        let head = Array(prefix.prefix(SweepState.headBytes))

        // Where to start.
        var start: (offset: UInt64, lines: UInt64) = (0, 0)
        var gzipCheck: (length: Int, sha: String)?
        if let state {
            result.resume = .new
            let device = UInt64(st.st_dev)
            let inode = UInt64(st.st_ino)
            var headHashes: [Int: String] = [:]
            func headMatches(_ e: SweepState.Entry) -> Bool {
                guard e.headLength <= head.count else { return false }
                if headHashes[e.headLength] == nil { headHashes[e.headLength] = SweepState.sha256(head[0..<e.headLength]) }
                return headHashes[e.headLength] == e.headSHA256
            }
            let sameFile = state.filter { ($0.device == device && $0.inode == inode) || $0.path == file.displayPath }
            let candidates = state.filter { $0.offset > 0 && headMatches($0) }.sorted { a, b in
                let ka = (a.device == device && a.inode == inode ? 0 : 1, a.path == file.displayPath ? 0 : 1)
                let kb = (b.device == device && b.inode == inode ? 0 : 1, b.path == file.displayPath ? 0 : 1)
                return ka != kb ? ka < kb : a.offset > b.offset
            }
            var chosen: SweepState.Entry?
            for e in candidates {
                if e.complete && e.device == device && e.inode == inode && e.size == size && compression == .gzip {
                    var entry = e
                    entry.path = file.displayPath
                    result.entry = entry
                    result.resume = .unchanged(previousPath: e.path)
                    result.format = nil
                    return result
                }
                if compression == .none {
                    guard UInt64(size) >= e.offset else { continue }
                    let tail = plain.pread(Int64(e.offset) - Int64(e.tailLength), e.tailLength)
                    guard tail.count == e.tailLength, SweepState.sha256(tail) == e.tailSHA256 else { continue }
                } else {
                    gzipCheck = (e.tailLength, e.tailSHA256)
                }
                chosen = e
                break
            }
            if let e = chosen {
                start = (e.offset, e.lines)
                result.resume = .resumed(offset: e.offset, previousPath: e.path)
            } else if !sameFile.isEmpty {
                result.resume = .restarted(
                    reason: "its content before the swept offset changed or it is shorter (truncated, copytruncate or replaced)")
            }
        }

        // Read.
        var reader = LineReader(capacity: options.reading.bufferBytes, maxLineBytes: options.reading.maxLineBytes)
        defer { reader.deallocate() }
        let recordBytes = recordSize(prefix: prefix, file: file, options: options)
        if compression == .gzip {
            var skipped = false
            if start.offset > 0, let check = gzipCheck {
                let source = TrackingSource(GzipSource(raw: try? RawFile(path: file.path), displayPath: file.displayPath))
                if source.skip(start.offset, expectTail: check) {
                    skipped = true
                    var s = source
                    run(
                        &result, reader: &reader, source: &s, prefix: prefix, start: start, gzipTime: gzipTime,
                        matcher: matcher, options: options, prime: true, emit: emit)
                    result.issues += source.issues
                    if state != nil { result.entry = entry(file, st, "gzip", head, result, tail: source.tail, complete: true) }
                }
            }
            if !skipped {
                if start.offset > 0 {
                    result.resume = .restarted(reason: "its decompressed content differs from what was swept")
                    start = (0, 0)
                }
                var source = TrackingSource(GzipSource(raw: try? RawFile(path: file.path), displayPath: file.displayPath))
                run(
                    &result, reader: &reader, source: &source, prefix: prefix, start: start, gzipTime: gzipTime,
                    matcher: matcher, options: options, prime: false, emit: emit)
                result.issues += source.issues
                if state != nil { result.entry = entry(file, st, "gzip", head, result, tail: source.tail, complete: true) }
            }
        } else {
            // With a state, stop at the last complete line (a line still being written is swept next time).
            var limit = UInt64(max(size, 0))
            if state != nil {
                if let r = recordBytes {
                    limit = start.offset + (limit - min(limit, start.offset)) / UInt64(r) * UInt64(r)
                } else {
                    limit = plain.endOfLastLine(from: start.offset, size: limit)
                }
                result.heldBack = UInt64(max(size, 0)) - max(limit, start.offset)
            }
            var source = plain.reading(from: start.offset, limit: state != nil ? limit : nil)
            run(
                &result, reader: &reader, source: &source, prefix: prefix, start: start, gzipTime: nil, matcher: matcher,
                options: options, prime: start.offset > 0, emit: emit)
            if source.readError != 0 {
                result.issues.append(
                    EvidenceIssue(
                        kind: .readError, path: file.displayPath, offset: source.position,
                        message: "read error: \(String(cString: strerror(source.readError))); what was read before was kept"))
            }
            if state != nil {
                let end = start.offset + result.bytesSwept
                let tl = Int(min(UInt64(SweepState.tailBytes), end))
                let tail = plain.pread(Int64(end) - Int64(tl), tl)
                result.entry = entry(file, st, "none", head, result, tail: tail, complete: false)
            }
        }
        return result
    }

    static func entry(
        _ file: EvidenceFile, _ st: stat, _ compression: String, _ head: [UInt8], _ r: FileSweep, tail: [UInt8],
        complete: Bool
    ) -> SweepState.Entry {
        SweepState.Entry(
            path: file.displayPath, device: UInt64(st.st_dev), inode: UInt64(st.st_ino), size: Int64(st.st_size),
            compression: compression, headLength: head.count, headSHA256: SweepState.sha256(head),
            offset: r.startOffset + r.bytesSwept, lines: r.lines, tailLength: tail.count,
            tailSHA256: SweepState.sha256(tail), complete: complete,
            swept: Timestamp(microseconds: Int64(Date().timeIntervalSince1970 * 1_000_000)).iso8601(fractionDigits: 0))
    }

    static func inflatePrefix(_ file: EvidenceFile, _ n: Int) -> [UInt8] {
        guard let raw = try? RawFile(path: file.path) else { return [] }
        let g = GzipSource(raw: raw, prefix: [], displayPath: file.displayPath)
        var out = [UInt8](repeating: 0, count: n)
        var have = 0
        while have < n {
            let k = out.withUnsafeMutableBytes { p in g.read(into: UnsafeMutableRawBufferPointer(rebasing: p[have...])) }
            if k == 0 { break }
            have += k
        }
        out.removeSubrange(have...)
        return out
    }

    static func detectFormat(prefix: [UInt8], file: EvidenceFile, options: SweepOptions) -> FormatID? {
        if let forced = options.reading.forcedFormat { return Registry.id(of: forced) }
        guard !prefix.isEmpty else { return nil }
        return Registry.detect(DetectionSample(prefix: prefix, path: file.displayPath), options: options.reading.parserOptions)
    }

    static func recordSize(prefix: [UInt8], file: EvidenceFile, options: SweepOptions) -> Int? {
        guard let id = detectFormat(prefix: prefix, file: file, options: options), let d = Registry.descriptor(id),
            case .records(let p) = d.make(options.reading.parserOptions)
        else { return nil }
        return p.recordBytes
    }

    /// The line loop: parse, match, emit. Updates counts in `result`.
    static func run<S: ByteSource>(
        _ result: inout FileSweep, reader: inout LineReader, source: inout S, prefix: [UInt8],
        start: (offset: UInt64, lines: UInt64), gzipTime: Timestamp?, matcher: Matcher, options: SweepOptions,
        prime: Bool, emit: (Hit) -> Void
    ) {
        let file = result.file
        result.startOffset = start.offset
        var formatID = detectFormat(prefix: prefix, file: file, options: options)
        let descriptor = formatID.flatMap(Registry.descriptor)
        var parser = descriptor.map { $0.make(options.reading.parserOptions) }
        if case .lines = parser, BinarySniffer.looksBinary(prefix) {
            parser = nil
            formatID = nil
        }
        if parser == nil, !prefix.isEmpty, BinarySniffer.looksBinary(prefix) {
            result.issues.append(
                EvidenceIssue(
                    kind: .binary, path: file.displayPath, offset: 0,
                    message: "binary content (\(BinarySniffer.describe(prefix))) and no binary format matches; not swept"))
            return
        }
        let formatName = parser == nil ? nil : descriptor?.name
        result.format = formatName
        if parser == nil && !prefix.isEmpty {
            result.issues.append(
                EvidenceIssue(
                    kind: .unknownFormat, path: file.displayPath,
                    message: "no known format recognised; every line was matched in raw mode (addresses, domains, paths, users, hashes as tokens). Try --format NAME",
                    isProblem: false))
        }

        // The clock, as Ingest sets it: year from the gzip header or file mtime, zone from --tz.
        var context = ParseContext()
        let (zone, zoneSource) = options.reading.zones.zone(forPath: file.displayPath)
        var reference = gzipTime ?? file.modificationTime
        var referenceSource: TimeSource.Year = .fileMTime
        if reference == nil {
            reference = options.reading.now ?? Timestamp(microseconds: Int64(Date().timeIntervalSince1970 * 1_000_000))
            referenceSource = .assumedNow
        }
        context.clock = FileClock(
            referenceTime: reference, referenceYearSource: referenceSource, userYear: options.reading.year, zone: zone,
            zoneSource: zoneSource)
        func resetSymbols() {
            context.symbols = SymbolTable()
            context.defaultHost = file.hostHint.map { context.symbols.intern($0) } ?? .none
        }
        resetSymbols()
        let sample = DetectionSample(prefix: prefix, path: file.displayPath)
        /// Header lines (Zeek `#fields`, W3C `#Fields`) set parser state; a resumed or reset parser sees them again.
        func primeParser() {
            guard case .lines(var p) = parser else { return }
            var scratch = Event()
            for line in sample.lines {
                _ = try? line.withUnsafeBufferPointer { b throws(LineRejection) in
                    try p.parse(b.span, into: &scratch, context: &context)
                }
            }
            parser = .lines(p)
        }
        if prime { primeParser() }

        var cache = MatchCache()
        var matches: [AtomMatch] = []
        var hits: [(rule: Int32, field: MatchField, atom: Int32)] = []
        var events: UInt64 = 0
        var unparsed: UInt64 = 0
        var hitCount: UInt64 = 0

        func report(_ e: Event?, _ line: Span<UInt8>, _ info: LineInfo) {
            hits.removeAll(keepingCapacity: true)
            matcher.rulesHit(matches, into: &hits)
            matches.removeAll(keepingCapacity: true)
            guard !hits.isEmpty else { return }
            var raw: [UInt8] = []
            line.withUnsafeBufferPointer { raw = Array($0.prefix(4096)) }
            let host: String? = e.flatMap { $0.host.isNone ? nil : context.symbols.string($0.host) } ?? file.hostHint
            for h in hits {
                hitCount += 1
                emit(
                    Hit(
                        time: e?.time, host: host, kind: e?.kind.name ?? "unparsed", format: formatName, rule: h.rule,
                        field: h.field, file: file.displayPath, line: start.lines + info.number,
                        offset: start.offset + info.offset, raw: raw))
            }
        }

        func judge(_ e: inout Event, _ line: Span<UInt8>, _ info: LineInfo) {
            events += 1
            if let since = options.since, e.time < since { return }
            if e.host.isNone { e.host = context.defaultHost }
            matcher.match(
                e, line: line, symbols: context.symbols, cache: &cache, rawToo: options.rawAll, into: &matches)
            report(e, line, info)
        }

        func judgeRaw(_ line: Span<UInt8>, _ info: LineInfo) {
            unparsed += 1
            line.withUnsafeBufferPointer { matcher.matchRaw($0, into: &matches) }
            report(nil, line, info)
        }

        /// Clears the symbol table when it passes its budget. Returns `true` when a line parser was remade (the
        /// caller must take the new one: the old one's symbol caches name symbols of the cleared table).
        func bound() -> Bool {
            if context.symbols.arenaBytes > options.symbolBudgetBytes || context.symbols.count > 1 << 16 {
                resetSymbols()
                cache.clear()
                if let d = descriptor, case .lines = parser {
                    parser = d.make(options.reading.parserOptions)
                    primeParser()
                    return true
                }
            }
            return false
        }

        var event = Event()

        switch parser {
        case .framed(var p):
            // A record-framed file (EVTX) is read whole; its events are judged once the parse is done.
            let bytes = reader.readAll(from: &source)
            var parsed: [(Event, [UInt8], LineInfo)] = []
            var ctx = context
            _ = bytes.withUnsafeBufferPointer { file in
                p.parse(
                    file: file, context: &ctx,
                    emit: { e, ref, raw, _ in
                        parsed.append((e, Array(raw), LineInfo(number: ref.number, offset: ref.offset, hasNUL: false)))
                    },
                    reject: { _, _, _ in unparsed += 1 })
            }
            context = ctx
            for var (e, raw, info) in parsed { raw.withUnsafeBufferPointer { judge(&e, $0.span, info) } }
        case .records(var p):
            _ = reader.forEachRecord(size: p.recordBytes, from: &source) { rec, info in
                do throws(LineRejection) {
                    if try p.parse(record: rec, into: &event, context: &context) { judge(&event, rec, info) }
                } catch {
                    unparsed += 1
                }
                _ = bound()
            }
        case .lines(var p):
            reader.forEachLine(from: &source) { line, info in
                guard line.count > 0 else { return }
                var text = line
                if info.hasNUL {
                    var k = 0
                    while k < line.count, line[k] == 0 { k += 1 }
                    text = line.extracting(k..<line.count)
                    if text.count == 0 { return }
                }
                do throws(LineRejection) {
                    if try p.parse(text, into: &event, context: &context) {
                        judge(&event, line, info)
                    } else if options.rawAll {
                        judgeRaw(line, info)
                        unparsed -= 1
                    }
                } catch {
                    judgeRaw(line, info)
                }
                if bound(), case .lines(let fresh) = parser { p = fresh }
            }
        case .journal:
            result.issues.append(
                EvidenceIssue(
                    kind: .unknownFormat, path: file.displayPath, offset: 0,
                    message: "systemd journal: `dwell sweep` does not read journal files yet (investigate, parse and manifest do); hashed, not swept"))
        case nil:
            reader.forEachLine(from: &source) { line, info in
                if line.count > 0 { judgeRaw(line, info) }
            }
        }
        result.lines = start.lines + reader.lineCount
        result.bytesSwept = reader.totalBytes
        result.events = events
        result.unparsed = unparsed
        result.hits = hitCount
        if reader.longLineCount > 0, let first = reader.longLines.first {
            result.issues.append(
                EvidenceIssue(
                    kind: .lineTooLong, path: file.displayPath, offset: start.offset + first.offset,
                    line: start.lines + first.line,
                    message: "\(reader.longLineCount) line(s) longer than \(options.reading.maxLineBytes) bytes not swept (first: line \(start.lines + first.line)); raise --max-line-bytes"))
        }
    }
}

/// A plain file read with `pread`, from an offset up to an optional limit (the size seen when the sweep began).
struct FDSource: ByteSource {
    final class Handle: @unchecked Sendable {
        let fd: Int32
        init(_ fd: Int32) { self.fd = fd }
        deinit { close(fd) }
    }

    let handle: Handle
    var position: UInt64 = 0
    var limit: UInt64?
    var readError: Int32 = 0

    init(path: String) throws(FDOpenError) {
        var fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | 0o1000000)  // O_NOATIME where permitted
        if fd < 0 && errno == EPERM { fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK) }
        guard fd >= 0 else { throw FDOpenError(errno: errno) }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        handle = Handle(fd)
    }

    func reading(from offset: UInt64, limit: UInt64?) -> FDSource {
        var s = self
        s.position = offset
        s.limit = limit
        return s
    }

    mutating func read(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        guard readError == 0, let base = buffer.baseAddress else { return 0 }
        var want = buffer.count
        if let limit {
            guard position < limit else { return 0 }
            want = Int(min(UInt64(want), limit - position))
        }
        while true {
            let n = Glibc.pread(handle.fd, base, want, off_t(position))
            if n >= 0 {
                position += UInt64(n)
                return n
            }
            if errno == EINTR { continue }
            readError = errno
            return 0
        }
    }

    /// Up to `count` bytes at `offset` (fewer at the end of the file).
    func pread(_ offset: Int64, _ count: Int) -> [UInt8] {
        guard count > 0, offset >= 0 else { return [] }
        var out = [UInt8](repeating: 0, count: count)
        var have = 0
        while have < count {
            let n = out.withUnsafeMutableBytes { p in
                Glibc.pread(handle.fd, p.baseAddress.map { $0 + have }, count - have, off_t(offset) + off_t(have))
            }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            have += n
        }
        out.removeSubrange(have...)
        return out
    }

    /// The offset just after the last newline in `from..<size` (or `from` when there is none).
    func endOfLastLine(from: UInt64, size: UInt64) -> UInt64 {
        var end = size
        let block: UInt64 = 1 << 16
        while end > from {
            let begin = max(from, end >= block ? end - block : 0)
            let bytes = pread(Int64(begin), Int(end - begin))
            if let nl = bytes.lastIndex(of: 0x0a) { return begin + UInt64(nl) + 1 }
            end = begin
        }
        return from
    }
}

struct FDOpenError: Error {
    var errno: Int32
    var message: String { String(cString: strerror(errno)) }
}

/// Wraps a decompressed stream: can skip its first bytes (checking the hash of the last of them), and keeps the
/// last 4 KiB that passed, for the state's tail hash.
final class TrackingSource: ByteSource {
    let inner: GzipSource?
    private(set) var tail: [UInt8] = []

    init(_ inner: GzipSource?) { self.inner = inner }

    var issues: [EvidenceIssue] { inner?.issues ?? [] }

    func read(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        guard let inner else { return 0 }
        let n = inner.read(into: buffer)
        if n > 0 {
            let got = UnsafeRawBufferPointer(rebasing: buffer[0..<n])
            if n >= SweepState.tailBytes {
                tail = Array(got.suffix(SweepState.tailBytes))
            } else {
                tail.append(contentsOf: got)
                if tail.count > SweepState.tailBytes { tail.removeFirst(tail.count - SweepState.tailBytes) }
            }
        }
        return n
    }

    /// Reads and discards `count` bytes; `true` when they were all there and the last `expectTail.length` of them
    /// hash to `expectTail.sha`.
    func skip(_ count: UInt64, expectTail: (length: Int, sha: String)) -> Bool {
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 18, alignment: 16)
        defer { scratch.deallocate() }
        var left = count
        while left > 0 {
            let n = read(into: UnsafeMutableRawBufferPointer(rebasing: scratch[0..<Int(min(left, UInt64(scratch.count)))]))
            if n == 0 { return false }
            left -= UInt64(n)
        }
        return tail.count >= expectTail.length
            && SweepState.sha256(tail.suffix(expectTail.length)) == expectTail.sha
    }
}

extension GzipSource {
    convenience init?(raw: RawFile?, displayPath: String) {
        guard let raw else { return nil }
        self.init(raw: raw, prefix: [], displayPath: displayPath)
    }
}
