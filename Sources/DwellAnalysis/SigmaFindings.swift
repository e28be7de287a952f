import DwellCore
import DwellIndex
import DwellIngest
import DwellSigma
import Foundation
import Parsers

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

    /// The Sigma findings, already one per (rule, source, host) as `FindingAggregation.aggregate` makes them: the
    /// matches are grouped as they are turned into findings, and each group's finding is built once from its
    /// members (a rule can match hundreds of thousands of events; a finding per match only to merge them again
    /// cost more than the matching). The result is what aggregating a finding per match gives, byte for byte
    /// (`SigmaFindingsTests`).
    /// `scanned`: the keyword hits found while the ingest read the text files (`SigmaLineScan`; those files are not
    /// read back).
    static func findings(
        _ set: SigmaRuleSet, detectors: Detectors, files: [EvidenceFile], options: IngestOptions,
        scanned: SigmaScannedLines? = nil
    ) -> (findings: [Finding], notes: [String]) {
        let store = detectors.store
        let reader = lineReader(files: files, options: options, lineFiles: lineFiles(store, options: options))
        let engine = SigmaEngine(store: store, lineReader: reader, threads: options.jobs, scanned: scanned)
        let run = engine.run(set)
        return (findings(run, set, detectors: detectors), run.notes)
    }

    /// `run`'s matches as findings, one per (rule, source, host).
    static func findings(_ run: SigmaRunResult, _ set: SigmaRuleSet, detectors: Detectors) -> [Finding] {
        let store = detectors.store
        // What is the same for every match of a rule is built once per rule; the texts of addresses, users and
        // hosts once per distinct value.
        var perRule: [Int: (id: RuleID, severity: Severity, prefix: String, technique: String)] = [:]
        var ipText: [UInt32: Indicator] = [:]
        var userText: [UInt32: Indicator] = [:]
        var hostText: [UInt64: String] = [:]
        // The aggregation key is made of texts (finding rule id, host name, source indicator); equal texts can come
        // from different numbers, so the numbers map to a group through the texts, once per distinct numbers.
        struct Numbers: Hashable {
            var rule: Int
            var host: UInt64
            var ip: UInt32
            var user: UInt32
        }
        var groupOfNumbers: [Numbers: Int] = [:]
        var groupOfText: [String: Int] = [:]
        var groups: [[Int]] = []
        for (k, m) in run.matches.enumerated() {
            guard let first = m.positions.first else { continue }
            let ip = store.sourceIP[first]
            let numbers = Numbers(rule: m.rule, host: hostKey(store, first), ip: ip, user: ip == 0 ? store.user[first] : 0)
            if let g = groupOfNumbers[numbers] {
                groups[g].append(k)
                continue
            }
            let r = set.runnable[m.rule].rule
            let id = perRule[m.rule]?.id ?? .sigma(ruleID(r), technique: r.technique)
            let host = remembered(&hostText, numbers.host) { detectors.hostOf(first) }
            let source: Indicator?
            if ip != 0 {
                source = remembered(&ipText, ip) { .ip("\(detectors.ip(ip))") }
            } else if numbers.user != 0 {
                source = remembered(&userText, numbers.user) { .user("\(detectors.text(numbers.user))") }
            } else {
                source = host.isEmpty ? nil : .host(host)
            }
            if perRule[m.rule] == nil {
                let by = r.author.isEmpty ? "" : ", by \(r.author)"
                perRule[m.rule] = (id, severity(r.level), "Sigma rule '\(r.title)' (\(r.id), level \(r.level)\(by); \(r.logSource)): ", r.technique)
            }
            let key = "\(id)\u{0}\(host)\u{0}\(source?.description ?? "")"
            let g: Int
            if let known = groupOfText[key] {
                g = known
            } else {
                g = groups.count
                groups.append([])
                groupOfText[key] = g
            }
            groupOfNumbers[numbers] = g
            groups[g].append(k)
        }
        let filePaths = detectors.filePaths
        // One member's finding, as a finding per match was made.
        func finding(_ k: Int) -> Finding {
            let m = run.matches[k]
            let first = m.positions[0]
            let r = set.runnable[m.rule].rule
            let fixed = perRule[m.rule] ?? (.sigma(ruleID(r), technique: r.technique), severity(r.level), "", r.technique)
            var indicators: [Indicator] = []
            let ip = store.sourceIP[first]
            if ip != 0 { indicators.append(remembered(&ipText, ip) { .ip("\(detectors.ip(ip))") }) }
            let user = store.user[first]
            if user != 0 { indicators.append(remembered(&userText, user) { .user("\(detectors.text(user))") }) }
            let host = remembered(&hostText, hostKey(store, first)) { detectors.hostOf(first) }
            if !host.isEmpty { indicators.append(.host(host)) }
            // A loop, not `map`: a closure here copied the store (a retain per column) for every match.
            var evidence: [EvidenceRef] = []
            evidence.reserveCapacity(m.positions.count)
            for p in m.positions { evidence.append(EvidenceRef(store: store, position: p, filePaths: filePaths)) }
            return Finding(
                rule: fixed.id, title: r.title, technique: fixed.technique, severity: fixed.severity,
                time: store.timestamp(first), host: host, indicators: indicators, why: fixed.prefix + m.why,
                evidence: evidence, seeds: false, role: .attempt)
        }
        var out: [Finding] = []
        out.reserveCapacity(groups.count)
        for members in groups {
            guard members.count > 1 else {
                if let only = members.first { out.append(finding(only)) }
                continue
            }
            // As `FindingAggregation.aggregate` orders a group: by the first hit's time, ties in match order.
            let sorted = members.sorted { store.time[run.matches[$0].positions[0]] < store.time[run.matches[$1].positions[0]] }
            guard let head = sorted.first, let tail = sorted.last else { continue }
            var merged = finding(head)
            let last = finding(tail)
            var lastTime = merged.time
            var indicators = merged.indicators
            // The indicators of the members, in order, each once, as many as the aggregate keeps: a member's
            // address, user and host are looked at as numbers, and made into text only when not seen before.
            var seenIP: Set<UInt32> = [store.sourceIP[run.matches[head].positions[0]]]
            var seenUser: Set<UInt32> = [store.user[run.matches[head].positions[0]]]
            var seenHost: Set<UInt64> = [hostKey(store, run.matches[head].positions[0])]
            var k = 1
            while k < sorted.count && indicators.count < FindingAggregation.keptIndicators {
                let p = run.matches[sorted[k]].positions[0]
                k += 1
                let ip = store.sourceIP[p]
                let user = store.user[p]
                let hk = hostKey(store, p)
                var own: [Indicator] = []
                if ip != 0, seenIP.insert(ip).inserted { own.append(ipIndicator(&ipText, ip, detectors)) }
                if user != 0, seenUser.insert(user).inserted { own.append(userIndicator(&userText, user, detectors)) }
                if seenHost.insert(hk).inserted {
                    let host = hostName(&hostText, hk, p, detectors)
                    if !host.isEmpty { own.append(.host(host)) }
                }
                for i in own where !indicators.contains(i) { indicators.append(i) }
            }
            for m in sorted { lastTime = max(lastTime, store.timestamp(run.matches[m].positions[0])) }
            // The evidence of the first and the last hits: the ends of the members' positions laid end to end.
            let half = FindingAggregation.keptEvidence / 2
            var head4: [EvidenceRef] = []
            for m in sorted where head4.count < half {
                for p in run.matches[m].positions where head4.count < half {
                    head4.append(EvidenceRef(store: store, position: p, filePaths: filePaths))
                }
            }
            var tail4: [EvidenceRef] = []
            for m in sorted.reversed() where tail4.count < half {
                for p in run.matches[m].positions.reversed() where tail4.count < half {
                    tail4.append(EvidenceRef(store: store, position: p, filePaths: filePaths))
                }
            }
            merged.count = sorted.count
            merged.lastTime = lastTime
            merged.indicators = Array(indicators.prefix(FindingAggregation.keptIndicators))
            merged.evidence = FindingAggregation.ends(head4 + tail4.reversed())
            merged.why = FindingAggregation.mergedWhy(first: merged, last: last)
            out.append(merged)
        }
        return out
    }

    /// The files whose events a line-based format read: read back as text, never tried as records or journals.
    static func lineFiles(_ store: EventStore, options: IngestOptions) -> Set<UInt32> {
        // Per file id: its events' format, `unseen` or `mixed` (an array: this looks at every event of the store).
        let unseen: Int32 = -1
        let mixed: Int32 = -2
        var formatOf: [Int32] = []
        for i in 0..<store.count {
            let f = Int(store.fileID[i])
            let k = Int32(store.format[i])
            if f >= formatOf.count { formatOf += repeatElement(unseen, count: max(f + 1 - formatOf.count, formatOf.count)) }
            let known = formatOf[f]
            if known == unseen {
                formatOf[f] = k
            } else if known != k {
                formatOf[f] = mixed
            }
        }
        var isLines: [UInt16: Bool] = [:]
        var out = Set<UInt32>()
        for (file, known) in formatOf.enumerated() where known >= 0 {
            let f = UInt32(file)
            let k = UInt16(known)
            let lines: Bool
            if let known = isLines[k] {
                lines = known
            } else {
                let id = Int(k)
                if id >= 1 && id <= Registry.formats.count, case .lines = Registry.formats[id - 1].make(options.parserOptions) {
                    lines = true
                } else {
                    lines = false
                }
                isLines[k] = lines
            }
            if lines { out.insert(f) }
        }
        return out
    }

    /// The Sigma findings, made on the calling thread while `beside` (the detectors) runs on another: both only
    /// read the store, so the result is what running one after the other gives.
    static func findings(
        _ set: SigmaRuleSet, detectors: Detectors, files: [EvidenceFile], options: IngestOptions,
        scanned: SigmaScannedLines? = nil, beside: @escaping () -> [Finding]
    ) -> (beside: [Finding], findings: [Finding], notes: [String]) {
        let other = BesideTask(beside)
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            other.run()
            done.signal()
        }
        let s = findings(set, detectors: detectors, files: files, options: options, scanned: scanned)
        done.wait()
        return (other.result, s.findings, s.notes)
    }

    /// An address indicator's text, made once per address (no closure: a closure here copied the detectors).
    static func ipIndicator(_ cache: inout [UInt32: Indicator], _ ip: UInt32, _ d: Detectors) -> Indicator {
        if let known = cache[ip] { return known }
        let text = Indicator.ip("\(d.ip(ip))")
        cache[ip] = text
        return text
    }

    static func userIndicator(_ cache: inout [UInt32: Indicator], _ user: UInt32, _ d: Detectors) -> Indicator {
        if let known = cache[user] { return known }
        let text = Indicator.user("\(d.text(user))")
        cache[user] = text
        return text
    }

    static func hostName(_ cache: inout [UInt64: String], _ key: UInt64, _ position: Int, _ d: Detectors) -> String {
        if let known = cache[key] { return known }
        let text = d.hostOf(position)
        cache[key] = text
        return text
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
    /// `lineFiles`: files a line-based format read (`lineFiles(_:options:)`), streamed without trying them as
    /// records or journals first.
    public static func lineReader(files: [EvidenceFile], options: IngestOptions, lineFiles: Set<UInt32> = []) -> SigmaLineReader {
        { fileID, lines, body in
            guard Int(fileID) < files.count, !files[Int(fileID)].isStdin, let last = lines.last else { return false }
            let file = files[Int(fileID)]
            let asText = lineFiles.contains(fileID)
            // Whole records: keywords and Windows record fields read the full rendering, not the report's cut.
            if !asText, let framed = Ingest.framedRawRecords(Set(lines), of: file, options: options, maxBytes: .max) {
                for l in lines { if let b = framed[l] { b.withUnsafeBufferPointer { body(l, $0) } } }
                return true
            }
            guard case .success(let source) = EvidenceSource.open(file, hashing: false) else { return false }
            var reader = LineReader(maxLineBytes: options.maxLineBytes)
            defer { reader.deallocate() }
            let done = StopFlag()
            var bounded = StoppableSource(inner: source, stop: done)
            if !asText, let journal = reader.journalLines(Set(lines), from: &bounded, displayPath: file.displayPath, sizeHint: file.sizeBytes) {
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
