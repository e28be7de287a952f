import DwellCore

/// A case's store read in place: every column, the symbol and address tables, the postings and the time buckets
/// are views of the mapped store file (docs/DESIGN.md, "The case on disk"), nothing is copied. Opening walks the
/// file once, reading only the counts that frame each array; each 64 KiB chunk of the file is checked against its
/// checksum when a read first touches it, so a pivot reads and checks its postings and the chunks of its rows,
/// and a one-hour window the chunks of that hour.
///
/// Every read is bounds-checked against the view it reads (a rank, a code, a posting, a symbol's start), so a
/// store from a faulty writer yields wrong values, never a trap. A chunk whose checksum does not match is
/// recorded: call `checkIntact()` after a query and before printing its answer.
///
/// Not `Sendable`: one command reads it on one thread (it remembers which chunks it has checked).
/// - Complexity: opening O(sections); each read O(1), plus hashing its chunk (64 KiB) the first time.
public final class MappedEventStore: EventColumns {
    /// The sections of the store stream, as the case file's trailer lists them: where each ends (section k holds
    /// the k-th array written and the scalars before it), and the `SectionHash` of each 64 KiB chunk.
    public struct Sections {
        public var ends: UnsafeBufferPointer<UInt64>
        public var hashes: UnsafeBufferPointer<UInt64>
        public init(ends: UnsafeBufferPointer<UInt64>, hashes: UnsafeBufferPointer<UInt64>) {
            self.ends = ends
            self.hashes = hashes
        }
    }

    let stream: UnsafeRawBufferPointer
    let sections: Sections
    /// Kept alive while the views are read (the mapping).
    let owner: AnyObject
    /// The chunks checked so far, and the first damage found.
    let check: StreamCheck
    public var damage: String? { check.damage }

    public let count: Int
    // Raw views, as walked; a column's getter checks its sections first.
    let arena: UnsafeBufferPointer<UInt8>
    let symbolStarts: UnsafeBufferPointer<Int>
    let symbolHashes: UnsafeBufferPointer<UInt32>
    let symbolSlots: UnsafeBufferPointer<UInt32>
    let addressHigh: UnsafeBufferPointer<UInt64>
    let addressLow: UnsafeBufferPointer<UInt64>
    let addressSlots: UnsafeBufferPointer<UInt32>
    let timeView: MappedTime
    let fileIDView: MappedCoded
    let lineView: MappedArray<UInt32>
    let offsetView: MappedWide
    let kindView: MappedKinds
    let outcomeView: MappedOutcomes
    let hostView: MappedCoded
    /// The sparse columns of ids (symbols, addresses), in stored properties: a column is read per event, and a
    /// look-up by name on each read cost more than the read.
    let sourceIPView, destinationIPView, userView, targetUserView, programView, commandView: MappedSparse<UInt32>
    let httpMethodView, pathView, queryView, userAgentView, domainView, serviceView: MappedSparse<UInt32>
    let signatureView, sessionIDView, fileHashView, detailView: MappedSparse<UInt32>
    let pidView: MappedSparse<Int32>
    let destinationPortView: MappedSparse<UInt16>
    let status: MappedSparse<Int16>
    let bytesOutView: MappedInt64
    let postingBase: UnsafeBufferPointer<Int>
    /// Each held row's byte start in `postingBytes`, the lists' distances (`PostingBytes`).
    let postingStarts: MappedSparse<UInt64>
    let postingBytes: UnsafeBufferPointer<UInt8>
    let bucketOrigin: Int64
    let bucketMicros: Int64
    let bucketStarts: UnsafeBufferPointer<Int32>
    /// The section range of each view above, by name.
    let sectionsOf: [Range<Int>]
    /// The parts of the store a query reads (for messages and tests).
    public enum Part: Int, CaseIterable, Sendable {
        case symbols, addresses, time, fileID, line, offset, kind, outcome, host, sourceIP, destinationIP
        case destinationPort, user, targetUser, authMethod, program, pid, command, httpMethod, path, query, httpStatus
        case bytesOut, userAgent, domain, service, signature, detail, sessionID, fileHash, referer, forwardedFor
        case postings, buckets
    }

