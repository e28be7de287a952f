import DwellCore
import DwellTestSupport
import Parsers
import Testing

/// What syslog carries besides auth messages: access-log lines sent through syslog (#25), reduced repeats (#17),
/// and the old services whose lines used to stay generic (#17).
@Suite struct SyslogWrappedTests {
    /// Parses lines with one `SyslogParser` (state carries from line to line, as in a file).
    static func events(_ lines: [String]) throws -> (events: [Event], symbols: SymbolTable) {
        var parser = SyslogParser()
        var context = ParserHarness.context()
        var out: [Event] = []
        for line in lines {
            if let e = try ParserHarness.parse(Array(line.utf8), with: &parser, context: &context) { out.append(e) }
        }
        return (out, context.symbols)
    }

    @Test("#25: an nginx access line sent through syslog is a web request of the syslog host")
    func nginxThroughSyslogIsAWebRequest() throws {
        let (events, symbols) = try Self.events([
            #"Dec  6 10:00:00 web3 nginx: 203.0.113.50 - - [06/Dec/2026:10:00:00 +0000] "POST /wp-login.php HTTP/1.1" 200 4500 "-" "Mozilla/5.0""#,
            #"2026-12-06T10:00:01+00:00 web4 apache2[811]: 198.51.100.3 - bob [06/Dec/2026:10:00:01 +0000] "GET /a?b=1 HTTP/1.1" 404 12 "-" "curl/8""#,
            #"Dec  6 10:00:02 web3 nginx: 2026/12/06 10:00:02 [error] 12#0: *1 open() "/x" failed (2: No such file or directory), client: 203.0.113.50"#,
            #"<190>1 2026-12-06T10:00:03Z web5 nginx - - - 203.0.113.52 - - [06/Dec/2026:10:00:03 +0000] "GET / HTTP/1.1" 200 10 "-" "x""#,
            #"Dec  6 10:00:04 web6 203.0.113.53 - - [06/Dec/2026:10:00:04 +0000] "GET / HTTP/1.1" 200 10 "-" "x""#,
        ])
        #expect(events.count == 5)
        let first = events[0]
        #expect(first.kind == .webRequest)
        #expect(symbols.string(first.host) == "web3")
        #expect(symbols.string(first.program) == "nginx")
        #expect(symbols.string(first.httpMethod) == "POST")
        #expect(symbols.string(first.path) == "/wp-login.php")
        #expect(first.httpStatus == 200)
        #expect(first.sourceIP == IPAddress("203.0.113.50"))
        #expect(first.time == Timestamp(seconds: 1_796_551_200))
        let second = events[1]
        #expect(second.kind == .webRequest)
        #expect(symbols.string(second.host) == "web4")
        #expect(symbols.string(second.user) == "bob")
        #expect(second.pid == 811)
        // An error line through syslog is no access line: it stays a syslog event.
        #expect(events[2].kind == .generic)
        #expect(symbols.string(events[2].host) == "web3")
        // RFC 5424 framing, and a collector that writes no program tag.
        #expect(events[3].kind == .webRequest && symbols.string(events[3].host) == "web5")
        #expect(events[4].kind == .webRequest && symbols.string(events[4].host) == "web6")
        #expect(events[4].program.isNone)
    }

    @Test("#17: rsyslog's `message repeated N times: [ MSG]` is MSG with a repeat count")
    func rsyslogRepeatIsTheMessageWithACount() throws {
        let (events, symbols) = try Self.events([
            "Dec  6 11:00:05 bastion sshd[7000]: message repeated 5 times: [ Failed password for root from 203.0.113.70 port 53000 ssh2]"
        ])
        let e = try #require(events.first)
        #expect(e.kind == .authFailure)
        #expect(e.repeatCount == 5)
        #expect(symbols.string(e.user) == "root")
        #expect(e.sourceIP == IPAddress("203.0.113.70"))
    }

