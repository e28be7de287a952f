import DwellCore
import DwellTestSupport
import Foundation
import Parsers
import Testing

/// AWS load balancer access logs (issue #4): Application Load Balancer and Classic Load Balancer lines, field by
/// field; detection beside the other web and network formats; hostile and damaged lines.
@Suite("AWS ELB/ALB access log parser")
struct ELBAccessLogParserTests {
    static let arn = "arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/web/73e2d6bc24d8a067"
    static let cert = "arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012"
    static let lb = "app/web-lb/50dc6c495c0c9188"

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var line: String
        var variant: ELBAccessLogParser.Variant = .application
        var time: String
        var host: String
        var ip: String
        var port: UInt16
        var destination: String? = nil
        var destinationPort: UInt16? = nil
        var method: String? = nil
        var path: String? = nil
        var query: String? = nil
        var version: String? = nil
        var status: Int32 = -1
        var bytesIn: Int64 = -1
        var bytesOut: Int64 = -1
        var userAgent: String? = nil
        var vhost: String? = nil
        var durationMicros: Int64 = -1
        var service: String? = nil
        var detail: String? = nil
        var signature: String? = nil
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "ALB http, no SNI: the vhost comes from the URL, the time from request_creation_time",
            line:
                #"http 2026-03-11T19:21:41.512345Z \#(lb) 203.0.113.45:51234 10.0.1.20:80 0.000 0.001 0.000 200 200 34 366 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.46.0" - - \#(arn) "Root=1-58337262-36d228ad5d99923122bbe354" "-" "-" 0 2026-03-11T19:21:41.510000Z "forward" "-" "-" "10.0.1.20:80" "200" "-" "-""#,
            time: "2026-03-11T19:21:41.510000Z", host: lb, ip: "203.0.113.45", port: 51234, destination: "10.0.1.20",
            destinationPort: 80, method: "GET", path: "/", version: "HTTP/1.1", status: 200, bytesIn: 34,
            bytesOut: 366, userAgent: "curl/7.46.0", vhost: "www.example.com", durationMicros: 1000, service: "http"),
        Case(
            name: "ALB https with SNI, query, TLS, an Acceptable classification (no signature) and conn_trace_id",
            line:
                #"https 2026-03-11T19:22:02.117220Z \#(lb) 203.0.113.45:51240 10.0.1.21:443 0.086 0.048 0.037 200 200 0 57 "GET https://shop.example.com:443/login?next=%2Fadmin HTTP/1.1" "Mozilla/5.0 (X11; Linux x86_64)" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 \#(arn) "Root=1-58337281-1d84f3d73c47ec4e58577259" "shop.example.com" "\#(cert)" 1 2026-03-11T19:22:01.945000Z "authenticate,forward" "-" "-" "10.0.1.21:443" "200" "Acceptable" "AmbiguousUri" TID_1234abcd5678ef90"#,
            time: "2026-03-11T19:22:01.945000Z", host: lb, ip: "203.0.113.45", port: 51240, destination: "10.0.1.21",
            destinationPort: 443, method: "GET", path: "/login", query: "next=%2Fadmin", version: "HTTP/1.1",
            status: 200, bytesIn: 0, bytesOut: 57, userAgent: "Mozilla/5.0 (X11; Linux x86_64)",
            vhost: "shop.example.com", durationMicros: 171_000, service: "https"),
        Case(
            name: "ALB h2 from an IPv6 client (no brackets: the port follows the last colon)",
            line:
                #"h2 2026-03-11T19:23:10.000001Z \#(lb) 2001:db8:10::7:61000 10.0.1.20:8080 0.000 0.002 0.000 404 404 112 95 "POST https://api.example.com:443/v2/items?id=7 HTTP/2.0" "python-requests/2.31.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 \#(arn) "Root=1-58337281-1d84f3d73c47ec4e58577260" "api.example.com" "session-reused" 2 2026-03-11T19:23:09.990001Z "forward" "-" "-" "10.0.1.20:8080" "404" "-" "-""#,
            time: "2026-03-11T19:23:09.990001Z", host: lb, ip: "2001:db8:10::7", port: 61000,
            destination: "10.0.1.20", destinationPort: 8080, method: "POST", path: "/v2/items", query: "id=7",
            version: "HTTP/2.0", status: 404, bytesIn: 112, bytesOut: 95, userAgent: "python-requests/2.31.0",
            vhost: "api.example.com", durationMicros: 2000, service: "h2"),
        Case(
            name: "ALB ws: an hour-long WebSocket is dated when it opened",
            line:
                #"ws 2026-03-11T20:00:00.000000Z \#(lb) 203.0.113.45:51300 10.0.1.22:8010 0.000 3599.123 0.000 101 101 218 587 "GET http://chat.example.com:80/socket HTTP/1.1" "-" - - \#(arn) "Root=1-58337364-23a8c76965a2ef7629b185e3" "-" "-" 3 2026-03-11T19:00:00.876000Z "forward" "-" "-" "10.0.1.22:8010" "101" "-" "-""#,
            time: "2026-03-11T19:00:00.876000Z", host: lb, ip: "203.0.113.45", port: 51300,
            destination: "10.0.1.22", destinationPort: 8010, method: "GET", path: "/socket", version: "HTTP/1.1",
            status: 101, bytesIn: 218, bytesOut: 587, vhost: "chat.example.com", durationMicros: 3_599_123_000,
            service: "ws"),
        Case(
            name: "ALB grpcs",
            line:
                #"grpcs 2026-03-11T19:26:00.100000Z \#(lb) 203.0.113.46:40123 10.0.1.23:50051 0.001 0.004 0.001 200 200 74 55 "POST https://grpc.example.com:443/helloworld.Greeter/SayHello HTTP/2.0" "grpc-go/1.59.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 \#(arn) "Root=1-5a3c1c3e-4e5f6a7b8c9d0e1f2a3b4c5d" "grpc.example.com" "\#(cert)" 4 2026-03-11T19:26:00.094000Z "forward" "-" "-" "10.0.1.23:50051" "200" "-" "-""#,
            time: "2026-03-11T19:26:00.094000Z", host: lb, ip: "203.0.113.46", port: 40123,
            destination: "10.0.1.23", destinationPort: 50051, method: "POST", path: "/helloworld.Greeter/SayHello",
            version: "HTTP/2.0", status: 200, bytesIn: 74, bytesOut: 55, userAgent: "grpc-go/1.59.0",
            vhost: "grpc.example.com", durationMicros: 6000, service: "grpcs"),
        Case(
            name: "ALB 460: the client left; no target, -1 times, - target status",
            line:
                #"https 2026-03-11T19:24:00.300000Z \#(lb) 198.51.100.7:40000 - -1 -1 -1 460 - 120 0 "GET https://shop.example.com:443/uploads/shell.php?cmd=id HTTP/1.1" "sqlmap/1.7.2#stable (https://sqlmap.org)" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 - "Root=1-58337364-23a8c76965a2ef7629b185e4" "shop.example.com" "\#(cert)" 0 2026-03-11T19:23:59.100000Z "forward" "-" "-" "-" "-" "-" "-""#,
            time: "2026-03-11T19:23:59.100000Z", host: lb, ip: "198.51.100.7", port: 40000, method: "GET",
            path: "/uploads/shell.php", query: "cmd=id", version: "HTTP/1.1", status: 460, bytesIn: 120, bytesOut: 0,
            userAgent: "sqlmap/1.7.2#stable (https://sqlmap.org)", vhost: "shop.example.com", service: "https"),
        Case(
            name: "ALB 502 with an error reason: the target is known, its times are not",
            line:
                #"http 2026-03-11T19:25:00.000000Z \#(lb) 198.51.100.8:40001 10.0.1.20:80 0.000 -1 -1 502 - 200 272 "GET http://www.example.com:80/ HTTP/1.1" "curl/8.0" - - \#(arn) "Root=1-58337364-23a8c76965a2ef7629b185e5" "-" "-" 0 2026-03-11T19:24:59.998000Z "forward" "-" "TargetConnectionErrorCode" "10.0.1.20:80" "-" "-" "-""#,
            time: "2026-03-11T19:24:59.998000Z", host: lb, ip: "198.51.100.8", port: 40001, destination: "10.0.1.20",
            destinationPort: 80, method: "GET", path: "/", version: "HTTP/1.1", status: 502, bytesIn: 200,
            bytesOut: 272, userAgent: "curl/8.0", vhost: "www.example.com", service: "http",
            detail: "TargetConnectionErrorCode"),
        Case(
            name: "ALB line with fields AWS has not defined yet after conn_trace_id; a Severe desync classification",
            line:
                #"https 2026-03-11T19:27:00.500000Z \#(lb) 203.0.113.47:41000 - -1 -1 -1 400 - 310 0 "POST https://shop.example.com:443/api HTTP/1.1" "smuggler" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.3 - "Root=1-58337364-23a8c76965a2ef7629b185e6" "shop.example.com" "\#(cert)" - 2026-03-11T19:27:00.499000Z "-" "-" "-" "-" "-" "Severe" "BothTeClPresent" TID_aabbccdd "a future field" 42 -"#,
            time: "2026-03-11T19:27:00.499000Z", host: lb, ip: "203.0.113.47", port: 41000, method: "POST",
            path: "/api", version: "HTTP/1.1", status: 400, bytesIn: 310, bytesOut: 0, userAgent: "smuggler",
            vhost: "shop.example.com", service: "https", signature: "BothTeClPresent"),
        Case(
            name: "ALB line of 2016 (ends after trace_id): dated by its time field",
            line:
                #"http 2016-08-10T22:08:42.945958Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.000 0.001 0.000 200 200 34 366 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.46.0" - - \#(arn) "Root=1-58337262-36d228ad5d99923122bbe354""#,
            time: "2016-08-10T22:08:42.945958Z", host: "app/my-loadbalancer/50dc6c495c0c9188", ip: "192.168.131.39",
            port: 2817, destination: "10.0.0.1", destinationPort: 80, method: "GET", path: "/", version: "HTTP/1.1",
            status: 200, bytesIn: 34, bytesOut: 366, userAgent: "curl/7.46.0", vhost: "www.example.com",
            durationMicros: 1000, service: "http"),
        Case(
            name: "ALB request the LB could not read: \"- - - \"",
            line:
                #"http 2026-03-11T19:28:00.000000Z \#(lb) 203.0.113.48:42000 - -1 -1 -1 400 - 0 272 "- - - " "-" - - - "-" "-" "-" - 2026-03-11T19:28:00.000000Z "-" "-" "-" "-" "-" "-" "-""#,
            time: "2026-03-11T19:28:00.000000Z", host: lb, ip: "203.0.113.48", port: 42000, status: 400, bytesIn: 0,
            bytesOut: 272, service: "http"),
        Case(
            name: "ALB escaped quotes in the request and the user agent are kept as logged",
            line:
                #"http 2026-03-11T19:29:00.000000Z \#(lb) 203.0.113.49:42001 10.0.1.20:80 0.000 0.001 0.000 400 400 90 12 "GET http://www.example.com:80/q?a=\"x\" HTTP/1.1" "Mozilla \"evil\" agent" - -"#,
            time: "2026-03-11T19:29:00.000000Z", host: lb, ip: "203.0.113.49", port: 42001, destination: "10.0.1.20",
            destinationPort: 80, method: "GET", path: "/q", query: #"a=\"x\""#, version: "HTTP/1.1", status: 400,
            bytesIn: 90, bytesOut: 12, userAgent: #"Mozilla \"evil\" agent"#, vhost: "www.example.com",
            durationMicros: 1000, service: "http"),
        Case(
            name: "classic http",
            line:
                #"2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000073 0.001048 0.000057 200 200 0 29 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.38.0" - -"#,
            variant: .classic, time: "2015-05-13T23:39:43.945958Z", host: "my-loadbalancer", ip: "192.168.131.39",
            port: 2817, destination: "10.0.0.1", destinationPort: 80, method: "GET", path: "/", version: "HTTP/1.1",
            status: 200, bytesIn: 0, bytesOut: 29, userAgent: "curl/7.38.0", vhost: "www.example.com",
            durationMicros: 1178, service: "http"),
        Case(
            name: "classic https",
            line:
                #"2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:443 0.000086 0.001048 0.001337 200 200 0 57 "GET https://www.example.com:443/a/b?c=d HTTP/1.1" "curl/7.38.0" DHE-RSA-AES128-SHA TLSv1.2"#,
            variant: .classic, time: "2015-05-13T23:39:43.945958Z", host: "my-loadbalancer", ip: "192.168.131.39",
            port: 2817, destination: "10.0.0.1", destinationPort: 443, method: "GET", path: "/a/b", query: "c=d",
            version: "HTTP/1.1", status: 200, bytesIn: 0, bytesOut: 57, userAgent: "curl/7.38.0",
            vhost: "www.example.com", durationMicros: 2471, service: "https"),
        Case(
            name: "classic TCP listener: no request, no status codes",
            line:
                #"2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.001069 0.000028 0.000041 - - 82 305 "- - - " "-" - -"#,
            variant: .classic, time: "2015-05-13T23:39:43.945958Z", host: "my-loadbalancer", ip: "192.168.131.39",
            port: 2817, destination: "10.0.0.1", destinationPort: 80, bytesIn: 82, bytesOut: 305,
            durationMicros: 1138),
        Case(
            name: "classic 504: no backend, -1 times",
            line:
                #"2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 - -1 -1 -1 504 0 0 0 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.38.0" - -"#,
            variant: .classic, time: "2015-05-13T23:39:43.945958Z", host: "my-loadbalancer", ip: "192.168.131.39",
            port: 2817, method: "GET", path: "/", version: "HTTP/1.1", status: 504, bytesIn: 0, bytesOut: 0,
            userAgent: "curl/7.38.0", vhost: "www.example.com", service: "http"),
    ]

    @Test(arguments: cases)
    func lineBecomesWebRequestWithEveryField(_ c: Case) throws {
        let r = WebNetHarness.last([c.line], ELBAccessLogParser(variant: c.variant))
        let e = try #require(r.event, "rejected: \(String(describing: r.rejection))")
        #expect(e.kind == .webRequest)
        #expect(r.time == c.time)
        #expect(e.timeSource == .explicit)
        #expect(r.text(e.host) == c.host)
        #expect(r.ip == c.ip)
        #expect(e.hasSourcePort && e.sourcePort == c.port)
        #expect(r.destination == c.destination)
        #expect(e.hasDestinationPort == (c.destinationPort != nil))
        #expect(e.destinationPort == c.destinationPort ?? 0)
        #expect(r.method == c.method)
        #expect(r.path == c.path)
        #expect(r.query == c.query)
        #expect(r.networkProtocol == c.version)
        #expect(e.httpStatus == c.status)
        #expect(e.bytesIn == c.bytesIn)
        #expect(e.bytesOut == c.bytesOut)
        #expect(r.userAgent == c.userAgent)
        #expect(r.virtualHost == c.vhost)
        #expect(e.durationMicros == c.durationMicros)
        #expect(r.service == c.service)
        #expect(r.detail == c.detail)
        #expect(r.signature == c.signature)
        // Nothing else is invented.
        #expect(r.user == nil && r.referer == nil && r.forwardedFor == nil && r.domain == nil && r.uid == nil)
    }

    // MARK: - Detection

    static let albLines = cases.filter { $0.variant == .application }.map(\.line)
    static let classicLines = cases.filter { $0.variant == .classic }.map(\.line)

    @Test func albLinesAreDetectedAsALB() {
        #expect(WebNetHarness.detect(Self.albLines) == "aws-alb")
        #expect(WebNetHarness.detect([Self.albLines[0]]) == "aws-alb")
    }

    @Test func classicLinesAreDetectedAsClassicELB() {
        #expect(WebNetHarness.detect(Self.classicLines) == "aws-elb-classic")
    }

    /// A file cut mid-write ends in a partial line; syslog reads any `RFC 3339 time + word` line, so the classic
    /// format must still win with one line rejected.
    @Test func fileWithACutLastLineKeepsItsFormat() {
        let cutClassic = Array(Self.classicLines[0].utf8.prefix(60))
        #expect(
            WebNetHarness.detect(Self.classicLines + [String(decoding: cutClassic, as: UTF8.self)]) == "aws-elb-classic"
        )
        let cutALB = Array(Self.albLines[1].utf8.prefix(300))
        #expect(WebNetHarness.detect(Self.albLines + [String(decoding: cutALB, as: UTF8.self)]) == "aws-alb")
    }

    @Test(arguments: [
        (#"203.0.113.9 - - [08/Jun/2020:06:49:01 +0000] "GET /a HTTP/1.1" 200 1 "-" "curl/8.0""#, "combined"),
        (
            "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK",
            "aws-vpc-flow"
        ),
        (
            "2021-04-01 00:00:21 10.0.0.5 GET /foo/bar.asp id=1 80 - 203.0.113.9 Mozilla/5.0+(Windows+NT+5.1) - 200 0 0 65",
            "w3c"
        ),
        (
            "2026-03-11T19:21:41.512345+00:00 web01 sshd[2211]: Failed password for root from 203.0.113.9 port 5 ssh2",
            "syslog"
        ),
    ])
    func otherFormatsKeepTheirLines(_ line: String, _ expected: String) {
        #expect(WebNetHarness.detect([line]) == expected)
    }

    @Test(arguments: ["aws-alb", "aws-elb-classic"])
    func formatsListingSampleIsDetectedAndParsed(_ name: String) throws {
        let id = try #require(Registry.id(of: name))
        let descriptor = try #require(Registry.descriptor(id))
        #expect(WebNetHarness.detect([descriptor.sample]) == name)
        guard case .lines(let parser) = descriptor.make(ParserOptions()) else {
            Issue.record("\(name) is not a line format")
            return
        }
        let r = WebNetHarness.last([descriptor.sample], parser)
        let e = try #require(r.event, "rejected: \(String(describing: r.rejection))")
        #expect(r.ip == "203.0.113.45" && e.httpStatus == 200 && r.virtualHost == "shop.example.com")
    }

    @Test func eachVariantRejectsTheOthersLines() {
        for line in Self.albLines {
            #expect(WebNetHarness.last([line], ELBAccessLogParser(variant: .classic)).rejection != nil)
        }
        for line in Self.classicLines {
            #expect(WebNetHarness.last([line], ELBAccessLogParser(variant: .application)).rejection != nil)
        }
    }

    // MARK: - Hostile and damaged lines

    static let good = cases[1].line

    @Test func eightKiBURLAndInvalidUTF8ArePreservedAsBytes() throws {
        let long = "/" + String(repeating: "A", count: 8192)
        var bytes = Array(
            #"http 2026-03-11T19:21:41.512345Z \#(Self.lb) 203.0.113.45:51234 10.0.1.20:80 0.000 0.001 0.000 200 200 34 366 "GET http://www.example.com:80"#
                .utf8)
        bytes += Array(long.utf8) + [0xff, 0xfe]
        bytes += Array(#" HTTP/1.1" "agent \#u{80}"#.utf8) + [0xc3] + Array(#"" - -"#.utf8)
        let r = WebNetHarness.lastBytes([bytes], ELBAccessLogParser())
        let e = try #require(r.event, "rejected: \(String(describing: r.rejection))")
        #expect(r.context.symbols.bytes(e.path).count == 8193 + 2)
        #expect(Array(r.context.symbols.bytes(e.path).suffix(2)) == [0xff, 0xfe])
        #expect(r.context.symbols.bytes(e.userAgent).last == 0xc3)
        #expect(e.httpStatus == 200)
    }

    @Test func binaryRequestIsKeptAsThePath() throws {
        let line =
            #"http 2026-03-11T19:21:41.512345Z \#(Self.lb) 203.0.113.45:51234 - -1 -1 -1 400 - 0 272 "\x16\x03\x01\x00\xa5\x01\x00" "-" - -"#
        let r = WebNetHarness.last([line], ELBAccessLogParser())
        let e = try #require(r.event)
        #expect(r.method == nil)
        #expect(r.path == #"\x16\x03\x01\x00\xa5\x01\x00"#)
        #expect(e.httpStatus == 400)
    }

    struct Rejected: CustomTestStringConvertible, Sendable {
        var name: String
        var bytes: [UInt8]
        var reason: String
        var testDescription: String { name }
    }

    static func cut(_ line: String, before marker: String) -> [UInt8] {
        let bytes = Array(line.utf8)
        let m = Array(marker.utf8)
        var i = 0
        while i + m.count <= bytes.count && Array(bytes[i..<i + m.count]) != m { i += 1 }
        return Array(bytes.prefix(i))
    }

    static let rejected: [Rejected] = [
        Rejected(name: "cut inside the request", bytes: cut(good, before: "?next"), reason: "truncated"),
        Rejected(name: "cut before the user agent", bytes: cut(good, before: #""Mozilla"#), reason: "truncated"),
        Rejected(name: "cut inside a trailing quoted field", bytes: cut(good, before: "-1d84f3"), reason: "truncated"),
        Rejected(name: "cut inside the time", bytes: Array("https 2026-03-11T19:2".utf8), reason: "bad_timestamp"),
        Rejected(name: "only the type", bytes: Array("https".utf8), reason: "truncated"),
        Rejected(
            name: "client is not an address",
            bytes: Array(good.replacingOccurrences(of: "203.0.113.45:51240", with: "evil.example:51240").utf8),
            reason: "invalid_field"),
        Rejected(
            name: "client port out of range",
            bytes: Array(good.replacingOccurrences(of: "203.0.113.45:51240", with: "203.0.113.45:99999").utf8),
            reason: "invalid_field"),
        Rejected(
            name: "impossible date",
            bytes: Array(good.replacingOccurrences(of: "2026-03-11T19:22:02", with: "2026-02-30T19:22:02").utf8),
            reason: "bad_timestamp"),
        Rejected(
            name: "a processing time that is not a number",
            bytes: Array(good.replacingOccurrences(of: "0.086 ", with: "0.0x6 ").utf8), reason: "invalid_field"),
        Rejected(
            name: "a status that is not a number",
            bytes: Array(good.replacingOccurrences(of: " 200 200 ", with: " 2OO 200 ").utf8), reason: "invalid_field"),
        Rejected(
            name: "request not quoted",
            bytes: Array(good.replacingOccurrences(of: #""GET https"#, with: #"GET "https"#).utf8),
            reason: "unexpected_byte"),
        Rejected(
            name: "TLS handshake bytes", bytes: [0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00], reason: "unrecognized"),
        Rejected(name: "NUL bytes", bytes: [0, 0, 0, 0], reason: "unrecognized"),
        Rejected(
            name: "a combined log line",
            bytes: Array(#"1.2.3.4 - - [08/Jun/2020:06:49:01 +0000] "GET / HTTP/1.1" 200 1"#.utf8),
            reason: "unrecognized"),
    ]

    @Test(arguments: rejected)
    func damagedLineIsRejectedWithItsReason(_ c: Rejected) {
        let r = WebNetHarness.lastBytes([c.bytes], ELBAccessLogParser())
        #expect(r.event == nil)
        #expect(r.rejection?.reasonName == c.reason, "got \(String(describing: r.rejection))")
    }

    @Test func emptyLineIsANonEvent() {
        let r = WebNetHarness.last([""], ELBAccessLogParser())
        #expect(r.event == nil && r.rejection == nil)
    }

    @Test func oneMiBLineIsParsedWithoutTrapping() throws {
        let long = String(repeating: "B", count: 1 << 20)
        let line =
            #"http 2026-03-11T19:21:41.512345Z \#(Self.lb) 203.0.113.45:51234 10.0.1.20:80 0.000 0.001 0.000 414 - 0 0 "GET http://www.example.com:80/\#(long) HTTP/1.1" "-" - -"#
        let r = WebNetHarness.last([line], ELBAccessLogParser())
        #expect(try #require(r.event).httpStatus == 414)
    }

    /// Cut at every byte, bytes flipped, NUL, quotes and invalid UTF-8 inserted: never a trap.
    static func sweep() {
        let seeds = [good, cases[5].line, cases[11].line, cases[13].line]
        for variant in [ELBAccessLogParser.Variant.application, .classic] {
            var parser = ELBAccessLogParser(variant: variant)
            var context = WebNetHarness.context()
            for (k, seed) in seeds.enumerated() {
                let inputs = HostileInputSweepTests.mutations(
                    of: Array(seed.utf8), seed: UInt64(99 + k), cutStep: 1, count: 300, delimiter: UInt8(ascii: ":"))
                for input in inputs {
                    _ = try? WebNetHarness.parse(bytes: input, with: &parser, context: &context)
                }
            }
        }
    }

    @Test func mutatedLinesNeverTrap() async {
        await #expect(processExitsWith: .success) {
            ELBAccessLogParserTests.sweep()
        }
    }
}
