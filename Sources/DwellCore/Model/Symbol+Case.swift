/// A symbol table as a persistent case stores it: the arena, the starts, the hashes and the probe table, so that
/// reopening a case rebuilds nothing.
extension SymbolTable {
    public func write(to w: inout BinaryWriter) {
        w.array(arena)
        w.array(starts)
        w.array(hashes)
        w.array(slots)
    }

    /// The table written by `write(to:)`. Every part is checked against the others (counts, ordered starts inside
    /// the arena, ids in the probe table), so damage that got past a checksum throws instead of trapping later.
    /// - Complexity: O(symbols + slots).
    public init(reading r: inout BinaryReader) throws(BinaryFormatError) {
        let at = r.position
        let arena: [UInt8] = try r.array()
        let starts: [Int] = try r.array()
        let hashes: [UInt32] = try r.array()
        let slots: [UInt32] = try r.array()
        func bad(_ what: String) -> BinaryFormatError { BinaryFormatError(offset: at, what: "symbol table: \(what)") }
        guard hashes.count >= 1, starts.count == hashes.count + 1 else { throw bad("starts and hashes disagree") }
        guard slots.count >= 64, slots.count & (slots.count - 1) == 0, slots.count >= hashes.count * 2 else {
            throw bad("probe table of \(slots.count) slots")
        }
        var previous = 0
        for s in starts {
            guard s >= previous, s <= arena.count else { throw bad("a symbol outside the arena") }
            previous = s
        }
        var used = 0
        for id in slots where id != 0 {
            guard Int(id) < hashes.count else { throw bad("a slot naming symbol \(id)") }
            used += 1
        }
        // Lookups probe until an empty slot: there must be one.
        guard used < hashes.count else { throw bad("\(used) slots used for \(hashes.count - 1) symbols") }
        self.init(capacity: 1)
        self.arena = arena
        self.starts = starts
        self.hashes = hashes
        self.slots = slots
        self.mask = slots.count - 1
    }
}

extension SymbolTable {
    /// The hash that places a symbol in the probe table, for a reader of the table as a case stores it.
    package static func probeHash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt32 { hash(bytes) }
}
