import DwellCore

/// Structures `systemd-logind` session messages.
///
///     New session 12 of user alice.                          session_open, sessionID 12, user alice
///     Removed session 12.                                    session_close, sessionID 12
///     Session 12 logged out. Waiting for processes to exit.  logout, sessionID 12
enum LogindMessage {
    static func structure(_ s: Span<UInt8>, _ m: Int, _ hi: Int, _ e: inout Event, _ c: inout ParseContext) {
        if s.matches("New session ", at: m) {
            let idStart = m + 12
            let idEnd = s.tokenEnd(from: idStart)
            guard idEnd < hi, s.matches(" of user ", at: idEnd) else { return }
            var u = hi
            if u > idEnd + 9, s[u - 1] == UInt8(ascii: ".") { u -= 1 }
            e.kind = .sessionOpen
            e.outcome = .success
            e.sessionID = c.symbols.intern(s, idStart..<idEnd)
            e.user = c.symbols.intern(s, idEnd + 9..<max(idEnd + 9, u))
        } else if s.matches("Removed session ", at: m) {
            var end = hi
            if end > m + 16, s[end - 1] == UInt8(ascii: ".") { end -= 1 }
            e.kind = .sessionClose
            e.outcome = .success
            e.sessionID = c.symbols.intern(s, m + 16..<max(m + 16, end))
        } else if s.matches("Session ", at: m) {
            let idEnd = s.tokenEnd(from: m + 8)
            guard idEnd < hi, s.matches(" logged out", at: idEnd) else { return }
            e.kind = .logout
            e.outcome = .success
            e.sessionID = c.symbols.intern(s, m + 8..<idEnd)
        }
    }
}
