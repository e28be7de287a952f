import ArgumentParser
import DwellAnalysis
import DwellCore
import DwellReports
import Foundation

extension InvestigateCommand {
    /// `investigate --partials`: the report from merged partial results, in the same formats. What partial mode
    /// cannot tell is listed in the report's caveats (see `PartialsInvestigation`).
    func runPartials(seeds: [Seed], hostMap: [(IPAddress, String)]) throws {
        let merged = try readPartials(partials)
        guard !merged.manifest.isEmpty else {
            printError(
                "dwell: the partials \(partials.joined(separator: " ")) describe no evidence file; give the output of dwell summarize or dwell merge"
            )
            throw ExitStatus.usage.code
        }
        let ruleSet = try rules.ruleSet()
        let chosen = (try? ReportFormat.parseList(formats)) ?? ReportFormat.allCases
        let style = TimelineStyle(rawValue: timelineStyle.lowercased()) ?? .timesketch
        let result = PartialsInvestigation.run(merged, seeds: seeds, hostMap: hostMap, rules: ruleSet)
        let generated = ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"].flatMap(Int64.init).map {
            Timestamp(seconds: $0)
        }
        let input = ReportInput(
            investigation: result.investigation, files: result.files, discoveryIssues: [], generated: generated,
            inputs: partials, rules: ruleSet.rules, outputDirectory: out)
        var stdout = StandardOutput()
        if json {
            stdout.write(ReportSet.render(input, formats: [.json]).first?.bytes ?? [])
        } else {
            var written: [(String, Int)] = []
            for f in ReportSet.render(input, formats: chosen, timelineStyle: style) {
                do {
                    try ReportWriter.write(f.bytes, to: f.path, in: out)
                    written.append((f.path, f.bytes.count))
                } catch {
                    printError("dwell: cannot write \(out)/\(f.path): \(error); check that --out is a writable directory")
                    throw ExitStatus.usage.code
                }
            }
            stdout.write(Summary.render(result.investigation))
            stdout.write(
                "\nWrote \(written.count) file\(written.count == 1 ? "" : "s") to \(out)/  (from partials of \(result.files.count) evidence files, \(result.investigation.eventCount) events):\n"
            )
            for (path, size) in written { stdout.write("  \(path)  (\(size) bytes)\n") }
        }
        stdout.flush()
        if merged.manifest.values.contains(where: { !$0.problems.isEmpty }) { throw ExitStatus.evidenceProblems.code }
    }
}
