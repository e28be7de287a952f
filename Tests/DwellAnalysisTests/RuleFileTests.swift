import DwellAnalysis
import Foundation
import Testing

@Suite struct RuleFileTests {
    @Test func theWrittenTableReadsBackToTheSameTable() throws {
        let yaml = RuleFile.yaml(.standard)
        #expect(try RuleFile.load(path: "rules.yaml", text: yaml) == RuleSet.standard)
        // Every rule is in the file, with its technique as a Sigma tag.
        for r in RuleSet.standard.rules {
            #expect(yaml.contains("  - id: \(r.id)\n"))
            #expect(yaml.contains("tags: [attack.\(r.technique.lowercased())]"))
        }
    }

    @Test func anEditedWrittenTableKeepsTheEdits() throws {
        let yaml = RuleFile.yaml(.standard).replacingOccurrences(
            of: "threshold: 20  # failures\n    timespan: 1h", with: "threshold: 7  # failures\n    timespan: 90m")
        let set = try RuleFile.load(path: "rules.yaml", text: yaml)
        #expect(set.rule("auth.bruteforce").threshold == 7)
        #expect(set.rule("auth.bruteforce").windowSeconds == 5_400)
    }

    @Test func aShortFileChangesOnlyWhatItNames() throws {
        let text = """
            schema_version: 1
            rules:
              - id: web.scanner_agent
                level: high
                lists:
                  agents: [masscan, "my-internal-scanner"]
              - id: net.large_outbound
                threshold: 1_000_000_000
                parameters:
                  history_factor: 3
              - id: auth.new_source
                enabled: false
              - id: ids.alert
                tags: [attack.initial_access, attack.t1071.001]
            """
        let set = try RuleFile.load(path: "r.yaml", text: text)
        #expect(set.rule("web.scanner_agent").severity == .high)
        #expect(set.rule("web.scanner_agent").list("agents") == ["masscan", "my-internal-scanner"])
        #expect(set.rule("net.large_outbound").threshold == 1_000_000_000)
        #expect(set.rule("net.large_outbound").parameter("history_factor") == 3)
        #expect(!set.rule("auth.new_source").enabled)
        #expect(set.rule("ids.alert").technique == "T1071.001")
        var unchanged = set
        for id in ["web.scanner_agent", "net.large_outbound", "auth.new_source", "ids.alert"] {
            let at = unchanged.rules.firstIndex { $0.id == id } ?? 0
            unchanged.rules[at] = RuleSet.standard.rule(id)
        }
        #expect(unchanged == RuleSet.standard)
    }

    struct Mistake: Sendable, CustomTestStringConvertible {
        var text: String
        var line: Int?
        var message: String
        var testDescription: String { message }
    }

    static let mistakes: [Mistake] = [
        Mistake(
            text: "rules:\n  - id: auth.brute\n    threshold: 3\n", line: 2, message: "unknown rule id 'auth.brute'"),
        Mistake(
            text: "rules:\n  - id: auth.bruteforce\n    level: severe\n", line: 3,
            message: "level 'severe' is not one of"),
        Mistake(
            text: "rules:\n  - id: auth.bruteforce\n    threshold: many\n", line: 3, message: "threshold 'many' must be"
        ),
        Mistake(text: "rules:\n  - id: auth.bruteforce\n    threshold: 0\n", line: 3, message: "at least 1"),
        Mistake(text: "rules:\n  - id: auth.bruteforce\n    timespan: 1 week\n", line: 3, message: "timespan '1 week'"),
        Mistake(text: "rules:\n  - id: auth.bruteforce\n    colour: red\n", line: 3, message: "unknown key 'colour'"),
        Mistake(
            text: "rules:\n  - id: net.large_outbound\n    parameters:\n      factor: 2\n", line: 4,
            message: "unknown parameter 'factor'; expected history_factor"),
        Mistake(
            text: "rules:\n  - id: web.webshell\n    lists:\n      verbs: [id]\n", line: 4,
            message: "unknown list 'verbs'"),
        Mistake(text: "rules:\n  - id: web.webshell\n  - id: web.webshell\n", line: 3, message: "appears twice"),
        Mistake(text: "rules:\n  - threshold: 3\n", line: 2, message: "a rule without 'id'"),
        Mistake(text: "rulez: []\n", line: 1, message: "unknown key 'rulez'"),
        Mistake(text: "schema_version: 2\nrules: []\n", line: 1, message: "schema_version must be 1"),
        Mistake(text: "rules:\n  - id: auth.bruteforce\n    threshold: [3\n", line: 4, message: "not valid YAML"),
        Mistake(
            text: "rules:\n  - id: auth.bruteforce\n    enabled: maybe\n", line: 3,
            message: "enabled must be true or false"),
    ]

    @Test(arguments: mistakes) func aMistakeNamesTheFileAndLine(_ m: Mistake) {
        #expect {
            _ = try RuleFile.load(path: "site-rules.yaml", text: m.text)
        } throws: { error in
            guard let e = error as? RuleFileError else { return false }
            return e.file == "site-rules.yaml" && (m.line == nil || e.line == m.line) && e.message.contains(m.message)
                && e.description.hasPrefix("site-rules.yaml:")
        }
    }

    @Test func anEmptyFileKeepsTheStandardTable() throws {
        #expect(try RuleFile.load(path: "r.yaml", text: "") == RuleSet.standard)
        #expect(try RuleFile.load(path: "r.yaml", text: "# nothing changed\n") == RuleSet.standard)
    }

    @Test func hostileTextIsQuotedInTheWrittenFile() throws {
        var set = RuleSet.standard
        let at = try #require(set.rules.firstIndex { $0.id == "web.scanner_agent" })
        set.rules[at].lists[0].values = ["a\"b", "line\nbreak", "tab\there", "# not a comment", "- dash", "\u{1B}[31m"]
        let back = try RuleFile.load(path: "r.yaml", text: RuleFile.yaml(set))
        #expect(back == set)
    }

    @Test func jsonListsEveryRuleWithItsNumbers() throws {
        let json = String(decoding: RuleFile.json(.standard), as: UTF8.self)
        #expect(json.contains("\"id\":\"auth.bruteforce\""))
        #expect(json.contains("\"technique\":\"T1110.001\""))
        #expect(json.contains("\"window_seconds\":3600"))
    }
}
