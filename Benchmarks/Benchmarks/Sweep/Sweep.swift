import Benchmark
import DwellCore
import DwellIngest
import DwellSweep
import Foundation

// Sweep: the IOC matcher with 100,000 indicators against two baselines on the same bytes in the same run:
// line framing alone (LineReader over the file), and a sweep with a single indicator (parsing + one lookup per
// field). The ratios are what matters: sweep-100k / sweep-1 is the cost of the indicator count.

/// A deterministic auth.log of about `bytes` bytes, with unique user names (symbols keep arriving).
func syntheticAuthLog(bytes: Int) -> [UInt8] {
    var out = [UInt8]()
    out.reserveCapacity(bytes + 256)
    var i = 0
    while out.count < bytes {
        let s = i % 60
        let line =
            "2026-03-11T19:\(pad(i / 60 % 60)):\(pad(s)).000000+00:00 web01 sshd[\(1000 + i % 30000)]: Failed password for invalid user adm\(i) from 198.51.\(i % 256).\(i * 7 % 256) port \(1024 + i % 60000) ssh2\n"
        out.append(contentsOf: line.utf8)
        i += 1
    }
    return out
}

func pad(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }

/// 100,000 indicators: 70,000 addresses, 20,000 CIDR ranges, 5,000 users, 5,000 domains (deterministic).
func indicators(count: Int) -> String {
    var x: UInt64 = 0x9E37_79B9_7F4A_7C15
    func next() -> Int {
        x = x &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Int(x >> 33)
    }
    var lines: [String] = []
    for i in 0..<count {
        switch i % 20 {
        case 0..<14: lines.append("\(11 + next() % 200).\(next() % 256).\(next() % 256).\(1 + next() % 254)")
        case 14..<18: lines.append("\(11 + next() % 200).\(next() % 256).\(next() % 256).0/\(24 + next() % 5)")
        case 18: lines.append("user:u\(i)x\(next() % 1_000_000)")
        default: lines.append("domain:d\(i).evil\(next() % 1_000_000).example")
        }
    }
    return lines.joined(separator: "\n") + "\n"
}

struct Corpus {
    let dir: String
    let log: String
    let bytes: Int

    static let shared: Corpus = {
        let text = syntheticAuthLog(bytes: 32 << 20)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dwell-bench-sweep")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let log = dir.appendingPathComponent("logs/auth.log")
        try? FileManager.default.createDirectory(at: log.deletingLastPathComponent(), withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: log.path, contents: Data(text))
        _ = FileManager.default.createFile(
            atPath: dir.appendingPathComponent("iocs100k.txt").path, contents: Data(indicators(count: 100_000).utf8))
        _ = FileManager.default.createFile(atPath: dir.appendingPathComponent("iocs1.txt").path, contents: Data("203.0.113.45\n".utf8))
        return Corpus(dir: dir.path, log: log.path, bytes: text.count)
    }()
}

func sweep(iocs: String) -> UInt64 {
    let c = Corpus.shared
    let config = SweepConfiguration(
        iocFiles: [c.dir + "/" + iocs], paths: [c.log], options: SweepOptions(reading: IngestOptions(jobs: 1)))
    var written = 0
    let report = Sweep.run(config, write: { written += $0.count }, log: { _ in })
    return report.files.reduce(0) { $0 + $1.events } &+ UInt64(written)
}

func frameOnly() -> UInt64 {
    guard let raw = try? RawFile(path: Corpus.shared.log) else { return 0 }
    var source = PlainSource(raw: raw, prefix: [])
    var reader = LineReader()
    defer { reader.deallocate() }
    var n: UInt64 = 0
    reader.forEachLine(from: &source) { line, _ in n &+= UInt64(line.count) }
    return n
}

let benchmarks: @Sendable () -> Void = {
    let config = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .mallocCountTotal, .peakMemoryResident], maxDuration: .seconds(20),
        maxIterations: 5)
    _ = Corpus.shared
    Benchmark("baseline: line framing, 32 MiB auth.log", configuration: config) { benchmark in
        blackHole(frameOnly())
    }
    Benchmark("baseline: sweep with 1 indicator, 32 MiB auth.log", configuration: config) { benchmark in
        blackHole(sweep(iocs: "iocs1.txt"))
    }
    Benchmark("sweep with 100,000 indicators, 32 MiB auth.log", configuration: config) { benchmark in
        blackHole(sweep(iocs: "iocs100k.txt"))
    }
    Benchmark("load + compile 100,000 indicators", configuration: config) { benchmark in
        let list = try? IOCList.load(path: Corpus.shared.dir + "/iocs100k.txt", lenient: false)
        blackHole(Matcher(rules: list?.rules ?? []).atoms.count)
    }
}
