import DwellCore

/// A case's store read in place: every column, the symbol and address tables, the postings and the time buckets
/// are views of the mapped store file (docs/DESIGN.md, "The case on disk"), nothing is copied. Opening walks the
/// file once, reading only the counts that frame each array; a column's sections are checked against their
/// checksums when the column is first used, so a pivot reads and checks the postings and the few columns it
/// needs, and a one-hour window the rows of that hour.
///
/// Every read is bounds-checked against the view it reads (a rank, a code, a posting, a symbol's start), so a
/// store from a faulty writer yields wrong values, never a trap. A section whose checksum does not match is
/// recorded and reads as empty: call `checkIntact()` after a query and before printing its answer.
///
/// Not `Sendable`: one command reads it on one thread (it remembers which sections it has checked).
/// - Complexity: opening O(sections); a column's first use O(its bytes); each read O(1).
public final class MappedEventStore: EventColumns {
    /// The sections of the store stream, as the case file's trailer lists them: where each ends and its
    /// `SectionHash`. Section k holds the k-th array written and the scalars before it.
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
    /// Sections checked so far (0: not yet, 1: matched, 2: damaged).
    var checked: [UInt8]
    /// The first damage found, named by section.
    public private(set) var damage: String?

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
    let lineView: UnsafeBufferPointer<UInt32>
    let offsetView: MappedWide
    let kindBytes: UnsafeBufferPointer<UInt8>
    let outcomeBytes: UnsafeBufferPointer<UInt8>
    let hostView: MappedCoded
    /// The sparse columns of ids (symbols, addresses) by name.
    let sparse: [Part: MappedSparse<UInt32>]
    let destinationPortView: MappedSparse<UInt16>
    let status: MappedSparse<Int16>
    let bytesOutView: MappedInt64
    let postingBase: UnsafeBufferPointer<Int>
    let postingStarts: MappedSparse<Int32>
    let postingPositions: UnsafeBufferPointer<Int32>
    let bucketOrigin: Int64
    let bucketMicros: Int64
    let bucketStarts: UnsafeBufferPointer<Int32>
    /// The section range of each view above, by name.
    let sectionsOf: [Range<Int>]
    /// Each part's state: 0 not checked yet, 1 intact, 2 damaged.
    var partState = [UInt8](repeating: 0, count: Part.allCases.count)

    /// The parts of the store a query reads, each checked on its first read.
    public enum Part: Int, CaseIterable, Sendable {
        case symbols, addresses, time, fileID, line, offset, kind, outcome, host, sourceIP, destinationIP
        case destinationPort, user, targetUser, authMethod, program, command, httpMethod, path, query, httpStatus
        case bytesOut, userAgent, domain, service, signature, detail, sessionID, fileHash, referer, forwardedFor
        case postings, buckets
    }

