import ArgumentParser
import DwellAnalysis
import DwellReports
import Foundation

// The typed values of the command line, parsed once by the argument parser: a bad value is a usage mistake
// (exit status 2) whose message names the option, the value and what would do (the parser lists the choices of an
// enumeration, and prints the option's help, which gives the forms of an indicator).

extension ReportFormat: ExpressibleByArgument {
    /// One format name (`md`, `JSON`): case-insensitive, surrounding blanks ignored.
    public init?(argument: String) {
        self.init(rawValue: argument.trimmingCharacters(in: .whitespaces).lowercased())
    }

    /// `--formats`: a comma-separated list of names, or `all`; duplicates dropped, in `allCases` order.
    /// - Throws: `ReportFormat.UnknownFormat` naming the first unknown name (the parser appends its description
    ///   to "The value … is invalid for '--formats <LIST>'").
    static func list(argument: String) throws -> [ReportFormat] {
        try parseList(argument)
    }
}

extension TimelineStyle: ExpressibleByArgument {
    /// `timesketch` or `l2tcsv`, case-insensitive.
    public init?(argument: String) {
        self.init(rawValue: argument.trimmingCharacters(in: .whitespaces).lowercased())
    }
}

extension Seed: ExpressibleByArgument {
    /// The forms of `Seed(parsing:)`: `203.0.113.9`, `user:deploy`, `host:web01`, `ua:sqlmap`, `url:/x`, a hash or
    /// a domain.
    public init?(argument: String) {
        self.init(parsing: argument)
    }
}
