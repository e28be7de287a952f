import DwellCore

/// What reading one file gave: the manifest entry (hash, sizes, format, counts, problems).
public struct FileStats: Sendable {
    public struct Sample: Sendable, Hashable {
        public var line: UInt64
        public var offset: UInt64
        public var reason: String
        public var column: Int?
        /// The raw line, cut at 512 bytes.
        public var raw: [UInt8]
    }

    public var file: EvidenceFile
    public var sha256 = ""
    public var rawBytes: UInt64 = 0
    public var decompressedBytes: UInt64 = 0
    public var compression: Compression = .none
    public var gzipMembers = 0
    /// The detected (or forced) format's name; `nil` when none applied (binary, unsupported, empty, no format).
    public var format: String?
    public var lines: UInt64 = 0
    /// Lines that became events.
    public var parsed: UInt64 = 0
    /// Lines the format defines as non-events (headers, comments, blank lines).
    public var nonEvents: UInt64 = 0
    public var rejected: UInt64 = 0
    public var rejectionsByReason: [String: UInt64] = [:]
    /// The first few rejected lines of each reason.
    public var samples: [Sample] = []
    public var issues: [EvidenceIssue] = []
    /// The display path of an earlier byte-identical file; this one's events were not used.
    public var duplicateOf: String?
    /// Events per time source name (`explicit`, `year=file-mtime,zone=assumed-utc`, …).
    public var timeSources: [String: UInt64] = [:]
    public var firstTime: Timestamp?
    public var lastTime: Timestamp?
    /// The reference time used for year inference, and where it came from.
    public var yearReference: Timestamp?
    public var yearReferenceSource: String?
    public var zone: String = "UTC"

    public init(file: EvidenceFile) { self.file = file }

    /// Whether some of this file's evidence could not be read (exit status 3).
    public var hasProblems: Bool { issues.contains(where: \.isProblem) || rejected > 0 && format == nil }
}
