import DwellCore
import DwellIngest
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// How hits are written.
public enum HitFormat: String, Sendable, CaseIterable {
    /// One JSON object per hit.
    case jsonl
    /// One line per hit, terminal-safe.
    case text
}

/// How a sweep ended; `exitCode` is the contract of `dwell sweep` (the CLI's `ExitStatus`).
public enum SweepOutcome: Sendable, Equatable {
    /// Every file read, no indicator seen: 0.
    case clean
    /// Indicators seen: 1.
    case hits
    /// Nothing swept: unreadable IOC list, malformed indicator, corrupt state, no evidence: 2.
    case error(String)
    /// Some evidence could not be read (with or without hits): 3.
    case evidenceProblems

    public var exitCode: Int32 {
        switch self {
        case .clean: 0
        case .hits: 1
        case .error: 2
        case .evidenceProblems: 3
        }
    }
}

/// Everything a sweep needs.
public struct SweepConfiguration: Sendable {
    public var iocFiles: [String]
    public var iocFormat: IOCList.Format?
    public var lenient: Bool
    public var paths: [String]
    public var statePath: String?
    public var resetState: Bool
    public var options: SweepOptions
    public var output: HitFormat

    public init(
        iocFiles: [String], paths: [String], iocFormat: IOCList.Format? = nil, lenient: Bool = false,
        statePath: String? = nil, resetState: Bool = false, options: SweepOptions = SweepOptions(),
        output: HitFormat = .jsonl
    ) {
        self.iocFiles = iocFiles
        self.iocFormat = iocFormat
        self.lenient = lenient
        self.paths = paths
        self.statePath = statePath
        self.resetState = resetState
        self.options = options
        self.output = output
    }
}

/// What a sweep did.
public struct SweepReport: Sendable {
    public var outcome: SweepOutcome
    public var files: [FileSweep] = []
    public var hits: UInt64 = 0
    /// Hits per rule (index into `rules`).
    public var hitsByRule: [Int32: UInt64] = [:]
    public var rules: [IOCRule] = []
    public var warnings: [IOCProblem] = []
    public var discoveryIssues: [EvidenceIssue] = []
}

