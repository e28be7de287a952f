/// Little-endian binary encoding of a persistent case's sections (see docs/DESIGN.md, "The case on disk").
///
/// A writer appends fixed-width integers, length-prefixed byte strings and whole arrays of plain values (a count,
/// then the elements' bytes, padded to 8 bytes so the next array starts aligned). A reader walks the same bytes
/// and never traps: a count or length that runs past the end throws `BinaryFormatError`.
public struct BinaryWriter: Sendable {
    public private(set) var bytes: [UInt8] = []
    /// Where each array written since `markSections()` ends (after its padding): the boundaries of a persistent
    /// case's checked sections (docs/DESIGN.md, "The case on disk"). Nil while not marking.
    public private(set) var sectionEnds: [Int]? = nil

    public init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    public mutating func u8(_ v: UInt8) { bytes.append(v) }
    public mutating func bool(_ v: Bool) { bytes.append(v ? 1 : 0) }
    public mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    public mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    public mutating func i64(_ v: Int64) { u64(UInt64(bitPattern: v)) }
    public mutating func int(_ v: Int) { i64(Int64(v)) }
    public mutating func time(_ t: Timestamp) { i64(t.microseconds) }
    public mutating func optionalTime(_ t: Timestamp?) {
        bool(t != nil)
        if let t { time(t) }
    }
    public mutating func optionalU64(_ v: UInt64?) {
        bool(v != nil)
        if let v { u64(v) }
    }
    public mutating func data<C: Collection>(_ b: C) where C.Element == UInt8 {
        u64(UInt64(b.count))
        bytes.append(contentsOf: b)
    }
    public mutating func string(_ s: String) { data(s.utf8) }
    public mutating func optionalString(_ s: String?) {
        bool(s != nil)
        if let s { string(s) }
    }
    public mutating func strings(_ s: [String]) {
        int(s.count)
        for x in s { string(x) }
    }

    /// A whole array of plain values: count, then the elements' bytes (host order: little-endian machines only,
    /// checked when a case is opened), padded to 8 bytes.
    public mutating func array<T: BitwiseCopyable>(_ a: [T]) {
        u64(UInt64(a.count))
        a.withUnsafeBytes { bytes.append(contentsOf: $0) }
        pad()
        sectionEnds?.append(bytes.count)
    }

    /// Starts recording where each array ends (`sectionEnds`).
    public mutating func markSections() { sectionEnds = [] }

    public mutating func pad() {
        while bytes.count & 7 != 0 { bytes.append(0) }
    }

    /// Hands the bytes over, leaving the writer empty.
    public mutating func take() -> [UInt8] {
        defer {
            bytes = []
            sectionEnds = nil
        }
        return bytes
    }
}

/// A section that ends early or holds an impossible count.
public struct BinaryFormatError: Error, Sendable, CustomStringConvertible {
    public var offset: Int
    public var what: String
    public init(offset: Int, what: String) {
        self.offset = offset
        self.what = what
    }
    public var description: String { "\(what) at byte \(offset)" }
}

/// Reads what `BinaryWriter` wrote, from memory the caller keeps alive (a mapped file).
public struct BinaryReader {
    public let buffer: UnsafeRawBufferPointer
    public private(set) var position = 0

    public init(_ buffer: UnsafeRawBufferPointer) { self.buffer = buffer }

    public var isAtEnd: Bool { position >= buffer.count }

    mutating func need(_ n: Int, _ what: String) throws(BinaryFormatError) -> Int {
        guard n >= 0, n <= buffer.count - position else {
            throw BinaryFormatError(offset: position, what: "\(what) runs past the end of the section")
        }
        let p = position
        position += n
        return p
    }