    /// Walks the stream written by `EventStore.write(to:)`; checks the frame (counts that agree with the event
    /// count, sections that end where the arrays do) but not yet the contents.
    public init(stream: UnsafeRawBufferPointer, sections: Sections, owner: AnyObject) throws(BinaryFormatError) {
        var r = BinaryReader(stream)
        var arrays = 0
        let chunks = (stream.count + (1 << StreamCheck.chunkShift) - 1) >> StreamCheck.chunkShift
        guard sections.hashes.count == chunks else {
            throw BinaryFormatError(offset: 0, what: "event store: \(sections.hashes.count) chunk checksums for \(chunks) chunks")
        }
        let check = StreamCheck(stream: stream, hashes: sections.hashes)
        var names = [Range<Int>](repeating: 0..<0, count: Part.allCases.count)
        func bad(_ what: String) -> BinaryFormatError {
            BinaryFormatError(offset: r.position, what: "event store: \(what)")
        }
        func array<T: BitwiseCopyable>(_: T.Type) throws(BinaryFormatError) -> UnsafeBufferPointer<T> {
            let a: UnsafeBufferPointer<T> = try r.arrayInPlace()
            // Section `arrays` must end where this array does.
            guard arrays < sections.ends.count, sections.ends[arrays] == UInt64(r.position) else {
                throw bad("section \(arrays) does not end where its array does")
            }
            arrays += 1
            return a
        }
        func name(_ part: Part, from: Int) { names[part.rawValue] = from..<arrays }
        /// A `NarrowIntegers` array: its width, then its bytes (one section).
        func narrow<T: FixedWidthInteger>(_: T.Type) throws(BinaryFormatError) -> NarrowView<T> {
            let at = r.position
            let width = try r.int()
            return try NarrowView(width: width, bytes: try array(UInt8.self), at: at)
        }
        let n = try r.int()
        guard n >= 0, n <= Int(Int32.max) else { throw bad("an event count of \(n)") }
        func sparseColumn<T: FixedWidthInteger>(_ absent: T, length expected: Int)
            throws(BinaryFormatError) -> MappedSparse<T>
        {
            let length = try r.int()
            let words = try array(UInt64.self)
            let ranks = try array(UInt32.self)
            let stored = try narrow(T.self)
            let wordCount = (expected + 63) >> 6
            // Without presence bits no event has a value, or every one has.
            let bitless = words.isEmpty && ranks.isEmpty
            guard length == expected,
                bitless
                    ? stored.count == 0 || stored.count == expected
                    : words.count == wordCount && ranks.count == wordCount
            else {
                throw bad("a sparse column of \(length) events in a store of \(expected)")
            }
            return MappedSparse(
                absent: absent, length: length, words: words, ranks: ranks, stored: stored,
                full: bitless && stored.count > 0, check: CheckRef(check))
        }
        func coded() throws(BinaryFormatError) -> MappedCoded {
            let codes = try narrow(UInt16.self)
            let table = try array(UInt32.self)
            let escaped = try sparseColumn(UInt32(0), length: n)
            guard codes.count == n else { throw bad("a coded column's length") }
            return MappedCoded(codes: codes, table: table, escaped: escaped, check: CheckRef(check))
        }
        var at = arrays
        let arena = try array(UInt8.self)
        let symbolStarts = try array(Int.self)
        let symbolHashes = try array(UInt32.self)
        let symbolSlots = try array(UInt32.self)
        name(.symbols, from: at)
        guard symbolHashes.count >= 1, symbolStarts.count == symbolHashes.count + 1, symbolSlots.count >= 2,
            symbolSlots.count & (symbolSlots.count - 1) == 0
        else { throw bad("symbol table") }
        at = arrays
        let addressHigh = try array(UInt64.self)
        let addressLow = try array(UInt64.self)
        let addressSlots = try array(UInt32.self)
        name(.addresses, from: at)
        guard addressHigh.count == addressLow.count, addressSlots.count >= 2,
            addressSlots.count & (addressSlots.count - 1) == 0
        else { throw bad("address table") }
        at = arrays
        let time = MappedTime(
            bases: try array(Int64.self), wides: try array(Int32.self), distance: try narrow(UInt32.self),
            wide: try array(Int64.self), check: CheckRef(check))
        name(.time, from: at)
        guard time.distance.count == n, time.bases.count == time.wides.count,
            time.bases.count == (n + (1 << TimeColumn.blockShift) - 1) >> TimeColumn.blockShift
        else { throw bad("time column") }
        at = arrays
        let fileID = try coded()
        name(.fileID, from: at)
        at = arrays
        let line = try narrow(UInt32.self)
        name(.line, from: at)
        at = arrays
        let offset = MappedWide(
            low: try narrow(UInt32.self), high: try sparseColumn(UInt32(0), length: n), check: CheckRef(check))
        name(.offset, from: at)
        at = arrays
        let kinds = try array(UInt8.self)
        name(.kind, from: at)
        at = arrays
        let outcomes = try array(UInt8.self)
        name(.outcome, from: at)
        _ = try narrow(UInt16.self)  // formats
        at = arrays
        let host = try coded()
        name(.host, from: at)
        _ = try array(UInt8.self)  // time sources
        guard line.count == n, offset.low.count == n, kinds.count == n, outcomes.count == n else {
            throw bad("a dense column's length")
        }
        var sparse: [Part: MappedSparse<UInt32>] = [:]
        func ids(_ keys: Part...) throws(BinaryFormatError) {
            for key in keys {
                let from = arrays
                sparse[key] = try sparseColumn(UInt32(0), length: n)
                name(key, from: from)
            }
        }
        try ids(.sourceIP, .destinationIP)
        _ = try sparseColumn(UInt16(0), length: n)  // source ports
        at = arrays
        let destinationPort = try sparseColumn(UInt16(0), length: n)
        name(.destinationPort, from: at)
        try ids(.user, .targetUser, .authMethod, .program)
        at = arrays
        let pids = try sparseColumn(Int32(-1), length: n)
        name(.pid, from: at)
        try ids(.command, .httpMethod, .path, .query)
        at = arrays
        let status = try sparseColumn(Int16(-1), length: n)
        name(.httpStatus, from: at)
        at = arrays
        let bytesOut = MappedInt64(
            absent: -1, low: try sparseColumn(UInt32(0), length: n), high: try sparseColumn(UInt32(0), length: n))
        name(.bytesOut, from: at)
        _ = try sparseColumn(UInt32(0), length: n)  // bytes in, low halves
        _ = try sparseColumn(UInt32(0), length: n)  // bytes in, high halves
        try ids(.userAgent, .domain, .service, .signature)
        _ = try sparseColumn(Int8(-1), length: n)  // severities
        try ids(.detail, .sessionID, .fileHash, .referer, .forwardedFor)
        _ = try sparseColumn(Int32(1), length: n)  // repeat counts
        _ = try sparseColumn(UInt8(0), length: n)  // locality
        at = arrays
        let postingBase = try array(Int.self)
        guard postingBase.count == IndicatorType.allCases.count + 1, postingBase[0] == 0,
            zip(postingBase, postingBase.dropFirst()).allSatisfy({ $0 <= $1 })
        else { throw bad("posting rows") }
        let postingStarts = try sparseColumn(UInt64(0), length: postingBase[postingBase.count - 1])
        let postingBytes = try array(UInt8.self)
        name(.postings, from: at)
        at = arrays
        let origin = try r.i64()
        let size = try r.i64()
        let bucketStarts = try array(Int32.self)
        _ = try array(UInt32.self)  // counts by kind
        name(.buckets, from: at)
        guard size > 0 else { throw bad("time buckets") }
        guard arrays == sections.ends.count, r.position == stream.count else {
            throw bad("\(sections.ends.count) sections listed, \(arrays) written")
        }
        self.stream = stream
        self.sections = sections
        self.owner = owner
        self.check = check
        count = n
        (self.arena, self.symbolStarts, self.symbolHashes, self.symbolSlots) =
            (arena, symbolStarts, symbolHashes, symbolSlots)
        (self.addressHigh, self.addressLow, self.addressSlots) = (addressHigh, addressLow, addressSlots)
        (timeView, fileIDView, offsetView, hostView) = (time, fileID, offset, host)
        lineView = MappedArray(values: line, check: CheckRef(check))
        kindView = MappedKinds(column: MappedEnumBytes(bytes: kinds, name: "kind", check: CheckRef(check)))
        outcomeView = MappedOutcomes(column: MappedEnumBytes(bytes: outcomes, name: "outcome", check: CheckRef(check)))
        func ids(_ part: Part) -> MappedSparse<UInt32> {
            sparse[part]
                ?? MappedSparse(
                    absent: 0, length: 0, words: .init(start: nil, count: 0), ranks: .init(start: nil, count: 0),
                    stored: NarrowView(), full: false, check: CheckRef(check))
        }
        (sourceIPView, destinationIPView, userView, targetUserView) =
            (ids(.sourceIP), ids(.destinationIP), ids(.user), ids(.targetUser))
        (programView, commandView, httpMethodView, pathView, queryView) =
            (ids(.program), ids(.command), ids(.httpMethod), ids(.path), ids(.query))
        (userAgentView, domainView, serviceView, signatureView) =
            (ids(.userAgent), ids(.domain), ids(.service), ids(.signature))
        (sessionIDView, fileHashView, pidView) = (ids(.sessionID), ids(.fileHash), pids)
        detailView = ids(.detail)
        (self.destinationPortView, self.status, self.bytesOutView) = (destinationPort, status, bytesOut)
        (self.postingBase, self.postingStarts, self.postingBytes) = (postingBase, postingStarts, postingBytes)
        (bucketOrigin, bucketMicros, self.bucketStarts) = (origin, size, bucketStarts)
        sectionsOf = names
        // A damaged chunk is named by the parts it overlaps.
        let ends = Array(sections.ends)
        check.describe = { from in
            let to = UInt64(from + (1 << StreamCheck.chunkShift))
            let first = ends.firstIndex { $0 > UInt64(from) } ?? ends.count
            let last = ends.firstIndex { $0 >= to } ?? (ends.count - 1)
            let parts = Part.allCases.filter { p in names[p.rawValue].overlaps(first..<(last + 1)) }
            return parts.isEmpty ? "frame" : parts.map { "\($0)" }.joined(separator: ", ")
        }
    }

