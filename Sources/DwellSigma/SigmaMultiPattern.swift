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
/// only where a pattern's first four bytes hash alike (and then its first and last four bytes are compared as words
/// before the whole). Patterns of one to three bytes are searched one by one with `memchr` for their first byte.
/// The empty pattern occurs in every text.
/// - Complexity: O(*n*) per text of *n* bytes plus the comparisons at positions the bitmap lets through.
public struct SigmaMultiPattern: Sendable {
    /// The distinct patterns, as given (index = pattern number).
    public let patterns: [[UInt8]]
    /// Hash buckets of the long patterns: bucket `h` holds `longEntries[longStarts[h]..<longStarts[h + 1]]`.
    let longStarts: [Int32]
    let longEntries: [Int32]
    /// One bit per bucket that holds some pattern.
    let longBits: [UInt64]
    /// Per pattern: its first and last four bytes as words and its length, compared before the whole pattern.
    let firstWord: [UInt32]
    let lastWord: [UInt32]
    let lengths: [Int]
    /// Short patterns (one to three bytes), each searched alone with `memchr` for its first byte.
    let short: [Int32]
    /// Empty patterns: they occur everywhere.
    let empty: [Int32]

    static let hashBits = 16

    @inline(__always) static func bucket(_ word: UInt32) -> Int { Int((word &* 0x9E37_79B1) >> UInt32(32 - hashBits)) }

    public init(_ patterns: [[UInt8]]) {
        self.patterns = patterns
        let buckets = 1 << Self.hashBits
        var long = [[Int32]](repeating: [], count: buckets)
        var short: [Int32] = []
        var empty: [Int32] = []
        func word(_ p: [UInt8], _ at: Int) -> UInt32 {
            UInt32(p[at]) | UInt32(p[at + 1]) << 8 | UInt32(p[at + 2]) << 16 | UInt32(p[at + 3]) << 24
        }
        var first = [UInt32](repeating: 0, count: patterns.count)
        var last = [UInt32](repeating: 0, count: patterns.count)
        for (k, p) in patterns.enumerated() {
            if p.isEmpty {
                empty.append(Int32(k))
            } else if p.count < 4 {
                short.append(Int32(k))
            } else {
                first[k] = word(p, 0)
                last[k] = word(p, p.count - 4)
                long[Self.bucket(first[k])].append(Int32(k))
            }
        }
        firstWord = first
        lastWord = last
        lengths = patterns.map(\.count)
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
        self.short = short
        var bits = [UInt64](repeating: 0, count: buckets / 64)
        for (b, l) in long.enumerated() where !l.isEmpty { bits[b >> 6] |= 1 << UInt64(b & 63) }
        longBits = bits
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
                    firstWord.withUnsafeBufferPointer { firsts in
                        lastWord.withUnsafeBufferPointer { lasts in
                            lengths.withUnsafeBufferPointer { lens in
                                // Four positions per step from one 8-byte load (`i + 8 <= n`: positions `i...i + 3`
                                // read bytes up to `i + 6`), their four bitmap tests combined into one branch: the
                                // positions are independent, so the loads and multiplications overlap. Where some
                                // bucket holds a pattern, each of the four positions is checked alone.
                                @inline(__always) func check(_ i: Int, _ word: UInt32, _ h: Int) {
                                    for j in Int(starts[h])..<Int(starts[h + 1]) {
                                        let k = Int(entries[j])
                                        let length = lens[k]
                                        guard firsts[k] == word, n - i >= length,
                                            UnsafeRawPointer(base + i + length - 4).loadUnaligned(as: UInt32.self).littleEndian
                                                == lasts[k]
                                        else { continue }
                                        if occursAt(k, base, i, n) { found(k) }
                                    }
                                }
                                @inline(__always) func hit(_ h: Int) -> UInt64 { (bits[h >> 6] >> UInt64(h & 63)) & 1 }
                                var i = 0
                                while i + 8 <= n {
                                    let x = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self).littleEndian
                                    let w0 = UInt32(truncatingIfNeeded: x)
                                    let w1 = UInt32(truncatingIfNeeded: x >> 8)
                                    let w2 = UInt32(truncatingIfNeeded: x >> 16)
                                    let w3 = UInt32(truncatingIfNeeded: x >> 24)
                                    let h0 = Self.bucket(w0)
                                    let h1 = Self.bucket(w1)
                                    let h2 = Self.bucket(w2)
                                    let h3 = Self.bucket(w3)
                                    if hit(h0) | hit(h1) | hit(h2) | hit(h3) != 0 {
                                        if hit(h0) != 0 { check(i, w0, h0) }
                                        if hit(h1) != 0 { check(i + 1, w1, h1) }
                                        if hit(h2) != 0 { check(i + 2, w2, h2) }
                                        if hit(h3) != 0 { check(i + 3, w3, h3) }
                                    }
                                    i += 4
                                }
                                // The last positions with four bytes from them (`i + 4 <= n`), one at a time.
                                while i + 4 <= n {
                                    let word = UnsafeRawPointer(base + i).loadUnaligned(as: UInt32.self).littleEndian
                                    let h = Self.bucket(word)
                                    if hit(h) != 0 { check(i, word, h) }
                                    i += 1
                                }
                            }
                        }
                    }
                }
            }
        }
        // Short patterns: `memchr` for the first byte, then a comparison (fast for rare bytes, and a frequent byte
        // is found at once).
        for k in short {
            let p = patterns[Int(k)]
            if SigmaPattern.find(p, in: text, from: 0) != nil { found(Int(k)) }
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