/// `dwell sweep`: evidence → parsers → IOC matcher → hits, streaming, in bounded memory, without an index.
public enum Sweep {
    /// Runs a sweep. Hits go to `write` (JSON lines or text, in file order then line order); messages for people
    /// (warnings, per-file problems, the summary) to `log`. Never exits or prints.
    public static func run(
        _ config: SweepConfiguration, write: @escaping ([UInt8]) -> Void, log: (String) -> Void
    ) -> SweepReport {
        // 1. Indicators.
        var rules: [IOCRule] = []
        var warnings: [IOCProblem] = []
        for path in config.iocFiles {
            do throws(IOCProblem) {
                let list = try IOCList.load(path: path, format: config.iocFormat, lenient: config.lenient)
                rules += list.rules
                warnings += list.warnings
            } catch {
                let hint = error.kind == .malformed ? " (fix it, or run with --lenient to skip malformed indicators)" : ""
                return SweepReport(outcome: .error("\(error)\(hint)"), warnings: warnings)
            }
        }
        for w in warnings {
            log("dwell sweep: \(w.kind == .malformed ? "skipped malformed indicator" : w.kind.rawValue): \(TerminalText.safe(w.description))")
        }
        guard !rules.isEmpty else {
            return SweepReport(
                outcome: .error("no usable indicator in \(config.iocFiles.joined(separator: ", ")); nothing to sweep for"),
                warnings: warnings)
        }
        let matcher = Matcher(rules: rules)

        // 2. State.
        var previous: SweepState?
        if let path = config.statePath {
            if config.resetState {
                previous = SweepState()
            } else {
                do throws(SweepState.Failure) {
                    previous = try SweepState.load(path: path)
                } catch {
                    return SweepReport(outcome: .error(error.description), rules: rules, warnings: warnings)
                }
            }
        }

        // 3. Evidence.
        var found = Discovery().discover(config.paths)
        if let statePath = config.statePath {
            // The state file (and its temporary twin) is not evidence, even when it sits under a swept directory.
            let real = { (p: String) in URL(fileURLWithPath: p).resolvingSymlinksInPath().path }
            let stateReal = real(statePath)
            let stateTemp = ".\((statePath as NSString).lastPathComponent).tmp."
            found.files.removeAll { real($0.path) == stateReal || ($0.path as NSString).lastPathComponent.hasPrefix(stateTemp) }
        }
        for issue in found.issues { log("dwell sweep: \(TerminalText.safe(issue.description))") }
        guard !found.files.isEmpty else {
            return SweepReport(
                outcome: .error("no evidence files found in \(config.paths.joined(separator: " ")); give log files or directories"),
                rules: rules, warnings: warnings, discoveryIssues: found.issues)
        }

        // 4. Sweep, one worker per file, output in file order.
        var report = SweepReport(outcome: .clean, rules: rules, warnings: warnings, discoveryIssues: found.issues)
        let entries = previous?.files
        let files = found.files
        let results = OrderedDelivery(count: files.count)
        let next = Counter()
        let options = config.options
        let format = config.output
        let work: @Sendable () -> Void = {
            while true {
                let i = next.take()
                guard i < files.count else { return }
                let spool = HitSpool()
                var line = [UInt8]()
                let r = FileSweeper.sweep(files[i], matcher: matcher, options: options, state: entries) { hit in
                    line.removeAll(keepingCapacity: true)
                    HitWriter.append(hit, rules: matcher.rules, atoms: matcher.atoms, format: format, to: &line)
                    spool.append(line)
                }
                results.store(i, (r, spool))
            }
        }
        let deliverer: (Int, (FileSweep, HitSpool)) -> Void = { _, value in
            value.1.drain(write)
        }
        let workers = min(options.reading.jobs, max(files.count, 1))
        if workers <= 1 {
            work()
        } else {
            DispatchQueue.concurrentPerform(iterations: workers) { _ in work() }
        }
        // Deliver in order (workers have finished; spools beyond a few MiB live in unlinked temp files).
        var sweeps: [FileSweep] = []
        for i in 0..<files.count {
            guard let v = results.take(i) else { continue }
            deliverer(i, v)
            sweeps.append(v.0)
        }
        report.files = sweeps

        // 5. Counts, problems, state.
        var problems = found.issues.contains(where: \.isProblem)
        for f in sweeps {
            report.hits += f.hits
            for issue in f.issues where issue.isProblem || issue.kind == .unknownFormat {
                log("dwell sweep: \(TerminalText.safe(issue.description))")
            }
            if f.hasProblems { problems = true }
        }
        if let path = config.statePath {
            var state = SweepState()
            state.files = sweeps.compactMap(\.entry)
            do throws(SweepState.Failure) {
                try state.save(path: path)
            } catch {
                log("dwell sweep: \(error.description)")
                problems = true
            }
        }
        report.outcome = problems ? .evidenceProblems : (report.hits > 0 ? .hits : .clean)
        return report
    }

    /// The summary for people (stderr): what was read, what was resumed or skipped, hits per file, problems.
    public static func summary(_ r: SweepReport) -> String {
        var lines: [String] = []
        var bytes: UInt64 = 0
        var resumed = 0
        var unchanged = 0
        var restarted: [String] = []
        var held: UInt64 = 0
        for f in r.files {
            bytes += f.bytesSwept
            held += f.heldBack
            switch f.resume {
            case .resumed: resumed += 1
            case .unchanged: unchanged += 1
            case .restarted(let why): restarted.append("\(f.file.displayPath): \(why)")
            case .new, .none: break
            }
        }
        let events = r.files.reduce(0) { $0 + $1.events }
        let unparsed = r.files.reduce(0) { $0 + $1.unparsed }
        lines.append(
            "dwell sweep: \(r.rules.count) indicators; \(r.files.count) files (\(resumed) resumed, \(unchanged) unchanged and not read); \(bytes) new bytes, \(events) events, \(unparsed) unparsed lines matched raw")
        for s in restarted { lines.append("  swept from the start: \(TerminalText.safe(s))") }
        if held > 0 { lines.append("  \(held) bytes after the last newline left for the next run") }
        let unsupported = r.warnings.filter { $0.kind == .unsupported }.count
        if unsupported > 0 { lines.append("  \(unsupported) indicators unsupported (listed above), not matched") }
        if r.hits == 0 {
            lines.append("  no hits")
        } else {
            lines.append("  \(r.hits) hits:")
            for f in r.files where f.hits > 0 {
                lines.append("    \(TerminalText.safe(f.file.displayPath)): \(f.hits)")
            }
        }
        let problems = r.files.filter(\.hasProblems).count
        if problems > 0 { lines.append("  \(problems) files with unreadable evidence (listed above): exit status 3") }
        return lines.joined(separator: "\n")
    }
}

