/// A small direct-mapped cache inside a `SymbolTable`, for the short values a log repeats on every line (host,
/// program, method, `ssh`, `preauth`): a hit costs a few integer compares instead of hashing and probing the table.
///
/// Values of 1 to 16 bytes are cached; their bytes, packed into two words with the length, are the key, so a key
/// match means equal bytes. The cache belongs to its table (it is copied and replaced with it), so a cached id is
/// always the table's id for those bytes.
/// - Complexity: O(1) per lookup.
public struct RecentSymbols: Sendable {
    @usableFromInline static let slotCount = 64

    @usableFromInline
    struct Entry: Sendable {
        @usableFromInline var w0: UInt64 = 0
        @usableFromInline var w1: UInt64 = 0
        /// `length << 32 | symbol id`; 0 = empty.
        @usableFromInline var meta: UInt64 = 0
        @usableFromInline init() {}
    }

    @usableFromInline var entries: [Entry]

    public init() {
        entries = [Entry](repeating: Entry(), count: Self.slotCount)
    }

    /// The bytes at `base` (1...16 of them) packed into two words: with the length, they identify the bytes.
    /// Loads overlap rather than read past the end.
    @inlinable @inline(__always)
    static func pack(_ base: UnsafeRawPointer, _ n: Int) -> (UInt64, UInt64) {
        if n >= 8 {
            return (base.loadUnaligned(as: UInt64.self), base.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self))
        }
        if n >= 4 {
            let lo = UInt64(base.loadUnaligned(as: UInt32.self))
            let hi = UInt64(base.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self))
            return (lo | hi << 32, 0)
        }
        var w: UInt64 = 0
        var i = 0
        while i < n {
            w |= UInt64(base.load(fromByteOffset: i, as: UInt8.self)) << UInt64(8 * i)
            i &+= 1
        }
        return (w, 0)
    }

    /// The slot of a packed key.
    @inlinable @inline(__always)
    static func slot(_ key: (UInt64, UInt64), _ n: Int) -> Int {
        Int(truncatingIfNeeded: ((key.0 ^ (key.1 &* 0x9E37_79B9_7F4A_7C15) ^ UInt64(n)) &* 0xFF51_AFD7_ED55_8CCD) >> 58)
    }

    /// The cached symbol id for the key, or `nil`.
    @inlinable @inline(__always)
    func id(at slot: Int, _ key: (UInt64, UInt64), _ n: Int) -> UInt32? {
        let e = entries[slot]
        guard e.meta >> 32 == UInt64(n), e.w0 == key.0, e.w1 == key.1 else { return nil }
        return UInt32(truncatingIfNeeded: e.meta)
    }

    @inlinable
    mutating func store(at slot: Int, _ key: (UInt64, UInt64), _ n: Int, id: UInt32) {
        entries[slot].w0 = key.0
        entries[slot].w1 = key.1
        entries[slot].meta = UInt64(n) << 32 | UInt64(id)
    }
}
