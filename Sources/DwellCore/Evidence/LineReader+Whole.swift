extension LineReader {
    /// Reads the rest of the stream (peeked bytes included) into one array, for formats that frame their records
    /// over the whole file (EVTX). Counts the bytes in `totalBytes`; `lineCount` is left to the caller.
    public mutating func readAll<S: ByteSource>(from source: inout S) -> [UInt8] {
        var out: [UInt8] = []
        let saved = lineCount
        let leftover = forEachRecord(size: 1 << 16, from: &source) { block, _ in
            block.withUnsafeBufferPointer { out.append(contentsOf: $0) }
        }
        if leftover > 0, let base = buffer.baseAddress {
            let tail = UnsafeRawBufferPointer(start: base + (end - leftover), count: leftover)
            out.append(contentsOf: tail)
        }
        lineCount = saved
        return out
    }
}
