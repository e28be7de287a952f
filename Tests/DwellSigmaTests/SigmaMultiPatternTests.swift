import DwellSigma
import DwellTestSupport
import Testing

/// `SigmaMultiPattern` against the plainest reference: each pattern searched alone, position by position.
@Suite struct SigmaMultiPatternTests {
    /// The patterns that occur in `text`, by a naive search of each (the reference).
    static func naive(_ patterns: [[UInt8]], _ text: [UInt8]) -> Set<Int> {
        var out = Set<Int>()
        for (k, p) in patterns.enumerated() {
            if p.isEmpty {
                out.insert(k)
                continue
            }
            guard p.count <= text.count else { continue }
            for i in 0...(text.count - p.count) where text[i..<(i + p.count)].elementsEqual(p) {
                out.insert(k)
                break
            }
        }
        return out
    }

    static func found(_ m: SigmaMultiPattern, _ text: [UInt8]) -> Set<Int> {
        var out = Set<Int>()
        text.withUnsafeBufferPointer { t in m.forEachOccurring(in: t) { out.insert($0) } }
        return out
    }

    static func folded(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        bytes.withUnsafeBufferPointer { SigmaPattern.fold($0, into: &out) }
        return out
    }

    @Test(arguments: [1, 2, 3, 4, 5])
    func randomPatternsOverRandomTextsAgreeWithTheNaiveSearch(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        // A small alphabet makes occurrences and overlaps frequent; a few bytes are hostile (NUL, 0xFF, newline).
        let alphabet: [UInt8] = Array("abAB%/.".utf8) + [0, 0xFF, 0x0A, 0xC3, 0xA9]
        for _ in 0..<40 {
            let patterns: [[UInt8]] = (0..<rng.below(60)).map { _ in
                (0..<rng.below(9)).map { _ in alphabet[rng.below(alphabet.count)] }
            }
            let m = SigmaMultiPattern(patterns)
            for _ in 0..<20 {
                let text = (0..<rng.below(120)).map { _ in alphabet[rng.below(alphabet.count)] }
                #expect(Self.found(m, text) == Self.naive(patterns, text))
            }
        }
    }

    @Test func overlappingAndNestedPatternsAreAllFound() {
        let patterns = ["aaaa", "aaa", "aa", "a", "abab", "bab", "aaaab", "baaaa", "aaaaaaaa"].map { Array($0.utf8) }
        let m = SigmaMultiPattern(patterns)
        for text in ["aaaa", "aaaaab", "ababab", "b", "", "baaaa", "aaaaaaa", "aaaaaaaa"].map({ Array($0.utf8) }) {
            #expect(Self.found(m, text) == Self.naive(patterns, text), "text \(text)")
        }
    }

    @Test func patternsAtTheEdgesOfTheTextAreFound() {
        // Four-byte patterns whose occurrence ends at the last byte, and short ones in the last three bytes.
        let patterns = ["wxyz", "xyz", "yz", "z", "abcd", "abc"].map { Array($0.utf8) }
        let m = SigmaMultiPattern(patterns)
        for text in ["abcd", "abc", "ab", "vwxyz", "wxyz", "z", "abcdwxyz"].map({ Array($0.utf8) }) {
            #expect(Self.found(m, text) == Self.naive(patterns, text))
        }
    }

    @Test func foldedTextAndPatternsSearchCaseInsensitively() {
        let patterns = ["union select", "<script", "${jndi:", "é"].map { Self.folded(Array($0.utf8)) }
        let m = SigmaMultiPattern(patterns)
        let text = Self.folded(Array("GET /?q=1 UNION SELECT pw <SCRIPT> ${JNDI:ldap} É".utf8))
        // ASCII letters fold, other bytes compare exactly: `É` (C3 89) is not `é` (C3 A9).
        #expect(Self.found(m, text) == [0, 1, 2])
        #expect(Self.found(m, Self.folded(Array("café".utf8))) == [3])
    }

