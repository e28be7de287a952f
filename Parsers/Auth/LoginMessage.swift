import DwellCore

/// Structures `login` (console and serial logins) messages.
///
///     ROOT LOGIN ON tty2                                   auth_success, user root, tty tty2
///     LOGIN ON tty1 BY alice                               auth_success
///     FAILED LOGIN (1) on '/dev/tty1' FOR 'root', Authentication failure     auth_failure
///     FAILED LOGIN 1 FROM tty1 FOR root, Authentication failure              auth_failure
enum LoginMessage {
    static func structure(_ s: Span<UInt8>, _ m: Int, _ hi: Int, _ e: inout Event, _ c: inout ParseContext) {
        if s.matches("ROOT LOGIN ", at: m) {
            e.kind = .authSuccess
            e.outcome = .success
            e.user = c.symbols.intern(literal: "root")
            if let on = s.find(" ON ", from: m, to: hi) ?? s.find(" on ", from: m, to: hi) {
                e.tty = c.symbols.intern(s, unquoted(s, s.skipSpaces(from: on + 4), hi))
            }
        } else if s.matches("LOGIN ON ", at: m) {
            guard let by = s.find(" BY ", from: m + 9, to: hi) else { return }
            e.kind = .authSuccess
            e.outcome = .success
            e.tty = c.symbols.intern(s, m + 9..<by)
            e.user = c.symbols.intern(s, by + 4..<hi)
        } else if s.matches("FAILED LOGIN ", at: m) {
            e.kind = .authFailure
            e.outcome = .failure
            guard let f = s.find(" FOR ", from: m, to: hi) else { return }
            var end = s.findLast(", ", before: hi, notBefore: f) ?? hi
            if end <= f + 5 { end = hi }
            e.user = c.symbols.intern(s, unquoted(s, f + 5, end))
            if let on = s.find(" on ", from: m, to: f) ?? s.find(" FROM ", from: m, to: f) {
                let t = s[on + 1] == UInt8(ascii: "o") ? on + 4 : on + 6
                e.tty = c.symbols.intern(s, unquoted(s, t, f))
            }
        }
    }

    /// `a..<b` without surrounding single quotes.
    static func unquoted(_ s: Span<UInt8>, _ a: Int, _ b: Int) -> Range<Int> {
        guard b > a else { return a..<a }
        if b - a >= 2, s[a] == UInt8(ascii: "'"), s[b - 1] == UInt8(ascii: "'") { return a + 1..<b - 1 }
        return a..<b
    }
}
