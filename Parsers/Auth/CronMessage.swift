import DwellCore

/// Structures cron job lines (Debian `CRON`, Red Hat `CROND`): routine activity, kind `.cron`.
///
///     (root) CMD (test -x /usr/sbin/anacron || run-parts --report /etc/cron.daily)
///
/// `user` and `command` are filled. The PAM session lines of cron (`pam_unix(cron:session)`) are `PAMMessage`'s
/// and are `.cron` too. Other cron messages (`(CRON) info (No MTA installed…)`) stay `.generic`.
enum CronMessage {
    static func structure(_ s: Span<UInt8>, _ m: Int, _ hi: Int, _ e: inout Event, _ c: inout ParseContext) {
        guard s[m] == UInt8(ascii: "("), let k = s.find(") CMD (", from: m + 1, to: hi) else { return }
        e.kind = .cron
        e.outcome = .success
        e.user = c.symbols.intern(s, m + 1..<k)
        var end = hi
        if end > k + 7, s[end - 1] == UInt8(ascii: ")") { end -= 1 }
        e.command = c.symbols.intern(s, k + 7..<max(k + 7, end))
    }
}
