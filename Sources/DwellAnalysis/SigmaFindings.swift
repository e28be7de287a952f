import DwellCore
import DwellIndex
import DwellIngest
import DwellSigma
import Foundation

/// Sigma rules' matches as findings: rule id and title, level as severity, the ATT&CK technique from the tags,
/// the evidence lines; aggregated with the built-in detectors' findings. A Sigma match shows what a rule looks for,
/// not that an attack succeeded: it is an attempt, and it seeds the correlation only as the built-in detectors'
/// findings do (a critical finding always does; see `Correlator`).
public enum SigmaFindings {
    /// The finding rule id of a Sigma rule: `sigma.` and its id in the report's rule-id alphabet (lower-case
    /// letters, digits, `_`, `.`, `-`; any other character becomes `_`). A UUID stays as it is.
    public static func ruleID(_ r: SigmaRule) -> String {
        let id = r.id.lowercased().unicodeScalars.map { u -> Character in
            let ok = (u >= "a" && u <= "z") || (u >= "0" && u <= "9") || u == "_" || u == "." || u == "-"
            return ok ? Character(u) : "_"
        }
        return "sigma." + String(id)
    }

    public static func severity(_ level: String) -> Severity {
        switch level.lowercased() {
        case "informational": .info
        case "low": .low
        case "high": .high
        case "critical": .critical
        default: .medium
        }
    }

    static func findings(
        _ set: SigmaRuleSet, detectors: Detectors, files: [EvidenceFile], options: IngestOptions
    ) -> (findings: [Finding], notes: [String]) {
        let store = detectors.store
        let engine = SigmaEngine(store: store, lineReader: lineReader(files: files, options: options), threads: options.jobs)
        let run = engine.run(set)
        var out: [Finding] = []
        out.reserveCapacity(run.matches.count)
        // What is the same for every match of a rule is built once per rule; the texts of addresses, users and
        // hosts once per distinct value (a rule can match tens of thousands of events).
        var perRule: [Int: (id: String, severity: Severity, prefix: String, technique: String)] = [:]
        var whyCache: [Int: (match: String, why: String)] = [:]
        var ipText: [UInt32: FindingIndicator] = [:]
        var userText: [UInt32: FindingIndicator] = [:]
        var hostText: [UInt64: String] = [:]
        let filePaths = detectors.filePaths
        for m in run.matches {
            let r = set.runnable[m.rule].rule
            guard let first = m.positions.first else { continue }
            let fixed: (id: String, severity: Severity, prefix: String, technique: String)
            if let known = perRule[m.rule] {
                fixed = known
            } else {
                let by = r.author.isEmpty ? "" : ", by \(r.author)"
                fixed = (
                    ruleID(r), severity(r.level), "Sigma rule '\(r.title)' (\(r.id), level \(r.level)\(by); \(r.logSource)): ",
                    r.technique
                )
                perRule[m.rule] = fixed
            }
            let why: String
            if let cached = whyCache[m.rule], cached.match == m.why {
                why = cached.why
            } else {
                why = fixed.prefix + m.why
                whyCache[m.rule] = (m.why, why)
            }
            var indicators: [FindingIndicator] = []
            let ip = store.sourceIP[first]
            if ip != 0 { indicators.append(remembered(&ipText, ip) { .ip("\(detectors.ip(ip))") }) }
            let user = store.user[first]
            if user != 0 { indicators.append(remembered(&userText, user) { .user("\(detectors.text(user))") }) }
            let host = remembered(&hostText, hostKey(store, first)) { detectors.hostOf(first) }
            if !host.isEmpty { indicators.append(.host("\(host)")) }
            // A loop, not `map`: a closure here copied the store (a retain per column) for every match.
            var evidence: [EvidenceRef] = []
            evidence.reserveCapacity(m.positions.count)
            for p in m.positions { evidence.append(EvidenceRef(store: store, position: p, filePaths: filePaths)) }
            out.append(
                Finding(
                    rule: fixed.id, title: r.title, technique: fixed.technique, severity: fixed.severity,
                    time: store.timestamp(first), host: host, indicators: indicators, why: why,
                    evidence: evidence, seeds: false, role: .attempt))
        }
        return (out, run.notes)
    }

    /// The Sigma findings, made on the calling thread while `beside` (the detectors) runs on another: both only
    /// read the store, so the result is what running one after the other gives.
    static func findings(
        _ set: SigmaRuleSet, detectors: Detectors, files: [EvidenceFile], options: IngestOptions,
        beside: @escaping () -> [Finding]
    ) -> (beside: [Finding], findings: [Finding], notes: [String]) {
        let other = BesideTask(beside)
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            other.run()
            done.signal()
        }
        let s = findings(set, detectors: detectors, files: files, options: options)
        done.wait()
        return (other.result, s.findings, s.notes)
    }

    /// The text cached under `key`, made by `make` the first time.
    static func remembered<K: Hashable, V>(_ cache: inout [K: V], _ key: K, _ make: () -> V) -> V {
        if let known = cache[key] { return known }
        let text = make()
        cache[key] = text
        return text
    }

    /// What `Detectors.hostOf` reads of an event, as one key: equal keys give the same host name.
    static func hostKey(_ store: EventStore, _ i: Int) -> UInt64 {
        if store.kind[i] == .http, store.destinationIP[i] != 0 { return 1 << 32 | UInt64(store.destinationIP[i]) }
        if store.host[i] == 0 && store.kind[i] == .webRequest { return 2 << 32 | UInt64(store.fileID[i]) }
        return UInt64(store.host[i])
    }

    /// Reads cited lines back from the evidence for keyword searches (framed records and journals through their
    /// readers, text files streamed up to the last wanted line).
    public static func lineReader(files: [EvidenceFile], options: IngestOptions) -> SigmaLineReader {
        { fileID, lines, body in
            guard Int(fileID) < files.count, !files[Int(fileID)].isStdin, let last = lines.last else { return false }
            let file = files[Int(fileID)]
            // Whole records: keywords and Windows record fields read the full rendering, not the report's cut.
            if let framed = Ingest.framedRawRecords(Set(lines), of: file, options: options, maxBytes: .max) {
                for l in lines { if let b = framed[l] { b.withUnsafeBufferPointer { body(l, $0) } } }
                return true
            }
            guard case .success(let source) = EvidenceSource.open(file, hashing: false) else { return false }
            var reader = LineReader(maxLineBytes: options.maxLineBytes)
            defer { reader.deallocate() }
            let done = StopFlag()
            var bounded = StoppableSource(inner: source, stop: done)
            if let journal = reader.journalLines(Set(lines), from: &bounded, displayPath: file.displayPath, sizeHint: file.sizeBytes) {
                for l in lines { if let b = journal[l] { b.withUnsafeBufferPointer { body(l, $0) } } }
                return true
            }
            reader.forEachLine(from: &bounded) { line, info in
                line.withUnsafeBufferPointer { body(info.number, $0) }
                if info.number >= last { done.value = true }
            }
            return true
        }
    }
}

/// Work handed to another thread and its result, read once the thread has signalled (`SigmaFindings.findings`).
private final class BesideTask: @unchecked Sendable {
    let body: () -> [Finding]
    var result: [Finding] = []

    init(_ body: @escaping () -> [Finding]) { self.body = body }

    func run() { result = body() }
}
