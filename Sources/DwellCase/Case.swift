import DwellAnalysis
import DwellCore
import DwellIndex
import DwellIngest
import DwellPipeline
import Foundation

/// A persistent case: the event store of a run, its evidence manifest, the detectors' findings and the raw lines
/// the findings cite, on disk in one directory, so later commands answer without reading the evidence.
///
/// Written by `dwell index … --case DIR` (store and manifest) and `dwell investigate … --case DIR` (and the
/// findings); read by `pivot`, `timeline`, `lateral`, `investigate --case`, `case verify`, `case export` and
/// `query`. The layout is in docs/DESIGN.md, "The case on disk".
public struct Case: Sendable {
    public var directory: String
    /// The paths given when the case was built.
    public var inputs: [String]
    /// The evidence files in file-id order, and what reading each gave.
    public var evidence: [EvidenceFile]
    public var stats: [FileStats]
    public var discoveryIssues: [EvidenceIssue]
    /// The seeds the case was investigated with (none: the seeding findings).
    public var seeds: [Seed]
    /// A `--rules` file's path and text, when one was given.
    public var rulesFile: String?
    public var rulesText: String?
    /// Whether the detectors ran (`investigate --case`); a case from `dwell index` has no findings yet.
    public var analysed: Bool
    public var store: EventStore
    public var analysis: InvestigationRun.StoredAnalysis
    public var lines: CaseLines
    /// The phase of each event of the case's investigation timeline (what `timeline --case` marks).
    public var phases: [PhaseMark] = []
    /// The mapped files, kept open while the case is.
    var mappings: [MappedCaseFile] = []

    public var paths: [String] { evidence.map(\.displayPath) }

    public init(
        directory: String, inputs: [String], evidence: [EvidenceFile], stats: [FileStats],
        discoveryIssues: [EvidenceIssue], seeds: [Seed], rulesFile: String?, rulesText: String?, analysed: Bool,
        store: EventStore, analysis: InvestigationRun.StoredAnalysis, lines: CaseLines
    ) {
        self.directory = directory
        self.inputs = inputs
        self.evidence = evidence
        self.stats = stats
        self.discoveryIssues = discoveryIssues
        self.seeds = seeds
        self.rulesFile = rulesFile
        self.rulesText = rulesText
        self.analysed = analysed
        self.store = store
        self.analysis = analysis
        self.lines = lines
    }

    // MARK: Writing

