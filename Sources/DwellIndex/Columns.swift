/// A column of the store that most events leave empty (ports, byte counts, HTTP fields, users, commands…):
/// only the values that are present are stored, with one presence bit per event.
///
/// Representation: `words` holds the presence bits (bit `i & 63` of `words[i >> 6]` is event `i`), `ranks[w]` the
/// number of values before word `w`, and `values` the present values in event order. Reading event `i` is one
/// bit test and, when present, a population count and a load: about 0.19 bytes per event plus the values,
/// against the full width per event of a dense array. An absent event reads as `absent` (the `Event` model's
/// sentinel: 0, -1 or `.none`); `hasValue(at:)` tells an absent value from a present one that equals it (port 0).
///
/// - Complexity: subscript and `hasValue(at:)` O(1); `append` amortised O(1); `append(contentsOf:)` O(n / 64 + v).
public struct SparseColumn<Element: BitwiseCopyable & Equatable & Sendable>: RandomAccessCollection, Sendable {
    /// What an event without a value reads as.
    public let absent: Element
    @usableFromInline var words: [UInt64] = []
    @usableFromInline var ranks: [UInt32] = []
    /// The present values, in event order.
    @usableFromInline var stored: [Element] = []
    @usableFromInline var length = 0

    /// The present values, in event order.
    public var values: [Element] { stored }
    public var endIndex: Int { length }

    public init(absent: Element) { self.absent = absent }

    public var startIndex: Int { 0 }

    /// The value of event `i`, or `absent`. - Complexity: O(1).
    @inlinable public subscript(i: Int) -> Element {
        // One check of `i`; the rest follows from the invariants: `words` and `ranks` hold one entry per 64
        // events, and a set bit's rank counts the values before it, so it indexes `stored`.
        precondition(UInt(bitPattern: i) < UInt(bitPattern: length), "event index out of range")
        let w = i &>> 6
        let word = words.withUnsafeBufferPointer { $0[w] }
        let bit = UInt64(1) &<< UInt64(i & 63)
        guard word & bit != 0 else { return absent }
        let k = ranks.withUnsafeBufferPointer { Int($0[w]) } &+ (word & (bit &- 1)).nonzeroBitCount
        return stored.withUnsafeBufferPointer { $0[k] }
    }

    /// Whether event `i` has a value (which may equal `absent`, such as port 0). - Complexity: O(1).
    @inlinable public func hasValue(at i: Int) -> Bool {
        words[i &>> 6] & (UInt64(1) &<< UInt64(i & 63)) != 0
    }

    /// The index in `values` of event `i`'s value (the number of values before it). - Complexity: O(1).
    @inlinable public func rank(_ i: Int) -> Int {
        let w = i &>> 6
        return Int(ranks[w]) &+ (words[w] & ((UInt64(1) &<< UInt64(i & 63)) &- 1)).nonzeroBitCount
    }

    /// How many events have a value.
    public var presentCount: Int { stored.count }

    /// Appends one event's value; it is stored when `present`.
    @inlinable public mutating func append(_ value: Element, present: Bool) {
        let bit = length & 63
        if bit == 0 {
            words.append(0)
            ranks.append(UInt32(truncatingIfNeeded: stored.count))
        }
        if present {
            words[words.count - 1] |= UInt64(1) &<< UInt64(bit)
            stored.append(value)
        }
        length += 1
    }

    /// Appends one event's value; it is stored unless it equals `absent`.
    @inlinable public mutating func append(_ value: Element) { append(value, present: value != absent) }

    /// Appends `n` events without a value. - Complexity: O(n / 64).
    public mutating func appendAbsent(_ n: Int) {
        guard n > 0 else { return }
        let newLength = length + n
        let wordsNeeded = (newLength + 63) >> 6
        let rank = UInt32(truncatingIfNeeded: stored.count)
        while words.count < wordsNeeded {
            words.append(0)
            ranks.append(rank)
        }
        length = newLength
    }

