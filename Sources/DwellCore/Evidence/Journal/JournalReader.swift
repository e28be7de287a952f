import CJournalCodecs

/// Reads a systemd journal file from its bytes, offline, without libsystemd (systemd's "Journal File Format").
///
///     header → entry_array_offset → ENTRY_ARRAY → … (next_entry_array_offset) → ENTRY → items → DATA (`NAME=value`)
///
/// Both layouts: regular (64-bit item offsets, a hash per entry item) and compact (`HEADER_INCOMPATIBLE_COMPACT`:
/// 32-bit offsets, DATA payload at byte 72). DATA objects compressed with XZ, LZ4 or ZSTD (object flags 1, 2, 4)
/// are decompressed with liblzma, liblz4 and libzstd.
///
/// Entries are read in the order of the entry-array chain (sequence-number order). Where the chain is damaged,
/// or the file was not closed (state ONLINE, `*.journal~`), or the chain holds fewer entries than the header
/// counts, the objects are also walked one by one from the end of the header and ENTRY objects newer than the
/// last one read are recovered. Every read is bounds-checked against the file: a bad offset, a wrong object type,
/// a cut file or a corrupt compressed payload becomes a counted problem with the byte offset of its first
/// occurrence (`issues`), never a trap. An entry whose ENTRY object cannot be read is lost and counted; an entry
/// with an unreadable DATA object is kept without that field and counted.
///
/// Fields are handed over in place: an entry's `fields` are ranges of the file's own bytes (a memory-mapped file,
/// `MappedFile`, or an array), and only an entry with a compressed DATA object has its fields copied into its
/// `payload` (`JournalEntry.fieldsInFile`).
/// - Complexity: O(file size) time; memory is the file (mapped or held) plus one entry's field ranges.
public struct JournalReader {
    public let header: JournalHeader?
    public let displayPath: String
    let storage: Storage
    var damage: [Damage: (count: Int, firstOffset: UInt64, firstEntry: UInt64)] = [:]
    var damageOrder: [Damage] = []
    /// Entries handed over, and those found by the object walk only.
    public private(set) var entriesRead: UInt64 = 0
    public private(set) var entriesRecovered: UInt64 = 0
    /// Entries known to exist (cited by the chain or found by the walk) that could not be read.
    public private(set) var entriesLost: UInt64 = 0
    public private(set) var firstSeqnum: UInt64?
    public private(set) var lastSeqnum: UInt64?
    /// Largest decompressed DATA payload accepted (larger ones are counted, not read).
    public static let maxFieldBytes = 64 << 20

    /// What can be wrong with one place in the file.
    public enum Damage: String, Sendable, Hashable {
        case unknownFlags = "unknown incompatible header flags; the layout is unknown, nothing read"
        case arrayOutOfFile = "entry array offset outside the file; the rest of the chain is lost"
        case arrayNotArray =
            "entry array offset does not point at an ENTRY_ARRAY object; the rest of the chain is lost"
        case arrayLoop = "entry array chain points backwards (a loop); the rest of the chain is lost"
        case entryOutOfFile = "entry offset outside the file (truncated or damaged); entry lost"
        case entryNotEntry = "entry offset does not point at a valid ENTRY object; entry lost"
        case dataOutOfFile = "DATA object offset outside the file; field lost"
        case dataNotData = "entry item does not point at a valid DATA object; field lost"
        case unknownCompression = "DATA object with unknown compression flags; field lost"
        case decompressFailed = "compressed DATA object does not decompress; field lost"
        case fieldTooLarge = "DATA payload larger than 64 MiB decompressed; field not read"
        case walkStopped =
            "object walk stopped at a damaged or incomplete object (the file may be cut or still being written)"
    }

    /// Where the file's bytes are: held in an array, or mapped (the first `count` bytes of the mapping are read).
    enum Storage {
        case array([UInt8])
        case mapped(MappedFile, count: Int)
    }

