import DwellCore
import Parsers

extension Ingest {
    /// Reads a file whose records the format frames (EVTX): the whole file in memory, each record an event cited
    /// by its record number (as the line) and byte offset, its raw evidence the record rendered as one line.
    /// Structural problems (checksums, cut chunks, skipped bytes) become manifest issues with their offsets.
    static func readFramed<S: EventSink, B: ByteSource>(
        _ p: inout any FramedRecordParser, file: EvidenceFile, reader: inout LineReader, source: inout B, limit: Int,
        tally: inout LineTally, stats: inout FileStats, context: inout ParseContext, sink: inout S
    ) {
        let bytes = reader.readAll(from: &source, limit: limit)
        var records: UInt64 = 0
        // A sink that reads no raw lines (the store) gets the events without their XML: the cited records' XML is
        // rendered later, by `framedRawRecords`, exactly as here.
        let wantsRaw = sink.wantsRawLine
        let problems = bytes.withUnsafeBufferPointer { file in
            p.parse(
                file: file, wantsRaw: wantsRaw, context: &context,
                emit: { e, ref, raw, context in
                    records += 1
                    tally.deliver(&e, LineInfo(number: ref.number, offset: ref.offset, hasNUL: false), raw.span, context: &context, sink: &sink)
                },
                reject: { reason, ref, raw in
                    records += 1
                    Ingest.reject(reason, LineInfo(number: ref.number, offset: ref.offset, hasNUL: false), raw.span, stats: &stats)
                })
        }
        stats.lines = records
        for problem in problems {
            stats.issues.append(
                EvidenceIssue(
                    kind: problem.kind == .truncatedChunk ? .truncatedRecord : .damagedStructure, path: file.displayPath, offset: problem.offset,
                    message: Self.describe(problem, records: records), isProblem: problem.isLoss))
        }
    }

    static func describe(_ p: FramedProblem, records: UInt64) -> String {
        switch p.kind {
        case .badFileHeader: "no EVTX file header (`ElfFile`): chunks were looked for at their usual places"
        case .fileHeaderChecksum: "the EVTX file header's CRC32 does not match (damaged or edited header); chunks were read anyway"
        case .dirty: "the EVTX header is marked dirty (the log was not closed cleanly): records past the header's counts were read too"
        case .chunkSignature: "chunk at byte \(p.offset) has no `ElfChnk` signature; the records in it that validate on their own were read"
        case .chunkHeaderChecksum: "chunk header CRC32 mismatch at byte \(p.offset); the chunk's records that validate on their own were read"
        case .chunkDataChecksum: "the CRC32 of the records of the chunk at byte \(p.offset - 512) does not match (damaged records); those that validate on their own were read"
        case .truncatedChunk: "the file ends inside the chunk at byte \(p.offset) (\(p.count) bytes missing): the file was cut; the whole records before the cut were read"
        case .badRecord: "\(p.count) bytes at byte \(p.offset) are not a valid record (damaged): skipped to the next record signature"
        case .recordsBeyondHeader: "\(p.count) record(s) of the chunk at byte \(p.offset - 32) lie beyond its header's last record (written after the header was updated): read"
        case .staleRecords: "\(p.count) stale record(s) in the free space of a chunk from byte \(p.offset) (leftovers of earlier data, not in the record sequence): not read as events"
        case .chunksBeyondHeader: "\(p.count) chunk(s) beyond the file header's chunk count (a dirty or recovered file): read"
        }
    }
}

extension Ingest {
    /// The raw evidence (records rendered as one line each, cut at `maxBytes`: 4 KiB for reports) of the cited
    /// records of a record-framed file, or `nil` when the file is not of such a format (its lines are read back as
    /// usual).
    public static func framedRawRecords(
        _ numbers: Set<UInt64>, of file: EvidenceFile, options: IngestOptions, maxBytes: Int = EvidenceResolver.maxRawBytes
    ) -> [UInt64: [UInt8]]? {
        guard case .success(var source) = EvidenceSource.open(file) else { return nil }
        var reader = LineReader(capacity: options.bufferBytes, maxLineBytes: options.maxLineBytes)
        defer { reader.deallocate() }
        let prefix = reader.peek(1 << 16, from: &source)
        // Record-framed formats are binary: text files are read back line by line without detecting again.
        guard options.forcedFormat != nil || BinarySniffer.looksBinary(prefix) else { return nil }
        let formatID =
            options.forcedFormat.flatMap(Registry.id(of:))
            ?? Registry.detect(DetectionSample(prefix: prefix, path: file.displayPath), options: options.parserOptions)
        guard let d = formatID.flatMap(Registry.descriptor), case .framed(var p) = d.make(options.parserOptions) else {
            return nil
        }
        let bytes = reader.readAll(from: &source, limit: options.maxWholeFileBytes)
        let found = bytes.withUnsafeBufferPointer { p.rawRecords(file: $0, numbers: numbers) }
        return found.mapValues { $0.count > maxBytes ? Array($0.prefix(maxBytes)) : $0 }
    }
}
