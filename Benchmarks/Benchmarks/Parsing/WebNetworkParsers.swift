// Web and network parser benchmarks: the combined access-log, AWS ALB and Zeek conn TSV parsers over ~20 MB of
// generated in-memory input, each beside a line-framing baseline on the same bytes (report the ratio).
import Benchmark
import DwellCore
import Parsers

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Deterministic generator (no Foundation, no randomness between runs).
struct LCG {
    var state: UInt64
    mutating func next(_ bound: Int) -> Int {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Int((state >> 33) % UInt64(bound))
    }
}

func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }

/// ~`bytes` of Nginx/Apache combined lines: varied clients, paths, queries, statuses and user agents.
func combinedCorpus(bytes: Int) -> [UInt8] {
    var r = LCG(state: 42)
    let paths = [
        "/", "/index.php", "/wp-login.php", "/static/app.js", "/images/logo.png", "/api/v1/items", "/search",
        "/cart/add", "/account/login", "/robots.txt",
    ]
    let agents = [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
        "curl/8.4.0", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "python-requests/2.31.0",
    ]
    var out: [UInt8] = []
    out.reserveCapacity(bytes + 512)
    var second = 0
    while out.count < bytes {
        if r.next(4) == 0 { second += 1 }
        let day = 10 + (second / 86_400) % 18
        let time = "\(day)/Jan/2026:\(two(second / 3600 % 24)):\(two(second / 60 % 60)):\(two(second % 60)) +0000"
        let ip = "\(10 + r.next(200)).\(r.next(256)).\(r.next(256)).\(r.next(256))"
        let query = r.next(3) == 0 ? "?id=\(r.next(1000))" : ""
        let line =
            "\(ip) - - [\(time)] \"GET \(paths[r.next(paths.count)])\(query) HTTP/1.1\" \(r.next(5) == 0 ? 404 : 200) \(r.next(50_000)) \"-\" \"\(agents[r.next(agents.count)])\"\n"
        out.append(contentsOf: line.utf8)
    }
    return out
}

/// ~`bytes` of a Zeek conn.log in TSV with its header.
func zeekConnCorpus(bytes: Int) -> [UInt8] {
    var r = LCG(state: 7)
    var out: [UInt8] = []
    out.reserveCapacity(bytes + 1024)
    let fields =
        "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents"
    out.append(
        contentsOf:
            "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n#open\t2026-01-01-00-00-00\n#fields\t\(fields)\n"
            .utf8)
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)
    let services = ["dns", "http", "ssl", "-", "ssh"]
    let states = ["SF", "S0", "REJ", "RSTO", "SH"]
    var micros = 1_767_225_600_000_000
    while out.count < bytes {
        micros += r.next(50_000)
        var uid: [UInt8] = [UInt8(ascii: "C")]
        for _ in 0..<17 { uid.append(alphabet[r.next(62)]) }
        let fraction = String(micros % 1_000_000 + 1_000_000).dropFirst()
        let line =
            "\(micros / 1_000_000).\(fraction)\t\(String(decoding: uid, as: UTF8.self))\t10.0.\(r.next(256)).\(r.next(256))\t\(1024 + r.next(60_000))\t\(1 + r.next(223)).\(r.next(256)).\(r.next(256)).\(r.next(256))\t\([53, 80, 443, 22, 445][r.next(5)])\t\(r.next(4) == 0 ? "udp" : "tcp")\t\(services[r.next(5)])\t\(r.next(100)).\(r.next(1_000_000))\t\(r.next(100_000))\t\(r.next(1_000_000))\t\(states[r.next(5)])\tT\tF\t0\tShADadFf\t\(r.next(100))\t\(r.next(10_000))\t\(r.next(100))\t\(r.next(100_000))\t-\n"
        out.append(contentsOf: line.utf8)
    }
    return out
}

