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
        let result = PartialsInvestigation.run(merged, seeds: seeds, hostMap: hostMap, rules: ruleSet)
        let input = ReportInput(
            investigation: result.investigation, files: result.files, discoveryIssues: [],
            generated: Self.generationTime(), inputs: partials, rules: ruleSet.rules, outputDirectory: out)
        try writeReports(input, origin: "from partials of \(result.files.count) evidence files")
        if merged.manifest.values.contains(where: { !$0.problems.isEmpty }) { throw ExitStatus.evidenceProblems.code }
    }
}