    /// Appends another column's events, mapping each present value through `transform`.
    /// - Complexity: O(other.count / 64 + other.presentCount).
    public mutating func append(contentsOf other: SparseColumn, _ transform: (Element) -> Element = { $0 }) {
        let firstChanged = words.count
        let n = other.length
        var position = length
        for (w, word) in other.words.enumerated() {
            let bitsHere = Swift.min(64, n - w * 64)
            let shift = position & 63
            if shift == 0 {
                words.append(word)
            } else {
                words[words.count - 1] |= word &<< UInt64(shift)
                if shift + bitsHere > 64 { words.append(word &>> UInt64(64 - shift)) }
            }
            position += bitsHere
        }
        length = position
        // The ranks of the word that was partly filled do not change; the new words' do.
        // (The last old word may have gained bits: its successors count them.)
        var rank = firstChanged == 0 ? 0 : Int(ranks[firstChanged - 1]) + words[firstChanged - 1].nonzeroBitCount
        ranks.reserveCapacity(words.count)
        for w in firstChanged..<words.count {
            ranks.append(UInt32(truncatingIfNeeded: rank))
            rank += words[w].nonzeroBitCount
        }
        stored.append(contentsOf: other.stored.lazy.map(transform))
    }

    /// Room for `events` more events, of which about `present` have values.
    public mutating func reserveCapacity(events: Int, present: Int) {
        let wordsNeeded = (length + events + 63) >> 6
        words.reserveCapacity(wordsNeeded)
        ranks.reserveCapacity(wordsNeeded)
        stored.reserveCapacity(stored.count + present)
    }

    /// Whether the column has few enough values to be moved through a `PartialInverse` when the store is sorted.
    var hasFewValues: Bool { stored.count < length / 32 }

    /// The column rearranged so that event `i` of the result is event `order[i]` of this one. A column with few
    /// values (fewer than one event in 32 has one) whose events `inverse` covers moves each value to its new place
    /// and sorts them there, instead of visiting every event.
    /// - Complexity: O(v log v + n / 64) for v values when few, else O(n).
    func permuted(_ order: UnsafeBufferPointer<Int32>, inverse: PartialInverse) -> SparseColumn {
        guard hasFewValues, length == order.count, inverse.covers(words, length: length) else { return permuted(order) }
        var moved: [(position: Int32, value: Element)] = []
        moved.reserveCapacity(presentCount)
        forEachValue { p, v in moved.append((inverse[p], v)) }
        moved.sort { $0.position < $1.position }
        var out = SparseColumn(absent: absent)
        let wordCount = (order.count + 63) >> 6
        out.words = [UInt64](repeating: 0, count: wordCount)
        for m in moved { out.words[Int(m.position) >> 6] |= UInt64(1) &<< UInt64(m.position & 63) }
        out.ranks = [UInt32](repeating: 0, count: wordCount)
        var rank = 0
        for w in 0..<wordCount {
            out.ranks[w] = UInt32(truncatingIfNeeded: rank)
            rank += out.words[w].nonzeroBitCount
        }
        out.stored = moved.map(\.value)
        out.length = order.count
        return out
    }

    /// The column rearranged so that event `i` of the result is event `order[i]` of this one: `order` is a
    /// permutation of the events (the store's sort) or a selection of them (`EventStore.keeping(files:)`).
    /// - Complexity: O(order.count).
    func permuted(_ order: UnsafeBufferPointer<Int32>) -> SparseColumn {
        var out = SparseColumn(absent: absent)
        let n = order.count
        let wordCount = (n + 63) >> 6
        // A permutation keeps every value, a selection some: the arrays are allocated once, at the column's value
        // count, without a pass to count them.
        precondition(n <= length, "the order names events of this column, each at most once")
        let present = stored.count
        out.words = [UInt64](repeating: 0, count: wordCount)
        out.ranks = [UInt32](repeating: 0, count: wordCount)
        var filled = 0
        out.stored = [Element](unsafeUninitializedCapacity: present) { v, initialized in
            out.words.withUnsafeMutableBufferPointer { ow in
                out.ranks.withUnsafeMutableBufferPointer { orank in
                    words.withUnsafeBufferPointer { w in
                        ranks.withUnsafeBufferPointer { r in
                            stored.withUnsafeBufferPointer { old in
                                // Every `order` entry is a position of this column (permutation or selection), so
                                // each index below is in bounds; `filled` is kept below `present` even if not.
                                for i in 0..<n {
                                    if i & 63 == 0 { orank[i >> 6] = UInt32(truncatingIfNeeded: filled) }
                                    let p = Int(order[i])
                                    let word = w[p >> 6]
                                    let bit = UInt64(1) &<< UInt64(p & 63)
                                    if word & bit != 0 && filled < present {
                                        ow[i >> 6] |= UInt64(1) &<< UInt64(i & 63)
                                        v.initializeElement(
                                            at: filled, to: old[Int(r[p >> 6]) + (word & (bit &- 1)).nonzeroBitCount])
                                        filled += 1
                                    }
                                }
                            }
                        }
                    }
                }
            }
            initialized = filled
        }
        out.length = n
        return out
    }

