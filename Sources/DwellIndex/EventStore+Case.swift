import DwellCore

/// The store as a persistent case holds it (docs/DESIGN.md, "The case on disk", version 3): every column's arrays
/// as they are in memory but with integers narrowed (`NarrowIntegers`) and no presence bits for a column that no
/// event or every event has, the symbol table, the addresses with their probe table, the postings as distances
/// (`PostingBytes`) and the time buckets. Reading copies or widens each array out of the mapped file once and
/// decodes the postings; nothing is parsed, sorted or indexed again.
extension EventStore {
    public func write(to w: inout BinaryWriter) {
        w.int(count)
        symbols.write(to: &w)
        w.array(addresses.map(\.high))
        w.array(addresses.map(\.low))
        w.array(addressIndex.slots)
        // Dense columns; the integer ones narrowed (`NarrowIntegers`).
        w.array(time.blocks.map(\.base))
        w.array(time.blocks.map(\.wide))
        NarrowIntegers.write(time.distance, to: &w)
        w.array(time.wide)
        // Every other column, in the table's order (`EventStore.visitColumns`).
        var columns = ColumnWriter(store: self)
        swap(&columns.w, &w)
        EventStore.visitColumns(&columns)
        swap(&columns.w, &w)
        // Indexes: the postings as each held row's byte start in one blob of distances (`PostingBytes`). A built
        // store does not post its hosts (`hostsPosted`): their rows are made here from the host column, so a case
        // holds every type's rows.
        var blob: [UInt8] = []
        blob.reserveCapacity(postingPositions.count * 2)
        var byteStarts = SparseColumn<UInt64>(absent: 0)
        forEachPostingRow { row in
            byteStarts.append(UInt64(blob.count), present: !row.isEmpty)
            PostingBytes.append(row, to: &blob)
        } before: { w.array($0) }
        byteStarts.write(to: &w)
        w.array(blob)
        w.i64(buckets.originMicros)
        w.i64(buckets.bucketMicros)
        w.array(buckets.starts)
        w.array(buckets.counts)
    }