    // MARK: Checking

    /// Checks every chunk (what opening the whole store does).
    public func checkAll() { check.checkAll() }

    /// The sections a named part of the store spans, and where a section ends (test hooks).
    package func sections(of name: String) -> Range<Int>? {
        Part.allCases.first { "\($0)" == name }.map { sectionsOf[$0.rawValue] }
    }
    package func sectionEnd(_ k: Int) -> UInt64 { sections.ends[k] }

    /// Throws the first damage any read so far met.
    public func checkIntact() throws(BinaryFormatError) {
        if let damage = check.damage { throw BinaryFormatError(offset: check.damageOffset, what: damage) }
    }

    // MARK: Columns

    public var time: MappedTime { timeView }
    public var fileID: MappedCoded { fileIDView }
    public var host: MappedCoded { hostView }
    public var line: MappedLines { MappedLines(column: lineView) }
    public var offset: MappedWide { offsetView }
    public var kind: MappedKinds { kindView }
    public var outcome: MappedOutcomes { outcomeView }
    public var sourceIP: MappedIDs { MappedIDs(column: sourceIPView) }
    public var destinationIP: MappedIDs { MappedIDs(column: destinationIPView) }
    public var destinationPort: MappedPorts { MappedPorts(column: destinationPortView) }
    public var user: MappedIDs { MappedIDs(column: userView) }
    public var targetUser: MappedIDs { MappedIDs(column: targetUserView) }
    public var command: MappedIDs { MappedIDs(column: commandView) }
    public var httpMethod: MappedIDs { MappedIDs(column: httpMethodView) }
    public var path: MappedIDs { MappedIDs(column: pathView) }
    public var query: MappedIDs { MappedIDs(column: queryView) }
    public var httpStatus: MappedStatuses { MappedStatuses(column: status) }
    public var bytesOut: MappedInt64 { bytesOutView }
    public var userAgent: MappedIDs { MappedIDs(column: userAgentView) }
    public var domain: MappedIDs { MappedIDs(column: domainView) }
    public var fileHash: MappedIDs { MappedIDs(column: fileHashView) }
    public var program: MappedIDs { MappedIDs(column: programView) }
    public var pid: MappedPIDs { MappedPIDs(column: pidView) }
    public var service: MappedIDs { MappedIDs(column: serviceView) }
    public var signature: MappedIDs { MappedIDs(column: signatureView) }
    public var sessionID: MappedIDs { MappedIDs(column: sessionIDView) }
    public var detail: MappedIDs { MappedIDs(column: detailView) }

