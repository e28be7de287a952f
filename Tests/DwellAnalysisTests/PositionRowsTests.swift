import Testing

@testable import DwellAnalysis

/// The web detectors group request positions per source with `PositionRows`: each row must hold exactly the
/// positions appended under its key, in their order, keys ascending, rows under the minimum left out.
@Suite struct PositionRowsTests {
    @Test(arguments: [0, 1, 2, 5])
    func rowsEqualADictionaryOfArrays(minimum: Int) {
        var x: UInt64 = 0x2545_F491_4F6C_DD1D
        var rows = PositionRows()
        var reference: [UInt32: [Int]] = [:]
        for position in 0..<5_000 {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17
            // Keys crowd at small ids, with a few large ones and key 0 (no address).
            let key = x % 7 == 0 ? UInt32(x >> 40 % 100_000) : UInt32(x % 40)
            guard x % 3 != 0 else { continue }
            rows.append(key, position)
            reference[key, default: []].append(position)
        }
        var seen: [(UInt32, [Int])] = []
        rows.forEachRow(minimum: minimum) { seen.append(($0, $1)) }
        let expected = reference.sorted { $0.key < $1.key }.filter { $0.value.count >= max(minimum, 1) }
        #expect(seen.map(\.0) == expected.map(\.key))
        #expect(seen.map(\.1) == expected.map(\.value))
    }

    @Test func noRowsFromNothing() {
        var calls = 0
        PositionRows().forEachRow(minimum: 0) { _, _ in calls += 1 }
        #expect(calls == 0)
    }
}
