#if canImport(Glibc)
    import Glibc
#endif

/// Finds which of many literal byte strings occur in a text, in one pass over the text.
///
/// Used for Sigma keywords: each pattern's longest literal piece (its anchor) is searched here, and only the
/// patterns whose anchor occurs are matched in full. Texts and patterns are compared byte for byte: fold both
/// (`SigmaPattern.fold`) for a case-insensitive search.
///
/// Representation: patterns of four bytes or more are found by sampling the text (Wu and Manber's idea of looking at
/// fewer positions when every pattern is long). With `stride` = the shortest such pattern's length − 2 (at most
/// `maxStride`), only every `stride`-th position of the text is looked at: the three bytes there are hashed and
/// looked up in a bitmap (8 KiB, stays in L1 cache) of the hashes of every pattern's three-byte blocks at offsets
/// `0..<stride`. Any occurrence spans at least `stride + 2` bytes, so exactly one sampled position falls on one of
/// its first `stride` bytes, and the block there lies inside the occurrence: it is one of the indexed blocks. Where
/// the bitmap lets a position through, the bucket's blocks are compared as words and, where one is equal, the
/// pattern is compared whole at the position minus the block's offset. Patterns of one to three bytes are searched
/// with one `memchr` loop per distinct first byte. The empty pattern occurs in every text.
/// - Complexity: O(*n* / `stride`) per text of *n* bytes plus the comparisons at positions the bitmap lets through
///   and one `memchr` pass per distinct first byte of the short patterns.
public struct SigmaMultiPattern: Sendable {
    /// The distinct patterns, as given (index = pattern number).
    public let patterns: [[UInt8]]
    /// Every pattern's bytes end to end (pattern `k` at `offsets[k]..<offsets[k] + lengths[k]`), so that a
    /// comparison touches no array of its own (no reference counting per candidate).
    let flat: [UInt8]
    let offsets: [Int]
    let lengths: [Int]
    /// Per pattern of four bytes or more: its last four bytes as a word, compared before the whole pattern.
    let lastWord: [UInt32]
    /// Distance between the sampled positions of the text: the shortest long pattern's length − 2 (long patterns
    /// have at least four bytes, so at least 2), at most `maxStride`.
    let stride: Int
    /// Hash buckets of the sampled blocks: bucket `h` holds entries `longStarts[h]..<longStarts[h + 1]`; an entry is
    /// a pattern, the offset of the block in it, and the block (three bytes in the low bits of a word).
    let longStarts: [Int32]
    let entryPattern: [Int32]
    let entryOffset: [Int32]
    let entryBlock: [UInt32]
    /// One bit per bucket that holds some block.
    let longBits: [UInt64]
    /// Short patterns (one to three bytes) grouped by their first byte: group `g` has first byte `shortFirst[g]`
    /// and patterns `shortPatterns[shortStarts[g]..<shortStarts[g + 1]]`.
    let shortFirst: [UInt8]
    let shortStarts: [Int32]
    let shortPatterns: [Int32]
    /// Empty patterns: they occur everywhere.
    let empty: [Int32]

    static let hashBits = 16
    /// The largest stride: each long pattern is indexed `stride` times, so the bitmap fills (and lets more positions
    /// through) as the stride grows.
    static let maxStride = 6

    @inline(__always) static func bucket(_ block: UInt32) -> Int {
        Int((block &* 0x9E37_79B1) >> UInt32(32 - hashBits))
    }

