import DwellCore

/// Parses syslog lines as written to /var/log by rsyslog, syslog-ng or journald's forwarders: the header (time,
/// host, program, pid) and, for the programs dwell structures, the message.
///
///     Mar  3 04:12:09 web01 sshd[2211]: Accepted password for deploy from 10.0.1.10 port 51234 ssh2
///     2026-03-03T04:12:09.123456+01:00 web01 sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/sh
///     <38>1 2026-03-03T04:12:09Z web01 sshd 2211 - - Failed password for root from 203.0.113.9 port 50122 ssh2
///
/// Header forms: RFC 3164 (no year: see `FileClock`), RFC 3339 and RFC 5424, detected per line (see
/// `SyslogHeader`). Structured programs: `sshd`/`sshd-session` (`SSHDMessage`), `dropbear` (`DropbearMessage`),
/// `sudo`/`sudo-rs` (`SudoMessage`), `su` (`SuMessage`), PAM modules in any program (`PAMMessage`), the
/// shadow-utils account tools (`AccountMessage`), `systemd-logind` (`LogindMessage`), cron (`CronMessage`) and
/// `login` (`LoginMessage`).
///
/// Any other program, and any message of a structured program that matches no rule, becomes a `.generic` event
/// (program, pid, message column): well-formed syslog lines are never rejected. Rejections are for broken
/// headers only (`.badTimestamp`, `.truncated`, `.unexpectedByte`).
///
/// Access-log lines inside syslog (`web1 nginx: 203.0.113.9 - - [DATE] "POST /wp-login.php HTTP/1.1" 200 …`, as
/// nginx's `access_log syslog:server=…` and Apache piped to `logger` send them): a message of an unstructured
/// program that has the shape of a common/combined access-log line is parsed by `CombinedLogParser` into a
/// `.webRequest` event whose host is the syslog host (the web server).
///
/// Reduced repeats: rsyslog's `message repeated N times: [ MSG ]` is MSG with `repeatCount` N; old syslogd's
/// `last message repeated N times` repeats the failure (or probe) of the line before it in the file, as an event
/// of its own with `repeatCount` N (any other line before it leaves it `.generic`).
///
/// Non-events (`false`, counted by the caller): empty lines; lines starting with `#` (comments, e.g. fail2ban's
/// `# failJSON: {…}` test annotations); lines starting with a TAB (the continuation of a multi-line message, which
/// belongs to the line before it). A trailing CR (CRLF files) is ignored.
/// - Complexity: O(*n*) in the line length; no allocation once the symbol table is warm.
public struct SyslogParser: LineParser {
    /// The access-log parser for access-log lines sent through syslog.
    var web = CombinedLogParser(acceptsErrorLines: false)
    /// The last line's event when it was a failure or probe (what `last message repeated N times` repeats).
    var previous = Event()
    var hasPrevious = false

    public init() {}

    public mutating func parse(
        _ line: Span<UInt8>, into event: inout Event, context: inout ParseContext
    ) throws(LineRejection) -> Bool {
        var n = line.count
        if n > 0, line[n - 1] == 0x0d { n -= 1 }
        guard n > 0 else { return false }
        let first = line[0]
        if first == UInt8(ascii: "#") || first == 0x09 { return false }
        let s = line.extracting(0..<n)
        let header = try SyslogHeader.parse(s)
        guard let (time, source) = context.timestamp(for: header.civil) else {
            throw .badTimestamp(atColumn: header.timeStart)
        }
        event.reset(time: time, kind: .generic)
        event.timeSource = source
        header.resolveHost(s, context: &context, into: &event)
        if let pid = header.pid { event.pid = pid }
        let m = header.messageStart
        event.messageColumn = Int32(truncatingIfNeeded: m)
        var hi = n
        while hi > m, s[hi - 1] == UInt8(ascii: " ") { hi -= 1 }
        var message = m..<hi
        // Reduced repeats: `message repeated N times: [ MSG]` (rsyslog) and `last message repeated N times`.
        if hi - m > 20 {
            if s[m] == UInt8(ascii: "m"), let (count, inner) = Self.rsyslogRepeat(s, m, hi) {
                message = inner
                event.repeatCount = count
            } else if let count = Self.lastMessageRepeat(s, m, hi) {
                if hasPrevious {
                    let (source, column) = (event.timeSource, event.messageColumn)
                    event = previous
                    event.time = time
                    event.timeSource = source
                    event.messageColumn = column
                    event.repeatCount = count
                }
                return true
            }
        }
        if message.count > 30, AuthMessage.family(s, header.program) == .other,
            Self.looksLikeAccessLine(s, message)
        {
            let hostSymbol = event.host
            let inner = s.extracting(message)
            let repeats = event.repeatCount
            if (try? web.parseAccess(inner, into: &event, context: &context)) != nil {
                event.host = hostSymbol
                event.repeatCount = repeats
                if !header.program.isEmpty { event.program = context.symbols.intern(s, header.program) }
                if let pid = header.pid { event.pid = pid }
                hasPrevious = false
                return true
            }
            // Not an access line after all: the syslog event again.
            event.reset(time: time, kind: .generic)
            event.repeatCount = repeats
            event.timeSource = source
            header.resolveHost(s, context: &context, into: &event)
            if let pid = header.pid { event.pid = pid }
            event.messageColumn = Int32(truncatingIfNeeded: m)
        }
        AuthMessage.structure(s, program: header.program, message: message, into: &event, context: &context)
        switch event.kind {
        case .authFailure, .invalidUser, .authProbe:
            previous = event
            hasPrevious = true
        default:
            hasPrevious = false
        }
        return true
    }

