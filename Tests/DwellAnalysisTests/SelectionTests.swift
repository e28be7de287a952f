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