    /// Calls `body` with each event position and value, in event order, reading the values sequentially.
    /// - Complexity: O(count / 64 + presentCount).
    @inlinable public func forEachValue(_ body: (Int, Element) -> Void) {
        var k = 0
        for (w, word) in words.enumerated() {
            var bits = word
            while bits != 0 {
                let b = bits.trailingZeroBitCount
                body(w &<< 6 | b, stored[k])
                k += 1
                bits &= bits &- 1
            }
        }
    }

    /// Calls `body` with every event that has a value in `a` or in `b`, in event order, with both values (an
    /// absent one reads as `absent`). - Complexity: O(count / 64 + a.presentCount + b.presentCount).
    /// - Precondition: both columns have the same count.
    static func forEachEvent(_ a: SparseColumn, _ b: SparseColumn, _ body: (Int, Element, Element) -> Void) {
        precondition(a.length == b.length, "columns of one store have one length")
        var ka = 0
        var kb = 0
        for w in 0..<a.words.count {
            let wa = a.words[w]
            let wb = b.words[w]
            var bits = wa | wb
            while bits != 0 {
                let bit = bits & (0 &- bits)
                var va = a.absent
                var vb = b.absent
                if wa & bit != 0 {
                    va = a.stored[ka]
                    ka += 1
                }
                if wb & bit != 0 {
                    vb = b.stored[kb]
                    kb += 1
                }
                body(w &<< 6 | bit.trailingZeroBitCount, va, vb)
                bits &= bits &- 1
            }
        }
    }

    /// Bytes held (capacity in use, not reserved).
    public var bytes: Int {
        words.count * 8 + ranks.count * 4 + stored.count * MemoryLayout<Element>.stride
    }
}

/// A column of 64-bit values that almost always fit in 32 bits (byte offsets in files under 4 GiB): the low
/// halves dense, the high halves as a `SparseColumn` present only where they are not zero.
/// - Complexity: subscript O(1).
public struct WideColumn: RandomAccessCollection, Sendable {
    @usableFromInline var low: [UInt32] = []
    @usableFromInline var high = SparseColumn<UInt32>(absent: 0)

    public init() {}

    public var startIndex: Int { 0 }
    public var endIndex: Int { low.count }

    @inlinable public subscript(i: Int) -> UInt64 { UInt64(low[i]) | UInt64(high[i]) &<< 32 }

    @inlinable public mutating func append(_ value: UInt64) {
        low.append(UInt32(truncatingIfNeeded: value))
        high.append(UInt32(truncatingIfNeeded: value &>> 32))
    }

    public mutating func append(contentsOf other: WideColumn) {
        low += other.low
        high.append(contentsOf: other.high)
    }

    public mutating func reserveCapacity(_ n: Int) {
        low.reserveCapacity(n)
        high.reserveCapacity(events: n - low.count, present: 0)
    }

    func permuted(_ order: UnsafeBufferPointer<Int32>, inverse: PartialInverse) -> WideColumn {
        var out = WideColumn()
        out.low = permute(low, order)
        out.high = high.permuted(order, inverse: inverse)
        return out
    }

    public var bytes: Int { low.count * 4 + high.bytes }
}

/// `column` rearranged so that element `i` of the result is element `order[i]` of `column`.
/// - Precondition: `order` is a permutation of `column`'s indexes.
func permute<T>(_ column: [T], _ order: UnsafeBufferPointer<Int32>) -> [T] {
    let n = order.count
    precondition(column.count == n, "a permutation covers the whole column")
    return [T](unsafeUninitializedCapacity: n) { b, k in
        column.withUnsafeBufferPointer { o in
            // Each order entry is an index of `column` (a permutation of 0..<n), so every read is in bounds.
            for i in 0..<n { b.initializeElement(at: i, to: o[Int(order[i])]) }
        }
        k = n
    }
}

/// A sparse column of 64-bit integers whose values almost always fit in 32 bits (byte counts): the low halves of
/// the present values as one `SparseColumn`, the high halves as another, present only where they are not zero
/// (counts of 4 GiB and more, and negative values, which a hostile log may hold: every value reads back exactly).
/// - Complexity: subscript and `hasValue(at:)` O(1).
public struct SparseInt64Column: RandomAccessCollection, Sendable {
    public let absent: Int64
    @usableFromInline var low = SparseColumn<UInt32>(absent: 0)
    @usableFromInline var high = SparseColumn<UInt32>(absent: 0)

