import DwellCore
import DwellTestSupport
import Parsers
import Testing

@Suite("W3C extended, custom LogFormat and JSON access logs")
struct W3CAndCustomFormatTests {
    @Test func fieldsHeaderDrivesTheColumnsAndMayChangeMidFile() throws {
        let lines = [
            "#Software: Microsoft Internet Information Services 10.0",
            "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken",
            "2021-04-01 00:00:21 10.0.0.5 GET /a.asp id=1 443 CORP\\bob 203.0.113.9 Mozilla/5.0+(X) - 200 0 0 65",
            "#Fields: date time c-ip cs-method cs-uri sc-status sc-bytes",
            "2021-04-01 00:00:22 203.0.113.10 POST /b.aspx?cmd=whoami 500 1234",
        ]
        let first = WebNetHarness.last(Array(lines.prefix(3)), W3CParser())
        let e1 = try #require(first.event)
        #expect(first.ip == "203.0.113.9")
        #expect(first.destination == "10.0.0.5")
        #expect(e1.destinationPort == 443)
        #expect(first.user == "CORP\\bob")
        #expect(first.path == "/a.asp")
        #expect(first.query == "id=1")
        #expect(first.userAgent == "Mozilla/5.0+(X)")
        #expect(first.referer == nil)
        #expect(e1.durationMicros == 65_000)
        #expect(first.time == "2021-04-01T00:00:21.000000Z")
        let second = WebNetHarness.last(lines, W3CParser())
        let e2 = try #require(second.event)
        #expect(second.path == "/b.aspx")
        #expect(second.query == "cmd=whoami")
        #expect(e2.httpStatus == 500)
        #expect(e2.bytesOut == 1234)
    }

    @Test func timeOnlyLogsTakeTheDateHeaderAndGMTOffset() throws {
        let r = WebNetHarness.last(
            [
                "#Date: 2000-10-09 16:44:49", "#GMT-Offset: -0800",
                "#Fields: time c-ip cs-method cs-uri-stem sc-status",
                "16:44:49 1.1.1.1 [2]USER anonymous 331",
            ], W3CParser())
        let e = try #require(r.event)
        #expect(r.time == "2000-10-10T00:44:49.000000Z")
        #expect(e.timeSource.zone == .explicit)
        #expect(r.method == "[2]USER")
    }

    @Test func quotedFieldsWithDoubledQuotes() throws {
        let r = WebNetHarness.last(
            [
                "#Fields: date time c-ip cs(User-Agent) cs(Host) sc-status",
                #"2012-08-15 17:00:00.675 "173.5.0.0" "Mozilla ""x"" y" "h.example.com" 404"#,
            ], W3CParser())
        #expect(r.ip == "173.5.0.0")
        #expect(r.userAgent == #"Mozilla "x" y"#)
        #expect(r.virtualHost == "h.example.com")
        #expect(r.time == "2012-08-15T17:00:00.675000Z")
    }

    @Test func linesBeforeAnyHeaderUseIISDefaults() throws {
        let r = WebNetHarness.last(
            ["2021-04-01 00:00:21 10.0.0.5 GET /a.asp - 80 - 203.0.113.9 UA - 200 0 0 65"], W3CParser())
        #expect(r.ip == "203.0.113.9")
        #expect(r.event?.httpStatus == 200)
    }

    @Test func customLogFormatIsCompiledAndUsed() throws {
        let format = #"%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i" %D"#
        let line =
            #"203.0.113.9 - bob [08/Jun/2020:06:49:01 +0000] "GET /a?b=\"1\" HTTP/1.1" 200 512 "-" "curl/8.0" 1234"#
        let r = WebNetHarness.last([line], ApacheLogFormatParser(format: format))
        let e = try #require(r.event, "\(String(describing: r.rejection))")
        #expect(r.ip == "203.0.113.9")
        #expect(r.user == "bob")
        #expect(r.path == "/a")
        #expect(r.query == #"b=\"1\""#)
        #expect(e.httpStatus == 200)
        #expect(e.bytesOut == 512)
        #expect(r.userAgent == "curl/8.0")
        #expect(e.durationMicros == 1234)
        #expect(WebNetHarness.detect([line], options: ParserOptions(webFormat: format)) == "apache-custom")
        #expect(WebNetHarness.last([line], ApacheLogFormatParser(format: nil)).rejection == .noFormat)
    }

    @Test func customFormatWithVhostAndForwardedFor() throws {
        let format = #"%v %{X-Forwarded-For}i %h %t "%r" %s %O %{ms}T"#
        let line =
            #"shop.example 198.51.100.1,10.0.0.2 10.0.0.2 [08/Jun/2020:06:49:01 +0000] "POST /cart HTTP/1.1" 201 77 15"#
        let r = WebNetHarness.last([line], ApacheLogFormatParser(format: format))
        #expect(r.virtualHost == "shop.example")
        #expect(r.forwardedFor == "198.51.100.1,10.0.0.2")
        #expect(r.ip == "10.0.0.2")
        #expect(r.event?.durationMicros == 15_000)
    }

    static let jsonLines = [
        #"{"time_iso8601":"2024-05-01T10:00:00+00:00","remote_addr":"203.0.113.9","remote_user":"","request":"GET /a?b=1 HTTP/1.1","status":200,"body_bytes_sent":512,"http_referer":"","http_user_agent":"curl\/8.0 \"x\"","http_x_forwarded_for":"198.51.100.2","request_time":0.004}"#,
        #"{"level":"info","ts":1714557600.5,"logger":"http.log.access","msg":"handled request","request":{"remote_ip":"203.0.113.9","remote_port":"41342","proto":"HTTP/2.0","method":"GET","host":"example.com","uri":"/a?b=1","headers":{"User-Agent":["curl/8.0 \"x\""]}},"status":200,"size":512,"duration":0.004}"#,
    ]

    @Test(arguments: jsonLines)
    func jsonAccessLinesBecomeWebRequests(_ line: String) throws {
        let r = WebNetHarness.last([line], JSONAccessLogParser())
        let e = try #require(r.event, "\(String(describing: r.rejection))")
        #expect(e.kind == .webRequest)
        #expect(r.ip == "203.0.113.9")
        #expect(r.method == "GET")
        #expect(r.path == "/a")
        #expect(r.query == "b=1")
        #expect(e.httpStatus == 200)
        #expect(e.bytesOut == 512)
        #expect(r.userAgent == #"curl/8.0 "x""#)
        #expect(e.durationMicros == 4000)
        #expect(WebNetHarness.detect([line]) == "json-access")
    }
}
