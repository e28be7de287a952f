import DwellCore

/// Structures the frequent messages of old network login services that carry an address, a user or an outcome:
/// wu-ftpd/`ftpd` and Kerberos `klogind` (as on Red Hat hosts of the 2000s, e.g. loghub's Linux corpus).
///
///     connection from 84.102.20.2 (host.example) at Sun Jul 24 02:38:22 2005     ftpd      connect (service ftp)
///     ANONYMOUS FTP LOGIN FROM 84.102.20.2,  (anonymous)                         ftpd      auth_success, user anonymous
///     FTP LOGIN FROM 10.0.0.9 [10.0.0.9], alice                                  ftpd      auth_success, user alice
///     FAILED FTP LOGIN FROM 10.0.0.9 [10.0.0.9], alice                           ftpd      auth_failure
///     Authentication failed from 163.27.187.39 (163.27.187.39): Permission denied    klogind   auth_failure
///     Kerberos authentication failed                                             klogind   auth_failure, no address
///
/// Any other message stays `.generic`.
/// - Complexity: O(*n*) in the message length.
enum LegacyServiceMessage {
    static func ftpd(_ s: Span<UInt8>, _ m: Int, _ hi: Int, _ e: inout Event, _ c: inout ParseContext) {
        if s.matches("connection from ", at: m) {
            guard let (ip, _) = MessageScan.address(s, at: m + 16, hi: hi) else { return }
            e.kind = .connect
            e.sourceIP = ip
            e.service = c.symbols.intern(literal: "ftp")
            return
        }
        var k = m
        var outcome = Outcome.success
        if s.matches("FAILED ", at: k) {
            outcome = .failure
            k += 7
        }
        var anonymous = false
        if s.matches("ANONYMOUS ", at: k) {
            anonymous = true
            k += 10
        }
        guard s.matches("FTP LOGIN FROM ", at: k), let (ip, after) = MessageScan.address(s, at: k + 15, hi: hi) else {
            return
        }
        e.kind = outcome == .success ? .authSuccess : .authFailure
        e.outcome = outcome
        e.sourceIP = ip
        e.service = c.symbols.intern(literal: "ftp")
        e.authMethod = c.symbols.intern(literal: anonymous ? "anonymous" : "password")
        if anonymous {
            e.user = c.symbols.intern(literal: "anonymous")
        } else if let comma = s.firstIndex(of: UInt8(ascii: ","), from: after), comma < hi {
            let u = MessageScan.trimmed(s, comma + 1, hi)
            if !u.isEmpty { e.user = c.symbols.intern(s, u) }
        }
    }

    static func klogind(_ s: Span<UInt8>, _ m: Int, _ hi: Int, _ e: inout Event, _ c: inout ParseContext) {
        if s.matches("Authentication failed from ", at: m) {
            e.kind = .authFailure
            e.outcome = .failure
            e.service = c.symbols.intern(literal: "klogin")
            if let (ip, _) = MessageScan.address(s, at: m + 27, hi: hi) { e.sourceIP = ip }
        } else if s.matches("Kerberos authentication failed", at: m) {
            e.kind = .authFailure
            e.outcome = .failure
            e.service = c.symbols.intern(literal: "klogin")
        }
    }
}
