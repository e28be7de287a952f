import Benchmark
import DwellCore
import DwellIngest
import Foundation
import Parsers

// EVTX: dwell's reader (file header, chunks and their CRCs, BinXML records, the Windows field mapping and the
// record rendered as XML for evidence) on the real EVTX files of ../shared/realdata/windows, against the PyPI
// `evtx` package (Python bindings of a widely used Rust EVTX parser: PyEvtxParser.records_json) on the same files
// in the same run. One core: dwell parses on the calling thread; the oracle runs in one Python process. Both go
// over the files `passes` times, so the oracle's interpreter start-up is a small part of its time.

/// The real EVTX files, found from this source file (`Benchmarks/Benchmarks/EVTX/`) by walking up to the
/// package root and over to `../shared/realdata/windows`; empty when the corpus is absent.
struct EVTXCorpus {
    let paths: [String]
    let files: [[UInt8]]
    let passes: Int
    var bytes: Int { files.reduce(0) { $0 + $1.count } * passes }

    static let shared: EVTXCorpus = {
        var root = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { root.deleteLastPathComponent() }
        let dir = root.deletingLastPathComponent().appendingPathComponent("shared/realdata/windows")
        var paths: [String] = []
        if let e = FileManager.default.enumerator(atPath: dir.path) {
            for case let p as String in e where p.hasSuffix(".evtx") { paths.append(dir.appendingPathComponent(p).path) }
        }
        paths.sort()
        let files = paths.compactMap { FileManager.default.contents(atPath: $0).map { [UInt8]($0) } }
        return EVTXCorpus(paths: paths, files: files, passes: 24)
    }()
}

/// dwell: every record of every file through `EVTXParser` (CRC checks, BinXML, mapping, and, with `xml`, the
/// record rendered as XML, as `dwell parse` does; without, as `investigate` reads: the XML of cited records only
/// is rendered later), `passes` times.
func dwellParse(_ corpus: EVTXCorpus, xml: Bool = true) -> Int {
    var records = 0
    var context = ParseContext()
    for _ in 0..<corpus.passes {
        for file in corpus.files {
            var parser = EVTXParser()
            _ = file.withUnsafeBufferPointer { bytes in
                parser.parse(
                    file: bytes, wantsRaw: xml, context: &context,
                    emit: { e, _, raw, _ in
                        records &+= 1
                        blackHole(e.kind)
                        blackHole(raw.count)
                    },
                    reject: { _, _, _ in })
            }
        }
    }
    return records
}

/// The oracle: PyEvtxParser(path).records_json() over the same files, `passes` times, in one Python process.
/// Returns the number of records, or -1 when python3 or the `evtx` package is missing.
func oracleParse(_ corpus: EVTXCorpus) -> Int {
    let script = """
        import sys
        from evtx import PyEvtxParser
        n = 0
        for _ in range(int(sys.argv[1])):
            for p in sys.argv[2:]:
                for r in PyEvtxParser(p).records_json():
                    n += 1
        print(n)
        """
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", "-c", script, String(corpus.passes)] + corpus.paths
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    do { try p.run() } catch { return -1 }
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    guard p.terminationStatus == 0 else { return -1 }
    return Int(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
}

let benchmarks: @Sendable () -> Void = {
    let corpus = EVTXCorpus.shared
    precondition(!corpus.files.isEmpty, "no EVTX files under ../shared/realdata/windows")
    let mb = String(format: "%.1f", Double(corpus.bytes) / 1_000_000)
    let label = "\(corpus.files.count) real files × \(corpus.passes), \(mb) MB"
    let config = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .mallocCountTotal, .peakMemoryResident], scalingFactor: .one,
        maxDuration: .seconds(10), maxIterations: 10)
    let expected = dwellParse(corpus)
    Benchmark("EVTX: PyPI evtx records_json (oracle baseline, \(label))", configuration: config) { _ in
        let n = oracleParse(corpus)
        precondition(n == expected, "the evtx oracle read \(n) records, dwell \(expected) (is the PyPI evtx package installed?)")
        blackHole(n)
    }
    precondition(dwellParse(corpus, xml: false) == expected, "reading without XML gave another record count")
    Benchmark("EVTX: dwell EVTXParser, one core (\(label))", configuration: config) { _ in
        blackHole(dwellParse(corpus))
    }
    Benchmark("EVTX: dwell EVTXParser without XML (investigate's reading), one core (\(label))", configuration: config) { _ in
        blackHole(dwellParse(corpus, xml: false))
    }
}
