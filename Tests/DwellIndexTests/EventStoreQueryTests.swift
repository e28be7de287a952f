import DwellCore
import Testing

@testable import DwellIndex

/// Store queries on small hand-built stores, checked against brute force over the columns.
@Suite struct EventStoreQueryTests {
    static let base: Int64 = 1_773_000_000 * 1_000_000  // µs, a whole minute

    /// Builds a store from (µs offset, kind, file, line, host, user, source address) rows, one file per `file`.
    static func store(
        _ rows: [(Int64, EventKind, UInt32, UInt64, String, String, String)], bucketSeconds: Int64? = nil
    ) -> EventStore {
        var builder = EventStore.Builder()
        var byFile: [UInt32: [(Int64, EventKind, UInt32, UInt64, String, String, String)]] = [:]
        for r in rows { byFile[r.2, default: []].append(r) }
        for (_, list) in byFile.sorted(by: { $0.key > $1.key }) {  // files added in reverse order on purpose
            var symbols = SymbolTable()
            var events: [Event] = []
            for r in list {
                var e = Event(time: Timestamp(microseconds: base + r.0), kind: r.1)
                e.source = SourceRef(fileID: r.2, line: r.3, offset: r.3 * 100)
                if !r.4.isEmpty { e.host = symbols.intern(r.4) }
                if !r.5.isEmpty { e.user = symbols.intern(r.5) }
                if let ip = IPAddress(r.6) { e.sourceIP = ip }
                events.append(e)
            }
            builder.add(events: events, symbols: symbols)
        }
        return builder.build(bucketSeconds: bucketSeconds)
    }

    static let minute: Int64 = 60_000_000

    /// Events on and around minute boundaries, two kinds, three hosts.
    static var edgeStore: EventStore {
        var rows: [(Int64, EventKind, UInt32, UInt64, String, String, String)] = []
        let offsets: [Int64] = [
            0, 1, minute - 1, minute, minute, minute + 1, 2 * minute, 5 * minute - 1, 5 * minute, 9 * minute,
        ]
        for (k, o) in offsets.enumerated() {
            rows.append(
                (
                    o, k % 3 == 0 ? .authSuccess : .webRequest, UInt32(k % 2), UInt64(k + 1),
                    ["web01", "db01", "app01"][k % 3], k % 2 == 0 ? "alice" : "bob", "203.0.113.\(k % 4 + 1)"
                ))
        }
        return store(rows, bucketSeconds: 60)
    }

