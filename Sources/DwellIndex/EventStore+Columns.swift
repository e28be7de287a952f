import DwellCore
import Foundation

// MARK: The columns, once

/// What the ids of a column of 32-bit ids name: symbols of a table or addresses of a list. A file's chunk names
/// them in its own table and list; appending it to the store maps them into the store's.
enum ColumnIDs: Sendable { case symbols, addresses }

/// Something done to every column of the store but the time. `EventStore.visitColumns` is the one list of the
/// columns that code walking all of them goes through (reserving, appending files' chunks, sorting, keeping a
/// case's events, writing and reading a case, sizes), so a new column is added in one place.
protocol EventColumnVisitor {
    mutating func visit<T: DenseColumnValue>(dense column: WritableKeyPath<EventStore, [T]>)
    mutating func visit<T: FixedWidthInteger & BitwiseCopyable & Sendable>(
        sparse column: WritableKeyPath<EventStore, SparseColumn<T>>)
    mutating func visit(ids column: WritableKeyPath<EventStore, SparseColumn<UInt32>>, naming: ColumnIDs)
    mutating func visit(coded column: WritableKeyPath<EventStore, CodedColumn>, naming: ColumnIDs?)
    mutating func visit(wide column: WritableKeyPath<EventStore, WideColumn>)
    mutating func visit(sparse64 column: WritableKeyPath<EventStore, SparseInt64Column>)
}

extension EventStore {
    /// Every column but the time, in declaration order: the order a case writes them in (docs/DESIGN.md, "The case
    /// on disk"), so this list is also the case's. The sort orders its jobs by size itself (`Rebuild`).
    static func visitColumns(_ v: inout some EventColumnVisitor) {
        v.visit(coded: \.fileID, naming: nil)
        v.visit(dense: \.line)
        v.visit(wide: \.offset)
        v.visit(dense: \.kind)
        v.visit(dense: \.outcome)
        v.visit(dense: \.format)
        v.visit(coded: \.host, naming: .symbols)
        v.visit(dense: \.timeSource)
        v.visit(ids: \.sourceIP, naming: .addresses)
        v.visit(ids: \.destinationIP, naming: .addresses)
        v.visit(sparse: \.sourcePort)
        v.visit(sparse: \.destinationPort)
        v.visit(ids: \.user, naming: .symbols)
        v.visit(ids: \.targetUser, naming: .symbols)
        v.visit(ids: \.authMethod, naming: .symbols)
        v.visit(ids: \.program, naming: .symbols)
        v.visit(sparse: \.pid)
        v.visit(ids: \.command, naming: .symbols)
        v.visit(ids: \.httpMethod, naming: .symbols)
        v.visit(ids: \.path, naming: .symbols)
        v.visit(ids: \.query, naming: .symbols)
        v.visit(sparse: \.httpStatus)
        v.visit(sparse64: \.bytesOut)
        v.visit(sparse64: \.bytesIn)
        v.visit(ids: \.userAgent, naming: .symbols)
        v.visit(ids: \.domain, naming: .symbols)
        v.visit(ids: \.service, naming: .symbols)
        v.visit(ids: \.signature, naming: .symbols)
        v.visit(sparse: \.severity)
        v.visit(ids: \.detail, naming: .symbols)
        v.visit(ids: \.sessionID, naming: .symbols)
        v.visit(ids: \.fileHash, naming: .symbols)
        v.visit(ids: \.referer, naming: .symbols)
        v.visit(ids: \.forwardedFor, naming: .symbols)
        v.visit(sparse: \.repeatCount)
        v.visit(sparse: \.locality)
    }
}

/// Each column's bytes, named by its key path.
struct ColumnSizes: EventColumnVisitor {
    let store: EventStore
    var sizes: [(name: String, bytes: Int)] = []

    mutating func note<C>(_ column: KeyPath<EventStore, C>, _ bytes: Int) {
        let path = String(describing: column)
        sizes.append((path.split(separator: ".").last.map(String.init) ?? path, bytes))
    }
    mutating func visit<T: DenseColumnValue>(dense column: WritableKeyPath<EventStore, [T]>) {
        note(column, store[keyPath: column].count * MemoryLayout<T>.stride)
    }
    mutating func visit<T: FixedWidthInteger & BitwiseCopyable & Sendable>(
        sparse column: WritableKeyPath<EventStore, SparseColumn<T>>
    ) {
        note(column, store[keyPath: column].bytes)
    }
    mutating func visit(ids column: WritableKeyPath<EventStore, SparseColumn<UInt32>>, naming: ColumnIDs) {
        note(column, store[keyPath: column].bytes)
    }
    mutating func visit(coded column: WritableKeyPath<EventStore, CodedColumn>, naming: ColumnIDs?) {
        note(column, store[keyPath: column].bytes)
    }
    mutating func visit(wide column: WritableKeyPath<EventStore, WideColumn>) { note(column, store[keyPath: column].bytes) }
    mutating func visit(sparse64 column: WritableKeyPath<EventStore, SparseInt64Column>) {
        note(column, store[keyPath: column].bytes)
    }
}

