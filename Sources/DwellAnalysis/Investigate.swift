import DwellCore
import DwellIndex
import DwellIngest
import Foundation

/// Collects one file's events for the store.
public struct StoreSink: EventSink {
    var events: [Event] = []
    public init() {}
    public mutating func consume(_ event: Event, line: Span<UInt8>, context: inout ParseContext) { events.append(event) }
    public mutating func finish(context: inout ParseContext, stats: FileStats) -> FileEvents {
        FileEvents(events: events, symbols: context.symbols)
    }
}

public struct FileEvents: Sendable {
    public var events: [Event]
    public var symbols: SymbolTable
}

/// The main job: read the evidence, index it, detect, correlate, and attach the raw evidence lines.
public enum InvestigationRun {
    public struct Result: Sendable {
        public var investigation: Investigation
        public var files: [FileStats]
        public var discoveryIssues: [EvidenceIssue]
        public var store: EventStore
    }

    public static func run(
        paths: [String], options: IngestOptions, seeds: [Seed], hostMap: [(IPAddress, String)] = [],
        hostEntries: [HostMapEntry] = [], progress: IngestProgress? = nil
    ) -> Result {
        let found = Discovery().discover(paths)
        return run(
            files: found.files, discoveryIssues: found.issues, options: options, seeds: seeds, hostMap: hostMap,
            hostEntries: hostEntries, progress: progress)
    }

    public static func run(
        files: [EvidenceFile], discoveryIssues: [EvidenceIssue], options: IngestOptions, seeds: [Seed],
        hostMap: [(IPAddress, String)] = [], hostEntries: [HostMapEntry] = [], progress: IngestProgress? = nil
    ) -> Result {
        var builder = EventStore.Builder()
        var stats: [FileStats] = []
        Ingest.run(files: files, options: options, progress: progress, makeSink: { _ in StoreSink() }) { s, out in
            stats.append(s)
            if s.duplicateOf == nil { builder.add(events: out.events, symbols: out.symbols) }
        }
        let store = builder.build()
        let paths = files.map(\.displayPath)
        let findings = Detectors(store: store, filePaths: paths).run()
        var inv = Correlator(store: store, filePaths: paths, findings: findings, hostMap: hostMap, hostEntries: hostEntries)
            .run(seeds: seeds)
        inv.caveats += caveats(stats)
        EvidenceLookup.attachRawLines(&inv, files: files, options: options)
        return Result(investigation: inv, files: stats, discoveryIssues: discoveryIssues, store: store)
    }

    static func caveats(_ stats: [FileStats]) -> [String] {
        var out: [String] = []
        for s in stats {
            let inferred = s.timeSources.filter { $0.key != "explicit" }
            if !inferred.isEmpty {
                let what = inferred.keys.sorted().joined(separator: "; ")
                out.append("\(s.file.displayPath): \(inferred.values.reduce(0, +)) event times inferred or assumed (\(what); year reference: \(s.yearReferenceSource ?? "-"), zone \(s.zone))")
            }
            for i in s.issues where i.isProblem { out.append(i.description) }
            if s.rejected > 0 { out.append("\(s.file.displayPath): \(s.rejected) lines not parsed (\(s.rejectionsByReason.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))") }
        }
        return out
    }
}

/// Reads back the raw lines that the investigation cites (one streaming pass per cited file).
public enum EvidenceLookup {
    public static func attachRawLines(_ inv: inout Investigation, files: [EvidenceFile], options: IngestOptions) {
        var wanted: [UInt32: Set<UInt64>] = [:]
        func want(_ e: EvidenceRef?) { if let e { wanted[e.fileID, default: []].insert(e.line) } }
        want(inv.firstEvidence)
        want(inv.lastEvidence)
        inv.hosts.forEach { want($0.evidence) }
        inv.accounts.forEach { want($0.evidence) }
        inv.sourceIPs.forEach { want($0.evidence) }
        inv.dataTouched.forEach { want($0.evidence) }
        inv.indicators.forEach { want($0.evidence) }
        inv.edges.forEach { want($0.evidence) }
        inv.timeline.forEach { want($0.evidence) }
        inv.findings.forEach { $0.evidence.forEach { want($0) } }
        var raw: [UInt32: [UInt64: [UInt8]]] = [:]
        for (fileID, lines) in wanted {
            guard Int(fileID) < files.count, !files[Int(fileID)].isStdin, let maxLine = lines.max(),
                case .success(var source) = EvidenceSource.open(files[Int(fileID)])
            else { continue }
            var reader = LineReader(maxLineBytes: options.maxLineBytes)
            var found: [UInt64: [UInt8]] = [:]
            reader.forEachLine(from: &source) { line, info in
                if info.number <= maxLine, lines.contains(info.number) {
                    line.withUnsafeBufferPointer { found[info.number] = Array($0.prefix(4096)) }
                }
            }
            reader.deallocate()
            raw[fileID] = found
        }
        func fill(_ e: inout EvidenceRef) { e.raw = raw[e.fileID]?[e.line] ?? [] }
        func fill(_ e: inout EvidenceRef?) { if var x = e { fill(&x); e = x } }
        fill(&inv.firstEvidence)
        fill(&inv.lastEvidence)
        for i in inv.hosts.indices { fill(&inv.hosts[i].evidence) }
        for i in inv.accounts.indices { fill(&inv.accounts[i].evidence) }
        for i in inv.sourceIPs.indices { fill(&inv.sourceIPs[i].evidence) }
        for i in inv.dataTouched.indices { fill(&inv.dataTouched[i].evidence) }
        for i in inv.indicators.indices { fill(&inv.indicators[i].evidence) }
        for i in inv.edges.indices { fill(&inv.edges[i].evidence) }
        for p in inv.paths.indices { for j in inv.paths[p].indices { fill(&inv.paths[p][j].evidence) } }
        for i in inv.timeline.indices { fill(&inv.timeline[i].evidence) }
        for i in inv.findings.indices { for j in inv.findings[i].evidence.indices { fill(&inv.findings[i].evidence[j]) } }
    }
}
