import DwellCore
import DwellTestSupport
import Foundation
import Testing

@testable import DwellAnalysis
@testable import DwellReports

@Suite struct IOCTextTests {
    @Test func sampleListsAttackerIndicatorsInSweepForms() throws {
        let input = try #require(MachineReportFixture.sample, "SampleLogs/incident-2026-03 is committed with the package")
        let text = String(decoding: IOCText.render(input), as: UTF8.self)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("# dwell") == true)
        #expect(lines.contains("# incident window: 2026-03-11T19:21:41Z .. 2026-03-11T20:50:26Z"))
        #expect(lines.contains("# generated: 2026-03-13T00:00:00Z"))
        let entries = lines.filter { !$0.hasPrefix("#") }.map { $0.components(separatedBy: " # ")[0] }
        #expect(entries.contains("203.0.113.45"))
        #expect(entries.contains("user:deploy"))
        #expect(entries.contains("url:/uploads/shell.php"))
        // Indicators each read back by investigate's --iocs reader; victim hosts are not listed.
        for e in entries { #expect(Seed(parsing: e) != nil, "cannot read back \(e)") }
        #expect(!entries.contains { $0.hasPrefix("host:") || $0 == "web01" })
    }

    @Test func hostileValuesAreWrittenOnlyWhenTheyReadBackExactly() throws {
        let text = String(decoding: IOCText.render(MachineReportFixture.hostile()), as: UTF8.self)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // The user agent holds a tab, ESC and a newline: skipped, with a comment, never split over lines.
        #expect(!text.contains("\u{1b}"))
        #expect(!lines.contains { $0.hasPrefix("second line") })
        #expect(lines.contains { $0.hasPrefix("# skipped: attacker user agent") })
        #expect(lines.contains { $0.hasPrefix("ua:sqlmap/1.5 (it's a \\ back'slash) # ") })
        #expect(lines.contains { $0.hasPrefix("user:+root<script>alert(1)</script> # ") })
        #expect(lines.contains { $0.hasPrefix("198.51.100.0/24 # ") })
        #expect(lines.contains { $0.hasPrefix("2001:db8::9 # ") })
        #expect(lines.contains { $0.hasPrefix("domain:evil.example # ") })
        #expect(lines.contains { $0.hasPrefix(String(repeating: "a", count: 64) + " # ") })
        #expect(!text.contains("victim-host"))
        // The web shell path of the finding is listed as a web shell.
        #expect(
            lines.contains {
                $0.hasPrefix("url:/uploads/<script>alert(1)</script>*?it's a \\ back'slash # web shell")
            })
    }
}

@Suite struct SigmaRulesTests {
    /// Sigma's value unescaping (the inverse of `SigmaYAML.wildcardEscaped`).
    static func unescape(_ s: String) -> String {
        var out = ""
        var escaped = false
        for c in s {
            if escaped {
                out.append(c)
                escaped = false
            } else if c == "\\" {
                escaped = true
            } else {
                out.append(c)
            }
        }
        return out
    }

    static func check(_ rule: [String: Any], name: String) throws {
        for key in [
            "title", "id", "status", "description", "author", "date", "logsource", "detection",
            "falsepositives", "level", "tags",
        ] {
            #expect(rule[key] != nil, "\(name) lacks \(key)")
        }
        #expect(rule["status"] as? String == "experimental")
        #expect(rule["author"] as? String == "dwell")
        let id = try #require(rule["id"] as? String)
        #expect(
            id.wholeMatch(of: /[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/)
                != nil)
        // Yams may resolve an unquoted date to a Date; Sigma 2 wants YYYY-MM-DD.
        let date = rule["date"].map { "\($0)" } ?? ""
        #expect(date.hasPrefix("2026-03-1"), "\(name) date \(date)")
        let detection = try #require(rule["detection"] as? [String: Any])
        let condition = try #require(detection["condition"] as? String)
        #expect(!condition.isEmpty)
        #expect(detection.keys.contains { $0.hasPrefix("selection") || $0.hasPrefix("keywords") })
        let tags = try #require(rule["tags"] as? [String])
        #expect(tags.contains { $0.wholeMatch(of: /attack\.t[0-9]{4}(\.[0-9]{3})?/) != nil })
        #expect(["low", "medium", "high", "critical"].contains(rule["level"] as? String ?? ""))
    }

