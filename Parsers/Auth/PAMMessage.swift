import DwellCore

/// Structures Linux-PAM module messages, in whatever program logs them.
///
///     pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.9  user=root
///     pam_unix(sudo:session): session opened for user root(uid=0) by alice(uid=1000)
///     pam_unix(cron:session): session closed for user root
///     pam_unix(passwd:chauthtok): password changed for bob
///     (pam_unix) authentication failure; …              old Linux-PAM; also `sshd(pam_unix)[123]: …` in the program
///
/// The PAM service decides the kind: `sshd` → ssh logins (`service` = `ssh`); `sudo`, `sudo-i`, `su`, `su-l`,
/// `runuser`, `polkit-1` → `.privilege` (failures) and privilege sessions; `cron`/`crond` → `.cron` (routine);
/// anything else → logins to that service (`service` = the PAM service name).
///
/// Fields: `authentication failure` gives `user` (the `user=` field, else `ruser=`), `sourceIP` from `rhost=`
/// (a host name goes to `domain`), `tty`, `uidValue` (the `uid=` of the calling process); for privilege services
/// the actor is `ruser` (else `logname`) and `targetUser` the `user=` account. `session opened for user X by Y`
/// gives `user` = X, or for privilege services `user` = Y and `targetUser` = X; `uidValue` is X's uid when logged.
/// `ruser` and `rhost` may be chosen by the remote side: `rhost` is the `rhost=` whose value ends the line or is
/// followed by `user=`.
enum PAMMessage {
    enum ServiceClass {
        case ssh, privilege, cron, other
    }

    static func serviceClass(_ s: Span<UInt8>, _ r: Range<Int>) -> ServiceClass {
        if MessageScan.equals(s, r, "sshd") { return .ssh }
        if MessageScan.equals(s, r, "sudo") || MessageScan.equals(s, r, "su") || MessageScan.equals(s, r, "su-l")
            || MessageScan.equals(s, r, "sudo-i") || MessageScan.equals(s, r, "runuser")
            || MessageScan.equals(s, r, "runuser-l") || MessageScan.equals(s, r, "polkit-1")
            || MessageScan.equals(s, r, "pkexec") || MessageScan.equals(s, r, "sudo-rs")
        {
            return .privilege
        }
        if MessageScan.equals(s, r, "cron") || MessageScan.equals(s, r, "CRON") || MessageScan.equals(s, r, "crond") {
            return .cron
        }
        return .other
    }

    /// `pam_xxx(service:type): body`, `pam_xxx(type): body`, `pam_xxx: body` or `(pam_xxx) body`. The service
    /// defaults to the program. Returns `false` when the body matches no rule.
    static func structure(
        _ s: Span<UInt8>, program: Range<Int>, message m: Int, hi: Int, into e: inout Event,
        context c: inout ParseContext
    ) -> Bool {
        var service = program
        var i: Int
        if s[m] == UInt8(ascii: "(") {
            guard let close = s.firstIndex(of: UInt8(ascii: ")"), from: m), close < hi else { return false }
            i = close + 1
        } else {
            var k = m
            while k < hi, s[k] != UInt8(ascii: "("), s[k] != UInt8(ascii: ":"), s[k] != UInt8(ascii: " ") { k += 1 }
            guard k < hi else { return false }
            if s[k] == UInt8(ascii: "(") {
                guard let close = s.firstIndex(of: UInt8(ascii: ")"), from: k), close < hi else { return false }
                if let colon = s.firstIndex(of: UInt8(ascii: ":"), from: k), colon < close {
                    service = k + 1..<colon
                }
                i = close + 1
                if i < hi, s[i] == UInt8(ascii: ":") { i += 1 }
            } else if s[k] == UInt8(ascii: ":") {
                i = k + 1
            } else {
                return false
            }
        }
        i = s.skipSpaces(from: i)
        return structureBody(s, service: service, body: i, hi: hi, into: &e, context: &c)
    }

    /// The body after the module prefix.
    @discardableResult
    static func structureBody(
        _ s: Span<UInt8>, service: Range<Int>, body b: Int, hi: Int, into e: inout Event, context c: inout ParseContext
    ) -> Bool {
        guard b < hi else { return false }
        let cls = serviceClass(s, service)
        if s.matches("authentication failure", at: b) {
            e.outcome = .failure
            e.kind = cls == .privilege ? .privilege : .authFailure
            setService(s, service, cls, &e, &c)
            failureFields(s, b, hi, &e, &c, privilege: cls == .privilege)
            return true
        }
        if s.matches("session opened for user ", at: b) {
            session(s, b + 24, hi, cls, opened: true, &e, &c)
            setService(s, service, cls, &e, &c)
            return true
        }
        if s.matches("session closed for user ", at: b) {
            session(s, b + 24, hi, cls, opened: false, &e, &c)
            setService(s, service, cls, &e, &c)
            return true
        }
        if s.matches("password changed for ", at: b) {
            e.kind = .passwordChange
            e.outcome = .success
            e.targetUser = c.symbols.intern(s, b + 21..<max(b + 21, hi))
            return true
        }
        if s.matches("check pass; user unknown", at: b) {
            e.kind = .invalidUser
            e.outcome = .failure
            setService(s, service, cls, &e, &c)
            return true
        }
        return false
    }