    /// Parses the header of `bytes`; `header` is `nil` when the file is not a journal or too short for a header.
    public init(bytes: [UInt8], displayPath: String) {
        storage = .array(bytes)
        self.displayPath = displayPath
        header = bytes.withUnsafeBytes { JournalHeader($0) }
    }

    /// Reads the first `count` bytes of a mapped file (all of it when `count` is larger), in place.
    public init(mapped: MappedFile, count: Int, displayPath: String) {
        let n = max(0, min(count, mapped.bytes.count))
        storage = .mapped(mapped, count: n)
        self.displayPath = displayPath
        header = JournalHeader(UnsafeRawBufferPointer(rebasing: mapped.bytes[0..<n]))
    }

    /// Calls `body` with the file's bytes (valid during the call only).
    func withFile<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        switch storage {
        case .array(let a): return a.withUnsafeBytes { body($0) }
        case .mapped(let m, let count):
            return withExtendedLifetime(m) { body(UnsafeRawBufferPointer(rebasing: m.bytes[0..<count])) }
        }
    }

    /// Calls `body` with every readable entry, in order. Call once.
    ///
    /// `wanted`, when given, says by ordinal which entries need their fields: the others are still checked as
    /// ENTRY objects and counted (so every entry keeps the ordinal a full reading gives it, since only a damaged
    /// ENTRY object, never a damaged DATA object, loses an entry) but their DATA objects are not read, and `body`
    /// sees them with no fields. For reading a few cited entries back.
    public mutating func forEachEntry(
        fieldsOf wanted: ((UInt64) -> Bool)? = nil, _ body: (inout JournalEntry) -> Void
    ) {
        guard let header else { return }
        if !header.incompatibleFlags.subtracting(.known).isEmpty {
            note(.unknownFlags, at: 12, entry: 0)
            return
        }
        let compact = header.isCompact
        var entry = JournalEntry()
        var scratch: [UInt8] = []
        var lastOffset: UInt64 = 0
        var chainDamaged = false
        var found: UInt64 = 0
        withFile { file in
            entry.file = file
            defer { entry.file = UnsafeRawBufferPointer(start: nil, count: 0) }
            var ctx = Context(file: file, compact: compact)
            var table = JournalDataTable(fileBytes: file.count)
            defer { table.deallocate() }
            // The chain of entry arrays.
            var arrayOffset = header.entryArrayOffset
            var previousArray: UInt64 = 0
            while arrayOffset != 0 {
                guard arrayOffset > previousArray else {
                    note(.arrayLoop, at: arrayOffset, entry: found)
                    chainDamaged = true
                    break
                }
                guard let (type, size) = ctx.objectHeader(at: arrayOffset) else {
                    note(.arrayOutOfFile, at: arrayOffset, entry: found)
                    chainDamaged = true
                    break
                }
                guard type == 6, size >= 24 else {
                    note(.arrayNotArray, at: arrayOffset, entry: found)
                    chainDamaged = true
                    break
                }
                let itemBytes: UInt64 = compact ? 4 : 8
                let count = (size - 24) / itemBytes
                let base = Int(arrayOffset) + 24
                for k in 0..<Int(count) {
                    let o = base + k * Int(itemBytes)
                    let item = compact ? UInt64(ctx.u32(o)) : ctx.u64(o)
                    if item == 0 { break }  // the unused tail of the last array
                    if wanted == nil {
                        if k + 1 < Int(count) {
                            ctx.prefetchData(ofEntryAt: compact ? UInt64(ctx.u32(o + 4)) : ctx.u64(o + 8), table: table)
                        }
                    } else if k + 8 < Int(count) {
                        // Reading back a few cited entries, every ENTRY object is still checked: ask for the one 8
                        // entries ahead (a cache and TLB miss each, the file having left the cache since ingest).
                        ctx.prefetch(compact ? UInt64(ctx.u32(o + 32)) : ctx.u64(o + 64))
                    }
                    found += 1
                    if read(
                        entryAt: item, into: &entry, scratch: &scratch, ctx: &ctx, table: &table,
                        ordinal: entriesRead + 1, fields: wanted?(entriesRead + 1) ?? true)
                    {
                        lastOffset = max(lastOffset, item)
                        body(&entry)
                    }
                }
                previousArray = arrayOffset
                arrayOffset = ctx.u64(Int(arrayOffset) + 16)
            }
            // Entries the chain does not reach: walk the objects.
            if chainDamaged || header.state != .offline && header.state != .archived
                || found < header.entryCount
            {
                walkObjects(
                    after: lastOffset, header: header, into: &entry, scratch: &scratch, ctx: &ctx, table: &table,
                    wanted: wanted, body: body)
            }
        }
    }

    /// Walks every object from the end of the header and reads ENTRY objects past `lastOffset`.
    mutating func walkObjects(
        after lastOffset: UInt64, header: JournalHeader, into entry: inout JournalEntry,
        scratch: inout [UInt8],
        ctx: inout Context, table: inout JournalDataTable, wanted: ((UInt64) -> Bool)?,
        body: (inout JournalEntry) -> Void
    ) {
        var at = max(header.headerBytes, UInt64(JournalHeader.minimumBytes))
        // Entries newer than the chain's last one are new; older ones the chain already gave.
        var newest = lastSeqnum
        let end = UInt64(ctx.file.count)
        // `at` starts at the header's own size field, which a damaged file may set anywhere (near 2^64: #23's fuzzing).
        while at < end, end - at >= 16 {
            guard let (type, size) = ctx.objectHeader(at: at), size >= 16, type != 0 else {
                // Zeros past the last object are the file's preallocated tail, not damage.
                if !ctx.isZero(from: at) { note(.walkStopped, at: at, entry: entriesRead) }
                return
            }
            if type == 3, at > lastOffset {
                if read(
                    entryAt: at, into: &entry, scratch: &scratch, ctx: &ctx, table: &table, ordinal: entriesRead + 1,
                    fields: wanted?(entriesRead + 1) ?? true)
                {
                    if newest.map({ entry.seqnum > $0 }) ?? true {
                        newest = entry.seqnum
                        entriesRecovered += 1
                        body(&entry)
                    } else {
                        entriesRead -= 1  // an entry the chain already gave (not newer): not handed over twice
                    }
                }
            }
            let next = at + ((size + 7) & ~7)
            guard next > at else { return }
            at = next
        }
    }

    /// Reads the ENTRY object at `offset` and its DATA objects. Returns whether the entry was read.
    ///
    /// A DATA object found in `table` (read and found sound before, for an earlier entry) is not read again: its
    /// range and name come from the slot. Every other one is read and checked, and stored there when other entries
    /// cite it too.
    mutating func read(
        entryAt offset: UInt64, into e: inout JournalEntry, scratch: inout [UInt8], ctx: inout Context,
        table: inout JournalDataTable, ordinal: UInt64, fields readFields: Bool = true
    ) -> Bool {
        guard let (type, size) = ctx.objectHeader(at: offset) else {
            note(.entryOutOfFile, at: offset, entry: ordinal)
            entriesLost += 1
            return false
        }
        let itemBytes: UInt64 = ctx.compact ? 4 : 16
        guard type == 3, size >= 64, (size - 64) % itemBytes == 0 else {
            note(.entryNotEntry, at: offset, entry: ordinal)
            entriesLost += 1
            return false
        }
        let o = Int(offset)
        e.ordinal = ordinal
        e.offset = offset
        e.seqnum = ctx.u64(o + 16)
        e.realtimeMicroseconds = ctx.u64(o + 24)
        e.monotonicMicroseconds = ctx.u64(o + 32)
        e.bootID = JournalID(high: ctx.u64(o + 40), low: ctx.u64(o + 48))
        e.xorHash = ctx.u64(o + 56)
        e.payload.removeAll(keepingCapacity: true)
        e.fields.removeAll(keepingCapacity: true)
        e.fieldsInFile = true
        e.unreadableFields = 0
        e.namedFields = 0
        let n = readFields ? Int((size - 64) / itemBytes) : 0
        table.reserve(n)
        e.fields.reserveCapacity(n)
        let payloadStart = ctx.compact ? 72 : 64
        // objectHeader checked offset + size <= file.count, so every item (its last byte at most at o + size - 1)
        // lies inside the file: the item offsets are read without a check each (`Context.item`).
        for k in 0..<n {
            let dataOffset = ctx.item(k, ofEntryAt: o)
            if let slot = table.find(dataOffset) {
                // Stored only after its checks: an uncompressed DATA object whose payload lies inside the file.
                let start = Int(dataOffset) &+ payloadStart
                let payloadBytes = Int(slot.pointee.payloadBytes)
                let index = e.fields.count
                if e.fieldsInFile {
                    e.fields.append(start..<(start &+ payloadBytes))
                } else {
                    let begin = e.payload.count
                    e.payload.append(contentsOf: UnsafeRawBufferPointer(rebasing: ctx.file[start..<(start + payloadBytes)]))
                    e.fields.append(begin..<e.payload.count)
                }
                let field = slot.pointee.field
                if field != JournalDataTable.otherField {
                    if slot.pointee.valueBytes != JournalDataTable.notInline {
                        e.name(
                            field, index: index, value: UnsafeRawPointer(slot) + JournalDataTable.valueOffset,
                            valueBytes: Int(slot.pointee.valueBytes))
                    } else {
                        e.name(field, index: index, payloadAt: start, payloadBytes: payloadBytes, in: ctx.file)
                    }
                }
                continue
            }
            if let problem = appendData(at: dataOffset, to: &e, scratch: &scratch, ctx: ctx, table: &table) {
                note(problem, at: dataOffset, entry: ordinal)
                e.unreadableFields += 1
            }
        }
        entriesRead += 1
        if firstSeqnum == nil { firstSeqnum = e.seqnum }
        lastSeqnum = max(lastSeqnum ?? 0, e.seqnum)
        return true
    }

    /// Adds the payload of the DATA object at `offset` to the entry's fields, names it (`JournalEntry.name`),
    /// and stores a sound uncompressed object that other entries cite too in `table`; returns the problem when it
    /// cannot.
    ///
    /// An uncompressed payload is a range of the file. The first compressed one moves the entry to its own
    /// `payload`: the fields so far are copied there, and every later one too (one base for all ranges).
    func appendData(
        at offset: UInt64, to e: inout JournalEntry, scratch: inout [UInt8], ctx: Context,
        table: inout JournalDataTable
    ) -> Damage? {
        guard let (type, size) = ctx.objectHeader(at: offset) else { return .dataOutOfFile }
        let payloadStart: UInt64 = ctx.compact ? 72 : 64
        guard type == 1, size >= payloadStart else { return .dataNotData }
        // objectHeader checked offset + size <= file.count, so start..<start + count lies inside the file.
        let start = Int(offset + payloadStart)
        let count = Int(size - payloadStart)
        let flags = ctx.file[Int(offset) + 1] & 7
        let index = e.fields.count
        switch flags {
        case 0:
            let bytes = UnsafeRawBufferPointer(rebasing: ctx.file[start..<(start + count)])
            if e.fieldsInFile {
                e.fields.append(start..<(start + count))
            } else {
                let begin = e.payload.count
                e.payload.append(contentsOf: bytes)
                e.fields.append(begin..<e.payload.count)
            }
            let field = JournalField.classify(bytes)
            // n_entries (byte 56): how many entries cite the object. One: no later entry will look for it.
            if ctx.u64(Int(offset) + 56) > 1,
                let slot = table.insert(
                    offset: offset, payloadBytes: count, field: field,
                    value: field.map { UnsafeRawBufferPointer(rebasing: bytes[$0.keyBytes...]) })
            {
                if let field {
                    if slot.pointee.valueBytes != JournalDataTable.notInline {
                        e.name(
                            field.rawValue, index: index, value: UnsafeRawPointer(slot) + JournalDataTable.valueOffset,
                            valueBytes: Int(slot.pointee.valueBytes))
                    } else {
                        e.name(field.rawValue, index: index, payloadAt: start, payloadBytes: count, in: ctx.file)
                    }
                }
            } else if let field {
                e.name(field.rawValue, index: index, payloadAt: start, payloadBytes: count, in: ctx.file)
            }
        case 1, 2, 4:
            let source = UnsafeRawBufferPointer(rebasing: ctx.file[start..<(start + count)])
            guard let n = JournalCodec.decompress(source, flags: flags, into: &scratch) else {
                return .decompressFailed
            }
            guard n <= Self.maxFieldBytes else { return .fieldTooLarge }
            if e.fieldsInFile { e.moveFieldsToPayload(from: ctx.file) }
            let begin = e.payload.count
            e.payload.append(contentsOf: scratch[0..<n])
            e.fields.append(begin..<e.payload.count)
            let field = scratch.withUnsafeBytes { JournalField.classify(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            if let field { e.name(field.rawValue, index: index, value: nil, valueBytes: 0) }
        default:
            return .unknownCompression
        }
        return nil
    }

    mutating func note(_ d: Damage, at offset: UInt64, entry: UInt64) {
        if let old = damage[d] {
            damage[d] = (old.count + 1, old.firstOffset, old.firstEntry)
        } else {
            damage[d] = (1, offset, entry)
            damageOrder.append(d)
        }
    }

    /// Problems found while reading, one per kind, each with the count and the first place.
    public var issues: [EvidenceIssue] {
        damageOrder.compactMap { d in
            guard let v = damage[d] else { return nil }
            let times = v.count == 1 ? "" : " (\(v.count) times; first shown)"
            let near = v.firstEntry > 0 ? " near entry \(v.firstEntry)" : ""
            return EvidenceIssue(
                kind: .journalDamaged, path: displayPath, offset: v.firstOffset,
                line: v.firstEntry > 0 ? v.firstEntry : nil,
                message: "journal: \(d.rawValue)\(times), at byte \(v.firstOffset)\(near)")
        }
    }

    /// Bounds-checked little-endian access to the file. Every offset comes from the file, so every read checks.
    struct Context {
        let file: UnsafeRawBufferPointer
        let compact: Bool

        /// The type and size of the object at `offset`, when its whole extent lies inside the file.
        func objectHeader(at offset: UInt64) -> (type: UInt8, size: UInt64)? {
            let count = UInt64(file.count)
            guard offset <= count, count - offset >= 16 else { return nil }
            let o = Int(offset)
            let size = u64(o + 8)
            guard size >= 16, size <= count - offset else { return nil }
            return (file[o], size)
        }

        /// The DATA object offset of item `k` of the ENTRY object at `o`, unchecked: the caller has checked the
        /// object's extent (`objectHeader`) and that `k` is below its item count.
        @inline(__always)
        func item(_ k: Int, ofEntryAt o: Int) -> UInt64 {
            let p = o &+ 64 &+ k &* (compact ? 4 : 16)
            return compact
                ? UInt64(UInt32(littleEndian: file.loadUnaligned(fromByteOffset: p, as: UInt32.self)))
                : UInt64(littleEndian: file.loadUnaligned(fromByteOffset: p, as: UInt64.self))
        }

        /// Reads 8 bytes at `o`; 0 when they are not all inside the file.
        func u64(_ o: Int) -> UInt64 {
            guard o >= 0, o <= file.count - 8 else { return 0 }
            return UInt64(littleEndian: file.loadUnaligned(fromByteOffset: o, as: UInt64.self))
        }

        func u32(_ o: Int) -> UInt32 {
            guard o >= 0, o <= file.count - 4 else { return 0 }
            return UInt32(littleEndian: file.loadUnaligned(fromByteOffset: o, as: UInt32.self))
        }

        /// Asks the CPU for the cache line at `offset` (a hint: nothing is read, any offset is harmless).
        @inline(__always)
        func prefetch(_ offset: UInt64) {
            guard offset < UInt64(file.count), let base = file.baseAddress else { return }
            cjournal_prefetch(base + Int(offset))
        }

        /// Asks for the table slots of the DATA objects of the ENTRY object at `offset`, one entry ahead of reading
        /// it: the objects an entry shares with others (a pid, a unit) are looked up in the table, whose slots lie
        /// anywhere in it, and those cache misses then overlap with the work on the entry before. (Asking for the
        /// objects themselves, as before the table, cost 25% more: 32 hints per entry, most for objects the table
        /// serves.) A hint only: a damaged entry is skipped here and reported when it is read.
        func prefetchData(ofEntryAt offset: UInt64, table: JournalDataTable) {
            guard let (type, size) = objectHeader(at: offset), type == 3, size >= 64 else { return }
            let itemBytes: UInt64 = compact ? 4 : 16
            // objectHeader checked the object's extent: its items lie inside the file.
            for k in 0..<Int((size - 64) / itemBytes) { table.prefetch(item(k, ofEntryAt: Int(offset))) }
        }

        func isZero(from offset: UInt64) -> Bool {
            guard offset < UInt64(file.count) else { return true }
            return file[Int(offset)...].allSatisfy { $0 == 0 }
        }
    }
}

/// Wraps liblzma's `lzma_stream_buffer_decode`, liblz4's `LZ4_decompress_safe` and libzstd's `ZSTD_decompress` for
/// journal DATA payloads.
public enum JournalCodec {
    /// Decompresses a DATA payload (object flags: 1 XZ, 2 LZ4, 4 ZSTD) into the start of `out`, growing it as
    /// needed up to `JournalReader.maxFieldBytes` (+1, so that a larger payload is seen as such).
    /// - Returns: the number of bytes, or `nil` when the payload is corrupt.
    public static func decompress(
        _ source: UnsafeRawBufferPointer, flags: UInt8, into out: inout [UInt8]
    ) -> Int? {
        guard let src = source.baseAddress?.assumingMemoryBound(to: UInt8.self), source.count > 0 else {
            return nil
        }
        let limit = JournalReader.maxFieldBytes + 1
        switch flags {
        case 2:
            // systemd's LZ4 payload: the decompressed size (le64), then one LZ4 block.
            guard source.count >= 8 else { return nil }
            let size = UInt64(littleEndian: source.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
            guard size <= UInt64(limit) else { return limit }
            if out.count < Int(size) { out = [UInt8](repeating: 0, count: max(Int(size), 4096)) }
            guard source.count - 8 <= Int(Int32.max) else { return nil }
            let n = out.withUnsafeMutableBytes { o -> Int32 in
                guard let dst = o.baseAddress else { return -1 }
                return LZ4_decompress_safe(
                    UnsafeRawPointer(src + 8).assumingMemoryBound(to: CChar.self),
                    dst.assumingMemoryBound(to: CChar.self), Int32(source.count - 8), Int32(size))
            }
            return n >= 0 && UInt64(n) == size ? Int(n) : nil
        case 1, 4:
            var capacity = max(out.count, 4096, min(source.count * 4, limit))
            while true {
                if out.count < capacity { out = [UInt8](repeating: 0, count: capacity) }
                var full = false
                let n = out.withUnsafeMutableBytes { o -> Int? in
                    guard let dst = o.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return nil }
                    if flags == 1 {
                        var memlimit = UInt64.max
                        var inPos = 0
                        var outPos = 0
                        let r = lzma_stream_buffer_decode(
                            &memlimit, 0, nil, src, &inPos, source.count, dst, &outPos, o.count)
                        if r == LZMA_OK { return outPos }
                        // LZMA_BUF_ERROR is also a cut input: only a full output buffer asks for more room.
                        full = r == LZMA_BUF_ERROR && outPos == o.count
                        return nil
                    }
                    let r = ZSTD_decompress(dst, o.count, src, source.count)
                    if ZSTD_isError(r) == 0 { return r }
                    full = ZSTD_getErrorCode(r) == ZSTD_error_dstSize_tooSmall
                    return nil
                }
                if let n { return n }
                guard full, capacity < limit else { return full ? limit : nil }
                capacity = min(capacity * 4, limit)
            }
        default:
            return nil
        }
    }
}