    // MARK: Symbols, addresses, postings, buckets

    public var symbolCount: Int { symbolHashes.count }

    public func withSymbolBytes<R>(_ id: UInt32, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        let i = Int(id)
        guard i > 0, i + 1 < symbolStarts.count else { return body(UnsafeBufferPointer(start: nil, count: 0)) }
        let (a, b) = (check.at(symbolStarts, i), check.at(symbolStarts, i + 1))
        guard a >= 0, a <= b, b <= arena.count else { return body(UnsafeBufferPointer(start: nil, count: 0)) }
        let bytes = UnsafeBufferPointer(rebasing: arena[a..<b])
        check.touch(all: bytes)
        return body(bytes)
    }

    public func string(_ id: UInt32) -> String {
        id == 0 ? "" : withSymbolBytes(id) { ByteText.string($0) }
    }

    public func address(_ id: UInt32) -> IPAddress? {
        guard id > 0, Int(id) <= addressHigh.count else { return nil }
        return IPAddress(high: check.at(addressHigh, Int(id) - 1), low: check.at(addressLow, Int(id) - 1))
    }

    /// The symbol id of `text`, probing the stored table (at most once round it).
    func symbolID(_ text: String) -> UInt32? {
        var s = text
        return s.withUTF8 { p -> UInt32? in
            if p.isEmpty { return nil }
            let h = SymbolTable.probeHash(p)
            let mask = symbolSlots.count - 1
            var slot = Int(h) & mask
            for _ in 0..<symbolSlots.count {
                let id = check.at(symbolSlots, slot)
                if id == 0 { return nil }
                if Int(id) < symbolHashes.count, check.at(symbolHashes, Int(id)) == h,
                    withSymbolBytes(id, { $0.elementsEqual(p) })
                {
                    return id
                }
                slot = (slot + 1) & mask
            }
            return nil
        }
    }

