import ArgumentParser
import DwellAnalysis
import DwellCore
import DwellSigma
import Foundation

/// `--sigma PATH` (repeatable): Sigma rule files or directories (shared by `investigate` and `rules`).
struct SigmaOptions: ParsableArguments {
    @Option(
        name: .customLong("sigma"),
        help: ArgumentHelp(
            "Sigma rules: a .yml file or a directory walked recursively (repeatable); `dwell sigma check PATH` says which rules run.",
            valueName: "PATH"))
    var paths: [String] = []

    /// The loaded rules, or `nil` without --sigma; a path that does not exist exits 2.
    func ruleSet() throws -> SigmaRuleSet? { try Self.load(paths) }

    static func load(_ paths: [String]) throws -> SigmaRuleSet? {
        guard !paths.isEmpty else { return nil }
        for p in paths where !FileManager.default.fileExists(atPath: p) {
            printError("dwell: --sigma \(TerminalText.safe(p)): no such file or directory")
            throw ExitStatus.usage.code
        }
        return SigmaRuleSet.load(paths: paths)
    }
}

struct SigmaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sigma",
        abstract: "Sigma rules: check which rules dwell can run over the logs it reads.",
        subcommands: [SigmaCheckCommand.self])
}

struct SigmaCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Load Sigma rules and report, per rule: loaded, unsupported (and why), or not applicable (and why).",
        discussion: """
            Reads .yml/.yaml files (directories walked recursively). A rule is loaded when its log source maps onto
            the events dwell reads and every feature and field it uses is supported; unsupported names the feature
            or field; not applicable names the log source or the field dwell's events lack. docs/sigma.md has the
            field table. The last line gives the coverage: the share of rules that run among those whose log source
            dwell reads (rules for sources it does not read, such as auditd, are counted apart). Windows rules may
            use any field of the record (EventData and System, Provider_Name).

            EXAMPLES
              dwell sigma check team-rules/
              dwell sigma check rules/linux rules/web --output json | jq '.rules[] | select(.status != "loaded")'
              dwell investigate /mnt/image/var/log --sigma team-rules/

            EXIT STATUS
              0  every rule loads and runs
              1  some rules are unsupported or not applicable (each listed with why)
              2  usage error, or no rule file found
            """)

    enum Output: String, ExpressibleByArgument, CaseIterable { case text, json }

    @Argument(help: "Rule files or directories.")
    var paths: [String]

    @Option(help: "text (one line per rule, then the counts) or json.")
    var output: Output = .text

    @Flag(help: "With text output: list only the rules that do not run.")
    var problemsOnly = false

    func run() throws {
        let set = try SigmaOptions.load(paths) ?? SigmaRuleSet()
        guard !set.statuses.isEmpty else {
            printError("dwell: no Sigma rule files (.yml, .yaml) under \(paths.map { TerminalText.safe($0) }.joined(separator: ", "))")
            throw ExitStatus.usage.code
        }
        var out = StandardOutput()
        switch output {
        case .text: out.write(Self.text(set, problemsOnly: problemsOnly))
        case .json: out.write(Self.json(set))
        }
        out.flush()
        if set.loadedCount < set.statuses.count { throw ExitCode(1) }
    }

    static func stateName(_ s: SigmaRuleStatus.State) -> (String, String) {
        switch s {
        case .loaded: ("loaded", "")
        case .unsupported(let why): ("unsupported", why)
        case .notApplicable(let why): ("not-applicable", why)
        }
    }

    static func text(_ set: SigmaRuleSet, problemsOnly: Bool) -> String {
        var out = ""
        for s in set.statuses {
            let (name, why) = stateName(s.state)
            if problemsOnly && s.state == .loaded { continue }
            let doc = s.document > 1 ? "#\(s.document)" : ""
            out += "\(name.padding(toLength: 15, withPad: " ", startingAt: 0))\(TerminalText.safe(s.file))\(doc)"
            if !s.id.isEmpty { out += "  \(TerminalText.safe(s.id))" }
            if !s.title.isEmpty { out += "  \(TerminalText.safe(s.title))" }
            if !why.isEmpty { out += "\n               \(TerminalText.safe(why))" }
            out += "\n"
        }
        out += "\(set.statuses.count) rules in \(set.files) files: \(set.loadedCount) loaded, \(set.unsupportedCount) unsupported, \(set.notApplicableCount) not applicable\n"
        out += set.coverageText + "\n"
        return out
    }

    static func json(_ set: SigmaRuleSet) -> String {
        func q(_ s: String) -> String {
            var out = "\""
            for u in s.unicodeScalars {
                switch u {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\t": out += "\\t"
                default:
                    if u.value < 0x20 || u.value == 0x7f || (u.value >= 0x80 && u.value < 0xa0) || u.value == 0x2028 || u.value == 0x2029 {
                        out += String(format: "\\u%04x", u.value)
                    } else {
                        out.unicodeScalars.append(u)
                    }
                }
            }
            return out + "\""
        }
        var rows: [String] = []
        for s in set.statuses {
            let (name, why) = stateName(s.state)
            rows.append(
                "{\"file\":\(q(s.file)),\"document\":\(s.document),\"id\":\(q(s.id)),\"title\":\(q(s.title)),\"logsource\":\(q(s.logSource)),\"status\":\(q(name)),\"reason\":\(q(why)),\"source_read\":\(s.sourceRead)}")
        }
        return "{\"summary\":{\"rules\":\(set.statuses.count),\"files\":\(set.files),\"loaded\":\(set.loadedCount),\"unsupported\":\(set.unsupportedCount),\"not_applicable\":\(set.notApplicableCount),\"for_sources_read\":\(set.sourceReadCount),\"loaded_for_sources_read\":\(set.loadedOfSourceReadCount)},\"rules\":[\n"
            + rows.joined(separator: ",\n") + "\n]}\n"
    }
}
