// Sigma: `investigate` on a generated incident with every applicable SigmaHQ rule of ../shared/realdata/sigma
// loaded, against the same investigate without them, on the same corpus in the same run (issue #21: at most 1.5×);
// the same on the web-to-windows story, where the Windows rules read record fields back from the evidence, and on
// a larger corpus given by `DWELL_BENCH_SIGMA_CORPUS` (with the rules loaded inside the measured run). The runs with
// rules search the text logs' keywords while the ingest reads them (`SigmaLineScan`), as `dwell investigate` does.
import Benchmark
import DwellAnalysis
import DwellCore
import DwellIngest
import DwellPipeline
import DwellScenario
import DwellSigma
import Foundation

/// The SigmaHQ sample beside the package (`../shared/realdata/sigma`), when present.
let sigmaHQ: String? = {
    var url = URL(fileURLWithPath: #filePath)
    while url.path != "/" {
        url.deleteLastPathComponent()
        let candidate = url.appendingPathComponent("shared/realdata/sigma/sigmahq-rules-8eaafff").path
        if FileManager.default.fileExists(atPath: candidate) { return candidate }
    }
    return nil
}()

/// A generated incident (about 256 MiB of text, plain files), written once per run.
let corpus: String = {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("dwell-bench-sigma").path
    try? FileManager.default.removeItem(atPath: root)
    _ = try! ScenarioGenerator.generate(ScenarioOptions(seed: 21, outputDirectory: root, targetBytes: 256 << 20, gzipLevel: 1))
    return root + "/incident"
}()

/// The web-to-windows story (about 34,000 Windows events as JSON exports beside web, auth and Zeek logs): the
/// Windows rules read record fields back from the evidence here.
let windowsCorpus: String = {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("dwell-bench-sigma-windows").path
    try? FileManager.default.removeItem(atPath: root)
    _ = try! FleetGenerator.generate(FleetOptions(seed: 5, outputDirectory: root, name: "case", story: .webToWindows))
    return root + "/case"
}()

/// A larger corpus given by path (`DWELL_BENCH_SIGMA_CORPUS`, e.g. the 1 GB noisy web+auth+conn incident): too big
/// to generate in each run, so measured only when given.
let givenCorpus: String? = ProcessInfo.processInfo.environment["DWELL_BENCH_SIGMA_CORPUS"].flatMap {
    FileManager.default.fileExists(atPath: $0) ? $0 : nil
}

func investigate(sigma: SigmaRuleSet?, corpus: String = corpus) -> Int {
    let r = InvestigationRun.run(paths: [corpus], options: IngestOptions(jobs: 2), seeds: [], sigma: sigma)
    return r.investigation.findings.count
}

let benchmarks: @Sendable () -> Void = {
    let config = Benchmark.Configuration(metrics: [.wallClock, .peakMemoryResident], maxDuration: .seconds(90), maxIterations: 3)
    Benchmark("sigma: investigate without Sigma rules (baseline)", configuration: config) { _ in
        blackHole(investigate(sigma: nil))
    }
    guard let sigmaHQ else {
        print("Sigma: ../shared/realdata/sigma is absent; only the baseline runs")
        return
    }
    let rules = SigmaRuleSet.load(paths: [sigmaHQ])
    Benchmark("sigma: investigate with all applicable SigmaHQ rules (\(rules.runnable.count) loaded)", configuration: config) { _ in
        blackHole(investigate(sigma: rules))
    }
    Benchmark("sigma: investigate the web-to-windows story without Sigma rules (baseline)", configuration: config) { _ in
        blackHole(investigate(sigma: nil, corpus: windowsCorpus))
    }
    Benchmark("sigma: investigate the web-to-windows story with all applicable SigmaHQ rules", configuration: config) { _ in
        blackHole(investigate(sigma: rules, corpus: windowsCorpus))
    }
    // The rules loaded inside the measurement: what `dwell investigate --sigma DIR` costs against the run without.
    Benchmark("sigma: investigate the web-to-windows story, loading the SigmaHQ rules in the run", configuration: config) { _ in
        blackHole(investigate(sigma: SigmaRuleSet.load(paths: [sigmaHQ]), corpus: windowsCorpus))
    }
    if let givenCorpus {
        Benchmark("sigma: investigate the given corpus without Sigma rules (baseline)", configuration: config) { _ in
            blackHole(investigate(sigma: nil, corpus: givenCorpus))
        }
        Benchmark("sigma: investigate the given corpus, loading the SigmaHQ rules in the run", configuration: config) { _ in
            blackHole(investigate(sigma: SigmaRuleSet.load(paths: [sigmaHQ]), corpus: givenCorpus))
        }
    }
    Benchmark("sigma: load and compile the SigmaHQ sample (\(rules.statuses.count) rule files)", configuration: config) { _ in
        blackHole(SigmaRuleSet.load(paths: [sigmaHQ]).runnable.count)
    }
}
