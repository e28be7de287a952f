import DwellCore

/// Structures OpenSSH `sshd` (and `sshd-session`) messages.
///
///     Accepted publickey for alice from 198.51.100.7 port 50122 ssh2: ED25519 SHA256:Xy…   auth_success
///     Failed password for invalid user admin from 203.0.113.9 port 50122 ssh2              auth_failure (invalid_user)
///     Invalid user admin from 203.0.113.9 port 50122                                        invalid_user
///     Connection closed by authenticating user root 203.0.113.9 port 4242 [preauth]         auth_probe (preauth)
///     Connection from 203.0.113.9 port 50122 on 10.0.0.5 port 22                            connect (destination = 10.0.0.5)
///
/// Also: `Postponed`/`Partial`, PAM failures (`PAM N more authentication failures`, `PAM: Authentication failure
/// for`), `maximum authentication attempts exceeded`, `Disconnecting: Too many authentication failures`,
/// `Disconnected from …`, `Received disconnect from …`, `Did not receive identification string`, `Bad protocol
/// version identification`, `banner exchange … invalid format`, `kex_exchange_identification`, `Unable to
/// negotiate …`, `POSSIBLE BREAK-IN ATTEMPT`, `refused connect`, `Timeout before authentication`, `User X from H
/// not allowed because …`, `ROOT LOGIN REFUSED`, `Starting session: …`, `Close session: …`. `error: `, `fatal: `
/// and Solaris `[ID n auth.info] ` prefixes are skipped.
///
/// User names are chosen by the remote peer (any bytes, spaces, even ` from 1.2.3.4 port 1`), so the address is
/// taken from the rightmost ` from IP port N` clause (see `MessageScan.lastFromPeer`) and the user is everything
/// between `for ` and it. Any other message stays `.generic`, with the source address when it names one.
/// - Complexity: O(*n*) in the message length.
enum SSHDMessage {
    static func structure(_ s: Span<UInt8>, _ m0: Int, _ hi: Int, _ e: inout Event, _ c: inout ParseContext) {
        var m = m0
        if s[m] == UInt8(ascii: "["), s.matches("[ID ", at: m), let close = s.firstIndex(of: UInt8(ascii: "]"), from: m),
            close < hi
        {
            m = s.skipSpaces(from: close + 1)
        }
        if s.matches("error: ", at: m) || s.matches("fatal: ", at: m) { m += 7 }
        guard m < hi else { return }
        if rules(s, m, hi, &e, &c) {
            e.service = c.symbols.intern(literal: "ssh")
        } else if let (_, p) = MessageScan.lastFromPeer(s, lo: m, hi: hi) {
            p.setSource(&e)
        }
    }

    @inline(__always)
    static func set(_ e: inout Event, _ kind: EventKind, _ outcome: Outcome) {
        e.kind = kind
        e.outcome = outcome
    }

    /// `lo..<hi`, or an empty range when `hi < lo`.
    @inline(__always) static func span(_ lo: Int, _ hi: Int) -> Range<Int> { lo..<max(lo, hi) }

