import DwellCore

/// Structures `su` messages (util-linux and shadow-utils wordings).
///
///     Successful su for root by alice        privilege, success, user alice, target root
///     FAILED su for root by alice            privilege, failure
///     + pts/0 alice:root                     privilege, success (tty pts/0); `-` for a failure
///     (to root) alice on pts/0               privilege, success; `FAILED SU (to root) …` a failure
///
/// The PAM lines of su (`pam_unix(su:auth)`, `pam_unix(su-l:session)`) are `PAMMessage`'s.
enum SuMessage {
    static func structure(_ s: Span<UInt8>, _ m: Int, _ hi: Int, _ e: inout Event, _ c: inout ParseContext) {
        if s.matches("Successful su for ", at: m) {
            forBy(s, m + 18, hi, .success, &e, &c)
        } else if s.matches("FAILED su for ", at: m) {
            forBy(s, m + 14, hi, .failure, &e, &c)
        } else if s.matches("(to ", at: m) {
            toOn(s, m + 4, hi, .success, &e, &c)
        } else if s.matches("FAILED SU (to ", at: m) {
            toOn(s, m + 14, hi, .failure, &e, &c)
        } else if hi - m > 4, s[m] == UInt8(ascii: "+") || s[m] == UInt8(ascii: "-"), s[m + 1] == UInt8(ascii: " ") {
            // `+ pts/0 alice:root`
            let ttyEnd = s.tokenEnd(from: m + 2)
            guard ttyEnd < hi, let colon = s.lastIndex(of: UInt8(ascii: ":"), before: hi), colon > ttyEnd else { return }
            e.kind = .privilege
            e.outcome = s[m] == UInt8(ascii: "+") ? .success : .failure
            e.tty = c.symbols.intern(s, m + 2..<ttyEnd)
            e.user = c.symbols.intern(s, ttyEnd + 1..<colon)
            e.targetUser = c.symbols.intern(s, colon + 1..<hi)
        }
    }

    /// `root by alice`
    static func forBy(
        _ s: Span<UInt8>, _ a: Int, _ hi: Int, _ outcome: Outcome, _ e: inout Event, _ c: inout ParseContext
    ) {
        guard let by = s.findLast(" by ", before: hi, notBefore: a) else { return }
        e.kind = .privilege
        e.outcome = outcome
        e.targetUser = c.symbols.intern(s, a..<by)
        e.user = c.symbols.intern(s, by + 4..<max(by + 4, hi))
    }

    /// `root) alice on pts/0`
    static func toOn(
        _ s: Span<UInt8>, _ a: Int, _ hi: Int, _ outcome: Outcome, _ e: inout Event, _ c: inout ParseContext
    ) {
        guard let close = s.firstIndex(of: UInt8(ascii: ")"), from: a), close < hi else { return }
        e.kind = .privilege
        e.outcome = outcome
        e.targetUser = c.symbols.intern(s, a..<close)
        let u = s.skipSpaces(from: close + 1)
        if let on = s.findLast(" on ", before: hi, notBefore: u) {
            e.user = c.symbols.intern(s, u..<on)
            e.tty = c.symbols.intern(s, on + 4..<hi)
        } else {
            e.user = c.symbols.intern(s, u..<max(u, hi))
        }
    }
}
