import DwellCore

/// A column read by event position: the store's columns in memory (`SparseColumn`, `CodedColumn`, arrays…) and
/// the same columns read in place from a mapped case (`MappedEventStore`).
public protocol ColumnValues<Value> {
    associatedtype Value
    subscript(i: Int) -> Value { get }
}

extension Array: ColumnValues { public typealias Value = Element }
extension SparseColumn: ColumnValues { public typealias Value = Element }
extension CodedColumn: ColumnValues { public typealias Value = UInt32 }
extension TimeColumn: ColumnValues { public typealias Value = Int64 }
extension WideColumn: ColumnValues { public typealias Value = UInt64 }
extension SparseInt64Column: ColumnValues { public typealias Value = Int64 }

/// What the pivot and timeline queries read (`Queries.swift`): the event columns by position, the symbol and
/// address tables, postings and the time buckets. `EventStore` holds them in memory; `MappedEventStore` reads
/// them in place from a case's mapped store file, so a query touches only the rows and columns it needs.
public protocol EventColumns {
    associatedtype Times: ColumnValues<Int64>
    associatedtype Codes: ColumnValues<UInt32>
    associatedtype Lines: ColumnValues<UInt32>
    associatedtype Offsets: ColumnValues<UInt64>
    associatedtype Kinds: ColumnValues<EventKind>
    associatedtype Outcomes: ColumnValues<Outcome>
    associatedtype IDs: ColumnValues<UInt32>
    associatedtype Ports: ColumnValues<UInt16>
    associatedtype Statuses: ColumnValues<Int16>
    associatedtype ByteCounts: ColumnValues<Int64>
    associatedtype PIDs: ColumnValues<Int32>

    var count: Int { get }
    var time: Times { get }
    var fileID: Codes { get }
    var host: Codes { get }
    var line: Lines { get }
    var offset: Offsets { get }
    var kind: Kinds { get }
    var outcome: Outcomes { get }
    var sourceIP: IDs { get }
    var destinationIP: IDs { get }
    var destinationPort: Ports { get }
    var user: IDs { get }
    var targetUser: IDs { get }
    var command: IDs { get }
    var httpMethod: IDs { get }
    var path: IDs { get }
    var query: IDs { get }
    var httpStatus: Statuses { get }
    var bytesOut: ByteCounts { get }
    var userAgent: IDs { get }
    var domain: IDs { get }
    var fileHash: IDs { get }
    var program: IDs { get }
    var pid: PIDs { get }
    var service: IDs { get }
    var signature: IDs { get }
    var sessionID: IDs { get }
    var detail: IDs { get }

    /// Number of symbols, `none` included.
    var symbolCount: Int { get }
    /// Calls `body` with a symbol's bytes (empty for an id past the table), without copying.
    func withSymbolBytes<R>(_ id: UInt32, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R
    func string(_ id: UInt32) -> String
    func address(_ id: UInt32) -> IPAddress?
    /// Number of addresses (ids 1...addressCount).
    var addressCount: Int { get }
    /// The id of an address, if it occurs.
    func addressID(of ip: IPAddress) -> UInt32?
    /// The key of an indicator value, if it occurs.
    func key(_ type: IndicatorType, _ text: String) -> IndicatorKey<UInt32>?
    /// An indicator's event positions, sorted by time.
    func positions(_ key: IndicatorKey<UInt32>) -> [Int32]
    /// The same positions as a slice: `EventStore`'s without copying; a mapped store's decoded once per key and
    /// kept (the correlator asks a host's or an address's list many times).
    func postingSlice(_ key: IndicatorKey<UInt32>) -> ArraySlice<Int32>
    /// Positions of events in `[from, to)` (bounds inside the stored times).
    func range(from: Timestamp, to: Timestamp) -> Range<Int>
    /// The first and last event times, nil for no events.
    var timeBounds: (first: Int64, last: Int64)? { get }
    /// The positions of the events of the given kinds, in order (the same as testing `kind[i]` for every event).
    func positions(ofKinds kinds: [EventKind]) -> [Int32]
}

extension EventColumns {
    public func timestamp(_ i: Int) -> Timestamp { Timestamp(microseconds: time[i]) }

    /// Text of an indicator value.
    public func text(_ key: IndicatorKey<UInt32>) -> String {
        key.type == .ip ? (address(key.value)?.description ?? "") : string(key.value)
    }
}

extension EventStore: EventColumns {
    public var symbolCount: Int { symbols.count }
    public var addressCount: Int { addresses.count }

    public func withSymbolBytes<R>(_ id: UInt32, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        symbols.withBytes(Symbol(id: id), body)
    }

    public var timeBounds: (first: Int64, last: Int64)? {
        guard let a = time.first, let b = time.last else { return nil }
        return (a, b)
    }

    public func positions(ofKinds kinds: [EventKind]) -> [Int32] {
        var wanted = [Bool](repeating: false, count: 256)
        for k in kinds { wanted[Int(k.rawValue)] = true }
        var out: [Int32] = []
        for (i, k) in kind.enumerated() where wanted[Int(k.rawValue)] { out.append(Int32(truncatingIfNeeded: i)) }
        return out
    }
}