    /// The store written by `write(to:)`. Every column's length is checked against the event count, and every
    /// index that the store dereferences without a check (codes, ranks, postings, bucket starts) against what it
    /// indexes, so a damaged section throws rather than traps.
    /// - Complexity: O(n) copies and one validating pass over the codes, ranks and postings.
    public init(reading r: inout BinaryReader) throws(BinaryFormatError) {
        self.init()
        let at = r.position
        func bad(_ what: String) -> BinaryFormatError { BinaryFormatError(offset: at, what: "event store: \(what)") }
        let n = try r.int()
        guard n >= 0, n <= Int(Int32.max) else { throw bad("an event count of \(n)") }
        symbols = try SymbolTable(reading: &r)
        let high: [UInt64] = try r.array()
        let low: [UInt64] = try r.array()
        guard high.count == low.count else { throw bad("address halves disagree") }
        addresses = zip(high, low).map { IPAddress(high: $0, low: $1) }
        addressIndex.slots = try r.array()
        let slots = addressIndex.slots
        guard slots.count >= 2, slots.count & (slots.count - 1) == 0, slots.count > addresses.count,
            !slots.contains(where: { Int($0) > addresses.count })
        else { throw bad("address table") }
        let bases: [Int64] = try r.array()
        let wides: [Int32] = try r.array()
        time.distance = try NarrowIntegers.read(&r)
        time.wide = try r.array()
        guard bases.count == wides.count, time.distance.count == n,
            bases.count == (n + (1 << TimeColumn.blockShift) - 1) >> TimeColumn.blockShift
        else { throw bad("time column") }
        // A wide block holds its events' times whole, so its last event's index must lie inside `wide`.
        for (b, w) in wides.enumerated() where w >= 0 {
            let events = min(n - (b << TimeColumn.blockShift), 1 << TimeColumn.blockShift)
            guard Int(w) + events <= time.wide.count else { throw bad("time column block \(b)") }
        }
        time.blocks = zip(bases, wides).map { TimeColumn.Block(base: $0, wide: $1) }
        var columns = ColumnReader(reader: r, events: n, symbols: symbols.count, addresses: addresses.count, bad: bad)
        swap(&columns.store, &self)
        EventStore.visitColumns(&columns)
        swap(&columns.store, &self)
        r = columns.r
        if let failure = columns.failure { throw failure }
        postingBase = try r.array()
        guard postingBase.count == IndicatorType.allCases.count + 1, postingBase.first == 0,
            zip(postingBase, postingBase.dropFirst()).allSatisfy({ $0 <= $1 })
        else { throw bad("posting rows") }
        let byteStarts = try SparseColumn<UInt64>(reading: &r, absent: 0, count: postingBase[postingBase.count - 1])
        let blob = try r.arrayInPlace(UInt8.self)
        // Each held row's list is the blob's bytes from its start to the next one's.
        var positions: [Int32] = []
        positions.reserveCapacity(blob.count)
        var listStarts: [Int32] = []
        listStarts.reserveCapacity(byteStarts.stored.count)
        let ends = byteStarts.stored.dropFirst() + [UInt64(blob.count)]
        for (a, b) in zip(byteStarts.stored, ends) {
            guard a <= b, b <= UInt64(blob.count), positions.count < Int(Int32.max) else { throw bad("posting starts") }
            listStarts.append(Int32(positions.count))
            guard PostingBytes.decode(UnsafeBufferPointer(rebasing: blob[Int(a)..<Int(b)]), into: &positions) else {
                throw bad("a posting list that ends inside a value")
            }
        }
        guard positions.count <= Int(Int32.max) else { throw bad("posting count") }
        postingPositions = positions
        hostsPosted = true
        postingStarts = SparseColumn(absent: 0)
        (postingStarts.words, postingStarts.ranks, postingStarts.length, postingStarts.stored) =
            (byteStarts.words, byteStarts.ranks, byteStarts.length, listStarts)
        guard !postingPositions.contains(where: { $0 < 0 || Int($0) >= n }) else {
            throw bad("a posting past the events")
        }
        let origin = try r.i64()
        let size = try r.i64()
        let starts: [Int32] = try r.array()
        let counts: [UInt32] = try r.array()
        guard size > 0, starts.isEmpty || (starts.count - 1) * TimeBucketDirectory.kinds == counts.count,
            zip(starts, starts.dropFirst()).allSatisfy({ $0 <= $1 }), starts.allSatisfy({ $0 >= 0 && Int($0) <= n })
        else { throw bad("time buckets") }
        buckets = TimeBucketDirectory(originMicros: origin, bucketMicros: size, starts: starts, counts: counts)
    }
}

extension EventStore {
    /// The largest evidence file id any event names, or nil for an empty store.
    public var largestFileID: UInt32? {
        (fileID.table + fileID.escaped.stored).max()
    }
}

/// The value of a dense column (one per event) as a case holds it: integers narrowed (`NarrowIntegers`),
/// enumerations as their raw bytes. The column table (`EventStore.visitColumns`) names each dense column's type.
protocol DenseColumnValue {
    static func write(_ column: [Self], to w: inout BinaryWriter)
    /// A column written by `write(_:to:)`; `bad` describes a value no case holds.
    static func read(_ r: inout BinaryReader, bad: (String) -> BinaryFormatError) throws(BinaryFormatError) -> [Self]
}

extension DenseColumnValue where Self: FixedWidthInteger {
    static func write(_ column: [Self], to w: inout BinaryWriter) { NarrowIntegers.write(column, to: &w) }
    static func read(_ r: inout BinaryReader, bad: (String) -> BinaryFormatError) throws(BinaryFormatError) -> [Self] {
        try NarrowIntegers.read(&r)
    }
}

extension UInt16: DenseColumnValue {}
extension UInt32: DenseColumnValue {}

/// An enumeration held as its raw byte; `valueName` names it in the message about a byte no case holds.
protocol ByteColumnValue: DenseColumnValue, RawRepresentable where RawValue == UInt8 {
    static var valueName: String { get }
}

