import DwellCore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Every event of a run, merged and sorted by time (ties by file, then line), held as columns, with a
/// time-bucket directory, indicator postings and per-bucket counts by kind.
///
/// Strings are interned once in `symbols`; addresses once in `addresses` (columns hold 32-bit ids).
/// - Complexity: building is O(n log n) (one sort of a permutation); postings and buckets are built in one pass.
public struct EventStore: Sendable {
    public var symbols = SymbolTable(capacity: 1 << 14)
    /// Distinct addresses; column values are indexes + 1 (0 = none).
    public var addresses: [IPAddress] = []
    var addressIndex = AddressIndex()

    // Columns. Every event has a time, a place in its file, a kind, an outcome, a format, a host and a time
    // source: those are dense arrays. The other fields belong to some kinds of events only (ports and byte counts
    // to flows and requests, users to logins, HTTP fields to requests) and are `SparseColumn`s, which store only
    // the values present; an absent value reads as the `Event` model's sentinel (0, -1 or `.none`).
    /// Event times (µs), in about 4 bytes each, once the store is built (sorted).
    public internal(set) var time = TimeColumn()
    /// Event times while the store is being built (and in `EventChunk`s), before the sort.
    var unsortedTime: [Int64] = []
    /// Evidence file ids and host symbols: few distinct values, 16-bit codes per event.
    public var fileID = CodedColumn()
    public var line: [UInt32] = []
    /// Byte offsets of the lines: 32-bit low halves, high halves only for the lines past 4 GiB.
    public var offset = WideColumn()
    public var kind: [EventKind] = []
    public var outcome: [Outcome] = []
    public var format: [UInt16] = []
    public var host = CodedColumn()
    public var timeSource: [TimeSource] = []
    /// Address ids (see `addresses`), 0 = none.
    public var sourceIP = SparseColumn<UInt32>(absent: 0)
    public var destinationIP = SparseColumn<UInt32>(absent: 0)
    /// Ports read as 0 when absent; `hasValue(at:)` tells a logged port 0 from none.
    public var sourcePort = SparseColumn<UInt16>(absent: 0)
    public var destinationPort = SparseColumn<UInt16>(absent: 0)
    public var user = SparseColumn<UInt32>(absent: 0)
    public var targetUser = SparseColumn<UInt32>(absent: 0)
    public var authMethod = SparseColumn<UInt32>(absent: 0)
    public var program = SparseColumn<UInt32>(absent: 0)
    public var pid = SparseColumn<Int32>(absent: -1)
    public var command = SparseColumn<UInt32>(absent: 0)
    public var httpMethod = SparseColumn<UInt32>(absent: 0)
    public var path = SparseColumn<UInt32>(absent: 0)
    public var query = SparseColumn<UInt32>(absent: 0)
    public var httpStatus = SparseColumn<Int16>(absent: -1)
    public var bytesOut = SparseInt64Column(absent: -1)
    public var bytesIn = SparseInt64Column(absent: -1)
    public var userAgent = SparseColumn<UInt32>(absent: 0)
    public var domain = SparseColumn<UInt32>(absent: 0)
    public var service = SparseColumn<UInt32>(absent: 0)
    public var signature = SparseColumn<UInt32>(absent: 0)
    public var severity = SparseColumn<Int8>(absent: -1)
    public var detail = SparseColumn<UInt32>(absent: 0)
    /// A logon or session id (Windows `TargetLogonId`, logind's session): it ties a logoff to its logon.
    public var sessionID = SparseColumn<UInt32>(absent: 0)
    public var fileHash = SparseColumn<UInt32>(absent: 0)
    /// A web request's Referer and X-Forwarded-For as logged (attacker-controlled text the web detectors read).
    /// Parsers keep a referer in the store only when it may carry an attack pattern (`WebText.mayCarryAttack`).
    public var referer = SparseColumn<UInt32>(absent: 0)
    public var forwardedFor = SparseColumn<UInt32>(absent: 0)
    /// How many times a syslog line stands for its message (`Event.repeatCount`); 1 when absent.
    public var repeatCount = SparseColumn<Int32>(absent: 1)
    /// Zeek's `local_orig`/`local_resp` as `Locality` bits (0: not logged); present on few events.
    public var locality = SparseColumn<UInt8>(absent: 0)

