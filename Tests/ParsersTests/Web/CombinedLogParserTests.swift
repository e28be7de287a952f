import DwellCore
import DwellTestSupport
import Parsers
import Testing

@Suite("Combined access log parser")
struct CombinedLogParserTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var line: String
        var ip: String?
        var method: String?
        var path: String?
        var query: String? = nil
        var status: Int32 = -1
        var bytes: Int64 = -1
        var userAgent: String? = nil
        var referer: String? = nil
        var user: String? = nil
        var vhost: String? = nil
        var forwardedFor: String? = nil
        var durationMicros: Int64 = -1
        var time = "2020-06-08T06:49:01.000000Z"
        var testDescription: String { String(line.prefix(60)) }
    }

    static let cases: [Case] = [
        Case(
            line:
                #"203.0.113.9 - alice [08/Jun/2020:06:49:01 +0000] "GET /a/b?x=1&y=2 HTTP/1.1" 200 803 "https://r.example/" "curl/8.0""#,
            ip: "203.0.113.9", method: "GET", path: "/a/b", query: "x=1&y=2", status: 200, bytes: 803,
            userAgent: "curl/8.0", referer: "https://r.example/", user: "alice"),
        Case(
            line: #"203.0.113.9 - - [08/Jun/2020:08:49:01 +0200] "POST /login HTTP/1.0" 302 -"#,
            ip: "203.0.113.9", method: "POST", path: "/login", status: 302),
        Case(
            line:
                #"www.example.com:443 2001:db8::7 - - [08/Jun/2020:06:49:01 +0000] "GET / HTTP/2.0" 403 6963 "-" "UA""#,
            ip: "2001:db8::7", method: "GET", path: "/", status: 403, bytes: 6963, userAgent: "UA",
            vhost: "www.example.com"),
        Case(
            line:
                #"10.0.0.5 - - [08/Jun/2020:06:49:01 +0000] "GET /x HTTP/1.1" 200 5 "-" "UA" "198.51.100.7, 10.0.0.1" 0.012"#,
            ip: "10.0.0.5", method: "GET", path: "/x", status: 200, bytes: 5, userAgent: "UA",
            forwardedFor: "198.51.100.7, 10.0.0.1", durationMicros: 12_000),
        // Hostile requests are data.
        Case(
            line: #"198.51.100.1 - - [08/Jun/2020:06:49:01 +0000] "GET /q?a=\"x\" HTTP/1.1" 400 0 "-" "-""#,
            ip: "198.51.100.1", method: "GET", path: "/q", query: #"a=\"x\""#, status: 400, bytes: 0),
        Case(
            line:
                #"198.51.100.1 - - [08/Jun/2020:06:49:01 +0000] "\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" 400 150 "-" "-""#,
            ip: "198.51.100.1", method: nil, path: #"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03"#, status: 400,
            bytes: 150),
        Case(
            line: #"198.51.100.1 - - [08/Jun/2020:06:49:01 +0000] "-" 408 0 "-" "-""#, ip: "198.51.100.1", method: nil,
            path: nil, status: 408, bytes: 0),
        Case(
            line: #"198.51.100.1 - - [08/Jun/2020:06:49:01 +0000] "" 400 0 "-" "-""#, ip: "198.51.100.1", method: nil,
            path: nil, status: 400, bytes: 0),
        Case(
            line: #"198.51.100.1 - - [08/Jun/2020:06:49:01 +0000] "GET /no-protocol" 200 1"#, ip: "198.51.100.1",
            method: "GET", path: "/no-protocol", status: 200, bytes: 1),
        Case(
            line: #"198.51.100.1 - - [08/Jun/2020:06:49:01 +0000] "GET /a b/c HTTP/1.1" 404 1"#, ip: "198.51.100.1",
            method: "GET", path: "/a b/c", status: 404, bytes: 1),
        // Apache with HostnameLookups On, a host name written after the time (Apache 2.2 custom vhost format).
        Case(
            line:
                #"66.249.66.1 - - - [08/Jun/2020:06:49:01 ] fail2ban.org "GET / HTTP/1.1" 200 814 "-" "Googlebot" + 293 1149 546"#,
            ip: "66.249.66.1", method: "GET", path: "/", status: 200, bytes: 814, userAgent: "Googlebot",
            vhost: "fail2ban.org"),
    ]

    @Test(arguments: cases)
    func accessLineBecomesWebRequest(_ c: Case) throws {
        let r = WebNetHarness.last([c.line], CombinedLogParser())
        let e = try #require(r.event, "rejected: \(String(describing: r.rejection))")
        #expect(e.kind == .webRequest)
        #expect(r.ip == c.ip)
        #expect(r.method == c.method)
        #expect(r.path == c.path)
        #expect(r.query == c.query)
        #expect(e.httpStatus == c.status)
        #expect(e.bytesOut == c.bytes)
        #expect(r.userAgent == c.userAgent)
        #expect(r.referer == c.referer)
        #expect(r.user == c.user)
        #expect(r.virtualHost == c.vhost)
        #expect(r.forwardedFor == c.forwardedFor)
        #expect(e.durationMicros == c.durationMicros)
        #expect(r.time == c.time)
    }

    @Test func lineWithoutZoneIsRecordedAsAssumedUTC() throws {
        let r = WebNetHarness.last([#"1.2.3.4 - - [08/Jun/2020:06:49:01] "GET / HTTP/1.1" 200 1"#], CombinedLogParser())
        let e = try #require(r.event)
        #expect(e.timeSource.zone == .assumedUTC)
    }

    @Test func eightKiBURLAndInvalidUTF8ArePreserved() throws {
        let long = "/" + String(repeating: "A", count: 8192)
        var bytes = Array(#"1.2.3.4 - - [08/Jun/2020:06:49:01 +0000] "GET "#.utf8) + Array(long.utf8)
        bytes += [0xff, 0xfe] + Array(#" HTTP/1.1" 200 1 "-" "x\#u{80}""#.utf8)
        let r = WebNetHarness.lastBytes([bytes], CombinedLogParser())
        let e = try #require(r.event)
        #expect(r.context.symbols.bytes(e.path).count == 8193 + 2)
        #expect(r.path?.hasSuffix("\\xFF\\xFE") == true)
    }

    @Test func oneMiBLineIsParsedOrRejectedWithoutTrapping() {
        let long = String(repeating: "B", count: 1 << 20)
        let r = WebNetHarness.last(
            [#"1.2.3.4 - - [08/Jun/2020:06:49:01 +0000] "GET /\#(long) HTTP/1.1" 200 1"#], CombinedLogParser())
        #expect(r.event != nil)
    }

    @Test func commentLinesAreNonEvents() {
        let r = WebNetHarness.last(
            [#"# failJSON: { "time": "2007-03-05T14:39:21", "match": true }"#], CombinedLogParser())
        #expect(r.event == nil && r.rejection == nil)
    }

    @Test(arguments: [
        "Mar  3 04:12:09 web01 sshd[2211]: Failed password for root from 203.0.113.9 port 5 ssh2",
        #"1.2.3.4 - - [08/Jun/2020:06:49:01 +0000] "GET / HTTP/1.1" abc 1"#,
        #"1.2.3.4 - - [32/Jun/2020:06:49:01 +0000] "GET / HTTP/1.1" 200 1"#,
        #"1.2.3.4 - - [08/Jun/2020:06:49:01 +0000] "GET / HTTP/1.1"#,
        "1.2.3.4 - - [08/Jun/2020:06:4",
        "\u{0}\u{0}\u{0}",
    ])
    func malformedLinesAreRejected(_ line: String) {
        let r = WebNetHarness.last([line], CombinedLogParser())
        #expect(r.event == nil)
        #expect(r.rejection != nil)
    }

    @Test func repeatedTimeReusesTheResolvedInstant() throws {
        let lines = [
            #"1.2.3.4 - - [08/Jun/2020:06:49:01 +0000] "GET /1 HTTP/1.1" 200 1"#,
            #"1.2.3.5 - - [08/Jun/2020:06:49:01 +0000] "GET /2 HTTP/1.1" 200 1"#,
            #"1.2.3.6 - - [08/Jun/2020:06:49:02 +0100] "GET /3 HTTP/1.1" 200 1"#,
        ]
        var parser = CombinedLogParser()
        var context = WebNetHarness.context()
        var times: [String] = []
        for l in lines {
            times.append(try #require(try WebNetHarness.parse(l, with: &parser, context: &context)).time.description)
        }
        #expect(times == ["2020-06-08T06:49:01.000000Z", "2020-06-08T06:49:01.000000Z", "2020-06-08T05:49:02.000000Z"])
    }

    @Test func errorLinesInAnAccessLogBecomeGenericEvents() throws {
        let apache = WebNetHarness.last(
            [
                "[Thu Oct 13 12:24:49.880562 2022] [auth_basic:error] [pid 10:tid 1402] [client 31.33.58.75:50229] AH01618: user sss not found: /"
            ],
            CombinedLogParser())
        let a = try #require(apache.event)
        #expect(a.kind == .generic)
        #expect(apache.ip == "31.33.58.75")
        #expect(a.sourcePort == 50229)
        #expect(apache.detail == "error")
        let nginx = WebNetHarness.last(
            [
                #"host nginx[983478]: 2023/12/09 21:35:20 [error] 983478#983478: *3 user "u" was not found in "/x", client: 192.0.2.3, server: h, request: "GET /p?q=1 HTTP/2.0", host: "h.example.com""#
            ],
            CombinedLogParser())
        #expect(nginx.ip == "192.0.2.3")
        #expect(nginx.path == "/p")
        #expect(nginx.query == "q=1")
        #expect(nginx.virtualHost == "h.example.com")
    }

    @Test func nginxErrorTakesTheLastClientAfterAnInjection() {
        let r = WebNetHarness.last(
            [
                #"2014/04/03 22:20:40 [error] 30708#0: *3 user "test": password mismatch, client: 127.0.0.1, server: test, request: "GET / HTTP/1.1", host: "localhost:8443"": was not found in "/etc/nginx/.htpasswd", client: 192.0.2.2, server: , request: "GET / HTTP/1.1", host: "localhost:8443""#
            ],
            NginxErrorLogParser())
        #expect(r.ip == "192.0.2.2")
    }

    @Test func combinedIsDetectedOnAccessLines() {
        #expect(
            WebNetHarness.detect([#"1.2.3.4 - - [08/Jun/2020:06:49:01 +0000] "GET / HTTP/1.1" 200 1 "-" "x""#])
                == "combined")
    }
}
