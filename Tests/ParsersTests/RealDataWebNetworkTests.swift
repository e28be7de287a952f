import DwellCore
import DwellTestSupport
import Foundation
import Parsers
import Testing

/// Every file of the shared real-log corpus (`../shared/realdata/web` and `/network`) is detected as the expected
/// format and parses with no rejection other than the documented ones below.
@Suite("Real web and network logs")
struct RealDataWebNetworkTests {
    /// Expected format per file (relative to `realdata/`).
    static let expectedFormats: [String: String] = [
        "web/crowdsec-hub-tests/apache2-logs.log": "combined",
        "web/crowdsec-hub-tests/http-wordpress-scan.log": "combined",
        "web/crowdsec-hub-tests/nginx-http-path-traversal.log": "combined",
        "web/crowdsec-hub-tests/nginx-http-sqli-probing.log": "combined",
        "web/crowdsec-hub-tests/nginx-http-xss-probing.log": "combined",
        "web/crowdsec-hub-tests/nginx_http-logs.log": "combined",
        "web/fail2ban-tests/apache-badbots": "combined",
        "web/fail2ban-tests/apache-fakegooglebot": "combined",
        "web/fail2ban-tests/apache-noscript": "apache-error",
        "web/fail2ban-tests/nginx-bad-request": "combined",
        "web/fail2ban-tests/nginx-botsearch": "combined",
        "web/fail2ban-tests/nginx-http-auth": "nginx-error",
        "web/fail2ban-tests/php-url-fopen": "combined",
        "web/lnav-tests/logfile_access_log.0": "combined",
        "web/lnav-tests/logfile_shop_access_log.0": "combined",
        "web/lnav-tests/logfile_w3c.0": "w3c",
        "web/lnav-tests/logfile_w3c.1": "w3c",
        "web/lnav-tests/logfile_w3c.2": "w3c",
        "web/lnav-tests/logfile_w3c.3": "w3c",
        "web/lnav-tests/logfile_w3c.4": "w3c",
        "web/lnav-tests/logfile_w3c.5": "w3c",
        "web/lnav-tests/logfile_w3c.6": "w3c",
        "web/lnav-tests/logfile_w3c_big.0": "w3c",
        "web/plaso-test-data/iis10.log": "w3c",
        "web/plaso-test-data/iis10_edge_cases.log": "w3c",
        "web/plaso-test-data/iis6.log": "w3c",
        "web/plaso-test-data/iis_without_date.log": "w3c",
        "network/iptables-crowdsec-hub-tests/iptables-logs.log": "netfilter",
        "network/iptables-crowdsec-hub-tests/proxmox-iptables.log": "netfilter",
        "network/suricata-eve-crowdsec-hub-tests/suricata-eve-detect.log": "suricata-eve",
        "network/suricata-eve-crowdsec-hub-tests/suricata-logs-evelog.log": "suricata-eve",
        "network/suricata-eve-frankhassanabad-first-org-conf-2015/alerts-only.json": "suricata-eve",
        "network/suricata-eve-frankhassanabad-first-org-conf-2015/alerts-only.ndjson": "suricata-eve",
        "network/suricata-eve-frankhassanabad-wrccdc-2017/alerts-only.json": "suricata-eve",
        "network/suricata-eve-frankhassanabad-wrccdc-2017/alerts-only.ndjson": "suricata-eve",
        "network/zeek-json-otrf-apt29-day2/NEWYORK_conn.log": "zeek-json",
        "network/zeek-json-otrf-apt29-day2/SCRANTON_conn.log": "zeek-json",
        "network/zeek-json-otrf-apt29-day2/UTICA-A_conn.log": "zeek-json",
        "network/zeek-json-otrf-apt29-day2/UTICA-A_dns.log": "zeek-json",
        "network/zeek-json-otrf-apt29-day2/UTICA-A_http.log": "zeek-json",
        "network/zeek-tsv-lnav-tests/logfile_bro_conn.log.0": "zeek-tsv",
        "network/zeek-tsv-lnav-tests/logfile_bro_http.log.0": "zeek-tsv",
        "network/zeek-tsv-otrf-lsass-campaign-01/conn.log": "zeek-tsv",
        "network/zeek-tsv-otrf-lsass-campaign-01/dns.log": "zeek-tsv",
        "network/zeek-tsv-otrf-lsass-campaign-01/http.log": "zeek-tsv",
        "network/zeek-tsv-otrf-lsass-campaign-01/kerberos.log": "zeek-tsv",
        "network/zeek-tsv-otrf-lsass-campaign-01/smb_mapping.log": "zeek-tsv",
        "network/zeek-wrccdc2018-zed-sample-data/dns.json": "zeek-json",
        "network/zeek-wrccdc2018-zed-sample-data/dns.log": "zeek-tsv",
    ]

    /// Rejections that are expected, by file and line number, with the reason they are right.
    static let documentedRejections: [String: [Int: String]] = [:]

    static var files: [String] {
        guard let root = WebNetHarness.realdataRoot() else { return [] }
        return ["web", "network"].flatMap { family in
            WebNetHarness.files(under: root.appendingPathComponent(family)).filter { !$0.hasSuffix("README.md") }
                .map { "\(family)/\($0)" }
        }
    }

    @Test(.enabled(if: WebNetHarness.realdataRoot() != nil, "../shared/realdata is absent"))
    func corpusIsPresent() throws {
        #expect(Self.files.count >= 49)
        for file in Self.files {
            #expect(Self.expectedFormats[file] != nil, "no expected format listed for \(file)")
        }
    }

    @Test(arguments: RealDataWebNetworkTests.files)
    func fileIsDetectedAndParsesWithoutUnexplainedRejections(_ file: String) throws {
        let root = try #require(WebNetHarness.realdataRoot())
        let result = try WebNetHarness.run(file: root.appendingPathComponent(file))
        #expect(result.format == Self.expectedFormats[file], "\(file): detected \(result.format ?? "nothing")")
        let allowed = Self.documentedRejections[file] ?? [:]
        for r in result.rejections where allowed[r.line] == nil {
            Issue.record("\(file):\(r.line): \(r.reason) — \(r.text.prefix(200))")
        }
        #expect(!result.events.isEmpty, "\(file): no events")
    }
}