    /// `message repeated N times: [ MSG]`: N and the range of MSG, or `nil`.
    static func rsyslogRepeat(_ s: Span<UInt8>, _ m: Int, _ hi: Int) -> (Int32, Range<Int>)? {
        guard s.matches("message repeated ", at: m) else { return nil }
        let d = m + 17
        let e = s.digitsEnd(from: d)
        guard e > d, let n = s.parseUInt(d..<e), n > 0 else { return nil }
        var k: Int
        if s.matches(" times: [", at: e) {
            k = e + 9
        } else if s.matches(" time: [", at: e) {
            k = e + 8
        } else {
            return nil
        }
        k = s.skipSpaces(from: k)
        var end = hi
        if end > k, s[end - 1] == UInt8(ascii: "]") { end -= 1 }
        while end > k, s[end - 1] == UInt8(ascii: " ") { end -= 1 }
        guard end > k else { return nil }
        return (Int32(clamping: n), k..<end)
    }

    /// `last message repeated N times` (optionally inside `--- … ---`): N, or `nil`.
    static func lastMessageRepeat(_ s: Span<UInt8>, _ m: Int, _ hi: Int) -> Int32? {
        var k = m
        if s.matches("--- ", at: k) { k += 4 }
        guard k + 22 < hi, s.matches("last message repeated ", at: k) else { return nil }
        let d = k + 22
        let e = s.digitsEnd(from: d)
        guard e > d, let n = s.parseUInt(d..<e), n > 0, s.matches(" time", at: e) else { return nil }
        return Int32(clamping: n)
    }

    /// Whether a message has the shape of a common/combined access-log line: a first word of address or host
    /// bytes, then within the next words a `[` time `]` followed by a quoted request.
    /// - Complexity: O(1) bytes read before the first space for most messages (they fail the first test).
    static func looksLikeAccessLine(_ s: Span<UInt8>, _ r: Range<Int>) -> Bool {
        let first = s[r.lowerBound]
        // An address (IPv4/IPv6) or a virtual host name starts with a letter, a digit or a colon.
        guard first &- UInt8(ascii: "0") < 10 || first | 0x20 &- UInt8(ascii: "a") < 26 || first == UInt8(ascii: ":")
        else { return false }
        guard let open = s.firstIndex(of: UInt8(ascii: "["), from: r.lowerBound), open < r.upperBound,
            open - r.lowerBound < 300, open > r.lowerBound, s[open - 1] == UInt8(ascii: " "),
            let close = s.firstIndex(of: UInt8(ascii: "]"), from: open), close - open < 40, close + 2 < r.upperBound
        else { return false }
        return s[close + 1] == UInt8(ascii: " ") && s[close + 2] == UInt8(ascii: "\"")
    }
}

/// Routes a syslog message to the parser of its program family.
enum AuthMessage {
    enum Family {
        case sshd, dropbear, sudo, su, account, logind, cron, login, ftpd, klogind, other
    }