    static func rules(_ s: Span<UInt8>, _ m: Int, _ hi: Int, _ e: inout Event, _ c: inout ParseContext) -> Bool {
        switch s[m] {
        case UInt8(ascii: "A"):
            if s.matches("Accepted ", at: m) { return authAttempt(s, m + 9, hi, &e, &c, .authSuccess, .success) }
            if s.matches("Address ", at: m), s.find("POSSIBLE BREAK-IN", from: m, to: hi) != nil {
                set(&e, .authProbe, .unknown)
                e.detail = c.symbols.intern(literal: "possible_break_in")
                if let (ip, _) = MessageScan.address(s, at: m + 8, hi: hi) { e.sourceIP = ip }
                return true
            }
        case UInt8(ascii: "F"):
            if s.matches("Failed ", at: m) { return authAttempt(s, m + 7, hi, &e, &c, .authFailure, .failure) }
        case UInt8(ascii: "I"):
            if s.matches("Invalid user ", at: m) || s.matches("Illegal user ", at: m) {
                return invalidUser(s, m + 13, hi, &e, &c)
            }
        case UInt8(ascii: "i"):
            if s.matches("input_userauth_request: invalid user ", at: m) {
                set(&e, .invalidUser, .failure)
                var u = hi
                if MessageScan.isPreauth(s, lo: m, hi: hi) {
                    u = hi - 10
                    e.detail = c.symbols.intern(literal: "preauth")
                }
                e.user = c.symbols.intern(s, span(m + 37, u))
                return true
            }
        case UInt8(ascii: "D"):
            if s.matches("Disconnected from ", at: m) { return closed(s, m + 18, hi, &e, &c) }
            if s.matches("Did not receive identification string", at: m) {
                return probe(s, m, hi, &e, &c, "no_identification")
            }
            if s.matches("Disconnecting", at: m), s.find("Too many authentication failures", from: m, to: hi) != nil {
                set(&e, .authFailure, .failure)
                e.detail = c.symbols.intern(literal: "max_auth_attempts")
                if s.matches("Disconnecting: Too many authentication failures for ", at: m) {
                    var u = hi
                    if MessageScan.isPreauth(s, lo: m, hi: hi) { u = hi - 10 }
                    e.user = c.symbols.intern(s, span(m + 52, u))
                } else if s.matches("Disconnecting ", at: m) {
                    userAndPeer(s, m + 14, hi, &e, &c)
                }
                return true
            }
            if s.matches("Disconnecting ", at: m) {
                set(&e, .authProbe, .unknown)
                userAndPeer(s, m + 14, hi, &e, &c)
                if MessageScan.isPreauth(s, lo: m, hi: hi) { e.detail = c.symbols.intern(literal: "preauth") }
                return true
            }
        case UInt8(ascii: "C"):
            if s.matches("Connection closed by ", at: m) { return closed(s, m + 21, hi, &e, &c) }
            if s.matches("Connection reset by ", at: m) { return closed(s, m + 20, hi, &e, &c) }
            if s.matches("Connection from ", at: m) {
                guard let p = MessageScan.peer(s, at: m + 16, hi: hi) else { return false }
                set(&e, .connect, .unknown)
                p.setSource(&e)
                if s.matches(" on ", at: p.end), let d = MessageScan.peer(s, at: p.end + 4, hi: hi) {
                    e.destinationIP = d.ip
                    if d.hasPort { e.setDestinationPort(d.port) }
                }
                return true
            }
            if s.matches("Close session: user ", at: m) {
                set(&e, .sessionClose, .success)
                if let (f, p) = MessageScan.lastFromPeer(s, lo: m + 19, hi: hi) {
                    p.setSource(&e)
                    e.user = c.symbols.intern(s, span(m + 20, f))
                }
                return true
            }
        case UInt8(ascii: "R"):
            if s.matches("Received disconnect from ", at: m) {
                guard let p = MessageScan.peer(s, at: m + 25, hi: hi) else { return false }
                p.setSource(&e)
                if MessageScan.isPreauth(s, lo: m, hi: hi) {
                    set(&e, .authProbe, .unknown)
                    e.detail = c.symbols.intern(literal: "preauth")
                } else {
                    set(&e, .disconnect, .unknown)
                }
                return true
            }
            if s.matches("ROOT LOGIN REFUSED FROM ", at: m) {
                set(&e, .authFailure, .failure)
                e.user = c.symbols.intern(literal: "root")
                e.detail = c.symbols.intern(literal: "root_login_refused")
                if let p = MessageScan.peer(s, at: m + 24, hi: hi) { p.setSource(&e) }
                return true
            }
        case UInt8(ascii: "U"):
            if s.matches("Unable to negotiate", at: m) { return negotiation(s, m, hi, &e, &c) }
            if s.matches("User ", at: m) { return notAllowed(s, m, hi, &e, &c) }
        case UInt8(ascii: "P"):
            if s.matches("PAM", at: m) { return pam(s, m, hi, &e, &c) }
            if s.matches("Postponed ", at: m) {
                let ok = authAttempt(s, m + 10, hi, &e, &c, .authProbe, .unknown)
                if ok { e.detail = c.symbols.intern(literal: "postponed") }
                return ok
            }
            if s.matches("Partial ", at: m) {
                let ok = authAttempt(s, m + 8, hi, &e, &c, .authProbe, .success)
                if ok { e.detail = c.symbols.intern(literal: "partial") }
                return ok
            }
        case UInt8(ascii: "B"):
            if s.matches("Bad protocol version identification", at: m) {
                return probe(s, m, hi, &e, &c, "bad_protocol_version")
            }
        case UInt8(ascii: "S"):
            if s.matches("Starting session: ", at: m) { return startingSession(s, m + 18, hi, &e, &c) }
        case UInt8(ascii: "T"):
            if s.matches("Timeout before authentication for ", at: m) {
                set(&e, .authProbe, .unknown)
                e.detail = c.symbols.intern(literal: "timeout")
                var a = m + 34
                if s.matches("connection from ", at: a) { a += 16 }
                if let p = MessageScan.peer(s, at: a, hi: hi) { p.setSource(&e) }
                return true
            }
        case UInt8(ascii: "b"):
            if s.matches("banner exchange: ", at: m) { return probe(s, m, hi, &e, &c, "bad_banner") }
        case UInt8(ascii: "k"):
            if s.matches("kex_exchange_identification: ", at: m) {
                return probe(s, m, hi, &e, &c, "kex_exchange_identification")
            }
        case UInt8(ascii: "s"):
            if s.matches("ssh_dispatch_run_fatal: ", at: m) { return probe(s, m, hi, &e, &c, "dispatch_fatal") }
        case UInt8(ascii: "M"):
            if s.matches("Magic value check failed", at: m) { return probe(s, m, hi, &e, &c, "bad_magic") }
        case UInt8(ascii: "m"):
            if s.matches("maximum authentication attempts exceeded for ", at: m) {
                set(&e, .authFailure, .failure)
                userFromPeer(s, m + 45, hi, &e, &c)
                e.detail = c.symbols.intern(literal: "max_auth_attempts")
                return true
            }
        case UInt8(ascii: "r"):
            if s.matches("reverse mapping checking getaddrinfo", at: m) {
                set(&e, .authProbe, .unknown)
                e.detail = c.symbols.intern(literal: "possible_break_in")
                if let open = s.lastIndex(of: UInt8(ascii: "["), before: hi), open >= m,
                    let (ip, _) = MessageScan.address(s, at: open + 1, hi: hi)
                {
                    e.sourceIP = ip
                }
                return true
            }
            if s.matches("refused connect from ", at: m) {
                set(&e, .authProbe, .unknown)
                e.detail = c.symbols.intern(literal: "refused_connect")
                if let open = s.lastIndex(of: UInt8(ascii: "("), before: hi), open >= m,
                    let (ip, _) = MessageScan.address(s, at: open + 1, hi: hi)
                {
                    e.sourceIP = ip
                }
                return true
            }
        default: break
        }
        return false
    }

