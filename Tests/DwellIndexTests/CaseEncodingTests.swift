import DwellCore
import Testing

@testable import DwellIndex

/// #22: the store's on-disk encodings (case format version 3) read back exactly, in memory and in place: integers
/// narrowed to the bytes their largest value needs, sparse columns without presence bits when no event or every
/// event has a value, and postings as distances.
@Suite struct CaseEncodingTests {
    /// `values` written narrowed and read back, both copied and in place; returns the width chosen.
    static func narrowRoundTrip<T: FixedWidthInteger>(_ values: [T]) throws -> Int {
        var w = BinaryWriter()
        NarrowIntegers.write(values, to: &w)
        let bytes = w.take()
        return try bytes.withUnsafeBytes { buf in
            var r = BinaryReader(buf)
            let copied: [T] = try NarrowIntegers.read(&r)
            #expect(r.isAtEnd)
            #expect(copied == values)
            var again = BinaryReader(buf)
            let width = try again.int()
            let view = try NarrowView<T>(width: width, bytes: try again.arrayInPlace(UInt8.self), at: 0)
            #expect(view.count == values.count)
            #expect((0..<view.count).map { view.value($0) } == values)
            return width
        }
    }

    @Test func narrowIntegersReadBackEdgeValuesAtTheWidthTheyNeed() throws {
        #expect(try Self.narrowRoundTrip([UInt32]()) == 0)
        #expect(try Self.narrowRoundTrip([UInt32(0)]) == 1)
        #expect(try Self.narrowRoundTrip([UInt32(0), 255]) == 1)
        #expect(try Self.narrowRoundTrip([UInt32(256), 7]) == 2)
        #expect(try Self.narrowRoundTrip([UInt32(65_535), 65_536]) == 3)
        #expect(try Self.narrowRoundTrip([UInt32((1 << 24) - 1)]) == 3)
        #expect(try Self.narrowRoundTrip([UInt32.max, 0, 1]) == 4)
        #expect(try Self.narrowRoundTrip([UInt16.max, 3]) == 2)
        #expect(try Self.narrowRoundTrip([UInt64(1) << 40, 1]) == 6)
        #expect(try Self.narrowRoundTrip([Int64.min, Int64.max, -1, 0]) == 8)
        #expect(try Self.narrowRoundTrip([Int64(1) << 32]) == 5)
        // A negative value takes its type's full width; small non-negative ones do not.
        #expect(try Self.narrowRoundTrip([Int32(-1), 0, Int32.max]) == 4)
        #expect(try Self.narrowRoundTrip([Int32(200), 599]) == 2)
        #expect(try Self.narrowRoundTrip([Int16(-1), 200]) == 2)
        #expect(try Self.narrowRoundTrip([Int8.min, Int8.max]) == 1)
        let many = (0..<10_000).map { (UInt32($0) &* 2_654_435_761) >> 9 }
        #expect(try Self.narrowRoundTrip(many) == 3)
    }

    @Test func narrowIntegersRefuseAWidthTheWriterCannotChoose() throws {
        let bytes: [UInt8] = [1, 2, 3, 4, 5, 6]
        bytes.withUnsafeBufferPointer { b in
            #expect((try? NarrowView<UInt32>(width: 3, bytes: b, at: 0))?.count == 2)
            #expect(throws: BinaryFormatError.self) { try NarrowView<UInt32>(width: 4, bytes: b, at: 0) }
            #expect(throws: BinaryFormatError.self) { try NarrowView<UInt16>(width: 3, bytes: b, at: 0) }
            #expect(throws: BinaryFormatError.self) { try NarrowView<UInt32>(width: 0, bytes: b, at: 0) }
            #expect(throws: BinaryFormatError.self) { try NarrowView<UInt32>(width: -1, bytes: b, at: 0) }
        }
    }

    @Test(arguments: [
        [Int32](), [0], [Int32.max], [0, 1, 2, 3, 127, 128, 16_511, 16_512], [5, 9_000_000, Int32.max],
        // Out of order, which no builder makes: distances modulo 2^32 still read back exactly.
        [7, 3, 3, 0, Int32.max, -1, Int32.min],
    ])
    func postingDistancesReadBackExactly(list: [Int32]) {
        var bytes: [UInt8] = []
        list.withUnsafeBufferPointer { PostingBytes.append($0, to: &bytes) }
        var out: [Int32] = []
        #expect(bytes.withUnsafeBufferPointer { PostingBytes.decode($0, into: &out) })
        #expect(out == list)
        #expect(bytes.count <= max(list.count, 1) * 5)
        if !list.isEmpty, bytes.count > list.count {
            // Cut inside a value: what came before is kept, the rest is refused.
            var cut: [Int32] = []
            let last = bytes.lastIndex { $0 & 0x80 != 0 } ?? 0
            #expect(!bytes.withUnsafeBufferPointer { PostingBytes.decode(.init(rebasing: $0[...last]), into: &cut) })
            #expect(list.starts(with: cut))
        }
    }

