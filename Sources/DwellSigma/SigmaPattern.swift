import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A Sigma string value compiled once: literal pieces and wildcards (`*` any run, `?` one byte), compared
/// case-insensitively unless `cased`. No regex: `contains`/`startswith`/`endswith` are wildcards at the ends.
public struct SigmaPattern: Sendable, Hashable {
    enum Piece: Sendable, Hashable {
        case literal([UInt8])
        case star
        case one
    }
    var pieces: [Piece]
    public var cased: Bool
    /// The longest literal piece (already folded when not `cased`): a line without it cannot match.
    public var anchor: [UInt8]

    /// `value` as Sigma writes it: `*` and `?` are wildcards unless escaped with `\`; `\\` is one backslash
    /// (Sigma's specification: a plain backslash may be written single or doubled, and must be doubled before a
    /// wildcard); any other backslash is itself. `\\\\\*\\ADMIN$` is the text `\\*\ADMIN$`.
    public init(_ value: String, cased: Bool, prefixStar: Bool = false, suffixStar: Bool = false) {
        self.cased = cased
        let bytes = cased ? Array(value.utf8) : Array(value.utf8).map(SigmaPattern.foldByte)
        var pieces: [Piece] = prefixStar ? [.star] : []
        var lit: [UInt8] = []
        func flush() {
            if !lit.isEmpty { pieces.append(.literal(lit)) }
            lit = []
        }
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == 0x5c, i + 1 < bytes.count, [0x2a, 0x3f, 0x5c].contains(bytes[i + 1]) {
                // `\*`, `\?`, `\\`: the character itself.
                lit.append(bytes[i + 1])
                i += 2
                continue
            }
            if b == 0x2a {
                flush()
                if pieces.last != .star { pieces.append(.star) }
            } else if b == 0x3f {
                flush()
                pieces.append(.one)
            } else {
                lit.append(b)
            }
            i += 1
        }
        flush()
        if suffixStar && pieces.last != .star { pieces.append(.star) }
        self.pieces = pieces
        var best: [UInt8] = []
        for case .literal(let l) in pieces where l.count > best.count { best = l }
        anchor = best
    }

    /// Whether `text` (folded with `SigmaPattern.fold` when not `cased`) matches the whole pattern.
    public func matches(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        // Fast shapes: literal, *literal*, literal*, *literal.
        switch pieces.count {
        case 1:
            if case .literal(let l) = pieces[0] { return text.elementsEqual(l) }
            if pieces[0] == .star { return true }
        case 2:
            if case .literal(let l) = pieces[0], pieces[1] == .star { return text.starts(with: l) }
            if case .literal(let l) = pieces[1], pieces[0] == .star {
                return text.count >= l.count && text[(text.count - l.count)...].elementsEqual(l)
            }
        case 3:
            if pieces[0] == .star, pieces[2] == .star, case .literal(let l) = pieces[1] {
                return Self.find(l, in: text, from: 0) != nil
            }
        default: break
        }
        return glob(text, piece: 0, at: 0)
    }

    public func matches(_ text: [UInt8]) -> Bool { text.withUnsafeBufferPointer { matches($0) } }

    /// Backtracking over stars (each star retries from the next occurrence of the following literal).
    private func glob(_ t: UnsafeBufferPointer<UInt8>, piece: Int, at start: Int) -> Bool {
        var p = piece
        var i = start
        while p < pieces.count {
            switch pieces[p] {
            case .literal(let l):
                guard t.count - i >= l.count, t[i..<(i + l.count)].elementsEqual(l) else { return false }
                i += l.count
            case .one:
                guard i < t.count else { return false }
                i += 1
            case .star:
                if p + 1 == pieces.count { return true }
                if case .literal(let l) = pieces[p + 1] {
                    var from = i
                    while let hit = Self.find(l, in: t, from: from) {
                        if glob(t, piece: p + 2, at: hit + l.count) { return true }
                        from = hit + 1
                    }
                    return false
                }
                var k = i
                while k <= t.count {
                    if glob(t, piece: p + 1, at: k) { return true }
                    k += 1
                }
                return false
            }
            p += 1
        }
        return i == t.count
    }

    /// First index of `needle` in `hay` at or after `from`: `memchr` for the first byte, then a comparison.
    static func find(_ needle: [UInt8], in hay: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        guard needle.count > 0 else { return from }
        guard from <= hay.count, hay.count - from >= needle.count, let base = hay.baseAddress else { return nil }
        let first = Int32(needle[0])
        let lastStart = hay.count - needle.count
        var i = from
        while i <= lastStart {
            guard let r = memchr(base + i, first, lastStart - i + 1) else { return nil }
            let at = base.distance(to: r.assumingMemoryBound(to: UInt8.self))
            // `at + needle.count <= hay.count` because memchr searched only up to `lastStart`.
            if memcmp(base + at, needle, needle.count) == 0 { return at }
            i = at + 1
        }
        return nil
    }

    @inline(__always) static func foldByte(_ b: UInt8) -> UInt8 { b >= 0x41 && b <= 0x5a ? b | 0x20 : b }

    /// Text folded as the patterns are: ASCII letters to lower case, every other byte as it is (bytes that are
    /// not UTF-8 stay bytes; non-ASCII letters compare exactly, see docs/sigma.md).
    public static func fold(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        // Sized once and written through a buffer (the loop vectorizes), not appended byte by byte.
        if out.count > bytes.count { out.removeLast(out.count - bytes.count) }
        if out.count < bytes.count { out.append(contentsOf: repeatElement(0, count: bytes.count - out.count)) }
        guard let src = bytes.baseAddress else { return }
        out.withUnsafeMutableBufferPointer { dst in
            for i in 0..<dst.count { dst[i] = foldByte(src[i]) }
        }
    }
}