/// ~`bytes` of AWS Application Load Balancer lines (the 2024 field list, with conn_trace_id): varied listener types,
/// clients, targets, paths, statuses (some answered by the LB itself with `-1` times) and user agents.
func albCorpus(bytes: Int) -> [UInt8] {
    var r = LCG(state: 11)
    let paths = [
        "/", "/index.php", "/wp-login.php", "/static/app.js", "/images/logo.png", "/api/v1/items", "/search",
        "/cart/add", "/account/login", "/robots.txt",
    ]
    let agents = [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
        "curl/8.4.0", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "python-requests/2.31.0",
    ]
    let types = ["https", "https", "h2", "http"]
    let arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web/73e2d6bc24d8a067"
    let cert = "arn:aws:acm:eu-west-1:123456789012:certificate/12345678-1234-1234-1234-123456789012"
    var out: [UInt8] = []
    out.reserveCapacity(bytes + 1024)
    var micros = 0
    while out.count < bytes {
        micros += r.next(20_000)
        let second = micros / 1_000_000
        let day = 10 + (second / 86_400) % 18
        let clock = "\(two(second / 3600 % 24)):\(two(second / 60 % 60)):\(two(second % 60))"
        let fraction = String(micros % 1_000_000 + 1_000_000).dropFirst()
        let type = types[r.next(types.count)]
        let tls = type == "http" ? "- -" : "ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2"
        let ip = "\(10 + r.next(200)).\(r.next(256)).\(r.next(256)).\(r.next(256))"
        let target = "10.0.1.\(20 + r.next(4)):80"
        let query = r.next(3) == 0 ? "?id=\(r.next(1000))" : ""
        let answered = r.next(20) != 0
        let status = answered ? (r.next(5) == 0 ? 404 : 200) : 502
        let times = answered ? "0.00\(r.next(10)) 0.0\(r.next(100)) 0.000" : "0.000 -1 -1"
        let line =
            "\(type) 2026-01-\(day)T\(clock).\(fraction)Z app/web-lb/50dc6c495c0c9188 \(ip):\(1024 + r.next(60_000)) \(target) \(times) \(status) \(answered ? String(status) : "-") \(r.next(2000)) \(r.next(50_000)) \"GET https://shop.example.com:443\(paths[r.next(paths.count)])\(query) HTTP/1.1\" \"\(agents[r.next(agents.count)])\" \(tls) \(arn) \"Root=1-65ef5c35-\(r.next(1 << 30))\" \"shop.example.com\" \"\(cert)\" 1 2026-01-\(day)T\(clock).\(fraction)Z \"forward\" \"-\" \"\(answered ? "-" : "TargetConnectionErrorCode")\" \"\(target)\" \"\(answered ? String(status) : "-")\" \"-\" \"-\" TID_\(r.next(1 << 30))\n"
        out.append(contentsOf: line.utf8)
    }
    return out
}

/// Calls `body` with each line of `data` (terminator removed), framed with memchr.
@inline(__always)
func forEachLine(_ data: [UInt8], _ body: (Span<UInt8>) -> Void) {
    data.withUnsafeBufferPointer { p in
        guard let base = p.baseAddress else { return }
        var start = 0
        while start < p.count {
            let end: Int
            if let hit = memchr(base + start, 0x0a, p.count - start) {
                end = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            } else {
                end = p.count
            }
            body(UnsafeBufferPointer(rebasing: p[start..<end]).span)
            start = end + 1
        }
    }
}

/// Parses every line of `data` with `parser`; returns the number of events (kept alive for the optimiser).
private func parseAll<P: LineParser>(_ data: [UInt8], _ parser: inout P, _ context: inout ParseContext) -> Int {
    var events = 0
    var event = Event()
    forEachLine(data) { line in
        if (try? parser.parse(line, into: &event, context: &context)) == true { events += 1 }
    }
    return events
}

/// The line-framing baseline over `data`: what a parser's time is compared with.
func framingBaseline(_ name: String, _ data: [UInt8], maxIterations: Int = Benchmark.defaultConfiguration.maxIterations) {
    Benchmark(
        name, configuration: .init(metrics: [.wallClock, .throughput, .mallocCountTotal], maxIterations: maxIterations)
    ) { benchmark in
        for _ in benchmark.scaledIterations {
            var lines = 0
            forEachLine(data) { _ in lines += 1 }
            blackHole(lines)
        }
    }
}

/// A parser over `data`, its symbol table warmed outside the measurement (steady state allocates nothing per
/// line). With `everyLineAnEvent` (corpora without header or non-event lines), every line must give an event: a
/// benchmark of the rejection path would flatter the parser.
func parserBenchmark<P: LineParser>(
    _ name: String, _ data: [UInt8], clock: FileClock, everyLineAnEvent: Bool = false,
    maxIterations: Int = Benchmark.defaultConfiguration.maxIterations, _ make: @escaping @Sendable () -> P
) {
    Benchmark(
        name,
        configuration: .init(
            metrics: [.wallClock, .throughput, .mallocCountTotal, .peakMemoryResident], maxIterations: maxIterations)
    ) { benchmark in
        var parser = make()
        var context = ParseContext(clock: clock)
        var lines = 0
        forEachLine(data) { _ in lines += 1 }
        let events = parseAll(data, &parser, &context)
        precondition(!everyLineAnEvent || events == lines, "\(name): \(lines - events) of \(lines) lines rejected")
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(parseAll(data, &parser, &context))
        }
        benchmark.stopMeasurement()
    }
}

let webNetworkBenchmarks: @Sendable () -> Void = {
    let combined = combinedCorpus(bytes: 20_000_000)
    let zeek = zeekConnCorpus(bytes: 20_000_000)
    let alb = albCorpus(bytes: 20_000_000)
    let clock = FileClock(referenceTime: Timestamp(seconds: 1_780_000_000))

    framingBaseline("Line framing baseline (combined corpus, 20 MB)", combined)
    parserBenchmark("CombinedLogParser (20 MB)", combined, clock: clock) { CombinedLogParser() }
    framingBaseline("Line framing baseline (Zeek conn corpus, 20 MB)", zeek)
    parserBenchmark("ZeekTSVParser conn (20 MB)", zeek, clock: clock) { ZeekTSVParser() }
    framingBaseline("Line framing baseline (ALB corpus, 20 MB)", alb)
    parserBenchmark("ELBAccessLogParser ALB (20 MB)", alb, clock: clock, everyLineAnEvent: true) {
        ELBAccessLogParser(variant: .application)
    }
}
