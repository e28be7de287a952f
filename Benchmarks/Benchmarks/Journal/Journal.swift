import Benchmark
import DwellAnalysis
import DwellCore
import DwellIndex
import DwellIngest
import DwellPipeline
import DwellScenario
import Foundation

// Journal (#19): dwell reading and structuring an uncompressed systemd journal of 1 M entries, one core, against
// `journalctl --file F -o export > /dev/null` on the same file in the same run. Target: at least 1 M entries per
// second per core. The file is written once per run by the scenario generator's journal writer (regular layout,
// keyed hash, no compression), with the fields journald gives a syslog client's line.
//
// "Entries per second per core" means what a user waits for: the work `dwell investigate` does to turn the journal
// into events (open, SHA-256 of every byte as evidence, read and check every ENTRY and DATA object, structure every
// entry through the auth message parsers, and, for `investigate`, append it to the event store), per CPU-second
// (user + system, one job), not a count of entries. Measured with `/usr/bin/time` on the release binary, old and new
// builds interleaved in one run (the machine's 2 cores are shared, so wall time means little): `dwell manifest
// --jobs 1` is the first three (its sink keeps nothing), `DWELL_TRACE=1 dwell investigate --jobs 1` prints the CPU
// of its "read, parse, store build" phase (all four) and of the phases after it. The rows below measure the same
// parts in-process: the pipeline with a counting sink (manifest), with the event store (investigate's ingest), the
// reader alone and the hash alone. Figures are in the README's journal section.

let entryCount = 1_000_000

/// A deterministic pseudo-random sequence (LCG), so the corpus is the same in every run.
struct Sequence64 {
    var x: UInt64 = 0x9E37_79B9_7F4A_7C15
    mutating func next(_ n: Int) -> Int {
        x = x &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Int((x >> 33) % UInt64(n))
    }
}

/// `NAME=value` as bytes.
func field(_ name: String, _ value: String) -> [UInt8] { Array((name + "=" + value).utf8) }

/// Writes the corpus: auth traffic of one busy jump host (sshd guessing and logins, sudo, cron, logind).
func writeJournalCorpus(_ path: String) {
    func id(_ k: UInt8) -> [UInt8] { (0..<16).map { UInt8($0) &* 29 &+ k } }
    let boot = id(3)
    let bootHex = boot.map { String(format: "%02x", $0) }.joined()
    var w = JournalFileWriter(fileID: id(1), machineID: id(2), seqnumID: id(4), expectedEntries: entryCount)
    var r = Sequence64()
    let users = ["root", "admin", "oracle", "test", "alice", "bob", "deploy", "ubuntu", "guest", "support"]
    let start: UInt64 = 1_773_014_400_000_000
    let bootTime = start - 86_400_000_000
    let common = [
        field("_UID", "0"), field("_GID", "0"), field("_BOOT_ID", bootHex), field("PRIORITY", "6"),
        field("_MACHINE_ID", "0123456789abcdef0123456789abcdef"), field("_HOSTNAME", "bastion01"),
    ]
    for k in 0..<entryCount {
        let t = start + UInt64(k) * 250_000 + UInt64(r.next(200_000))
        let pid = String(2_000 + r.next(58_000))
        let user = users[r.next(users.count)]
        let ip = "203.0.\(r.next(256)).\(r.next(256))"
        let port = String(1_024 + r.next(64_000))
        var ident = "sshd"
        var comm = "sshd"
        var exe = "/usr/sbin/sshd"
        var unit = "ssh.service"
        var transport = "syslog"
        let message: String
        switch r.next(10) {
        case 0, 1, 2: message = "Failed password for \(user) from \(ip) port \(port) ssh2"
        case 3: message = "Invalid user \(user)\(r.next(100)) from \(ip) port \(port)"
        case 4:
            message =
                "Accepted publickey for \(user) from 10.0.\(r.next(4)).\(r.next(256)) port \(port) ssh2: ED25519 SHA256:Qm9ndXNrZXlmaW5nZXJwcmludGhlcmVfX19fX19fX19fXw"
        case 5: message = "pam_unix(sshd:session): session opened for user \(user)(uid=1000) by (uid=0)"
        case 6:
            (ident, comm, exe, unit) = ("CRON", "cron", "/usr/sbin/cron", "cron.service")
            message = "pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)"
        case 7:
            (ident, comm, exe, unit) = ("sudo", "sudo", "/usr/bin/sudo", "session-\(r.next(900)).scope")
            message = "    \(user) : TTY=pts/\(r.next(9)) ; PWD=/home/\(user) ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx"
        case 8: message = "Disconnected from authenticating user \(user) \(ip) port \(port) [preauth]"
        default:
            (ident, comm, exe, unit, transport) = (
                "systemd-logind", "systemd-logind", "/usr/lib/systemd/systemd-logind", "systemd-logind.service", "journal"
            )
            message = "New session \(r.next(9999)) of user \(user)."
        }
        var payloads = common
        payloads += [
            field("_TRANSPORT", transport), field("SYSLOG_FACILITY", transport == "journal" ? "4" : "10"),
            field("SYSLOG_IDENTIFIER", ident), field("MESSAGE", message), field("_PID", pid), field("_COMM", comm),
            field("_EXE", exe), field("_SYSTEMD_UNIT", unit), field("_SOURCE_REALTIME_TIMESTAMP", String(t)),
        ]
        if transport == "syslog" { payloads.append(field("SYSLOG_PID", pid)) }
        w.append(seqnum: UInt64(k + 1), realtime: t + 90, monotonic: t + 90 - bootTime, bootID: boot, payloads: payloads)
    }
    FileManager.default.createFile(atPath: path, contents: Data(w.finish(state: .archived)))
}

