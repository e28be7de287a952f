extension LineReader {
    /// Reads the rest of the stream (peeked bytes included) into one array, for formats that frame their records
    /// over the whole file (EVTX). Counts the bytes in `totalBytes`; `lineCount` is left to the caller.
    /// - Parameter limit: at most this many bytes are kept (memory stays bounded on a huge file or a gzip bomb);
    ///   `stoppedAtLimit` then says the stream went on.
    public mutating func readAll<S: ByteSource>(from source: inout S, limit: Int = .max) -> [UInt8] {
        takeAll(from: &source, limit: limit)
    }
}