    /// Walks the stream written by `EventStore.write(to:)`; checks the frame (counts that agree with the event
    /// count, sections that end where the arrays do) but not yet the contents.
    public init(stream: UnsafeRawBufferPointer, sections: Sections, owner: AnyObject) throws(BinaryFormatError) {
        var r = BinaryReader(stream)
        var arrays = 0
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
        let n = try r.int()
        guard n >= 0, n <= Int(Int32.max) else { throw bad("an event count of \(n)") }
        func sparseColumn<T: BitwiseCopyable & Equatable>(_ absent: T, length expected: Int)
            throws(BinaryFormatError) -> MappedSparse<T>
        {
            let length = try r.int()
            let words = try array(UInt64.self)
            let ranks = try array(UInt32.self)
            let stored = try array(T.self)
            let wordCount = (expected + 63) >> 6
            guard length == expected, words.count == wordCount, ranks.count == wordCount else {
                throw bad("a sparse column of \(length) events in a store of \(expected)")
            }
            return MappedSparse(absent: absent, length: length, words: words, ranks: ranks, stored: stored)
        }
        func coded() throws(BinaryFormatError) -> MappedCoded {
            let codes = try array(UInt16.self)
            let table = try array(UInt32.self)
            let escaped = try sparseColumn(UInt32(0), length: n)
            guard codes.count == n else { throw bad("a coded column's length") }
            return MappedCoded(codes: codes, table: table, escaped: escaped)
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
            bases: try array(Int64.self), wides: try array(Int32.self), distance: try array(UInt32.self),
            wide: try array(Int64.self))
        name(.time, from: at)
        guard time.distance.count == n, time.bases.count == time.wides.count,
            time.bases.count == (n + (1 << TimeColumn.blockShift) - 1) >> TimeColumn.blockShift
        else { throw bad("time column") }
        at = arrays
        let fileID = try coded()
        name(.fileID, from: at)
        at = arrays
        let line = try array(UInt32.self)
        name(.line, from: at)
        at = arrays
        let offset = MappedWide(low: try array(UInt32.self), high: try sparseColumn(UInt32(0), length: n))
        name(.offset, from: at)
        at = arrays
        let kinds = try array(UInt8.self)
        name(.kind, from: at)
        at = arrays
        let outcomes = try array(UInt8.self)
        name(.outcome, from: at)
        _ = try array(UInt16.self)  // formats
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
        _ = try sparseColumn(Int32(-1), length: n)  // pids
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
        let postingStarts = try sparseColumn(Int32(0), length: postingBase[postingBase.count - 1])
        let postingPositions = try array(Int32.self)
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
        checked = [UInt8](repeating: 0, count: sections.ends.count)
        count = n
        (self.arena, self.symbolStarts, self.symbolHashes, self.symbolSlots) =
            (arena, symbolStarts, symbolHashes, symbolSlots)
        (self.addressHigh, self.addressLow, self.addressSlots) = (addressHigh, addressLow, addressSlots)
        (timeView, fileIDView, lineView, offsetView) = (time, fileID, line, offset)
        (kindBytes, outcomeBytes, hostView) = (kinds, outcomes, host)
        self.sparse = sparse
        (self.destinationPortView, self.status, self.bytesOutView) = (destinationPort, status, bytesOut)
        (self.postingBase, self.postingStarts, self.postingPositions) = (postingBase, postingStarts, postingPositions)
        (bucketOrigin, bucketMicros, self.bucketStarts) = (origin, size, bucketStarts)
        sectionsOf = names
    }

    // MARK: Checking

    /// Whether the sections of `part` match their checksums (checked once, on its first read). The kinds and
    /// outcomes are also checked to be known values, so that reading them never guesses.
    func intact(_ part: Part) -> Bool {
        let state = partState[part.rawValue]
        if state != 0 { return state == 1 }
        var ok = true
        for k in sectionsOf[part.rawValue] where !sectionIntact(k) { ok = false }
        if !ok, damage == nil {
            damage = "the store's \(part) (sections \(sectionsOf[part.rawValue])) does not match its checksum"
        }
        if ok && (part == .kind || part == .outcome) {
            let bytes = part == .kind ? kindBytes : outcomeBytes
            let valid: (UInt8) -> Bool =
                part == .kind ? { EventKind(rawValue: $0) != nil } : { Outcome(rawValue: $0) != nil }
            if let bad = bytes.first(where: { !valid($0) }) {
                damage = damage ?? "the store's \(part) column holds the unknown value \(bad)"
                ok = false
            }
        }
        partState[part.rawValue] = ok ? 1 : 2
        return ok
    }

    /// Whether section `k` matches its checksum (hashed once).
    func sectionIntact(_ k: Int) -> Bool {
        if checked[k] == 0 {
            let from = k == 0 ? 0 : Int(sections.ends[k - 1])
            let to = Int(sections.ends[k])
            let matches =
                from <= to && to <= stream.count
                && SectionHash.of(UnsafeRawBufferPointer(rebasing: stream[from..<to])) == sections.hashes[k]
            checked[k] = matches ? 1 : 2
        }
        return checked[k] == 1
    }

    /// Checks every section (what opening the whole store does).
    public func checkAll() {
        for part in Part.allCases { _ = intact(part) }
        for k in checked.indices where !sectionIntact(k) && damage == nil {
            damage = "the store's section \(k) does not match its checksum"
        }
    }

