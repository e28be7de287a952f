import DwellCore
import DwellIndex
import DwellIngest
import DwellSigma

/// Analysis of a built store: the host directory, the detectors, the correlation and the caveats. The run that
/// reads the evidence into the store and attaches the raw lines afterwards is DwellPipeline's (`InvestigationRun.run`).
public enum InvestigationRun {
    /// The detectors' findings and what the host directory was built from: with the store, all that correlating
    /// again (other seeds) needs, so a persistent case can answer without reading the evidence.
    public struct StoredAnalysis: Sendable {
        /// Aggregated findings, before correlation (their raw lines are not attached).
        public var findings: [Finding] = []
        public var ownTraffic = OwnTrafficLines()
        /// How inside and outside were told apart, when it was a guess.
        public var networkCaveat: String?
        public var hostEntries: [HostMapEntry] = []
        public var internalNetworks: [IPNetwork] = []
        /// What the host directory learned from the store (a case asks it again instead of learning it again).
        public var hostDirectory: HostDirectory.Snapshot?
        public init() {}
    }

    /// One host directory (every way an address is learned), built once and asked by the detectors and the
    /// correlator alike, so a finding's host and the scope's name for an address never differ.
    public static func hostDirectory(store: EventStore, paths: [String], analysis: StoredAnalysis) -> HostDirectory {
        if let l = analysis.hostDirectory, let d = HostDirectory(store: store, filePaths: paths, restoring: l) {
            return d
        }
        return PhaseTrace.timed("host directory") {
            HostDirectory(
                store: store, filePaths: paths, hostEntries: analysis.hostEntries, ownTraffic: analysis.ownTraffic,
                internalNetworks: analysis.internalNetworks)
        }
    }

    /// Runs the detectors over the store: one finding per (rule, source, host), with its count and first and last
    /// evidence, and the caveat on how inside and outside were told apart when it was a guess.
    /// Sigma rules (`sigma`) run over the same store and read their keywords from `files`, or from `sigmaScanned`
    /// for the files whose lines the ingest searched.
    public static func detect(
        store: EventStore, paths: [String], rules: RuleSet, directory: HostDirectory, sigma: SigmaRuleSet? = nil,
        files: [EvidenceFile] = [], options: IngestOptions = IngestOptions(), sigmaScanned: SigmaScannedLines? = nil
    ) -> (findings: [Finding], networkCaveat: String?, sigmaNotes: [String]) {
        var trace = PhaseTrace()
        let detectors = PhaseTrace.timed("detectors' host names") {
            Detectors(
                store: store, filePaths: paths, rules: rules, directory: directory)
        }
        var hits: [Finding] = []
        // Sigma rules given with --sigma: their matches are findings like the detectors' (see SigmaFindings); they
        // are checked while the detectors run, and their hits come after the detectors' as before.
        var sigmaNotes: [String] = []
        if let sigma, !sigma.runnable.isEmpty {
            let s = SigmaFindings.findings(sigma, detectors: detectors, files: files, options: options, scanned: sigmaScanned) {
                detectors.run()
            }
            hits = s.beside + s.findings
            sigmaNotes = s.notes
            trace.mark("sigma rules", detail: "\(sigma.runnable.count) rules, \(s.findings.count) findings")
        } else {
            hits = detectors.run()
        }
        // One finding per (rule, source, host), with its count and first and last evidence.
        let findings = FindingAggregation.aggregate(hits)
        trace.mark("detectors", detail: "\(hits.count) hits in \(findings.count) findings")
        return (findings, detectors.networks.caveat, sigmaNotes)
    }

    /// Correlates the findings from the seeds (or the seeding findings), adds the caveats, and lets `attach` fill
    /// in the raw evidence lines (from the evidence, or from a case) before the integrity caveats quote them.
    public static func correlate(
        store: EventStore, paths: [String], stats: [FileStats], analysis: StoredAnalysis, directory: HostDirectory,
        seeds: [Seed], notes: [String] = [], attach: (inout Investigation) -> Void
    ) -> Investigation {
        correlateColumns(
            store: store, paths: paths, stats: stats, analysis: analysis, directory: directory, seeds: seeds,
            notes: notes, attach: attach)
    }