    @Test func multibyteUTF8AndInvalidBytesAreMatchedAsBytes() {
        let patterns: [[UInt8]] = [Array("日本語".utf8), Array("本".utf8), [0xFF, 0xFE, 0x00, 0x41], [0xE6], []]
        let m = SigmaMultiPattern(patterns)
        let texts: [[UInt8]] = [Array("x日本語y".utf8), [0xFF, 0xFE, 0x00, 0x41, 0x42], [0x00, 0x00], Array("本".utf8)]
        for text in texts { #expect(Self.found(m, text) == Self.naive(patterns, text)) }
        // The empty pattern occurs even in the empty text.
        #expect(Self.found(m, []) == [4])
    }

    @Test func duplicatePatternsAreEachReported() {
        let patterns = ["select", "select", "sel"].map { Array($0.utf8) }
        let m = SigmaMultiPattern(patterns)
        #expect(Self.found(m, Array("xselectx".utf8)) == [0, 1, 2])
        #expect(Self.found(m, Array("xselx".utf8)) == [2])
    }

    @Test func aLongHostileLineAgreesWithTheNaiveSearch() {
        var rng = SplitMix64(seed: 99)
        let patterns = (0..<300).map { _ in (0..<(1 + rng.below(12))).map { _ in UInt8(truncatingIfNeeded: rng.next()) } }
        let m = SigmaMultiPattern(patterns)
        var text = (0..<(1 << 16)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        // Plant a few patterns, one at the very end.
        for k in [3, 77, 150] { text.replaceSubrange(200 * k..<(200 * k + patterns[k].count), with: patterns[k]) }
        text.replaceSubrange((text.count - patterns[299].count)..., with: patterns[299])
        let got = Self.found(m, text)
        #expect(got == Self.naive(patterns, text))
        #expect(got.isSuperset(of: [3, 77, 150, 299]))
    }

    /// The long patterns are looked for only at every `stride`-th position (the shortest long pattern's length − 2):
    /// every pattern is found wherever it starts (each offset from the sampled positions), for each stride, also at
    /// the text's ends and in texts shorter than a step of the unrolled loop.
    @Test(arguments: [4, 5, 6, 7, 8, 12])
    func longPatternsAreFoundAtEveryOffsetFromTheSampledPositions(shortest: Int) {
        var rng = SplitMix64(seed: UInt64(shortest))
        let alphabet: [UInt8] = Array("abcde/=$%".utf8) + [0, 0xFF]
        let patterns: [[UInt8]] = (0..<30).map { k in
            (0..<(shortest + (k == 0 ? 0 : rng.below(10)))).map { _ in alphabet[rng.below(alphabet.count)] }
        }
        let m = SigmaMultiPattern(patterns)
        for k in [0, 1, 17] {
            for start in 0..<12 {
                for after in [0, 1, 2, 3, 9, 40] {
                    // Filler bytes outside the alphabet: only the planted pattern (and what it contains) occurs.
                    let text = [UInt8](repeating: 0x7E, count: start) + patterns[k] + [UInt8](repeating: 0x7E, count: after)
                    let got = Self.found(m, text)
                    #expect(got == Self.naive(patterns, text), "pattern \(k) at \(start), \(after) bytes after")
                    #expect(got.contains(k))
                }
            }
        }
        for _ in 0..<200 {
            let text = (0..<rng.below(300)).map { _ in alphabet[rng.below(alphabet.count)] }
            #expect(Self.found(m, text) == Self.naive(patterns, text))
        }
    }

    @Test func shortPatternsSharingAFirstByteAreEachFound() {
        let patterns = ["=", "={", "={{", "=$", "=${", "=@(", "$", "x=${{y"].map { Array($0.utf8) }
        let m = SigmaMultiPattern(patterns)
        for text in ["a={{b", "=", "x=$", "=@(", "q=1&r=${", "==", "={", "$$", "x=${{y", "=@"].map({ Array($0.utf8) }) {
            #expect(Self.found(m, text) == Self.naive(patterns, text), "text \(String(decoding: text, as: UTF8.self))")
        }
        // More than 64 patterns with one first byte: past the 64th they are checked at every occurrence.
        let many = (0..<70).map { [UInt8(ascii: "="), UInt8(33 + $0)] }
        let n = SigmaMultiPattern(many)
        let text = Array("a=!b=%c=f=z=~".utf8)
        #expect(Self.found(n, text) == Self.naive(many, text))
        // All 70 in one text: the search does not stop once 64 of them are found.
        let all = many.flatMap { $0 }
        #expect(Self.found(n, all) == Set(0..<70))
    }
}
