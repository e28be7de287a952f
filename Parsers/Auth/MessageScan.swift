import DwellCore

/// A peer address found in a message: `IP`, `IP port N`, `IP:N` or `<IP:N>`, with the positions it spans.
struct Peer {
    var ip: IPAddress
    var port: UInt16
    var hasPort: Bool
    /// Index of the address's first byte.
    var start: Int
    /// Index just after the address (and its port, when there is one).
    var end: Int

    /// Fills the event's source address and port.
    @inline(__always) func setSource(_ event: inout Event) {
        event.sourceIP = ip
        if hasPort { event.setSourcePort(port) }
    }
}

/// Byte scanners shared by the auth message parsers. Positions index the line; `hi` is the exclusive end of the
/// message (trailing spaces removed). Nothing here allocates.
enum MessageScan {
    /// Bytes that may end an address token (besides a space and the end of the message).
    @inline(__always) static func isTokenEnd(_ b: UInt8) -> Bool {
        b == UInt8(ascii: " ") || b == UInt8(ascii: ",") || b == UInt8(ascii: ")") || b == UInt8(ascii: ">")
            || b == UInt8(ascii: "]") || b == UInt8(ascii: "'") || b == UInt8(ascii: ";")
    }

    /// Parses an address token starting at `i` (ends at a space, `,`, `)`, `]`, `>`, `;`, `'` or `hi`); a trailing
    /// `:` or `.` is allowed after an IPv4 address (`from 1.2.3.4: 11: Bye`, `port 22.`). Returns the address and
    /// the index after it.
    @inline(__always)
    static func address(_ s: Span<UInt8>, at i: Int, hi: Int) -> (IPAddress, Int)? {
        guard i < hi else { return nil }
        var e = i
        while e < hi, !isTokenEnd(s[e]) { e &+= 1 }
        guard e > i, e - i <= 64 else { return nil }
        if let ip = IPAddress.parse(s, i..<e) { return (ip, e) }
        let last = s[e - 1]
        if e - i > 1, last == UInt8(ascii: ":") || last == UInt8(ascii: ".") {
            if let ip = IPAddress.parse(s, i..<e - 1) { return (ip, e - 1) }
        }
        return nil
    }

    /// Parses `IP[ port N]` at `i`.
    static func peer(_ s: Span<UInt8>, at i: Int, hi: Int) -> Peer? {
        guard let (ip, e) = address(s, at: i, hi: hi) else { return nil }
        var p = Peer(ip: ip, port: 0, hasPort: false, start: i, end: e)
        if s.matches(" port ", at: e) {
            let d = e + 6
            let de = min(s.digitsEnd(from: d), hi)
            if de > d, let v = s.parseUInt(d..<de), v <= 65535 {
                p.port = UInt16(v)
                p.hasPort = true
                p.end = de
            }
        }
        return p
    }

    /// Parses `IP:N` or `<IP:N>` (dropbear): the port follows the last `:` of the token.
    static func colonPeer(_ s: Span<UInt8>, at i0: Int, hi: Int) -> Peer? {
        var i = i0
        if i < hi, s[i] == UInt8(ascii: "<") { i += 1 }
        var e = i
        while e < hi, s[e] != UInt8(ascii: " "), s[e] != UInt8(ascii: ">") { e &+= 1 }
        guard e > i, let colon = s.lastIndex(of: UInt8(ascii: ":"), before: e), colon > i else { return nil }
        guard let port = s.parseUInt(colon + 1..<e), port <= 65535, let ip = IPAddress.parse(s, i..<colon) else {
            return nil
        }
        if e < hi, s[e] == UInt8(ascii: ">") { e += 1 }
        return Peer(ip: ip, port: UInt16(port), hasPort: true, start: i, end: e)
    }

    /// Whether what follows a peer at `e` is a plausible end of the address clause: the end of the message,
    /// punctuation, or one of the words sshd writes after it (`ssh2`, `[preauth]`, `on`, `id`, `via`, `rdomain`).
    static func endsClause(_ s: Span<UInt8>, at e: Int, hi: Int) -> Bool {
        if e >= hi { return true }
        let b = s[e]
        if b == UInt8(ascii: ":") || b == UInt8(ascii: ",") || b == UInt8(ascii: ".") || b == UInt8(ascii: ")")
            || b == UInt8(ascii: ";") || b == UInt8(ascii: "]") || b == UInt8(ascii: ">")
        {
            return true
        }
        guard b == UInt8(ascii: " ") else { return false }
        let w = s.skipSpaces(from: e)
        if w >= hi { return true }
        if s.matches("ssh", at: w) {
            let d = w + 3
            if d < hi, s[d] &- UInt8(ascii: "0") < 10 { return endsClause(s, at: d + 1, hi: hi) }
            return d >= hi
        }
        return s.matches("[preauth]", at: w) || s.matches("on ", at: w) || s.matches("id ", at: w)
            || s.matches("via ", at: w) || s.matches("rdomain", at: w) || s.matches("to ", at: w)
            || s.matches("(", at: w)
    }

