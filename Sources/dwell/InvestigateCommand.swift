import ArgumentParser
import DwellAnalysis
import DwellCore
import DwellIngest
import DwellReports
import Foundation

struct InvestigateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "investigate",
        abstract: "Find the attack: window (dwell time), scope, lateral movement, findings — with the evidence line behind each.",
        discussion: """
            With no --seed, high-severity findings (success after brute force, web shell, successful exploit,
            high IDS alerts) seed the correlation. Prints a summary and writes report.json to --out.

            EXAMPLES
              dwell investigate SampleLogs/incident-2026-03
              dwell investigate /mnt/image/var/log --seed 203.0.113.45 --out case-42
              dwell investigate logs/ --seed user:deploy --hosts hosts.csv --tz 'web01/*=America/New_York'

            \(ExitStatus.helpText)
            """)

    @Argument(help: "Files, directories (walked recursively) or - for stdin.")
    var paths: [String]

    @Option(name: .customLong("seed"), help: ArgumentHelp("A known indicator: 1.2.3.4, user:NAME, host:NAME, ua:TEXT, url:PATH (repeatable).", valueName: "INDICATOR"))
    var seeds: [String] = []

    @Option(help: ArgumentHelp("Indicators, one per line (same forms as --seed; # comments).", valueName: "FILE"))
    var iocs: String?

    @Option(help: ArgumentHelp("CSV of address,hostname to name hosts the logs do not name.", valueName: "FILE"))
    var hosts: String?

    @Option(help: ArgumentHelp("Directory for report.json (created; never inside the evidence).", valueName: "DIR"))
    var out: String = "dwell-out"

    @Flag(help: "Print report.json to stdout instead of the summary.")
    var json = false

    @OptionGroup var reading: ReadingOptions
    @OptionGroup var rules: RulesOptions

    func validate() throws {
        for s in seeds where Seed(parsing: s) == nil {
            throw ValidationError("cannot read --seed '\(s)': give an address (203.0.113.9) or TYPE:VALUE (user:deploy, host:web01, ua:sqlmap)")
        }
    }

    func run() throws {
        var seedList = seeds.compactMap { Seed(parsing: $0) }
        if let iocs {
            guard let text = try? String(contentsOfFile: iocs, encoding: .utf8) else {
                printError("dwell: cannot read --iocs \(iocs)")
                throw ExitStatus.usage.code
            }
            for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let line = raw.trimmingCharacters(in: .whitespaces)
                if line.isEmpty || line.hasPrefix("#") { continue }
                guard let s = Seed(parsing: line, reason: "listed in \(iocs):\(n + 1)") else {
                    printError("dwell: \(iocs):\(n + 1): not an indicator: \(TerminalText.safe(line))")
                    throw ExitStatus.usage.code
                }
                seedList.append(s)
            }
        }
        var hostMap: [(IPAddress, String)] = []
        if let hosts {
            guard let text = try? String(contentsOfFile: hosts, encoding: .utf8) else {
                printError("dwell: cannot read --hosts \(hosts)")
                throw ExitStatus.usage.code
            }
            for (n, raw) in text.split(separator: "\n").enumerated() {
                let cols = raw.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                if cols.first?.hasPrefix("#") == true || cols.first == "address" { continue }
                guard cols.count >= 2, let ip = IPAddress(cols[0]), !cols[1].isEmpty else {
                    printError("dwell: \(hosts):\(n + 1): expected address,hostname")
                    throw ExitStatus.usage.code
                }
                hostMap.append((ip, cols[1]))
            }
        }
        let found = try requireEvidence(paths)
        let outDir = URL(fileURLWithPath: out).standardizedFileURL.path
        for f in found.files where !f.isStdin {
            let dir = URL(fileURLWithPath: f.path).deletingLastPathComponent().standardizedFileURL.path
            if dir == outDir || dir.hasPrefix(outDir + "/") {
                printError("dwell: --out \(out) is inside the evidence; choose a directory outside it")
                throw ExitStatus.usage.code
            }
        }
        let options = try reading.ingestOptions()
        let bar = ProgressBar(
            totalBytes: UInt64(found.files.reduce(0) { $0 + max($1.sizeBytes, 0) }), totalFiles: found.files.count,
            quiet: reading.quiet)
        let result = InvestigationRun.run(
            files: found.files, discoveryIssues: found.issues, options: options, seeds: seedList, hostMap: hostMap,
            rules: try rules.ruleSet(), progress: bar.progress)
        bar.finish()
        let generated = ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"].flatMap(Int64.init).map { Timestamp(seconds: $0) }
        let report = ReportJSON.render(result.investigation, files: result.files, discoveryIssues: result.discoveryIssues, generated: generated)
        var stdout = StandardOutput()
        if json {
            stdout.write(report)
        } else {
            do {
                try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
                try Data(report).write(to: URL(fileURLWithPath: out).appendingPathComponent("report.json"))
            } catch {
                printError("dwell: cannot write \(out)/report.json: \(error.localizedDescription)")
                throw ExitStatus.usage.code
            }
            stdout.write(Summary.render(result.investigation))
            stdout.write("\nReport: \(out)/report.json  (\(result.files.count) files, \(result.investigation.eventCount) events)\n")
        }
        stdout.flush()
        let problems = found.issues.contains(where: \.isProblem) || result.files.contains(where: \.hasProblems)
        if !result.files.contains(where: { $0.rawBytes > 0 }) { throw ExitStatus.usage.code }
        if problems { throw ExitStatus.evidenceProblems.code }
    }
}