    /// The same over a case's store mapped in place (`investigate --case DIR --seed X`, `lateral --case`): the
    /// correlator reads only the columns, rows and postings it touches. `directory` is the case's stored one
    /// (`HostDirectory(events:addresses:filePaths:restoring:)`). Call `store.checkIntact()` before using the answer.
    public static func correlate(
        store: MappedEventStore, paths: [String], stats: [FileStats], analysis: StoredAnalysis,
        directory: HostDirectory, seeds: [Seed], attach: (inout Investigation) -> Void
    ) -> Investigation {
        correlateColumns(
            store: store, paths: paths, stats: stats, analysis: analysis, directory: directory, seeds: seeds,
            notes: [], attach: attach)
    }

    /// The correlation over either store; specialised for each here, in this module (a generic call from
    /// another module would read every column through the protocol's witness tables).
    static func correlateColumns<S: EventColumns>(
        store: S, paths: [String], stats: [FileStats], analysis: StoredAnalysis, directory: HostDirectory,
        seeds: [Seed], notes: [String], attach: (inout Investigation) -> Void
    ) -> Investigation {
        var trace = PhaseTrace()
        let findings = analysis.findings
        let correlator = Correlator(store: store, filePaths: paths, findings: findings, directory: directory)
        var inv = correlator.run(seeds: seeds)
        FindingAggregation.rollUpBackground(&inv)
        trace.mark("correlation")
        inv.caveats += caveats(stats).map(Caveat.init(stringLiteral:))
        inv.caveats += notes.map(Caveat.init(stringLiteral:))
        // How inside and outside were told apart, when it was a guess (network rules read it).
        if let note = analysis.networkCaveat, findings.contains(where: { $0.family == .network }) {
            inv.caveats.append(Caveat(.note, note))
        }
        attach(&inv)
        inv.caveats += integrityCaveats(inv)
        trace.mark("evidence lines")
        return inv
    }

    /// Log-integrity findings (gaps, logs that end early) as caveats on the window, with the lines either side.
    /// Log-integrity caveats: those overlapping the attack window first, each in full; the others summed up in one
    /// line per rule beyond `detailedOutside` (all of them stay findings in the report).
    static func integrityCaveats(_ inv: Investigation, detailedOutside: Int = 5) -> [Caveat] {
        let all = inv.findings.filter { $0.family == .integrity }
        func overlaps(_ f: Finding) -> Bool {
            guard let a = inv.firstSeen, let b = inv.lastSeen else { return false }
            let start = f.evidence.first?.time ?? f.time
            let end = f.evidence.last?.time ?? f.time
            return start <= b && end >= a
        }
        func full(_ f: Finding, _ note: String) -> Caveat {
            let lines = f.evidence.map { "\($0.file):\($0.line): \(ByteText.string($0.raw))" }
            return Caveat(.logIntegrity, "\(f.rule) (\(f.technique)): \(f.why); \(note). Evidence: " + lines.joined(separator: " | "))
        }
        var out = all.filter(overlaps).map { full($0, "it overlaps the attack window, which may miss what happened there") }
        let outside = all.filter { !overlaps($0) }
        out += outside.prefix(detailedOutside).map { full($0, "outside the attack window") }
        if outside.count > detailedOutside {
            let rest = outside.dropFirst(detailedOutside)
            let hosts = Set(rest.map(\.host)).sorted()
            out.append(
                Caveat(.logIntegritySummary, "integrity: \(rest.count) more log gap(s) or early ends outside the attack window, on \(hosts.prefix(10).joined(separator: ", "))\(hosts.count > 10 ? " and \(hosts.count - 10) more hosts" : ""); each is a finding in the report"))
        }
        return out
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
