import DwellCore
import DwellTestSupport
import Parsers
import Testing

@Suite("Zeek TSV and JSON")
struct ZeekParserTests {
    static func header(_ path: String, _ fields: String) -> [String] {
        [
            "#separator \\x09", "#set_separator\t,", "#empty_field\t(empty)", "#unset_field\t-", "#path\t\(path)",
            "#open\t2023-08-16-01-28-55", "#fields\t" + fields.replacingOccurrences(of: " ", with: "\t"),
            "#types\t...",
        ]
    }

    static let connFields =
        "ts uid id.orig_h id.orig_p id.resp_h id.resp_p proto service duration orig_bytes resp_bytes conn_state local_orig local_resp missed_bytes history orig_pkts orig_ip_bytes resp_pkts resp_ip_bytes tunnel_parents"

    @Test func connLineBecomesFlowWithBytesEachWay() throws {
        let line =
            "1320279554.496300\tCg9xqq3JAcZusspA86\t192.168.2.76\t52025\t208.85.42.28\t80\ttcp\thttp\t2.125850\t10\t1092421\tSF\t-\t-\t0\tShADadFf\t400\t20800\t756\t1131733\t(empty)"
        let r = WebNetHarness.last(Self.header("conn", Self.connFields) + [line], ZeekTSVParser())
        let e = try #require(r.event, "\(String(describing: r.rejection))")
        #expect(e.kind == .flow)
        #expect(r.time == "2011-11-03T00:19:14.496300Z")
        #expect(r.uid == "Cg9xqq3JAcZusspA86")
        #expect(r.ip == "192.168.2.76")
        #expect(e.sourcePort == 52025)
        #expect(r.destination == "208.85.42.28")
        #expect(e.destinationPort == 80)
        #expect(r.networkProtocol == "tcp")
        #expect(r.service == "http")
        #expect(e.durationMicros == 2_125_850)
        #expect(e.bytesOut == 10 && e.bytesIn == 1_092_421)
        #expect(e.packetsOut == 400 && e.packetsIn == 756)
        #expect(r.detail == "SF")
    }

    /// Epoch times at the edge of what microseconds since 1970 hold: the largest passes, past it the line is
    /// rejected with its reason (a time just past the edge used to overflow and stop the process), and a duration
    /// past it is left absent.
    @Test func epochTimesPastTheMicrosecondRangeAreRejectedNotFatal() throws {
        func run(_ ts: String, duration: String = "2.125850") -> ParsedLine {
            let line =
                "\(ts)\tCg9xqq3JAcZusspA86\t192.168.2.76\t52025\t208.85.42.28\t80\ttcp\thttp\t\(duration)\t10\t1092421\tSF\t-\t-\t0\tShADadFf\t400\t20800\t756\t1131733\t(empty)"
            return WebNetHarness.last(Self.header("conn", Self.connFields) + [line], ZeekTSVParser())
        }
        let edge = run("9223372036854.775807")
        #expect(edge.event?.time.microseconds == Int64.max, "\(String(describing: edge.rejection))")
        for past in ["9223372036854.775808", "9223372036854.999999", "9223372036855", "99999999999999999999.5"] {
            let r = run(past)
            #expect(r.event == nil, "\(past)")
            if case .badTimestamp = r.rejection {} else { Issue.record("\(past): \(String(describing: r.rejection))") }
        }
        #expect(run("1320279554.496300", duration: "9223372036854.999999").event?.durationMicros == -1)
    }

    @Test func unsetFieldsStayAbsentAndSeveralHeaderBlocksAreRead() throws {
        let first =
            Self.header("conn", Self.connFields) + [
                "1692161622.036086\tCnsu5m395zFmE9ikp4\t192.168.1.41\t52605\t192.168.1.4\t53\tudp\tdns\t-\t-\t-\tSHR\tT\tT\t0\t^d\t0\t0\t1\t62\t-",
                "#close\t2023-08-16-01-28-55",
            ]
        let second =
            Self.header(
                "dns",
                "ts uid id.orig_h id.orig_p id.resp_h id.resp_p proto trans_id rtt query qclass qclass_name qtype qtype_name rcode rcode_name AA TC RD RA Z answers TTLs rejected"
            ) + [
                "1521911720.865716\tCqKst53mF3det3eDV9\t10.47.1.100\t41772\t10.0.0.100\t53\tudp\t36329\t0.000870\tise.wrccdc.org\t1\tC_INTERNET\t1\tA\t0\tNOERROR\tF\tF\tT\tT\t0\tise.wrccdc.cpp.edu,134.71.3.16\t2230.000000,41830.000000\tF"
            ]
        let conn = WebNetHarness.last(first.dropLast(), ZeekTSVParser())
        #expect(conn.event?.bytesOut == -1)
        #expect(conn.event?.durationMicros == -1)
        let dns = WebNetHarness.last(first + second, ZeekTSVParser())
        let e = try #require(dns.event)
        #expect(e.kind == .dns)
        #expect(dns.domain == "ise.wrccdc.org")
        #expect(dns.detail == "ise.wrccdc.cpp.edu")
    }

    @Test func otherLogsBecomeGenericEventsKeepingUidAndEndpoints() throws {
        let r = WebNetHarness.last(
            Self.header("radius", "ts uid id.orig_h id.orig_p id.resp_h id.resp_p username")
                + ["1692161647.5\tCabc\t10.0.0.1\t5000\t10.0.0.2\t1812\tbob"], ZeekTSVParser())
        let e = try #require(r.event)
        #expect(e.kind == .generic)
        #expect(r.uid == "Cabc")
        #expect(r.destination == "10.0.0.2")
        #expect(r.detail == "radius")
    }

