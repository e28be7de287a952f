import Dispatch
import DwellAnalysis
import DwellCore
import DwellIndex
import DwellIngest

/// `investigate --case DIR [--seed X]` and `lateral --case DIR` with the store read in place: the stored findings
/// and host directory correlated over the mapped store (`MappedEventStore`), so the run decodes and checks only the
/// columns, rows and postings the correlator touches, instead of copying the whole store into memory first.
extension CaseIndex {
    /// The case's findings correlated from `seeds` (the case's own when nil), with the raw lines attached as
    /// `Case.attachRawLines` does; the same investigation as `Case.investigate(seeds:options:)` on the case opened
    /// whole. Nil when the case cannot answer so: it was only indexed (the detectors must run over the events), or
    /// it keeps no host directory of this store (`dwell index` on grown evidence); then open it whole (`Case.open`).
    /// - Throws: `CaseError` when the analysis file, or a part of the store the correlator read, is damaged.
    public func investigate(seeds: [Seed]? = nil, options: IngestOptions = IngestOptions()) throws(CaseError)
        -> Investigation?
    {
        guard manifest.analysed else { return nil }
        let analysisFile = try CaseFile.open(.analysis, in: directory)
        var r = analysisFile.reader()
        let analysis: InvestigationRun.StoredAnalysis
        do {
            analysis = try InvestigationRun.StoredAnalysis(reading: &r)
        } catch {
            throw Case.damaged(directory, .analysis, error)
        }
        guard let snapshot = analysis.hostDirectory,
            let hosts = HostDirectory(
                events: store.count, addresses: store.addressCount, filePaths: paths, restoring: snapshot)
        else { return nil }
        var c = manifest
        c.lines = lines
        let inv = InvestigationRun.correlate(
            store: store, paths: paths, stats: manifest.stats, analysis: analysis, directory: hosts,
            seeds: seeds ?? manifest.seeds
        ) { inv in c.attachRawLines(&inv, options: options) }
        // The stored findings (tens of thousands on noisy evidence; the roll-up made the investigation's own list)
        // are freed on another thread while the caller renders the reports: freeing them here cost a twentieth
        // of the run.
        Disposal.aside(consume analysis)
        // Every chunk the correlator read was checked against its checksum; a damaged one refuses the answer.
        try checkIntact()
        return withExtendedLifetime(analysisFile) { inv }
    }
}

/// A value released on another thread (its last reference dropped there), off the caller's critical path.
final class Disposal<Value>: @unchecked Sendable {
    // Set once here and cleared once on the queue: never shared.
    var value: Value?
    init(_ value: consuming Value) { self.value = value }

    static func aside(_ value: consuming Value) {
        let box = Disposal(value)
        DispatchQueue.global(qos: .utility).async { box.value = nil }
    }
}
