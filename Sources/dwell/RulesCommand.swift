import ArgumentParser
import DwellAnalysis
import DwellCore
import DwellSigma
import Foundation

/// `--rules FILE`: the rules table with a YAML file's changes (shared by `investigate` and `rules`).
struct RulesOptions: ParsableArguments {
    @Option(
        name: .customLong("rules"),
        help: ArgumentHelp(
            "YAML file changing rule thresholds, windows, levels, lists or turning rules off (`dwell rules --output yaml` writes one to edit).",
            valueName: "FILE"))
    var file: String?

    /// The rules file's text, for a case to keep (nil for the standard table).
    func text() throws -> String? {
        guard let file else { return nil }
        guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
            printError("dwell: cannot read --rules \(file) as UTF-8 text")
            throw ExitStatus.usage.code
        }
        return text
    }

    /// The standard table, or the table with the file's changes; a mistake exits 2 with file and line.
    func ruleSet() throws -> RuleSet {
        guard let file else { return .standard }
        guard let data = FileManager.default.contents(atPath: file) else {
            printError("dwell: cannot read --rules \(file): no such file, or not readable")
            throw ExitStatus.usage.code
        }
        guard let text = String(data: data, encoding: .utf8) else {
            printError("dwell: --rules \(file) is not UTF-8 text")
            throw ExitStatus.usage.code
        }
        do {
            return try RuleFile.load(path: file, text: text)
        } catch {
            printError("dwell: \(TerminalText.safe(error.description))")
            printError("dwell: `dwell rules --output yaml` prints the table in the form the file takes")
            throw ExitStatus.usage.code
        }
    }
}

struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "List the detection rules: id, ATT&CK technique, level, threshold, window, what each looks for.",
        discussion: """
            Every threshold, window, level and pattern list the detectors use lives in this table. \
            Write it as YAML, edit it, and give it back to investigate with --rules; keys left out keep their defaults.

            EXAMPLES
              dwell rules --verbose                    the table, with parameters and lists
              dwell rules --output yaml > rules.yaml   a file to edit, then:
              dwell investigate logs/ --rules rules.yaml
              dwell rules --rules rules.yaml           check a file: the table it gives
              dwell rules --output json | jq -r '.rules[] | .id'   ids for scripts

            EXIT STATUS
              0  success
              2  usage error, or a mistake in --rules (reported with file and line)
            """)

    enum Output: String, ExpressibleByArgument, CaseIterable { case text, yaml, json }

    @Option(help: "text (a table), yaml (a rules file to edit and pass to --rules) or json.")
    var output: Output = .text

    @Flag(help: "With text output: also print each rule's parameters and pattern lists.")
    var verbose = false

    @OptionGroup var rules: RulesOptions
    @OptionGroup var sigma: SigmaOptions

    func run() throws {
        let set = try rules.ruleSet()
        let sigmaRules = try sigma.ruleSet()
        var out = StandardOutput()
        switch output {
        case .yaml: out.write(Array(RuleFile.yaml(set).utf8))
        case .json: out.write(RuleFile.json(set))
        case .text:
            out.write(Array(Self.text(set, verbose: verbose).utf8))
            if let sigmaRules { out.write(Array(Self.sigmaText(sigmaRules).utf8)) }
        }
        out.flush()
    }

    /// The loaded Sigma rules, in the built-in table's columns (after it), and a line on those that do not run.
    static func sigmaText(_ set: SigmaRuleSet) -> String {
        var out = ""
        for r in set.runnable {
            let rule = r.rule
            let kind: String
            switch r {
            case .detection(let c): kind = c.aggregation != nil ? "sigma, count() within \(rule.timeframeSeconds.map { RuleSet.timespan($0) } ?? "-")" : "sigma"
            case .correlation(let c): kind = "sigma correlation \(c.correlation.kind.rawValue) within \(RuleSet.timespan(c.correlation.timespanSeconds))"
            }
            out += TerminalText.safe(SigmaFindings.ruleID(rule)) + "  " + (rule.technique.isEmpty ? "-" : TerminalText.safe(rule.technique))
                + "  " + SigmaFindings.severity(rule.level).name + "  " + TerminalText.safe(rule.title) + "\n"
            out += "    \(kind); \(TerminalText.safe(rule.logSource)); \(TerminalText.safe(rule.file))\(rule.author.isEmpty ? "" : "; author: " + TerminalText.safe(rule.author))\n"
        }
        let skipped = set.statuses.count - set.loadedCount
        if skipped > 0 {
            out += "\(skipped) Sigma rules do not run (\(set.unsupportedCount) unsupported, \(set.notApplicableCount) not applicable): dwell sigma check lists why\n"
        }
        return out
    }

    static func text(_ set: RuleSet, verbose: Bool) -> String {
        let header = ["ID", "TECHNIQUE", "LEVEL", "THRESHOLD", "WINDOW", "TITLE"]
        var rows: [[String]] = [header]
        for r in set.rules {
            rows.append([
                r.id + (r.enabled ? "" : " (off)"), r.technique, r.severity.name, "\(r.threshold) \(r.unit)",
                r.windowSeconds > 0 ? RuleSet.timespan(r.windowSeconds) : "-", r.title,
            ])
        }
        var widths = [Int](repeating: 0, count: header.count)
        for row in rows { for (c, cell) in row.enumerated() { widths[c] = max(widths[c], cell.count) } }
        var out = ""
        for (n, row) in rows.enumerated() {
            var line = ""
            for (c, cell) in row.enumerated() {
                line += c + 1 < row.count ? cell.padding(toLength: widths[c] + 2, withPad: " ", startingAt: 0) : cell
            }
            out += line + "\n"
            guard n > 0 else { continue }
            let r = set.rules[n - 1]
            out += "    \(r.description)\n"
            guard verbose else { continue }
            for p in r.parameters { out += "    parameter \(p.name) = \(p.value): \(p.description)\n" }
            for l in r.lists {
                out +=
                    "    list \(l.name) (\(l.values.count)): \(l.values.map { TerminalText.safe($0) }.joined(separator: ", "))\n"
            }
        }
        return out
    }
}
