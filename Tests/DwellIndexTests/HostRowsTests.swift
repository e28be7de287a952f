import DwellCore
import Testing

@testable import DwellIndex

/// A built store does not post its hosts (`EventStore.hostsPosted`): a host's positions are found from the host
/// column when asked. They must be exactly the events of that host, for coded and escaped hosts alike; a case
/// written from such a store holds the host rows as before (the round trips in `CaseEncodingTests` read them back).
@Suite struct HostRowsTests {
    static func store(files: UInt32, hosts: Int, seed: UInt64) -> (EventStore, [(Event, SymbolTable)]) {
        var r = ColumnTests.Random(x: seed)
        var builder = EventStore.Builder()
        var expected: [(Event, SymbolTable)] = []
        for file in 0..<files {
            var symbols = SymbolTable()
            var chunk = EventChunk()
            for line in 1...UInt64(200 + Int(file) * 31) {
                var e = ColumnTests.event(&r, file: file, line: line, symbols: &symbols)
                // Some events without a host; many hosts in the last file when asked (past the 65,535 codes).
                e.host = r.below(10) == 0 ? .none : symbols.intern("h\(r.below(hosts))")
                chunk.append(e)
                expected.append((e, symbols))
            }
            builder.add(chunk: chunk, symbols: symbols)
        }
        return (builder.build(), expected)
    }

    @Test(arguments: [3, 70])
    func aHostsPositionsAreItsEvents(hosts: Int) throws {
        let (s, _) = Self.store(files: 4, hosts: hosts, seed: UInt64(hosts))
        #expect(!s.hostsPosted)
        var expected: [UInt32: [Int32]] = [:]
        for i in 0..<s.count where s.host[i] != 0 { expected[s.host[i], default: []].append(Int32(i)) }
        let hostKeys = s.indicatorKeys.filter { $0.type == .host }
        #expect(hostKeys.map(\.value) == expected.keys.sorted())
        for (h, positions) in expected {
            #expect(s.positions(IndicatorKey(.host, h)) == positions)
            // Asked again (from the cache), and through the time window query.
            #expect(Array(s.postingSlice(IndicatorKey(.host, h))) == positions)
            #expect(s.summary(IndicatorKey(.host, h))?.count == positions.count)
        }
        // No host, and a symbol that is no host's, have no events.
        #expect(s.positions(IndicatorKey(.host, 0)).isEmpty)
        let notAHost = try #require(s.symbols.lookup("/p/1")).id
        #expect(s.positions(IndicatorKey(.host, notAHost)).isEmpty)
        // Each host's first event, found in one pass.
        let firsts = s.firstPositionByHost()
        for (h, positions) in expected { #expect(firsts[h] == Int(positions[0])) }
        #expect(firsts[0] == (0..<s.count).first { s.host[$0] == 0 })
    }

    @Test func hostsPastTheCodedOnesAreFoundAndWrittenToACase() throws {
        var symbols = SymbolTable()
        var events: [Event] = []
        // 70,000 hosts: those past 65,535 are escaped in the host column.
        for k in 0..<70_000 {
            var e = Event(time: Timestamp(microseconds: 1_773_000_000_000_000 + Int64(k % 500)), kind: .generic)
            e.source = SourceRef(fileID: 0, line: UInt64(k + 1), offset: UInt64(k) * 90)
            e.host = symbols.intern("host\(k % 69_000)")
            events.append(e)
        }
        var builder = EventStore.Builder()
        builder.add(events: events, symbols: symbols)
        let s = builder.build()
        #expect(s.host.escaped.presentCount > 0)
        for name in ["host0", "host65534", "host65600", "host68999"] {
            let key = try #require(s.key(.host, name))
            let direct = (0..<s.count).filter { s.host[$0] == key.value }.map { Int32($0) }
            #expect(s.positions(key) == direct && direct.count >= 1, "\(name)")
        }
        try CaseEncodingTests.checkRoundTrip(s, events: events.map { ($0, symbols) })
    }

    /// A case updated with evidence of which a file is gone keeps the other files' events (`keeping(files:)` selects
    /// events out of every column, the sparse ones included).
    @Test func keepingSomeFilesSelectsTheirEventsFromEveryColumn() throws {
        let (s, expected) = Self.store(files: 3, hosts: 3, seed: 7)
        // Keep files 0 and 2 (as 0 and 1); drop file 1.
        let kept = s.keeping(files: [0, nil, 1])
        var builder = EventStore.Builder()
        builder.add(kept: kept)
        let rebuilt = builder.build()
        let survivors = expected.filter { $0.0.source.fileID != 1 }.map { pair -> (Event, SymbolTable) in
            var e = pair.0
            if e.source.fileID == 2 { e.source.fileID = 1 }
            return (e, pair.1)
        }
        try ColumnTests.expectEveryField(of: rebuilt, equals: survivors)
    }
}