    /// `<method> for [invalid user ]<user> from <IP> port <N> ssh2[: <KEYTYPE> <FINGERPRINT>…]` after the verb.
    static func authAttempt(
        _ s: Span<UInt8>, _ m: Int, _ hi: Int, _ e: inout Event, _ c: inout ParseContext, _ kind: EventKind,
        _ outcome: Outcome
    ) -> Bool {
        let methodEnd = s.tokenEnd(from: m)
        guard methodEnd > m, methodEnd < hi, s.matches(" for ", at: methodEnd) else { return false }
        var u = methodEnd + 5
        guard let (f, p) = MessageScan.lastFromPeer(s, lo: u - 1, hi: hi) else { return false }
        set(&e, kind, outcome)
        e.authMethod = c.symbols.intern(s, m..<methodEnd)
        if s.matches("invalid user ", at: u), u + 12 <= f {
            u += 13
            if kind == .authFailure { e.detail = c.symbols.intern(literal: "invalid_user") }
        }
        e.user = c.symbols.intern(s, span(u, f))
        p.setSource(&e)
        // `ssh2: RSA SHA256:…` (publickey, hostbased; certificates add `ID … CA …` after the fingerprint).
        var k = p.end
        if s.matches(" ssh2", at: k) { k += 5 }
        if k + 2 < hi, s[k] == UInt8(ascii: ":"), s[k + 1] == UInt8(ascii: " ") {
            let typeStart = k + 2
            let typeEnd = s.tokenEnd(from: typeStart)
            if typeEnd < hi {
                var fpEnd = typeEnd + 1
                while fpEnd < hi, s[fpEnd] != UInt8(ascii: " "), s[fpEnd] != UInt8(ascii: ",") { fpEnd += 1 }
                if fpEnd > typeEnd + 1 {
                    e.keyFingerprint = c.symbols.intern(s, typeEnd + 1..<fpEnd)
                    if e.detail.isNone { e.detail = c.symbols.intern(s, typeStart..<typeEnd) }
                }
            }
        }
        return true
    }