extension ByteColumnValue {
    static func write(_ column: [Self], to w: inout BinaryWriter) { w.array(column.map(\.rawValue)) }
    static func read(_ r: inout BinaryReader, bad: (String) -> BinaryFormatError) throws(BinaryFormatError) -> [Self] {
        let values: [UInt8] = try r.array()
        return try values.map { v throws(BinaryFormatError) in
            guard let value = Self(rawValue: v) else { throw bad("\(valueName) \(v)") }
            return value
        }
    }
}

extension EventKind: ByteColumnValue { static var valueName: String { "event kind" } }
extension Outcome: ByteColumnValue { static var valueName: String { "outcome" } }

/// A time source in one byte: the year's reason in the low four bits, the zone's above them.
extension TimeSource: DenseColumnValue {
    static func write(_ column: [Self], to w: inout BinaryWriter) {
        w.array(column.map { $0.year.rawValue | $0.zone.rawValue << 4 })
    }
    static func read(_ r: inout BinaryReader, bad: (String) -> BinaryFormatError) throws(BinaryFormatError) -> [Self] {
        let values: [UInt8] = try r.array()
        return try values.map { v throws(BinaryFormatError) in
            guard let y = TimeSource.Year(rawValue: v & 15), let z = TimeSource.Zone(rawValue: v >> 4) else {
                throw bad("time source \(v)")
            }
            return TimeSource(year: y, zone: z)
        }
    }
}

/// Writes every column of `store` in the table's order; see `EventStore.write(to:)`.
struct ColumnWriter: EventColumnVisitor {
    let store: EventStore
    var w = BinaryWriter()

    mutating func visit<T: DenseColumnValue>(dense column: WritableKeyPath<EventStore, [T]>) {
        T.write(store[keyPath: column], to: &w)
    }
    mutating func visit<T: FixedWidthInteger & BitwiseCopyable & Sendable>(
        sparse column: WritableKeyPath<EventStore, SparseColumn<T>>
    ) {
        store[keyPath: column].write(to: &w)
    }
    mutating func visit(ids column: WritableKeyPath<EventStore, SparseColumn<UInt32>>, naming: ColumnIDs) {
        store[keyPath: column].write(to: &w)
    }
    mutating func visit(coded column: WritableKeyPath<EventStore, CodedColumn>, naming: ColumnIDs?) {
        store[keyPath: column].write(to: &w)
    }
    mutating func visit(wide column: WritableKeyPath<EventStore, WideColumn>) {
        NarrowIntegers.write(store[keyPath: column].low, to: &w)
        store[keyPath: column].high.write(to: &w)
    }
    mutating func visit(sparse64 column: WritableKeyPath<EventStore, SparseInt64Column>) {
        store[keyPath: column].low.write(to: &w)
        store[keyPath: column].high.write(to: &w)
    }
}

/// Reads every column written by `ColumnWriter` into `store`, checking each column's length against the event
/// count and each id against its table; the first problem is kept in `failure` and the rest is not read.
struct ColumnReader: EventColumnVisitor {
    var store = EventStore.placeholder
    var r: BinaryReader
    let n: Int
    /// The ids a column may hold: below the symbol table's count, or up to the address count (0: none).
    let symbolLimit: Int
    let addressLimit: Int
    let bad: (String) -> BinaryFormatError
    var failure: BinaryFormatError?

    init(
        reader: BinaryReader, events: Int, symbols: Int, addresses: Int, bad: @escaping (String) -> BinaryFormatError
    ) {
        (r, n, symbolLimit, addressLimit, self.bad) = (reader, events, symbols, addresses + 1, bad)
    }

    mutating func attempt(_ body: (inout Self) throws(BinaryFormatError) -> Void) {
        guard failure == nil else { return }
        do throws(BinaryFormatError) { try body(&self) } catch { failure = error }
    }
    func limit(_ naming: ColumnIDs) -> Int { naming == .symbols ? symbolLimit : addressLimit }
    mutating func sparse<T: FixedWidthInteger>(absent: T) throws(BinaryFormatError) -> SparseColumn<T> {
        try SparseColumn(reading: &r, absent: absent, count: n)
    }

