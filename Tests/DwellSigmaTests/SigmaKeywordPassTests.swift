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

    /// Lines are searched only where a rule's outcome depends on its keywords (`SourceRun.keywordNeeded`): for
    /// conditions mixing field tests and keywords under `and`, `or`, `not` and `1 of`, every rule's matches equal
    /// the condition evaluated line by line with plain string searches.
    @Test func keywordsAreSearchedWhereverTheyCanChangeAResult() throws {
        var seed: UInt64 = 7
        func next(_ n: Int) -> Int {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((seed >> 33) % UInt64(n))
        }
        let methods = ["GET", "POST", "PUT"]
        let paths = ["/index.html", "/admin", "/.git/config", "/login?u=x", "/a?q=${jndi:ldap:/x}"]
        let agents = ["curl/8.0", "Mozilla/5.0", "sqlmap/1.7", "kali-probe"]
        var requests: [(ip: String, request: String, status: Int, agent: String)] = []
        for _ in 0..<60 {
            requests.append(("203.0.113.\(1 + next(3))", "\(methods[next(3)]) \(paths[next(paths.count)]) HTTP/1.1", [200, 404][next(2)], agents[next(agents.count)]))
        }
        let h = try SigmaHarness(["access.log": accessLog(requests)])
        let detection = """
                sel:
                    cs-method: 'GET'
                status:
                    sc-status: 404
                kw:
                    - '.git/'
                    - 'jndi'
                kw2:
                    - 'kali'
            """
        // Conditions, and the same over one request (sel, status, kw, kw2) as plain Booleans.
        let conditions: [(String, (Bool, Bool, Bool, Bool) -> Bool)] = [
            ("sel and kw", { s, _, k, _ in s && k }),
            ("sel or kw", { s, _, k, _ in s || k }),
            ("not sel and not kw", { s, _, k, _ in !s && !k }),
            ("sel and not kw", { s, _, k, _ in s && !k }),
            ("not (sel and kw) and status", { s, t, k, _ in !(s && k) && t }),
            ("(sel or status) and (kw or kw2)", { s, t, k, k2 in (s || t) && (k || k2) }),
            ("1 of kw* and not sel", { s, _, k, k2 in (k || k2) && !s }),
            ("status and not (kw2 or sel)", { s, t, _, k2 in t && !(k2 || s) }),
        ]
        var rules: [String] = []
        for (k, c) in conditions.enumerated() {
            rules.append(webRule("C\(k)", detection + "\n    condition: \(c.0)"))
        }
        let got = h.matchedLines(SigmaHarness.rules(rules.joined(separator: "\n---\n")))
        for (k, c) in conditions.enumerated() {
            let want = requests.indices.filter { n in
                let r = requests[n]
                let line = "\(r.request) \(r.agent)".lowercased()
                return c.1(r.request.hasPrefix("GET "), r.status == 404, line.contains(".git/") || line.contains("jndi"), line.contains("kali"))
            }.map { $0 + 1 }
            #expect(!want.isEmpty && want.count < requests.count, "condition \(c.0) is not trivial here")
            #expect(got["C\(k)"] == want, "condition \(c.0)")
        }
    }
}
