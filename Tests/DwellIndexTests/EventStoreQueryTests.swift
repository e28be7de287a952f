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

/// The store is rebuilt in sorted order by parallel jobs (one per column, postings one per indicator type): with
/// one thread or several, every column, posting and bucket must come out the same.
@Suite struct ParallelBuildTests {
    static func build(threads: Int) -> EventStore {
        var x: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ n: UInt64) -> UInt64 {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17
            return x % n
        }
        var builder = EventStore.Builder()
        builder.threads = threads
        for file in 0..<6 {
            var symbols = SymbolTable()
            var chunk = EventChunk()
            var t: Int64 = 1_773_000_000_000_000 + Int64(file) * 7_000_000
            for line in 0..<3_000 {
                t += Int64(next(5_000_000))
                var e = Event(time: Timestamp(microseconds: t), kind: [.webRequest, .flow, .authFailure, .http][Int(next(4))])
                e.source = SourceRef(fileID: UInt32(file), line: UInt64(line + 1), offset: UInt64(line) * 90)
                e.host = symbols.intern("host\(next(3))")
                if next(2) == 0 { e.sourceIP = IPAddress(v4: 0xCB00_7100 | UInt32(next(200))) }
                if next(3) == 0 { e.destinationIP = IPAddress(v4: 0x0A00_0100 | UInt32(next(20))) }
                if next(4) == 0 { e.setDestinationPort(UInt16(next(1024))) }
                if next(5) == 0 { e.user = symbols.intern("user\(next(30))") }
                if next(40) == 0 { e.command = symbols.intern("cmd\(next(5))") }
                if next(2) == 0 { e.path = symbols.intern("/p/\(next(500))") }
                if next(3) == 0 { e.httpStatus = Int32(200 + next(300)) }
                if next(3) == 0 { e.bytesOut = Int64(next(1 << 40)) }
                if next(50) == 0 { e.pid = Int32(next(70_000)) }
                chunk.append(e)
            }
            builder.add(chunk: chunk, symbols: symbols)
        }
        return builder.build()
    }

    @Test func oneThreadAndFourThreadsBuildTheSameStore() {
        let one = Self.build(threads: 1)
        let four = Self.build(threads: 4)
        #expect(one.count == 18_000 && four.count == one.count)
        #expect(Array(one.time) == Array(four.time))
        #expect(Array(one.fileID) == Array(four.fileID) && one.line == four.line && Array(one.offset) == Array(four.offset))
        #expect(one.kind == four.kind && Array(one.host) == Array(four.host))
        #expect(Array(one.sourceIP) == Array(four.sourceIP) && Array(one.destinationIP) == Array(four.destinationIP))
        #expect(Array(one.destinationPort) == Array(four.destinationPort) && Array(one.user) == Array(four.user))
        #expect(Array(one.command) == Array(four.command) && Array(one.path) == Array(four.path))
        #expect(Array(one.httpStatus) == Array(four.httpStatus) && Array(one.bytesOut) == Array(four.bytesOut))
        #expect(Array(one.pid) == Array(four.pid))
        #expect(one.indicatorKeys == four.indicatorKeys)
        for key in one.indicatorKeys { #expect(one.positions(key) == four.positions(key), "\(key)") }
        #expect(one.buckets.starts == four.buckets.starts && one.buckets.counts == four.buckets.counts)
        // And the order is (time, file, line).
        var sorted = true
        for i in 1..<one.count {
            let a = (one.time[i - 1], one.fileID[i - 1], one.line[i - 1])
            let b = (one.time[i], one.fileID[i], one.line[i])
            if !(a < b) { sorted = false }
        }
        #expect(sorted)
    }
}
