import DwellCore

/// A manifest entry as a persistent case stores it (docs/DESIGN.md, "The case on disk"). Dictionaries are
/// written in key order, so the same run always gives the same bytes.
extension FileStats {
    public func write(to w: inout BinaryWriter) {
        file.write(to: &w)
        w.string(sha256)
        w.u64(rawBytes)
        w.u64(decompressedBytes)
        w.string(compression.rawValue)
        w.int(gzipMembers)
        w.optionalString(format)
        w.u64(lines)
        w.u64(parsed)
        w.u64(nonEvents)
        w.u64(rejected)
        Self.write(rejectionsByReason, to: &w)
        w.int(samples.count)
        for s in samples {
            w.u64(s.line)
            w.u64(s.offset)
            w.string(s.reason)
            w.bool(s.column != nil)
            w.int(s.column ?? 0)
            w.data(s.raw)
        }
        w.int(issues.count)
        for i in issues { i.write(to: &w) }
        w.optionalString(duplicateOf)
        Self.write(timeSources, to: &w)
        w.optionalTime(firstTime)
        w.optionalTime(lastTime)
        w.optionalTime(yearReference)
        w.optionalString(yearReferenceSource)
        w.string(zone)
        w.bool(journal != nil)
        if let j = journal {
            w.string(j.state)
            w.string(j.compression)
            w.bool(j.compact)
            w.bool(j.keyedHash)
            w.u32(j.incompatibleFlags)
            w.u32(j.compatibleFlags)
            w.u64(j.headerEntries)
            w.u64(j.entriesRead)
            w.u64(j.entriesRecovered)
            w.u64(j.entriesLost)
            w.optionalU64(j.firstSeqnum)
            w.optionalU64(j.lastSeqnum)
            w.time(j.headRealtime)
            w.time(j.tailRealtime)
            w.string(j.seqnumID)
            w.string(j.machineID)
            w.u64(j.sourceTimeEntries)
        }
    }

    static func write(_ d: [String: UInt64], to w: inout BinaryWriter) {
        w.int(d.count)
        for (k, v) in d.sorted(by: { $0.key < $1.key }) {
            w.string(k)
            w.u64(v)
        }
    }

    static func readCounts(_ r: inout BinaryReader) throws(BinaryFormatError) -> [String: UInt64] {
        var d: [String: UInt64] = [:]
        for _ in 0..<(try r.count(minimumBytes: 16)) { d[try r.string()] = try r.u64() }
        return d
    }

    public init(reading r: inout BinaryReader) throws(BinaryFormatError) {
        self.init(file: try EvidenceFile(reading: &r))
        sha256 = try r.string()
        rawBytes = try r.u64()
        decompressedBytes = try r.u64()
        let at = r.position
        let c = try r.string()
        guard let comp = Compression(rawValue: c) else {
            throw BinaryFormatError(offset: at, what: "unknown compression \(c)")
        }
        compression = comp
        gzipMembers = try r.int()
        format = try r.optionalString()
        lines = try r.u64()
        parsed = try r.u64()
        nonEvents = try r.u64()
        rejected = try r.u64()
        rejectionsByReason = try Self.readCounts(&r)
        for _ in 0..<(try r.count(minimumBytes: 34)) {
            let line = try r.u64()
            let offset = try r.u64()
            let reason = try r.string()
            let hasColumn = try r.bool()
            let column = try r.int()
            samples.append(
                Sample(line: line, offset: offset, reason: reason, column: hasColumn ? column : nil, raw: try r.data()))
        }
        for _ in 0..<(try r.count(minimumBytes: 20)) { issues.append(try EvidenceIssue(reading: &r)) }
        duplicateOf = try r.optionalString()
        timeSources = try Self.readCounts(&r)
        firstTime = try r.optionalTime()
        lastTime = try r.optionalTime()
        yearReference = try r.optionalTime()
        yearReferenceSource = try r.optionalString()
        zone = try r.string()
        if try r.bool() {
            var j = JournalSummary(
                state: try r.string(), compression: try r.string(), compact: try r.bool(), keyedHash: try r.bool(),
                incompatibleFlags: try r.u32(), compatibleFlags: try r.u32(), headerEntries: try r.u64(),
                entriesRead: try r.u64(), entriesRecovered: try r.u64(), entriesLost: try r.u64(),
                firstSeqnum: try r.optionalU64(), lastSeqnum: try r.optionalU64(), headRealtime: try r.time(),
                tailRealtime: try r.time(), seqnumID: try r.string(), machineID: try r.string())
            j.sourceTimeEntries = try r.u64()
            journal = j
        }
    }
}

extension EvidenceIssue {
    public func write(to w: inout BinaryWriter) {
        w.string(kind.rawValue)
        w.string(path)
        w.optionalU64(offset)
        w.optionalU64(line)
        w.string(message)
        w.bool(isProblem)
    }

    public init(reading r: inout BinaryReader) throws(BinaryFormatError) {
        let at = r.position
        let k = try r.string()
        guard let kind = Kind(rawValue: k) else { throw BinaryFormatError(offset: at, what: "unknown issue kind \(k)") }
        self.init(
            kind: kind, path: try r.string(), offset: try r.optionalU64(), line: try r.optionalU64(),
            message: try r.string(), isProblem: try r.bool())
    }
}
