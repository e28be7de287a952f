import DwellSigma
import Foundation
import Testing

/// `SigmaLineCache` serves what a direct read serves, reads a shared file once while it is held, keeps the held
/// copies within its budget (evicting the least recently used), and reads directly what it cannot hold.
@Suite struct SigmaLineCacheTests {
    /// Files in memory behind a `SigmaLineReader`, counting how often each is read. File 9 cannot be read again.
    final class Files: @unchecked Sendable {
        let lines: [UInt32: [[UInt8]]]
        private let lock = NSLock()
        private var readCounts: [UInt32: Int] = [:]

        init(_ lines: [UInt32: [[UInt8]]]) { self.lines = lines }

        func reads(_ f: UInt32) -> Int { lock.withLock { readCounts[f, default: 0] } }

        var reader: SigmaLineReader {
            { [self] fileID, wanted, body in
                guard let file = lines[fileID] else { return false }
                lock.withLock { readCounts[fileID, default: 0] += 1 }
                // As the evidence reader does: every line in order, up to the last wanted one (1-based numbers).
                guard let last = wanted.last else { return true }
                for (k, l) in file.enumerated() where UInt64(k + 1) <= last {
                    l.withUnsafeBufferPointer { body(UInt64(k + 1), $0) }
                }
                return true
            }
        }
    }

    /// File f's line n: `f:n:` followed by n bytes, so lines differ in content and length.
    static func file(_ f: UInt32, lines: Int, width: Int = 1) -> [[UInt8]] {
        (1...lines).map { n in Array("\(f):\(n):".utf8) + [UInt8](repeating: UInt8(0x61 + n % 26), count: n * width) }
    }

    /// What a reader hands over for `wanted`: the lines asked for, in order, and whether the file could be read.
    static func collect(_ reader: SigmaLineReader, _ f: UInt32, _ wanted: [UInt64]) -> (ok: Bool, lines: [UInt64: [UInt8]]) {
        var out: [UInt64: [UInt8]] = [:]
        let want = Set(wanted)
        let ok = reader(f, wanted) { n, bytes in if want.contains(n) { out[n] = Array(bytes) } }
        return (ok, out)
    }

    @Test func servesExactlyWhatADirectReadServes() {
        let files = Files([1: Self.file(1, lines: 40), 2: Self.file(2, lines: 25), 3: Self.file(3, lines: 10)])
        // Files 1 and 2 are shared; file 3 is read directly.
        let union: [UInt32: [UInt64]] = [1: Array(stride(from: 1, through: 40, by: 2)), 2: Array(1...25)]
        let cache = SigmaLineCache(reader: files.reader, union: union)
        let requests: [(UInt32, [UInt64])] = [
            (1, [1, 3, 5, 39]), (2, [2, 4, 25]), (1, [7, 9]), (3, [1, 10]), (2, [1]), (1, []), (1, [11, 13, 15]),
        ]
        for (f, wanted) in requests {
            let cached = Self.collect(cache.lineReader, f, wanted)
            let direct = Self.collect(files.reader, f, wanted)
            #expect(cached.ok == direct.ok)
            #expect(cached.lines == direct.lines, "file \(f), lines \(wanted)")
            #expect(cached.lines.count == wanted.count)
        }
        // Each shared file was read once into the cache; every direct read above was a read of its own.
        #expect(cache.fills == 2)
        #expect(files.reads(1) == 1 + 4)
        #expect(files.reads(2) == 1 + 2)
        #expect(cache.evictions == 0)
    }

    @Test func aFileThatCannotBeReadAgainIsReportedNotServedEmpty() {
        let files = Files([1: Self.file(1, lines: 3)])
        let cache = SigmaLineCache(reader: files.reader, union: [9: [1, 2], 1: [1, 2, 3]])
        let gone = Self.collect(cache.lineReader, 9, [1, 2])
        #expect(gone.ok == false)
        #expect(gone.lines.isEmpty)
        #expect(Self.collect(cache.lineReader, 1, [2]).lines == [2: Self.file(1, lines: 3)[1]])
    }