// MARK: Building the store, column by column

extension EventStore {
    /// An empty store, made once, that `Reserve`, `Append` and `Rebuild` hold while the real store is swapped into
    /// them: a call copies its (empty) buffers' references instead of making a store with a 16 K-slot symbol table.
    static let placeholder = EventStore()
}

/// Reserves room for `total` events (`more` beyond those held) in every column; see `EventStore.reserve`.
struct Reserve: EventColumnVisitor {
    var store = EventStore.placeholder
    let total: Int
    let more: Int

    mutating func visit<T: DenseColumnValue>(dense column: WritableKeyPath<EventStore, [T]>) {
        store[keyPath: column].reserveCapacity(total)
    }
    mutating func visit<T: FixedWidthInteger & BitwiseCopyable & Sendable>(
        sparse column: WritableKeyPath<EventStore, SparseColumn<T>>
    ) {
        store[keyPath: column].reserveCapacity(events: more, present: more)
    }
    mutating func visit(ids column: WritableKeyPath<EventStore, SparseColumn<UInt32>>, naming: ColumnIDs) {
        store[keyPath: column].reserveCapacity(events: more, present: more)
    }
    mutating func visit(coded column: WritableKeyPath<EventStore, CodedColumn>, naming: ColumnIDs?) {
        store[keyPath: column].reserveCapacity(total)
    }
    mutating func visit(wide column: WritableKeyPath<EventStore, WideColumn>) { store[keyPath: column].reserveCapacity(total) }
    mutating func visit(sparse64 column: WritableKeyPath<EventStore, SparseInt64Column>) {
        store[keyPath: column].reserveCapacity(events: more, present: more)
    }
}

/// Appends a chunk's columns to the store's, mapping the ids of its own symbol table and address list
/// (`symbols`, `addresses`: chunk id → store id) into the store's; see `EventStore.appendChunk`.
struct Append: EventColumnVisitor {
    var store = EventStore.placeholder
    let chunk: EventStore
    let symbols: [UInt32]
    let addresses: [UInt32]

    func map(_ naming: ColumnIDs) -> [UInt32] { naming == .symbols ? symbols : addresses }

    mutating func visit<T: DenseColumnValue>(dense column: WritableKeyPath<EventStore, [T]>) {
        store[keyPath: column].append(contentsOf: chunk[keyPath: column])
    }
    mutating func visit<T: FixedWidthInteger & BitwiseCopyable & Sendable>(
        sparse column: WritableKeyPath<EventStore, SparseColumn<T>>
    ) {
        store[keyPath: column].append(contentsOf: chunk[keyPath: column])
    }
    mutating func visit(ids column: WritableKeyPath<EventStore, SparseColumn<UInt32>>, naming: ColumnIDs) {
        // An id the chunk's table does not hold reads as none (a parser cannot make one; it is not trusted).
        let m = map(naming)
        store[keyPath: column].append(contentsOf: chunk[keyPath: column]) { Int($0) < m.count ? m[Int($0)] : 0 }
    }
    mutating func visit(coded column: WritableKeyPath<EventStore, CodedColumn>, naming: ColumnIDs?) {
        guard let naming else { return store[keyPath: column].append(contentsOf: chunk[keyPath: column]) }
        let m = map(naming)
        store[keyPath: column].append(contentsOf: chunk[keyPath: column]) { Int($0) < m.count ? m[Int($0)] : 0 }
    }
    mutating func visit(wide column: WritableKeyPath<EventStore, WideColumn>) {
        store[keyPath: column].append(contentsOf: chunk[keyPath: column])
    }
    mutating func visit(sparse64 column: WritableKeyPath<EventStore, SparseInt64Column>) {
        store[keyPath: column].append(contentsOf: chunk[keyPath: column])
    }
}

/// Moves a chunk's columns into an empty store whose symbol and address ids are the chunk's own (no copy, no
/// remap); see `EventStore.appendChunk`.
struct Adopt: EventColumnVisitor {
    var store = EventStore.placeholder
    var chunk: EventStore

    mutating func take<C>(_ column: WritableKeyPath<EventStore, C>) {
        swap(&store[keyPath: column], &chunk[keyPath: column])
    }
    mutating func visit<T: DenseColumnValue>(dense column: WritableKeyPath<EventStore, [T]>) { take(column) }
    mutating func visit<T: FixedWidthInteger & BitwiseCopyable & Sendable>(
        sparse column: WritableKeyPath<EventStore, SparseColumn<T>>
    ) {
        take(column)
    }
    mutating func visit(ids column: WritableKeyPath<EventStore, SparseColumn<UInt32>>, naming: ColumnIDs) { take(column) }
    mutating func visit(coded column: WritableKeyPath<EventStore, CodedColumn>, naming: ColumnIDs?) { take(column) }
    mutating func visit(wide column: WritableKeyPath<EventStore, WideColumn>) { take(column) }
    mutating func visit(sparse64 column: WritableKeyPath<EventStore, SparseInt64Column>) { take(column) }
}