    public init(_ patterns: [[UInt8]]) {
        self.patterns = patterns
        var flat: [UInt8] = []
        var offsets: [Int] = []
        for p in patterns {
            offsets.append(flat.count)
            flat += p
        }
        self.flat = flat
        self.offsets = offsets
        lengths = patterns.map(\.count)
        let minLong = patterns.lazy.map(\.count).filter { $0 >= 4 }.min() ?? 4
        let stride = min(minLong - 2, Self.maxStride)
        self.stride = stride
        var empty: [Int32] = []
        var shortGroups: [UInt8: [Int32]] = [:]
        var firstBytes: [UInt8] = []
        var buckets = [[(pattern: Int32, offset: Int32, block: UInt32)]](repeating: [], count: 1 << Self.hashBits)
        var last = [UInt32](repeating: 0, count: patterns.count)
        for (k, p) in patterns.enumerated() {
            if p.isEmpty {
                empty.append(Int32(k))
            } else if p.count < 4 {
                if shortGroups[p[0]] == nil { firstBytes.append(p[0]) }
                shortGroups[p[0], default: []].append(Int32(k))
            } else {
                let e = p.count - 4
                last[k] = UInt32(p[e]) | UInt32(p[e + 1]) << 8 | UInt32(p[e + 2]) << 16 | UInt32(p[e + 3]) << 24
                // Blocks at offsets 0..<stride: `stride + 2 <= p.count`, so each lies inside the pattern.
                for o in 0..<stride {
                    let block = UInt32(p[o]) | UInt32(p[o + 1]) << 8 | UInt32(p[o + 2]) << 16
                    buckets[Self.bucket(block)].append((Int32(k), Int32(o), block))
                }
            }
        }
        lastWord = last
        var starts = [Int32](repeating: 0, count: buckets.count + 1)
        var entryPattern: [Int32] = []
        var entryOffset: [Int32] = []
        var entryBlock: [UInt32] = []
        var bits = [UInt64](repeating: 0, count: buckets.count / 64)
        for (b, list) in buckets.enumerated() {
            starts[b] = Int32(entryPattern.count)
            if !list.isEmpty { bits[b >> 6] |= 1 << UInt64(b & 63) }
            for entry in list {
                entryPattern.append(entry.pattern)
                entryOffset.append(entry.offset)
                entryBlock.append(entry.block)
            }
        }
        starts[buckets.count] = Int32(entryPattern.count)
        longStarts = starts
        self.entryPattern = entryPattern
        self.entryOffset = entryOffset
        self.entryBlock = entryBlock
        longBits = bits
        shortFirst = firstBytes
        var shortStarts: [Int32] = []
        var shortPatterns: [Int32] = []
        for b in firstBytes {
            shortStarts.append(Int32(shortPatterns.count))
            shortPatterns += shortGroups[b] ?? []
        }
        shortStarts.append(Int32(shortPatterns.count))
        self.shortStarts = shortStarts
        self.shortPatterns = shortPatterns
        self.empty = empty
    }

    /// Calls `found` with the number of each pattern that occurs in `text`, at least once per such pattern (a
    /// pattern found at several positions may be reported several times; the caller keeps the first).
    public func forEachOccurring(in text: UnsafeBufferPointer<UInt8>, _ found: (Int) -> Void) {
        for k in empty { found(Int(k)) }
        guard let base = text.baseAddress, text.count > 0 else { return }
        let n = text.count
        let s = stride
        flat.withUnsafeBufferPointer { flat in
            offsets.withUnsafeBufferPointer { offsets in
                lengths.withUnsafeBufferPointer { lens in
                    if !entryPattern.isEmpty {
                        scanLong(base, n, s, flat, offsets, lens, found)
                    }
                    if !shortFirst.isEmpty {
                        scanShort(base, n, flat, offsets, lens, found)
                    }
                }
            }
        }
    }