    mutating func visit<T: DenseColumnValue>(dense column: WritableKeyPath<EventStore, [T]>) {
        attempt { s throws(BinaryFormatError) in
            let values = try T.read(&s.r, bad: s.bad)
            guard values.count == s.n else { throw s.bad("a dense column's length") }
            s.store[keyPath: column] = values
        }
    }
    mutating func visit<T: FixedWidthInteger & BitwiseCopyable & Sendable>(
        sparse column: WritableKeyPath<EventStore, SparseColumn<T>>
    ) {
        attempt { s throws(BinaryFormatError) in
            s.store[keyPath: column] = try s.sparse(absent: s.store[keyPath: column].absent)
        }
    }
    mutating func visit(ids column: WritableKeyPath<EventStore, SparseColumn<UInt32>>, naming: ColumnIDs) {
        attempt { s throws(BinaryFormatError) in
            let c = try s.sparse(absent: UInt32(0))
            let limit = s.limit(naming)
            guard !c.stored.contains(where: { Int($0) >= limit }) else { throw s.bad("an id past its table") }
            s.store[keyPath: column] = c
        }
    }
    mutating func visit(coded column: WritableKeyPath<EventStore, CodedColumn>, naming: ColumnIDs?) {
        attempt { s throws(BinaryFormatError) in
            let c = try CodedColumn(reading: &s.r, count: s.n)
            if let naming {
                for t in c.table + c.escaped.stored where Int(t) >= s.limit(naming) {
                    throw s.bad("\(naming == .symbols ? "symbol" : "address") \(t) past its table")
                }
            }
            s.store[keyPath: column] = c
        }
    }
    mutating func visit(wide column: WritableKeyPath<EventStore, WideColumn>) {
        attempt { s throws(BinaryFormatError) in
            let low: [UInt32] = try NarrowIntegers.read(&s.r)
            guard low.count == s.n else { throw s.bad("a dense column's length") }
            s.store[keyPath: column].low = low
            s.store[keyPath: column].high = try s.sparse(absent: UInt32(0))
        }
    }
    mutating func visit(sparse64 column: WritableKeyPath<EventStore, SparseInt64Column>) {
        attempt { s throws(BinaryFormatError) in
            let absent = s.store[keyPath: column].absent
            s.store[keyPath: column] = SparseInt64Column(
                absent: absent, low: try s.sparse(absent: UInt32(0)), high: try s.sparse(absent: UInt32(0)))
        }
    }
}

extension SparseColumn where Element: FixedWidthInteger {
    /// Writes the column: its length, the presence words and ranks (none when no event or every event has a
    /// value), the present values narrowed (`NarrowIntegers`).
    func write(to w: inout BinaryWriter) {
        w.int(length)
        let partial = !stored.isEmpty && stored.count < length
        w.array(partial ? words : [])
        w.array(partial ? ranks : [])
        NarrowIntegers.write(stored, to: &w)
    }