    @Test func timeRangeLookupMatchesBruteForceAtBucketEdges() {
        let s = Self.edgeStore
        let probes: [Int64] = [
            -Self.minute, -1, 0, 1, Self.minute - 1, Self.minute, Self.minute + 1, 2 * Self.minute, 3 * Self.minute,
            5 * Self.minute - 1, 5 * Self.minute, 9 * Self.minute, 9 * Self.minute + 1, 20 * Self.minute,
        ]
        for a in probes {
            for b in probes {
                let from = Timestamp(microseconds: Self.base + a)
                let to = Timestamp(microseconds: Self.base + b)
                let expected = (0..<s.count).filter { s.time[$0] >= from.microseconds && s.time[$0] < to.microseconds }
                #expect(Array(s.events(from: from, to: to)) == expected, "[\(a), \(b))")
                if b > a { #expect(Array(s.range(from: from, to: to)) == expected, "[\(a), \(b))") }
            }
        }
    }

    @Test func openWindowsDoNotOverflow() {
        let s = Self.edgeStore
        #expect(s.events(from: .distantPast, to: .distantFuture) == 0..<s.count)
        #expect(s.events(from: .distantFuture, to: .distantPast).isEmpty)
        #expect(s.kindCounts(from: .distantPast, to: .distantFuture).values.reduce(0, +) == s.count)
        #expect(EventStore().events(from: .distantPast, to: .distantFuture).isEmpty)
    }

    @Test func postingsGiveFirstLastAndCount() throws {
        let s = Self.edgeStore
        let alice = try #require(s.key(.user, "alice"))
        let positions = (0..<s.count).filter { s.user[$0] == alice.value }
        let summary = try #require(s.summary(alice))
        #expect(summary.count == positions.count)
        #expect(summary.first.microseconds == s.time[try #require(positions.first)])
        #expect(summary.last.microseconds == s.time[try #require(positions.last)])
        #expect(s.positions(alice).map(Int.init) == positions)
        let ip = try #require(s.key(.ip, "203.0.113.2"))
        #expect(
            s.positions(ip).map(Int.init)
                == (0..<s.count).filter { s.address(s.sourceIP[$0]) == IPAddress("203.0.113.2") })
        #expect(s.key(.user, "mallory") == nil)
        // A window of one indicator's postings.
        let from = Timestamp(microseconds: Self.base + Self.minute)
        let to = Timestamp(microseconds: Self.base + 5 * Self.minute)
        #expect(
            s.positions(alice, from: from, to: to).map(Int.init)
                == positions.filter { s.time[$0] >= from.microseconds && s.time[$0] < to.microseconds })
    }

    @Test func perKindHistogramAndCountsMatchTheEvents() {
        let s = Self.edgeStore
        for kind in [EventKind.authSuccess, .webRequest, .flow] {
            let hist = s.buckets.histogram(kind)
            for (b, c) in hist.enumerated() {
                let lo = s.buckets.originMicros + Int64(b) * s.buckets.bucketMicros
                let n = (0..<s.count).filter {
                    s.kind[$0] == kind && s.time[$0] >= lo && s.time[$0] < lo + s.buckets.bucketMicros
                }.count
                #expect(Int(c) == n, "bucket \(b) \(kind.name)")
            }
            let window = s.histogram(
                kind, from: Timestamp(microseconds: Self.base), to: Timestamp(microseconds: Self.base + 3 * Self.minute)
            )
            #expect(window.map(\.count) == Array(hist.prefix(3)).map(Int.init))
            #expect(window.map(\.start.microseconds) == [0, 1, 2].map { Self.base + $0 * Self.minute })
        }
        for (a, b) in [
            (Int64(1), 5 * Self.minute), (0, 9 * Self.minute + 1), (Self.minute - 1, Self.minute + 1),
            (2 * Self.minute, 2 * Self.minute + 1),
        ] {
            var expected: [EventKind: Int] = [:]
            for i in 0..<s.count where s.time[i] >= Self.base + a && s.time[i] < Self.base + b {
                expected[s.kind[i], default: 0] += 1
            }
            #expect(
                s.kindCounts(from: Timestamp(microseconds: Self.base + a), to: Timestamp(microseconds: Self.base + b))
                    == expected)
        }
    }

    @Test func tiesAreOrderedByFileThenLineWhateverTheIngestOrder() {
        var rows: [(Int64, EventKind, UInt32, UInt64, String, String, String)] = []
        for file in [UInt32(2), 0, 1] {
            for line in [UInt64(9), 3, 5] {
                rows.append((7, .authFailure, file, line, "web01", "root", "198.51.100.1"))
            }
        }
        rows.append((3, .authSuccess, 2, 1, "web01", "root", "198.51.100.1"))
        let a = Self.store(rows)
        let b = Self.store(rows.reversed())
        let order = (0..<a.count).map { (a.time[$0], a.fileID[$0], a.line[$0]) }
        #expect(order.map(\.1) == [2, 0, 0, 0, 1, 1, 1, 2, 2, 2])
        #expect(order.map(\.2) == [1, 3, 5, 9, 3, 5, 9, 3, 5, 9])
        #expect((0..<b.count).map { b.fileID[$0] } == order.map(\.1))
        #expect((0..<b.count).map { b.line[$0] } == order.map(\.2))
        #expect((1..<a.count).allSatisfy { a.precedes($0 - 1, $0) })
    }

    @Test func pivotHelpersFindRelatedIndicatorsAndSubstrings() throws {
        let s = Self.edgeStore
        let alice = try #require(s.key(.user, "alice"))
        let (byHost, byKind) = s.breakdown(s.positions(alice))
        #expect(byHost.values.reduce(0, +) == s.positions(alice).count)
        #expect(byKind.values.reduce(0, +) == s.positions(alice).count)
        let related = s.related(s.positions(alice), excluding: [alice])
        #expect(!related.contains { $0.key == alice })
        #expect(related.contains { $0.key.type == .host })
        // Most frequent first.
        #expect(zip(related, related.dropFirst()).allSatisfy { $0.count >= $1.count })
        #expect(s.keys(.user, matching: "ALI", substring: true) == [alice])
        #expect(s.keys(.user, matching: "ALI", substring: false).isEmpty)
        #expect(s.keys(.host, matching: "01", substring: true).count == 3)
        let web = try #require(s.key(.host, "web01"))
        let union = s.positions(anyOf: [alice, web])
        #expect(union == Array(Set(s.positions(alice) + s.positions(web))).sorted())
        #expect(s.indicators(of: 0).contains(IndicatorKey(.host, s.host[0])))
    }
}
