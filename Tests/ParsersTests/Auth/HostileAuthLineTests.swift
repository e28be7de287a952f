import DwellCore
import DwellTestSupport
import Parsers
import Testing

/// Hostile auth lines: NUL bytes, invalid UTF-8, a 1 MiB user name, CRLF, truncation, a bare header, terminal
/// escapes in user names. None may trap; each becomes an event (raw bytes kept in its symbols) or a counted
/// rejection.
@Suite("Hostile auth lines")
struct HostileAuthLineTests {
    static let head = Array("Mar  3 04:12:09 web01 sshd[2211]: ".utf8)

    static func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    @Test func nulBytesInAUserNameAreKept() throws {
        let line = Self.head + Self.bytes("Invalid user ad") + [0, 0] + Self.bytes("min from 203.0.113.9 port 4")
        let f = try #require(ParserHarness.syslog(line).fields)
        #expect(f["kind"] == "invalid_user")
        #expect(f["src_ip"] == "203.0.113.9")
        #expect(f["user"] == "ad\u{0}\u{0}min")
    }

    @Test func invalidUTF8InAUserNameStaysBytes() throws {
        let line = Self.head + Self.bytes("Failed password for invalid user r") + [0xff, 0xc3, 0x28]
            + Self.bytes("t from 203.0.113.9 port 50122 ssh2")
        var parser = SyslogParser()
        var context = ParserHarness.context()
        let e = try #require(try ParserHarness.parse(line, with: &parser, context: &context))
        #expect(e.kind == .authFailure)
        #expect(Array(context.symbols.bytes(e.user)) == [UInt8(ascii: "r"), 0xff, 0xc3, 0x28, UInt8(ascii: "t")])
        // Shown escaped, never replaced with U+FFFD.
        #expect(context.symbols.string(e.user) == #"r\xFF\xC3(t"#)
    }

    @Test func aOneMebibyteUserNameIsParsedWhole() throws {
        let name = [UInt8](repeating: UInt8(ascii: "A"), count: 1 << 20)
        let line = Self.head + Self.bytes("Failed password for invalid user ") + name
            + Self.bytes(" from 203.0.113.9 port 50122 ssh2")
        var parser = SyslogParser()
        var context = ParserHarness.context()
        let e = try #require(try ParserHarness.parse(line, with: &parser, context: &context))
        #expect(e.kind == .authFailure)
        #expect(e.sourceIP.description == "203.0.113.9")
        #expect(context.symbols.bytes(e.user).count == 1 << 20)
    }

    @Test func crlfLineParsesAsWithoutTheCR() throws {
        let plain = Self.bytes("Mar  3 04:12:09 web01 sshd[2211]: Accepted password for deploy from 10.0.1.10 port 5 ssh2")
        #expect(ParserHarness.syslog(plain + [0x0d]) == ParserHarness.syslog(plain))
        #expect(ParserHarness.syslog(plain + [0x0d]).fields?["src_port"] == "5")
    }