    /// Writes the case's four files into `directory` (created), each whole and renamed into place.
    public func write() throws(CaseError) {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw CaseError("cannot create the case directory \(directory): \(error.localizedDescription)")
        }
        var w = BinaryWriter(capacity: store.approximateBytes + (1 << 16))
        w.markSections()
        store.write(to: &w)
        let ends = w.sectionEnds ?? []
        let stream = w.take()
        try CaseFile.write(stream, trailer: CaseFile.trailer(of: stream, ends: ends), kind: .store, in: directory)
        analysis.write(to: &w)
        try CaseFile.write(w.take(), kind: .analysis, in: directory)
        lines.write(to: &w)
        try CaseFile.write(w.take(), kind: .lines, in: directory)
        // The manifest last: a case whose manifest is there is complete.
        writeManifest(to: &w)
        try CaseFile.write(w.take(), kind: .manifest, in: directory)
    }

    func writeManifest(to w: inout BinaryWriter) {
        w.string(Self.toolVersion)
        w.strings(inputs)
        w.int(evidence.count)
        for e in evidence { e.write(to: &w) }
        w.int(stats.count)
        for s in stats { s.write(to: &w) }
        w.int(discoveryIssues.count)
        for i in discoveryIssues { i.write(to: &w) }
        w.int(seeds.count)
        for s in seeds {
            w.u8(s.type.rawValue)
            w.string(s.value)
            w.string(s.reason)
        }
        w.optionalString(rulesFile)
        w.optionalString(rulesText)
        w.bool(analysed)
        w.int(store.count)
        w.int(phases.count)
        for m in phases {
            w.time(m.time)
            w.u32(m.fileID)
            w.u64(m.line)
            w.string(m.phase)
        }
    }

    public static let toolVersion = "0.1.0"

    // MARK: Reading

    /// Opens the case in `directory`: maps its files, checks each header and checksum (every section of the
    /// store), and reads them; the store is copied into memory (`CaseIndex` reads it in place instead).
    /// - Throws: `CaseError` naming the file and what is wrong (missing, another format version, damaged).
    public static func open(_ directory: String) throws(CaseError) -> Case {
        let index = try CaseIndex.open(directory)
        var c = index.manifest
        index.store.checkAll()
        var sr = BinaryReader(index.stream)
        do {
            try index.store.checkIntact()
            c.store = try EventStore(reading: &sr)
        } catch {
            throw damaged(directory, .store, error)
        }
        let analysisFile = try CaseFile.open(.analysis, in: directory)
        var ar = analysisFile.reader()
        do {
            c.analysis = try InvestigationRun.StoredAnalysis(reading: &ar)
        } catch {
            throw damaged(directory, .analysis, error)
        }
        c.lines = index.lines
        // Every event must name a file of the manifest.
        if let f = c.store.largestFileID, Int(f) >= c.evidence.count {
            throw CaseError(
                "\(directory): events name evidence file #\(f), the manifest lists \(c.evidence.count); rebuild the case"
            )
        }
        c.mappings = index.mappings + [analysisFile]
        return c
    }

    /// A file whose header checksum matched but whose content is wrong; `e.offset` (in the payload) is given as
    /// the byte of the file, past its header.
    static func damaged(_ directory: String, _ kind: CaseFile.Kind, _ e: BinaryFormatError) -> CaseError {
        CaseError(
            "\(directory)/\(kind.fileName): \(e.what) at byte \(e.offset + CaseFile.headerBytes) although its header checksum matched; the case was written by a faulty dwell, edited or damaged: rebuild it with `dwell index EVIDENCE... --case \(directory)`"
        )
    }

    /// The manifest of the case in `directory`, as a case without store, findings or lines.
    static func readManifest(_ directory: String) throws(CaseError) -> (Case, MappedCaseFile) {
        let manifest = try CaseFile.open(.manifest, in: directory)
        var r = manifest.reader()
        var c: Case
        do throws(BinaryFormatError) {
            _ = try r.string()
            let inputs = try r.strings()
            var evidence: [EvidenceFile] = []
            for _ in 0..<(try r.count(minimumBytes: 40)) { evidence.append(try EvidenceFile(reading: &r)) }
            var stats: [FileStats] = []
            for _ in 0..<(try r.count(minimumBytes: 40)) { stats.append(try FileStats(reading: &r)) }
            var issues: [EvidenceIssue] = []
            for _ in 0..<(try r.count(minimumBytes: 20)) { issues.append(try EvidenceIssue(reading: &r)) }
            var seeds: [Seed] = []
            for _ in 0..<(try r.count(minimumBytes: 17)) {
                let at = r.position
                guard let type = IndicatorType(rawValue: try r.u8()) else {
                    throw BinaryFormatError(offset: at, what: "seed type")
                }
                seeds.append(Seed(type: type, value: try r.string(), reason: try r.string()))
            }
            let rulesFile = try r.optionalString()
            let rulesText = try r.optionalString()
            let analysed = try r.bool()
            _ = try r.int()
            var phases: [PhaseMark] = []
            for _ in 0..<(try r.count(minimumBytes: 28)) {
                phases.append(
                    PhaseMark(time: try r.time(), fileID: try r.u32(), line: try r.u64(), phase: try r.string()))
            }
            c = Case(
                directory: directory, inputs: inputs, evidence: evidence, stats: stats, discoveryIssues: issues,
                seeds: seeds, rulesFile: rulesFile, rulesText: rulesText, analysed: analysed, store: EventStore(),
                analysis: .init(), lines: CaseLines())
            c.phases = phases
        } catch {
            throw damaged(directory, .manifest, error)
        }
        return (c, manifest)
    }

    // MARK: Investigating

    /// The rule set the case was built with: the standard table, or the stored `--rules` file's.
    public func ruleSet() throws -> RuleSet {
        guard let rulesText else { return .standard }
        return try RuleFile.load(path: rulesFile ?? "(rules stored in the case)", text: rulesText)
    }

    /// Investigates from the case: the stored findings (or, with `rules`, or for a case that was only indexed,
    /// the detectors run again over the stored events), correlated from `seeds` (the case's own when nil).
    /// Raw lines come from the case; a cited line the case does not hold is read from the evidence when the file
    /// is still there with its recorded size and time, and otherwise left out with a caveat.
    public func investigate(seeds: [Seed]? = nil, rules: RuleSet? = nil, options: IngestOptions = IngestOptions())
        throws -> (investigation: Investigation, analysis: InvestigationRun.StoredAnalysis)
    {
        var analysis = self.analysis
        let directory = InvestigationRun.hostDirectory(store: store, paths: paths, analysis: analysis)
        if rules != nil || !analysed {
            let detected = InvestigationRun.detect(
                store: store, paths: paths, rules: try rules ?? ruleSet(), directory: directory)
            (analysis.findings, analysis.networkCaveat) = (detected.findings, detected.networkCaveat)
        }
        let inv = InvestigationRun.correlate(
            store: store, paths: paths, stats: stats, analysis: analysis, directory: directory,
            seeds: seeds ?? self.seeds
        ) { inv in attachRawLines(&inv, options: options) }
        return (inv, analysis)
    }

    /// Fills the investigation's raw lines from the case, then from unchanged evidence files.
    public func attachRawLines(_ inv: inout Investigation, options: IngestOptions) {
        var raw: [UInt32: [UInt64: [UInt8]]] = [:]
        var missing: [UInt32: Set<UInt64>] = [:]
        for (file, wanted) in EvidenceLookup.citedLines(inv) {
            for line in wanted {
                if let bytes = lines.line(file: file, line: line) {
                    raw[file, default: [:]][line] = bytes
                } else {
                    missing[file, default: []].insert(line)
                }
            }
        }
        var unread = 0
        for (file, wanted) in missing.sorted(by: { $0.key < $1.key }) {
            guard Int(file) < evidence.count, let e = unchangedEvidence(Int(file)) else {
                unread += wanted.count
                continue
            }
            let found = EvidenceLookup.rawLines(wanted, of: e, options: options)
            unread += wanted.count - found.count
            raw[file, default: [:]].merge(found) { a, _ in a }
        }
        EvidenceLookup.fill(&inv, raw: raw)
        if unread > 0 {
            inv.caveats.append(
                "\(unread) cited line(s) are neither in the case \(directory) nor in unchanged evidence; their raw text is missing from this report (run `dwell case verify \(directory)`)"
            )
        }
    }

    /// The evidence file with this id when it is still at its path with the recorded size and modification time.
    public func unchangedEvidence(_ id: Int) -> EvidenceFile? { Self.unchanged(evidence, id) }

    static func unchanged(_ evidence: [EvidenceFile], _ id: Int) -> EvidenceFile? {
        guard id >= 0, id < evidence.count else { return nil }
        let e = evidence[id]
        guard !e.isStdin, let a = try? FileManager.default.attributesOfItem(atPath: e.path),
            let size = a[.size] as? Int64 ?? (a[.size] as? Int).map(Int64.init), size == e.sizeBytes
        else { return nil }
        if let recorded = e.modificationTime, let m = a[.modificationDate] as? Date {
            let micros = Int64((m.timeIntervalSince1970 * 1_000_000).rounded())
            guard abs(micros - recorded.microseconds) < 1000 else { return nil }
        }
        return e
    }
}