    @Test func postingDistancesOfAFrequentValueTakeAByteEach() {
        let dense = (0..<Int32(1000)).map { $0 * 3 }
        var bytes: [UInt8] = []
        dense.withUnsafeBufferPointer { PostingBytes.append($0, to: &bytes) }
        #expect(bytes.count == 1000)
    }

    /// A sparse column with no value, with every value, and with some, at lengths around a word's 64 events.
    @Test(arguments: [0, 1, 63, 64, 65, 130])
    func sparseColumnsWithoutPresenceBitsReadBackExactly(length: Int) throws {
        for fill in ["none", "all", "some"] {
            var c = SparseColumn<Int32>(absent: -1)
            for i in 0..<length {
                let present = fill == "all" || fill == "some" && i % 3 == 1
                c.append([Int32.min, 0, -1, Int32.max][i % 4], present: present)
            }
            var w = BinaryWriter()
            c.write(to: &w)
            let bytes = w.take()
            let back = try bytes.withUnsafeBytes { buf in
                var r = BinaryReader(buf)
                return try SparseColumn<Int32>(reading: &r, absent: -1, count: length)
            }
            #expect((0..<length).allSatisfy { back[$0] == c[$0] && back.hasValue(at: $0) == c.hasValue(at: $0) })
            #expect((0..<length).allSatisfy { back.rank($0) == c.rank($0) })
            // Written again, the same bytes; no presence bits unless some events lack a value.
            var again = BinaryWriter()
            back.write(to: &again)
            #expect(again.take() == bytes)
            let bitless = fill != "some" || c.presentCount == 0 || c.presentCount == length
            #expect(bytes.count <= (bitless ? 48 + 8 + 4 * length : .max), "\(fill) \(length)")
        }
    }

    // MARK: Whole stores, in memory and in place

    /// A store's stream mapped as a case maps it: 8-aligned, with its section ends and chunk hashes.
    final class Mapped {
        let stream: UnsafeMutableRawBufferPointer
        let ends: UnsafeMutableBufferPointer<UInt64>
        let hashes: UnsafeMutableBufferPointer<UInt64>
        var store: MappedEventStore?

        init(_ bytes: [UInt8], ends marked: [Int]) throws {
            stream = .allocate(byteCount: max(bytes.count, 8), alignment: 8)
            stream.copyBytes(from: bytes)
            var e = marked
            if e.last != bytes.count { e.append(bytes.count) }
            ends = .allocate(capacity: e.count)
            for (k, v) in e.enumerated() { ends[k] = UInt64(v) }
            let chunk = 1 << StreamCheck.chunkShift
            let chunks = (bytes.count + chunk - 1) / chunk
            hashes = .allocate(capacity: chunks)
            let view = UnsafeRawBufferPointer(rebasing: stream[..<bytes.count])
            for c in 0..<chunks {
                hashes[c] = SectionHash.of(UnsafeRawBufferPointer(rebasing: view[(c * chunk)..<min((c + 1) * chunk, bytes.count)]))
            }
            store = try MappedEventStore(
                stream: view, sections: .init(ends: UnsafeBufferPointer(ends), hashes: UnsafeBufferPointer(hashes)),
                owner: self)
        }

        deinit {
            stream.deallocate()
            ends.deallocate()
            hashes.deallocate()
        }
    }

