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
    private var held: [UInt32: (lines: [UInt64: [UInt8]], bytes: Int, lastUse: Int)] = [:]
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
        let copy: [UInt64: [UInt8]]? = fileLock.withLock {
            let known: (lines: [UInt64: [UInt8]]?, isDirect: Bool) = lock.withLock {
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
            keep(fileID, filled.lines, bytes: filled.bytes)
            return filled.lines
        }
        guard let copy else { return reader(fileID, wanted, body) }
        for l in wanted { if let b = copy[l] { b.withUnsafeBufferPointer { body(l, $0) } } }
        return true
    }

    /// Holds a file's copy, dropping the least recently used others until the held copies fit the budget.
    private func keep(_ fileID: UInt32, _ lines: [UInt64: [UInt8]], bytes: Int) {
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
    func fill(_ fileID: UInt32, _ all: [UInt64]) -> (lines: [UInt64: [UInt8]], bytes: Int)? {
        var out: [UInt64: [UInt8]] = [:]
        out.reserveCapacity(all.count)
        var next = 0
        var over = false
        var bytesHere = 0
        let ok = reader(fileID, all) { line, bytes in
            guard !over else { return }
            while next < all.count && all[next] < line { next += 1 }
            guard next < all.count, all[next] == line, out[line] == nil else { return }
            bytesHere += bytes.count
            if bytesHere > budgetBytes {
                over = true
                out = [:]
                return
            }
            out[line] = Array(bytes)
        }
        guard ok, !over else { return nil }
        return (out, bytesHere)
    }
}
