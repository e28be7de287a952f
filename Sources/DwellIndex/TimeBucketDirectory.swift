import DwellCore

/// Time buckets over the sorted times: the first event of each bucket, and counts by kind per bucket.
public struct TimeBucketDirectory: Sendable {
    public private(set) var originMicros: Int64 = 0
    public private(set) var bucketMicros: Int64 = 60_000_000
    /// starts[b] = index of the first event at or after bucket b's start; one extra entry = count.
    public private(set) var starts: [Int32] = []
    /// counts[b * kinds + kind]
    public private(set) var counts: [UInt32] = []
    public static let kinds = EventKind.allCases.count

    public init() {}

    /// A directory as a persistent case stored it (checked by the reader).
    init(originMicros: Int64, bucketMicros: Int64, starts: [Int32], counts: [UInt32]) {
        self.originMicros = originMicros
        self.bucketMicros = bucketMicros
        self.starts = starts
        self.counts = counts
    }

    /// Bucket size: one minute, widened so that at most 200,000 buckets cover the span (sparse data).
    public init(times: TimeColumn, kinds: [EventKind], bucketSeconds: Int64?) {
        guard let first = times.first, let last = times.last else { return }
        var size = (bucketSeconds ?? 60) * 1_000_000
        let span = last - first
        while span / size > 200_000 { size *= 2 }
        bucketMicros = size
        originMicros = first - ((first % size) + size) % size
        let n = Int((last - originMicros) / size) + 1
        starts = [Int32](repeating: Int32(times.count), count: n + 1)
        counts = [UInt32](repeating: 0, count: n * Self.kinds)
        var b = -1
        for (i, t) in times.enumerated() {
            let bi = Int((t - originMicros) / size)
            while b < bi {
                b += 1
                starts[b] = Int32(i)
            }
            counts[bi * Self.kinds + Int(kinds[i].rawValue)] += 1
        }
    }

    public var bucketCount: Int { max(starts.count - 1, 0) }

    /// Event index range for `[from, to)`: bucket lookup, then a binary search inside the edge buckets.
    /// - Complexity: O(log n).
    public func range(from: Int64, to: Int64, times: TimeColumn) -> Range<Int> {
        guard !times.isEmpty, from < to else { return 0..<0 }
        func lowerBound(_ t: Int64) -> Int {
            let b = (t - originMicros) / bucketMicros
            if b < 0 { return 0 }
            if b >= Int64(bucketCount) { return times.count }
            var lo = Int(starts[Int(b)])
            var hi = Int(starts[Int(b) + 1])
            while lo < hi {
                let mid = (lo + hi) / 2
                if times[mid] < t { lo = mid + 1 } else { hi = mid }
            }
            return lo
        }
        return lowerBound(from)..<max(lowerBound(from), lowerBound(to))
    }

    /// Event counts of one kind per bucket (an activity histogram), without scanning events.
    public func histogram(_ kind: EventKind) -> [UInt32] {
        (0..<bucketCount).map { counts[$0 * Self.kinds + Int(kind.rawValue)] }
    }

    public var approximateBytes: Int { starts.count * 4 + counts.count * 4 }
}