    @Test func sampleRulesParseBackWithTheRequiredFields() throws {
        let input = try #require(MachineReportFixture.sample, "SampleLogs/incident-2026-03 is committed with the package")
        let files = SigmaRules.render(input)
        #expect(
            files.map(\.name) == [
                "dwell_sshd_attacker_logins.yml", "dwell_web_attacker_requests.yml",
                "dwell_zeek_attacker_conns.yml",
            ])
        for f in files {
            let rule = try #require(
                try YAMLSupport.load(String(decoding: f.bytes, as: UTF8.self)) as? [String: Any])
            try Self.check(rule, name: f.name)
        }
        let ssh = try #require(
            try YAMLSupport.load(String(decoding: files[0].bytes, as: UTF8.self)) as? [String: Any])
        let logsource = try #require(ssh["logsource"] as? [String: Any])
        #expect(logsource["product"] as? String == "linux" && logsource["service"] as? String == "sshd")
        let detection = try #require(ssh["detection"] as? [String: Any])
        #expect(
            (detection["keywords_address"] as? [String])?.contains(" from 203.0.113.45 port ") == true)
    }

    @Test func hostileValuesStayValuesAndMatchLiterally() throws {
        let files = SigmaRules.render(MachineReportFixture.hostile())
        #expect(files.count == 3)
        let web = try #require(files.first { $0.name == "dwell_web_attacker_requests.yml" })
        let text = String(decoding: web.bytes, as: UTF8.self)
        #expect(!text.contains("\u{1b}") && !text.contains("\t"))
        let rule = try #require(try YAMLSupport.load(text) as? [String: Any])
        try Self.check(rule, name: web.name)
        let detection = try #require(rule["detection"] as? [String: Any])
        #expect(Set(detection.keys) == ["selection_useragent", "selection_path", "condition"])
        let ua = try #require(
            (detection["selection_useragent"] as? [String: Any])?["c-useragent"] as? [String])
        let agents = MachineReportFixture.hostile().investigation.indicators.filter {
            $0.type == .userAgent
        }.map(\.value)
        #expect(Set(ua.map(Self.unescape)) == Set(agents))
        let paths = try #require(
            (detection["selection_path"] as? [String: Any])?["c-uri|contains"] as? [String])
        #expect(
            paths.map(Self.unescape) == ["/uploads/<script>alert(1)</script>*?it's a \\ back'slash"])
        #expect(paths[0].contains("\\*\\?"))  // wildcards escaped
        let zeek = try #require(files.first { $0.name == "dwell_zeek_attacker_conns.yml" })
        let z = try #require(
            try YAMLSupport.load(String(decoding: zeek.bytes, as: UTF8.self)) as? [String: Any])
        let zd = try #require(z["detection"] as? [String: Any])
        #expect(
            (zd["selection_to_range"] as? [String: Any])?["id.resp_h|cidr"] as? [String] == [
                "198.51.100.0/24"
            ])
        #expect(
            ((zd["selection_to"] as? [String: Any])?["id.resp_h"] as? [String])?.contains("2001:db8::9")
                == true)
    }

    @Test(arguments: [
        "plain", "it's", "a\nb", "\u{1b}[31m", "tab\there", "# comment", "key: value", "- item",
        "\u{2028}x", "'", "\"",
        "\\x41", "&anchor *alias !tag", "{flow: [x]}", "   spaced   ",
    ])
    func quotedScalarsRoundTripThroughYAML(value: String) throws {
        let doc = "k: " + SigmaYAML.quoted(value) + "\n"
        let parsed = try #require(try YAMLSupport.load(doc) as? [String: Any])
        #expect(parsed["k"] as? String == value)
    }
}
