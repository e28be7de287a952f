import DwellCore

/// What an indicator is.
public enum IndicatorType: UInt8, CaseIterable, Sendable, Comparable {
    case ip = 0, user, host, path, userAgent, domain, hash, command

    public static func < (a: IndicatorType, b: IndicatorType) -> Bool { a.rawValue < b.rawValue }

    public var name: String {
        switch self {
        case .ip: "ip"
        case .user: "user"
        case .host: "host"
        case .path: "url"
        case .userAgent: "user_agent"
        case .domain: "domain"
        case .hash: "hash"
        case .command: "command"
        }
    }
}

/// An indicator in the store: its type and value (an address id for IPs, a symbol id otherwise).
public struct IndicatorKey: Hashable, Sendable, Comparable {
    public var type: IndicatorType
    public var value: UInt32
    public init(_ type: IndicatorType, _ value: UInt32) {
        self.type = type
        self.value = value
    }
    public static func < (a: IndicatorKey, b: IndicatorKey) -> Bool {
        a.type != b.type ? a.type < b.type : a.value < b.value
    }
}

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

    // Columns.
    public var time: [Int64] = []
    public var fileID: [UInt32] = []
    public var line: [UInt32] = []
    public var offset: [UInt64] = []
    public var kind: [EventKind] = []
    public var outcome: [Outcome] = []
    public var format: [UInt16] = []
    public var host: [UInt32] = []
    public var sourceIP: [UInt32] = []
    public var destinationIP: [UInt32] = []
    public var sourcePort: [UInt16] = []
    public var destinationPort: [UInt16] = []
    public var user: [UInt32] = []
    public var targetUser: [UInt32] = []
    public var authMethod: [UInt32] = []
    public var program: [UInt32] = []
    public var pid: [Int32] = []
    public var command: [UInt32] = []
    public var httpMethod: [UInt32] = []
    public var path: [UInt32] = []
    public var query: [UInt32] = []
    public var httpStatus: [Int16] = []
    public var bytesOut: [Int64] = []
    public var bytesIn: [Int64] = []
    public var userAgent: [UInt32] = []
    public var domain: [UInt32] = []
    public var service: [UInt32] = []
    public var signature: [UInt32] = []
    public var severity: [Int8] = []
    public var detail: [UInt32] = []
    public var fileHash: [UInt32] = []
    public var timeSource: [TimeSource] = []

    /// Sorted event positions per indicator.
    /// Postings in one array (compressed sparse rows), indexed densely by indicator: the row of (type, value) is
    /// `postingBase[type] + value` (values of a type run from 0 to its largest id), and its positions, sorted by
    /// time, are `postingPositions[postingStarts[row] ..< postingStarts[row + 1]]`. No hashing, no per-indicator
    /// allocation: about 4 bytes per posting and 4 per possible indicator value.
    var postingBase = [Int](repeating: 0, count: IndicatorType.allCases.count + 1)
    var postingStarts: [Int32] = [0]
    var postingPositions: [Int32] = []

    public private(set) var buckets = TimeBucketDirectory()

    public init() {}

    public var count: Int { time.count }

    // MARK: Building

    /// Accumulates files' events before sorting. Call `add` per file, then `build()`.
    public struct Builder {
        var store = EventStore()
        var pendingKeys: [(Int64, UInt32, UInt32)] = []

        public init() {}

        /// Adds one file's events; their symbols refer to `symbols` and are remapped into the store's table.
        public mutating func add(events: [Event], symbols: SymbolTable) {
            let remap = store.symbols.merge(symbols)
            for var e in events {
                e.remapSymbols(remap)
                store.append(e)
            }
        }

        /// Adds one file's events already held as columns (`EventChunk`, built by the sink while the file was
        /// read): symbols and addresses are remapped into the store's tables, columns appended.
        public mutating func add(chunk: consuming EventChunk, symbols: SymbolTable) {
            store.appendChunk(chunk.columns, symbolRemap: store.symbols.merge(symbols))
        }

        /// Reserves room for about `events` more events (from the input size), so the columns grow once.
        public mutating func reserve(events: Int) { store.reserve(store.count + events) }

        /// Adds events whose symbols are already the store's (`symbolTable` replaced wholesale).
        public mutating func addRemapped(_ e: Event) { store.append(e) }

        public var symbols: SymbolTable {
            get { store.symbols }
            set { store.symbols = newValue }
        }

        /// Sorts by (time, file, line) and builds the directory and postings.
        public consuming func build(bucketSeconds: Int64? = nil) -> EventStore {
            // Take the columns out of the builder so that sorting replaces them rather than copying them.
            var s = EventStore()
            swap(&s, &store)
            s.sortInPlace()
            s.buildIndexes(bucketSeconds: bucketSeconds)
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

    mutating func reserve(_ n: Int) {
        time.reserveCapacity(n); fileID.reserveCapacity(n); line.reserveCapacity(n); offset.reserveCapacity(n)
        kind.reserveCapacity(n); outcome.reserveCapacity(n); format.reserveCapacity(n); host.reserveCapacity(n)
        sourceIP.reserveCapacity(n); destinationIP.reserveCapacity(n); sourcePort.reserveCapacity(n)
        destinationPort.reserveCapacity(n); user.reserveCapacity(n); targetUser.reserveCapacity(n)
        authMethod.reserveCapacity(n); program.reserveCapacity(n); pid.reserveCapacity(n); command.reserveCapacity(n)
        httpMethod.reserveCapacity(n); path.reserveCapacity(n); query.reserveCapacity(n); httpStatus.reserveCapacity(n)
        bytesOut.reserveCapacity(n); bytesIn.reserveCapacity(n); userAgent.reserveCapacity(n); domain.reserveCapacity(n)
        service.reserveCapacity(n); signature.reserveCapacity(n); severity.reserveCapacity(n); detail.reserveCapacity(n)
        fileHash.reserveCapacity(n); timeSource.reserveCapacity(n)
    }

    /// Appends another (unindexed) store's columns, mapping its symbol ids through `symbolRemap` and its
    /// address ids into this store's addresses.
    mutating func appendChunk(_ c: EventStore, symbolRemap m: [UInt32]) {
        let addressRemap = [UInt32(0)] + c.addresses.map { addressID($0) }
        @inline(__always) func symbols(_ dst: inout [UInt32], _ src: [UInt32]) {
            dst.append(contentsOf: src.lazy.map { Int($0) < m.count ? m[Int($0)] : 0 })
        }
        time += c.time; fileID += c.fileID; line += c.line; offset += c.offset; kind += c.kind
        outcome += c.outcome; format += c.format
        symbols(&host, c.host)
        sourceIP.append(contentsOf: c.sourceIP.lazy.map { addressRemap[Int($0)] })
        destinationIP.append(contentsOf: c.destinationIP.lazy.map { addressRemap[Int($0)] })
        sourcePort += c.sourcePort; destinationPort += c.destinationPort
        symbols(&user, c.user); symbols(&targetUser, c.targetUser); symbols(&authMethod, c.authMethod)
        symbols(&program, c.program); pid += c.pid; symbols(&command, c.command); symbols(&httpMethod, c.httpMethod)
        symbols(&path, c.path); symbols(&query, c.query); httpStatus += c.httpStatus; bytesOut += c.bytesOut
        bytesIn += c.bytesIn; symbols(&userAgent, c.userAgent); symbols(&domain, c.domain); symbols(&service, c.service)
        symbols(&signature, c.signature); severity += c.severity; symbols(&detail, c.detail)
        symbols(&fileHash, c.fileHash); timeSource += c.timeSource
    }

    mutating func append(_ e: Event) {
        time.append(e.time.microseconds)
        fileID.append(e.source.fileID)
        line.append(UInt32(clamping: e.source.line))
        offset.append(e.source.offset)
        kind.append(e.kind)
        outcome.append(e.outcome)
        format.append(e.format.rawValue)
        host.append(e.host.id)
        sourceIP.append(addressID(e.sourceIP))
        destinationIP.append(addressID(e.destinationIP))
        sourcePort.append(e.hasSourcePort ? e.sourcePort : 0)
        destinationPort.append(e.hasDestinationPort ? e.destinationPort : 0)
        user.append(e.user.id)
        targetUser.append(e.targetUser.id)
        authMethod.append(e.authMethod.id)
        program.append(e.program.id)
        pid.append(e.pid)
        command.append(e.command.id)
        httpMethod.append(e.httpMethod.id)
        path.append(e.path.id)
        query.append(e.query.id)
        httpStatus.append(Int16(clamping: e.httpStatus))
        bytesOut.append(e.bytesOut)
        bytesIn.append(e.bytesIn)
        userAgent.append(e.userAgent.id)
        domain.append(e.domain.id)
        service.append(e.service.id)
        signature.append(e.signature.id)
        severity.append(Int8(clamping: e.severity))
        detail.append(e.detail.id)
        fileHash.append(e.fileHash.id)
        timeSource.append(e.timeSource)
    }

    mutating func sortInPlace() {
        let n = time.count
        guard n > 1 else { return }
        // The order by (time, file, line): a permutation of 4-byte positions, sorted without touching the columns.
        var order = [Int32](unsafeUninitializedCapacity: n) { b, c in
            for i in 0..<n { b[i] = Int32(i) }
            c = n
        }
        time.withUnsafeBufferPointer { t in
            fileID.withUnsafeBufferPointer { f in
                line.withUnsafeBufferPointer { l in
                    order.sort { a, b in
                        let (a, b) = (Int(a), Int(b))
                        if t[a] != t[b] { return t[a] < t[b] }
                        if f[a] != f[b] { return f[a] < f[b] }
                        return l[a] < l[b]
                    }
                }
            }
        }
        if order.elementsEqual(0..<Int32(n)) { return }
        // Rebuild the columns one at a time in the new order: building needs the store's memory plus one column.
        func permute<T>(_ column: inout [T]) {
            let old = column
            column = []
            column = [T](unsafeUninitializedCapacity: n) { b, k in
                old.withUnsafeBufferPointer { o in
                    order.withUnsafeBufferPointer { p in
                        for i in 0..<n { (b.baseAddress! + i).initialize(to: o[Int(p[i])]) }
                    }
                }
                k = n
            }
        }
        permute(&time); permute(&fileID); permute(&line); permute(&offset); permute(&kind); permute(&outcome)
        permute(&format); permute(&host); permute(&sourceIP); permute(&destinationIP); permute(&sourcePort)
        permute(&destinationPort); permute(&user); permute(&targetUser); permute(&authMethod); permute(&program)
        permute(&pid); permute(&command); permute(&httpMethod); permute(&path); permute(&query); permute(&httpStatus)
        permute(&bytesOut); permute(&bytesIn); permute(&userAgent); permute(&domain); permute(&service)
        permute(&signature); permute(&severity); permute(&detail); permute(&fileHash); permute(&timeSource)
    }

    /// Calls `body` with every (indicator, event) posting, in event order.
    @inline(__always)
    func forEachPosting(_ body: (IndicatorKey, Int) -> Void) {
        @inline(__always) func post(_ type: IndicatorType, _ v: UInt32, _ i: Int) {
            if v != 0 { body(IndicatorKey(type, v), i) }
        }
        for i in 0..<count {
            post(.ip, sourceIP[i], i)
            if destinationIP[i] != sourceIP[i] { post(.ip, destinationIP[i], i) }
            post(.user, user[i], i)
            if targetUser[i] != user[i] { post(.user, targetUser[i], i) }
            post(.host, host[i], i)
            post(.path, path[i], i)
            post(.userAgent, userAgent[i], i)
            post(.domain, domain[i], i)
            post(.hash, fileHash[i], i)
            post(.command, command[i], i)
        }
    }

    mutating func buildIndexes(bucketSeconds: Int64?) {
        // Rows: one per possible value of each type (0 ... the largest id seen in its columns).
        var largest = [Int](repeating: 0, count: IndicatorType.allCases.count)
        forEachPosting { key, _ in
            if Int(key.value) > largest[Int(key.type.rawValue)] { largest[Int(key.type.rawValue)] = Int(key.value) }
        }
        var base = [Int](repeating: 0, count: largest.count + 1)
        for t in 0..<largest.count { base[t + 1] = base[t] + largest[t] + 1 }
        let rows = base[largest.count]
        // Count per row, prefix sums, then drop each event's position into its row's next free place.
        var starts = [Int32](repeating: 0, count: rows + 1)
        forEachPosting { key, _ in starts[base[Int(key.type.rawValue)] + Int(key.value) + 1] += 1 }
        for r in 0..<rows { starts[r + 1] += starts[r] }
        var fill = starts
        var positions = [Int32](repeating: 0, count: Int(starts[rows]))
        forEachPosting { key, i in
            let row = base[Int(key.type.rawValue)] + Int(key.value)
            positions[Int(fill[row])] = Int32(i)
            fill[row] += 1
        }
        postingBase = base
        postingStarts = starts
        postingPositions = positions
        buckets = TimeBucketDirectory(times: time, kinds: kind, bucketSeconds: bucketSeconds)
    }

    /// Every indicator that occurs, ordered by type then value.
    public var indicatorKeys: [IndicatorKey] {
        var out: [IndicatorKey] = []
        for type in IndicatorType.allCases {
            let t = Int(type.rawValue)
            for row in postingBase[t]..<postingBase[t + 1] where postingStarts[row + 1] > postingStarts[row] {
                out.append(IndicatorKey(type, UInt32(row - postingBase[t])))
            }
        }
        return out
    }

    /// The positions of an indicator's events, sorted by time, without copying. - Complexity: O(1).
    public func postingSlice(_ key: IndicatorKey) -> ArraySlice<Int32> {
        let t = Int(key.type.rawValue)
        let row = postingBase[t] + Int(key.value)
        guard row < postingBase[t + 1] else { return [] }
        return postingPositions[Int(postingStarts[row])..<Int(postingStarts[row + 1])]
    }

    public func positions(_ key: IndicatorKey) -> [Int32] { Array(postingSlice(key)) }

    /// First seen, last seen and count of an indicator. - Complexity: O(1).
    public func summary(_ key: IndicatorKey) -> (first: Timestamp, last: Timestamp, count: Int)? {
        let p = postingSlice(key)
        guard let a = p.first, let b = p.last else { return nil }
        return (Timestamp(microseconds: time[Int(a)]), Timestamp(microseconds: time[Int(b)]), p.count)
    }

    /// Positions of events in `[from, to)`. - Complexity: O(log n).
    public func range(from: Timestamp, to: Timestamp) -> Range<Int> {
        buckets.range(from: from.microseconds, to: to.microseconds, times: time)
    }

    /// The key of a symbol-valued indicator, if the value occurs.
    public func key(_ type: IndicatorType, _ text: String) -> IndicatorKey? {
        if type == .ip {
            guard let ip = IPAddress(text), let id = addressID(of: ip) else { return nil }
            return IndicatorKey(.ip, id)
        }
        guard let s = symbols.lookup(text), !s.isNone else { return nil }
        return IndicatorKey(type, s.id)
    }

    /// Text of an indicator value.
    public func text(_ key: IndicatorKey) -> String {
        key.type == .ip ? (address(key.value)?.description ?? "") : symbols.string(Symbol(id: key.value))
    }

    public func string(_ id: UInt32) -> String { symbols.string(Symbol(id: id)) }

    public func timestamp(_ i: Int) -> Timestamp { Timestamp(microseconds: time[i]) }

    public func sourceRef(_ i: Int) -> SourceRef {
        SourceRef(fileID: fileID[i], line: UInt64(line[i]), offset: offset[i])
    }

    /// Approximate bytes held by the columns, symbols and postings.
    public var approximateBytes: Int {
        let perEvent = 8 + 4 + 4 + 8 + 1 + 1 + 2 + 4 * 5 + 2 * 2 + 4 * 12 + 2 + 8 * 2 + 1 + 2
        let posted = postingPositions.count * 4 + postingStarts.count * 4
        return count * perEvent + symbols.arenaBytes + symbols.count * 16 + posted + addresses.count * 40
            + buckets.approximateBytes
    }
}

/// Time buckets over the sorted times: the first event of each bucket, and counts by kind per bucket.
public struct TimeBucketDirectory: Sendable {
    public private(set) var originMicros: Int64 = 0
    public private(set) var bucketMicros: Int64 = 60_000_000
    /// starts[b] = index of the first event at or after bucket b's start; one extra entry = count.
    public private(set) var starts: [Int32] = []
    /// counts[b * kinds + kind]
    public private(set) var counts: [UInt32] = []
    public static let kinds = EventKind.allCases.count

    public init() {}

    /// Bucket size: one minute, widened so that at most 200,000 buckets cover the span (sparse data).
    public init(times: [Int64], kinds: [EventKind], bucketSeconds: Int64?) {
        guard let first = times.first, let last = times.last else { return }
        var size = (bucketSeconds ?? 60) * 1_000_000
        let span = last - first
        while span / size > 200_000 { size *= 2 }
        bucketMicros = size
        originMicros = first - ((first % size) + size) % size
        let n = Int((last - originMicros) / size) + 1
        starts = [Int32](repeating: Int32(times.count), count: n + 1)
        counts = [UInt32](repeating: 0, count: n * Self.kinds)
        var b = -1
        for (i, t) in times.enumerated() {
            let bi = Int((t - originMicros) / size)
            while b < bi {
                b += 1
                starts[b] = Int32(i)
            }
            counts[bi * Self.kinds + Int(kinds[i].rawValue)] += 1
        }
    }

    public var bucketCount: Int { max(starts.count - 1, 0) }

    /// Event index range for `[from, to)`: bucket lookup, then a binary search inside the edge buckets.
    /// - Complexity: O(log n).
    public func range(from: Int64, to: Int64, times: [Int64]) -> Range<Int> {
        guard !times.isEmpty, from < to else { return 0..<0 }
        func lowerBound(_ t: Int64) -> Int {
            let b = (t - originMicros) / bucketMicros
            if b < 0 { return 0 }
            if b >= Int64(bucketCount) { return times.count }
            var lo = Int(starts[Int(b)])
            var hi = Int(starts[Int(b) + 1])
            while lo < hi {
                let mid = (lo + hi) / 2
                if times[mid] < t { lo = mid + 1 } else { hi = mid }
            }
            return lo
        }
        return lowerBound(from)..<max(lowerBound(from), lowerBound(to))
    }

    /// Event counts of one kind per bucket (an activity histogram), without scanning events.
    public func histogram(_ kind: EventKind) -> [UInt32] {
        (0..<bucketCount).map { counts[$0 * Self.kinds + Int(kind.rawValue)] }
    }

    public var approximateBytes: Int { starts.count * 4 + counts.count * 4 }
}

/// One file's events as columns, filled by a sink while the file is read (about half the memory of `[Event]`),
/// then added to the store with `EventStore.Builder.add(chunk:symbols:)`. Symbol ids are the file's own table's.
public struct EventChunk: Sendable {
    var columns = EventStore()
    public init() {}
    public var count: Int { columns.count }
    public mutating func append(_ e: Event) { columns.append(e) }
}

/// Address → id (index + 1 into the store's `addresses`): open addressing over a mix of the 128 bits, no
/// per-lookup hashing of the generic kind (two lookups per event while the store is built). The table holds only
/// ids; the addresses themselves are the store's array.
struct AddressIndex: Sendable {
    var slots = [UInt32](repeating: 0, count: 1024)

    @inline(__always) static func hash(_ ip: IPAddress) -> Int {
        var h = (ip.high &* 0x9E37_79B9_7F4A_7C15) ^ ip.low
        h = (h ^ (h >> 31)) &* 0xFF51_AFD7_ED55_8CCD
        return Int(truncatingIfNeeded: h ^ (h >> 29))
    }

    /// The slot holding `ip`, or the empty slot where it would go.
    @inline(__always) func slot(of ip: IPAddress, in addresses: [IPAddress]) -> Int {
        let mask = slots.count - 1
        var slot = Self.hash(ip) & mask
        while true {
            let id = slots[slot]
            if id == 0 || addresses[Int(id) - 1] == ip { return slot }
            slot = (slot + 1) & mask
        }
    }

    func id(of ip: IPAddress, in addresses: [IPAddress]) -> UInt32? {
        let id = slots[slot(of: ip, in: addresses)]
        return id == 0 ? nil : id
    }

    /// The id of `ip`, appending it to `addresses` when new.
    mutating func id(of ip: IPAddress, addingTo addresses: inout [IPAddress]) -> UInt32 {
        let slot = slot(of: ip, in: addresses)
        if slots[slot] != 0 { return slots[slot] }
        addresses.append(ip)
        let id = UInt32(addresses.count)
        slots[slot] = id
        if addresses.count * 2 > slots.count { grow(addresses) }
        return id
    }

    mutating func grow(_ addresses: [IPAddress]) {
        let c = slots.count * 2
        var fresh = [UInt32](repeating: 0, count: c)
        for (i, ip) in addresses.enumerated() {
            var slot = Self.hash(ip) & (c - 1)
            while fresh[slot] != 0 { slot = (slot + 1) & (c - 1) }
            fresh[slot] = UInt32(i + 1)
        }
        slots = fresh
    }
}