    /// The family of a program name.
    @inline(__always)
    static func family(_ s: Span<UInt8>, _ r: Range<Int>) -> Family {
        let a = r.lowerBound
        switch r.count {
        case 2: return s.matches("su", at: a) ? .su : .other
        case 4:
            if s.matches("ftpd", at: a) { return .ftpd }
            if s.matches("sshd", at: a) { return .sshd }
            if s.matches("sudo", at: a) { return .sudo }
            if s.matches("CRON", at: a) || s.matches("cron", at: a) { return .cron }
            return .other
        case 5:
            if s.matches("crond", at: a) || s.matches("CROND", at: a) { return .cron }
            if s.matches("login", at: a) { return .login }
            return .other
        case 6:
            return s.matches("passwd", at: a) || s.matches("chage", at: a) ? .account : .other
        case 7:
            if s.matches("useradd", at: a) || s.matches("usermod", at: a) || s.matches("userdel", at: a)
                || s.matches("gpasswd", at: a) || s.matches("adduser", at: a) || s.matches("deluser", at: a)
            {
                return .account
            }
            if s.matches("klogind", at: a) { return .klogind }
            return s.matches("sudo-rs", at: a) ? .sudo : .other
        case 8:
            if s.matches("groupadd", at: a) || s.matches("groupdel", at: a) || s.matches("groupmod", at: a)
                || s.matches("chpasswd", at: a) || s.matches("newusers", at: a) || s.matches("addgroup", at: a)
                || s.matches("delgroup", at: a)
            {
                return .account
            }
            return s.matches("dropbear", at: a) ? .dropbear : .other
        case 9:
            if s.matches("groupmems", at: a) { return .account }
            return s.matches("sshd-auth", at: a) ? .sshd : .other
        case 12: return s.matches("sshd-session", at: a) ? .sshd : .other
        case 14: return s.matches("systemd-logind", at: a) ? .logind : .other
        default: return .other
        }
    }

    /// Fills the event from the message `msg` of a line from `program`. Leaves it `.generic` when no rule applies.
    static func structure(
        _ s: Span<UInt8>, program p0: Range<Int>, message msg: Range<Int>, into e: inout Event,
        context c: inout ParseContext
    ) {
        var program = p0
        // `sshd(pam_unix)[123]: authentication failure; …` (Linux-PAM before 0.99.2): the module in the name.
        var pamInName = false
        if program.count > 2, s[program.upperBound - 1] == UInt8(ascii: ")"),
            let open = s.firstIndex(of: UInt8(ascii: "("), from: program.lowerBound), open < program.upperBound,
            open > program.lowerBound
        {
            pamInName = s.matches("(pam_", at: open)
            program = program.lowerBound..<open
        }
        if !program.isEmpty { e.program = c.symbols.intern(s, program) }
        let m = msg.lowerBound
        let hi = msg.upperBound
        guard m < hi else { return }
        if pamInName {
            PAMMessage.structureBody(s, service: program, body: m, hi: hi, into: &e, context: &c)
            return
        }
        // `pam_unix(sshd:auth): …`, `pam_sss(…)`, `(pam_unix) …`, `pam_unix: …` in any program.
        if s[m] == UInt8(ascii: "p") && s.matches("pam_", at: m) || s[m] == UInt8(ascii: "(") && s.matches("(pam_", at: m) {
            if PAMMessage.structure(s, program: program, message: m, hi: hi, into: &e, context: &c) { return }
        }
        switch family(s, program) {
        case .sshd: SSHDMessage.structure(s, m, hi, &e, &c)
        case .dropbear: DropbearMessage.structure(s, m, hi, &e, &c)
        case .sudo: SudoMessage.structure(s, m, hi, &e, &c)
        case .su: SuMessage.structure(s, m, hi, &e, &c)
        case .account: AccountMessage.structure(s, m, hi, &e, &c)
        case .logind: LogindMessage.structure(s, m, hi, &e, &c)
        case .cron: CronMessage.structure(s, m, hi, &e, &c)
        case .login: LoginMessage.structure(s, m, hi, &e, &c)
        case .ftpd: LegacyServiceMessage.ftpd(s, m, hi, &e, &c)
        case .klogind: LegacyServiceMessage.klogind(s, m, hi, &e, &c)
        case .other: break
        }
    }
}