    /// Sorted event positions per indicator.
    /// Postings in one array (compressed sparse rows), indexed densely by indicator: the row of (type, value) is
    /// `postingBase[type] + value` (values of a type run from 0 to its largest id), and its positions, sorted by
    /// time, run in `postingPositions` from the row's start to the next row's. No hashing, no per-indicator
    /// allocation: about 4 bytes per posting, 4 per indicator that occurs and 0.19 per possible value.
    var postingBase = [Int](repeating: 0, count: IndicatorType.allCases.count + 1)
    /// Where each row's positions start, held only for the rows that have postings (most possible values of a
    /// type never occur as that type: a path id is never a user); a row's end is the next held start.
    var postingStarts = SparseColumn<Int32>(absent: 0)
    var postingPositions: [Int32] = []
    /// Whether the postings hold the host rows. A store built here does not: every host-logged event has a host,
    /// so they would repeat the host column at 4 bytes an event (28 MiB for 7 M syslog or journal events, held
    /// through the whole analysis; 5 MiB on the noisy web, auth and flow corpus, whose flows and requests have
    /// none); a host's positions are found from the column when first asked (`hostRows`), and only the few hosts
    /// asked about (held hosts, a pivot, a timeline's filter) are. A store read from a case holds them.
    var hostsPosted = false
    var hostRows = HostRows()

    public internal(set) var buckets = TimeBucketDirectory()

    public init() {}

    public var count: Int { fileID.count }

    // MARK: Building

    /// Accumulates files' events before sorting. Call `add` per file, then `build()`.
    public struct Builder {
        var store = EventStore()
        /// How many threads may rebuild columns side by side when sorting (`--jobs`).
        public var threads = ProcessInfo.processInfo.activeProcessorCount

        public init() {}

        /// Adds one file's events; their symbols refer to `symbols` and are remapped into the store's table.
        public mutating func add(events: [Event], symbols: SymbolTable) {
            var chunk = EventChunk()
            for e in events { chunk.append(e) }
            add(chunk: chunk, symbols: symbols)
        }

        /// Adds one file's events already held as columns (`EventChunk`, built by the sink while the file was
        /// read): symbols and addresses are remapped into the store's tables, columns appended.
        /// The first file's chunk is adopted as the store's columns, not copied (`EventStore.appendChunk`).
        /// When a second file comes after an adopted first one, the columns are grown once to the planned size
        /// (`reserve(events:)`), as they would have been, instead of doubling as the later files append.
        public mutating func add(chunk: consuming EventChunk, symbols: SymbolTable) {
            let sealed = chunk.sealed()
            if regrow {
                store.reserve(max(planned, store.count + sealed.count))
                regrow = false
            }
            if store.appendChunk(sealed, symbolRemap: store.symbols.merge(symbols)) {
                chunksAdopted += 1
                regrow = planned > store.count
            }
        }

        /// How many chunks were adopted rather than copied (a test hook).
        package private(set) var chunksAdopted = 0
        /// The events planned for (`reserve(events:)`), and whether the columns must grow to it before the next
        /// chunk (the first one was adopted, with its own capacity).
        var planned = 0
        var regrow = false

        /// Reserves room for about `events` more events (from the input size), so the columns grow once.
        public mutating func reserve(events: Int) {
            planned = store.count + events
            store.reserve(planned)
        }

        public var symbols: SymbolTable {
            get { store.symbols }
            set { store.symbols = newValue }
        }

        /// Sorts by (time, file, line) and builds the directory and postings.
        public consuming func build(bucketSeconds: Int64? = nil) -> EventStore {
            // Take the columns out of the builder so that sorting replaces them rather than copying them.
            var s = EventStore()
            swap(&s, &store)
            // The files' chunks are freed by now; their blocks, kept in the reading threads' heaps for the next
            // file (`Heap.preferReuse`), would otherwise stay resident beside the sort's order and rebuilt columns.
            Heap.releaseFreePages()
            PhaseTrace.timed("store: sort and reorder \(s.count) events") { s.sortInPlace(threads: threads) }
            PhaseTrace.timed("store: indexes") { s.buildIndexes(bucketSeconds: bucketSeconds, threads: threads) }
            Heap.releaseFreePages()
            return s
        }
    }

