import DwellCore

/// Structures `dropbear` (the small SSH server of routers and embedded systems) messages.
///
///     Bad password attempt for 'root' from 198.51.100.87:5543          auth_failure, password
///     Login attempt for nonexistent user from ::ffff:198.51.100.215:60495   invalid_user
///     Exit before auth (user 'root', 10 fails): Max auth tries reached - user 'root' from 1.2.3.4:60588
///                                                                     auth_failure, max_auth_attempts
///     Password auth succeeded for 'root' from 192.0.2.4:4711          auth_success, password
///     Pubkey auth succeeded for 'root' with ssh-ed25519 key SHA256:… from 192.0.2.4:4711   auth_success, publickey
///     Child connection from 192.0.2.4:4711                            connect
///     Exit (root) from <192.0.2.4:4711>: Disconnect received          disconnect
///
/// A `[pid] Mmm dd hh:mm:ss ` prefix (dropbear's own stamp, seen when logging through the journal) is skipped.
/// Addresses are `IP:port`, `<IP:port>` or `::ffff:IP:port`: the port follows the last colon. User names sit
/// in quotes and may contain quotes: the closing one is the last `' from `.
enum DropbearMessage {
    static func structure(_ s: Span<UInt8>, _ m0: Int, _ hi: Int, _ e: inout Event, _ c: inout ParseContext) {
        var m = m0
        if s[m] == UInt8(ascii: "["), let close = s.firstIndex(of: UInt8(ascii: "]"), from: m), close < hi,
            close + 17 <= hi, s[close + 1] == UInt8(ascii: " "), MonthName.number(s[close + 2], s[close + 3], s[close + 4]) != nil
        {
            m = s.skipSpaces(from: close + 17)
        }
        guard m < hi else { return }
        let b0 = s[m] | 0x20  // first letter, case-insensitive (`Bad`/`bad`, `Login`/`login`)
        if b0 == UInt8(ascii: "b"), s.matches("ad password attempt for ", at: m + 1) {
            e.kind = .authFailure
            e.outcome = .failure
            e.authMethod = c.symbols.intern(literal: "password")
            quotedUserFrom(s, m + 25, hi, &e, &c)
        } else if b0 == UInt8(ascii: "l"), s.matches("ogin attempt for nonexistent user", at: m + 1) {
            e.kind = .invalidUser
            e.outcome = .failure
            let a = m + 34
            if let f = s.findLast(" from ", before: hi, notBefore: a - 1) {
                if let p = MessageScan.colonPeer(s, at: f + 6, hi: hi) { p.setSource(&e) }
                // Newer dropbear names the user: `nonexistent user 'x' from …`.
                let u = s.skipSpaces(from: a)
                if f - u >= 2, s[u] == UInt8(ascii: "'"), s[f - 1] == UInt8(ascii: "'") {
                    e.user = c.symbols.intern(s, u + 1..<f - 1)
                }
            }
        } else if s.matches("Exit before auth", at: m) {
            let maxTries = s.find("Max auth tries reached", from: m, to: hi) != nil
            e.kind = maxTries ? .authFailure : .authProbe
            e.outcome = maxTries ? .failure : .unknown
            e.detail = maxTries ? c.symbols.intern(literal: "max_auth_attempts") : c.symbols.intern(literal: "preauth")
            if s.matches(" from <", at: m + 16), let p = MessageScan.colonPeer(s, at: m + 22, hi: hi) {
                p.setSource(&e)
            } else if let f = s.findLast(" from ", before: hi, notBefore: m),
                let p = MessageScan.colonPeer(s, at: f + 6, hi: hi)
            {
                p.setSource(&e)
            }
            if let u = s.find("(user '", from: m, to: hi), let q = MessageScan.quoted(s, at: u + 6, hi: hi) {
                e.user = c.symbols.intern(s, q)
            }
        } else if s.matches("Password auth succeeded for ", at: m) {
            e.kind = .authSuccess
            e.outcome = .success
            e.authMethod = c.symbols.intern(literal: "password")
            quotedUserFrom(s, m + 28, hi, &e, &c)
        } else if s.matches("Pubkey auth succeeded for ", at: m) {
            e.kind = .authSuccess
            e.outcome = .success
            e.authMethod = c.symbols.intern(literal: "publickey")
            guard let w = s.findLast("' with ", before: hi, notBefore: m + 26) else { return }
            if s[m + 26] == UInt8(ascii: "'") { e.user = c.symbols.intern(s, m + 27..<max(m + 27, w)) }
            if let f = s.findLast(" from ", before: hi, notBefore: w) {
                if let p = MessageScan.colonPeer(s, at: f + 6, hi: hi) { p.setSource(&e) }
                // `with ssh-ed25519 key SHA256:…` or `with key md5 aa:bb:…`: the fingerprint is the last token.
                var a = f
                while a > w, s[a - 1] != UInt8(ascii: " ") { a -= 1 }
                if a < f { e.keyFingerprint = c.symbols.intern(s, a..<f) }
            }
        } else if s.matches("Child connection from ", at: m) {
            e.kind = .connect
            if let p = MessageScan.colonPeer(s, at: m + 22, hi: hi) { p.setSource(&e) }
        } else if s.matches("Exit (", at: m), let close = s.find(") from <", from: m + 6, to: hi) {
            e.kind = .disconnect
            e.user = c.symbols.intern(s, m + 6..<close)
            if let p = MessageScan.colonPeer(s, at: close + 8, hi: hi) { p.setSource(&e) }
        } else {
            return
        }
        e.service = c.symbols.intern(literal: "ssh")
    }

    /// `'user' from IP:port`, anchored on the last `' from `.
    static func quotedUserFrom(_ s: Span<UInt8>, _ a: Int, _ hi: Int, _ e: inout Event, _ c: inout ParseContext) {
        guard a < hi, s[a] == UInt8(ascii: "'"), let f = s.findLast("' from ", before: hi, notBefore: a) else { return }
        e.user = c.symbols.intern(s, a + 1..<max(a + 1, f))
        if let p = MessageScan.colonPeer(s, at: f + 7, hi: hi) { p.setSource(&e) }
    }
}
