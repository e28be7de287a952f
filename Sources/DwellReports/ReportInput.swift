import DwellAnalysis
import DwellCore
import DwellIngest

/// Everything a renderer may use: the investigation value and the facts about the run. Renderers read no
/// evidence files; the raw lines they cite are already in the `EvidenceRef`s.
public struct ReportInput: Sendable {
    public var investigation: Investigation
    /// The evidence manifest: one entry per file read (hash, sizes, format, counts, problems).
    public var files: [FileStats]
    /// Paths that could not be listed or opened during discovery.
    public var discoveryIssues: [EvidenceIssue]
    /// The report's generation time: `SOURCE_DATE_EPOCH` when set, otherwise nil (omitted, so runs stay
    /// byte-identical).
    public var generated: Timestamp?
    /// The evidence paths as the user gave them (for the re-attack sweep command in "Next steps").
    public var inputs: [String]
    /// The detector table in force (thresholds and windows), for "Method and caveats".
    public var rules: [Rule]
    public var toolVersion: String
    /// The `--out` directory as the user gave it, for the sweep command in "Next steps" (`OUT` when nil).
    public var outputDirectory: String?

    public init(
        investigation: Investigation, files: [FileStats], discoveryIssues: [EvidenceIssue], generated: Timestamp?,
        inputs: [String], rules: [Rule] = RuleSet.standard.rules, toolVersion: String = ReportInput.version,
        outputDirectory: String? = nil
    ) {
        self.investigation = investigation
        self.files = files
        self.discoveryIssues = discoveryIssues
        self.generated = generated
        self.inputs = inputs
        self.rules = rules
        self.toolVersion = toolVersion
        self.outputDirectory = outputDirectory
    }

    public static let version = "0.1.0"
}