    mutating func addressID(_ ip: IPAddress) -> UInt32 {
        if ip.isNone { return 0 }
        return addressIndex.id(of: ip, addingTo: &addresses)
    }

    public func addressID(of ip: IPAddress) -> UInt32? { addressIndex.id(of: ip, in: addresses) }

    public func address(_ id: UInt32) -> IPAddress? {
        id == 0 || Int(id) > addresses.count ? nil : addresses[Int(id) - 1]
    }

    /// Room for `n` events in all. Sparse columns reserve their presence bits and, since capacity that is never
    /// written is never resident, room for a value per event (so that no column grows by copying).
    mutating func reserve(_ n: Int) {
        unsortedTime.reserveCapacity(n)
        var r = Reserve(total: n, more: max(n - count, 0))
        swap(&r.store, &self)
        EventStore.visitColumns(&r)
        swap(&r.store, &self)
    }

    /// Appends another (unindexed) store's columns, mapping its symbol ids through `symbolRemap` and its
    /// address ids into this store's addresses.
    ///
    /// Into an empty store whose ids the chunk's already are (its symbols merged into an empty table, its addresses
    /// numbered afresh: both maps the identity, as for the first file read), the chunk's columns are adopted
    /// as they are instead of copied (#19: a lone 1 M-event file's copy was 0.1 CPU-s).
    /// - Returns: whether the chunk was adopted.
    @discardableResult
    mutating func appendChunk(_ c: EventStore, symbolRemap m: [UInt32]) -> Bool {
        let addressMap = [UInt32(0)] + c.addresses.map { addressID($0) }
        if count == 0, unsortedTime.isEmpty, Self.isIdentity(m), Self.isIdentity(addressMap) {
            // The caller's copy of the chunk goes when this returns, leaving the columns' buffers to the store alone.
            var adopt = Adopt(chunk: c)
            swap(&adopt.store, &self)
            EventStore.visitColumns(&adopt)
            swap(&adopt.store, &self)
            swap(&unsortedTime, &adopt.chunk.unsortedTime)
            return true
        }
        // Only the present values are remapped: the presence bits are copied word by word.
        var a = Append(chunk: c, symbols: m, addresses: addressMap)
        swap(&a.store, &self)
        EventStore.visitColumns(&a)
        swap(&a.store, &self)
        unsortedTime += c.unsortedTime
        return false
    }

    /// Whether `map[i] == i` for every `i`.
    static func isIdentity(_ map: [UInt32]) -> Bool {
        for (i, v) in map.enumerated() where Int(v) != i { return false }
        return true
    }

