import Foundation

/// Raw lines read back once for every log source of a run: a file that several sources read (the Windows sources
/// all read the same export or EVTX file, for keywords and for record fields) is read once, for the union of the
/// lines they can ask for, and each request is served from the copy. Files one source reads are read directly.
///
/// The copies held together stay within `budgetBytes` (their lines' bytes): a file whose wanted lines alone pass
/// it is read directly for every request, and filling a file evicts the least recently used copies until it fits
/// (an evicted file is read again when asked for). A copy a source is reading stays alive until it is done.
///
/// Safe to call from several threads at once: each shared file has its own lock, held while it is filled, so two
/// sources asking for the same file read it once; the lines are handed to `body` outside any lock.
package final class SigmaLineCache: @unchecked Sendable {
    let reader: SigmaLineReader
    /// Per shared file, every line any source of the run may ask for (ascending).
    let union: [UInt32: [UInt64]]
    package let budgetBytes: Int
    private let fileLocks: [UInt32: NSLock]
    private let lock = NSLock()
    // Under `lock`:
    private var held: [UInt32: (lines: LineCopy, bytes: Int, lastUse: Int)] = [:]
    /// Files read directly for every request: unreadable again, or their lines alone pass the budget.
    private var direct: Set<UInt32> = []
    private var clock = 0
    private var usedBytes = 0
    private var fillCount = 0
    private var evictionCount = 0

    package init(reader: @escaping SigmaLineReader, union: [UInt32: [UInt64]], budgetBytes: Int = 512 << 20) {
        self.reader = reader
        self.union = union
        self.budgetBytes = budgetBytes
        fileLocks = union.mapValues { _ in NSLock() }
    }

    /// The reader to hand to the sources: `SigmaLineReader`'s contract (wanted lines ascending, `false` when the
    /// file cannot be read again).
    package var lineReader: SigmaLineReader {
        { [self] fileID, wanted, body in read(fileID, wanted, body) }
    }

    /// Bytes of the copies held now (never above `budgetBytes`).
    package var heldBytes: Int { lock.withLock { usedBytes } }
    /// Shared files read into the cache so far (a file evicted and asked for again counts twice).
    package var fills: Int { lock.withLock { fillCount } }
    /// Copies dropped to make room for another file.
    package var evictions: Int { lock.withLock { evictionCount } }

    package func read(_ fileID: UInt32, _ wanted: [UInt64], _ body: (UInt64, UnsafeBufferPointer<UInt8>) -> Void) -> Bool {
        guard let all = union[fileID], let fileLock = fileLocks[fileID] else { return reader(fileID, wanted, body) }
        let copy: LineCopy? = fileLock.withLock {
            let known: (lines: LineCopy?, isDirect: Bool) = lock.withLock {
                clock += 1
                held[fileID]?.lastUse = clock
                return (held[fileID]?.lines, direct.contains(fileID))
            }
            if let lines = known.lines { return lines }
            if known.isDirect { return nil }
            guard let filled = fill(fileID, all) else {
                lock.withLock { _ = direct.insert(fileID) }
                return nil
            }
            keep(fileID, filled, bytes: filled.bytes.count)
            return filled
        }
        guard let copy else { return reader(fileID, wanted, body) }
        copy.forEach(wanted, body)
        return true
    }

    /// Holds a file's copy, dropping the least recently used others until the held copies fit the budget.
    private func keep(_ fileID: UInt32, _ lines: LineCopy, bytes: Int) {
        lock.withLock {
            while usedBytes + bytes > budgetBytes {
                guard let oldest = held.min(by: { $0.value.lastUse < $1.value.lastUse }) else { break }
                usedBytes -= oldest.value.bytes
                held[oldest.key] = nil
                evictionCount += 1
            }
            clock += 1
            held[fileID] = (lines, bytes, clock)
            usedBytes += bytes
            fillCount += 1
        }
    }

    /// The wanted lines' bytes, or `nil` (read directly then) when the file cannot be read or its lines alone would
    /// pass the budget.
    func fill(_ fileID: UInt32, _ all: [UInt64]) -> LineCopy? {
        var out = LineCopy()
        out.numbers.reserveCapacity(all.count)
        out.starts.reserveCapacity(all.count + 1)
        var next = 0
        var over = false
        let ok = reader(fileID, all) { line, bytes in
            guard !over else { return }
            while next < all.count && all[next] < line { next += 1 }
            // The reader hands lines over in ascending order: a line already kept is the last one kept.
            guard next < all.count, all[next] == line, out.numbers.last != line else { return }
            if out.bytes.count + bytes.count > budgetBytes {
                over = true
                out = LineCopy()
                return
            }
            out.append(line, bytes)
        }
        guard ok, !over else { return nil }
        return out
    }
}

/// A file's lines held in one buffer: line `numbers[k]` is `bytes[starts[k]..<starts[k + 1]]`, numbers ascending.
/// One allocation per file instead of one per line, and served by walking the wanted lines beside the held ones
/// (no hashing per line).
struct LineCopy {
    var numbers: [UInt64] = []
    var starts: [Int] = [0]
    var bytes: [UInt8] = []

    mutating func append(_ line: UInt64, _ text: UnsafeBufferPointer<UInt8>) {
        numbers.append(line)
        bytes.append(contentsOf: text)
        starts.append(bytes.count)
    }

    /// Calls `body` for each of `wanted` (ascending) that is held, in order.
    func forEach(_ wanted: [UInt64], _ body: (UInt64, UnsafeBufferPointer<UInt8>) -> Void) {
        bytes.withUnsafeBufferPointer { all in
            var k = 0
            for l in wanted {
                while k < numbers.count && numbers[k] < l { k += 1 }
                guard k < numbers.count, numbers[k] == l else { continue }
                // `starts` is ascending and ends at `bytes.count` (only `append` writes it): the range is inside.
                body(l, UnsafeBufferPointer(rebasing: all[starts[k]..<starts[k + 1]]))
            }
        }
    }
}