    /// `s` written, read back into memory and mapped in place: the copy writes the same bytes and equals the
    /// events; the mapped store answers every column and every posting as `s` does.
    static func checkRoundTrip(_ s: EventStore, events: [(Event, SymbolTable)]) throws {
        var w = BinaryWriter()
        w.markSections()
        s.write(to: &w)
        let ends = w.sectionEnds ?? []
        let bytes = w.take()
        let back = try bytes.withUnsafeBytes { buf in
            var r = BinaryReader(buf)
            let b = try EventStore(reading: &r)
            #expect(r.isAtEnd)
            return b
        }
        try ColumnTests.expectEveryField(of: back, equals: events)
        var again = BinaryWriter()
        back.write(to: &again)
        #expect(again.take() == bytes)
        for key in s.indicatorKeys { #expect(back.positions(key) == s.positions(key)) }

        let mapped = try Mapped(bytes, ends: ends)
        let m = try #require(mapped.store)
        #expect(m.count == s.count)
        var differing: [Int] = []
        for i in 0..<s.count {
            let same =
                m.time[i] == s.time[i] && m.fileID[i] == s.fileID[i] && m.line[i] == s.line[i]
                && m.offset[i] == s.offset[i] && m.host[i] == s.host[i] && m.kind[i] == s.kind[i]
                && m.outcome[i] == s.outcome[i] && m.sourceIP[i] == s.sourceIP[i]
                && m.destinationIP[i] == s.destinationIP[i] && m.destinationPort[i] == s.destinationPort[i]
                && m.destinationPort.hasValue(at: i) == s.destinationPort.hasValue(at: i)
                && m.user[i] == s.user[i] && m.targetUser[i] == s.targetUser[i] && m.command[i] == s.command[i]
                && m.path[i] == s.path[i] && m.httpStatus[i] == s.httpStatus[i] && m.bytesOut[i] == s.bytesOut[i]
                && m.userAgent[i] == s.userAgent[i] && m.domain[i] == s.domain[i] && m.fileHash[i] == s.fileHash[i]
            if !same { differing.append(i) }
        }
        #expect(differing.isEmpty, "events read in place differently: \(differing.prefix(10))")
        for key in s.indicatorKeys {
            #expect(m.positions(key) == s.positions(key), "\(key.type.name) \(s.text(key))")
            #expect(m.key(key.type, s.text(key)) == key || s.text(key).isEmpty)
        }
        #expect(m.timeBounds?.first == s.timeBounds?.first && m.timeBounds?.last == s.timeBounds?.last)
        m.checkAll()
        try m.checkIntact()
    }

    static func build(_ files: [[Event]], symbols: [SymbolTable]) -> (EventStore, [(Event, SymbolTable)]) {
        var builder = EventStore.Builder()
        var expected: [(Event, SymbolTable)] = []
        for (events, table) in zip(files, symbols) {
            var chunk = EventChunk()
            for e in events { chunk.append(e) }
            builder.add(chunk: chunk, symbols: table)
            expected += events.map { ($0, table) }
        }
        return (builder.build(), expected)
    }

    @Test func anEmptyStoreAndAOneEventStoreReadBackExactly() throws {
        let (empty, none) = Self.build([], symbols: [])
        try Self.checkRoundTrip(empty, events: none)
        var symbols = SymbolTable()
        var e = Event(time: Timestamp(microseconds: Int64.max / 2), kind: .authFailure)
        e.source = SourceRef(fileID: 0, line: UInt64(UInt32.max), offset: UInt64(Int64.max))
        e.host = symbols.intern("only")
        e.user = symbols.intern("root")
        e.sourceIP = IPAddress("2001:db8::ffff:1") ?? .none
        e.bytesOut = Int64.max
        e.bytesIn = Int64.min
        e.pid = Int32.min
        let (one, events) = Self.build([[e]], symbols: [symbols])
        try Self.checkRoundTrip(one, events: events)
    }

    /// Random events with edge values (byte counts past 4 GiB and Int64.max, offsets past 4 GiB, ports 0 and
    /// 65535, pid Int32.max), IPv6 and IPv4 addresses, lines far apart.
    @Test func aStoreWithEdgeValuesReadsBackExactlyInMemoryAndInPlace() throws {
        var r = ColumnTests.Random(x: 2026)
        var files: [[Event]] = []
        var tables: [SymbolTable] = []
        for file in UInt32(0)..<4 {
            var symbols = SymbolTable()
            var events: [Event] = []
            for k in 1...UInt64(500 + Int(file) * 91) {
                // Lines 70,000 apart in file 2 (offsets far past 65,535 bytes apart and past 2^32), numbers past
                // 2^24 in file 3.
                let line = file == 2 ? k * 70_000 : file == 3 ? (1 << 30) + k : k
                var e = ColumnTests.event(&r, file: file, line: line, symbols: &symbols)
                if r.below(4) == 0 { e.destinationIP = IPAddress("2001:db8:\(r.below(9))::\(r.below(300))") ?? .none }
                if r.below(50) == 0 { e.bytesIn = Int64.min }
                events.append(e)
            }
            files.append(events)
            tables.append(symbols)
        }
        let (s, expected) = Self.build(files, symbols: tables)
        try Self.checkRoundTrip(s, events: expected)
    }

    /// Hosts past the 65,535 codes a coded column holds: codes at full width and escaped ids.
    @Test func aStoreWithEscapedHostCodesReadsBackExactly() throws {
        var r = ColumnTests.Random(x: 7)
        var symbols = SymbolTable()
        var events: [Event] = []
        for k in 1...UInt64(70_000) {
            var e = ColumnTests.event(&r, file: 0, line: k, symbols: &symbols)
            e.host = symbols.intern("h\(k)")
            events.append(e)
        }
        let (s, expected) = Self.build([events], symbols: [symbols])
        try Self.checkRoundTrip(s, events: expected)
    }
}
