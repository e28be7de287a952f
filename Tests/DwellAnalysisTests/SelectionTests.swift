import Testing

@testable import DwellAnalysis

/// The integrity rules take the 99th-percentile gap by selection, not by sorting: it must be the value a sort gives.
@Suite struct SelectionTests {
    @Test func selectionEqualsTheSortedValueAtEveryRank() {
        var x: UInt64 = 0x9E37_79B9_7F4A_7C15
        for size in [1, 2, 3, 7, 64, 1000] {
            for duplicates in [false, true] {
                var values: [Int64] = (0..<size).map { _ in
                    x ^= x << 13; x ^= x >> 7; x ^= x << 17
                    return duplicates ? Int64(x % 5) : Int64(bitPattern: x) >> 8
                }
                let sorted = values.sorted()
                for rank in Set([0, size / 2, size * 99 / 100, size - 1]) {
                    var copy = values
                    #expect(Detectors.select(&copy, rank: rank) == sorted[rank], "size \(size) rank \(rank)")
                }
                values.shuffle()
            }
        }
    }
}

/// The log-gap rule selects its 99th-percentile gap from the gaps as they are read (radix selection, no array).
@Suite struct StreamingSelectionTests {
    @Test func radixSelectionEqualsTheSortedValueAtEveryRank() {
        var x: UInt64 = 0xD1B5_4A32_D192_ED03
        func next() -> UInt64 {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17
            return x
        }
        // Spreads of gaps: all equal, zeros, microseconds to days, the largest Int64, and values sharing high digits.
        let shapes: [(String, () -> Int64)] = [
            ("zeros", { 0 }), ("one value", { 86_400_000_000 }), ("few values", { Int64(next() % 5) * 255 }),
            ("wide", { Int64(bitPattern: next() >> 1) }), ("small", { Int64(next() % 300) }),
            ("seconds", { Int64(next() % 3_600) * 1_000_000 + Int64(next() % 7) }),
            ("shared high digits", { 0x7F00_0000_0000_0000 | Int64(next() % 65_536) }),
            ("extremes", { next() % 2 == 0 ? Int64.max : 0 }),
        ]
        for (name, make) in shapes {
            for size in [1, 2, 3, 7, 255, 256, 1000] {
                let values = (0..<size).map { _ in make() }
                let sorted = values.sorted()
                for rank in Set([0, 1 % size, size / 2, size * 99 / 100, size - 1]) {
                    let got = Detectors.select(rank: rank) { body in values.forEach(body) }
                    #expect(got == sorted[rank], "\(name): size \(size) rank \(rank)")
                }
            }
        }
    }

    /// The two passes (buckets, then the values of one bucket) and the fallback for a crowded bucket (a stream at a
    /// steady pace: more than 65,536 gaps within 1/2048 of one another) give what a sort gives.
    @Test func bucketSelectionAndItsFallbackEqualTheSortedValue() {
        var x: UInt64 = 0x2545_F491_4F6C_DD1D
        func next() -> UInt64 {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17
            return x
        }
        let shapes: [(String, () -> Int64)] = [
            ("steady pace", { 1_000_000 + Int64(next() % 200) }),
            ("spread", { Int64(next() % 90_000_000_000) }),
            ("negative and small", { Int64(next() % 9_000) - 3_000 }),
        ]
        for (name, make) in shapes {
            let values = (0..<70_000).map { _ in make() }
            let sorted = values.map { max($0, 0) }.sorted()
            for rank in Set([0, 35_000, 69_300, 69_999]) {
                #expect(Detectors.select(rank: rank) { body in values.forEach(body) } == sorted[rank], "\(name) \(rank)")
                #expect(Detectors.radixSelect(rank: rank) { body in values.forEach(body) } == sorted[rank], "\(name) \(rank)")
            }
        }
    }
}
