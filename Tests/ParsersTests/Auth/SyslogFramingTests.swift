import DwellCore
import DwellTestSupport
import Parsers
import Testing

/// Syslog framing, line by line: RFC 3164 (space- or zero-padded day, with and without pid, `<PRI>`, IP or FQDN
/// host), rsyslog's RFC 3339 (fractions, offsets) and RFC 5424 (structured data, `-` fields), and all of them mixed
/// in one file. The harness's clock is 2025-12-31T23:59:59Z in UTC, so year-less lines fall in 2025.
@Suite("Syslog framing")
struct SyslogFramingTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var line: String
        var time: String
        var timeSource: String
        var host: String?
        var program: String?
        var pid: String?
        var kind = "generic"
        var user: String? = nil
        var testDescription: String { String(line.prefix(72)) }
    }

    static let fileYear = "year=file-mtime,zone=assumed-utc"

    static let cases: [Case] = [
        Case(
            line: "Mar  3 04:12:09 web01 sshd[2211]: Failed password for root from 203.0.113.9 port 50122 ssh2",
            time: "2025-03-03T04:12:09.000000Z", timeSource: fileYear, host: "web01", program: "sshd", pid: "2211",
            kind: "auth_failure", user: "root"),
        Case(
            line: "Mar 03 04:12:09 web01 sshd[2211]: Failed password for root from 203.0.113.9 port 50122 ssh2",
            time: "2025-03-03T04:12:09.000000Z", timeSource: fileYear, host: "web01", program: "sshd", pid: "2211",
            kind: "auth_failure", user: "root"),
        Case(
            line: "Mar 3 04:12:09 web01 sshd[2211]: Failed password for root from 203.0.113.9 port 50122 ssh2",
            time: "2025-03-03T04:12:09.000000Z", timeSource: fileYear, host: "web01", program: "sshd", pid: "2211",
            kind: "auth_failure", user: "root"),
        Case(
            line: "Nov 30 23:59:59 web01 sudo: alice : TTY=pts/0 ; PWD=/ ; USER=root ; COMMAND=/bin/true",
            time: "2025-11-30T23:59:59.000000Z", timeSource: fileYear, host: "web01", program: "sudo", pid: nil,
            kind: "privilege", user: "alice"),
        Case(
            line: "<38>Mar  3 04:12:09 web01 sshd[7]: Invalid user admin from 203.0.113.9 port 4",
            time: "2025-03-03T04:12:09.000000Z", timeSource: fileYear, host: "web01", program: "sshd", pid: "7",
            kind: "invalid_user", user: "admin"),
        Case(
            line: "Mar  3 04:12:09 10.0.0.5 sshd[2211]: Invalid user admin from 203.0.113.9 port 4",
            time: "2025-03-03T04:12:09.000000Z", timeSource: fileYear, host: "10.0.0.5", program: "sshd", pid: "2211",
            kind: "invalid_user", user: "admin"),
        Case(
            line: "Mar  3 04:12:09 web01.corp.example.com su[99]: Successful su for root by alice",
            time: "2025-03-03T04:12:09.000000Z", timeSource: fileYear, host: "web01.corp.example.com", program: "su",
            pid: "99", kind: "privilege", user: "alice"),
        // No host (a local writer), and `localhost` (the file's host is used instead: none here).
        Case(
            line: "Feb 11 15:23:17 dropbear[1252]: Child connection from 192.0.2.4:4711",
            time: "2025-02-11T15:23:17.000000Z", timeSource: fileYear, host: nil, program: "dropbear", pid: "1252",
            kind: "connect"),
        Case(
            line: "Feb 11 15:23:17 localhost CRON[5]: (root) CMD (true)",
            time: "2025-02-11T15:23:17.000000Z", timeSource: fileYear, host: nil, program: "CRON", pid: "5",
            kind: "cron", user: "root"),
        // syslog-ng with fractions on an RFC 3164 time.
        Case(
            line: "Mar  3 04:12:09.250 web01 sshd[2211]: Invalid user a from 203.0.113.9",
            time: "2025-03-03T04:12:09.250000Z", timeSource: fileYear, host: "web01", program: "sshd", pid: "2211",
            kind: "invalid_user", user: "a"),
        // rsyslog RFC 3339: the offset is honoured and the time stored in UTC.
        Case(
            line: "2026-03-03T04:12:09.123456+01:00 web01 sshd[2211]: Accepted password for deploy from 10.0.1.10 port 5 ssh2",
            time: "2026-03-03T03:12:09.123456Z", timeSource: "explicit", host: "web01", program: "sshd", pid: "2211",
            kind: "auth_success", user: "deploy"),
        Case(
            line: "2026-03-03T04:12:09.123-05:30 web01 sshd[2211]: Accepted password for deploy from 10.0.1.10 port 5 ssh2",
            time: "2026-03-03T09:42:09.123000Z", timeSource: "explicit", host: "web01", program: "sshd", pid: "2211",
            kind: "auth_success", user: "deploy"),
        Case(
            line: "2026-01-01T00:00:00Z web01 systemd-logind[400]: New session 3 of user bob.",
            time: "2026-01-01T00:00:00.000000Z", timeSource: "explicit", host: "web01", program: "systemd-logind",
            pid: "400", kind: "session_open", user: "bob"),
        // A year but no offset: the year is the line's, the zone assumed.
        Case(
            line: "2026-03-03T04:12:09 web01 sshd[2211]: Invalid user a from 203.0.113.9",
            time: "2026-03-03T04:12:09.000000Z", timeSource: "year=explicit,zone=assumed-utc", host: "web01",
            program: "sshd", pid: "2211", kind: "invalid_user", user: "a"),
        // RFC 5424: PROCID is the pid, structured data is skipped (even with `]` inside a quoted value).
        Case(
            line:
                #"<38>1 2026-03-03T04:12:09.123Z web01 sshd 2211 - [meta sequenceId="1" x="a]b"] Failed password for root from 203.0.113.9 port 50122 ssh2"#,
            time: "2026-03-03T04:12:09.123000Z", timeSource: "explicit", host: "web01", program: "sshd", pid: "2211",
            kind: "auth_failure", user: "root"),
        Case(
            line: "<86>1 2026-03-03T04:12:09+02:00 web01 sudo - - - alice : TTY=pts/0 ; PWD=/ ; USER=root ; COMMAND=/bin/id",
            time: "2026-03-03T02:12:09.000000Z", timeSource: "explicit", host: "web01", program: "sudo", pid: nil,
            kind: "privilege", user: "alice"),
        Case(
            line: "<13>1 2026-03-03T04:12:09Z - - - - - hello",
            time: "2026-03-03T04:12:09.000000Z", timeSource: "explicit", host: nil, program: nil, pid: nil),
    ]

    @Test(arguments: cases)
    func headerFieldsAreNormalised(_ c: Case) throws {
        let outcome = ParserHarness.syslog(Array(c.line.utf8), includeHeader: true)
        let f = try #require(outcome.fields, "\(outcome)")
        #expect(f["time"] == c.time)
        #expect(f["time_source"] == c.timeSource)
        #expect(f["host"] == c.host)
        #expect(f["program"] == c.program)
        #expect(f["pid"] == c.pid)
        #expect(f["kind"] == c.kind)
        #expect(f["user"] == c.user)
    }

    /// One file holding all three framings: each line keeps its own time and time source, in order.
    @Test func threeFramingsMixedInOneFile() throws {
        var parser = SyslogParser()
        var context = ParserHarness.context()
        var seen: [(String, String, String)] = []
        for c in Self.cases {
            let e = try #require(try ParserHarness.parse(Array(c.line.utf8), with: &parser, context: &context))
            seen.append((e.time.description, e.timeSource.name, e.kind.name))
        }
        #expect(seen.map(\.0) == Self.cases.map(\.time))
        #expect(seen.map(\.1) == Self.cases.map(\.timeSource))
        #expect(seen.map(\.2) == Self.cases.map(\.kind))
    }

    @Test(arguments: [
        ("Mmm  3 04:12:09 web01 sshd[1]: x", "bad_timestamp"),
        ("Feb 30 04:12:09 web01 sshd[1]: x", "bad_timestamp"),
        ("Mar  3 25:12:09 web01 sshd[1]: x", "bad_timestamp"),
        ("Mar  3 04:12", "truncated"),
        ("2026-03-03T04:12:09+01:00", "truncated"),
        ("2026-13-03T04:12:09Z web01 sshd[1]: x", "bad_timestamp"),
        ("<99999>Mar  3 04:12:09 web01 sshd[1]: x", "unexpected_byte"),
        ("<38>1 - web01 sshd 1 - - x", "bad_timestamp"),
        (#"<38>1 2026-03-03T04:12:09Z web01 sshd 1 - [unclosed a="b" x"#, "truncated"),
        ("Mar  3 04:12:09 web01 sshd[2211", "truncated"),
    ])
    func brokenHeaderIsCountedRejection(_ line: String, _ reason: String) {
        guard case .rejected(let r) = ParserHarness.syslog(line) else {
            Issue.record("\(line) was not rejected: \(ParserHarness.syslog(line))")
            return
        }
        #expect(r.reasonName == reason, "\(line)")
    }

    @Test(arguments: ["", "# failJSON: { \"time\": \"2005-02-07T15:10:42\", \"match\": true }", "\tcontinued line"])
    func commentsContinuationsAndEmptyLinesAreNonEvents(_ line: String) {
        #expect(ParserHarness.syslog(line) == .nonEvent)
    }
}
