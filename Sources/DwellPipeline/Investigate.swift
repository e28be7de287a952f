import DwellAnalysis
import DwellCore
import DwellIndex
import DwellIngest
import DwellSigma
import Foundation

/// Collects one file's events for the store, as columns.
public struct StoreSink: EventSink {
    var chunk = EventChunk()
    var ownTraffic = OwnTrafficLines()
    /// Sigma keyword searches of this file's lines, made as they are read (`SigmaLineScan`); `nil` without rules.
    var keywords: SigmaLineScan.File?
    public init() {}
    init(keywords: SigmaLineScan.File?) { self.keywords = keywords }
    /// The store keeps no connection uid or referer: the parsers skip interning them.
    public var wantsUnindexedText: Bool { false }
    /// The store keeps positions, not text: the raw lines are read back after analysis.
    public var wantsRawLine: Bool { false }
    /// Events not yet in `chunk`: they go in by batches (`EventChunk.append(contentsOf:)`, column by column).
    var pending: [Event] = []
    static let batchEvents = 64
    public mutating func reserve(events: Int) { chunk.reserve(events: events) }
    public mutating func consume(_ event: Event, line: Span<UInt8>, context: inout ParseContext) {
        pending.append(event)
        if pending.count == Self.batchEvents { flush() }
        ownTraffic.note(event)  // the store keeps no interfaces: note packets the host sent itself (OUT= without IN=)
        keywords?.search(event, line: line, symbols: context.symbols)
    }
    mutating func flush() {
        pending.withUnsafeBufferPointer { chunk.append(contentsOf: $0) }
        pending.removeAll(keepingCapacity: true)
    }
    public mutating func finish(context: inout ParseContext, stats: FileStats) -> FileEvents {
        flush()
        return FileEvents(chunk: chunk, symbols: context.symbols, ownTraffic: ownTraffic, keywordHits: keywords.take()?.finish())
    }
}

public struct FileEvents: Sendable {
    public var chunk: EventChunk
    public var symbols: SymbolTable
    public var ownTraffic = OwnTrafficLines()
    /// The Sigma keyword hits in the file's lines, when they were searched as it was read.
    public var keywordHits: SigmaLineHits?
}

/// The main job: read the evidence, index it, detect, correlate, and attach the raw evidence lines (the analysis
/// steps are DwellAnalysis's `InvestigationRun.detect` and `correlate`).
extension InvestigationRun {
    public struct Result: Sendable {
        public var investigation: Investigation
        public var files: [FileStats]
        public var discoveryIssues: [EvidenceIssue]
        public var store: EventStore
        /// What a persistent case keeps to correlate again without the evidence.
        public var analysis = StoredAnalysis()
    }

    public static func run(
        paths: [String], options: IngestOptions, seeds: [Seed], rules: RuleSet = .standard,
        hostEntries: [HostMapEntry] = [], internalNetworks: [IPNetwork] = [], sigma: SigmaRuleSet? = nil,
        progress: IngestProgress? = nil
    ) -> Result {
        let found = Discovery().discover(paths)
        return run(
            files: found.files, discoveryIssues: found.issues, options: options, seeds: seeds, rules: rules,
            hostEntries: hostEntries, internalNetworks: internalNetworks, sigma: sigma, progress: progress)
    }

    public static func run(
        files: [EvidenceFile], discoveryIssues: [EvidenceIssue], options: IngestOptions, seeds: [Seed],
        rules: RuleSet = .standard, hostEntries: [HostMapEntry] = [], internalNetworks: [IPNetwork] = [],
        sigma: SigmaRuleSet? = nil, progress: IngestProgress? = nil
    ) -> Result {
        var trace = PhaseTrace()
        // Sigma keywords are searched in the text files' lines as they are read (no second read after the analysis).
        let lineScan = sigma.flatMap { $0.runnable.isEmpty ? nil : SigmaLineScan($0, parserOptions: options.parserOptions) }
        let (store, stats, ownTraffic, scanned) = read(files: files, options: options, progress: progress, lineScan: lineScan)
        trace.mark(
            "read, parse, store build",
            detail: "\(store.count) events, \(store.approximateBytes / max(store.count, 1)) B/event, \(store.approximateBytes >> 20) MiB, gzip inflated by \(InflateEngine.preferred.rawValue); \(store.bytesBreakdown)")
        let paths = files.map(\.displayPath)
        var analysis = StoredAnalysis()
        analysis.ownTraffic = ownTraffic
        analysis.hostEntries = hostEntries
        analysis.internalNetworks = internalNetworks
        let directory = hostDirectory(store: store, paths: paths, analysis: analysis)
        analysis.hostDirectory = directory.snapshot
        let detected = detect(
            store: store, paths: paths, rules: rules, directory: directory, sigma: sigma, files: files, options: options,
            sigmaScanned: scanned)
        (analysis.findings, analysis.networkCaveat) = (detected.findings, detected.networkCaveat)
        let inv = correlate(
            store: store, paths: paths, stats: stats, analysis: analysis, directory: directory, seeds: seeds,
            notes: detected.sigmaNotes.map { "Sigma: \($0)" }
        ) { inv in
            EvidenceLookup.attachRawLines(&inv, files: files, options: options)
            inv.caveats += EvidenceLookup.stdinCaveats(files: files, spool: options.stdinSpool).map(Caveat.init(stringLiteral:))
        }
        return Result(
            investigation: inv, files: stats, discoveryIssues: discoveryIssues, store: store, analysis: analysis)
    }

    /// Reads and parses every file into one event store (the first half of every command that needs the index).
    public static func buildStore(files: [EvidenceFile], options: IngestOptions, progress: IngestProgress? = nil)
        -> (EventStore, [FileStats])
    {
        let r = read(files: files, options: options, progress: progress)
        return (r.store, r.stats)
    }

