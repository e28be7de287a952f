/// A hash table from 64-bit integer keys to values, for the analysis loops that look a key up per event (packed
/// ids: address, symbol, host, second): open addressing with linear probing over a multiplicative mix of the key,
/// no per-lookup generic hashing, no per-entry allocation. Entries are never removed.
///
/// Iteration order is the order keys were first inserted (`keys`), so results built from it never depend on
/// hashing.
/// - Complexity: lookup and insert O(1) expected; growing doubles the slots (amortised O(1) per insert).
@frozen public struct IntegerTable<Value> {
    /// Slot → entry number + 1 (0 = empty).
    @usableFromInline var slots: [Int32]
    /// The keys, in insertion order; `values[k]` is the value of `keys[k]`.
    @usableFromInline var storedKeys: [UInt64] = []
    public var keys: [UInt64] { storedKeys }
    public var values: [Value] = []

    /// A table that holds about `capacity` keys before it grows.
    public init(capacity: Int = 16) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = [Int32](repeating: 0, count: size)
        storedKeys.reserveCapacity(capacity)
        values.reserveCapacity(capacity)
    }

    public var count: Int { storedKeys.count }
    public var isEmpty: Bool { storedKeys.isEmpty }

    /// The finalizer of MurmurHash3: every key bit reaches the low bits the slot is taken from.
    @inlinable @inline(__always) static func mix(_ key: UInt64) -> Int {
        var h = (key ^ (key &>> 33)) &* 0xFF51_AFD7_ED55_8CCD
        h = (h ^ (h &>> 33)) &* 0xC4CE_B9FE_1A85_EC53
        return Int(truncatingIfNeeded: h ^ (h &>> 33))
    }

    /// The slot holding `key`, or the empty slot where it would go.
    @inlinable @inline(__always) func slot(of key: UInt64) -> Int {
        slots.withUnsafeBufferPointer { s in
            storedKeys.withUnsafeBufferPointer { k in
                let mask = s.count - 1
                var slot = Self.mix(key) & mask
                // The table is never more than half full, so an empty slot ends every probe.
                while true {
                    let entry = Int(s[slot])
                    if entry == 0 || k[entry - 1] == key { return slot }
                    slot = (slot + 1) & mask
                }
            }
        }
    }

    /// The entry number (index into `keys` and `values`) of `key`, or nil.
    @inlinable @inline(__always) public func index(of key: UInt64) -> Int? {
        let entry = Int(slots[slot(of: key)])
        return entry == 0 ? nil : entry - 1
    }

    @inlinable public subscript(key: UInt64) -> Value? {
        guard let k = index(of: key) else { return nil }
        return values[k]
    }

    /// The entry number of `key`, inserting it with `value()` first when absent.
    @inlinable @inline(__always) public mutating func index(of key: UInt64, inserting value: @autoclosure () -> Value) -> Int {
        let slot = slot(of: key)
        let entry = Int(slots[slot])
        if entry != 0 { return entry - 1 }
        storedKeys.append(key)
        values.append(value())
        slots[slot] = Int32(truncatingIfNeeded: storedKeys.count)
        if storedKeys.count * 2 > slots.count { grow() }
        return storedKeys.count - 1
    }

    @usableFromInline mutating func grow() {
        let size = slots.count * 2
        var fresh = [Int32](repeating: 0, count: size)
        for (k, key) in storedKeys.enumerated() {
            var slot = Self.mix(key) & (size - 1)
            while fresh[slot] != 0 { slot = (slot + 1) & (size - 1) }
            fresh[slot] = Int32(truncatingIfNeeded: k + 1)
        }
        slots = fresh
    }
}

/// A set of 64-bit keys over `IntegerTable` (open addressing, one mix per lookup): the detectors' per-event
/// membership tests, where `Set<UInt64>`'s seeded hashing was most of the cost.
@frozen public struct IntegerSet {
    @usableFromInline var table: IntegerTable<Void>

    public init(capacity: Int = 16) { table = IntegerTable(capacity: capacity) }

    public var count: Int { table.count }

    /// Inserts `key`; whether it was new.
    @inlinable @discardableResult public mutating func insert(_ key: UInt64) -> Bool {
        let before = table.count
        _ = table.index(of: key, inserting: ())
        return table.count != before
    }

    @inlinable public func contains(_ key: UInt64) -> Bool { table.index(of: key) != nil }
}