    /// The sections a named part of the store spans, and where a section ends (test hooks).
    package func sections(of name: String) -> Range<Int>? {
        Part.allCases.first { "\($0)" == name }.map { sectionsOf[$0.rawValue] }
    }
    package func sectionEnd(_ k: Int) -> UInt64 { sections.ends[k] }

    /// Throws the first damage any read so far met.
    public func checkIntact() throws(BinaryFormatError) {
        if let damage { throw BinaryFormatError(offset: 0, what: damage) }
    }

    // MARK: Columns

    func ids(_ part: Part) -> MappedSparse<UInt32> {
        guard let c = sparse[part], intact(part) else { return .empty(absent: 0) }
        return c
    }

    public var time: MappedTime { intact(.time) ? timeView : .empty }
    public var fileID: MappedCoded { intact(.fileID) ? fileIDView : .empty }
    public var host: MappedCoded { intact(.host) ? hostView : .empty }
    public var line: MappedArray<UInt32> { MappedArray(intact(.line) ? lineView : .init(start: nil, count: 0)) }
    public var offset: MappedWide { intact(.offset) ? offsetView : .empty }
    public var kind: MappedEnum<EventKind> {
        MappedEnum(intact(.kind) ? kindBytes : .init(start: nil, count: 0), fallback: .generic)
    }
    public var outcome: MappedEnum<Outcome> {
        MappedEnum(intact(.outcome) ? outcomeBytes : .init(start: nil, count: 0), fallback: .unknown)
    }
    public var sourceIP: MappedSparse<UInt32> { ids(.sourceIP) }
    public var destinationIP: MappedSparse<UInt32> { ids(.destinationIP) }
    public var destinationPort: MappedSparse<UInt16> {
        intact(.destinationPort) ? destinationPortView : .empty(absent: 0)
    }
    public var user: MappedSparse<UInt32> { ids(.user) }
    public var targetUser: MappedSparse<UInt32> { ids(.targetUser) }
    public var command: MappedSparse<UInt32> { ids(.command) }
    public var httpMethod: MappedSparse<UInt32> { ids(.httpMethod) }
    public var path: MappedSparse<UInt32> { ids(.path) }
    public var query: MappedSparse<UInt32> { ids(.query) }
    public var httpStatus: MappedSparse<Int16> { intact(.httpStatus) ? status : .empty(absent: -1) }
    public var bytesOut: MappedInt64 { intact(.bytesOut) ? bytesOutView : .empty }
    public var userAgent: MappedSparse<UInt32> { ids(.userAgent) }
    public var domain: MappedSparse<UInt32> { ids(.domain) }
    public var fileHash: MappedSparse<UInt32> { ids(.fileHash) }

    // MARK: Symbols, addresses, postings, buckets

    public var symbolCount: Int { symbolHashes.count }

    public func withSymbolBytes<R>(_ id: UInt32, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        let i = Int(id)
        guard i > 0, i + 1 < symbolStarts.count, intact(.symbols) else {
            return body(UnsafeBufferPointer(start: nil, count: 0))
        }
        let (a, b) = (symbolStarts[i], symbolStarts[i + 1])
        guard a >= 0, a <= b, b <= arena.count else { return body(UnsafeBufferPointer(start: nil, count: 0)) }
        return body(UnsafeBufferPointer(rebasing: arena[a..<b]))
    }

    public func string(_ id: UInt32) -> String {
        id == 0 ? "" : withSymbolBytes(id) { ByteText.string($0) }
    }

    public func address(_ id: UInt32) -> IPAddress? {
        guard id > 0, Int(id) <= addressHigh.count, intact(.addresses) else { return nil }
        return IPAddress(high: addressHigh[Int(id) - 1], low: addressLow[Int(id) - 1])
    }

    /// The symbol id of `text`, probing the stored table (at most once round it).
    func symbolID(_ text: String) -> UInt32? {
        guard intact(.symbols) else { return nil }
        var s = text
        return s.withUTF8 { p -> UInt32? in
            if p.isEmpty { return nil }
            let h = SymbolTable.probeHash(p)
            let mask = symbolSlots.count - 1
            var slot = Int(h) & mask
            for _ in 0..<symbolSlots.count {
                let id = symbolSlots[slot]
                if id == 0 { return nil }
                if Int(id) < symbolHashes.count, symbolHashes[Int(id)] == h,
                    withSymbolBytes(id, { $0.elementsEqual(p) })
                {
                    return id
                }
                slot = (slot + 1) & mask
            }
            return nil
        }
    }