    mutating func sortInPlace(threads: Int = 1) {
        let n = unsortedTime.count
        guard n > 1 else {
            time = TimeColumn(unsortedTime, order: nil)
            unsortedTime = []
            return
        }
        // The order by (time, file, line): a permutation of 4-byte positions, sorted without touching the columns.
        var order = [Int32](unsafeUninitializedCapacity: n) { b, c in
            for i in 0..<n { b[i] = Int32(i) }
            c = n
        }
        PhaseTrace.timed("store: time order of \(n) events") {
            unsortedTime.withUnsafeBufferPointer { t in
                line.withUnsafeBufferPointer { l in
                    let f = fileID
                    order.sort { a, b in
                        let (a, b) = (Int(a), Int(b))
                        if t[a] != t[b] { return t[a] < t[b] }
                        if f[a] != f[b] { return f[a] < f[b] }
                        return l[a] < l[b]
                    }
                }
            }
        }
        if order.elementsEqual(0..<Int32(n)) {
            time = TimeColumn(unsortedTime, order: nil)
            unsortedTime = []
            return
        }
        // Rebuild the columns in the new order, one job per column, side by side (`threads`): building needs the
        // store's memory plus one column per thread. The times go first, with the inverse for the columns with few
        // values beside them: their 8-byte unsorted form, the largest array of the build, is freed before the
        // other columns are rebuilt. The inverse is kept only for the events those columns hold
        // (`PartialInverse`; see `SparseColumn.permuted(_:inverse:)`).
        let covered = {
            // (The visitor holds the columns only while it runs: a column held beside its job is not freed.)
            var few = FewValued(store: self)
            EventStore.visitColumns(&few)
            return few.covered
        }()
        let sorted = Box(order)
        order = []
        let times = Box(unsortedTime)
        unsortedTime = []
        let sortedTimes = Box(TimeColumn())
        let inverse = Box(PartialInverse())
        JobQueue([
            {
                sorted.value.withUnsafeBufferPointer { o in sortedTimes.value = TimeColumn(times.value, order: o) }
                times.value = []
            },
            { inverse.value = sorted.value.withUnsafeBufferPointer { PartialInverse(order: $0, covered: covered) } },
        ]).run(threads: threads)
        let shared = Box((order: sorted.value, inverse: inverse.value))
        sorted.value = []
        inverse.value = PartialInverse()
        time = sortedTimes.value
        // Each column is moved out of the store into its job's box (the store keeps an empty column meanwhile),
        // rebuilt there, and put back once every job is done.
        var rebuild = Rebuild(shared: shared)
        swap(&rebuild.store, &self)
        EventStore.visitColumns(&rebuild)
        swap(&rebuild.store, &self)
        let jobs = rebuild.sortedJobs
        let putBack = rebuild.putBack
        JobQueue(jobs).run(threads: threads)
        for put in putBack { put(&self) }
    }

    /// Calls `body` with every (value, event) posting of one indicator type. Each value's events come in
    /// increasing order (the two address columns are walked together, as are the two user columns); different
    /// values' interleave. - Complexity: O(n / 64 + postings), reading each column sequentially.
    func forEachPosting(of type: IndicatorType, _ body: (UInt32, Int) -> Void) {
        func pair(_ a: SparseColumn<UInt32>, _ b: SparseColumn<UInt32>) {
            SparseColumn.forEachEvent(a, b) { i, va, vb in
                if va != 0 { body(va, i) }
                if vb != 0 && vb != va { body(vb, i) }
            }
        }
        func single(_ c: SparseColumn<UInt32>) { c.forEachValue { i, v in if v != 0 { body(v, i) } } }
        switch type {
        case .ip: pair(sourceIP, destinationIP)
        case .user: pair(user, targetUser)
        case .host: for (i, h) in host.enumerated() where h != 0 { body(h, i) }
        case .path: single(path)
        case .userAgent: single(userAgent)
        case .domain: single(domain)
        case .hash: single(fileHash)
        case .command: single(command)
        }
    }

    /// Where each value's postings of one type start, counted (value v's postings run from `starts[v + 1]` up to
    /// `starts[v + 2]`, which `fillPostings` then uses as fill cursors), and how many there are in all.
    func countPostings(of type: IndicatorType) -> [Int32] {
        var largest = 0
        forEachPosting(of: type) { v, _ in largest = max(largest, Int(v)) }
        // Count value v's postings into starts[v + 2] and sum, so that starts[v + 1] is where value v begins.
        var starts = [Int32](repeating: 0, count: largest + 3)
        forEachPosting(of: type) { v, _ in starts[Int(v) + 2] += 1 }
        for v in 0...largest { starts[v + 2] += starts[v + 1] }
        return starts
    }

    /// Writes one type's postings into `out` (its own part of the store's positions), using `starts[v + 1]` as
    /// value v's next free place: it ends where value v + 1 begins, which is what `starts[v + 1]` must hold after.
    func fillPostings(of type: IndicatorType, starts: inout [Int32], into out: UnsafeMutableBufferPointer<Int32>) {
        starts.withUnsafeMutableBufferPointer { next in
            forEachPosting(of: type) { v, i in
                // next[v + 1] < next[v + 2] <= out.count: each value receives exactly the postings counted.
                out[Int(next[Int(v) + 1])] = Int32(truncatingIfNeeded: i)
                next[Int(v) + 1] += 1
            }
        }
        starts.removeLast()
    }