struct JournalCorpus {
    let path: String
    let bytes: Int

    static let shared: JournalCorpus = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dwell-bench-journal")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("system@bench.journal").path
        writeJournalCorpus(path)
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        return JournalCorpus(path: path, bytes: size ?? 0)
    }()
}

/// Counts events and touches each raw line (what `investigate` keeps of a line).
struct CountingSink: EventSink {
    var events = 0
    var rawBytes = 0
    let wantsRawLine: Bool
    mutating func consume(_ event: Event, line: Span<UInt8>, context: inout ParseContext) {
        events += 1
        rawBytes &+= line.count
    }
    mutating func finish(context: inout ParseContext, stats: FileStats) -> Int { events }
}

/// dwell: the per-file pipeline of `dwell parse`/`investigate` with `--jobs 1` (open and hash as evidence, read
/// every entry, structure it through the auth message parsers).
func dwellPipeline(_ path: String, rawLines: Bool) -> Int {
    guard let file = Discovery().discover([path]).files.first else { return 0 }
    var sink = CountingSink(wantsRawLine: rawLines)
    let (stats, events) = Ingest.readFile(file, options: IngestOptions(jobs: 1), sink: &sink)
    precondition(stats.rejected == 0 && stats.issues.isEmpty, "\(path): \(stats.rejected) rejected, \(stats.issues)")
    return events
}

/// `dwell investigate`'s ingest with `--jobs 1`: the same pipeline into the event store
/// (`InvestigationRun.buildStore`).
func investigateIngest(_ path: String) -> Int {
    let (store, stats) = InvestigationRun.buildStore(
        files: Discovery().discover([path]).files, options: IngestOptions(jobs: 1))
    precondition(stats.allSatisfy { $0.rejected == 0 && $0.issues.isEmpty }, "\(path): problems")
    return store.count
}

/// The reader alone, on the file mapped as the pipeline maps it: every entry's fields, no structuring, no hash.
func readerOnly(_ path: String) -> UInt64 {
    guard let raw = try? RawFile(path: path), let mapping = raw.mapped() else { return 0 }
    var reader = JournalReader(mapped: mapping, count: mapping.bytes.count, displayPath: path)
    var fields = 0
    reader.forEachEntry { fields &+= $0.fields.count }
    return reader.entriesRead
}

/// The hash alone: SHA-256 of the mapped file, as the manifest hashes every input (the floor under the pipeline).
func hashOnly(_ path: String) -> UInt64 {
    guard let raw = try? RawFile(path: path), let mapping = raw.mapped() else { return 0 }
    raw.consume(mapping, upTo: mapping.bytes.count)
    blackHole(raw.finalizeHash())
    return raw.bytesRead
}

/// Baseline: systemd's reader, `journalctl --file F -o export > /dev/null`.
func journalctlExport(_ path: String) -> Int32 {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/journalctl")
    p.arguments = ["--file", path, "-o", "export", "--no-pager"]
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    do { try p.run() } catch { return -1 }
    p.waitUntilExit()
    return p.terminationStatus
}

let benchmarks: @Sendable () -> Void = {
    let corpus = JournalCorpus.shared
    let mb = corpus.bytes / 1_000_000
    let config = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .peakMemoryResident], scalingFactor: .mega, maxDuration: .seconds(20),
        maxIterations: 5)
    let label = "1 M entries, \(mb) MB, uncompressed"

    Benchmark("journal: journalctl --file F -o export > /dev/null (baseline, \(label))", configuration: config) { _ in
        precondition(journalctlExport(corpus.path) == 0, "journalctl failed (is it installed?)")
    }
    Benchmark("journal: dwell read + structure, jobs 1 (\(label))", configuration: config) { _ in
        let n = dwellPipeline(corpus.path, rawLines: false)
        precondition(n == entryCount, "\(n) events of \(entryCount)")
        blackHole(n)
    }
    Benchmark("journal: dwell investigate ingest into the event store, jobs 1 (\(label))", configuration: config) { _ in
        let n = investigateIngest(corpus.path)
        precondition(n == entryCount, "\(n) events of \(entryCount)")
    }
    Benchmark("journal: dwell read + structure + raw lines, jobs 1 (\(label))", configuration: config) { _ in
        blackHole(dwellPipeline(corpus.path, rawLines: true))
    }
    Benchmark("journal: JournalReader alone, mapped, no structuring, no hash (\(label))", configuration: config) { _ in
        blackHole(readerOnly(corpus.path))
    }
    Benchmark("journal: SHA-256 of the mapped file alone (\(label))", configuration: config) { _ in
        precondition(hashOnly(corpus.path) == UInt64(corpus.bytes), "hash did not cover the file")
    }
}
