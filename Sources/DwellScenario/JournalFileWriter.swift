/// Writes one systemd journal file in memory, as journald lays it out (systemd's "Journal File Format"):
/// regular layout, uncompressed DATA objects, keyed hash (`HEADER_INCOMPATIBLE_KEYED_HASH`: SipHash-2-4 keyed
/// by the file id).
///
///     header (272 bytes) · DATA_HASH_TABLE · FIELD_HASH_TABLE · per entry: new DATA, new FIELD, ENTRY ·
///     per DATA used by more than one entry: its ENTRY_ARRAY · the main ENTRY_ARRAY
///
/// Every DATA object is linked into its hash bucket (`next_hash_offset`) and its field's list
/// (`next_field_offset`, newest first, from the FIELD object's `head_data_offset`), and lists the entries that use
/// it (`entry_offset`, then one ENTRY_ARRAY); ENTRY items are sorted by offset, each with its DATA object's hash;
/// `xor_hash` is the XOR of lookup3 hashes of the entry's payloads. `journalctl --verify` accepts the result
/// (`JournalWriterTests`).
///
/// `appendUnlinked` writes an ENTRY (and its new DATA objects) that no entry array or DATA object cites and the
/// header does not count: what journald leaves behind when it dies between appending an entry and linking it.
public struct JournalFileWriter {
    public static let headerBytes = 272
    public static let fieldBuckets = 333
    /// `HEADER_INCOMPATIBLE_KEYED_HASH`.
    public static let keyedHashFlag: UInt32 = 1 << 2

    public enum State: UInt8, Sendable {
        case offline = 0
        case online = 1
        case archived = 2
    }

    public let fileID: [UInt8]
    public let machineID: [UInt8]
    public let seqnumID: [UInt8]
    let dataBuckets: Int
    var out: [UInt8]
    var objects: UInt64 = 0
    var tailObject: UInt64 = 0
    var dataIndex: [[UInt8]: Int] = [:]
    var dataOffsets: [UInt64] = []
    var dataHashes: [UInt64] = []
    var dataEntries: [[UInt64]] = []
    var fieldOffsets: [[UInt8]: UInt64] = [:]
    var dataHead: [UInt64]
    var dataTail: [UInt64]
    var dataDepth: [UInt32]
    var fieldHead: [UInt64]
    var fieldTail: [UInt64]
    var fieldDepth: [UInt32]
    let dataTableOffset: UInt64
    let fieldTableOffset: UInt64
    /// Offsets of the linked entries, in order.
    public private(set) var entryOffsets: [UInt64] = []
    var headSeqnum: UInt64 = 0
    var tailSeqnum: UInt64 = 0
    var headRealtime: UInt64 = 0
    var tailRealtime: UInt64 = 0
    var tailMonotonic: UInt64 = 0
    var tailBootID: [UInt8] = Array(repeating: 0, count: 16)
    var tailEntry: UInt64 = 0

    /// - Parameters:
    ///   - fileID, machineID, seqnumID: 16 bytes each, as they appear in the file.
    ///   - expectedEntries: sizes the data hash table (journald's minimum, 2047 buckets, for small files).
    public init(fileID: [UInt8], machineID: [UInt8], seqnumID: [UInt8], expectedEntries: Int = 0) {
        precondition(fileID.count == 16 && machineID.count == 16 && seqnumID.count == 16)
        self.fileID = fileID
        self.machineID = machineID
        self.seqnumID = seqnumID
        dataBuckets = max(2047, expectedEntries)
        dataHead = Array(repeating: 0, count: dataBuckets)
        dataTail = dataHead
        dataDepth = Array(repeating: 0, count: dataBuckets)
        fieldHead = Array(repeating: 0, count: Self.fieldBuckets)
        fieldTail = fieldHead
        fieldDepth = Array(repeating: 0, count: Self.fieldBuckets)
        out = Array(repeating: 0, count: Self.headerBytes)
        out.reserveCapacity(1 << 20)
        dataTableOffset = UInt64(out.count)
        out.append(contentsOf: repeatElement(0, count: 16 + 16 * dataBuckets))
        fieldTableOffset = UInt64(out.count)
        out.append(contentsOf: repeatElement(0, count: 16 + 16 * Self.fieldBuckets))
        put8(dataTableOffset, 4)
        put64(dataTableOffset + 8, UInt64(16 + 16 * dataBuckets))
        put8(fieldTableOffset, 5)
        put64(fieldTableOffset + 8, UInt64(16 + 16 * Self.fieldBuckets))
        objects = 2
        tailObject = fieldTableOffset
    }

