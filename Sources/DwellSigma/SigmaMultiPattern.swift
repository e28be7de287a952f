#if canImport(Glibc)
    import Glibc
#endif

/// Finds which of many literal byte strings occur in a text, in one pass over the text.
///
/// Used for Sigma keywords: each pattern's longest literal piece (its anchor) is searched here, and only the
/// patterns whose anchor occurs are matched in full. Texts and patterns are compared byte for byte: fold both
/// (`SigmaPattern.fold`) for a case-insensitive search.
///
/// Representation: patterns of four bytes or more are indexed by a hash of their first four bytes; at each position
/// of the text the four bytes there are hashed and looked up in a bitmap of the hashes that occur (8 KiB, stays in
/// L1 cache), so most positions cost one load, one multiplication and one bit test, and a full comparison happens
/// only where a pattern's first four bytes hash alike. Patterns of one to three bytes are indexed by their first
/// byte (a 256-bit table) and compared where it occurs. The empty pattern occurs in every text.
/// - Complexity: O(*n*) per text of *n* bytes plus the comparisons at positions the bitmap lets through.
public struct SigmaMultiPattern: Sendable {
    /// The distinct patterns, as given (index = pattern number).
    public let patterns: [[UInt8]]
    /// Hash buckets of the long patterns: bucket `h` holds `longEntries[longStarts[h]..<longStarts[h + 1]]`.
    let longStarts: [Int32]
    let longEntries: [Int32]
    /// One bit per bucket that holds some pattern.
    let longBits: [UInt64]
    /// Short patterns (one to three bytes) by first byte: `shortEntries[shortStarts[b]..<shortStarts[b + 1]]`.
    let shortStarts: [Int32]
    let shortEntries: [Int32]
    let hasShort: Bool
    /// Empty patterns: they occur everywhere.
    let empty: [Int32]

    static let hashBits = 16

    @inline(__always) static func bucket(_ word: UInt32) -> Int { Int((word &* 0x9E37_79B1) >> UInt32(32 - hashBits)) }

    public init(_ patterns: [[UInt8]]) {
        self.patterns = patterns
        let buckets = 1 << Self.hashBits
        var long = [[Int32]](repeating: [], count: buckets)
        var short = [[Int32]](repeating: [], count: 256)
        var empty: [Int32] = []
        for (k, p) in patterns.enumerated() {
            if p.isEmpty {
                empty.append(Int32(k))
            } else if p.count < 4 {
                short[Int(p[0])].append(Int32(k))
            } else {
                let word = UInt32(p[0]) | UInt32(p[1]) << 8 | UInt32(p[2]) << 16 | UInt32(p[3]) << 24
                long[Self.bucket(word)].append(Int32(k))
            }
        }
        func flatten(_ lists: [[Int32]]) -> (starts: [Int32], entries: [Int32]) {
            var starts = [Int32](repeating: 0, count: lists.count + 1)
            var entries: [Int32] = []
            for (b, l) in lists.enumerated() {
                starts[b] = Int32(entries.count)
                entries += l
            }
            starts[lists.count] = Int32(entries.count)
            return (starts, entries)
        }
        (longStarts, longEntries) = flatten(long)
        (shortStarts, shortEntries) = flatten(short)
        var bits = [UInt64](repeating: 0, count: buckets / 64)
        for (b, l) in long.enumerated() where !l.isEmpty { bits[b >> 6] |= 1 << UInt64(b & 63) }
        longBits = bits
        hasShort = !shortEntries.isEmpty
        self.empty = empty
    }

    /// Calls `found` with the number of each pattern that occurs in `text`, at least once per such pattern (a
    /// pattern found at several positions may be reported several times; the caller keeps the first).
    public func forEachOccurring(in text: UnsafeBufferPointer<UInt8>, _ found: (Int) -> Void) {
        for k in empty { found(Int(k)) }
        guard let base = text.baseAddress, text.count > 0 else { return }
        let n = text.count
        longBits.withUnsafeBufferPointer { bits in
            longStarts.withUnsafeBufferPointer { starts in
                longEntries.withUnsafeBufferPointer { entries in
                    // Positions with four bytes from them: `i + 4 <= n`, so the unaligned load stays in the text.
                    var i = 0
                    while i + 4 <= n {
                        let word = UnsafeRawPointer(base + i).loadUnaligned(as: UInt32.self).littleEndian
                        let h = Self.bucket(word)
                        if bits[h >> 6] & (1 << UInt64(h & 63)) != 0 {
                            for j in Int(starts[h])..<Int(starts[h + 1]) {
                                let k = Int(entries[j])
                                if occursAt(k, base, i, n) { found(k) }
                            }
                        }
                        i += 1
                    }
                }
            }
        }
        guard hasShort else { return }
        shortStarts.withUnsafeBufferPointer { starts in
            shortEntries.withUnsafeBufferPointer { entries in
                for i in 0..<n {
                    let b = Int(base[i])
                    let lo = Int(starts[b])
                    let hi = Int(starts[b + 1])
                    guard lo < hi else { continue }
                    for j in lo..<hi {
                        let k = Int(entries[j])
                        if occursAt(k, base, i, n) { found(k) }
                    }
                }
            }
        }
    }

    /// Whether pattern `k` occurs at position `i` of the `n` bytes at `base`.
    @inline(__always) func occursAt(_ k: Int, _ base: UnsafePointer<UInt8>, _ i: Int, _ n: Int) -> Bool {
        patterns[k].withUnsafeBufferPointer { p in
            guard let pb = p.baseAddress, n - i >= p.count else { return p.isEmpty }
            return memcmp(base + i, pb, p.count) == 0
        }
    }
}
