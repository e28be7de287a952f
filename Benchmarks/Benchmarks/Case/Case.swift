// Case: the persistent case (issue #22) on a generated incident of about 1 GB of text, against the first
// `investigate` of the same evidence in the same run. What matters are the ratios: open + pivot, a one-hour window
// and `investigate --case --seed` against the first investigate; the case's bytes against the text's; SQLite export
// in events per second. DWELL_CASE_BENCH_BYTES sets the corpus size (default 1 GiB); DWELL_CASE_BENCH_EVIDENCE
// names an existing evidence directory to use instead (e.g. the noisy fleet corpus), its case written beside the
// generated one, and DWELL_CASE_BENCH_ADDRESS the address to pivot and seed on (default 203.0.113.45).
import Benchmark
import DwellAnalysis
import DwellCase
import DwellCore
import DwellIndex
import DwellIngest
import DwellPipeline
import DwellScenario
import Foundation

struct CaseCorpus {
    let evidence: String
    let caseDirectory: String
    let textBytes: Int64

    /// The corpus under /tmp/dwell-bench-case, generated once and kept (a `complete` marker holds its text bytes),
    /// as the Investigation suite keeps its own; the case is written again on every run, from the first investigate.
    static let shared: CaseCorpus = {
        let bytes = ProcessInfo.processInfo.environment["DWELL_CASE_BENCH_BYTES"].flatMap(Int64.init) ?? (1 << 30)
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("dwell-bench-case").path
        if let given = ProcessInfo.processInfo.environment["DWELL_CASE_BENCH_EVIDENCE"] {
            return written(CaseCorpus(evidence: given, caseDirectory: root + "-given-case", textBytes: 0))
        }
        let marker = root + "/complete-\(bytes)"
        let textBytes: Int64
        if let text = try? String(contentsOfFile: marker, encoding: .utf8), let kept = Int64(text) {
            textBytes = kept
        } else {
            try? FileManager.default.removeItem(atPath: root)
            do {
                textBytes = try ScenarioGenerator.generate(
                    ScenarioOptions(seed: 22, outputDirectory: root, targetBytes: bytes)
                ).uncompressedBytes
            } catch {
                fatalError("cannot generate the corpus in \(root): \(error)")
            }
            FileManager.default.createFile(atPath: marker, contents: Data("\(textBytes)".utf8))
        }
        return written(CaseCorpus(evidence: root + "/incident", caseDirectory: root + "/case", textBytes: textBytes))
    }()

    /// The case of `corpus`, written from a first investigate (textBytes 0: the files' decompressed bytes).
    static func written(_ given: CaseCorpus) -> CaseCorpus {
        var corpus = given
        // The case, written once from the first investigate (timed separately below).
        let run = firstInvestigate(corpus.evidence)
        let c = Case.from(
            run: run, evidence: Discovery().discover([corpus.evidence]).files, directory: corpus.caseDirectory,
            inputs: [corpus.evidence], seeds: [], rulesFile: nil, rulesText: nil)
        do { try c.write() } catch { fatalError("cannot write the case: \(error)") }
        if corpus.textBytes == 0 {
            corpus = CaseCorpus(
                evidence: corpus.evidence, caseDirectory: corpus.caseDirectory,
                textBytes: Int64(clamping: run.files.reduce(UInt64(0)) { $0 + max($1.decompressedBytes, $1.rawBytes) }))
        }
        let caseBytes = CaseFile.Kind.allCases.reduce(Int64(0)) { sum, kind in
            let a = try? FileManager.default.attributesOfItem(atPath: corpus.caseDirectory + "/" + kind.fileName)
            return sum + ((a?[.size] as? Int64) ?? (a?[.size] as? Int).map(Int64.init) ?? 0)
        }
        print(
            "case: \(run.store.count) events, text \(corpus.textBytes) B, case \(caseBytes) B, ratio \(Double(caseBytes) / Double(max(corpus.textBytes, 1)))"
        )
        return corpus
    }

    static let address = ProcessInfo.processInfo.environment["DWELL_CASE_BENCH_ADDRESS"] ?? "203.0.113.45"