    public init(absent: Int64) { self.absent = absent }

    /// A column from its halves (built by `EventChunk`).
    init(absent: Int64, low: SparseColumn<UInt32>, high: SparseColumn<UInt32>) {
        self.absent = absent
        self.low = low
        self.high = high
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { low.endIndex }

    /// The value of event `i`, or `absent`. - Complexity: O(1).
    @inlinable public subscript(i: Int) -> Int64 {
        let w = i &>> 6
        let word = low.words[w]
        let bit = UInt64(1) &<< UInt64(i & 63)
        guard word & bit != 0 else { return absent }
        let l = low.stored[Int(low.ranks[w]) &+ (word & (bit &- 1)).nonzeroBitCount]
        return Int64(bitPattern: UInt64(l) | UInt64(high[i]) &<< 32)
    }

    @inlinable public func hasValue(at i: Int) -> Bool { low.hasValue(at: i) }

    public var presentCount: Int { low.presentCount }

    @inlinable public mutating func append(_ value: Int64, present: Bool) {
        let bits = UInt64(bitPattern: value)
        low.append(UInt32(truncatingIfNeeded: bits), present: present)
        let h = UInt32(truncatingIfNeeded: bits &>> 32)
        high.append(h, present: present && h != 0)
    }

    /// Appends one event's value; it is stored unless it equals `absent`.
    @inlinable public mutating func append(_ value: Int64) { append(value, present: value != absent) }

    public mutating func append(contentsOf other: SparseInt64Column) {
        low.append(contentsOf: other.low)
        high.append(contentsOf: other.high)
    }

    public mutating func reserveCapacity(events: Int, present: Int) {
        low.reserveCapacity(events: events, present: present)
        high.reserveCapacity(events: events, present: 0)
    }

    func permuted(_ order: UnsafeBufferPointer<Int32>, inverse: PartialInverse) -> SparseInt64Column {
        var out = SparseInt64Column(absent: absent)
        out.low = low.permuted(order, inverse: inverse)
        out.high = high.permuted(order, inverse: inverse)
        return out
    }

    public var bytes: Int { low.bytes + high.bytes }
}

/// Event times of the sorted store (µs since the epoch, ascending) in about 4 bytes each: per block of 128 events
/// the time of its first event, and per event a 32-bit distance from it (up to 71 minutes). A block that spans
/// more than that (sparse evidence) keeps its times whole in `wide`.
/// - Complexity: subscript O(1); building O(n).
public struct TimeColumn: RandomAccessCollection, Sendable {
    @usableFromInline static let blockShift = 7
    @usableFromInline struct Block: Sendable {
        @usableFromInline var base: Int64
        /// Where the block's times start in `wide`, or -1 when they are held as distances from `base`.
        @usableFromInline var wide: Int32
    }
    @usableFromInline var blocks: [Block] = []
    @usableFromInline var distance: [UInt32] = []
    @usableFromInline var wide: [Int64] = []

    public init() {}