    /// Builds the postings (counted, then filled, one job per indicator type) and the time buckets side by side.
    mutating func buildIndexes(bucketSeconds: Int64?, threads: Int = 1) {
        let types = IndicatorType.allCases
        // The host rows are not posted (`hostsPosted`): one empty row, as for a type no event holds.
        hostsPosted = false
        hostRows = HostRows()
        // The jobs read this copy of the store (it shares the columns' storage) and write only their own boxes.
        let columns = Box(self)
        let counted = types.map { _ in Box([Int32]()) }
        let buckets = Box(TimeBucketDirectory())
        var jobs: [() -> Void] = types.map { type in
            {
                counted[Int(type.rawValue)].value = type == .host ? [0, 0, 0] : columns.value.countPostings(of: type)
            }
        }
        jobs.append {
            buckets.value = TimeBucketDirectory(
                times: columns.value.time, kinds: columns.value.kind, bucketSeconds: bucketSeconds)
        }
        JobQueue(jobs).run(threads: threads)
        self.buckets = buckets.value
        // Rows: one per possible value of each type (0 ... the largest id seen in its columns), types in order; the
        // positions of all types in one array, each type's from `first[t]`.
        var base = [Int](repeating: 0, count: types.count + 1)
        var first = [Int](repeating: 0, count: types.count)
        var total = 0
        for t in types.indices {
            let starts = counted[t].value
            base[t + 1] = base[t] + starts.count - 2
            first[t] = total
            total += Int(starts[starts.count - 1])
        }
        let positions = Box([Int32](repeating: 0, count: total))
        positions.value.withUnsafeMutableBufferPointer { all in
            // Each job writes its own part of the positions (disjoint ranges) and its own cursors.
            let parts = Box(all)
            let fill: [() -> Void] = types.map { type in
                {
                    let t = Int(type.rawValue)
                    guard type != .host else {
                        counted[t].value.removeLast()
                        return
                    }
                    let size = Int(counted[t].value[counted[t].value.count - 1])
                    let part = UnsafeMutableBufferPointer(rebasing: parts.value[first[t]..<(first[t] + size)])
                    columns.value.fillPostings(of: type, starts: &counted[t].value, into: part)
                }
            }
            JobQueue(fill).run(threads: threads)
        }
        let starts = counted.map(\.value)
        // Keep the starts of the rows that have postings only (as places in the one array).
        var held = SparseColumn<Int32>(absent: 0)
        held.reserveCapacity(events: base[types.count], present: 0)
        for t in types.indices {
            let offset = Int32(truncatingIfNeeded: first[t])
            let rowStarts = starts[t]
            for r in 0..<(rowStarts.count - 1) {
                held.append(rowStarts[r] &+ offset, present: rowStarts[r + 1] > rowStarts[r])
            }
        }
        postingBase = base
        postingStarts = held
        postingPositions = positions.value
    }

    /// Every indicator that occurs, ordered by type then value.
    public var indicatorKeys: [IndicatorKey<UInt32>] {
        var out: [IndicatorKey<UInt32>] = []
        for type in IndicatorType.allCases {
            if type == .host && !hostsPosted {
                out += host.distinctValues.filter { $0 != 0 }.map { IndicatorKey(.host, $0) }
                continue
            }
            let t = Int(type.rawValue)
            for row in postingBase[t]..<postingBase[t + 1] where postingStarts.hasValue(at: row) {
                out.append(IndicatorKey(type, UInt32(row - postingBase[t])))
            }
        }
        return out
    }

    /// The positions of an indicator's events, sorted by time, without copying. - Complexity: O(1); a host's
    /// first time, O(n) (see `hostsPosted`).
    public func postingSlice(_ key: IndicatorKey<UInt32>) -> ArraySlice<Int32> {
        if key.type == .host && !hostsPosted {
            // A value the column never coded is no host's (unless the column escaped values: hostile input).
            guard key.value != 0, host.codeOf[key.value] != nil || host.escaped.presentCount > 0 else { return [] }
            return hostRows.positions(of: key.value) { host.positions(of: key.value) }[...]
        }
        let t = Int(key.type.rawValue)
        let row = postingBase[t] + Int(key.value)
        guard row < postingBase[t + 1], postingStarts.hasValue(at: row) else { return [] }
        let k = postingStarts.rank(row)
        let starts = postingStarts.values
        let end = k + 1 < starts.count ? Int(starts[k + 1]) : postingPositions.count
        return postingPositions[Int(starts[k])..<end]
    }