    public var addressCount: Int { addressHigh.count }

    /// The address id of `ip`, probing the stored table (at most once round it).
    public func addressID(of ip: IPAddress) -> UInt32? {
        let mask = addressSlots.count - 1
        var slot = AddressIndex.hash(ip) & mask
        for _ in 0..<addressSlots.count {
            let id = check.at(addressSlots, slot)
            if id == 0 { return nil }
            if Int(id) <= addressHigh.count, check.at(addressHigh, Int(id) - 1) == ip.high,
                check.at(addressLow, Int(id) - 1) == ip.low
            {
                return id
            }
            slot = (slot + 1) & mask
        }
        return nil
    }

    public func key(_ type: IndicatorType, _ text: String) -> IndicatorKey<UInt32>? {
        if type == .ip {
            guard let ip = IPAddress(text), let id = addressID(of: ip) else { return nil }
            return IndicatorKey(.ip, id)
        }
        return symbolID(text).map { IndicatorKey(type, $0) }
    }

    /// An indicator's positions, decoded from its distances (`PostingBytes`) on the first request and kept for the
    /// next (the correlator's rounds ask a held host's addresses again each round); positions past the events (a
    /// faulty writer) are left out. - Complexity: O(list length) the first time, then O(1).
    public func positions(_ key: IndicatorKey<UInt32>) -> [Int32] {
        if let list = decodedPostings[key] { return list }
        let list = decodePositions(key)
        decodedPostings[key] = list
        return list
    }

    /// Lists decoded so far (`positions`, `postingSlice`).
    var decodedPostings: [IndicatorKey<UInt32>: [Int32]] = [:]

    func decodePositions(_ key: IndicatorKey<UInt32>) -> [Int32] {
        let t = Int(key.type.rawValue)
        let row = check.at(postingBase, t) + Int(key.value)
        guard row < check.at(postingBase, t + 1), postingStarts.hasValue(at: row) else { return [] }
        let k = postingStarts.rank(row)
        guard let a = postingStarts.value(k).map({ Int(clamping: $0) }) else { return [] }
        let b = postingStarts.value(k + 1).map { Int(clamping: $0) } ?? postingBytes.count
        guard a >= 0, a <= b, b <= postingBytes.count else { return [] }
        let bytes = UnsafeBufferPointer(rebasing: postingBytes[a..<b])
        check.touch(all: bytes)
        var out: [Int32] = []
        out.reserveCapacity(bytes.count)
        PostingBytes.decode(bytes, into: &out)
        return out.filter { $0 >= 0 && Int($0) < count }
    }

    /// An indicator's positions as a slice of the list `positions` keeps. - Complexity: as `positions`.
    public func postingSlice(_ key: IndicatorKey<UInt32>) -> ArraySlice<Int32> { positions(key)[...] }

