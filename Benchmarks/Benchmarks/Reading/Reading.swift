import Benchmark
import BenchmarkSupport
import CZlib
import DwellCore
import Foundation

// Reading: gzip read + line framing against zlib inflate alone, and plain framing against a memchr scan
// alone, on the same bytes in the same run. The ratio is what matters (see README "Benchmarks").

/// A realistic auth.log of about `bytes` bytes (sshd, sudo, cron lines), deterministic.
func syntheticAuthLog(bytes: Int) -> [UInt8] {
    var out = [UInt8]()
    out.reserveCapacity(bytes + 256)
    var x: UInt64 = 0x9E37_79B9_7F4A_7C15
    var i = 0
    let templates = [
        "sshd[%d]: Failed password for invalid user admin%d from 203.0.113.%d port %d ssh2",
        "sshd[%d]: Accepted publickey for alice from 10.0.0.%d port %d ssh2: ED25519 SHA256:Qm9ndXNrZXlmaW5nZXJwcmludGhlcmVfX19fX19fX19fXw",
        "CRON[%d]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)",
        "sudo:    alice : TTY=pts/%d ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/apt-get update",
        "sshd[%d]: Connection closed by authenticating user root 198.51.100.%d port %d [preauth]",
    ]
    while out.count < bytes {
        x = x &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        let r = Int(x >> 33)
        let t = templates[r % templates.count]
        var msg = t
        for v in [r % 30000, r % 250, 1024 + r % 60000, r % 9] {
            if let range = msg.range(of: "%d") { msg.replaceSubrange(range, with: String(v)) }
        }
        let sec = i / 10
        let line = String(format: "Mar %2d %02d:%02d:%02d web01 ", 1 + sec / 86400 % 28, sec / 3600 % 24, sec / 60 % 60, sec % 60) + msg + "\n"
        out.append(contentsOf: line.utf8)
        i += 1
    }
    return out
}

func gzipBytes(_ bytes: [UInt8]) -> [UInt8] { GzipCompress.member(bytes) }

/// Files shared by the suites, written once per run.
struct Corpus {
    let plainPath: String
    let gzipPath: String
    let plainBytes: Int

    static let shared: Corpus = {
        let text = syntheticAuthLog(bytes: 64 << 20)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dwell-bench-reading")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let plain = dir.appendingPathComponent("auth.log").path
        let gz = dir.appendingPathComponent("auth.log.2.gz").path
        _ = FileManager.default.createFile(atPath: plain, contents: Data(text))
        _ = FileManager.default.createFile(atPath: gz, contents: Data(gzipBytes(text)))
        return Corpus(plainPath: plain, gzipPath: gz, plainBytes: text.count)
    }()
}

/// Baseline: read the plain file and count newlines with memchr, no framing.
func memchrOnly(_ path: String) -> Int {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return 0 }
    defer { close(fd) }
    var buffer = [UInt8](repeating: 0, count: 1 << 18)
    var lines = 0
    while true {
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n <= 0 { break }
        buffer.withUnsafeBytes { p in
            guard let base = p.baseAddress else { return }
            var at = base
            var left = n
            while left > 0, let hit = memchr(at, 0x0a, left) {
                lines += 1
                let step = at.distance(to: UnsafeRawPointer(hit)) + 1
                at += step
                left -= step
            }
        }
    }
    return lines
}

/// dwell: open as evidence (hashing), decompress, frame lines.
func dwellFraming(_ path: String) -> UInt64 {
    guard let file = Discovery().discover([path]).files.first, case .success(var source) = EvidenceSource.open(file)
    else { return 0 }
    var reader = LineReader()
    defer { reader.deallocate() }
    var bytes = 0
    reader.forEachLine(from: &source) { line, _ in bytes &+= line.count }
    _ = source.finish()
    return reader.lineCount
}

/// The same framing without the SHA-256 (to show what the hash costs).
func framingOnlyNoHash(_ path: String) -> UInt64 {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return 0 }
    defer { close(fd) }
    struct FD: ByteSource {
        let fd: Int32
        mutating func read(into buffer: UnsafeMutableRawBufferPointer) -> Int {
            max(0, Glibc.read(fd, buffer.baseAddress, buffer.count))
        }
    }
    var source = FD(fd: fd)
    var reader = LineReader()
    defer { reader.deallocate() }
    reader.forEachLine(from: &source) { _, _ in }
    return reader.lineCount
}

let benchmarks: @Sendable () -> Void = {
    let corpus = Corpus.shared
    let mb = corpus.plainBytes / 1_000_000
    let config = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .mallocCountTotal, .peakMemoryResident], scalingFactor: .one,
        maxDuration: .seconds(10), maxIterations: 10)

    Benchmark("gzip: zlib inflate alone (baseline, \(mb) MB)", configuration: config) { benchmark in
        blackHole(inflateOnly(corpus.gzipPath))
    }
    Benchmark("gzip: ISA-L inflate alone (second baseline, \(mb) MB)", configuration: config) { benchmark in
        let n = isalInflateOnly(corpus.gzipPath)
        precondition(n == corpus.plainBytes, "ISA-L baseline inflated \(n) of \(corpus.plainBytes) bytes (is libisal-dev installed?)")
        blackHole(n)
    }
    Benchmark("gzip: dwell read + hash + framing (\(mb) MB)", configuration: config) { benchmark in
        blackHole(dwellFraming(corpus.gzipPath))
    }
    Benchmark("plain: memchr newline scan alone (baseline, \(mb) MB)", configuration: config) { benchmark in
        blackHole(memchrOnly(corpus.plainPath))
    }
    Benchmark("plain: dwell read + hash + framing (\(mb) MB)", configuration: config) { benchmark in
        blackHole(dwellFraming(corpus.plainPath))
    }
    Benchmark("plain: dwell framing without hash (\(mb) MB)", configuration: config) { benchmark in
        blackHole(framingOnlyNoHash(corpus.plainPath))
    }
}