    public var entryCount: Int { entryOffsets.count }

    // MARK: Entries

    /// Appends one entry and links it. `payloads` are its fields, each `NAME=value` (NAME non-empty, no `=`);
    /// a payload given twice is stored once. Returns the ENTRY object's offset.
    @discardableResult
    public mutating func append(
        seqnum: UInt64, realtime: UInt64, monotonic: UInt64, bootID: [UInt8], payloads: [[UInt8]]
    ) -> UInt64 {
        let offset = appendEntry(
            seqnum: seqnum, realtime: realtime, monotonic: monotonic, bootID: bootID, payloads: payloads,
            link: true)
        if entryOffsets.isEmpty {
            headSeqnum = seqnum
            headRealtime = realtime
        }
        entryOffsets.append(offset)
        tailSeqnum = seqnum
        tailRealtime = realtime
        tailMonotonic = monotonic
        tailBootID = bootID
        tailEntry = offset
        return offset
    }

    /// Appends an entry that nothing links (see the type's notes). Returns its offset.
    @discardableResult
    public mutating func appendUnlinked(
        seqnum: UInt64, realtime: UInt64, monotonic: UInt64, bootID: [UInt8], payloads: [[UInt8]]
    ) -> UInt64 {
        appendEntry(
            seqnum: seqnum, realtime: realtime, monotonic: monotonic, bootID: bootID, payloads: payloads,
            link: false)
    }

    mutating func appendEntry(
        seqnum: UInt64, realtime: UInt64, monotonic: UInt64, bootID: [UInt8], payloads: [[UInt8]], link: Bool
    ) -> UInt64 {
        precondition(bootID.count == 16)
        var items: [(offset: UInt64, hash: UInt64, index: Int)] = []
        items.reserveCapacity(payloads.count)
        var xor: UInt64 = 0
        for p in payloads {
            let index = data(p)
            guard !items.contains(where: { $0.index == index }) else { continue }
            xor ^= JournalHash.jenkins64(p)
            items.append((dataOffsets[index], dataHashes[index], index))
        }
        items.sort { $0.offset < $1.offset }
        let offset = beginObject(type: 3, size: 64 + 16 * items.count)
        put64(offset + 16, seqnum)
        put64(offset + 24, realtime)
        put64(offset + 32, monotonic)
        putBytes(offset + 40, bootID)
        put64(offset + 56, xor)
        for (k, item) in items.enumerated() {
            put64(offset + 64 + 16 * UInt64(k), item.offset)
            put64(offset + 72 + 16 * UInt64(k), item.hash)
            if link { dataEntries[item.index].append(offset) }
        }
        return offset
    }

    /// The index of the DATA object holding `payload`, appending it (and its FIELD) when new.
    mutating func data(_ payload: [UInt8]) -> Int {
        if let i = dataIndex[payload] { return i }
        let hash = JournalHash.sipHash24(payload, key: fileID)
        let offset = beginObject(type: 1, size: 64 + payload.count)
        put64(offset + 16, hash)
        out.append(contentsOf: payload)
        let bucket = Int(hash % UInt64(dataBuckets))
        if dataTail[bucket] == 0 { dataHead[bucket] = offset } else { put64(dataTail[bucket] + 24, offset) }
        dataTail[bucket] = offset
        dataDepth[bucket] += 1
        // The field: its name is the payload up to `=`; the newest DATA object heads its list.
        let name = Array(payload[..<(payload.firstIndex(of: UInt8(ascii: "=")) ?? payload.endIndex)])
        let field = self.field(name)
        put64(offset + 32, get64(field + 32))
        put64(field + 32, offset)
        let index = dataOffsets.count
        dataIndex[payload] = index
        dataOffsets.append(offset)
        dataHashes.append(hash)
        dataEntries.append([])
        return index
    }

    mutating func field(_ name: [UInt8]) -> UInt64 {
        if let o = fieldOffsets[name] { return o }
        let hash = JournalHash.sipHash24(name, key: fileID)
        let offset = beginObject(type: 2, size: 40 + name.count)
        put64(offset + 16, hash)
        out.append(contentsOf: name)
        let bucket = Int(hash % UInt64(Self.fieldBuckets))
        if fieldTail[bucket] == 0 { fieldHead[bucket] = offset } else { put64(fieldTail[bucket] + 24, offset) }
        fieldTail[bucket] = offset
        fieldDepth[bucket] += 1
        fieldOffsets[name] = offset
        return offset
    }

    // MARK: Finishing

