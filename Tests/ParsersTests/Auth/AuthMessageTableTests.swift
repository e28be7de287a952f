import DwellCore
import DwellTestSupport
import Parsers
import Testing

/// Line-by-line tables for the auth message parsers: each raw syslog line maps to the exact set of normalised
/// fields its event carries (header fields are checked in `SyslogFramingTests`). A field that is not listed must
/// be absent: a parser that invents a value fails as surely as one that loses it.
@Suite("Auth message tables")
struct AuthMessageTableTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var message: String
        var program: String
        var fields: [String: String]
        var testDescription: String { "\(program): \(message.prefix(70))" }

        init(_ program: String, _ message: String, _ fields: [String: String]) {
            self.program = program
            self.message = message
            self.fields = fields
        }

        /// The full line, RFC 3164 framed.
        var line: String { "Mar  3 04:12:09 web01 \(program)[2211]: \(message)" }
    }

    static let fp = "SHA256:mXqh1Bt0dJ1Yq6f0X4f5u9bqk0d1m2n3o4p5q6r7s8t"

    static let sshd: [Case] = [
        Case(
            "sshd", "Accepted password for deploy from 10.0.1.10 port 51234 ssh2",
            [
                "kind": "auth_success", "outcome": "success", "user": "deploy", "src_ip": "10.0.1.10",
                "src_port": "51234", "auth_method": "password", "service": "ssh",
            ]),
        Case(
            "sshd", "Accepted publickey for alice from 198.51.100.7 port 50122 ssh2: ED25519 \(fp)",
            [
                "kind": "auth_success", "outcome": "success", "user": "alice", "src_ip": "198.51.100.7",
                "src_port": "50122", "auth_method": "publickey", "key_fingerprint": fp, "detail": "ED25519",
                "service": "ssh",
            ]),
        Case(
            "sshd", "Accepted publickey for git from 2001:db8::17 port 40022 ssh2: RSA-CERT \(fp) ID ci (serial 4) CA RSA SHA256:abc",
            [
                "kind": "auth_success", "outcome": "success", "user": "git", "src_ip": "2001:db8::17",
                "src_port": "40022", "auth_method": "publickey", "key_fingerprint": fp, "detail": "RSA-CERT",
                "service": "ssh",
            ]),
        Case(
            "sshd", "Accepted keyboard-interactive/pam for bob from 192.0.2.44 port 6000 ssh2",
            [
                "kind": "auth_success", "outcome": "success", "user": "bob", "src_ip": "192.0.2.44",
                "src_port": "6000", "auth_method": "keyboard-interactive/pam", "service": "ssh",
            ]),
        Case(
            "sshd", "Accepted gssapi-with-mic for carol from 10.2.3.4 port 999 ssh2",
            [
                "kind": "auth_success", "outcome": "success", "user": "carol", "src_ip": "10.2.3.4",
                "src_port": "999", "auth_method": "gssapi-with-mic", "service": "ssh",
            ]),
        Case(
            "sshd", "Failed password for root from 203.0.113.9 port 50122 ssh2",
            [
                "kind": "auth_failure", "outcome": "failure", "user": "root", "src_ip": "203.0.113.9",
                "src_port": "50122", "auth_method": "password", "service": "ssh",
            ]),
        Case(
            "sshd", "Failed password for invalid user admin from 203.0.113.9 port 50123 ssh2",
            [
                "kind": "auth_failure", "outcome": "failure", "user": "admin", "src_ip": "203.0.113.9",
                "src_port": "50123", "auth_method": "password", "detail": "invalid_user", "service": "ssh",
            ]),
        Case(
            "sshd", "Failed none for invalid user oracle from 203.0.113.9 port 50124 ssh2",
            [
                "kind": "auth_failure", "outcome": "failure", "user": "oracle", "src_ip": "203.0.113.9",
                "src_port": "50124", "auth_method": "none", "detail": "invalid_user", "service": "ssh",
            ]),
        // A user name chosen by the attacker to look like an address clause: the rightmost clause wins.
        Case(
            "sshd", "Failed password for invalid user x from 1.2.3.4 port 1 from 203.0.113.9 port 50125 ssh2",
            [
                "kind": "auth_failure", "outcome": "failure", "user": "x from 1.2.3.4 port 1",
                "src_ip": "203.0.113.9", "src_port": "50125", "auth_method": "password", "detail": "invalid_user",
                "service": "ssh",
            ]),
        Case(
            "sshd", "Failed password for first.last-adm from 203.0.113.9 port 22 ssh2",
            [
                "kind": "auth_failure", "outcome": "failure", "user": "first.last-adm", "src_ip": "203.0.113.9",
                "src_port": "22", "auth_method": "password", "service": "ssh",
            ]),
        Case(
            "sshd", "Invalid user admin from 203.0.113.9 port 50122",
            [
                "kind": "invalid_user", "outcome": "failure", "user": "admin", "src_ip": "203.0.113.9",
                "src_port": "50122", "service": "ssh",
            ]),
        Case(
            "sshd", "Invalid user test from 203.0.113.9",
            ["kind": "invalid_user", "outcome": "failure", "user": "test", "src_ip": "203.0.113.9", "service": "ssh"]),
        Case(
            "sshd", "Connection from 203.0.113.9 port 50122 on 10.0.0.5 port 22 rdomain \"\"",
            [
                "kind": "connect", "src_ip": "203.0.113.9", "src_port": "50122", "dst_ip": "10.0.0.5",
                "dst_port": "22", "service": "ssh",
            ]),
        Case(
            "sshd", "Connection from 2001:db8::9 port 50122 on 2001:db8::1 port 22",
            [
                "kind": "connect", "src_ip": "2001:db8::9", "src_port": "50122", "dst_ip": "2001:db8::1",
                "dst_port": "22", "service": "ssh",
            ]),
        Case(
            "sshd", "Disconnected from invalid user admin 203.0.113.9 port 50122 [preauth]",
            [
                "kind": "auth_probe", "user": "admin", "src_ip": "203.0.113.9", "src_port": "50122",
                "detail": "preauth", "service": "ssh",
            ]),
        Case(
            "sshd", "Disconnected from authenticating user root 203.0.113.9 port 50122 [preauth]",
            [
                "kind": "auth_probe", "user": "root", "src_ip": "203.0.113.9", "src_port": "50122",
                "detail": "preauth", "service": "ssh",
            ]),
        Case(
            "sshd", "Disconnected from user deploy 10.0.1.10 port 51234",
            [
                "kind": "disconnect", "user": "deploy", "src_ip": "10.0.1.10", "src_port": "51234",
                "service": "ssh",
            ]),
        Case(
            "sshd", "Connection closed by authenticating user root 203.0.113.9 port 4242 [preauth]",
            [
                "kind": "auth_probe", "user": "root", "src_ip": "203.0.113.9", "src_port": "4242",
                "detail": "preauth", "service": "ssh",
            ]),
        Case(
            "sshd", "Connection closed by 203.0.113.9 port 4243 [preauth]",
            ["kind": "auth_probe", "src_ip": "203.0.113.9", "src_port": "4243", "detail": "preauth", "service": "ssh"]),
        Case(
            "sshd", "Connection closed by 203.0.113.9 [preauth]",
            ["kind": "auth_probe", "src_ip": "203.0.113.9", "detail": "preauth", "service": "ssh"]),
        Case(
            "sshd", "Received disconnect from 203.0.113.9 port 50122:11: Bye Bye [preauth]",
            ["kind": "auth_probe", "src_ip": "203.0.113.9", "src_port": "50122", "detail": "preauth", "service": "ssh"]),
        Case(
            "sshd", "Received disconnect from 10.0.1.10 port 51234:11: disconnected by user",
            ["kind": "disconnect", "src_ip": "10.0.1.10", "src_port": "51234", "service": "ssh"]),
        Case(
            "sshd", "error: maximum authentication attempts exceeded for root from 203.0.113.9 port 50122 ssh2 [preauth]",
            [
                "kind": "auth_failure", "outcome": "failure", "user": "root", "src_ip": "203.0.113.9",
                "src_port": "50122", "detail": "max_auth_attempts", "service": "ssh",
            ]),
        Case(
            "sshd",
            "error: maximum authentication attempts exceeded for invalid user pi from 203.0.113.9 port 50126 ssh2 [preauth]",
            [
                "kind": "auth_failure", "outcome": "failure", "user": "pi", "src_ip": "203.0.113.9",
                "src_port": "50126", "detail": "max_auth_attempts", "service": "ssh",
            ]),
        Case(
            "sshd", "PAM 2 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.9  user=root",
            [
                "kind": "auth_failure", "outcome": "failure", "user": "root", "src_ip": "203.0.113.9",
                "detail": "more_failures=2", "uid": "0", "service": "ssh",
            ]),
        Case(
            "sshd", "Did not receive identification string from 203.0.113.9 port 40000",
            [
                "kind": "auth_probe", "src_ip": "203.0.113.9", "src_port": "40000", "detail": "no_identification",
                "service": "ssh",
            ]),
        Case(
            "sshd", "Bad protocol version identification 'GET / HTTP/1.1' from 203.0.113.9 port 40001",
            [
                "kind": "auth_probe", "src_ip": "203.0.113.9", "src_port": "40001", "detail": "bad_protocol_version",
                "service": "ssh",
            ]),
        Case(
            "sshd", "banner exchange: Connection from 203.0.113.9 port 40002: invalid format",
            ["kind": "auth_probe", "src_ip": "203.0.113.9", "src_port": "40002", "detail": "bad_banner", "service": "ssh"]),
        Case(
            "sshd",
            "Unable to negotiate with 203.0.113.9 port 40003: no matching key exchange method found. Their offer: diffie-hellman-group1-sha1 [preauth]",
            [
                "kind": "auth_probe", "src_ip": "203.0.113.9", "src_port": "40003", "detail": "no_matching_kex",
                "service": "ssh",
            ]),
        Case(
            "sshd",
            "reverse mapping checking getaddrinfo for host.example.net [203.0.113.9] failed - POSSIBLE BREAK-IN ATTEMPT!",
            ["kind": "auth_probe", "src_ip": "203.0.113.9", "detail": "possible_break_in", "service": "ssh"]),
        Case(
            "sshd", "Starting session: shell on pts/3 for deploy from 10.0.1.10 port 51234 id 0",
            [
                "kind": "session_open", "outcome": "success", "user": "deploy", "src_ip": "10.0.1.10",
                "src_port": "51234", "tty": "pts/3", "detail": "shell", "service": "ssh",
            ]),
        // The same messages from OpenSSH 9.8's split binary.
        Case(
            "sshd-session", "Failed password for root from 203.0.113.9 port 50122 ssh2",
            [
                "kind": "auth_failure", "outcome": "failure", "user": "root", "src_ip": "203.0.113.9",
                "src_port": "50122", "auth_method": "password", "service": "ssh",
            ]),
        // An sshd message no rule knows stays generic, keeping the address it names.
        Case("sshd", "Server listening on 0.0.0.0 port 22.", ["kind": "generic"]),
        Case(
            "sshd", "Something new happened from 203.0.113.9 port 1234",
            ["kind": "generic", "src_ip": "203.0.113.9", "src_port": "1234"]),
    ]

    // sshd sets PAM_TTY to `ssh`, which is not a terminal: no tty. A sudo failure whose `user=` is the actor
    // itself names no separate target.
    static let pam: [Case] = [
        Case(
            "sshd", "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.9  user=root",
            [
                "kind": "auth_failure", "outcome": "failure", "user": "root", "src_ip": "203.0.113.9", "uid": "0",
                "service": "ssh",
            ]),
        Case(
            "sshd", "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=scanner.example.net",
            [
                "kind": "auth_failure", "outcome": "failure", "domain": "scanner.example.net", "uid": "0",
                "service": "ssh",
            ]),
        Case(
            "sshd", "pam_unix(sshd:session): session opened for user deploy(uid=1001) by (uid=0)",
            ["kind": "session_open", "outcome": "success", "user": "deploy", "uid": "1001", "service": "ssh"]),
        Case(
            "sshd", "pam_unix(sshd:session): session closed for user deploy",
            ["kind": "session_close", "outcome": "success", "user": "deploy", "service": "ssh"]),
        Case(
            "sudo", "pam_unix(sudo:session): session opened for user root(uid=0) by alice(uid=1000)",
            [
                "kind": "session_open", "outcome": "success", "user": "alice", "target_user": "root", "uid": "0",
                "service": "sudo",
            ]),
        Case(
            "sudo", "pam_unix(sudo:auth): authentication failure; logname=alice uid=1000 euid=0 tty=/dev/pts/0 ruser=alice rhost=  user=alice",
            [
                "kind": "privilege", "outcome": "failure", "user": "alice", "tty": "/dev/pts/0", "uid": "1000",
                "service": "sudo",
            ]),
        Case(
            "su", "pam_unix(su:auth): authentication failure; logname=mallory uid=1001 euid=0 tty=/dev/pts/4 ruser=mallory rhost=  user=root",
            [
                "kind": "privilege", "outcome": "failure", "user": "mallory", "target_user": "root",
                "tty": "/dev/pts/4", "uid": "1001", "service": "su",
            ]),
        Case(
            "su", "pam_unix(su-l:session): session opened for user root(uid=0) by alice(uid=1000)",
            [
                "kind": "session_open", "outcome": "success", "user": "alice", "target_user": "root", "uid": "0",
                "service": "su-l",
            ]),
        Case(
            "CRON", "pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)",
            ["kind": "cron", "outcome": "success", "user": "root", "uid": "0", "service": "cron"]),
        Case(
            "passwd", "pam_unix(passwd:chauthtok): password changed for bob",
            ["kind": "password_change", "outcome": "success", "target_user": "bob"]),
    ]

    static let privilege: [Case] = [
        Case(
            "sudo", "   alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id -u",
            [
                "kind": "privilege", "outcome": "success", "user": "alice", "target_user": "root", "tty": "pts/0",
                "command": "/usr/bin/id -u",
            ]),
        // A command's own ` ; ` belongs to the command.
        Case(
            "sudo", "alice : TTY=pts/0 ; PWD=/tmp ; USER=postgres ; COMMAND=/bin/sh -c echo a ; rm -rf /x",
            [
                "kind": "privilege", "outcome": "success", "user": "alice", "target_user": "postgres", "tty": "pts/0",
                "command": "/bin/sh -c echo a ; rm -rf /x",
            ]),
        Case(
            "sudo", "    bob : user NOT in sudoers ; TTY=pts/1 ; PWD=/home/bob ; USER=root ; COMMAND=/bin/sh",
            [
                "kind": "privilege", "outcome": "failure", "user": "bob", "target_user": "root", "tty": "pts/1",
                "command": "/bin/sh", "detail": "not_in_sudoers",
            ]),
        Case(
            "sudo", "bob : 3 incorrect password attempts ; TTY=pts/1 ; PWD=/home/bob ; USER=root ; COMMAND=/usr/bin/su",
            [
                "kind": "privilege", "outcome": "failure", "user": "bob", "target_user": "root", "tty": "pts/1",
                "command": "/usr/bin/su", "detail": "incorrect_password_attempts=3",
            ]),
        Case(
            "sudo-rs", "alice : TTY=pts/2 ; PWD=/root ; USER=root ; COMMAND=/usr/bin/apt update",
            [
                "kind": "privilege", "outcome": "success", "user": "alice", "target_user": "root", "tty": "pts/2",
                "command": "/usr/bin/apt update",
            ]),
        Case(
            "su", "Successful su for root by alice",
            ["kind": "privilege", "outcome": "success", "user": "alice", "target_user": "root"]),
        Case(
            "su", "FAILED su for root by mallory",
            ["kind": "privilege", "outcome": "failure", "user": "mallory", "target_user": "root"]),
        Case(
            "su", "+ pts/0 alice:root",
            ["kind": "privilege", "outcome": "success", "user": "alice", "target_user": "root", "tty": "pts/0"]),
        Case(
            "su", "- pts/0 mallory:root",
            ["kind": "privilege", "outcome": "failure", "user": "mallory", "target_user": "root", "tty": "pts/0"]),
        // `su -` (util-linux) writes `(to root) alice on pts/0`.
        Case(
            "su", "(to root) alice on pts/0",
            ["kind": "privilege", "outcome": "success", "user": "alice", "target_user": "root", "tty": "pts/0"]),
        Case(
            "su", "FAILED SU (to root) mallory on pts/4",
            ["kind": "privilege", "outcome": "failure", "user": "mallory", "target_user": "root", "tty": "pts/4"]),
    ]

    static let accounts: [Case] = [
        Case(
            "useradd", "new user: name=backup2, UID=1001, GID=1001, home=/home/backup2, shell=/bin/bash, from=/dev/pts/0",
            ["kind": "account_create", "outcome": "success", "target_user": "backup2", "uid": "1001"]),
        Case(
            "useradd", "new group: name=backup2, GID=1001",
            ["kind": "account_create", "outcome": "success", "detail": "backup2"]),
        Case(
            "groupadd", "group added to /etc/group: name=devs, GID=1002",
            ["kind": "account_create", "outcome": "success", "detail": "devs"]),
        Case(
            "usermod", "add 'backup2' to group 'sudo'",
            ["kind": "account_modify", "outcome": "success", "target_user": "backup2", "detail": "sudo"]),
        Case(
            "usermod", "add 'backup2' to shadow group 'sudo'",
            ["kind": "account_modify", "outcome": "success", "target_user": "backup2", "detail": "sudo"]),
        Case(
            "userdel", "delete user 'backup2'",
            ["kind": "account_delete", "outcome": "success", "target_user": "backup2"]),
        Case(
            "gpasswd", "user alice added by root to group sudo",
            ["kind": "account_modify", "outcome": "success", "target_user": "alice", "user": "root", "detail": "sudo"]),
        Case(
            "passwd", "password for 'alice' changed by 'root'",
            ["kind": "password_change", "outcome": "success", "target_user": "alice", "user": "root"]),
        Case(
            "chpasswd", "pam_unix(chpasswd:chauthtok): password changed for svc",
            ["kind": "password_change", "outcome": "success", "target_user": "svc"]),
    ]

    static let sessions: [Case] = [
        Case(
            "systemd-logind", "New session 12 of user alice.",
            ["kind": "session_open", "outcome": "success", "session": "12", "user": "alice"]),
        Case(
            "systemd-logind", "Removed session 12.", ["kind": "session_close", "outcome": "success", "session": "12"]),
        Case(
            "systemd-logind", "Session 12 logged out. Waiting for processes to exit.",
            ["kind": "logout", "outcome": "success", "session": "12"]),
        Case(
            "CRON", "(root) CMD (test -x /usr/sbin/anacron || run-parts --report /etc/cron.daily)",
            [
                "kind": "cron", "outcome": "success", "user": "root",
                "command": "test -x /usr/sbin/anacron || run-parts --report /etc/cron.daily",
            ]),
        Case("CRON", "(CRON) info (No MTA installed, discarding output)", ["kind": "generic"]),
        Case("login", "ROOT LOGIN ON tty2", ["kind": "auth_success", "outcome": "success", "user": "root", "tty": "tty2"]),
        Case(
            "login", "LOGIN ON tty1 BY alice",
            ["kind": "auth_success", "outcome": "success", "user": "alice", "tty": "tty1"]),
        Case(
            "login", "FAILED LOGIN (1) on '/dev/tty1' FOR 'root', Authentication failure",
            ["kind": "auth_failure", "outcome": "failure", "user": "root", "tty": "/dev/tty1"]),
        // Programs dwell does not structure are generic events, never rejections.
        Case("kernel", "[  0.000000] Linux version 6.1.0-18-amd64", ["kind": "generic"]),
        Case("polkitd", "Registered Authentication Agent for unix-process:1234:5678", ["kind": "generic"]),
        Case("myapp", "from 203.0.113.9 port 4 Accepted password for root", ["kind": "generic"]),
    ]

    static let dropbear: [Case] = [
        Case(
            "dropbear", "Bad password attempt for 'root' from 198.51.100.87:5543",
            [
                "kind": "auth_failure", "outcome": "failure", "user": "root", "src_ip": "198.51.100.87",
                "src_port": "5543", "auth_method": "password", "service": "ssh",
            ]),
        Case(
            "dropbear", "Login attempt for nonexistent user from ::ffff:198.51.100.215:60495",
            ["kind": "invalid_user", "outcome": "failure", "src_ip": "198.51.100.215", "src_port": "60495", "service": "ssh"]),
        Case(
            "dropbear", "Password auth succeeded for 'root' from 192.0.2.4:4711",
            [
                "kind": "auth_success", "outcome": "success", "user": "root", "src_ip": "192.0.2.4", "src_port": "4711",
                "auth_method": "password", "service": "ssh",
            ]),
        Case(
            "dropbear", "Pubkey auth succeeded for 'root' with ssh-ed25519 key \(fp) from 192.0.2.4:4711",
            [
                "kind": "auth_success", "outcome": "success", "user": "root", "src_ip": "192.0.2.4", "src_port": "4711",
                "auth_method": "publickey", "key_fingerprint": fp, "service": "ssh",
            ]),
        Case(
            "dropbear", "Child connection from 192.0.2.4:4711",
            ["kind": "connect", "src_ip": "192.0.2.4", "src_port": "4711", "service": "ssh"]),
        Case(
            "dropbear", "Exit (root) from <192.0.2.4:4711>: Disconnect received",
            ["kind": "disconnect", "user": "root", "src_ip": "192.0.2.4", "src_port": "4711", "service": "ssh"]),
    ]

    static func check(_ c: Case) throws {
        let outcome = ParserHarness.syslog(c.line)
        let fields = try #require(outcome.fields, "\(c.line) → \(outcome)")
        #expect(fields == c.fields, "\(c.line)")
        // The header is the same for every case: the event keeps program, pid, host and the message column.
        guard case .event(let header) = ParserHarness.syslog(Array(c.line.utf8), includeHeader: true) else { return }
        #expect(header["program"] == c.program)
        #expect(header["pid"] == "2211")
        #expect(header["host"] == "web01")
        // The message column points at the message's first non-space byte, so the raw text can be shown again.
        let prefix = "Mar  3 04:12:09 web01 \(c.program)[2211]: ".utf8.count
        let leading = c.message.utf8.prefix { $0 == UInt8(ascii: " ") }.count
        #expect(header["message_column"] == String(prefix + leading))
    }

    @Test(arguments: sshd) func sshdLine(_ c: Case) throws { try Self.check(c) }
    @Test(arguments: pam) func pamLine(_ c: Case) throws { try Self.check(c) }
    @Test(arguments: privilege) func sudoAndSuLine(_ c: Case) throws { try Self.check(c) }
    @Test(arguments: accounts) func accountChangeLine(_ c: Case) throws { try Self.check(c) }
    @Test(arguments: sessions) func sessionCronLoginAndOtherLine(_ c: Case) throws { try Self.check(c) }
    @Test(arguments: dropbear) func dropbearLine(_ c: Case) throws { try Self.check(c) }
}
