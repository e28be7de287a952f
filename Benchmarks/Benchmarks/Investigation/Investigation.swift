// Investigation: the index (store build, a pivot, a one-hour window over 10 million events) and the main job
// (`dwell investigate` on a generated gzip incident) against `zcat` decompressing the same files, in one run.
// The ratios are what matter (README "Benchmarks").
import Benchmark
import DwellAnalysis
import DwellCore
import DwellIndex
import DwellIngest
import DwellPipeline
import DwellReports
import DwellScenario
import Foundation

// MARK: The index

/// 10 million synthetic events over 30 days in 8 per-"file" chunks: 2,000 source addresses (one of them, the
/// pivot, in about 1% of events), 50 hosts, 500 users, 20,000 paths; each chunk in time order, as files are.
struct SyntheticStore {
    static let eventCount = 10_000_000
    static let pivotAddress = IPAddress(v4: 0xCB00_7109)  // 203.0.113.9
    static let start = Timestamp(seconds: 1_772_323_200)  // 2026-03-01

    static func chunks() -> [(EventChunk, SymbolTable)] {
        var out: [(EventChunk, SymbolTable)] = []
        let perChunk = eventCount / 8
        var x: UInt64 = 0x9E37_79B9_7F4A_7C15
        for c in 0..<8 {
            var symbols = SymbolTable(capacity: 1 << 16)
            let hosts = (0..<50).map { symbols.intern("host\($0)") }
            let users = (0..<500).map { symbols.intern("user\($0)") }
            let paths = (0..<20_000).map { symbols.intern("/app/item/\($0)") }
            var chunk = EventChunk()
            let span = Int64(30 * 86_400) * 1_000_000
            for i in 0..<perChunk {
                x = x &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                let r = Int(truncatingIfNeeded: x >> 20)
                var e = Event(
                    time: Timestamp(microseconds: start.microseconds + span * Int64(i) / Int64(perChunk) + Int64(c)),
                    kind: r % 3 == 0 ? .authFailure : .webRequest)
                e.source = SourceRef(fileID: UInt32(c), line: UInt64(i + 1), offset: UInt64(i) * 120)
                e.sourceIP = r % 100 == 0 ? pivotAddress : IPAddress(v4: 0xC633_6400 &+ UInt32(r % 2000))
                e.host = hosts[r % 50]
                e.user = users[(r >> 8) % 500]
                e.path = paths[(r >> 4) % 20_000]
                e.httpStatus = 200
                chunk.append(e)
            }
            out.append((chunk, symbols))
        }
        return out
    }

    static func build(_ chunks: [(EventChunk, SymbolTable)]) -> EventStore {
        var builder = EventStore.Builder()
        builder.reserve(events: eventCount)
        for (chunk, symbols) in chunks { builder.add(chunk: chunk, symbols: symbols) }
        return (consume builder).build()
    }

    static let shared: EventStore = build(chunks())
}

// MARK: The main job against zcat

/// A generated incident, every file gzip-compressed. Two kinds:
/// - **quiet**: the single-incident generator (`dwell-scenario --seed 11`), about 512 MiB of text;
/// - **noisy**: the fleet generator's `ssh-jump` story in the central layout (`dwell-scenario --story ssh-jump`)
///   with its hostile Internet background (scanners, brute force, crawlers, exploit sprays), about 1 GiB of text:
///   more events per byte, tens of thousands of hostile sources, the shape issue #18 measures on.
struct IncidentCorpus {
    let directory: String
    let files: [String]
    let textBytes: Int64

    static let quiet: IncidentCorpus = make("quiet") { root in
        try ScenarioGenerator.generate(ScenarioOptions(seed: 11, outputDirectory: root, targetBytes: 512 << 20))
    }

    static let noisy: IncidentCorpus = make("noisy") { root in
        try FleetGenerator.generate(
            FleetOptions(
                seed: 4, outputDirectory: root, story: .sshJump, layout: .central, targetBytes: 1 << 30))
    }

    /// Generates the corpus, or reuses the one a previous benchmark process wrote: the plugin runs each benchmark in
    /// its own process, and the generator gives the same bytes for the same options, so it is written once (a
    /// `complete` file marks a finished corpus; delete the folder after changing the generator).
    /// Called from each benchmark's `setup`, so that neither generating nor compressing is ever measured.
    static func make(_ kind: String, _ generate: (String) throws -> ScenarioResult) -> IncidentCorpus {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("dwell-bench-investigate-\(kind)").path
        let dir = root + "/incident"
        let marker = root + "/complete"
        if let text = try? String(contentsOfFile: marker, encoding: .utf8), let bytes = Int64(text) {
            return IncidentCorpus(directory: dir, files: regularFiles(under: dir), textBytes: bytes)
        }
        try? FileManager.default.removeItem(atPath: root)
        let result = try! generate(root)
        // Compress the files the generator leaves plain (the current logs), so that every byte goes through inflate.
        for path in regularFiles(under: dir) where !path.hasSuffix(".gz") {
            let text = [UInt8](FileManager.default.contents(atPath: path)!)
            FileManager.default.createFile(atPath: path + ".gz", contents: Data(GzipCompress.member(text)))
            try? FileManager.default.removeItem(atPath: path)
        }
        FileManager.default.createFile(atPath: marker, contents: Data("\(result.uncompressedBytes)".utf8))
        return IncidentCorpus(directory: dir, files: regularFiles(under: dir), textBytes: result.uncompressedBytes)
    }

