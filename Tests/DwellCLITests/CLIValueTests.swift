import ArgumentParser
import DwellAnalysis
import DwellReports
import Foundation
import Testing

@testable import dwell

/// The command line's typed values: parsed once by the argument parser, with messages that say what would do.
@Suite struct CLIValueTests {
    /// The parser's error for `arguments`, as `dwell` prints it, and whether it is a usage mistake (which `main`
    /// turns into exit status 2).
    func failure(_ arguments: [String]) -> (message: String, isUsage: Bool)? {
        do {
            _ = try Dwell.parseAsRoot(arguments)
            return nil
        } catch {
            return (Dwell.fullMessage(for: error), Dwell.exitCode(for: error) == .validationFailure)
        }
    }

    @Test func formatsAreParsedIntoTypedValuesInAllCasesOrder() throws {
        let command = try #require(
            try Dwell.parseAsRoot(["investigate", "logs", "--formats", "JSON, md,json"]) as? InvestigateCommand)
        #expect(command.formats == [.md, .json])
        let all = try #require(try Dwell.parseAsRoot(["investigate", "logs", "--formats", "all"]) as? InvestigateCommand)
        #expect(all.formats == ReportFormat.allCases)
        let none = try #require(try Dwell.parseAsRoot(["investigate", "logs"]) as? InvestigateCommand)
        #expect(none.formats == nil)
    }

    @Test func anUnknownFormatNamesItselfAndTheChoices() throws {
        let f = try #require(failure(["investigate", "logs", "--formats", "md,pdf"]))
        #expect(f.isUsage)
        #expect(f.message.contains("--formats <LIST>"))
        #expect(f.message.contains("unknown format 'pdf'"))
        #expect(f.message.contains("md,html,json,csv,jsonl,dot,stix,iocs,sigma"))
    }

    @Test func timelineStyleIsTypedAndCaseInsensitive() throws {
        let command = try #require(
            try Dwell.parseAsRoot(["investigate", "logs", "--timeline-style", "L2TCSV"]) as? InvestigateCommand)
        #expect(command.timelineStyle == .l2tcsv)
        let f = try #require(failure(["investigate", "logs", "--timeline-style", "plaso"]))
        #expect(f.isUsage)
        #expect(f.message.contains("'plaso'"))
        #expect(f.message.contains("'timesketch'") && f.message.contains("'l2tcsv'"))
    }

    @Test(arguments: [
        (["investigate", "logs", "--seed"], "investigate"), (["timeline", "logs", "--seed"], "timeline"),
        (["lateral", "logs", "--seed"], "lateral"), (["timeline", "logs", "--indicator"], "timeline --indicator"),
    ])
    func seedsAreTypedInEveryCommand(prefix: [String], label: String) throws {
        let parsed = try Dwell.parseAsRoot(prefix + ["user:deploy"])
        let seeds: [Seed]
        switch parsed {
        case let c as InvestigateCommand: seeds = c.seeds
        case let c as TimelineCommand: seeds = label.hasSuffix("--indicator") ? c.indicators : c.correlation.seedList
        case let c as LateralCommand: seeds = c.correlation.seedList
        default: seeds = []
        }
        #expect(seeds.map(\.type) == [.user], "\(label)")
        #expect(seeds.map(\.value) == ["deploy"], "\(label)")
    }

    @Test func aBadSeedSaysTheFormsOfAnIndicator() throws {
        let f = try #require(failure(["investigate", "logs", "--seed", "colour:blue"]))
        #expect(f.isUsage)
        #expect(f.message.contains("'colour:blue'"))
        #expect(f.message.contains("--seed <INDICATOR>"))
        // The option's help follows the error: the forms to give.
        #expect(f.message.contains("an address (203.0.113.9) or TYPE:VALUE"))
        let t = try #require(failure(["timeline", "logs", "--indicator", "nonsense"]))
        #expect(t.isUsage && t.message.contains("'nonsense'") && t.message.contains("TYPE:VALUE"))
    }
}