    /// `Invalid user X from IP [port N]` (after `Invalid user `).
    static func invalidUser(_ s: Span<UInt8>, _ u: Int, _ hi: Int, _ e: inout Event, _ c: inout ParseContext) -> Bool {
        set(&e, .invalidUser, .failure)
        if let (f, p) = MessageScan.lastFromPeer(s, lo: u - 1, hi: hi) {
            e.user = c.symbols.intern(s, span(u, f))
            p.setSource(&e)
        } else {
            e.user = c.symbols.intern(s, span(u, hi))
        }
        return true
    }

    /// `[invalid user ]X from IP port N …` (after `… for `).
    static func userFromPeer(_ s: Span<UInt8>, _ u0: Int, _ hi: Int, _ e: inout Event, _ c: inout ParseContext) {
        var u = u0
        guard let (f, p) = MessageScan.lastFromPeer(s, lo: u - 1, hi: hi) else {
            e.user = c.symbols.intern(s, span(u, hi))
            return
        }
        if s.matches("invalid user ", at: u), u + 12 <= f { u += 13 }
        e.user = c.symbols.intern(s, span(u, f))
        p.setSource(&e)
    }

    /// `[invalid |authenticating ]user X IP port N` (Disconnecting …), setting user and source.
    static func userAndPeer(_ s: Span<UInt8>, _ a: Int, _ hi: Int, _ e: inout Event, _ c: inout ParseContext) {
        guard let p = MessageScan.lastPeer(s, lo: a, hi: hi) else { return }
        p.setSource(&e)
        var u = a
        if s.matches("invalid user ", at: u) {
            u += 13
        } else if s.matches("authenticating user ", at: u) {
            u += 20
        } else if s.matches("user ", at: u) {
            u += 5
        } else {
            return
        }
        e.user = c.symbols.intern(s, span(u, p.start - 1))
    }

    /// `Connection closed by …`, `Connection reset by …`, `Disconnected from …`: `[invalid |authenticating ]user X
    /// IP port N [preauth]`, or just `IP port N [preauth]`. Before authentication it is a probe; after a session,
    /// a disconnect.
    static func closed(_ s: Span<UInt8>, _ a: Int, _ hi: Int, _ e: inout Event, _ c: inout ParseContext) -> Bool {
        guard let p = MessageScan.lastPeer(s, lo: a, hi: hi) else { return false }
        p.setSource(&e)
        let preauth = MessageScan.isPreauth(s, lo: a, hi: hi)
        var kind: EventKind = preauth ? .authProbe : .disconnect
        var u = a
        var named = true
        if s.matches("invalid user ", at: a) {
            u += 13
            kind = .authProbe
        } else if s.matches("authenticating user ", at: a) {
            u += 20
            kind = .authProbe
        } else if s.matches("user ", at: a) {
            u += 5
        } else {
            named = false
        }
        set(&e, kind, .unknown)
        if named { e.user = c.symbols.intern(s, span(u, p.start - 1)) }
        if preauth { e.detail = c.symbols.intern(literal: "preauth") }
        return true
    }

    /// A pre-authentication probe with an optional `from IP [port N]` (or `Connection from IP port N`).
    static func probe(
        _ s: Span<UInt8>, _ m: Int, _ hi: Int, _ e: inout Event, _ c: inout ParseContext, _ detail: StaticString
    ) -> Bool {
        set(&e, .authProbe, .unknown)
        e.detail = c.symbols.intern(literal: detail)
        if let (_, p) = MessageScan.lastFromPeer(s, lo: m, hi: hi) { p.setSource(&e) }
        return true
    }