    /// Every regular file in the tree under `dir` (the image layout nests them in host folders), sorted.
    static func regularFiles(under dir: String) -> [String] {
        var files: [String] = []
        let walker = FileManager.default.enumerator(atPath: dir)!
        while let rel = walker.nextObject() as? String {
            let path = dir + "/" + rel
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue { files.append(path) }
        }
        return files.sorted()
    }
}

/// Baseline: `zcat` over every file, output to /dev/null (one process, as a responder would run it). Compare wall
/// clock: the harness's CPU metric counts its own process only, not the zcat child's.
func zcatAll(_ files: [String]) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/sh")
    p.arguments = ["-c", "zcat \"$@\" > /dev/null", "zcat"] + files
    try! p.run()
    p.waitUntilExit()
}

/// The whole main job as `dwell investigate` runs it: read, index, detect, correlate, read back the cited lines,
/// and render every report format (the default), side by side as the command does; the bytes are not written.
func investigate(_ dir: String, jobs: Int) -> Int {
    let result = InvestigationRun.run(paths: [dir], options: IngestOptions(jobs: jobs), seeds: [])
    let input = ReportInput(
        investigation: result.investigation, files: result.files, discoveryIssues: result.discoveryIssues,
        generated: nil, inputs: [dir])
    let files = ReportSet.render(input)
    return result.investigation.eventCount + files.reduce(0) { $0 + $1.bytes.count }
}

let benchmarks: @Sendable () -> Void = {
    let indexConfig = Benchmark.Configuration(
        metrics: [.wallClock, .mallocCountTotal, .peakMemoryResident], maxDuration: .seconds(20), maxIterations: 5)

    Benchmark("index: build the store from 10M parsed events (8 files)", configuration: indexConfig) { benchmark in
        let chunks = SyntheticStore.chunks()
        benchmark.startMeasurement()
        let store = SyntheticStore.build(chunks)
        benchmark.stopMeasurement()
        blackHole(store.count)
    }

    let queryConfig = Benchmark.Configuration(
        metrics: [.wallClock, .mallocCountTotal], timeUnits: .microseconds, maxDuration: .seconds(5), maxIterations: 200)
    Benchmark("index: pivot on one address over 10M events (first/last/count, hosts and kinds)", configuration: queryConfig) {
        benchmark in
        let store = SyntheticStore.shared
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            guard let id = store.addressID(of: SyntheticStore.pivotAddress) else { fatalError("pivot address absent") }
            let key = IndicatorKey(.ip, id)
            let summary = store.summary(key)
            let breakdown = store.breakdown(store.postingSlice(key))
            blackHole((summary?.count ?? 0) + breakdown.byHost.count + breakdown.byKind.count)
        }
    }
    Benchmark("index: one-hour window over 10M events (range and counts by kind)", configuration: queryConfig) { benchmark in
        let store = SyntheticStore.shared
        let from = Timestamp(microseconds: SyntheticStore.start.microseconds + 86_400_000_000 * 12)
        let to = Timestamp(microseconds: from.microseconds + 3_600_000_000)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            let range = store.range(from: from, to: to)
            let kinds = store.kindCounts(from: from, to: to)
            blackHole(range.count + kinds.count)
        }
    }

    let jobConfig = Benchmark.Configuration(
        metrics: [.wallClock, .cpuTotal, .peakMemoryResident], maxDuration: .seconds(60), maxIterations: 3)
    let cores = ProcessInfo.processInfo.activeProcessorCount
    for (name, corpus) in [("noisy, ~1 GiB", { IncidentCorpus.noisy }), ("quiet, ~512 MiB", { IncidentCorpus.quiet })] {
        let prepare: Benchmark.BenchmarkSetupHook = { _ = corpus() }
        Benchmark(
            "investigate \(name): zcat > /dev/null (baseline, same gzip files)", configuration: jobConfig,
            closure: { _ in zcatAll(corpus().files) }, setup: prepare)
        Benchmark(
            "investigate \(name): dwell, default jobs (\(cores)), all report formats", configuration: jobConfig,
            closure: { _ in blackHole(investigate(corpus().directory, jobs: cores)) }, setup: prepare)
        Benchmark(
            "investigate \(name): dwell, --jobs 1, all report formats", configuration: jobConfig,
            closure: { _ in blackHole(investigate(corpus().directory, jobs: 1)) }, setup: prepare)
    }
}
