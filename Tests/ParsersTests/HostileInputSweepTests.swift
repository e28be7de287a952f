import DwellCore
import DwellTestSupport
import Parsers
import Testing

/// Mutated lines (cut, bytes flipped, NUL and invalid UTF-8 inserted) through every web and network parser: each
/// line gives an event, a non-event or a rejection, never a trap. Run in an exit test so a crash fails one test.
@Suite("Hostile input sweep (web and network parsers)")
struct HostileInputSweepTests {
    static let seeds: [String] = [
        #"203.0.113.9 - alice [08/Jun/2020:06:49:01 +0000] "GET /a?b=1 HTTP/1.1" 200 803 "-" "curl/8.0" "1.2.3.4" 0.1"#,
        "#Fields: date time c-ip cs-method cs-uri-stem sc-status",
        "2021-04-01 00:00:21 203.0.113.9 GET /a 200",
        "1320279554.496300\tCg9x\t192.168.2.76\t52025\t208.85.42.28\t80\ttcp\thttp\t2.1\t0\t1\tSF",
        #"{"_path":"conn","ts":1.5,"uid":"C1","id.orig_h":"10.0.0.1","id.orig_p":1,"id.resp_h":"::1","answers":["a"]}"#,
        #"{"timestamp":"2022-07-12T06:22:33.4+0000","event_type":"alert","src_ip":"1.2.3.4","alert":{"signature":"x\"y\u00e9"},"flow":{"start":"2022-07-12T06:22:33.4+0000"}}"#,
        "Jun  8 14:34:33 gw1 kernel: [1.0] [UFW BLOCK] IN=e OUT= SRC=1.2.3.4 DST=2a0a::1 PROTO=TCP SPT=1 DPT=2 SYN",
        "2 1 eni-1 1.2.3.4 5.6.7.8 1 2 6 3 4 1418530010 1418530070 ACCEPT OK",
        "[Sun Jun 09 07:57:47 2013] [error] [client 192.0.43.10] x",
        #"2012/04/09 11:53:29 [error] 1#0: *1 x, client: 1.2.3.4, server: s, request: "GET / HTTP/1.1", host: "h""#,
    ]

    /// The line cut every `cutStep` bytes, then `count` copies with one to four bytes flipped, removed, or
    /// replaced by invalid UTF-8 with a NUL, or by a quote, a backslash and `delimiter` (deterministic for a seed).
    static func mutations(
        of line: [UInt8], seed: UInt64, cutStep: Int = 3, count: Int = 200, delimiter: UInt8 = UInt8(ascii: "{")
    ) -> [[UInt8]] {
        var out: [[UInt8]] = []
        var s = seed
        func next() -> Int {
            s = s &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(s >> 33)
        }
        for cut in stride(from: 0, through: line.count, by: cutStep) { out.append(Array(line.prefix(cut))) }
        for _ in 0..<count {
            var m = line
            for _ in 0..<(1 + next() % 4) where !m.isEmpty {
                let i = next() % m.count
                switch next() % 4 {
                case 0: m[i] = UInt8(truncatingIfNeeded: next())
                case 1: m.insert(contentsOf: [0xff, 0x00, 0xc3], at: i)
                case 2: m.remove(at: i)
                default: m.insert(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: "\\"), delimiter], at: i)
                }
            }
            out.append(m)
        }
        return out
    }

    static func sweep() {
        let formats = Registry.formats.filter { $0.family == "web" || $0.family == "network" }
        for format in formats {
            guard case .lines(var parser) = format.make(ParserOptions(webFormat: #"%h %l %u %t "%r" %>s %b"#)) else {
                continue
            }
            var context = WebNetHarness.context()
            var event = Event()
            for (k, seed) in seeds.enumerated() {
                for line in mutations(of: Array(seed.utf8), seed: UInt64(k + 1)) {
                    _ = try? line.withUnsafeBufferPointer { p throws(LineRejection) in
                        try parser.parse(p.span, into: &event, context: &context)
                    }
                }
            }
        }
    }

    @Test func mutatedLinesNeverTrap() async {
        await #expect(processExitsWith: .success) {
            HostileInputSweepTests.sweep()
        }
    }
}
