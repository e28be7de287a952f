/// An indicator's event positions as a case's store file holds them (docs/DESIGN.md, "The case on disk", version
/// 3): each position as its distance from the one before it (the first from 0), in LEB128 (7 bits a byte, low
/// bits first, the high bit set on every byte but a value's last). A list is sorted by time, which is position
/// order, so the distances of a frequent value take one byte and a rare value's about three, against four each.
///
/// A distance is taken modulo 2³², so a list out of order (which no builder makes) still reads back exactly, in
/// five bytes a value.
/// - Complexity: O(list length) to write and to read.
public enum PostingBytes {
    /// Appends `list`'s encoding to `out`.
    public static func append(_ list: UnsafeBufferPointer<Int32>, to out: inout [UInt8]) {
        var previous: Int32 = 0
        for p in list {
            var v = UInt32(bitPattern: p &- previous)
            previous = p
            while v >= 0x80 {
                out.append(UInt8(truncatingIfNeeded: v) | 0x80)
                v >>= 7
            }
            out.append(UInt8(v))
        }
    }

    /// Decodes the list that `bytes` holds whole, appending its positions to `out`.
    /// - Returns: false when the bytes end inside a value, or a value runs past five bytes (damage); the values
    ///   decoded before it are appended.
    @discardableResult
    public static func decode(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout [Int32]) -> Bool {
        var previous: Int32 = 0
        var v: UInt32 = 0
        var shift: UInt32 = 0
        for b in bytes {
            guard shift <= 28 else { return false }
            v |= UInt32(b & 0x7F) &<< shift
            if b & 0x80 == 0 {
                previous = previous &+ Int32(bitPattern: v)
                out.append(previous)
                v = 0
                shift = 0
            } else {
                shift += 7
            }
        }
        return shift == 0
    }
}
