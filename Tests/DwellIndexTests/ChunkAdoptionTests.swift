import DwellCore
import Testing

@testable import DwellIndex

/// #19: the first file's chunk becomes the store's columns as they are (no copy); the later files' are copied and
/// remapped. Either way the built store reads back every field of every event.
@Suite struct ChunkAdoptionTests {
    static func chunk(file: UInt32, events n: Int, seed: UInt64) -> (EventChunk, SymbolTable, [Event]) {
        var r = ColumnTests.Random(x: seed)
        var symbols = SymbolTable()
        var chunk = EventChunk()
        var events: [Event] = []
        for line in 1...UInt64(n) {
            let e = ColumnTests.event(&r, file: file, line: line, symbols: &symbols)
            chunk.append(e)
            events.append(e)
        }
        return (chunk, symbols, events)
    }

    static func sorted(_ expected: [(Event, SymbolTable)]) -> [(Event, SymbolTable)] {
        expected.sorted {
            ($0.0.time.microseconds, $0.0.source.fileID, $0.0.source.line)
                < ($1.0.time.microseconds, $1.0.source.fileID, $1.0.source.line)
        }
    }

    @Test("#19: a lone file's chunk is adopted, and the store reads back every field exactly")
    func loneChunkIsAdoptedAndReadsBackExactly() throws {
        let (chunk, symbols, events) = Self.chunk(file: 0, events: 700, seed: 7)
        var builder = EventStore.Builder()
        builder.reserve(events: 10_000)
        builder.add(chunk: chunk, symbols: symbols)
        #expect(builder.chunksAdopted == 1)
        let s = builder.build()
        #expect(s.count == 700)
        try ColumnTests.expectEveryField(of: s, equals: Self.sorted(events.map { ($0, symbols) }))
    }

    @Test("#19: a chunk reserved for a journal's entry count is filled in batches without moving a column")
    func reservedChunkFillsWithoutMovingAColumn() throws {
        var r = ColumnTests.Random(x: 11)
        var symbols = SymbolTable()
        let events = (1...UInt64(1_000)).map { ColumnTests.event(&r, file: 0, line: $0, symbols: &symbols) }
        var chunk = EventChunk()
        chunk.reserve(events: events.count)
        func bases(_ c: EventChunk) -> [UnsafeRawPointer?] {
            [
                c.time.withUnsafeBytes { $0.baseAddress }, c.line.withUnsafeBytes { $0.baseAddress },
                c.kind.withUnsafeBytes { $0.baseAddress }, c.user.stored.withUnsafeBytes { $0.baseAddress },
                c.pid.stored.withUnsafeBytes { $0.baseAddress }, c.sessionID.words.withUnsafeBytes { $0.baseAddress },
            ]
        }
        let before = bases(chunk)
        events.withUnsafeBufferPointer { all in
            var k = 0
            while k < all.count {
                let n = min(64, all.count - k)
                chunk.append(contentsOf: UnsafeBufferPointer(rebasing: all[k..<(k + n)]))
                k += n
            }
        }
        #expect(bases(chunk) == before)
        var builder = EventStore.Builder()
        builder.add(chunk: chunk, symbols: symbols)
        let s = builder.build()
        #expect(s.count == events.count)
        try ColumnTests.expectEveryField(of: s, equals: Self.sorted(events.map { ($0, symbols) }))
    }

    @Test("#19: only the first chunk is adopted; the next ones are remapped into its ids")
    func laterChunksAreCopiedAndRemapped() throws {
        var builder = EventStore.Builder()
        var expected: [(Event, SymbolTable)] = []
        for file in UInt32(0)..<3 {
            let (chunk, symbols, events) = Self.chunk(file: file, events: 250 + Int(file) * 31, seed: 11 + UInt64(file))
            builder.add(chunk: chunk, symbols: symbols)
            expected += events.map { ($0, symbols) }
        }
        #expect(builder.chunksAdopted == 1)
        try ColumnTests.expectEveryField(of: builder.build(), equals: Self.sorted(expected))
    }

    /// The adopted first chunk has only its own capacity: the second file grows the columns once to the planned
    /// size, not by doubling as each later file appends (a peak 68 MB higher on the 21-file noisy corpus).
    @Test("#18/#19: after an adopted first chunk, the second grows the columns once to the planned size")
    func theSecondChunkGrowsTheColumnsToThePlan() throws {
        var builder = EventStore.Builder()
        builder.reserve(events: 5_000)
        var expected: [(Event, SymbolTable)] = []
        for file in UInt32(0)..<3 {
            let (chunk, symbols, events) = Self.chunk(file: file, events: 400, seed: 21 + UInt64(file))
            builder.add(chunk: chunk, symbols: symbols)
            expected += events.map { ($0, symbols) }
            if file == 0 { #expect(builder.store.unsortedTime.capacity < 5_000) }
            if file >= 1 { #expect(builder.store.unsortedTime.capacity >= 5_000) }
        }
        #expect(builder.chunksAdopted == 1)
        try ColumnTests.expectEveryField(of: builder.build(), equals: Self.sorted(expected))
    }

    /// A case update adds the events the case keeps first: adopted the same way, so the next file grows the columns
    /// to the plan too.
    @Test("#18/#19: after adopted kept events, the next file grows the columns once to the planned size")
    func afterKeptEventsTheNextChunkGrowsTheColumnsToThePlan() throws {
        let (first, firstSymbols, firstEvents) = Self.chunk(file: 0, events: 300, seed: 31)
        var earlier = EventStore.Builder()
        earlier.add(chunk: first, symbols: firstSymbols)
        let kept = earlier.build().keeping(files: [0])
        var builder = EventStore.Builder()
        builder.reserve(events: 5_000)
        builder.add(kept: kept)
        let (next, nextSymbols, nextEvents) = Self.chunk(file: 1, events: 300, seed: 32)
        builder.add(chunk: next, symbols: nextSymbols)
        #expect(builder.store.unsortedTime.capacity >= 5_000)
        try ColumnTests.expectEveryField(
            of: builder.build(),
            equals: Self.sorted(firstEvents.map { ($0, firstSymbols) } + nextEvents.map { ($0, nextSymbols) }))
    }

    @Test("#19: a store that already holds symbols copies even its first chunk")
    func aChunkIntoANonEmptySymbolTableIsCopied() throws {
        let (chunk, symbols, events) = Self.chunk(file: 0, events: 300, seed: 3)
        var builder = EventStore.Builder()
        _ = builder.symbols.intern("already here")
        builder.add(chunk: chunk, symbols: symbols)
        #expect(builder.chunksAdopted == 0)
        try ColumnTests.expectEveryField(of: builder.build(), equals: Self.sorted(events.map { ($0, symbols) }))
    }
}
