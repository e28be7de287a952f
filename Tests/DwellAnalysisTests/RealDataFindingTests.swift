import DwellAnalysis
import DwellCore
import DwellIngest
import DwellPipeline
import DwellTestSupport
import Foundation
import Testing

/// The crowdsec and fail2ban test logs of `../shared/realdata` (#25): each file, unseeded, with the findings its
/// name promises and the findings it must not give. Skipped when the corpus is absent.
///
/// Files that are collections of single lines from many sources (fail2ban's filter tests) promise no count-based
/// finding: no source guesses often enough. Where a file's promise needs a rule dwell does not have (bad-bot
/// agents, a fake Googlebot, which needs reverse DNS, remote file inclusion), the expectation is none and says so.
@Suite(.enabled(if: Fixture.realData != nil, "../shared/realdata is absent")) struct RealDataFindingTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var path: String
        /// Rules that must fire, each with a text its explanation holds ("" for any).
        var expected: [(rule: String, why: String)]
        var notExpected: [String]
        var testDescription: String { path }
    }

    static let quiet = ["auth.success_after_failures", "web.exploit_success", "web.webshell", "web.cve_exploit"]

    static let cases: [Case] = [
        Case(path: "auth/crowdsec-hub-tests/ssh-bf.log", expected: [("auth.bruteforce", "35.188.49.176")], notExpected: quiet),
        Case(path: "auth/crowdsec-hub-tests/sshd-logs.log", expected: [], notExpected: quiet + ["auth.bruteforce"]),
        Case(
            path: "auth/crowdsec-hub-tests/sshd-success-logs.log", expected: [],
            notExpected: quiet + ["auth.bruteforce", "auth.spraying"]),
        Case(path: "auth/crowdsec-hub-tests/pam-logs.log", expected: [("priv.sudo_failure", "")], notExpected: quiet),
        Case(path: "auth/fail2ban-tests/dropbear", expected: [], notExpected: quiet + ["auth.system_account_login"]),
        Case(path: "auth/fail2ban-tests/pam-generic", expected: [], notExpected: quiet + ["auth.system_account_login"]),
        Case(path: "auth/fail2ban-tests/sshd", expected: [], notExpected: quiet + ["auth.system_account_login"]),
        Case(
            path: "web/crowdsec-hub-tests/apache2-logs.log", expected: [("web.scanner_agent", "masscan")],
            notExpected: quiet),
        Case(
            path: "web/crowdsec-hub-tests/http-wordpress-scan.log",
            expected: [("web.probe_paths", "127.0.0.1"), ("web.probe_paths", "192.168.1.1")], notExpected: quiet),
        Case(
            path: "web/crowdsec-hub-tests/nginx-http-path-traversal.log",
            expected: [("web.exploit_attempt", "path-traversal")], notExpected: quiet),
        Case(
            path: "web/crowdsec-hub-tests/nginx-http-sqli-probing.log",
            expected: [("web.exploit_attempt", "sql-injection")], notExpected: quiet + ["web.sqli_error"]),
        Case(
            path: "web/crowdsec-hub-tests/nginx-http-xss-probing.log", expected: [("web.exploit_attempt", "xss")],
            notExpected: quiet),
        Case(path: "web/crowdsec-hub-tests/nginx_http-logs.log", expected: [], notExpected: quiet + ["web.exploit_attempt"]),
        Case(path: "web/fail2ban-tests/apache-badbots", expected: [], notExpected: quiet),
        Case(path: "web/fail2ban-tests/apache-fakegooglebot", expected: [], notExpected: quiet + ["web.scanner_agent"]),
        Case(path: "web/fail2ban-tests/apache-noscript", expected: [], notExpected: quiet),
        Case(path: "web/fail2ban-tests/nginx-bad-request", expected: [], notExpected: quiet),
        Case(
            path: "web/fail2ban-tests/nginx-botsearch", expected: [("web.probe_paths", "12.34.56.78")],
            notExpected: quiet),
        Case(
            path: "web/fail2ban-tests/nginx-http-auth", expected: [],
            notExpected: quiet + ["web.login_bruteforce", "auth.bruteforce"]),
        Case(path: "web/fail2ban-tests/php-url-fopen", expected: [], notExpected: quiet),
    ]

    @Test func everyFileOfTheFourFoldersIsListed() throws {
        let root = try #require(Fixture.realData)
        var present: [String] = []
        for folder in [
            "auth/crowdsec-hub-tests", "web/crowdsec-hub-tests", "auth/fail2ban-tests", "web/fail2ban-tests",
        ] {
            let names = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(folder).path)
            present += names.map { "\(folder)/\($0)" }
        }
        #expect(Set(present) == Set(Self.cases.map(\.path)))
    }

    @Test(arguments: cases) func findingsOfAFile(_ c: Case) throws {
        let root = try #require(Fixture.realData)
        let path = root.appendingPathComponent(c.path).path
        let run = InvestigationRun.run(paths: [path], options: IngestOptions(jobs: 1), seeds: [])
        let found = run.investigation.findings
        for (rule, why) in c.expected {
            let hit = found.first { $0.rule.name == rule && (why.isEmpty || $0.why.contains(why)) }
            #expect(hit != nil, "\(c.path): no \(rule) (\(why)); found \(found.map { "\($0.rule): \($0.why)" })")
            #expect(hit.map { $0.technique == RuleSet.standard.rule(rule).technique } ?? false)
        }
        for rule in c.notExpected {
            #expect(!found.contains { $0.rule.name == rule }, "\(c.path): unexpected \(rule)")
        }
    }
}
