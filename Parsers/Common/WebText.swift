import DwellCore

/// Cheap tests on attacker-controlled web text (Referer, X-Forwarded-For) before it is interned.
public enum WebText {
    /// Whether `s[r]` may carry a web attack pattern: it holds one of `$ { < ' (`, a `..`, or the percent
    /// encoding of one of them (`%24 %7b %3c %27 %28 %2e`, and `%25`, an encoded `%`).
    ///
    /// Referers are not interned when only the store is built (each is nearly unique, and no index keeps them);
    /// those that pass this test are, so that the web detectors can read them. Ordinary referers (a URL, a
    /// search with `%20` and `%2F`) do not pass.
    /// - Complexity: O(*n*) in the range, one table lookup per byte; no allocation.
    public static func mayCarryAttack(_ s: Span<UInt8>, _ r: Range<Int>) -> Bool {
        guard r.lowerBound >= 0, r.upperBound <= s.count else { return false }
        var i = r.lowerBound
        var previous: UInt8 = 0
        while i < r.upperBound {
            let b = s[i]
            switch b {
            case UInt8(ascii: "$"), UInt8(ascii: "{"), UInt8(ascii: "<"), UInt8(ascii: "'"), UInt8(ascii: "("):
                return true
            case UInt8(ascii: "."):
                if previous == UInt8(ascii: ".") { return true }
            case UInt8(ascii: "%"):
                if i + 2 < r.upperBound, isEncodedMark(s[i + 1], s[i + 2]) { return true }
            default:
                break
            }
            previous = b
            i += 1
        }
        return false
    }

    /// Whether `%hi lo` encodes `$ % ' ( . < {`.
    @inline(__always)
    static func isEncodedMark(_ hi: UInt8, _ lo: UInt8) -> Bool {
        let l = lo | 0x20
        switch hi {
        case UInt8(ascii: "2"):
            return l == UInt8(ascii: "4") || l == UInt8(ascii: "5") || l == UInt8(ascii: "7") || l == UInt8(ascii: "8")
                || l == UInt8(ascii: "e")
        case UInt8(ascii: "3"): return l == UInt8(ascii: "c")
        case UInt8(ascii: "7"): return l == UInt8(ascii: "b")
        default: return false
        }
    }
}
