/// Raw lines read back once for every log source of a run: a file that several sources read (the Windows sources
/// all read the same export or EVTX file, for keywords and for record fields) is read once, for the union of the
/// lines they can ask for, and each request is served from the copy. Files one source reads, and files whose wanted
/// lines exceed `budgetBytes` in all, are read directly, as before.
final class SigmaLineCache {
    let reader: SigmaLineReader
    /// Per shared file, every line any source of the run may ask for (ascending).
    let union: [UInt32: [UInt64]]
    let budgetBytes: Int
    var usedBytes = 0
    /// Per shared file read so far: its lines' bytes, or `nil` when the file could not be read or was too big.
    var lines: [UInt32: [UInt64: [UInt8]]?] = [:]

    init(reader: @escaping SigmaLineReader, union: [UInt32: [UInt64]], budgetBytes: Int = 512 << 20) {
        self.reader = reader
        self.union = union
        self.budgetBytes = budgetBytes
    }

    /// The reader to hand to the sources: `SigmaLineReader`'s contract (wanted lines ascending, `false` when the
    /// file cannot be read again).
    var lineReader: SigmaLineReader {
        { [self] fileID, wanted, body in read(fileID, wanted, body) }
    }

    func read(_ fileID: UInt32, _ wanted: [UInt64], _ body: (UInt64, UnsafeBufferPointer<UInt8>) -> Void) -> Bool {
        guard let all = union[fileID] else { return reader(fileID, wanted, body) }
        if lines[fileID] == nil { lines[fileID] = .some(fill(fileID, all)) }
        guard let copy = lines[fileID] ?? nil else { return reader(fileID, wanted, body) }
        for l in wanted { if let b = copy[l] { b.withUnsafeBufferPointer { body(l, $0) } } }
        return true
    }

    /// The wanted lines' bytes, or `nil` (read directly then) when the file cannot be read or its lines would pass
    /// the budget.
    func fill(_ fileID: UInt32, _ all: [UInt64]) -> [UInt64: [UInt8]]? {
        var out: [UInt64: [UInt8]] = [:]
        out.reserveCapacity(all.count)
        var next = 0
        var over = false
        var bytesHere = 0
        let ok = reader(fileID, all) { line, bytes in
            guard !over else { return }
            while next < all.count && all[next] < line { next += 1 }
            guard next < all.count, all[next] == line, out[line] == nil else { return }
            usedBytes += bytes.count
            bytesHere += bytes.count
            if usedBytes > budgetBytes {
                over = true
                return
            }
            out[line] = Array(bytes)
        }
        guard ok, !over else {
            usedBytes -= bytesHere
            return nil
        }
        return out
    }
}