    /// A column of `count` events written by `write(to:)`; the ranks are checked against the presence bits.
    init(reading r: inout BinaryReader, absent: Element, count: Int) throws(BinaryFormatError) {
        let at = r.position
        self.init(absent: absent)
        length = try r.int()
        words = try r.array()
        ranks = try r.array()
        stored = try NarrowIntegers.read(&r)
        let wordCount = (count + 63) >> 6
        guard length == count else {
            throw BinaryFormatError(offset: at, what: "a sparse column of \(length) events in a store of \(count)")
        }
        if words.isEmpty && ranks.isEmpty {
            // No presence bits: no event has a value, or every one has.
            guard stored.isEmpty || stored.count == count else {
                throw BinaryFormatError(offset: at, what: "a sparse column of \(stored.count) values without presence bits")
            }
            let full = !stored.isEmpty
            words = [UInt64](repeating: full ? ~0 : 0, count: wordCount)
            if full, count & 63 != 0 { words[wordCount - 1] = (UInt64(1) << UInt64(count & 63)) - 1 }
            ranks = (0..<wordCount).map { full ? UInt32(truncatingIfNeeded: $0 << 6) : 0 }
            return
        }
        guard words.count == wordCount, ranks.count == wordCount else {
            throw BinaryFormatError(offset: at, what: "a sparse column of \(length) events in a store of \(count)")
        }
        var rank = 0
        for w in 0..<wordCount {
            guard Int(ranks[w]) == rank else { throw BinaryFormatError(offset: at, what: "sparse column ranks") }
            rank += words[w].nonzeroBitCount
        }
        // Bits past the last event must be clear: forEachValue would report events that do not exist.
        if count & 63 != 0, let last = words.last, last >> UInt64(count & 63) != 0 {
            throw BinaryFormatError(offset: at, what: "sparse column bits past the end")
        }
        guard rank == stored.count else { throw BinaryFormatError(offset: at, what: "sparse column values") }
    }
}

extension CodedColumn {
    func write(to w: inout BinaryWriter) {
        NarrowIntegers.write(codes, to: &w)
        w.array(table)
        escaped.write(to: &w)
    }

    init(reading r: inout BinaryReader, count: Int) throws(BinaryFormatError) {
        let at = r.position
        self.init()
        codes = try NarrowIntegers.read(&r)
        table = try r.array()
        escaped = try SparseColumn(reading: &r, absent: 0, count: count)
        guard codes.count == count, table.count <= Int(Self.escape),
            !codes.contains(where: { $0 != Self.escape && Int($0) >= table.count })
        else { throw BinaryFormatError(offset: at, what: "a coded column") }
        for (c, v) in table.enumerated() { codeOf[v] = UInt16(c) }
    }
}

extension EventStore {
    /// The events of the files that `fileMap` keeps (old file id → new file id, `nil`: dropped), in store order,
    /// as an unsorted chunk for `Builder.add(kept:)`: a case updated with grown evidence keeps the events of the
    /// files it already holds without reading them again. - Complexity: O(n + kept events).
    public func keeping(files fileMap: [UInt32?]) -> EventStore {
        var positions: [Int32] = []
        positions.reserveCapacity(count)
        for i in 0..<count {
            let f = Int(fileID[i])
            if f < fileMap.count, fileMap[f] != nil { positions.append(Int32(truncatingIfNeeded: i)) }
        }
        var select = Selection(store: self, positions: positions)
        select.out.symbols = symbols
        select.out.addresses = addresses
        select.out.addressIndex = addressIndex
        EventStore.visitColumns(&select)
        var out = select.out
        out.unsortedTime = positions.map { time[Int($0)] }
        // The kept files' new ids.
        out.fileID = CodedColumn()
        for i in positions { out.fileID.append(fileMap[Int(fileID[Int(i)])] ?? 0) }
        return out
    }
}

/// The events at `positions` of a store, every column (see `keeping(files:)`).
private struct Selection: EventColumnVisitor {
    let store: EventStore
    let positions: [Int32]
    var out = EventStore()