    static func firstInvestigate(_ dir: String) -> InvestigationRun.Result {
        let found = Discovery().discover([dir])
        return InvestigationRun.run(
            files: found.files, discoveryIssues: found.issues, options: IngestOptions(), seeds: [])
    }
}

let benchmarks: @Sendable () -> Void = {
    let slow = Benchmark.Configuration(metrics: [.wallClock, .peakMemoryResident], maxDuration: .seconds(120), maxIterations: 3)
    let fast = Benchmark.Configuration(
        metrics: [.wallClock, .mallocCountTotal, .peakMemoryResident], timeUnits: .milliseconds,
        maxDuration: .seconds(20), maxIterations: 20)
    let corpus = CaseCorpus.shared

    Benchmark("baseline: first investigate of the evidence", configuration: slow) { _ in
        blackHole(CaseCorpus.firstInvestigate(corpus.evidence).store.count)
    }
    Benchmark("case: open in place + pivot on one address (first/last, hosts and kinds, related)", configuration: fast) {
        _ in
        guard let c = try? CaseIndex.open(corpus.caseDirectory), let key = c.store.key(.ip, CaseCorpus.address) else {
            return
        }
        let p = c.store.positions(key)
        let summary = p.first.map { c.store.summary(Int($0)) }?.count ?? 0
        blackHole(c.store.breakdown(p).byHost.count + c.store.related(p, excluding: [key]).count + summary)
    }
    Benchmark("case: open in place + one-hour window (every event's summary)", configuration: fast) { _ in
        guard let c = try? CaseIndex.open(corpus.caseDirectory), let bounds = c.store.timeBounds else { return }
        let from = Timestamp(microseconds: bounds.first + 86_400_000_000)
        let to = Timestamp(microseconds: from.microseconds + 3_600_000_000)
        var n = 0
        for i in c.store.events(from: from, to: to) { n += c.store.summary(i).utf8.count + Int(c.store.line[i] & 1) }
        blackHole(n)
    }
    Benchmark("case: open whole (every section checked, store copied)", configuration: slow) { _ in
        blackHole((try? Case.open(corpus.caseDirectory))?.store.count ?? 0)
    }
    Benchmark("case: investigate --case --seed ADDRESS (the store read in place)", configuration: slow) { _ in
        guard let c = try? CaseIndex.open(corpus.caseDirectory) else { return }
        let seed = Seed(type: .ip, value: CaseCorpus.address, reason: "benchmark")
        blackHole((try? c.investigate(seeds: [seed]))?.timeline.count ?? 0)
    }
    Benchmark("case: investigate --case --seed ADDRESS, the case opened whole (--rules's path)", configuration: slow) { _ in
        guard let c = try? Case.open(corpus.caseDirectory) else { return }
        let seed = Seed(type: .ip, value: CaseCorpus.address, reason: "benchmark")
        blackHole((try? c.investigate(seeds: [seed]))?.investigation.timeline.count ?? 0)
    }
    Benchmark("case: SQLite export (events/s in the log line)", configuration: slow) { _ in
        guard let c = try? Case.open(corpus.caseDirectory), let inv = try? c.investigate().investigation else { return }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("dwell-bench-case.sqlite").path
        let clock = ContinuousClock.now
        if let e = try? CaseSQLite.export(c, investigation: inv, to: path) {
            let whole = ContinuousClock.now - clock
            let n = Double(e.events)
            print(
                "sqlite: \(e.events) events; events \(e.eventSeconds) s wall = \(Int(n / e.eventSeconds))/s (rows \(e.rowSeconds) s = \(Int(n / e.rowSeconds))/s, indexes \(e.indexSeconds) s); CPU rows \(e.rowCPUSeconds) s = \(Int(n / e.rowCPUSeconds))/s, indexes \(e.indexCPUSeconds) s; whole export \(whole)"
            )
            print("sqlite indexes (wall/CPU s): " + e.indexCosts.map { "\($0.name) \($0.seconds)/\($0.cpuSeconds)" }.joined(separator: ", "))
        }
    }
}