    /// `buildStore`, with the Sigma keyword hits of the text files' lines found as they were read (for `sigma`'s
    /// rules: give them to `SigmaEngine`).
    public static func buildStore(files: [EvidenceFile], options: IngestOptions, sigma: SigmaRuleSet)
        -> (store: EventStore, stats: [FileStats], scanned: SigmaScannedLines?)
    {
        let r = read(files: files, options: options, progress: nil, lineScan: SigmaLineScan(sigma, parserOptions: options.parserOptions))
        return (r.store, r.stats, r.scanned)
    }

    /// `buildStore` for a persistent case built without analysis (`dwell index`): the store, and what the host
    /// directory is built from (the detectors have not run: no findings).
    /// `kept`: events a case already holds (`EventStore.keeping(files:)`), merged with the files read.
    public static func index(
        files: [EvidenceFile], options: IngestOptions, hostEntries: [HostMapEntry] = [],
        internalNetworks: [IPNetwork] = [], progress: IngestProgress? = nil, kept: EventStore? = nil
    ) -> (store: EventStore, stats: [FileStats], analysis: StoredAnalysis) {
        let r = read(files: files, options: options, progress: progress, kept: kept)
        var analysis = StoredAnalysis()
        analysis.ownTraffic = r.ownTraffic
        analysis.hostEntries = hostEntries
        analysis.internalNetworks = internalNetworks
        return (r.store, r.stats, analysis)
    }

    /// `buildStore`, and the lines of packets hosts logged sending themselves (for learning their addresses), and
    /// the Sigma keyword hits `lineScan` found in the lines as they were read.
    static func read(
        files: [EvidenceFile], options: IngestOptions, progress: IngestProgress?, kept: EventStore? = nil,
        lineScan: SigmaLineScan? = nil
    ) -> (store: EventStore, stats: [FileStats], ownTraffic: OwnTrafficLines, scanned: SigmaScannedLines?) {
        // Files' chunks are built and freed one after another: keep their blocks in the heap for the next file
        // (process-wide; the commands that stream without a store, such as `sweep`, leave glibc's defaults).
        Heap.preferReuse()
        var ownTraffic = OwnTrafficLines()
        var builder = EventStore.Builder()
        builder.threads = options.jobs
        // Reserve the columns once from a generous estimate of the event count (about one event per 64 bytes of
        // text, gzip taken as 10:1). Capacity never written is never resident, while growing by doubling would
        // copy every column and leave the old copies in the heap.
        let estimatedText = files.reduce(0) { $0 + Int(max($1.sizeBytes, 0)) * ($1.path.hasSuffix(".gz") ? 10 : 1) }
        builder.reserve(events: min(estimatedText / 64, 64 << 20) + (kept?.count ?? 0))
        if let kept { builder.add(kept: kept) }
        var stats: [FileStats] = []
        var keywordHits: [UInt32: SigmaLineHits] = [:]
        Ingest.run(files: files, options: options, progress: progress, makeSink: { _ in StoreSink(keywords: lineScan?.file()) }) { s, out in
            stats.append(s)
            if s.duplicateOf == nil {
                builder.add(chunk: out.chunk, symbols: out.symbols)
                ownTraffic.merge(out.ownTraffic)
                if let hits = out.keywordHits { keywordHits[s.file.id] = hits }
            }
        }
        return ((consume builder).build(), stats, ownTraffic, lineScan?.scanned(keywordHits))
    }

}

/// Reads back the raw lines that the investigation cites (one streaming pass per cited file).
public enum EvidenceLookup {
    public static func attachRawLines(_ inv: inout Investigation, files: [EvidenceFile], options: IngestOptions) {
        // One streaming pass per cited file, files read side by side (each pass is independent).
        fill(&inv, raw: EvidenceResolver.rawLines(citedLines(inv), files: files, options: options))
    }

    /// What the report must say when stdin's lines could not all be kept for citing (`StdinSpool`).
    public static func stdinCaveats(files: [EvidenceFile], spool: StdinSpool?) -> [String] {
        guard let stdin = files.first(where: \.isStdin) else { return [] }
        guard let spool else { return ["\(stdin.displayPath): read once from standard input; its evidence lines are cited without their text"] }
        var out: [String] = []
        if let problem = spool.problem { out.append("\(stdin.displayPath): \(problem)") }
        if spool.cut {
            out.append(
                "\(stdin.displayPath): only its first \(spool.bytesKept) bytes were kept for citing (at most \(spool.maxBytes)); evidence lines after them are cited by line number without their text")
        }
        return out
    }

    /// The cited lines of one file (EvidenceResolver's, the one reader of raw evidence).
    public static func rawLines(_ lines: Set<UInt64>, of file: EvidenceFile, options: IngestOptions) -> [UInt64: [UInt8]] {
        EvidenceResolver.rawLines(lines, of: file, options: options)
    }

    /// The lines an investigation cites, by file id (every place `Investigation.forEachEvidence` visits).
    public static func citedLines(_ inv: Investigation) -> [UInt32: Set<UInt64>] {
        var wanted: [UInt32: Set<UInt64>] = [:]
        inv.forEachEvidence { wanted[$0.fileID, default: []].insert($0.line) }
        return wanted
    }

    /// Fills every cited place's raw line from `raw` (file id → line → bytes); a line not there stays empty.
    public static func fill(_ inv: inout Investigation, raw: [UInt32: [UInt64: [UInt8]]]) {
        inv.updateEachEvidence { $0.raw = raw[$0.fileID]?[$0.line] ?? [] }
    }
}

