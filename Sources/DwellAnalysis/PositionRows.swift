/// Event positions grouped by a dense key (an address id): pairs appended as a pass over the store finds them,
/// then counted and laid out in one array of rows, each row's positions in the order they were appended.
/// A dictionary of arrays would hash every request and grow one array per source.
struct PositionRows {
    private var keys: [UInt32] = []
    private var positions: [Int32] = []

    var isEmpty: Bool { keys.isEmpty }

    mutating func append(_ key: UInt32, _ position: Int) {
        keys.append(key)
        positions.append(Int32(truncatingIfNeeded: position))
    }

    /// Calls `body` with each key holding at least `minimum` positions, keys ascending, and its positions.
    /// - Complexity: O(*n* + *k*) for *n* pairs and keys below *k*.
    func forEachRow(minimum: Int, _ body: (UInt32, [Int]) -> Void) {
        guard let largest = keys.max() else { return }
        var start = [Int32](repeating: 0, count: Int(largest) + 2)
        for k in keys { start[Int(k) + 1] += 1 }
        for k in 1..<start.count { start[k] += start[k - 1] }
        var fill = start
        var rows = [Int32](repeating: 0, count: keys.count)
        for (k, p) in zip(keys, positions) {
            rows[Int(fill[Int(k)])] = p
            fill[Int(k)] += 1
        }
        fill = []
        for k in 0...Int(largest) where Int(start[k + 1] - start[k]) >= max(minimum, 1) {
            body(UInt32(k), rows[Int(start[k])..<Int(start[k + 1])].map { Int($0) })
        }
    }
}
