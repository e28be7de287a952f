import DwellCore

/// The parts of a logged HTTP request line (`"GET /a?b=1 HTTP/1.1"`), as positions.
///
/// Hostile request lines are data: `-`, an empty request, a missing protocol, a method that is not a token
/// (a TLS ClientHello or an RDP cookie sent to a plain-HTTP port, written as `\x16\x03\x01...`) all split without
/// error. When the line has no `METHOD SP target` shape, the whole request is kept raw as the path, without method.
struct HTTPRequestLine {
    var method: Range<Int>?
    var path: Range<Int>?
    var query: Range<Int>?
    var version: Range<Int>?

    /// Splits `s[range]` (the bytes between the quotes).
    /// - Complexity: O(*n*) in the request length; no allocation.
    static func split(_ s: Span<UInt8>, _ range: Range<Int>) -> HTTPRequestLine {
        var out = HTTPRequestLine()
        if range.isEmpty || s.isDash(range) { return out }
        let lo = range.lowerBound
        let hi = range.upperBound
        guard let sp1 = s.firstIndex(of: UInt8(ascii: " "), from: lo), sp1 < hi, sp1 > lo, isToken(s, lo..<sp1)
        else {
            out.path = range
            return out
        }
        out.method = lo..<sp1
        var targetStart = sp1 + 1
        while targetStart < hi, s[targetStart] == UInt8(ascii: " ") { targetStart += 1 }
        var targetEnd = hi
        // The protocol is the last word when it looks like one (`HTTP/1.1`); a target may itself hold spaces.
        if let sp2 = s.lastIndex(of: UInt8(ascii: " "), before: hi), sp2 >= targetStart, s.matches("HTTP/", at: sp2 + 1)
        {
            out.version = sp2 + 1..<hi
            targetEnd = sp2
            while targetEnd > targetStart, s[targetEnd - 1] == UInt8(ascii: " ") { targetEnd -= 1 }
        }
        guard targetEnd > targetStart else { return out }
        if let q = s.firstIndex(of: UInt8(ascii: "?"), from: targetStart), q < targetEnd {
            out.path = targetStart..<q
            if q + 1 < targetEnd { out.query = q + 1..<targetEnd }
        } else {
            out.path = targetStart..<targetEnd
        }
        return out
    }

    /// An RFC 9110 token (`tchar`): what a method is made of, at most 32 bytes.
    static func isToken(_ s: Span<UInt8>, _ range: Range<Int>) -> Bool {
        guard range.count <= 32 else { return false }
        for i in range {
            let c = s[i]
            let alnum = (c | 0x20) &- UInt8(ascii: "a") < 26 || c &- UInt8(ascii: "0") < 10
            if alnum { continue }
            switch c {
            case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
                UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
                UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
                continue
            default:
                return false
            }
        }
        return true
    }

    /// Writes the parts into a web event (short values go through the symbol table's recent-values cache).
    func apply(_ s: Span<UInt8>, to event: inout Event, context: inout ParseContext) {
        if let m = method { event.httpMethod = context.symbols.intern(s, m) }
        if let p = path { event.path = context.symbols.intern(s, p) }
        if let q = query { event.query = context.symbols.intern(s, q) }
        if let v = version { event.networkProtocol = context.symbols.intern(s, v) }
    }
}
