import DwellCore

/// Integers as a case's store file holds them (docs/DESIGN.md, "The case on disk", version 3): every value of an
/// array at the narrowest whole number of bytes that the array's largest value needs, little-endian, so value k is
/// the `width` bytes at k × width. Line numbers under 16 M take 3 bytes, symbol ids under 65,536 take 2, the codes
/// of a column with at most 256 distinct hosts 1.
///
/// On disk: the width (u64, 0 for no values), then the bytes as an array of `UInt8`. The width is that of the
/// value's bit pattern in its own type, so a negative value (a hostile log's byte count) takes the full width and
/// every value reads back exactly.
/// - Complexity: writing O(n); reading a value O(1); decoding O(n).
public enum NarrowIntegers {
    /// The bit pattern of `v` in its own width, zero-extended.
    @inline(__always) static func bits<T: FixedWidthInteger>(_ v: T) -> UInt64 {
        UInt64(truncatingIfNeeded: T.Magnitude(truncatingIfNeeded: v))
    }

    /// Bytes each value of `values` takes: 0 for none, else 1 up to the type's size.
    static func width<T: FixedWidthInteger>(of values: UnsafeBufferPointer<T>) -> Int {
        guard !values.isEmpty else { return 0 }
        var all: UInt64 = 0
        for v in values { all |= bits(v) }
        return max(1, (64 - all.leadingZeroBitCount + 7) / 8)
    }

    /// Writes `values` narrowed: the width, then the bytes.
    public static func write<T: FixedWidthInteger>(_ values: [T], to w: inout BinaryWriter) {
        values.withUnsafeBufferPointer { v in
            let width = width(of: v)
            w.int(width)
            let bytes = [UInt8](unsafeUninitializedCapacity: v.count * width) { b, k in
                #if _endian(little)
                    if width == MemoryLayout<T>.size, let dst = b.baseAddress, let src = v.baseAddress {
                        UnsafeMutableRawPointer(dst).copyMemory(from: src, byteCount: v.count * width)
                        k = v.count * width
                        return
                    }
                #endif
                // `b` holds v.count × width bytes, so `at` stays inside it.
                var at = 0
                for x in v {
                    var pattern = bits(x)
                    for _ in 0..<width {
                        b[at] = UInt8(truncatingIfNeeded: pattern)
                        pattern >>= 8
                        at += 1
                    }
                }
                k = at
            }
            w.array(bytes)
        }
    }

    /// Reads what `write` wrote, copied out as full-width values.
    public static func read<T: FixedWidthInteger>(_ r: inout BinaryReader, as _: T.Type = T.self)
        throws(BinaryFormatError) -> [T]
    {
        let at = r.position
        let width = try r.int()
        let bytes = try r.arrayInPlace(UInt8.self)
        return try NarrowView<T>(width: width, bytes: bytes, at: at).decoded()
    }
}

/// An array of narrowed integers (`NarrowIntegers`) read in place from a mapped file.
public struct NarrowView<T: FixedWidthInteger> {
    let bytes: UnsafeBufferPointer<UInt8>
    let width: Int
    /// The number of values.
    public let count: Int

    /// The values of `bytes` at `width` bytes each; throws when the width is not one the writer could choose or
    /// does not divide the bytes. `at` is where the width was read (for the message).
    init(width: Int, bytes: UnsafeBufferPointer<UInt8>, at: Int) throws(BinaryFormatError) {
        guard width >= 0, width <= MemoryLayout<T>.size, (width == 0) == bytes.isEmpty,
            width == 0 || bytes.count % width == 0
        else {
            throw BinaryFormatError(offset: at, what: "\(bytes.count) bytes of integers \(width) bytes wide")
        }
        self.bytes = bytes
        self.width = width
        count = width == 0 ? 0 : bytes.count / width
    }

    /// An empty view.
    init() {
        bytes = UnsafeBufferPointer(start: nil, count: 0)
        width = 0
        count = 0
    }

    /// Value `k`. - Precondition: `0 <= k < count` (the callers check).
    @inline(__always) func value(_ k: Int) -> T {
        let raw = UnsafeRawBufferPointer(bytes)
        let start = k &* width
        switch width {
        case 1: return T(truncatingIfNeeded: raw[start])
        case 2: return T(truncatingIfNeeded: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: start, as: UInt16.self)))
        case 4: return T(truncatingIfNeeded: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: start, as: UInt32.self)))
        case 8: return T(truncatingIfNeeded: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: start, as: UInt64.self)))
        default:
            var v: UInt64 = 0
            for j in 0..<width { v |= UInt64(raw[start &+ j]) &<< UInt64(8 &* j) }
            return T(truncatingIfNeeded: v)
        }
    }

    /// The first and last byte of value `k` (a reader checks the chunks they lie in).
    func ends(_ k: Int) -> (first: UnsafeRawPointer, last: UnsafeRawPointer)? {
        guard let base = bytes.baseAddress, k >= 0, k < count else { return nil }
        let p = UnsafeRawPointer(base + k &* width)
        return (p, p + (width - 1))
    }

    /// Every value, full width. - Complexity: O(count).
    func decoded() -> [T] {
        [T](unsafeUninitializedCapacity: count) { b, k in
            #if _endian(little)
                if width == MemoryLayout<T>.size, count > 0, let dst = b.baseAddress, let src = bytes.baseAddress {
                    UnsafeMutableRawPointer(dst).copyMemory(from: src, byteCount: count * width)
                    k = count
                    return
                }
            #endif
            // One loop per width, so the width is not switched on for every value; `bytes` holds count × width.
            let raw = UnsafeRawBufferPointer(bytes)
            switch width {
            case 1:
                for i in 0..<count { b.initializeElement(at: i, to: T(truncatingIfNeeded: raw[i])) }
            case 2:
                for i in 0..<count {
                    let v = UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: i &* 2, as: UInt16.self))
                    b.initializeElement(at: i, to: T(truncatingIfNeeded: v))
                }
            case 3:
                for i in 0..<count {
                    let s = i &* 3
                    let v = UInt32(raw[s]) | UInt32(raw[s &+ 1]) &<< 8 | UInt32(raw[s &+ 2]) &<< 16
                    b.initializeElement(at: i, to: T(truncatingIfNeeded: v))
                }
            default:
                for i in 0..<count { b.initializeElement(at: i, to: value(i)) }
            }
            k = count
        }
    }
}
