import DwellCore
import Parsers

extension Ingest {
    /// Reads a plain journal file in place: mapped read-only, hashed block by block just ahead of the entries being
    /// read (the reads then find the bytes in cache, and the file is read from memory once), never copied.
    /// Returns `false`, having read nothing, when the file cannot be mapped (stdin, a pipe, compressed evidence):
    /// the caller then reads it whole into memory.
    static func readMappedJournal<S: EventSink>(
        _ source: EvidenceSource, reader lines: inout LineReader, file: EvidenceFile, format: FormatID,
        options: IngestOptions, stats: inout FileStats, context: inout ParseContext, sink: inout S
    ) -> Bool {
        guard source.compression == .none, !file.isStdin, let mapping = source.raw.mapped() else { return false }
        let size = mapping.bytes.count
        let count = min(size, options.maxWholeFileBytes)
        lines.totalBytes = UInt64(size)
        lines.stoppedAtLimit = size > count
        noteLimit(lines, file: file, options: options, stats: &stats)
        var journal = JournalReader(mapped: mapping, count: count, displayPath: file.displayPath)
        let raw = source.raw
        // 128 KiB blocks, hashed one to two blocks ahead of the reads: the bytes are still in the core's L2 cache
        // (1 MiB here) when the reader and the message parsers reach them; hashed 0.5-1 MiB ahead (as before #19's
        // last round) they had left it, and the first read of each entry's message missed.
        let block = 1 << 17
        var hashed = Int(clamping: raw.bytesRead)
        readJournal(
            &journal, byteCount: count, file: file, format: format, stats: &stats, context: &context, sink: &sink
        ) { offset in
            // An entry's own DATA objects lie just before it; hash the next blocks before the reads reach them.
            guard offset < UInt64(size), Int(offset) + block > hashed else { return }
            hashed = min(Int(offset) + 2 * block, size)
            raw.consume(mapping, upTo: hashed)
        }
        raw.consume(mapping, upTo: size)
        return true
    }

    /// Reads a systemd journal file (its whole bytes) into a sink: one event per readable entry, through
    /// `JournalEntryParser`. The manifest counts entries as lines; each event cites the entry's ordinal as its line
    /// number and the ENTRY object's byte offset; the raw line the sink sees is `JournalEntry.render`.
    /// `reached` is told each entry's offset before the entry is structured.
    static func readJournal<S: EventSink>(
        _ reader: inout JournalReader, byteCount: Int, file: EvidenceFile, format: FormatID, stats: inout FileStats,
        context: inout ParseContext,
        sink: inout S, reached: (UInt64) -> Void = { _ in }
    ) {
        guard let header = reader.header else {
            stats.issues.append(
                EvidenceIssue(
                    kind: .journalDamaged, path: file.displayPath, offset: 0,
                    message:
                        "journal signature but only \(byteCount) bytes, fewer than a journal header (\(JournalHeader.minimumBytes)); nothing read"
                ))
            return
        }
        // Each entry is at least a 64-byte ENTRY object, so a damaged header's count is bounded by the file's size.
        sink.reserve(events: Int(clamping: min(header.entryCount, UInt64(byteCount / 64))))
        var tally = LineTally(fileID: file.id, format: format)
        var parser = JournalEntryParser()
        var event = Event()
        var line: [UInt8] = []
        var sourceTimes: UInt64 = 0
        let wantsLine = sink.wantsRawLine
        reader.forEachEntry { entry in
            reached(entry.offset)
            let info = LineInfo(number: entry.ordinal, offset: entry.offset, hasNUL: false)
            var column = -1
            line.removeAll(keepingCapacity: true)
            if wantsLine { column = entry.render(into: &line, seqnumID: header.seqnumID) }
            do throws(LineRejection) {
                let isEvent = try parser.parse(entry, into: &event, context: &context)
                if isEvent {
                    if parser.usedSourceTime { sourceTimes += 1 }
                    event.messageColumn = Int32(truncatingIfNeeded: column)
                    line.withUnsafeBufferPointer { raw in
                        tally.deliver(&event, info, raw.span, context: &context, sink: &sink)
                    }
                } else {
                    tally.nonEvents += 1
                }
            } catch {
                if !wantsLine { _ = entry.render(into: &line, seqnumID: header.seqnumID) }
                line.withUnsafeBufferPointer { raw in Self.reject(error, info, raw.span, stats: &stats) }
            }
        }
        tally.finish(into: &stats)
        stats.lines = reader.entriesRead
        var summary = JournalSummary(
            state: header.state?.name ?? "state \(header.stateByte)", compression: header.compressionName,
            compact: header.isCompact, keyedHash: header.incompatibleFlags.contains(.keyedHash),
            incompatibleFlags: header.incompatibleFlags.rawValue, compatibleFlags: header.compatibleFlags,
            headerEntries: header.entryCount, entriesRead: reader.entriesRead,
            entriesRecovered: reader.entriesRecovered, entriesLost: reader.entriesLost,
            firstSeqnum: reader.firstSeqnum, lastSeqnum: reader.lastSeqnum,
            headRealtime: header.headEntryRealtime,
            tailRealtime: header.tailEntryRealtime, seqnumID: header.seqnumID.hex,
            machineID: header.machineID.hex)
        summary.sourceTimeEntries = sourceTimes
        stats.journal = summary
        if header.state == .online {
            stats.issues.append(
                EvidenceIssue(
                    kind: .journalOnline, path: file.displayPath, offset: 16,
                    message:
                        "journal state ONLINE: it was being written or was not closed cleanly (a `.journal~` or a live file); every complete entry was read (\(reader.entriesRead), \(reader.entriesRecovered) of them found past the entry-array chain)",
                    isProblem: false))
        }
        stats.issues += reader.issues
        if reader.entriesLost > 0 {
            stats.issues.append(
                EvidenceIssue(
                    kind: .journalDamaged, path: file.displayPath,
                    message:
                        "journal: \(reader.entriesLost) entries cited by the file could not be read (see the problems above for where); \(reader.entriesRead) read"
                ))
        }
        if header.state != .online, reader.entriesRead + reader.entriesLost < header.entryCount {
            stats.issues.append(
                EvidenceIssue(
                    kind: .journalDamaged, path: file.displayPath, offset: 152,
                    message:
                        "journal header counts \(header.entryCount) entries but \(reader.entriesRead) were found (\(header.entryCount - reader.entriesRead - reader.entriesLost) not reachable: the file may be cut or its entry arrays damaged)"
                ))
        }
    }
}
