/// An evidence file as a persistent case stores it in its manifest.
extension EvidenceFile {
    public func write(to w: inout BinaryWriter) {
        w.u32(id)
        w.string(path)
        w.string(displayPath)
        w.optionalString(hostHint)
        w.string(rotationSet)
        w.int(rotationIndex)
        w.int(rotationCount)
        w.bool(isStdin)
        w.i64(sizeBytes)
        w.optionalTime(modificationTime)
    }

    public init(reading r: inout BinaryReader) throws(BinaryFormatError) {
        self.init(
            id: try r.u32(), path: try r.string(), displayPath: try r.string(), hostHint: try r.optionalString(),
            rotationSet: try r.string(), rotationIndex: try r.int(), rotationCount: try r.int(), isStdin: try r.bool(),
            sizeBytes: try r.i64(), modificationTime: try r.optionalTime())
    }
}