    /// The whole file: the entry arrays appended, the hash tables and header filled in.
    public mutating func finish(state: State, tailBootIDOverride: [UInt8]? = nil) -> [UInt8] {
        for i in dataOffsets.indices {
            let entries = dataEntries[i]
            let d = dataOffsets[i]
            guard let first = entries.first else { continue }
            put64(d + 40, first)
            put64(d + 56, UInt64(entries.count))
            if entries.count > 1 { put64(d + 48, entryArray(entries[1...])) }
        }
        var mainArray: UInt64 = 0
        if !entryOffsets.isEmpty { mainArray = entryArray(entryOffsets[...]) }
        var arrays: UInt64 = 0
        for e in dataEntries where e.count > 1 { arrays += 1 }
        if mainArray != 0 { arrays += 1 }
        for b in 0..<dataBuckets {
            put64(dataTableOffset + 16 + 16 * UInt64(b), dataHead[b])
            put64(dataTableOffset + 24 + 16 * UInt64(b), dataTail[b])
        }
        for b in 0..<Self.fieldBuckets {
            put64(fieldTableOffset + 16 + 16 * UInt64(b), fieldHead[b])
            put64(fieldTableOffset + 24 + 16 * UInt64(b), fieldTail[b])
        }
        while out.count % 8 != 0 { out.append(0) }
        let h = Self.headerBytes
        putBytes(0, Array("LPKSHHRH".utf8))
        put32(8, 0)
        put32(12, Self.keyedHashFlag)
        put8(16, state.rawValue)
        putBytes(24, fileID)
        putBytes(40, machineID)
        putBytes(56, tailBootIDOverride ?? tailBootID)
        putBytes(72, seqnumID)
        put64(88, UInt64(h))
        put64(96, UInt64(out.count - h))
        put64(104, dataTableOffset + 16)
        put64(112, UInt64(16 * dataBuckets))
        put64(120, fieldTableOffset + 16)
        put64(128, UInt64(16 * Self.fieldBuckets))
        put64(136, tailObject)
        put64(144, objects)
        put64(152, UInt64(entryOffsets.count))
        put64(160, tailSeqnum)
        put64(168, headSeqnum)
        put64(176, mainArray)
        put64(184, headRealtime)
        put64(192, tailRealtime)
        put64(200, tailMonotonic)
        put64(208, UInt64(dataOffsets.count))
        put64(216, UInt64(fieldOffsets.count))
        put64(224, 0)
        put64(232, arrays)
        put64(240, UInt64(dataDepth.max() ?? 0))
        put64(248, UInt64(fieldDepth.max() ?? 0))
        if mainArray <= UInt64(UInt32.max) {
            put32(256, UInt32(mainArray))
            put32(260, UInt32(truncatingIfNeeded: entryOffsets.count))
        }
        put64(264, tailEntry)
        return out
    }

    /// One ENTRY_ARRAY object holding `entries`; returns its offset.
    mutating func entryArray(_ entries: ArraySlice<UInt64>) -> UInt64 {
        let offset = beginObject(type: 6, size: 24 + 8 * entries.count)
        for e in entries {
            withUnsafeBytes(of: e.littleEndian) { out.append(contentsOf: $0) }
        }
        return offset
    }

    // MARK: Bytes

    /// Aligns to 8 bytes, writes an object header (and zeros up to the payload's start for DATA, FIELD, ENTRY).
    mutating func beginObject(type: UInt8, size: Int) -> UInt64 {
        while out.count % 8 != 0 { out.append(0) }
        let offset = UInt64(out.count)
        let fixed: Int
        switch type {
        case 1: fixed = 64
        case 2: fixed = 40
        case 3: fixed = size
        case 6: fixed = 24
        default: fixed = 16
        }
        out.append(contentsOf: repeatElement(0, count: fixed))
        put8(offset, type)
        put64(offset + 8, UInt64(size))
        objects += 1
        tailObject = offset
        return offset
    }

    mutating func put8(_ at: UInt64, _ v: UInt8) { out[Int(at)] = v }

    mutating func put32(_ at: UInt64, _ v: UInt32) {
        for k in 0..<4 { out[Int(at) + k] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(k))) }
    }

    mutating func put64(_ at: UInt64, _ v: UInt64) {
        for k in 0..<8 { out[Int(at) + k] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(k))) }
    }

    func get64(_ at: UInt64) -> UInt64 {
        var v: UInt64 = 0
        for k in 0..<8 { v |= UInt64(out[Int(at) + k]) << (8 * UInt64(k)) }
        return v
    }

    mutating func putBytes(_ at: UInt64, _ bytes: [UInt8]) {
        for (k, b) in bytes.enumerated() { out[Int(at) + k] = b }
    }
}
