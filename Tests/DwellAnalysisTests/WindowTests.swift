import DwellCore
import DwellIndex
import Testing

@testable import DwellAnalysis

/// The port-scan rule counts distinct keys in a sliding window with dense counts and a shortcut (fewer distinct
/// keys in all than the threshold: no window). It must find exactly the window the hashed count finds, and leave
/// its counts zeroed for the next source.
@Suite struct WindowTests {
    @Test func denseCountsFindTheWindowTheHashedCountsFind() {
        var x: UInt64 = 0x2545_F491_4F6C_DD1D
        func next(_ n: UInt64) -> UInt64 {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17
            return x % n
        }
        // 3,000 events over about 8 hours, keys from small to wide ranges, times with bursts.
        var symbols = SymbolTable()
        var events: [Event] = []
        var t: Int64 = 1_773_014_400_000_000
        for line in 0..<3_000 {
            t += Int64(next(4) == 0 ? next(60_000_000) : next(2_000_000))
            var e = Event(time: Timestamp(microseconds: t), kind: .flow)
            e.source = SourceRef(fileID: 0, line: UInt64(line + 1), offset: UInt64(line) * 80)
            e.host = symbols.intern("sensor")
            events.append(e)
        }
        var builder = EventStore.Builder()
        builder.add(events: events, symbols: symbols)
        let detectors = Detectors(store: builder.build(), filePaths: ["sensor/zeek/conn.log"])
        var counts = WindowCounts(limit: 1_000)
        for round in 0..<300 {
            let length = Int(next(400))
            var idx = Set<Int>()
            while idx.count < length { idx.insert(Int(next(3_000))) }
            let positions = idx.sorted()
            let range = [2, 5, 40, 1_000][round % 4]
            let keyOf = Dictionary(uniqueKeysWithValues: positions.map { ($0, Int(next(UInt64(range)))) })
            let window = Int64([1, 30, 600, 7_200][round / 4 % 4]) * 1_000_000
            for threshold in [1, 2, 3, 10, 50, 500] as [Int64] {
                let hashed = detectors.firstWindow(
                    positions, windowMicros: window, threshold: threshold, key: { UInt64(keyOf[$0]!) })
                let dense = detectors.firstWindow(
                    positions, windowMicros: window, threshold: threshold, counts: &counts, key: { keyOf[$0]! })
                #expect(
                    hashed?.lo == dense?.lo && hashed?.hi == dense?.hi && hashed?.distinct == dense?.distinct,
                    "round \(round), threshold \(threshold): \(String(describing: hashed)) vs \(String(describing: dense))")
                #expect(counts.distinct == 0, "counts left zeroed")
            }
        }
    }
}

/// The sensor's copy of a request names the server whose access log holds the same (source, path) within a
/// second: the line of the same second first, then the second before, then the one after; among lines of that
/// second, the last. The copy itself is then not counted again.
@Suite struct SensorCopyMatchingTests {
    /// The name given to 10.0.1.10 when the sensor sees a request at second 100 and the servers logged it at
    /// `served` (seconds, host), plus unrelated traffic in between.
    static func name(_ served: [(Int64, String)]) -> (name: String?, copies: Int) {
        var b = EventsBuilder()
        for s in 98...102 {
            // Other clients and other paths in every second of the window.
            for k in 0..<20 { b.request(Int64(s), from: "198.51.100.\(k + 1)", path: "/index.html", host: "web09") }
            b.request(Int64(s), from: "203.0.113.45", path: "/other", host: "web08")
            for (second, host) in served where second == Int64(s) {
                b.request(second, from: "203.0.113.45", path: "/uploads/shell.php", host: host)
            }
        }
        b.request(
            100, from: "203.0.113.45", path: "/uploads/shell.php", kind: .http, host: "sensor", dst: "10.0.1.10")
        var builder = EventStore.Builder()
        builder.add(events: b.events, symbols: b.symbols)
        let store = builder.build()
        let detectors = Detectors(store: store, filePaths: b.files)
        let copies = (0..<store.count).filter { detectors.sensorCopies.contains($0) }.count
        guard let id = store.addressID(of: IPAddress("10.0.1.10")!) else { return (nil, copies) }
        return (detectors.hostNames[id], copies)
    }

    @Test func theSameSecondWinsThenTheSecondBeforeThenTheOneAfter() {
        #expect(Self.name([(99, "web01"), (100, "web02"), (101, "web03")]) == ("web02", 1))
        #expect(Self.name([(99, "web01"), (101, "web03")]) == ("web01", 1))
        #expect(Self.name([(101, "web03")]) == ("web03", 1))
        // The last line of the winning second.
        #expect(Self.name([(100, "web02"), (100, "web04"), (99, "web05"), (99, "web06")]) == ("web04", 1))
        #expect(Self.name([(99, "web05"), (99, "web06"), (101, "web07")]) == ("web06", 1))
        // Two seconds away is no copy.
        #expect(Self.name([(98, "web01"), (102, "web03")]) == (nil, 0))
    }
}