    /// The positions of the events whose kind `kinds` holds, in order: one pass over the kind column's bytes with a
    /// table of the 256 byte values, instead of reading each event's kind through the column view (the
    /// correlator's indexes of logins, session closes and account changes). Every chunk of the column is checked,
    /// as a read of every kind would; a byte no dwell writes reads as `.generic` and is recorded, as `kind[i]` does.
    /// - Complexity: O(n).
    public func positions(ofKinds kinds: [EventKind]) -> [Int32] {
        let bytes = kindView.column.bytes
        guard let base = bytes.baseAddress, bytes.count > 0 else { return [] }
        check.touch(all: bytes)
        // Per byte value: 0 not wanted, 1 wanted, 2 a value no dwell writes (wanted when `.generic` is).
        var table = [UInt8](repeating: 0, count: 256)
        for v in 0..<256 {
            if let k = EventKind(rawValue: UInt8(v)) {
                table[v] = kinds.contains(k) ? 1 : 0
            } else {
                table[v] = 2
            }
        }
        let genericWanted = kinds.contains(.generic)
        var out: [Int32] = []
        table.withUnsafeBufferPointer { t in
            // `i` stays below `bytes.count` (≤ Int32.max events, checked on opening); `t` has 256 entries.
            for i in 0..<bytes.count {
                let v = base[i]
                let w = t[Int(v)]
                if w == 0 { continue }
                if w == 2 {
                    check.unknown("kind", v, at: UnsafeRawPointer(base + i))
                    if !genericWanted { continue }
                }
                out.append(Int32(truncatingIfNeeded: i))
            }
        }
        return out
    }

    public var timeBounds: (first: Int64, last: Int64)? {
        count == 0 ? nil : (timeView[0], timeView[count - 1])
    }

    /// Positions of events in `[from, to)`: the bucket of each bound, then a binary search inside it.
    /// - Complexity: O(log n).
    public func range(from: Timestamp, to: Timestamp) -> Range<Int> {
        guard count > 0, from < to else { return 0..<0 }
        let times = timeView
        let buckets = bucketStarts.count - 1
        func lowerBound(_ t: Int64) -> Int {
            let d = t.subtractingReportingOverflow(bucketOrigin)
            if d.overflow { return t < bucketOrigin ? 0 : count }
            let b = d.partialValue / bucketMicros
            if b < 0 { return 0 }
            if b >= Int64(buckets) { return count }
            var lo = min(max(Int(check.at(bucketStarts, Int(b))), 0), count)
            var hi = min(max(Int(check.at(bucketStarts, Int(b) + 1)), lo), count)
            while lo < hi {
                let mid = (lo + hi) / 2
                if times[mid] < t { lo = mid + 1 } else { hi = mid }
            }
            return lo
        }
        let a = lowerBound(from.microseconds)
        return a..<max(a, lowerBound(to.microseconds))
    }
}

// MARK: Column views

/// Which 64 KiB chunks of a mapped store stream match their `SectionHash`: each is hashed on its first read.
/// The column views hold it unretained (`CheckRef`): like the mapping they read, it lives as long as the store,
/// and a view is made and read per event (a retain and a release on each read measured a tenth of a correlation).
/// A chunk that does not match, or an enum value no dwell writes, is recorded (`damage`); reads go on, bounds-checked.
final class StreamCheck {
    static let chunkShift = 16
    let stream: UnsafeRawBufferPointer
    let hashes: UnsafeBufferPointer<UInt64>
    /// Per chunk: 0 not read yet, 1 matched, 2 damaged. A buffer, not an array: it is read on every value read,
    /// and an array property of a class is checked for exclusive access on each.
    let state: UnsafeMutableBufferPointer<UInt8>
    var damage: String?
    /// Where in the stream the first damage is: the start of the chunk that did not match, or the unknown value.
    var damageOffset = 0
    /// Names the part of the store a chunk belongs to, for the message (set once the walk knows the parts).
    var describe: (Int) -> String = { "bytes from \($0)" }

    init(stream: UnsafeRawBufferPointer, hashes: UnsafeBufferPointer<UInt64>) {
        self.stream = stream
        self.hashes = hashes
        state = .allocate(capacity: hashes.count)
        state.initialize(repeating: 0)
    }

    deinit { state.deallocate() }

    /// Value `k` of `v` (a view of the stream), the chunks of its first and last byte checked first; `k` must be
    /// inside `v`.
    @inline(__always) func at<T>(_ v: NarrowView<T>, _ k: Int) -> T {
        if let (first, last) = v.ends(k) {
            touch(first)
            touch(last)
        }
        return v.value(k)
    }

    /// Element `j` of `b` (a view of the stream), its chunk checked first; `j` must be inside `b`.
    @inline(__always) func at<T>(_ b: UnsafeBufferPointer<T>, _ j: Int) -> T {
        if let p = b.baseAddress { touch(UnsafeRawPointer(p + j)) }
        return b[j]
    }

    /// Checks the chunk holding `p`.
    @inline(__always) func touch(_ p: UnsafeRawPointer) {
        guard let base = stream.baseAddress else { return }
        let c = (p - base) >> Self.chunkShift
        if c >= 0, c < state.count, state[c] == 0 { verify(c) }
    }

