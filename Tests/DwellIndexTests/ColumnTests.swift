import DwellCore
import Testing

@testable import DwellIndex

/// The store's compact columns read back exactly what was appended: sparse values (absent vs zero, edge
/// values), 64-bit values split in halves, times as distances from block bases; and a store built through files'
/// chunks holds, event by event, the fields of the events it was given.
@Suite struct ColumnTests {
    /// A deterministic pseudo-random sequence (LCG), so failures reproduce.
    struct Random {
        var x: UInt64
        mutating func next() -> UInt64 {
            x = x &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return x >> 11
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    /// (value, present) rows with the given density in percent, including present values equal to `absent`.
    static func rows(_ n: Int, density: Int, seed: UInt64) -> [(Int32, Bool)] {
        var r = Random(x: seed)
        return (0..<n).map { _ in
            let present = r.below(100) < density
            let v = r.below(5) == 0 ? -1 : Int32(r.below(1000))  // some present values equal the sentinel
            return (v, present)
        }
    }

    static func column(_ rows: [(Int32, Bool)]) -> SparseColumn<Int32> {
        var c = SparseColumn<Int32>(absent: -1)
        for (v, p) in rows { c.append(v, present: p) }
        return c
    }

    static func check(_ c: SparseColumn<Int32>, _ rows: [(Int32, Bool)], _ note: Comment) {
        #expect(c.count == rows.count, note)
        #expect(c.presentCount == rows.filter(\.1).count, note)
        var mismatches = 0
        for (i, (v, p)) in rows.enumerated() where c[i] != (p ? v : -1) || c.hasValue(at: i) != p { mismatches += 1 }
        #expect(mismatches == 0, note)
    }

    @Test(arguments: [0, 1, 3, 50, 97, 100])
    func sparseColumnReadsBackEveryValueAndItsPresence(density: Int) {
        for n in [0, 1, 63, 64, 65, 128, 1000] {
            let rows = Self.rows(n, density: density, seed: UInt64(n * 101 + density))
            Self.check(Self.column(rows), rows, "n \(n) density \(density)")
        }
    }

    /// A file's chunk fills its sparse columns through a builder that keeps the current presence word aside: the
    /// column it gives must be the one appending value by value gives, bit for bit (words, ranks, values).
    @Test(arguments: [0, 1, 3, 50, 100])
    func builtColumnEqualsAppendedColumn(density: Int) {
        for n in [0, 1, 63, 64, 65, 127, 128, 129, 1000] {
            let rows = Self.rows(n, density: density, seed: UInt64(n * 7 + density))
            var builder = SparseColumnBuilder<Int32>()
            for (v, p) in rows { builder.append(v, present: p) }
            let built = builder.column(absent: -1)
            let appended = Self.column(rows)
            #expect(built.words == appended.words && built.ranks == appended.ranks, "n \(n) density \(density)")
            #expect(built.values == appended.values && built.count == appended.count, "n \(n) density \(density)")
            Self.check(built, rows, "built, n \(n) density \(density)")
        }
    }

    /// Appending a run of absent events at once equals appending them one by one, at any alignment.
    @Test func appendingAbsentRunsEqualsAppendingOneByOne() {
        for start in [0, 1, 63, 64, 65, 100] {
            for run in [0, 1, 62, 63, 64, 65, 200] {
                let rows = Self.rows(start, density: 50, seed: UInt64(start + 1)) + [(Int32, Bool)](repeating: (0, false), count: run)
                    + Self.rows(70, density: 50, seed: 3)
                var c = Self.column(Array(rows.prefix(start)))
                c.appendAbsent(run)
                for (v, p) in rows.suffix(70) { c.append(v, present: p) }
                let one = Self.column(rows)
                #expect(c.words == one.words && c.ranks == one.ranks && c.values == one.values, "start \(start) run \(run)")
                Self.check(c, rows, "start \(start) run \(run)")
            }
        }
    }

    /// Hosts and files merged from files' chunks without escapes (the usual case) map codes through a table.
    @Test func mergingCodedColumnsWithoutEscapesKeepsEveryValue() {
        var a = CodedColumn()
        var b = CodedColumn()
        for i in 0..<1_000 { a.append(UInt32(10 + i % 3)) }
        for i in 0..<777 { b.append(UInt32(20 + i % 5)) }
        var merged = CodedColumn()
        merged.append(contentsOf: a)
        merged.append(contentsOf: b) { $0 &* 2 }
        merged.append(contentsOf: a) { $0 &+ 1 }
        #expect(Array(merged) == Array(a) + Array(b).map { $0 &* 2 } + Array(a).map { $0 &+ 1 })
        #expect(merged.escaped.count == merged.count && merged.escaped.presentCount == 0)
    }

    /// Appending columns whole (the builder merging files' chunks) gives the same column as appending the values
    /// one by one, whatever the lengths do to the alignment of the presence bits.
    @Test func appendingColumnsAtAnyAlignmentEqualsAppendingValues() {
        let lengths = [0, 1, 2, 63, 64, 65, 127, 128, 129, 7, 200, 31]
        var whole = SparseColumn<Int32>(absent: -1)
        var all: [(Int32, Bool)] = []
        for (k, n) in lengths.enumerated() {
            let rows = Self.rows(n, density: k % 2 == 0 ? 30 : 90, seed: UInt64(k + 1))
            whole.append(contentsOf: Self.column(rows))
            all += rows
            Self.check(whole, all, "after \(k + 1) appends")
        }
        // The transform maps present values only.
        var mapped = SparseColumn<Int32>(absent: -1)
        mapped.append(contentsOf: whole) { $0 &* 2 }
        #expect((0..<all.count).allSatisfy { mapped.hasValue(at: $0) == all[$0].1 })
        #expect(mapped.values == whole.values.map { $0 &* 2 })
    }

    /// Both ways of reordering (visiting every event; moving the few values through the inverse permutation, taken
    /// when fewer than one event in 32 has a value) give the column in the new order.
    @Test(arguments: [40, 3, 1, 0])
    func permutingASparseColumnMovesValuesWithTheirPresence(density: Int) {
        for n in [777, 5_000] {
            let rows = Self.rows(n, density: density, seed: 9)
            var r = Random(x: 5)
            var order = (0..<Int32(rows.count)).map { $0 }
            for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, r.below(i + 1)) }
            let expected = order.map { rows[Int($0)] }
            let visited = order.withUnsafeBufferPointer { Self.column(rows).permuted($0) }
            Self.check(visited, expected, "permuted, n \(n), density \(density)")
            // The inverse over this column's events and a few more (another column's), as the sort makes it.
            let column = Self.column(rows)
            let other = Self.column(Self.rows(n, density: 2, seed: 11))
            let covered = zip(column.words, other.words).map { $0 | $1 }
            let inverse = order.withUnsafeBufferPointer { PartialInverse(order: $0, covered: covered) }
            for (i, p) in order.enumerated() where covered[Int(p) >> 6] & (1 << UInt64(p & 63)) != 0 {
                #expect(inverse[Int(p)] == Int32(i))
            }
            let moved = order.withUnsafeBufferPointer { column.permuted($0, inverse: inverse) }
            Self.check(moved, expected, "permuted through the inverse, n \(n), density \(density)")
            // An inverse that misses some of the column's events is not used (the column visits every event).
            let partial = order.withUnsafeBufferPointer { PartialInverse(order: $0, covered: other.words) }
            let fallback = order.withUnsafeBufferPointer { column.permuted($0, inverse: partial) }
            Self.check(fallback, expected, "permuted past an inverse that does not cover it, n \(n), density \(density)")
        }
    }