    mutating func visit<T>(dense column: WritableKeyPath<EventStore, [T]>) {
        let c = store[keyPath: column]
        out[keyPath: column] = positions.map { c[Int($0)] }
    }
    mutating func visit<T: BitwiseCopyable & Equatable & Sendable>(sparse column: WritableKeyPath<EventStore, SparseColumn<T>>) {
        out[keyPath: column] = positions.withUnsafeBufferPointer { store[keyPath: column].permuted($0) }
    }
    mutating func visit(ids column: WritableKeyPath<EventStore, SparseColumn<UInt32>>, naming: ColumnIDs) {
        out[keyPath: column] = positions.withUnsafeBufferPointer { store[keyPath: column].permuted($0) }
    }
    mutating func visit(coded column: WritableKeyPath<EventStore, CodedColumn>, naming: ColumnIDs?) {
        if column == \EventStore.fileID { return }  // renumbered by `keeping(files:)`
        let c = store[keyPath: column]
        var o = CodedColumn()
        for i in positions { o.append(c[Int(i)]) }
        out[keyPath: column] = o
    }
    mutating func visit(wide column: WritableKeyPath<EventStore, WideColumn>) {
        let c = store[keyPath: column]
        var o = WideColumn()
        for i in positions { o.append(c[Int(i)]) }
        out[keyPath: column] = o
    }
    mutating func visit(sparse64 column: WritableKeyPath<EventStore, SparseInt64Column>) {
        let c = store[keyPath: column]
        out[keyPath: column] = positions.withUnsafeBufferPointer { p in
            SparseInt64Column(absent: c.absent, low: c.low.permuted(p), high: c.high.permuted(p))
        }
    }
}

extension EventStore.Builder {
    /// Adds the events a case keeps (`EventStore.keeping(files:)`), remapping their symbols and addresses.
    public mutating func add(kept: EventStore) {
        // Adopted into an empty store, as a first chunk is: the next file grows the columns to the plan.
        if store.appendChunk(kept, symbolRemap: store.symbols.merge(kept.symbols)) { regrow = planned > store.count }
    }
}

extension EventStore {
    /// Calls `body` with every posting row in row order, host rows included (made from the host column when the
    /// store does not post them), after `before` with the rows' bases by type (`postingBase` as it would be with
    /// the host rows posted). Returns those bases. - Complexity: O(postings + n).
    @discardableResult
    func forEachPostingRow(_ body: (UnsafeBufferPointer<Int32>) -> Void, before: ([Int]) -> Void = { _ in }) -> [Int] {
        let hostType = Int(IndicatorType.host.rawValue)
        // The host rows: values 0 ... the largest host id, each value's positions ascending (counting sort).
        var hostStarts: [Int32] = [0, 0]
        var hostPositions: [Int32] = []
        if !hostsPosted {
            let largest = Int(host.distinctValues.last ?? 0)
            hostStarts = [Int32](repeating: 0, count: largest + 2)
            for h in host where h != 0 { hostStarts[Int(h) + 1] += 1 }
            for v in 0...largest { hostStarts[v + 1] += hostStarts[v] }
            hostPositions = [Int32](repeating: 0, count: Int(hostStarts[largest + 1]))
            var next = hostStarts
            for (i, h) in host.enumerated() where h != 0 {
                hostPositions[Int(next[Int(h)])] = Int32(truncatingIfNeeded: i)
                next[Int(h)] += 1
            }
        }
        var base = [0]
        for t in IndicatorType.allCases.indices {
            let rows = t == hostType && !hostsPosted ? hostStarts.count - 1 : postingBase[t + 1] - postingBase[t]
            base.append(base[t] + rows)
        }
        before(base)
        postingPositions.withUnsafeBufferPointer { p in
            hostPositions.withUnsafeBufferPointer { hp in
                let starts = postingStarts.stored
                for t in IndicatorType.allCases.indices {
                    if t == hostType && !hostsPosted {
                        for v in 0..<(hostStarts.count - 1) {
                            body(UnsafeBufferPointer(rebasing: hp[Int(hostStarts[v])..<Int(hostStarts[v + 1])]))
                        }
                        continue
                    }
                    for row in postingBase[t]..<postingBase[t + 1] {
                        guard postingStarts.hasValue(at: row) else {
                            body(UnsafeBufferPointer(rebasing: p[0..<0]))
                            continue
                        }
                        let k = postingStarts.rank(row)
                        // Clamped, though the builder's starts are ascending and inside the positions.
                        let a = min(max(Int(starts[k]), 0), p.count)
                        let b = max(a, min(k + 1 < starts.count ? Int(starts[k + 1]) : p.count, p.count))
                        body(UnsafeBufferPointer(rebasing: p[a..<b]))
                    }
                }
            }
        }
        return base
    }
}