    /// Checks every chunk that `b` spans.
    func touch<T>(all b: UnsafeBufferPointer<T>) {
        guard let p = b.baseAddress, let base = stream.baseAddress, b.count > 0 else { return }
        let first = (UnsafeRawPointer(p) - base) >> Self.chunkShift
        let last = (UnsafeRawPointer(p + (b.count - 1)) - base) >> Self.chunkShift
        for c in max(first, 0)...max(last, 0) where c < state.count && state[c] == 0 { verify(c) }
    }

    func verify(_ c: Int) {
        let from = c << Self.chunkShift
        let to = min(from + (1 << Self.chunkShift), stream.count)
        let ok = from < to && SectionHash.of(UnsafeRawBufferPointer(rebasing: stream[from..<to])) == hashes[c]
        state[c] = ok ? 1 : 2
        if !ok && damage == nil {
            damage = "the store's \(describe(from)) (a chunk of \(to - from) bytes) do not match their checksum"
            damageOffset = from
        }
    }

    /// Records a value no dwell writes, read at `p` (inside the stream).
    func unknown(_ what: String, _ value: UInt8, at p: UnsafeRawPointer) {
        guard damage == nil else { return }
        damage = "the store's \(what) column holds the unknown value \(value)"
        damageOffset = stream.baseAddress.map { p - $0 } ?? 0
    }

    func checkAll() { for c in state.indices where state[c] == 0 { verify(c) } }
}

/// A `StreamCheck` held without a reference count: views are copied on every read of a column, and the store
/// that owns the check (and the mapping the views read) outlives them.
struct CheckRef {
    let ref: Unmanaged<StreamCheck>
    init(_ check: StreamCheck) { ref = .passUnretained(check) }
    @inline(__always) func at<T>(_ v: NarrowView<T>, _ k: Int) -> T { ref._withUnsafeGuaranteedRef { $0.at(v, k) } }
    @inline(__always) func at<T>(_ b: UnsafeBufferPointer<T>, _ j: Int) -> T {
        ref._withUnsafeGuaranteedRef { $0.at(b, j) }
    }
    func unknown(_ what: String, _ value: UInt8, at p: UnsafeRawPointer) {
        ref._withUnsafeGuaranteedRef { $0.unknown(what, value, at: p) }
    }
}

/// A dense column in place; an index past it reads as 0.
public struct MappedArray<T: FixedWidthInteger>: ColumnValues {
    let values: NarrowView<T>
    let check: CheckRef
    public subscript(i: Int) -> T { i >= 0 && i < values.count ? check.at(values, i) : 0 }
}

/// A column of one-byte enum values in place; a value no dwell writes reads as nil and is recorded.
struct MappedEnumBytes {
    let bytes: UnsafeBufferPointer<UInt8>
    /// The column's name, static so that copying a view retains nothing.
    let name: StaticString
    let check: CheckRef
    @inline(__always) func value<E>(_ i: Int, _ make: (UInt8) -> E?) -> E? {
        guard i >= 0 && i < bytes.count else { return nil }
        let v = check.at(bytes, i)
        guard let e = make(v) else {
            if let p = bytes.baseAddress { check.unknown("\(name)", v, at: UnsafeRawPointer(p + i)) }
            return nil
        }
        return e
    }
}

/// The kinds in place (`.generic` past the column or for a value no dwell writes). One type per enum: a generic
/// column read from another module looked the enum's metadata up on every read (a sixth of a correlation's time).
public struct MappedKinds: ColumnValues {
    let column: MappedEnumBytes
    public subscript(i: Int) -> EventKind { column.value(i, EventKind.init(rawValue:)) ?? .generic }
}

/// The outcomes in place (`.unknown` past the column or for a value no dwell writes).
public struct MappedOutcomes: ColumnValues {
    let column: MappedEnumBytes
    public subscript(i: Int) -> Outcome { column.value(i, Outcome.init(rawValue:)) ?? .unknown }
}

/// A `SparseColumn` in place (presence words, ranks, present values). A column written without presence bits
/// has no value (`stored` empty) or one for every event (`full`).
public struct MappedSparse<T: FixedWidthInteger>: ColumnValues {
    let absent: T
    let length: Int
    let words: UnsafeBufferPointer<UInt64>
    let ranks: UnsafeBufferPointer<UInt32>
    let stored: NarrowView<T>
    let full: Bool
    let check: CheckRef