    /// The long patterns: every `s`-th position of the `n` bytes at `base`.
    @inline(__always) private func scanLong(
        _ base: UnsafePointer<UInt8>, _ n: Int, _ s: Int, _ flat: UnsafeBufferPointer<UInt8>,
        _ offsets: UnsafeBufferPointer<Int>, _ lens: UnsafeBufferPointer<Int>, _ found: (Int) -> Void
    ) {
        longBits.withUnsafeBufferPointer { bits in
            longStarts.withUnsafeBufferPointer { starts in
                entryPattern.withUnsafeBufferPointer { patternOf in
                    entryOffset.withUnsafeBufferPointer { offsetOf in
                        entryBlock.withUnsafeBufferPointer { blocks in
                            lastWord.withUnsafeBufferPointer { lasts in
                                guard let fb = flat.baseAddress else { return }
                                /// The bucket's blocks equal to `block` at sampled position `p`: their patterns are
                                /// compared whole where they would start (`p - offset`).
                                @inline(__always) func check(_ p: Int, _ block: UInt32, _ h: Int) {
                                    for j in Int(starts[h])..<Int(starts[h + 1]) where blocks[j] == block {
                                        let k = Int(patternOf[j])
                                        let t = p - Int(offsetOf[j])
                                        let length = lens[k]
                                        // `t >= 0` and `t + length <= n`: the occurrence lies inside the text.
                                        guard t >= 0, n - t >= length,
                                            UnsafeRawPointer(base + t + length - 4).loadUnaligned(as: UInt32.self)
                                                .littleEndian == lasts[k],
                                            memcmp(base + t, fb + offsets[k], length) == 0
                                        else { continue }
                                        found(k)
                                    }
                                }
                                @inline(__always) func hit(_ h: Int) -> UInt64 { (bits[h >> 6] >> UInt64(h & 63)) & 1 }
                                @inline(__always) func block(_ p: Int) -> UInt32 {
                                    // Four bytes read: the caller ensures `p + 4 <= n`.
                                    UnsafeRawPointer(base + p).loadUnaligned(as: UInt32.self).littleEndian & 0xFF_FFFF
                                }
                                var p = 0
                                // Four sampled positions per step, their bitmap tests combined into one branch; each
                                // reads four bytes from `p + 3s`, so `p + 3s + 4 <= n`.
                                while p + 3 * s + 4 <= n {
                                    let w0 = block(p)
                                    let w1 = block(p + s)
                                    let w2 = block(p + 2 * s)
                                    let w3 = block(p + 3 * s)
                                    let h0 = Self.bucket(w0)
                                    let h1 = Self.bucket(w1)
                                    let h2 = Self.bucket(w2)
                                    let h3 = Self.bucket(w3)
                                    if hit(h0) | hit(h1) | hit(h2) | hit(h3) != 0 {
                                        if hit(h0) != 0 { check(p, w0, h0) }
                                        if hit(h1) != 0 { check(p + s, w1, h1) }
                                        if hit(h2) != 0 { check(p + 2 * s, w2, h2) }
                                        if hit(h3) != 0 { check(p + 3 * s, w3, h3) }
                                    }
                                    p += 4 * s
                                }
                                // The last sampled positions with three bytes from them, one at a time.
                                while p + 3 <= n {
                                    let w = UInt32(base[p]) | UInt32(base[p + 1]) << 8 | UInt32(base[p + 2]) << 16
                                    let h = Self.bucket(w)
                                    if hit(h) != 0 { check(p, w, h) }
                                    p += s
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The short patterns: one `memchr` loop per distinct first byte, each occurrence compared with every pattern
    /// of that first byte not yet found; a group stops once all its patterns are found.
    @inline(__always) private func scanShort(
        _ base: UnsafePointer<UInt8>, _ n: Int, _ flat: UnsafeBufferPointer<UInt8>,
        _ offsets: UnsafeBufferPointer<Int>, _ lens: UnsafeBufferPointer<Int>, _ found: (Int) -> Void
    ) {
        shortStarts.withUnsafeBufferPointer { starts in
            shortPatterns.withUnsafeBufferPointer { members in
                for (g, first) in shortFirst.enumerated() {
                    let lo = Int(starts[g])
                    let hi = Int(starts[g + 1])
                    // One bit per member found (a group of more than 64 members checks the rest every time, and
                    // never stops early: `all` is then `nil`).
                    var seen: UInt64 = 0
                    let all: UInt64? = hi - lo > 64 ? nil : hi - lo == 64 ? ~0 : (1 << UInt64(hi - lo)) - 1
                    var i = 0
                    while i < n, seen != all {
                        guard let r = memchr(base + i, Int32(first), n - i) else { break }
                        let at = base.distance(to: r.assumingMemoryBound(to: UInt8.self))
                        for m in lo..<hi {
                            let bit: UInt64 = m - lo < 64 ? 1 << UInt64(m - lo) : 0
                            guard seen & bit == 0 || bit == 0 else { continue }
                            let k = Int(members[m])
                            let length = lens[k]
                            let o = offsets[k]
                            // The first byte is equal (memchr found it); the others, if any, are compared in bounds.
                            guard n - at >= length,
                                length < 2 || base[at + 1] == flat[o + 1],
                                length < 3 || base[at + 2] == flat[o + 2]
                            else { continue }
                            seen |= bit
                            found(k)
                        }
                        i = at + 1
                    }
                }
            }
        }
    }
}
