// Parsing: the auth (syslog) parser against line framing alone on the same in-memory bytes, and the whole
// per-file pipeline (open as evidence, SHA-256, inflate, frame, detect, parse) on gzip files against zlib
// inflate alone on the same files, in the same run. The ratios are what matter (README "Benchmarks").
import Benchmark
import BenchmarkSupport
import DwellCore
import DwellIngest
import Foundation
import Parsers

// LCG, two(_:) and forEachLine(_:_:) are shared with WebNetworkParsers.swift (same target).

/// ~`bytes` of a Debian/Ubuntu auth.log: sshd (failures, invalid users, accepts with keys, disconnects), PAM,
/// sudo, su, CRON sessions and systemd-logind, in RFC 3164 form with realistic variety.
func authCorpus(bytes: Int) -> [UInt8] {
    var r = LCG(state: 2026)
    let users = ["root", "admin", "deploy", "alice", "bob", "oracle", "test", "ubuntu", "git", "postgres"]
    let months = ["Mar"]
    var out: [UInt8] = []
    out.reserveCapacity(bytes + 512)
    var second = 0
    while out.count < bytes {
        second += r.next(3)
        let day = 1 + second / 86_400 % 28
        let stamp = "\(months[0]) \(day < 10 ? " " : "")\(day) \(two(second / 3600 % 24)):\(two(second / 60 % 60)):\(two(second % 60))"
        let pid = 1000 + r.next(60_000)
        let ip = "\(r.next(2) == 0 ? 203 : 198).\(r.next(256)).\(r.next(256)).\(r.next(256))"
        let user = users[r.next(users.count)]
        let port = 1024 + r.next(60_000)
        let message: String
        switch r.next(10) {
        case 0, 1, 2: message = "sshd[\(pid)]: Failed password for \(user) from \(ip) port \(port) ssh2"
        case 3: message = "sshd[\(pid)]: Invalid user \(user)\(r.next(100)) from \(ip) port \(port)"
        case 4:
            message = "sshd[\(pid)]: Accepted publickey for \(user) from 10.0.\(r.next(4)).\(r.next(256)) port \(port) ssh2: ED25519 SHA256:Qm9ndXNrZXlmaW5nZXJwcmludGhlcmVfX19fX19fX19fXw"
        case 5: message = "sshd[\(pid)]: pam_unix(sshd:session): session opened for user \(user)(uid=1000) by (uid=0)"
        case 6: message = "CRON[\(pid)]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)"
        case 7: message = "sudo:    \(user) : TTY=pts/\(r.next(9)) ; PWD=/home/\(user) ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx"
        case 8: message = "sshd[\(pid)]: Disconnected from authenticating user \(user) \(ip) port \(port) [preauth]"
        default: message = "systemd-logind[812]: New session \(r.next(9999)) of user \(user)."
        }
        out.append(contentsOf: "\(stamp) web01 \(message)\n".utf8)
    }
    return out
}

/// Counts events; the sink of the pipeline measurement.
struct CountingSink: EventSink {
    var events = 0
    mutating func consume(_ event: Event, line: Span<UInt8>, context: inout ParseContext) { events += 1 }
    mutating func finish(context: inout ParseContext, stats: FileStats) -> Int { events }
}

/// The whole per-file pipeline as `dwell parse`/`investigate` run it on one file.
func pipeline(_ path: String) -> Int {
    guard let file = Discovery().discover([path]).files.first else { return 0 }
    var sink = CountingSink()
    let (stats, events) = Ingest.readFile(file, options: IngestOptions(jobs: 1), sink: &sink)
    precondition(stats.rejected == 0, "\(path): \(stats.rejected) lines rejected")
    return events
}

/// Gzip files of each family, written once per run.
struct GzipCorpus {
    let files: [(name: String, path: String, bytes: Int)]

    static let shared: GzipCorpus = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dwell-bench-parsing")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var files: [(String, String, Int)] = []
        for (name, text) in [("auth.log", authCorpus(bytes: 48 << 20)), ("access.log", combinedCorpus(bytes: 48 << 20)),
            ("conn.log", zeekConnCorpus(bytes: 48 << 20))]
        {
            let path = dir.appendingPathComponent(name + ".2.gz").path
            _ = FileManager.default.createFile(atPath: path, contents: Data(GzipCompress.member(text)))
            files.append((name, path, text.count))
        }
        return GzipCorpus(files: files)
    }()
}

let benchmarks: @Sendable () -> Void = {
    webNetworkBenchmarks()
    let auth = authCorpus(bytes: 32 << 20)
    let clock = FileClock(referenceTime: Timestamp(seconds: 1_780_000_000))
    let mb = auth.count >> 20

    framingBaseline("auth: line framing alone (baseline, \(mb) MiB)", auth, maxIterations: 20)
    parserBenchmark("auth: SyslogParser (\(mb) MiB)", auth, clock: clock, maxIterations: 20) { SyslogParser() }

    let corpus = GzipCorpus.shared
    let config = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .mallocCountTotal, .peakMemoryResident], maxDuration: .seconds(10),
        maxIterations: 10)
    for f in corpus.files {
        Benchmark("gzip \(f.name): zlib inflate alone (baseline, \(f.bytes >> 20) MiB text)", configuration: config) { _ in
            blackHole(inflateOnly(f.path))
        }
        Benchmark("gzip \(f.name): ISA-L inflate alone (second baseline, \(f.bytes >> 20) MiB text)", configuration: config) { _ in
            let n = isalInflateOnly(f.path)
            precondition(n == f.bytes, "ISA-L baseline inflated \(n) of \(f.bytes) bytes (is libisal-dev installed?)")
            blackHole(n)
        }
        Benchmark("gzip \(f.name): dwell read + hash + inflate + parse (\(f.bytes >> 20) MiB text)", configuration: config) {
            _ in
            blackHole(pipeline(f.path))
        }
    }
}