    public func hasValue(at i: Int) -> Bool {
        i >= 0 && i < length
            && (full || (i >> 6) < words.count && check.at(words, i >> 6) & (UInt64(1) << UInt64(i & 63)) != 0)
    }

    func rank(_ i: Int) -> Int {
        if full { return i >= 0 && i < length ? i : Int.max }
        let w = i >> 6
        guard i >= 0, w < words.count, w < ranks.count else { return Int.max }
        return Int(check.at(ranks, w)) + (check.at(words, w) & ((UInt64(1) << UInt64(i & 63)) &- 1)).nonzeroBitCount
    }

    func value(_ k: Int) -> T? { k >= 0 && k < stored.count ? check.at(stored, k) : nil }

    public subscript(i: Int) -> T {
        guard hasValue(at: i) else { return absent }
        return value(rank(i)) ?? absent
    }
}

// The columns as the readers in other modules see them: one concrete type per value type, whose reads are compiled
// here for that type (a generic column read from another module was not specialised: it looked its value type's
// metadata up on every read).

/// A sparse column of symbol or address ids in place.
public struct MappedIDs: ColumnValues {
    let column: MappedSparse<UInt32>
    public subscript(i: Int) -> UInt32 { column[i] }
    public func hasValue(at i: Int) -> Bool { column.hasValue(at: i) }
}

/// The process ids in place (-1 for none).
public struct MappedPIDs: ColumnValues {
    let column: MappedSparse<Int32>
    public subscript(i: Int) -> Int32 { column[i] }
    public func hasValue(at i: Int) -> Bool { column.hasValue(at: i) }
}

/// The destination ports in place (0 for none; `hasValue` tells port 0 from none).
public struct MappedPorts: ColumnValues {
    let column: MappedSparse<UInt16>
    public subscript(i: Int) -> UInt16 { column[i] }
    public func hasValue(at i: Int) -> Bool { column.hasValue(at: i) }
}

/// The HTTP statuses in place (-1 for none).
public struct MappedStatuses: ColumnValues {
    let column: MappedSparse<Int16>
    public subscript(i: Int) -> Int16 { column[i] }
    public func hasValue(at i: Int) -> Bool { column.hasValue(at: i) }
}

/// The line numbers in place.
public struct MappedLines: ColumnValues {
    let column: MappedArray<UInt32>
    public subscript(i: Int) -> UInt32 { column[i] }
}

/// A `CodedColumn` in place.
public struct MappedCoded: ColumnValues {
    let codes: NarrowView<UInt16>
    let table: UnsafeBufferPointer<UInt32>
    let escaped: MappedSparse<UInt32>
    let check: CheckRef

    public subscript(i: Int) -> UInt32 {
        guard i >= 0, i < codes.count else { return 0 }
        let c = check.at(codes, i)
        if c == CodedColumn.escape { return escaped[i] }
        return Int(c) < table.count ? check.at(table, Int(c)) : 0
    }
}

/// A `TimeColumn` in place.
public struct MappedTime: ColumnValues {
    let bases: UnsafeBufferPointer<Int64>
    let wides: UnsafeBufferPointer<Int32>
    let distance: NarrowView<UInt32>
    let wide: UnsafeBufferPointer<Int64>
    let check: CheckRef

    public subscript(i: Int) -> Int64 {
        let b = i >> TimeColumn.blockShift
        guard i >= 0, i < distance.count, b < bases.count, b < wides.count else { return 0 }
        let w = check.at(wides, b)
        if w < 0 { return check.at(bases, b) &+ Int64(check.at(distance, i)) }
        let k = Int(w) + (i & ((1 << TimeColumn.blockShift) - 1))
        return k >= 0 && k < wide.count ? check.at(wide, k) : 0
    }
}

/// A `WideColumn` (byte offsets) in place.
public struct MappedWide: ColumnValues {
    let low: NarrowView<UInt32>
    let high: MappedSparse<UInt32>
    let check: CheckRef

    public subscript(i: Int) -> UInt64 {
        guard i >= 0, i < low.count else { return 0 }
        return UInt64(check.at(low, i)) | UInt64(high[i]) << 32
    }
}

/// A `SparseInt64Column` (byte counts) in place.
public struct MappedInt64: ColumnValues {
    let absent: Int64
    let low: MappedSparse<UInt32>
    let high: MappedSparse<UInt32>

    public subscript(i: Int) -> Int64 {
        guard low.hasValue(at: i) else { return absent }
        return Int64(bitPattern: UInt64(low[i]) | UInt64(high[i]) << 32)
    }
}