    public func positions(_ key: IndicatorKey<UInt32>) -> [Int32] { Array(postingSlice(key)) }

    /// The first position of each host value held (0 included: events without a host), by one pass over the host
    /// column's codes that stops once every value has been seen. - Complexity: O(n) at most.
    public func firstPositionByHost() -> [UInt32: Int] { host.firstPositions() }

    /// First seen, last seen and count of an indicator. - Complexity: O(1).
    public func summary(_ key: IndicatorKey<UInt32>) -> (first: Timestamp, last: Timestamp, count: Int)? {
        let p = postingSlice(key)
        guard let a = p.first, let b = p.last else { return nil }
        return (Timestamp(microseconds: time[Int(a)]), Timestamp(microseconds: time[Int(b)]), p.count)
    }

    /// Positions of events in `[from, to)`. - Complexity: O(log n).
    public func range(from: Timestamp, to: Timestamp) -> Range<Int> {
        buckets.range(from: from.microseconds, to: to.microseconds, times: time)
    }

    /// The key of a symbol-valued indicator, if the value occurs.
    public func key(_ type: IndicatorType, _ text: String) -> IndicatorKey<UInt32>? {
        if type == .ip {
            guard let ip = IPAddress(text), let id = addressID(of: ip) else { return nil }
            return IndicatorKey(.ip, id)
        }
        guard let s = symbols.lookup(text), !s.isNone else { return nil }
        return IndicatorKey(type, s.id)
    }

    /// Text of an indicator value.
    public func text(_ key: IndicatorKey<UInt32>) -> String {
        key.type == .ip ? (address(key.value)?.description ?? "") : symbols.string(Symbol(id: key.value))
    }

    public func string(_ id: UInt32) -> String { symbols.string(Symbol(id: id)) }

    public func timestamp(_ i: Int) -> Timestamp { Timestamp(microseconds: time[i]) }

    public func sourceRef(_ i: Int) -> SourceRef {
        SourceRef(fileID: fileID[i], line: UInt64(line[i]), offset: offset[i])
    }

    /// Bytes held by the columns (values in use, not reserved capacity).
    public var columnBytes: Int { columnSizes.reduce(time.bytes) { $0 + $1.bytes } }

    /// Each column's bytes but the time's, largest first (for `DWELL_TRACE`).
    public var columnSizes: [(name: String, bytes: Int)] {
        var sizes = ColumnSizes(store: self)
        EventStore.visitColumns(&sizes)
        return sizes.sizes.sorted { $0.bytes > $1.bytes }
    }

    /// Where the bytes go (for `DWELL_TRACE`): columns, symbol text and table, postings, addresses, buckets, in MiB.
    public var bytesBreakdown: String {
        let posted = postingPositions.count * 4 + postingStarts.bytes
        let parts: [(String, Int)] = [
            ("columns", columnBytes), ("symbol text", symbols.arenaBytes), ("symbol table", symbols.count * 16),
            ("postings", posted), ("addresses", addresses.count * 40 + addressIndex.slots.count * 4),
            ("buckets", buckets.approximateBytes),
        ]
        let top = columnSizes.prefix(8).map { "\($0.name) \($0.bytes >> 20)" }.joined(separator: ", ")
        return parts.map { "\($0.0) \($0.1 >> 20)" }.joined(separator: ", ")
            + " MiB (\(symbols.count) symbols, \(addresses.count) addresses); largest columns: time \(time.bytes >> 20), \(top) MiB"
    }

    /// Approximate bytes held by the columns, symbols, addresses and postings.
    public var approximateBytes: Int {
        let posted = postingPositions.count * 4 + postingStarts.bytes
        return columnBytes + symbols.arenaBytes + symbols.count * 16 + posted + addresses.count * 40
            + addressIndex.slots.count * 4 + buckets.approximateBytes
    }
}