    @Test("#17: ntlm.log gives the account, the client's host name, the domain and the server's name")
    func ntlmLogIsStructured() throws {
        let r = WebNetHarness.last(
            Self.header(
                "ntlm",
                "ts uid id.orig_h id.orig_p id.resp_h id.resp_p username hostname domainname server_nb_computer_name server_dns_computer_name success"
            ) + ["1692161647.5\tCabc\t10.0.0.1\t5000\t10.0.0.2\t445\tbob\tWS01\tCORP\tFILES\tfiles.corp.local\tT"],
            ZeekTSVParser())
        let e = try #require(r.event)
        #expect(e.kind == .ntlm)
        #expect(e.outcome == .success)
        #expect(r.text(e.user) == "bob")
        #expect(r.text(e.detail) == "WS01")
        #expect(r.text(e.domain) == "CORP")
        #expect(r.text(e.service) == "FILES")
    }

    @Test("#17: conn local_orig/local_resp, http MIME types and dns record types are kept")
    func localFlagsMimeTypesAndRecordTypes() throws {
        let conn = WebNetHarness.last(
            Self.header("conn", "ts uid id.orig_h id.orig_p id.resp_h id.resp_p proto local_orig local_resp")
                + ["1692161647.5\tCabc\t10.0.0.1\t5000\t203.0.113.2\t443\ttcp\tT\tF"], ZeekTSVParser())
        #expect(conn.event?.locality == Locality.originKnown | Locality.originLocal | Locality.responderKnown)
        let http = WebNetHarness.last(
            Self.header("http", "ts uid id.orig_h id.orig_p id.resp_h id.resp_p uri status_code resp_mime_types")
                + ["1692161647.5\tCabc\t10.0.0.1\t5000\t203.0.113.2\t80\t/a.exe\t200\tapplication/x-dosexec,text/plain"],
            ZeekTSVParser())
        #expect(http.detail == "application/x-dosexec")
        let dns = WebNetHarness.last(
            Self.header("dns", "ts uid id.orig_h id.orig_p id.resp_h id.resp_p query qtype_name")
                + ["1692161647.5\tCabc\t10.0.0.1\t5000\t10.0.0.53\t53\tx.example\tTXT"], ZeekTSVParser())
        #expect(dns.service == "TXT")
    }

    @Test func dataBeforeAnyHeaderIsRejected() {
        let r = WebNetHarness.last(["1692161647.5\tCabc\t10.0.0.1"], ZeekTSVParser())
        #expect(r.rejection == .unrecognized(atColumn: 0))
    }

    @Test(arguments: [
        #"{"_path":"ssh","ts":"2020-05-01T07:11:52.1Z","uid":"C1","id.orig_h":"10.0.1.5","id.orig_p":50000,"id.resp_h":"10.0.0.4","id.resp_p":22,"auth_success":true,"client":"SSH-2.0-OpenSSH_8.9"}"#,
        #"{"@stream":"ssh","@system":"nsm1","ts":1588317112.1,"uid":"C1","id_orig_h":"10.0.1.5","id_orig_p":50000,"id_resp_h":"10.0.0.4","id_resp_p":22,"auth_success":true,"client":"SSH-2.0-OpenSSH_8.9"}"#,
        #"{"ts":1588317112.1,"uid":"C1","id":{"orig_h":"10.0.1.5","orig_p":50000,"resp_h":"10.0.0.4","resp_p":22},"auth_success":true,"auth_attempts":1,"client":"SSH-2.0-OpenSSH_8.9"}"#,
    ])
    func zeekJSONKeyStylesGiveTheSameSSHEvent(_ line: String) throws {
        let r = WebNetHarness.last([line], ZeekJSONParser())
        let e = try #require(r.event, "\(String(describing: r.rejection))")
        #expect(e.kind == .sshSession)
        #expect(e.outcome == .success)
        #expect(r.ip == "10.0.1.5")
        #expect(r.destination == "10.0.0.4")
        #expect(e.destinationPort == 22)
        #expect(r.userAgent == "SSH-2.0-OpenSSH_8.9")
        #expect(r.time == "2020-05-01T07:11:52.100000Z")
        if !line.contains(#""id":{"#) { #expect(WebNetHarness.detect([line]) == "zeek-json") }
    }

    @Test func zeekJSONKerberosAndNotice() throws {
        let k = WebNetHarness.last(
            [
                #"{"_path":"kerberos","ts":1692161647.516771,"uid":"CE5w","id.orig_h":"192.168.1.41","id.orig_p":55217,"id.resp_h":"192.168.1.4","id.resp_p":88,"request_type":"AS","client":"stevie.marie/PANDALAB.COM","service":"krbtgt/PANDALAB.COM","success":false,"error_msg":"KDC_ERR_PREAUTH_FAILED"}"#
            ],
            ZeekJSONParser())
        #expect(k.event?.kind == .kerberos)
        #expect(k.event?.outcome == .failure)
        #expect(k.user == "stevie.marie/PANDALAB.COM")
        #expect(k.detail == "KDC_ERR_PREAUTH_FAILED")
        let n = WebNetHarness.last(
            [
                #"{"_path":"notice","ts":1692161647.5,"note":"SSH::Password_Guessing","msg":"203.0.113.9 appears to be guessing SSH passwords","src":"203.0.113.9"}"#
            ],
            ZeekJSONParser())
        #expect(n.event?.kind == .alert)
        #expect(n.signature == "SSH::Password_Guessing")
        #expect(n.ip == "203.0.113.9")
    }
}