    /// Compresses `times` taken in `order` (all of them in their own order when `order` is nil); the times so
    /// taken must be ascending (the store's order) for the blocks to be narrow, and read back exactly either way.
    init(_ times: [Int64], order: UnsafeBufferPointer<Int32>?) {
        let n = order?.count ?? times.count
        precondition(n == times.count, "the order covers every time")
        blocks.reserveCapacity((n + (1 << Self.blockShift) - 1) >> Self.blockShift)
        distance = [UInt32](repeating: 0, count: n)
        times.withUnsafeBufferPointer { t in
            distance.withUnsafeMutableBufferPointer { d in
                // `order` is a permutation of 0..<n (or absent), so every index below is in bounds.
                @inline(__always) func at(_ i: Int) -> Int64 { order.map { t[Int($0[i])] } ?? t[i] }
                var start = 0
                while start < n {
                    let end = Swift.min(start + (1 << Self.blockShift), n)
                    let base = at(start)
                    var lo = base
                    var hi = base
                    for i in start..<end {
                        lo = Swift.min(lo, at(i))
                        hi = Swift.max(hi, at(i))
                    }
                    let span = hi.subtractingReportingOverflow(base)
                    if lo == base && !span.overflow && span.partialValue <= Int64(UInt32.max) {
                        blocks.append(Block(base: base, wide: -1))
                        for i in start..<end { d[i] = UInt32(truncatingIfNeeded: at(i) &- base) }
                    } else {
                        blocks.append(Block(base: base, wide: Int32(truncatingIfNeeded: wide.count)))
                        for i in start..<end { wide.append(at(i)) }
                    }
                    start = end
                }
            }
        }
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { distance.count }

    @inlinable public subscript(i: Int) -> Int64 {
        // One check of `i`: there is a block per 128 events and a distance per event.
        precondition(UInt(bitPattern: i) < UInt(bitPattern: distance.count), "event index out of range")
        let b = blocks.withUnsafeBufferPointer { $0[i &>> Self.blockShift] }
        if b.wide < 0 { return b.base &+ Int64(distance.withUnsafeBufferPointer { $0[i] }) }
        return wide[Int(b.wide) &+ (i & ((1 << Self.blockShift) - 1))]
    }

    public var bytes: Int { blocks.count * MemoryLayout<Block>.stride + distance.count * 4 + wide.count * 8 }
}

/// A column of 32-bit ids with few distinct values (hosts, evidence files): a 16-bit code per event and a table
/// of the distinct ids. Past 65,535 distinct values (hostile input naming a new host on every line) a value's
/// code is `escape` and the id itself is held in a `SparseColumn`, so every value reads back exactly.
/// - Complexity: subscript O(1); `append` amortised O(1) (one hash lookup).
public struct CodedColumn: RandomAccessCollection, Sendable {
    @usableFromInline static let escape = UInt16.max
    @usableFromInline var codes: [UInt16] = []
    /// The distinct ids, by code.
    @usableFromInline var table: [UInt32] = []
    @usableFromInline var escaped = SparseColumn<UInt32>(absent: 0)
    var codeOf: [UInt32: UInt16] = [:]

    public init() {}

    public var startIndex: Int { 0 }
    public var endIndex: Int { codes.count }

    @inlinable public subscript(i: Int) -> UInt32 {
        let c = codes[i]
        // Every code but `escape` was given to an entry of `table`.
        return c != Self.escape ? table.withUnsafeBufferPointer { $0[Int(c)] } : escaped[i]
    }

    /// The last value coded and its code: events come in runs of one host and one file.
    var last: (value: UInt32, code: UInt16)?

    mutating func code(_ value: UInt32) -> UInt16 {
        if let last, last.value == value { return last.code }
        let c = newCode(value)
        last = (value, c)
        return c
    }

    mutating func newCode(_ value: UInt32) -> UInt16 {
        if let c = codeOf[value] { return c }
        guard table.count < Int(Self.escape) else { return Self.escape }
        let c = UInt16(table.count)
        table.append(value)
        codeOf[value] = c
        return c
    }

    public mutating func append(_ value: UInt32) {
        let c = code(value)
        codes.append(c)
        escaped.append(value, present: c == Self.escape)
    }

    /// Appends another column's values mapped through `transform`. - Complexity: O(other.count).
    public mutating func append(contentsOf other: CodedColumn, _ transform: (UInt32) -> UInt32 = { $0 }) {
        let mapped = other.table.map { code(transform($0)) }
        // The usual case, no value escaped on either side: the codes map through a table, no escapes to write.
        if other.escaped.presentCount == 0 && !mapped.contains(Self.escape) {
            mapped.withUnsafeBufferPointer { m in codes.append(contentsOf: other.codes.lazy.map { m[Int($0)] }) }
            escaped.appendAbsent(other.count)
            return
        }
        codes.reserveCapacity(codes.count + other.count)
        for i in 0..<other.count {
            let c = other.codes[i]
            let mine = c == Self.escape ? code(transform(other.escaped[i])) : mapped[Int(c)]
            codes.append(mine)
            escaped.append(
                mine == Self.escape ? transform(c == Self.escape ? other.escaped[i] : other.table[Int(c)]) : 0,
                present: mine == Self.escape)
        }
    }

    public mutating func reserveCapacity(_ n: Int) {
        codes.reserveCapacity(n)
        escaped.reserveCapacity(events: n - codes.count, present: 0)
    }

    func permuted(_ order: UnsafeBufferPointer<Int32>, inverse: PartialInverse) -> CodedColumn {
        var out = CodedColumn()
        out.codes = permute(codes, order)
        out.table = table
        out.codeOf = codeOf
        out.escaped = escaped.permuted(order, inverse: inverse)
        return out
    }