    static func setService(
        _ s: Span<UInt8>, _ service: Range<Int>, _ cls: ServiceClass, _ e: inout Event, _ c: inout ParseContext
    ) {
        e.service = cls == .ssh ? c.symbols.intern(literal: "ssh") : c.symbols.intern(s, service)
    }

    /// Reads `logname= uid= euid= tty= ruser= rhost= [user=]` from an authentication-failure message.
    static func failureFields(
        _ s: Span<UInt8>, _ b: Int, _ hi: Int, _ e: inout Event, _ c: inout ParseContext, privilege: Bool
    ) {
        if let r = MessageScan.keyValue(s, " uid=", lo: b, hi: hi), let v = s.parseUInt(r), v <= UInt64(Int64.max) {
            e.uidValue = Int64(v)
        }
        if let r = MessageScan.keyValue(s, " tty=", lo: b, hi: hi), !r.isEmpty {
            // sshd sets PAM_TTY to "ssh" (old versions "NODEVssh"): not a terminal.
            let isSSH = r.count == 3 && s.matches("ssh", at: r.lowerBound)
                || r.count == 8 && s.matches("NODEVssh", at: r.lowerBound)
            if !isSSH { e.tty = c.symbols.intern(s, r) }
        }
        let logname = MessageScan.keyValue(s, "logname=", lo: b, hi: hi)
        guard let ru = s.find(" ruser=", from: b, to: hi) else { return }
        // Choose the rhost= whose value ends the message or is followed by user=.
        var rhostKey: Int?
        var from = ru + 7
        var first: Int?
        while let k = s.find(" rhost=", from: from, to: hi) {
            if first == nil { first = k }
            let v = k + 7
            var ve = v
            while ve < hi, s[ve] != UInt8(ascii: " ") { ve += 1 }
            let after = s.skipSpaces(from: ve)
            if after >= hi || s.matches("user=", at: after) {
                rhostKey = k
                break
            }
            from = k + 1
        }
        guard let rk = rhostKey ?? first else { return }
        let ruser = ru + 7..<rk
        let v = rk + 7
        var ve = v
        while ve < hi, s[ve] != UInt8(ascii: " ") { ve += 1 }
        if ve > v {
            if let (ip, ae) = MessageScan.address(s, at: v, hi: ve), ae == ve {
                e.sourceIP = ip
            } else {
                e.domain = c.symbols.intern(s, v..<ve)
            }
        }
        var user = ve..<ve
        let after = s.skipSpaces(from: ve)
        if s.matches("user=", at: after) { user = after + 5..<hi }
        if privilege {
            let actor = !ruser.isEmpty ? ruser : (logname ?? ruser)
            e.user = c.symbols.intern(s, actor)
            if !user.isEmpty { e.targetUser = c.symbols.intern(s, user) }
            if e.targetUser == e.user { e.targetUser = .none }
        } else {
            e.user = c.symbols.intern(s, user.isEmpty ? ruser : user)
        }
    }

    /// `X[(uid=N)] [by [Y][(uid=M)]]` after `session opened for user ` / `session closed for user `.
    static func session(
        _ s: Span<UInt8>, _ a: Int, _ hi: Int, _ cls: ServiceClass, opened: Bool, _ e: inout Event,
        _ c: inout ParseContext
    ) {
        var accountEnd = hi
        var by: Range<Int> = hi..<hi
        if let k = s.findLast(" by ", before: hi, notBefore: a) {
            accountEnd = k
            by = k + 4..<hi
        }
        var account = a..<accountEnd
        if let (name, uid) = uidSuffix(s, account) {
            account = name
            if let uid { e.uidValue = uid }
        }
        var actor = by
        if let (name, _) = uidSuffix(s, by) { actor = name }
        e.outcome = .success
        switch cls {
        case .cron:
            e.kind = .cron
            e.user = c.symbols.intern(s, account)
        case .privilege:
            e.kind = opened ? .sessionOpen : .sessionClose
            if !actor.isEmpty {
                e.user = c.symbols.intern(s, actor)
                e.targetUser = c.symbols.intern(s, account)
            } else if opened {
                e.user = c.symbols.intern(s, account)
            } else {
                e.targetUser = c.symbols.intern(s, account)
            }
        case .ssh, .other:
            e.kind = opened ? .sessionOpen : .sessionClose
            e.user = c.symbols.intern(s, account)
        }
    }

    /// Splits `name(uid=N)` into the name and N; `(uid=0)` alone gives an empty name.
    static func uidSuffix(_ s: Span<UInt8>, _ r: Range<Int>) -> (Range<Int>, Int64?)? {
        guard r.count >= 7, s[r.upperBound - 1] == UInt8(ascii: ")"),
            let open = s.lastIndex(of: UInt8(ascii: "("), before: r.upperBound), open >= r.lowerBound,
            s.matches("(uid=", at: open)
        else { return nil }
        var uid: Int64?
        if let v = s.parseUInt(open + 5..<r.upperBound - 1), v <= UInt64(Int64.max) { uid = Int64(v) }
        return (r.lowerBound..<open, uid)
    }
}
