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
    /// For a systemd journal file: what its header says and what reading it gave.
    public var journal: JournalSummary?

    public init(file: EvidenceFile) { self.file = file }

    /// Whether some of this file's evidence could not be read (exit status 3).
    public var hasProblems: Bool { issues.contains(where: \.isProblem) || rejected > 0 && format == nil }
}

/// The manifest's view of one systemd journal file.
public struct JournalSummary: Sendable, Hashable {
    /// `offline`, `online` (being written, or not closed cleanly) or `archived`; `state N` for an unknown byte.
    public var state: String
    /// `none`, `xz`, `lz4`, `zstd` (from the header's incompatible flags).
    public var compression: String
    public var compact: Bool
    public var keyedHash: Bool
    public var incompatibleFlags: UInt32
    public var compatibleFlags: UInt32
    /// Entries the header counts, entries read, recovered by the object walk, and known but unreadable.
    public var headerEntries: UInt64
    public var entriesRead: UInt64
    public var entriesRecovered: UInt64
    public var entriesLost: UInt64
    /// Sequence numbers of the entries read (first, last), and the header's head and tail realtime.
    public var firstSeqnum: UInt64?
    public var lastSeqnum: UInt64?
    public var headRealtime: Timestamp
    public var tailRealtime: Timestamp
    public var seqnumID: String
    public var machineID: String
    /// Entries whose time came from `_SOURCE_REALTIME_TIMESTAMP` (the rest: `__REALTIME_TIMESTAMP`).
    public var sourceTimeEntries: UInt64 = 0

    public init(
        state: String, compression: String, compact: Bool, keyedHash: Bool, incompatibleFlags: UInt32,
        compatibleFlags: UInt32, headerEntries: UInt64, entriesRead: UInt64, entriesRecovered: UInt64,
        entriesLost: UInt64, firstSeqnum: UInt64?, lastSeqnum: UInt64?, headRealtime: Timestamp,
        tailRealtime: Timestamp, seqnumID: String, machineID: String
    ) {
        self.state = state
        self.compression = compression
        self.compact = compact
        self.keyedHash = keyedHash
        self.incompatibleFlags = incompatibleFlags
        self.compatibleFlags = compatibleFlags
        self.headerEntries = headerEntries
        self.entriesRead = entriesRead
        self.entriesRecovered = entriesRecovered
        self.entriesLost = entriesLost
        self.firstSeqnum = firstSeqnum
        self.lastSeqnum = lastSeqnum
        self.headRealtime = headRealtime
        self.tailRealtime = tailRealtime
        self.seqnumID = seqnumID
        self.machineID = machineID
    }
}