    @Test func walkingPresentValuesVisitsThemInEventOrder() {
        let a = Self.rows(300, density: 20, seed: 1)
        let b = Self.rows(300, density: 60, seed: 2)
        var seen: [Int] = []
        Self.column(a).forEachValue { i, v in
            #expect(a[i].1 && a[i].0 == v)
            seen.append(i)
        }
        #expect(seen == a.indices.filter { a[$0].1 })
        var pairs: [Int] = []
        SparseColumn.forEachEvent(Self.column(a), Self.column(b)) { i, va, vb in
            #expect(va == (a[i].1 ? a[i].0 : -1) && vb == (b[i].1 ? b[i].0 : -1))
            pairs.append(i)
        }
        #expect(pairs == a.indices.filter { a[$0].1 || b[$0].1 })
    }

    @Test func sixtyFourBitColumnsKeepEveryBitOfEdgeValues() {
        let values: [Int64] = [
            0, 1, -1, 4_294_967_295, 4_294_967_296, 5_000_000_000, Int64.max, Int64.min, -2, 17, -1, 0,
        ]
        var c = SparseInt64Column(absent: -1)
        for v in values { c.append(v) }
        #expect(c.count == values.count)
        #expect(Array(c) == values)
        // -1 is the sentinel: absent, and read back as -1; 0 is a value.
        #expect(values.indices.map { c.hasValue(at: $0) } == values.map { $0 != -1 })
        var w = WideColumn()
        let offsets: [UInt64] = [0, 4_294_967_295, 4_294_967_296, UInt64.max, 12, 1 << 40]
        for o in offsets { w.append(o) }
        var both = WideColumn()
        both.append(contentsOf: w)
        both.append(contentsOf: w)
        #expect(Array(both) == offsets + offsets)
    }