    public var bytes: Int { codes.count * 2 + table.count * 4 + codeOf.count * 16 + escaped.bytes }

    /// The positions of the events holding `value`, ascending. - Complexity: O(n), one pass over the 2-byte codes.
    func positions(of value: UInt32) -> [Int32] {
        var out: [Int32] = []
        if let c = codeOf[value], c != Self.escape {
            codes.withUnsafeBufferPointer { b in
                for i in b.indices where b[i] == c { out.append(Int32(truncatingIfNeeded: i)) }
            }
        }
        // A value past the 65,535 coded ones is held as itself where the code escapes.
        escaped.forEachValue { i, v in if v == value { out.append(Int32(truncatingIfNeeded: i)) } }
        if !escaped.values.isEmpty { out.sort() }
        return out
    }

    /// The first position of each value held, by one pass over the codes that stops once every code has been
    /// seen (escaped values are walked on their own). - Complexity: O(n) at most.
    func firstPositions() -> [UInt32: Int] {
        var first = [Int](repeating: -1, count: table.count)
        var seen = 0
        codes.withUnsafeBufferPointer { b in
            for i in b.indices where b[i] != Self.escape && first[Int(b[i])] < 0 {
                first[Int(b[i])] = i
                seen += 1
                if seen == table.count && escaped.presentCount == 0 { break }
            }
        }
        var out: [UInt32: Int] = [:]
        for (c, p) in first.enumerated() where p >= 0 { out[table[c]] = p }
        escaped.forEachValue { i, v in if out[v].map({ i < $0 }) ?? true { out[v] = i } }
        return out
    }

    /// The distinct values held, ascending.
    var distinctValues: [UInt32] {
        var seen = Set(table)
        escaped.forEachValue { _, v in seen.insert(v) }
        return seen.sorted()
    }
}

/// The new places of the events that columns with few values hold, when the store is sorted: the inverse
/// permutation (`order[inverse[p]] == p`) restricted to the union of those columns' events, held as a sparse column
/// over it. The whole inverse took 4 bytes an event beside the order and the rebuilt columns, at the run's peak;
/// the union is usually a small part of the events.
struct PartialInverse: Sendable {
    var places = SparseColumn<Int32>(absent: -1)

    init() {}

    /// The inverse of `order` on the events whose bits are set in `covered` (a presence bitmap, 64 events a word).
    /// - Complexity: O(n), one pass over the order.
    init(order: UnsafeBufferPointer<Int32>, covered: [UInt64]) {
        let n = order.count
        let wordCount = (n + 63) >> 6
        var words = covered
        if words.count < wordCount { words += repeatElement(0, count: wordCount - words.count) }
        words.removeLast(words.count - wordCount)
        // Bits past the last event are not events.
        if n & 63 != 0, let last = words.indices.last { words[last] &= (UInt64(1) &<< UInt64(n & 63)) &- 1 }
        var ranks = [UInt32](repeating: 0, count: wordCount)
        var total = 0
        for w in 0..<wordCount {
            ranks[w] = UInt32(truncatingIfNeeded: total)
            total += words[w].nonzeroBitCount
        }
        places.words = words
        places.ranks = ranks
        places.length = n
        places.stored = [Int32](repeating: -1, count: total)
        places.stored.withUnsafeMutableBufferPointer { out in
            words.withUnsafeBufferPointer { w in
                ranks.withUnsafeBufferPointer { r in
                    for i in 0..<n {
                        let p = Int(order[i])
                        // `order` is a permutation of 0..<n; a bad entry is skipped rather than trusted.
                        guard p >= 0 && p < n else { continue }
                        let word = w[p >> 6]
                        let bit = UInt64(1) &<< UInt64(p & 63)
                        if word & bit != 0 { out[Int(r[p >> 6]) + (word & (bit &- 1)).nonzeroBitCount] = Int32(i) }
                    }
                }
            }
        }
    }

    /// Whether every event set in `words` (a column of `length` events) has its place here.
    func covers(_ words: [UInt64], length: Int) -> Bool {
        guard length == places.length, words.count <= places.words.count else { return false }
        return words.withUnsafeBufferPointer { a in
            places.words.withUnsafeBufferPointer { b in
                for w in 0..<a.count where a[w] & ~b[w] != 0 { return false }
                return true
            }
        }
    }

    /// The new place of old event `p`, which must be covered.
    subscript(p: Int) -> Int32 { places[p] }

    var bytes: Int { places.bytes }
}