/// An event of an investigation's timeline and its phase, by its place in the evidence.
public struct PhaseMark: Sendable, Hashable {
    public var time: Timestamp
    public var fileID: UInt32
    public var line: UInt64
    public var phase: String

    public init(time: Timestamp, fileID: UInt32, line: UInt64, phase: String) {
        self.time = time
        self.fileID = fileID
        self.line = line
        self.phase = phase
    }
}

extension Case {
    /// The case of an investigation run: its store and manifest, the detectors' findings and every raw line the
    /// investigation cites.
    public static func from(
        run result: InvestigationRun.Result, evidence: [EvidenceFile], directory: String, inputs: [String],
        seeds: [Seed], rulesFile: String?, rulesText: String?
    ) -> Case {
        var raw: [UInt32: [UInt64: [UInt8]]] = [:]
        CaseLines.cited(by: result.investigation, into: &raw)
        var c = Case(
            directory: directory, inputs: inputs, evidence: evidence, stats: result.files,
            discoveryIssues: result.discoveryIssues, seeds: seeds, rulesFile: rulesFile, rulesText: rulesText,
            analysed: true, store: result.store, analysis: result.analysis, lines: CaseLines(raw))
        c.phases = result.investigation.timeline.map {
            PhaseMark(
                time: $0.evidence.time, fileID: $0.evidence.fileID, line: $0.evidence.line, phase: $0.phase.rawValue)
        }
        return c
    }
}