    /// The address id of `ip`, probing the stored table (at most once round it).
    func addressID(_ ip: IPAddress) -> UInt32? {
        guard intact(.addresses) else { return nil }
        let mask = addressSlots.count - 1
        var slot = AddressIndex.hash(ip) & mask
        for _ in 0..<addressSlots.count {
            let id = addressSlots[slot]
            if id == 0 { return nil }
            if Int(id) <= addressHigh.count, addressHigh[Int(id) - 1] == ip.high, addressLow[Int(id) - 1] == ip.low {
                return id
            }
            slot = (slot + 1) & mask
        }
        return nil
    }

    public func key(_ type: IndicatorType, _ text: String) -> IndicatorKey? {
        if type == .ip {
            guard let ip = IPAddress(text), let id = addressID(ip) else { return nil }
            return IndicatorKey(.ip, id)
        }
        return symbolID(text).map { IndicatorKey(type, $0) }
    }

    /// The positions of an indicator, in place. - Complexity: O(1).
    public func postingSlice(_ key: IndicatorKey) -> UnsafeBufferPointer<Int32> {
        let none = UnsafeBufferPointer<Int32>(start: nil, count: 0)
        guard intact(.postings) else { return none }
        let t = Int(key.type.rawValue)
        let row = postingBase[t] + Int(key.value)
        guard row < postingBase[t + 1], postingStarts.hasValue(at: row) else { return none }
        let k = postingStarts.rank(row)
        let starts = postingStarts.stored
        guard k < starts.count else { return none }
        let a = Int(starts[k])
        let b = k + 1 < starts.count ? Int(starts[k + 1]) : postingPositions.count
        guard a >= 0, a <= b, b <= postingPositions.count else { return none }
        return UnsafeBufferPointer(rebasing: postingPositions[a..<b])
    }

    /// An indicator's positions; positions past the events (a faulty writer) are left out.
    public func positions(_ key: IndicatorKey) -> [Int32] {
        postingSlice(key).filter { $0 >= 0 && Int($0) < count }
    }

    public var timeBounds: (first: Int64, last: Int64)? {
        count == 0 || !intact(.time) ? nil : (timeView[0], timeView[count - 1])
    }