    @Test("#17: `last message repeated N times` repeats the failure before it, and nothing else")
    func lastMessageRepeatedRepeatsTheLineBefore() throws {
        let (events, symbols) = try Self.events([
            "Dec  6 11:00:00 bastion sshd[7001]: Failed password for root from 203.0.113.71 port 53001 ssh2",
            "Dec  6 11:00:04 bastion last message repeated 3 times",
            "Dec  6 11:00:05 bastion CRON[9]: (root) CMD (true)",
            "Dec  6 11:00:06 bastion last message repeated 2 times",
        ])
        #expect(events.count == 4)
        #expect(events[1].kind == .authFailure)
        #expect(events[1].repeatCount == 3)
        #expect(events[1].time.microseconds == events[0].time.microseconds + 4_000_000)
        #expect(symbols.string(events[1].user) == "root")
        #expect(events[3].kind == .generic)
        #expect(events[3].repeatCount == 1)
    }

    static let legacy: [(String, [String: String])] = [
        (
            "Jul 24 02:38:22 combo ftpd[16780]: connection from 84.102.20.2 (84-102-20-2.example.net) at Sun Jul 24 02:38:22 2005",
            ["kind": "connect", "src_ip": "84.102.20.2", "service": "ftp"]
        ),
        (
            "Jul 24 02:38:23 combo ftpd[16781]: ANONYMOUS FTP LOGIN FROM 84.102.20.2,  (anonymous)",
            [
                "kind": "auth_success", "outcome": "success", "src_ip": "84.102.20.2", "service": "ftp",
                "user": "anonymous", "auth_method": "anonymous",
            ]
        ),
        (
            "Jul 24 02:40:00 combo ftpd[16790]: FAILED FTP LOGIN FROM 10.0.0.9 [10.0.0.9], alice",
            [
                "kind": "auth_failure", "outcome": "failure", "src_ip": "10.0.0.9", "service": "ftp", "user": "alice",
                "auth_method": "password",
            ]
        ),
        (
            "Jul 10 03:55:15 combo klogind[19287]: Authentication failed from 163.27.187.39 (163.27.187.39): Permission denied in replay cache code",
            ["kind": "auth_failure", "outcome": "failure", "src_ip": "163.27.187.39", "service": "klogin"]
        ),
        (
            "Jul 10 03:55:15 combo klogind[19272]: Kerberos authentication failed",
            ["kind": "auth_failure", "outcome": "failure", "service": "klogin"]
        ),
        ("Jul 10 03:55:15 combo ftpd[19272]: User unknown timed out after 900 seconds", ["kind": "generic"]),
    ]

    @Test("#17: frequent generic kinds of real syslog that carry an address, a user or an outcome", arguments: legacy)
    func legacyServiceLines(_ line: String, _ fields: [String: String]) {
        #expect(ParserHarness.syslog(line).fields == fields)
    }

    @Test("#17: nginx basic-auth refusals are failures with the user")
    func nginxBasicAuthFailures() throws {
        var parser = NginxErrorLogParser()
        var context = ParserHarness.context()
        let unknown = try #require(
            try ParserHarness.parse(
                Array(
                    #"2012/04/09 11:53:29 [error] 2865#0: *66647 user "xyz" was not found in "/var/www/.htpasswd", client: 192.0.43.10, server: www.myhost.com, request: "GET / HTTP/1.1", host: "www.myhost.com""#
                        .utf8), with: &parser, context: &context))
        #expect(unknown.kind == .invalidUser)
        #expect(unknown.outcome == .failure)
        #expect(context.symbols.string(unknown.user) == "xyz")
        #expect(context.symbols.string(unknown.authMethod) == "http-basic")
        let mismatch = try #require(
            try ParserHarness.parse(
                Array(
                    #"2014/04/01 22:20:38 [error] 30708#0: *3 user "a \"b\"": password mismatch, client: 10.0.2.2, server: , request: "GET / HTTP/1.1", host: "localhost:8443""#
                        .utf8), with: &parser, context: &context))
        #expect(mismatch.kind == .authFailure)
        #expect(context.symbols.string(mismatch.user) == #"a \"b\""#)
        #expect(mismatch.sourceIP == IPAddress("10.0.2.2"))
    }
}