/// Hit lines.
public enum HitWriter {
    /// JSON: `time`, `host`, `indicator` (text, type, list file/line/id, note), `match` (field), `kind`, `format`,
    /// `evidence` (`file`, `line`, `offset`, `raw`). Text: time, host, indicator, field, evidence place, raw line.
    public static func append(_ h: Hit, rules: [IOCRule], atoms: [IOCAtom], format: HitFormat, to out: inout [UInt8]) {
        let rule = rules[Int(h.rule)]
        switch format {
        case .jsonl:
            var j = JSONBuffer(capacity: 512)
            j.beginObject()
            if let t = h.time { j.key("time"); j.time(t) } else { j.key("time"); j.null() }
            if let host = h.host { j.key("host"); j.string(host) }
            j.key("indicator"); j.beginObject()
            j.key("value"); j.string(rule.text)
            j.key("type"); j.string(rule.typeName)
            j.key("list"); j.string(rule.origin.file)
            if let l = rule.origin.line { j.key("line"); j.int(l) }
            if let ref = rule.origin.ref { j.key("id"); j.string(ref) }
            if let note = rule.note { j.key("note"); j.string(note) }
            j.endObject()
            j.key("match"); j.string(h.field.rawValue)
            j.key("kind"); j.string(h.kind)
            if let f = h.format { j.key("format"); j.string(f) }
            j.key("evidence"); j.beginObject()
            j.key("file"); j.string(h.file)
            j.key("line"); j.int(h.line)
            j.key("offset"); j.int(h.offset)
            j.key("raw"); j.string(bytes: h.raw)
            j.endObject()
            j.endObject()
            j.newline()
            out += j.bytes
        case .text:
            let time = h.time?.iso8601(fractionDigits: 0) ?? "-"
            let text =
                "\(time) \(TerminalText.safe(h.host ?? "-")) \(h.kind) \(TerminalText.safe(rule.text)) in \(h.field.rawValue) [\(TerminalText.safe(rule.origin.description))]\n    \(TerminalText.safe(h.file)):\(h.line)  \(TerminalText.safe(bytes: h.raw))\n"
            out += Array(text.utf8)
        }
    }
}

/// One file's hit output until its turn: in memory up to a limit, then in an unlinked temporary file (in
/// $TMPDIR), so memory stays bounded whatever the number of hits.
final class HitSpool: @unchecked Sendable {
    private var memory: [UInt8] = []
    private var fd: Int32 = -1
    static let memoryLimit = 64 << 10

    func append(_ bytes: [UInt8]) {
        if fd < 0 && memory.count + bytes.count <= HitSpool.memoryLimit {
            memory += bytes
            return
        }
        if fd < 0 {
            let dir = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
            var template = Array((dir + "/dwell-sweep-XXXXXX").utf8CString)
            fd = template.withUnsafeMutableBufferPointer { p in p.baseAddress.map { mkstemp($0) } ?? -1 }
            if fd >= 0 { template.withUnsafeBufferPointer { p in _ = p.baseAddress.map { unlink($0) } } }
            if fd < 0 {  // no temp dir: keep in memory rather than lose hits
                memory += bytes
                return
            }
        }
        writeAll(memory)
        memory = []
        writeAll(bytes)
    }

    private func writeAll(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { p in
            guard let base = p.baseAddress else { return }
            var off = 0
            while off < p.count {
                let n = Glibc.write(fd, base + off, p.count - off)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return }
                off += n
            }
        }
    }

    func drain(_ write: ([UInt8]) -> Void) {
        if fd >= 0 {
            lseek(fd, 0, SEEK_SET)
            var chunk = [UInt8](repeating: 0, count: 1 << 20)
            while true {
                let n = chunk.withUnsafeMutableBytes { p in Glibc.read(fd, p.baseAddress, p.count) }
                if n <= 0 { break }
                write(Array(chunk[0..<n]))
            }
            close(fd)
            fd = -1
        }
        if !memory.isEmpty { write(memory) }
        memory = []
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func take() -> Int {
        lock.withLock {
            defer { value += 1 }
            return value
        }
    }
}

final class OrderedDelivery: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [(FileSweep, HitSpool)?]
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func store(_ i: Int, _ v: (FileSweep, HitSpool)) { lock.withLock { slots[i] = v } }
    func take(_ i: Int) -> (FileSweep, HitSpool)? {
        lock.withLock {
            defer { slots[i] = nil }
            return slots[i]
        }
    }
}