    @Test func terminalEscapesInAUserNameAreKeptAsData() throws {
        let user = "\u{1b}[2J\u{1b}]0;pwned\u{07}root"
        let f = try #require(
            ParserHarness.syslog("Mar  3 04:12:09 web01 sshd[1]: Invalid user \(user) from 203.0.113.9 port 4").fields)
        #expect(f["user"] == user)
        #expect(f["kind"] == "invalid_user")
    }

    /// Every prefix of real lines: a rejection (truncated or bad time) or an event, never a trap, and a line cut
    /// inside the message still yields the header's fields.
    @Test(arguments: [
        "Mar  3 04:12:09 web01 sshd[2211]: Failed password for invalid user admin from 203.0.113.9 port 50122 ssh2",
        "2026-03-03T04:12:09.123456+01:00 web01 sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/sh",
        #"<38>1 2026-03-03T04:12:09Z web01 sshd 2211 - [m a="]"] Connection from 2001:db8::9 port 1 on 2001:db8::1 port 22"#,
        "Feb 11 15:23:17 dropbear[1252]: Exit (root) from <192.0.2.4:4711>: Disconnect received",
        "Mar  3 04:12:09 web01 su[9]: pam_unix(su:auth): authentication failure; logname=a uid=1 euid=0 tty=/dev/pts/4 ruser=a rhost=  user=root",
    ])
    func everyTruncationIsAnEventOrACountedRejection(_ full: String) {
        let bytes = Array(full.utf8)
        for n in 1...bytes.count {
            switch ParserHarness.syslog(Array(bytes.prefix(n))) {
            case .event(let f): #expect(f["kind"] != nil)
            case .nonEvent: Issue.record("prefix \(n) of \(full) is a non-event")
            case .rejected(let r):
                #expect(["truncated", "bad_timestamp", "unexpected_byte"].contains(r.reasonName), "prefix \(n): \(r)")
            }
        }
    }

    @Test(arguments: [
        "Mar  3 04:12:09 web01 sshd[2211]:", "Mar  3 04:12:09 web01 sshd[2211]: ", "Mar  3 04:12:09 web01 sshd:",
        "Mar  3 04:12:09 web01", "Mar  3 04:12:09 ", "2026-03-03T04:12:09Z web01 sshd[1]:",
    ])
    func headerOnlyLineIsAGenericEventOrARejection(_ line: String) {
        switch ParserHarness.syslog(line) {
        case .event(let f): #expect(f["kind"] == "generic", "\(line)")
        case .rejected(let r): #expect(r.reasonName == "truncated", "\(line)")
        case .nonEvent: Issue.record("\(line) is a non-event")
        }
    }

    /// Seeded byte mutations of auth lines inside an exit test: a trap fails this test, not the run.
    @Test func mutatedAuthLinesNeverTrap() async {
        await #expect(processExitsWith: .success) {
            let seeds = [
                "Mar  3 04:12:09 web01 sshd[2211]: Failed password for invalid user admin from 203.0.113.9 port 50122 ssh2",
                "Mar  3 04:12:09 web01 sshd[2211]: Connection closed by authenticating user root 203.0.113.9 port 4242 [preauth]",
                "Mar  3 04:12:09 web01 sshd[2211]: PAM 2 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.9  user=root",
                "Mar  3 04:12:09 web01 sudo: bob : 3 incorrect password attempts ; TTY=pts/1 ; PWD=/ ; USER=root ; COMMAND=/bin/sh",
                "Mar  3 04:12:09 web01 useradd[5]: new user: name=x, UID=1001, GID=1001, home=/home/x, shell=/bin/sh",
                "Mar  3 04:12:09 web01 dropbear[5]: Pubkey auth succeeded for 'root' with ssh-rsa key SHA256:x from 1.2.3.4:5",
                "<38>1 2026-03-03T04:12:09Z web01 sshd 2211 - - Accepted publickey for a from ::1 port 2 ssh2: RSA SHA256:y",
            ]
            var rng = SplitMix64(seed: 0xD0E11)
            let special: [UInt8] = [0, 0x0d, 0x20, 0xff, 0x3a, 0x5b, 0x5d, 0x27, 0x28, 0x29, 0x3b, 0x3d, 0x2e]
            for seed in seeds {
                let base = Array(seed.utf8)
                for _ in 0..<400 {
                    var line = base
                    for _ in 0..<Int(rng.next() % 4 + 1) {
                        let i = Int(rng.next() % UInt64(line.count))
                        switch rng.next() % 3 {
                        case 0: line[i] = special[Int(rng.next() % UInt64(special.count))]
                        case 1: line.remove(at: i)
                        default: line.insert(UInt8(truncatingIfNeeded: rng.next()), at: i)
                        }
                        if line.isEmpty { line = [0] }
                    }
                    _ = ParserHarness.syslog(line)
                }
            }
        }
    }
}