    /// Hosts and files: 16-bit codes, and past 65,535 distinct values (hostile input) the values themselves.
    @Test func codedColumnsReadBackPastSixtyFiveThousandDistinctValues() {
        var values: [UInt32] = (0..<100_000).map { UInt32($0 % 5 == 0 ? 7 : $0 * 3) }
        values += [0, UInt32.max, 7, 65_535, 65_536]
        var c = CodedColumn()
        for v in values { c.append(v) }
        #expect(Array(c) == values)
        #expect(c.escaped.presentCount > 0)
        // Appending whole columns (with a remap) and permuting keep every value.
        var merged = CodedColumn()
        merged.append(contentsOf: c) { $0 &+ 1 }
        merged.append(contentsOf: c)
        #expect(Array(merged) == values.map { $0 &+ 1 } + values)
        let order = (0..<Int32(values.count)).reversed().map { $0 }
        #expect(
            Array(order.withUnsafeBufferPointer { o in c.permuted(o, inverse: PartialInverse(order: o, covered: c.escaped.words)) })
                == values.reversed())
        // Few distinct values: two bytes per event.
        var few = CodedColumn()
        for i in 0..<10_000 { few.append(UInt32(1_000_000 + i % 7)) }
        #expect(few.bytes < 10_000 * 3)
    }

    @Test func timesReadBackExactlyAcrossNarrowAndWideBlocks() {
        // Dense times (narrow blocks), then gaps of just under and just over 2^32 µs, then sparse years apart.
        var times: [Int64] = (0..<300).map { 1_773_000_000_000_000 + Int64($0) * 1_000 }
        var t = times.last ?? 0
        for k in 0..<300 {
            t += k % 2 == 0 ? Int64(UInt32.max) : Int64(UInt32.max) + 1
            times.append(t)
        }
        for k in 0..<200 { times.append(t + Int64(k) * 86_400_000_000 * 400) }
        let column = TimeColumn(times, order: nil)
        #expect(Array(column) == times)
        // Dense times take about 4 bytes each.
        let dense = Array(times.prefix(300))
        #expect(Array(TimeColumn(dense, order: nil)) == dense)
        #expect(TimeColumn(dense, order: nil).bytes < dense.count * 5)
        // The same times reached through a permutation (the store's sort).
        let reversed = Array(times.reversed())
        let order = (0..<Int32(times.count)).reversed().map { $0 }
        #expect(Array(order.withUnsafeBufferPointer { TimeColumn(reversed, order: $0) }) == times)
        // Times out of order (not the store's case) are kept whole, not misread.
        #expect(Array(TimeColumn(reversed, order: nil)) == reversed)
        #expect(Array(TimeColumn([], order: nil)).isEmpty)
    }

    /// An event with the fields the sparse columns hold, each present or absent at random, with edge values.
    static func event(_ r: inout Random, file: UInt32, line: UInt64, symbols: inout SymbolTable) -> Event {
        var e = Event(
            time: Timestamp(microseconds: 1_773_000_000_000_000 + Int64(r.below(3_600)) * 1_000_000),
            kind: [.flow, .webRequest, .authSuccess, .generic][r.below(4)])
        e.source = SourceRef(fileID: file, line: line, offset: line * 10_000_000)  // past 4 GiB from line 430
        e.host = symbols.intern("host\(r.below(3))")
        func maybe(_ percent: Int) -> Bool { r.below(100) < percent }
        if maybe(90) { e.sourceIP = IPAddress(v4: 0x0A00_0000 | UInt32(r.below(50))) }
        if maybe(50) { e.destinationIP = IPAddress(v4: 0xC633_6400 | UInt32(r.below(50))) }
        if maybe(50) { e.setSourcePort([0, 1, 22, 65535][r.below(4)]) }
        if maybe(50) {
            e.destinationPort = [0, 443, 65535][r.below(3)]
            e.hasDestinationPort = true
        }
        if maybe(20) { e.user = symbols.intern("user\(r.below(5))") }
        if maybe(5) { e.targetUser = symbols.intern("root") }
        if maybe(10) { e.pid = [0, 1, Int32.max][r.below(3)] }
        if maybe(60) { e.path = symbols.intern("/p/\(r.below(20))") }
        if maybe(60) { e.httpStatus = [0, 200, 404, 599][r.below(4)] }
        if maybe(70) { e.bytesOut = [0, 1, 4_294_967_296, 5_000_000_000, Int64.max][r.below(5)] }
        if maybe(40) { e.bytesIn = [0, 4_294_967_295, 1 << 40][r.below(3)] }
        if maybe(5) { e.severity = [0, 1, 3][r.below(3)] }
        if maybe(30) { e.userAgent = symbols.intern("agent \(r.below(4))") }
        if maybe(3) { e.command = symbols.intern("id; uname -a") }
        return e
    }

    /// Every field of a built store equals, event by event, the events sorted by (time, file, line); the store
    /// is built from several files' chunks, as `investigate` builds it.
    @Test func aStoreBuiltFromChunksReadsBackEveryFieldExactly() throws {
        var r = Random(x: 42)
        var builder = EventStore.Builder()
        var expected: [(Event, SymbolTable)] = []
        for file in UInt32(0)..<5 {
            var symbols = SymbolTable()
            var chunk = EventChunk()
            var events: [Event] = []
            for line in 1...UInt64(300 + Int(file) * 67) {
                let e = Self.event(&r, file: file, line: line, symbols: &symbols)
                chunk.append(e)
                events.append(e)
            }
            builder.add(chunk: chunk, symbols: symbols)
            expected += events.map { ($0, symbols) }
        }
        let s = builder.build()
        expected.sort {
            ($0.0.time.microseconds, $0.0.source.fileID, $0.0.source.line)
                < ($1.0.time.microseconds, $1.0.source.fileID, $1.0.source.line)
        }
        try Self.expectEveryField(of: s, equals: expected)
        // Postings agree with the columns.
        for key in s.indicatorKeys where key.type == .ip || key.type == .user {
            let direct = (0..<s.count).filter { i in
                key.type == .ip
                    ? s.sourceIP[i] == key.value || s.destinationIP[i] == key.value
                    : s.user[i] == key.value || s.targetUser[i] == key.value
            }
            #expect(s.positions(key).map(Int.init) == direct, "\(key.type.name) \(s.text(key))")
        }
        // The pivot's breakdown over a posting slice (run counting on host codes) agrees with the plain one.
        for key in s.indicatorKeys {
            let fast = s.breakdown(s.postingSlice(key))
            let plain = s.breakdown(s.positions(key).map { $0 })
            #expect(fast.byHost == plain.byHost && fast.byKind == plain.byKind, "\(key.type.name) \(s.text(key))")
        }
        // Port 0 and 65535 were both logged somewhere, and absent elsewhere.
        #expect((0..<s.count).contains { s.sourcePort.hasValue(at: $0) && s.sourcePort[$0] == 0 })
        #expect((0..<s.count).contains { s.sourcePort[$0] == 65535 })
        #expect((0..<s.count).contains { !s.sourcePort.hasValue(at: $0) })
        #expect((0..<s.count).contains { s.bytesOut[$0] == 5_000_000_000 })
        #expect((0..<s.count).contains { s.bytesOut[$0] == 0 } && (0..<s.count).contains { s.bytesOut[$0] == -1 })
        #expect(s.columnBytes < s.count * 64)
    }
    /// Every field of `s`, event by event, equals `expected` sorted by (time, file, line), stable.
    static func expectEveryField(of s: EventStore, equals unsorted: [(Event, SymbolTable)]) throws {
        let expected = unsorted.enumerated().sorted {
            ($0.element.0.time.microseconds, $0.element.0.source.fileID, $0.element.0.source.line, $0.offset)
                < ($1.element.0.time.microseconds, $1.element.0.source.fileID, $1.element.0.source.line, $1.offset)
        }.map(\.element)
        try #require(s.count == expected.count)
        func text(_ sym: Symbol, _ t: SymbolTable) -> String { sym.isNone ? "" : t.string(sym) }
        func text(_ id: UInt32) -> String { id == 0 ? "" : s.string(id) }
        func ip(_ id: UInt32) -> IPAddress { s.address(id) ?? .none }
        var wrong: [Int] = []
        for (i, (e, t)) in expected.enumerated() {
            let same =
                s.time[i] == e.time.microseconds && s.fileID[i] == e.source.fileID
                && UInt64(s.line[i]) == e.source.line && s.offset[i] == e.source.offset && s.kind[i] == e.kind
                && text(s.host[i]) == text(e.host, t) && ip(s.sourceIP[i]) == e.sourceIP
                && ip(s.destinationIP[i]) == e.destinationIP
                && s.sourcePort.hasValue(at: i) == e.hasSourcePort && s.sourcePort[i] == e.sourcePort
                && s.destinationPort.hasValue(at: i) == e.hasDestinationPort
                && s.destinationPort[i] == e.destinationPort
                && text(s.user[i]) == text(e.user, t) && text(s.targetUser[i]) == text(e.targetUser, t)
                && s.pid[i] == e.pid && text(s.path[i]) == text(e.path, t) && Int32(s.httpStatus[i]) == e.httpStatus
                && s.bytesOut[i] == e.bytesOut && s.bytesIn[i] == e.bytesIn && Int32(s.severity[i]) == e.severity
                && text(s.userAgent[i]) == text(e.userAgent, t) && text(s.command[i]) == text(e.command, t)
                && s.authMethod[i] == 0 && s.domain[i] == 0 && s.fileHash[i] == 0
            if !same { wrong.append(i) }
        }
        #expect(wrong.isEmpty, "events read back differently: \(wrong.prefix(10))")
    }

    /// The store is built from files' chunks in any mix: files already in time order, files out of order, one file
    /// alone, empty files, equal times across and within files, and hosts past the 65,535 codes a coded column
    /// holds.
    @Test(arguments: [
        (files: 1, sorted: true, hosts: 3), (files: 1, sorted: false, hosts: 3), (files: 7, sorted: true, hosts: 3),
        (files: 7, sorted: false, hosts: 3), (files: 40, sorted: true, hosts: 3), (files: 3, sorted: true, hosts: 70_000),
    ])
    func partsJoinInAnyMix(files: Int, sorted: Bool, hosts: Int) throws {
        var r = Random(x: UInt64(files * 31 + hosts))
        var builder = EventStore.Builder()
        var expected: [(Event, SymbolTable)] = []
        for file in 0..<files {
            var symbols = SymbolTable()
            // Every fifth file is empty; the others differ in length (runs of every size, up to several words).
            let count = file % 5 == 4 ? 0 : 1 + r.below(hosts > 3 ? 40_000 : 900)
            var events = (0..<count).map { k in Self.event(&r, file: UInt32(file), line: UInt64(k + 1), symbols: &symbols) }
            // Some files in time order, the others mixed in: a file sorted by its times, lines numbered after.
            if sorted || file % 2 == 0 {
                events.sort { $0.time < $1.time }
                for k in events.indices { events[k].source = SourceRef(fileID: UInt32(file), line: UInt64(k + 1), offset: UInt64(k) * 97) }
            }
            if hosts > 3 { for k in events.indices { events[k].host = symbols.intern("h\(r.below(hosts))") } }
            var chunk = EventChunk()
            for e in events { chunk.append(e) }
            builder.add(chunk: chunk, symbols: symbols)
            expected += events.map { ($0, symbols) }
        }
        let s = builder.build()
        try Self.expectEveryField(of: s, equals: expected)
        #expect(Set((0..<s.count).map { s.host[$0] }).count <= hosts)
    }
}