/// One job per column to put it in the sorted order (`shared`: the order and the inverse for the columns with few
/// values): each column is moved out of the store into its job's box (the store keeps an empty one meanwhile),
/// rebuilt there, and moved back by `putBack` once every job is done; see `EventStore.sortInPlace`.
struct Rebuild: EventColumnVisitor {
    typealias Order = UnsafeBufferPointer<Int32>
    var store = EventStore.placeholder
    let shared: Box<(order: [Int32], inverse: PartialInverse)>
    var jobs: [() -> Void] = []
    var putBack: [(inout EventStore) -> Void] = []
    /// Each job's column's bytes: the jobs run largest first (`sortedJobs`), which balances them best.
    var bytes: [Int] = []

    init(shared: Box<(order: [Int32], inverse: PartialInverse)>) { self.shared = shared }

    mutating func job<C>(
        _ path: WritableKeyPath<EventStore, C>, empty: C, bytes: Int,
        _ rebuild: @escaping (C, Order, PartialInverse) -> C
    ) {
        self.bytes.append(bytes)
        let box = Box(store[keyPath: path])
        store[keyPath: path] = empty
        let shared = self.shared
        jobs.append {
            shared.value.order.withUnsafeBufferPointer { o in box.value = rebuild(box.value, o, shared.value.inverse) }
        }
        putBack.append { $0[keyPath: path] = box.value }
    }

    /// The jobs, those of the largest columns first (ties in table order).
    var sortedJobs: [() -> Void] {
        jobs.indices.sorted { bytes[$0] != bytes[$1] ? bytes[$0] > bytes[$1] : $0 < $1 }.map { jobs[$0] }
    }

    mutating func visit<T: DenseColumnValue>(dense column: WritableKeyPath<EventStore, [T]>) {
        let bytes = store[keyPath: column].count * MemoryLayout<T>.stride
        job(column, empty: [], bytes: bytes) { c, o, _ in permute(c, o) }
    }
    mutating func visit<T: FixedWidthInteger & BitwiseCopyable & Sendable>(
        sparse column: WritableKeyPath<EventStore, SparseColumn<T>>
    ) {
        let (absent, bytes) = (store[keyPath: column].absent, store[keyPath: column].bytes)
        job(column, empty: SparseColumn(absent: absent), bytes: bytes) { c, o, inv in c.permuted(o, inverse: inv) }
    }
    mutating func visit(ids column: WritableKeyPath<EventStore, SparseColumn<UInt32>>, naming: ColumnIDs) {
        let bytes = store[keyPath: column].bytes
        job(column, empty: SparseColumn(absent: 0), bytes: bytes) { c, o, inv in c.permuted(o, inverse: inv) }
    }
    mutating func visit(coded column: WritableKeyPath<EventStore, CodedColumn>, naming: ColumnIDs?) {
        let bytes = store[keyPath: column].bytes
        job(column, empty: CodedColumn(), bytes: bytes) { c, o, inv in c.permuted(o, inverse: inv) }
    }
    mutating func visit(wide column: WritableKeyPath<EventStore, WideColumn>) {
        let bytes = store[keyPath: column].bytes
        job(column, empty: WideColumn(), bytes: bytes) { c, o, inv in c.permuted(o, inverse: inv) }
    }
    mutating func visit(sparse64 column: WritableKeyPath<EventStore, SparseInt64Column>) {
        let (absent, bytes) = (store[keyPath: column].absent, store[keyPath: column].bytes)
        job(column, empty: SparseInt64Column(absent: absent), bytes: bytes) { c, o, inv in
            c.permuted(o, inverse: inv)
        }
    }
}

/// The events that the store's columns with few values hold (their presence bits, or-ed), which the sort's
/// `PartialInverse` must cover; see `EventStore.sortInPlace`.
struct FewValued: EventColumnVisitor {
    let store: EventStore
    var covered: [UInt64] = []

    mutating func add<T>(_ c: SparseColumn<T>) {
        guard c.hasFewValues else { return }
        if covered.count < c.words.count { covered += repeatElement(0, count: c.words.count - covered.count) }
        for (w, word) in c.words.enumerated() { covered[w] |= word }
    }
    mutating func visit<T: DenseColumnValue>(dense column: WritableKeyPath<EventStore, [T]>) {}
    mutating func visit<T: FixedWidthInteger & BitwiseCopyable & Sendable>(
        sparse column: WritableKeyPath<EventStore, SparseColumn<T>>
    ) {
        add(store[keyPath: column])
    }
    mutating func visit(ids column: WritableKeyPath<EventStore, SparseColumn<UInt32>>, naming: ColumnIDs) {
        add(store[keyPath: column])
    }
    mutating func visit(coded column: WritableKeyPath<EventStore, CodedColumn>, naming: ColumnIDs?) {
        add(store[keyPath: column].escaped)
    }
    mutating func visit(wide column: WritableKeyPath<EventStore, WideColumn>) { add(store[keyPath: column].high) }
    mutating func visit(sparse64 column: WritableKeyPath<EventStore, SparseInt64Column>) {
        add(store[keyPath: column].low)
        add(store[keyPath: column].high)
    }
}
