import DwellSigma
import Foundation
import Testing

/// The keyword pass (`SigmaKeywordPass`) reads each file once for every log source's keyword rules: the hits of
/// each rule must be what searching its own lines alone gives, whichever other sources read the same lines.
@Suite struct SigmaKeywordPassTests {
    /// A syslog file whose lines belong to several Linux log sources at once (`product: linux`, `service: auth`,
    /// `service: syslog` read every line; `service: sshd`, `cron` and 70 program services read their own), each
    /// source with its own keyword rules: every rule's matched lines equal a plain search of its lines, run alone
    /// and run together (past the 63 sources one line's bitmask tells apart).
    @Test func everySourceGetsTheHitsOfItsOwnLinesWhenSourcesShareAFile() throws {
        var seed: UInt64 = 21
        func next(_ n: Int) -> Int {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((seed >> 33) % UInt64(n))
        }
        let programs = ["sshd", "CRON", "sudo", "kernel"] + (0..<70).map { "svc\($0)" }
        let words = ["Failed", "password", "wget", "WGET", "/tmp/x", "curl", "nc -e", "base64", "ok", "root", "CMD", "rm -rf", "é", "\u{1}"]
        var lines: [(program: String, message: String)] = []
        var text = ""
        for n in 0..<1_500 {
            let program = programs[next(programs.count)]
            let message = (0..<(1 + next(6))).map { _ in words[next(words.count)] }.joined(separator: " ")
            lines.append((program, message))
            text += "Mar 10 10:\(String(format: "%02d", n / 60 % 60)):\(String(format: "%02d", n % 60)) web01 \(program)[\(100 + n)]: \(message)\n"
        }
        let h = try SigmaHarness(["auth.log": text])
        // (service, keywords, all): a rule per entry; `nil` service is `product: linux` alone.
        var specs: [(service: String?, keywords: [String], all: Bool)] = [
            (nil, ["wget"], false), ("auth", ["failed password", "nc -e"], false), ("syslog", ["curl", "base64"], true),
            ("sshd", ["password"], false), ("sshd", ["root"], false), ("cron", ["rm -rf", "cmd"], true), ("sudo", ["/tmp/x"], false),
        ]
        for k in 0..<70 { specs.append(("svc\(k)", [words[k % 12].lowercased()], false)) }
        func yaml(_ k: Int) -> String {
            let s = specs[k]
            let service = s.service.map { "\n    service: \($0)" } ?? ""
            let indent = s.all ? "            " : "        "
            let list = s.keywords.map { "\(indent)- '\($0)'" }.joined(separator: "\n")
            return "title: R\(k)\nid: r\(k)\nlogsource:\n    product: linux\(service)\ndetection:\n    keywords:\n"
                + (s.all ? "        '|all':\n" : "") + list + "\n    condition: keywords\n"
        }
        func expected(_ k: Int) -> [Int] {
            let s = specs[k]
            return lines.indices.filter { n in
                let program = lines[n].program.lowercased()
                switch s.service {
                case nil, "auth"?, "syslog"?: break
                case "cron"?: guard program == "cron" else { return false }
                case let name?: guard program == name else { return false }
                }
                let line = "Mar 10 web01 \(lines[n].program): \(lines[n].message)".lowercased()
                return s.all ? s.keywords.allSatisfy { line.contains($0) } : s.keywords.contains { line.contains($0) }
            }.map { $0 + 1 }
        }
        let together = h.matchedLines(SigmaHarness.rules(specs.indices.map(yaml).joined(separator: "---\n")))
        var somethingMatched = 0
        for k in specs.indices {
            let want = expected(k)
            somethingMatched += want.isEmpty ? 0 : 1
            #expect(together["R\(k)"] == want, "rule \(k) (\(specs[k].service ?? "linux")) together")
            #expect(h.matchedLines(SigmaHarness.rules(yaml(k)))["R\(k)"] == want, "rule \(k) alone")
        }
        #expect(somethingMatched > 60)
    }
}
