import DwellCore

/// Structures `sudo` (and `sudo-rs`) command log lines.
///
///     alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id -u      privilege, success
///     bob : user NOT in sudoers ; TTY=pts/1 ; PWD=/home/bob ; USER=root ; COMMAND=/bin/sh   failure, not_in_sudoers
///     bob : 3 incorrect password attempts ; TTY=pts/1 ; …                            failure, incorrect_password_attempts=3
///
/// `user` is the invoking account, `targetUser` the `USER=` account, `tty`, `command` (everything after
/// `COMMAND=`, which sudo writes last: arguments may hold ` ; `). A reason before `TTY=` makes the outcome a
/// failure; known reasons become a short `detail` (`not_in_sudoers`, `incorrect_password_attempts=N`,
/// `password_required`, `command_not_allowed`, `not_allowed_on_host`), others are kept as they are. The PAM lines
/// of sudo (`pam_unix(sudo:auth)`, `pam_unix(sudo:session)`) are `PAMMessage`'s.
enum SudoMessage {
    static func structure(_ s: Span<UInt8>, _ m: Int, _ hi: Int, _ e: inout Event, _ c: inout ParseContext) {
        guard let sep = s.find(" : ", from: m, to: hi) else { return }
        let userRange = MessageScan.trimmed(s, m, sep)
        var r = sep + 3
        guard r < hi, s.find("USER=", from: r, to: hi) != nil || s.find("COMMAND=", from: r, to: hi) != nil else {
            return
        }
        e.kind = .privilege
        e.outcome = .success
        e.user = c.symbols.intern(s, userRange)
        if !(s.matches("TTY=", at: r) || s.matches("HOST=", at: r) || s.matches("PWD=", at: r)) {
            // A reason segment.
            let end = s.find(" ; ", from: r, to: hi) ?? hi
            e.outcome = .failure
            if s.matches("user NOT in sudoers", at: r) {
                e.detail = c.symbols.intern(literal: "not_in_sudoers")
            } else if let (_, ne) = MessageScan.number(s, at: r, hi: end), s.matches(" incorrect password attempt", at: ne) {
                e.detail = c.symbols.intern(prefix: "incorrect_password_attempts=", s, r..<ne)
            } else if s.matches("a password is required", at: r) {
                e.detail = c.symbols.intern(literal: "password_required")
            } else if s.matches("command not allowed", at: r) {
                e.detail = c.symbols.intern(literal: "command_not_allowed")
            } else if s.matches("user NOT authorized on host", at: r) {
                e.detail = c.symbols.intern(literal: "not_allowed_on_host")
            } else {
                e.detail = c.symbols.intern(s, r..<end)
            }
            r = end + 3
        }
        // Key=value segments; COMMAND= runs to the end.
        while r < hi {
            if s.matches("COMMAND=", at: r) {
                e.command = c.symbols.intern(s, r + 8..<hi)
                return
            }
            let end = s.find(" ; ", from: r, to: hi) ?? hi
            if s.matches("TTY=", at: r) {
                e.tty = c.symbols.intern(s, r + 4..<end)
            } else if s.matches("USER=", at: r) {
                e.targetUser = c.symbols.intern(s, r + 5..<end)
            }
            r = end + 3
        }
    }
}