    public mutating func u8() throws(BinaryFormatError) -> UInt8 { buffer[try need(1, "a byte")] }
    public mutating func bool() throws(BinaryFormatError) -> Bool { try u8() != 0 }
    public mutating func u32() throws(BinaryFormatError) -> UInt32 {
        UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: try need(4, "a 32-bit value"), as: UInt32.self))
    }
    public mutating func u64() throws(BinaryFormatError) -> UInt64 {
        UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: try need(8, "a 64-bit value"), as: UInt64.self))
    }
    public mutating func i64() throws(BinaryFormatError) -> Int64 { Int64(bitPattern: try u64()) }
    public mutating func int() throws(BinaryFormatError) -> Int { Int(try i64()) }
    /// A count of items that take at least `minimumBytes` each: larger than what is left means damage.
    public mutating func count(minimumBytes: Int = 1) throws(BinaryFormatError) -> Int {
        let at = position
        let n = try u64()
        guard n <= UInt64(buffer.count - position) / UInt64(max(minimumBytes, 1)) else {
            throw BinaryFormatError(offset: at, what: "a count of \(n) that the section cannot hold")
        }
        return Int(n)
    }
    public mutating func time() throws(BinaryFormatError) -> Timestamp { Timestamp(microseconds: try i64()) }
    public mutating func optionalTime() throws(BinaryFormatError) -> Timestamp? { try bool() ? try time() : nil }
    public mutating func optionalU64() throws(BinaryFormatError) -> UInt64? { try bool() ? try u64() : nil }
    public mutating func data() throws(BinaryFormatError) -> [UInt8] {
        let n = try count()
        let p = try need(n, "a byte string")
        return Array(UnsafeRawBufferPointer(rebasing: buffer[p..<(p + n)]))
    }
    /// Text as stored (written from a `String`, so valid UTF-8; damaged bytes show as `\xNN`).
    public mutating func string() throws(BinaryFormatError) -> String {
        let n = try count()
        let p = try need(n, "a string")
        return ByteText.string(UnsafeRawBufferPointer(rebasing: buffer[p..<(p + n)]))
    }
    public mutating func optionalString() throws(BinaryFormatError) -> String? { try bool() ? try string() : nil }
    public mutating func strings() throws(BinaryFormatError) -> [String] {
        let n = try count(minimumBytes: 8)
        var out: [String] = []
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(try string()) }
        return out
    }

    /// An array written by `BinaryWriter.array`, in place: a view of the buffer's bytes, valid while the buffer
    /// is (a mapped case file). Throws when the elements would not be aligned for `T` (they are when the buffer
    /// starts 8-aligned, as a mapped payload does).
    public mutating func arrayInPlace<T: BitwiseCopyable>(_: T.Type = T.self) throws(BinaryFormatError)
        -> UnsafeBufferPointer<T>
    {
        let at = position
        let n = try count(minimumBytes: MemoryLayout<T>.stride)
        let p = try need(n * MemoryLayout<T>.stride, "an array")
        while position & 7 != 0 && position < buffer.count { position += 1 }
        guard n > 0, let base = buffer.baseAddress else { return UnsafeBufferPointer(start: nil, count: 0) }
        guard Int(bitPattern: base + p) % MemoryLayout<T>.alignment == 0 else {
            throw BinaryFormatError(offset: at, what: "an array not aligned for its elements")
        }
        return UnsafeBufferPointer(start: (base + p).bindMemory(to: T.self, capacity: n), count: n)
    }

    /// An array written by `BinaryWriter.array`, copied out of the buffer.
    public mutating func array<T: BitwiseCopyable>(_: T.Type = T.self) throws(BinaryFormatError) -> [T] {
        let n = try count(minimumBytes: MemoryLayout<T>.stride)
        let p = try need(n * MemoryLayout<T>.stride, "an array")
        let out = [T](unsafeUninitializedCapacity: n) { b, k in
            // `need` checked that the n elements lie inside the buffer.
            if n > 0, let dst = b.baseAddress, let src = buffer.baseAddress {
                UnsafeMutableRawPointer(dst).copyMemory(from: src + p, byteCount: n * MemoryLayout<T>.stride)
            }
            k = n
        }
        while position & 7 != 0 && position < buffer.count { position += 1 }
        return out
    }
}