    /// The rightmost ` from IP[ port N]` clause in `lo..<hi` that ends plausibly (see `endsClause`). A clause
    /// with a port is preferred over one without (old sshd appended `ruser X from H` after the port).
    /// Anchoring on the right keeps attacker-chosen user names (which may contain ` from 1.2.3.4 port 1`)
    /// from choosing the address.
    /// - Returns: the index of the space that starts ` from `, and the peer.
    static func lastFromPeer(_ s: Span<UInt8>, lo: Int, hi: Int) -> (from: Int, peer: Peer)? {
        var fallback: (Int, Peer)?
        var end = hi
        while let f = s.findLast(" from ", before: end, notBefore: lo) {
            if let p = peer(s, at: f + 6, hi: hi), endsClause(s, at: p.end, hi: hi) {
                if p.hasPort { return (f, p) }
                if fallback == nil { fallback = (f, p) }
            }
            end = f + 5  // the next candidate ends before this one's " from"
        }
        return fallback
    }

    /// The rightmost `IP port N` in `lo..<hi` preceded by a space or by `lo` (for `Connection closed by
    /// [authenticating user X] IP port N [preauth]`). Falls back to a bare address token followed by the end or
    /// ` [preauth]` (old sshd wrote no port).
    static func lastPeer(_ s: Span<UInt8>, lo: Int, hi: Int) -> Peer? {
        var end = hi
        while let q = s.findLast(" port ", before: end, notBefore: lo) {
            // The address token ends at q; find where it starts.
            var a = q
            while a > lo, s[a - 1] != UInt8(ascii: " ") { a -= 1 }
            if let p = peer(s, at: a, hi: hi), p.end > q, endsClause(s, at: p.end, hi: hi) { return p }
            end = q + 5
        }
        // No port: `by IP [preauth]` or `by IP`.
        var e = hi
        if e - lo >= 10, s.matches(" [preauth]", at: e - 10) { e -= 10 }
        var a = e
        while a > lo, s[a - 1] != UInt8(ascii: " ") { a -= 1 }
        if a < e, let (ip, ae) = address(s, at: a, hi: e), ae == e {
            return Peer(ip: ip, port: 0, hasPort: false, start: a, end: e)
        }
        return nil
    }

    /// Whether `s[r]` is exactly `literal`.
    @inline(__always) static func equals(_ s: Span<UInt8>, _ r: Range<Int>, _ literal: StaticString) -> Bool {
        r.count == literal.utf8CodeUnitCount && s.matches(literal, at: r.lowerBound)
    }

    /// Whether the message ends with `[preauth]`.
    @inline(__always) static func isPreauth(_ s: Span<UInt8>, lo: Int, hi: Int) -> Bool {
        hi - lo >= 9 && s.matches("[preauth]", at: hi - 9)
    }

    /// `lo..<hi` with spaces removed at both ends.
    @inline(__always) static func trimmed(_ s: Span<UInt8>, _ lo: Int, _ hi: Int) -> Range<Int> {
        var a = lo
        var b = hi
        while a < b, s[a] == UInt8(ascii: " ") { a += 1 }
        while b > a, s[b - 1] == UInt8(ascii: " ") { b -= 1 }
        return a..<b
    }

    /// The value of `key` (e.g. ` rhost=`) up to the next space, searching `lo..<hi`.
    static func keyValue(_ s: Span<UInt8>, _ key: StaticString, lo: Int, hi: Int) -> Range<Int>? {
        guard let k = s.find(key, from: lo, to: hi) else { return nil }
        let v = k + key.utf8CodeUnitCount
        var e = v
        while e < hi, s[e] != UInt8(ascii: " ") { e += 1 }
        return v..<e
    }

    /// The text between the single quote at `i` and the next one (`'root'`): the range inside the quotes.
    static func quoted(_ s: Span<UInt8>, at i: Int, hi: Int) -> Range<Int>? {
        guard i < hi, s[i] == UInt8(ascii: "'"),
            let close = s.firstIndex(of: UInt8(ascii: "'"), from: i + 1), close < hi
        else { return nil }
        return i + 1..<close
    }

    /// Parses the digits at `i`.
    @inline(__always) static func number(_ s: Span<UInt8>, at i: Int, hi: Int) -> (UInt64, Int)? {
        let e = min(s.digitsEnd(from: i), hi)
        guard e > i, let v = s.parseUInt(i..<e) else { return nil }
        return (v, e)
    }
}

extension SymbolTable {
    /// Interns `prefix` followed by `span[range]` (`incorrect_password_attempts=` + `3`), through a stack buffer.
    mutating func intern(prefix: StaticString, _ span: Span<UInt8>, _ range: Range<Int>) -> Symbol {
        let n = prefix.utf8CodeUnitCount
        let total = n + range.count
        guard total <= 256, range.lowerBound >= 0, range.upperBound <= span.count else { return .none }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: total) { buf -> Symbol in
            for k in 0..<n { buf[k] = prefix.utf8Start[k] }
            var j = n
            for k in range {
                buf[j] = span[k]
                j += 1
            }
            return intern(UnsafeBufferPointer(buf))
        }
    }
}