    @Test func heldCopiesStayWithinTheBudgetAndTheLeastRecentlyUsedIsEvicted() {
        // Each file's lines: 20 lines of about 10 to 30 bytes, some 400 bytes in all.
        let all: [UInt32: [[UInt8]]] = [1: Self.file(1, lines: 20), 2: Self.file(2, lines: 20), 3: Self.file(3, lines: 20)]
        let files = Files(all)
        let size = all[1]!.reduce(0) { $0 + $1.count }
        let budget = size * 2 + size / 2  // two files fit, three do not
        let union: [UInt32: [UInt64]] = [1: Array(1...20), 2: Array(1...20), 3: Array(1...20)]
        let cache = SigmaLineCache(reader: files.reader, union: union, budgetBytes: budget)
        for (f, wanted) in [(UInt32(1), [UInt64(1), 20]), (2, [5]), (1, [2]), (3, [7, 8])] {
            #expect(Self.collect(cache.lineReader, f, wanted).lines == Self.collect(files.reader, f, wanted).lines)
            #expect(cache.heldBytes <= budget)
        }
        // File 2 was the least recently used when file 3 came in: it went, file 1 stayed.
        #expect(cache.evictions == 1)
        #expect(cache.fills == 3)
        let readsOf1 = files.reads(1)
        #expect(Self.collect(cache.lineReader, 1, [3]).lines == [3: all[1]![2]])
        #expect(files.reads(1) == readsOf1)  // still held: served from the copy
        let readsOf2 = files.reads(2)
        #expect(Self.collect(cache.lineReader, 2, [6]).lines == [6: all[2]![5]])
        #expect(files.reads(2) == readsOf2 + 1)  // evicted, so read again
        #expect(cache.fills == 4)
        #expect(cache.heldBytes <= budget)
    }

    @Test func aFileWhoseLinesAlonePassTheBudgetIsReadDirectlyEveryTime() {
        let files = Files([1: Self.file(1, lines: 30, width: 8), 2: Self.file(2, lines: 3)])
        let cache = SigmaLineCache(reader: files.reader, union: [1: Array(1...30), 2: [1, 2, 3]], budgetBytes: 200)
        for wanted in [[UInt64(1), 2], [29, 30], [15]] {
            #expect(Self.collect(cache.lineReader, 1, wanted).lines == Self.collect(files.reader, 1, wanted).lines)
        }
        #expect(cache.heldBytes == 0)
        #expect(cache.fills == 0)
        // The one attempt to hold it, then the three requests and the three comparisons, each a read of its own.
        #expect(files.reads(1) == 1 + 3 + 3)
        #expect(Self.collect(cache.lineReader, 2, [3]).lines == [3: Self.file(2, lines: 3)[2]])
        #expect(cache.fills == 1)
        #expect(cache.heldBytes <= 200)
    }

    @Test func manyThreadsAtOnceGetWhatOneThreadGets() {
        let all: [UInt32: [[UInt8]]] = Dictionary(uniqueKeysWithValues: (1...6).map { ($0, Self.file($0, lines: 50)) })
        let files = Files(all)
        let union = all.mapValues { Array(1...UInt64($0.count)) }
        // Room for about three of the six files: threads fill, evict and read at once.
        let budget = all[1]!.reduce(0) { $0 + $1.count } * 3
        let cache = SigmaLineCache(reader: files.reader, union: union, budgetBytes: budget)
        var requests: [(UInt32, [UInt64])] = []
        for k in 0..<96 {
            let first = UInt64(k % 5 + 1)
            let step = UInt64(k % 7 + 1)
            let wanted: [UInt64] = Array(stride(from: first, through: 50, by: Int(step)))
            requests.append((UInt32(k % 6 + 1), wanted))
        }
        let expected = requests.map { Self.collect(files.reader, $0.0, $0.1).lines }
        let asked = requests
        let got = Results(count: asked.count)
        DispatchQueue.concurrentPerform(iterations: asked.count) { k in
            got.store(k, Self.collect(cache.lineReader, asked[k].0, asked[k].1).lines)
        }
        #expect(got.values == expected)
        #expect(cache.heldBytes <= budget)
    }

    final class Results: @unchecked Sendable {
        private let lock = NSLock()
        private var slots: [[UInt64: [UInt8]]]
        init(count: Int) { slots = Array(repeating: [:], count: count) }
        func store(_ k: Int, _ v: [UInt64: [UInt8]]) { lock.withLock { slots[k] = v } }
        var values: [[UInt64: [UInt8]]] { lock.withLock { slots } }
    }
}