    /// `Unable to negotiate with IP port N: no matching key exchange method found. Their offer: …`.
    static func negotiation(_ s: Span<UInt8>, _ m: Int, _ hi: Int, _ e: inout Event, _ c: inout ParseContext) -> Bool {
        set(&e, .authProbe, .unknown)
        if s.matches("Unable to negotiate with ", at: m), let p = MessageScan.peer(s, at: m + 25, hi: hi) {
            p.setSource(&e)
        }
        if s.find("no matching key exchange", from: m, to: hi) != nil {
            e.detail = c.symbols.intern(literal: "no_matching_kex")
        } else if s.find("no matching host key", from: m, to: hi) != nil {
            e.detail = c.symbols.intern(literal: "no_matching_host_key")
        } else if s.find("no matching cipher", from: m, to: hi) != nil {
            e.detail = c.symbols.intern(literal: "no_matching_cipher")
        } else if s.find("no matching MAC", from: m, to: hi) != nil {
            e.detail = c.symbols.intern(literal: "no_matching_mac")
        } else {
            e.detail = c.symbols.intern(literal: "negotiation_failed")
        }
        return true
    }

    /// `User X from HOST not allowed because …` and `User X not allowed because …` (AllowUsers, DenyUsers,
    /// groups, locked accounts).
    static func notAllowed(_ s: Span<UInt8>, _ m: Int, _ hi: Int, _ e: inout Event, _ c: inout ParseContext) -> Bool {
        guard let na = s.findLast(" not allowed because", before: hi, notBefore: m + 4) else { return false }
        set(&e, .authFailure, .failure)
        e.detail = c.symbols.intern(literal: "not_allowed")
        let u = m + 5
        if let f = s.findLast(" from ", before: na, notBefore: u - 1) {
            e.user = c.symbols.intern(s, span(u, f))
            if let (ip, ae) = MessageScan.address(s, at: f + 6, hi: na), ae == na {
                e.sourceIP = ip
            } else {
                e.domain = c.symbols.intern(s, span(f + 6, na))
            }
        } else {
            e.user = c.symbols.intern(s, span(u, na))
        }
        return true
    }

    /// `PAM 2 more authentication failures; logname= … rhost=IP  user=X` and `PAM: Authentication failure for X
    /// from HOST [via IP]` (also `authentication error`, `User not known … for illegal user X from HOST`).
    static func pam(_ s: Span<UInt8>, _ m: Int, _ hi: Int, _ e: inout Event, _ c: inout ParseContext) -> Bool {
        if let (n, ne) = MessageScan.number(s, at: m + 4, hi: hi), s.matches(" more authentication failure", at: ne) {
            _ = n
            set(&e, .authFailure, .failure)
            e.detail = c.symbols.intern(prefix: "more_failures=", s, m + 4..<ne)
            PAMMessage.failureFields(s, m, hi, &e, &c, privilege: false)
            return true
        }
        guard s.matches("PAM: ", at: m) else { return false }
        let lower = m + 5
        guard let forAt = s.find(" for ", from: lower, to: hi) else { return false }
        let illegal = s.matches(" for illegal user ", at: forAt)
        set(&e, illegal ? .invalidUser : .authFailure, .failure)
        let u = illegal ? forAt + 18 : forAt + 5
        guard let f = s.findLast(" from ", before: hi, notBefore: u - 1) else {
            e.user = c.symbols.intern(s, span(u, hi))
            return true
        }
        e.user = c.symbols.intern(s, span(u, f))
        var hostEnd = s.tokenEnd(from: f + 6)
        if hostEnd > hi { hostEnd = hi }
        if let (ip, ae) = MessageScan.address(s, at: f + 6, hi: hostEnd), ae == hostEnd {
            e.sourceIP = ip
        } else if hostEnd > f + 6 {
            e.domain = c.symbols.intern(s, f + 6..<hostEnd)
        }
        return true
    }

    /// `shell on pts/0 for X from IP port N id 0`, `command for X from …`, `subsystem 'sftp' for X from …`.
    static func startingSession(
        _ s: Span<UInt8>, _ a: Int, _ hi: Int, _ e: inout Event, _ c: inout ParseContext
    ) -> Bool {
        guard let (f, p) = MessageScan.lastFromPeer(s, lo: a, hi: hi),
            let forAt = s.findLast(" for ", before: f + 1, notBefore: a)
        else { return false }
        set(&e, .sessionOpen, .success)
        p.setSource(&e)
        e.user = c.symbols.intern(s, span(forAt + 5, f))
        let what = s.tokenEnd(from: a)
        e.detail = c.symbols.intern(s, span(a, min(what, forAt)))
        if s.matches(" on ", at: what) {
            let t = what + 4
            let te = min(s.tokenEnd(from: t), forAt)
            e.tty = c.symbols.intern(s, span(t, te))
        }
        return true
    }
}