    /// Positions of events in `[from, to)`: the bucket of each bound, then a binary search inside it.
    /// - Complexity: O(log n).
    public func range(from: Timestamp, to: Timestamp) -> Range<Int> {
        guard count > 0, from < to, intact(.buckets), intact(.time) else { return 0..<0 }
        let times = timeView
        let buckets = bucketStarts.count - 1
        func lowerBound(_ t: Int64) -> Int {
            let d = t.subtractingReportingOverflow(bucketOrigin)
            if d.overflow { return t < bucketOrigin ? 0 : count }
            let b = d.partialValue / bucketMicros
            if b < 0 { return 0 }
            if b >= Int64(buckets) { return count }
            var lo = min(max(Int(bucketStarts[Int(b)]), 0), count)
            var hi = min(max(Int(bucketStarts[Int(b) + 1]), lo), count)
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

/// A dense column in place; an index past it reads as 0.
public struct MappedArray<T: BitwiseCopyable & BinaryInteger>: ColumnValues {
    let values: UnsafeBufferPointer<T>
    init(_ values: UnsafeBufferPointer<T>) { self.values = values }
    public subscript(i: Int) -> T { i >= 0 && i < values.count ? values[i] : 0 }
}

/// A column of one-byte enum values in place, checked to be known values on first use.
public struct MappedEnum<E: RawRepresentable>: ColumnValues where E.RawValue == UInt8 {
    let bytes: UnsafeBufferPointer<UInt8>
    let fallback: E
    init(_ bytes: UnsafeBufferPointer<UInt8>, fallback: E) {
        self.bytes = bytes
        self.fallback = fallback
    }
    public subscript(i: Int) -> E { i >= 0 && i < bytes.count ? E(rawValue: bytes[i]) ?? fallback : fallback }
}

/// A `SparseColumn` in place (presence words, ranks, present values).
public struct MappedSparse<T: BitwiseCopyable & Equatable>: ColumnValues {
    let absent: T
    let length: Int
    let words: UnsafeBufferPointer<UInt64>
    let ranks: UnsafeBufferPointer<UInt32>
    let stored: UnsafeBufferPointer<T>

    static func empty(absent: T) -> MappedSparse {
        MappedSparse(absent: absent, length: 0, words: .init(start: nil, count: 0), ranks: .init(start: nil, count: 0),
            stored: .init(start: nil, count: 0))
    }

    public func hasValue(at i: Int) -> Bool {
        i >= 0 && i < length && (i >> 6) < words.count && words[i >> 6] & (UInt64(1) << UInt64(i & 63)) != 0
    }

    func rank(_ i: Int) -> Int {
        let w = i >> 6
        guard i >= 0, w < words.count, w < ranks.count else { return Int.max }
        return Int(ranks[w]) + (words[w] & ((UInt64(1) << UInt64(i & 63)) &- 1)).nonzeroBitCount
    }

    public subscript(i: Int) -> T {
        guard hasValue(at: i) else { return absent }
        let k = rank(i)
        return k < stored.count ? stored[k] : absent
    }
}

/// A `CodedColumn` in place.
public struct MappedCoded: ColumnValues {
    let codes: UnsafeBufferPointer<UInt16>
    let table: UnsafeBufferPointer<UInt32>
    let escaped: MappedSparse<UInt32>
    static var empty: MappedCoded {
        MappedCoded(
            codes: .init(start: nil, count: 0), table: .init(start: nil, count: 0), escaped: .empty(absent: 0))
    }

    public subscript(i: Int) -> UInt32 {
        guard i >= 0, i < codes.count else { return 0 }
        let c = codes[i]
        if c == CodedColumn.escape { return escaped[i] }
        return Int(c) < table.count ? table[Int(c)] : 0
    }
}

/// A `TimeColumn` in place.
public struct MappedTime: ColumnValues {
    let bases: UnsafeBufferPointer<Int64>
    let wides: UnsafeBufferPointer<Int32>
    let distance: UnsafeBufferPointer<UInt32>
    let wide: UnsafeBufferPointer<Int64>
    static var empty: MappedTime {
        MappedTime(
            bases: .init(start: nil, count: 0), wides: .init(start: nil, count: 0),
            distance: .init(start: nil, count: 0), wide: .init(start: nil, count: 0))
    }

    public subscript(i: Int) -> Int64 {
        let b = i >> TimeColumn.blockShift
        guard i >= 0, i < distance.count, b < bases.count, b < wides.count else { return 0 }
        let w = wides[b]
        if w < 0 { return bases[b] &+ Int64(distance[i]) }
        let k = Int(w) + (i & ((1 << TimeColumn.blockShift) - 1))
        return k < wide.count ? wide[k] : 0
    }
}

/// A `WideColumn` (byte offsets) in place.
public struct MappedWide: ColumnValues {
    let low: UnsafeBufferPointer<UInt32>
    let high: MappedSparse<UInt32>
    static var empty: MappedWide { MappedWide(low: .init(start: nil, count: 0), high: .empty(absent: 0)) }

    public subscript(i: Int) -> UInt64 {
        guard i >= 0, i < low.count else { return 0 }
        return UInt64(low[i]) | UInt64(high[i]) << 32
    }
}

/// A `SparseInt64Column` (byte counts) in place.
public struct MappedInt64: ColumnValues {
    let absent: Int64
    let low: MappedSparse<UInt32>
    let high: MappedSparse<UInt32>
    static var empty: MappedInt64 { MappedInt64(absent: -1, low: .empty(absent: 0), high: .empty(absent: 0)) }

    public subscript(i: Int) -> Int64 {
        guard low.hasValue(at: i) else { return absent }
        return Int64(bitPattern: UInt64(low[i]) | UInt64(high[i]) << 32)
    }
}
