import DwellCore

#if canImport(Glibc)
    import Glibc
#endif

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
        guard range.lowerBound >= 0, range.upperBound <= s.count else {
            out.path = range
            return out
        }
        s.withUnsafeBufferPointer { p in
            guard let base = p.baseAddress else { return }
            // Bounds: every index read below lies in range (inside the span, checked above), except the protocol
            // test, which checks against the span's count.
            split(base, p.count, range, into: &out)
        }
        return out
    }

    @inline(__always)
    static func split(_ base: UnsafePointer<UInt8>, _ n: Int, _ range: Range<Int>, into out: inout HTTPRequestLine) {
        let lo = range.lowerBound
        let hi = range.upperBound
        // The method: a token of 1...32 bytes up to the first space.
        var sp1 = lo
        while sp1 < hi, sp1 &- lo <= 32, isTokenByte(base[sp1]) { sp1 &+= 1 }
        guard sp1 < hi, sp1 > lo, sp1 &- lo <= 32, base[sp1] == UInt8(ascii: " ") else {
            out.path = range
            return
        }
        out.method = lo..<sp1
        var targetStart = sp1 + 1
        while targetStart < hi, base[targetStart] == UInt8(ascii: " ") { targetStart += 1 }
        var targetEnd = hi
        // The protocol is the last word when it looks like one (`HTTP/1.1`); a target may itself hold spaces.
        var sp2 = hi - 1
        while sp2 >= targetStart, base[sp2] != UInt8(ascii: " ") { sp2 -= 1 }
        if sp2 >= targetStart, sp2 + 6 <= n, base[sp2 + 1] == UInt8(ascii: "H"), base[sp2 + 2] == UInt8(ascii: "T"),
            base[sp2 + 3] == UInt8(ascii: "T"), base[sp2 + 4] == UInt8(ascii: "P"), base[sp2 + 5] == UInt8(ascii: "/")
        {
            out.version = sp2 + 1..<hi
            targetEnd = sp2
            while targetEnd > targetStart, base[targetEnd - 1] == UInt8(ascii: " ") { targetEnd -= 1 }
        }
        guard targetEnd > targetStart else { return }
        if let hit = memchr(base + targetStart, Int32(UInt8(ascii: "?")), targetEnd - targetStart) {
            let q = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            out.path = targetStart..<q
            if q + 1 < targetEnd { out.query = q + 1..<targetEnd }
        } else {
            out.path = targetStart..<targetEnd
        }
    }

    /// Whether `c` is an RFC 9110 `tchar`: a letter, a digit or one of ``!#$%&'*+-.^_`|~``, as two 64-bit masks.
    @inline(__always)
    static func isTokenByte(_ c: UInt8) -> Bool {
        let low: UInt64 = 0x03ff_6cfa_0000_0000
        let high: UInt64 = 0x57ff_ffff_c7ff_fffe
        if c < 64 { return low >> UInt64(c) & 1 != 0 }
        if c < 128 { return high >> UInt64(c &- 64) & 1 != 0 }
        return false
    }

    /// An RFC 9110 token (`tchar`): what a method is made of, at most 32 bytes.
    static func isToken(_ s: Span<UInt8>, _ range: Range<Int>) -> Bool {
        guard range.count <= 32 else { return false }
        for i in range where !isTokenByte(s[i]) { return false }
        return true
    }

    /// `apply` for a caller that holds the line's bytes (`base` is the span's start): the same symbols, interned
    /// without going through the span.
    @inline(__always)
    func apply(_ base: UnsafePointer<UInt8>, to event: inout Event, context: inout ParseContext) {
        @inline(__always) func bytes(_ r: Range<Int>) -> UnsafeBufferPointer<UInt8> {
            UnsafeBufferPointer(start: base + r.lowerBound, count: r.count)
        }
        if let m = method, !m.isEmpty { event.httpMethod = context.symbols.intern(bytes(m)) }
        if let p = path, !p.isEmpty { event.path = context.symbols.intern(bytes(p)) }
        if let q = query, !q.isEmpty { event.query = context.symbols.intern(bytes(q)) }
        if let v = version, !v.isEmpty { event.networkProtocol = context.symbols.intern(bytes(v)) }
    }

    /// Writes the parts into a web event (short values go through the symbol table's recent-values cache).
    func apply(_ s: Span<UInt8>, to event: inout Event, context: inout ParseContext) {
        if let m = method { event.httpMethod = context.symbols.intern(s, m) }
        if let p = path { event.path = context.symbols.intern(s, p) }
        if let q = query { event.query = context.symbols.intern(s, q) }
        if let v = version { event.networkProtocol = context.symbols.intern(s, v) }
    }
}
