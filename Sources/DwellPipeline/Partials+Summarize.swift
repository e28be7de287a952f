import DwellAnalysis
import DwellCore
import DwellIndex
import DwellIngest
import Foundation

/// Builds the partials of one file from its events, keyed by the file's own symbols while reading (no `String` per
/// event) and turned into text keys once, when the file is done.
///
/// First and last evidence keep only (time, line, offset) while reading; the raw lines they cite are read back in
/// one streaming pass when the file is done (stdin cannot be read twice: there the winning lines are copied as
/// they come). Each file is summarised on its own, so a file gives the same partials in any split of the input.
public struct PartialsSink: EventSink {
    /// Partials keep no connection uid or referer: the parsers skip interning them.
    public var wantsUnindexedText: Bool { false }
    struct Key: Hashable {
        var tag: UInt8
        var a: UInt64 = 0
        var b: UInt64 = 0
        var c: UInt64 = 0
        var d: UInt64 = 0
        var e: UInt64 = 0
        var f: UInt64 = 0
    }

    struct End {
        var time: Int64
        var line: UInt64
        var offset: UInt64
        var raw: [UInt8]?
    }

    struct Seen {
        var count: Int64
        var first: End
        var last: End
    }

    // Tags: 0...7 indicator types (IndicatorType raw values); then the record families below.
    static let edge: UInt8 = 10
    static let hostAddress: UInt8 = 11
    static let authFailure: UInt8 = 12
    static let webAgent: UInt8 = 13
    static let scriptQuery: UInt8 = 14
    static let pendingFailure: UInt8 = 15
    static let ownAddress: UInt8 = 16
    static let webClient: UInt8 = 17
    static let webFlow: UInt8 = 18

    let file: EvidenceFile
    let maxLineBytes: Int
    let bucketSeconds: Int64
    let eager: Bool
    let scriptSuffixes: ScriptSuffixes
    var seen: [Key: Seen] = [:]
    /// Samples of seconds for the web client and web flow records (keys as in `seen`).
    var samples: [Key: Partials.SecondsSample] = [:]
    var activity: [Key: Int64] = [:]
    var connectionsWithAttemptLine: Set<UInt64> = []
    var isSummaryDetail: [UInt32: Bool] = [:]
    var isScriptPath: [UInt32: Bool] = [:]
    /// The distinct sources of each script path (by path symbol), until `Partials.PathSources.capacity`: then only
    /// `many`.
    var pathSources: [UInt32: (sources: Set<IPAddress>, many: Bool)] = [:]

    /// - Parameters:
    ///   - bucketSeconds: width of the activity buckets (per host and event kind).
    ///   - scriptSuffixes: paths that run code (the web shell rule's `script_suffixes`).
    public init(file: EvidenceFile, maxLineBytes: Int, bucketSeconds: Int64, scriptSuffixes: ScriptSuffixes) {
        self.file = file
        self.maxLineBytes = maxLineBytes
        self.bucketSeconds = max(1, bucketSeconds)
        self.eager = file.isStdin
        self.scriptSuffixes = scriptSuffixes
    }

    /// The ports `Correlator.learnWebServerAddresses` matches access logs on.
    static let webPorts: [UInt16] = [80, 443, 8080, 8443]

    @inline(__always) static func floor(_ t: Int64, _ width: Int64) -> Int64 {
        let q = t / width
        return (t % width < 0 ? q - 1 : q) * width
    }

    mutating func note(_ key: Key, _ e: Event, _ line: Span<UInt8>) {
        let t = e.time.microseconds
        if var s = seen[key] {
            s.count += 1
            // Lines come in order: an equal time keeps the earlier line as first and takes the later as last.
            if t < s.first.time { s.first = end(e, line) }
            if t >= s.last.time { s.last = end(e, line) }
            seen[key] = s
        } else {
            let x = end(e, line)
            seen[key] = Seen(count: 1, first: x, last: x)
        }
    }

    func end(_ e: Event, _ line: Span<UInt8>) -> End {
        var raw: [UInt8]? = nil
        if eager { line.withUnsafeBufferPointer { raw = Array($0.prefix(EvidenceResolver.maxRawBytes)) } }
        return End(time: e.time.microseconds, line: e.source.line, offset: e.source.offset, raw: raw)
    }

    static func ip(_ a: IPAddress) -> (UInt64, UInt64) { (a.high, a.low) }

    public mutating func consume(_ e: Event, line: Span<UInt8>, context: inout ParseContext) {
        let bucket = Self.floor(e.time.microseconds, bucketSeconds * 1_000_000) / 1_000_000
        activity[Key(tag: 20, a: UInt64(bitPattern: bucket), b: UInt64(e.host.id), c: UInt64(e.kind.rawValue)), default: 0] += 1
        if !e.sourceIP.isNone { note(Key(tag: 0, a: e.sourceIP.high, b: e.sourceIP.low), e, line) }
        if !e.destinationIP.isNone && e.destinationIP != e.sourceIP {
            note(Key(tag: 0, a: e.destinationIP.high, b: e.destinationIP.low), e, line)
        }
        if !e.user.isNone { note(Key(tag: 1, a: UInt64(e.user.id)), e, line) }
        if !e.host.isNone { note(Key(tag: 2, a: UInt64(e.host.id)), e, line) }
        if !e.path.isNone && (e.kind == .webRequest || e.kind == .http) { note(Key(tag: 3, a: UInt64(e.path.id)), e, line) }
        if !e.userAgent.isNone { note(Key(tag: 4, a: UInt64(e.userAgent.id)), e, line) }
        if !e.domain.isNone { note(Key(tag: 5, a: UInt64(e.domain.id)), e, line) }
        if !e.fileHash.isNone { note(Key(tag: 6, a: UInt64(e.fileHash.id)), e, line) }
        if !e.command.isNone { note(Key(tag: 7, a: UInt64(e.command.id)), e, line) }

        // What learning host addresses at merge time needs (as `Correlator` learns them from the store): packets a
        // host logged sending itself, and web requests and sensor flows to web ports with samples of their seconds.
        if OwnTraffic.isLocallyOriginated(e) {
            note(Key(tag: Self.ownAddress, a: e.sourceIP.high, b: e.sourceIP.low, c: UInt64(e.host.id)), e, line)
        }
        let second = Self.floor(e.time.microseconds, 1_000_000) / 1_000_000
        if e.kind == .webRequest && !e.sourceIP.isNone && !e.host.isNone {
            // A flow matches requests within a second either side: the request stands for the three seconds.
            let key = Key(tag: Self.webClient, a: UInt64(e.host.id), b: e.sourceIP.high, c: e.sourceIP.low)
            note(key, e, line)
            var sample = samples[key] ?? Partials.SecondsSample(client: e.sourceIP)
            for s in (second - 1)...(second + 1) { sample.insert(s) }
            samples[key] = sample
        } else if (e.kind == .http || (e.kind == .flow && Self.webPorts.contains(e.destinationPort))),
            !e.sourceIP.isNone, !e.destinationIP.isNone, e.destinationIP.isInternal
        {
            let key = Key(
                tag: Self.webFlow, a: e.sourceIP.high, b: e.sourceIP.low, c: e.destinationIP.high,
                d: e.destinationIP.low)
            note(key, e, line)
            var sample = samples[key] ?? Partials.SecondsSample(client: e.sourceIP)
            sample.insert(second)
            samples[key] = sample
        }

        // The web shell rule's count: every source that cited a script path, on any host (as the detectors count
        // the path's postings in the store; an event without a source address counts as one source there too).
        if !e.path.isNone, pathSources[e.path.id]?.many != true, isScript(e.path, context: &context) {
            if let k = pathSources.index(forKey: e.path.id) {
                // In place: no copy of the set per event.
                pathSources.values[k].sources.insert(e.sourceIP)
                if pathSources.values[k].sources.count >= Partials.PathSources.capacity {
                    pathSources.values[k] = ([], true)
                }
            } else {
                pathSources[e.path.id] = ([e.sourceIP], false)
            }
        }

        switch e.kind {
        case .authSuccess where !e.sourceIP.isNone && !e.host.isNone:
            note(
                Key(
                    tag: Self.edge, a: e.sourceIP.high, b: e.sourceIP.low, c: UInt64(e.host.id), d: UInt64(e.user.id),
                    e: UInt64(e.service.id)), e, line)
        case .connect where !e.destinationIP.isNone && !e.host.isNone:
            note(Key(tag: Self.hostAddress, a: e.destinationIP.high, b: e.destinationIP.low, c: UInt64(e.host.id)), e, line)
        case .authFailure, .invalidUser:
            guard !e.sourceIP.isNone else { break }
            // As the detectors count: sshd's summaries ("maximum authentication attempts", "N more authentication
            // failures") are never counted again; PAM's and sshd's "Invalid user" lines count only for connections
            // (host, pid) without a "Failed <method>" line.
            let summary: Bool
            if let known = isSummaryDetail[e.detail.id] {
                summary = known
            } else {
                let t = e.detail.isNone ? "" : context.symbols.string(e.detail)
                summary = t == "max_auth_attempts" || t.hasPrefix("more_failures")
                isSummaryDetail[e.detail.id] = summary
            }
            if summary { break }
            let connection = UInt64(e.host.id) << 32 | UInt64(UInt32(bitPattern: e.pid))
            let minute = UInt64(bitPattern: Self.floor(e.time.microseconds, 60_000_000))
            let attemptLine = e.kind == .authFailure && !e.authMethod.isNone
            var key = Key(
                tag: Self.authFailure, a: e.sourceIP.high, b: e.sourceIP.low, c: minute, d: UInt64(e.user.id),
                e: e.kind == .invalidUser ? 1 : 0)
            if attemptLine {
                connectionsWithAttemptLine.insert(connection)
            } else {
                key.tag = Self.pendingFailure
                key.f = connection
            }
            note(key, e, line)
        case .webRequest:
            // Access logs only: a sensor's copy of the same request (Zeek/Suricata http) would count it twice.
            if !e.sourceIP.isNone {
                note(Key(tag: Self.webAgent, a: e.sourceIP.high, b: e.sourceIP.low, c: UInt64(e.userAgent.id)), e, line)
            }
            guard e.httpStatus >= 200 && e.httpStatus < 300, !e.query.isNone, !e.path.isNone else { break }
            if isScript(e.path, context: &context) {
                note(
                    Key(
                        tag: Self.scriptQuery, a: UInt64(e.host.id), b: UInt64(e.path.id), c: UInt64(e.query.id),
                        d: e.sourceIP.high, e: e.sourceIP.low, f: UInt64(bitPattern: Int64(e.httpStatus))), e, line)
            }
        default:
            break
        }
    }

    /// Whether a path runs code (ends in one of the web shell rule's `script_suffixes`), decided once per path.
    mutating func isScript(_ path: Symbol, context: inout ParseContext) -> Bool {
        if let known = isScriptPath[path.id] { return known }
        let script = scriptSuffixes.runsCode(path: context.symbols.string(path))
        isScriptPath[path.id] = script
        return script
    }

    public mutating func finish(context: inout ParseContext, stats: FileStats) -> Partials {
        // Attempts logged only by PAM or "Invalid user" count where their connection had no "Failed" line.
        for (k, s) in seen where k.tag == Self.pendingFailure {
            seen[k] = nil
            guard !connectionsWithAttemptLine.contains(k.f) else { continue }
            var key = k
            key.tag = Self.authFailure
            key.f = 0
            if let have = seen[key] {
                var m = have
                m.count += s.count
                if (s.first.time, s.first.line) < (m.first.time, m.first.line) { m.first = s.first }
                if (s.last.time, s.last.line) > (m.last.time, m.last.line) { m.last = s.last }
                seen[key] = m
            } else {
                seen[key] = s
            }
        }
        let raw = eager ? [:] : readBack()
        let path = file.displayPath
        func evidence(_ x: End) -> Partials.Evidence {
            let bytes = x.raw ?? raw[x.line] ?? []
            return Partials.Evidence(
                time: Timestamp(microseconds: x.time), file: path, line: x.line, offset: x.offset,
                raw: ByteText.string(bytes))
        }
        func seenValue(_ s: Seen) -> Partials.Seen {
            Partials.Seen(count: s.count, first: evidence(s.first), last: evidence(s.last))
        }
        let symbols = context.symbols
        func text(_ id: UInt64) -> String { symbols.string(Symbol(id: UInt32(truncatingIfNeeded: id))) }
        func ip(_ high: UInt64, _ low: UInt64) -> String { IPAddress(high: high, low: low).description }
        var out = Partials()
        for (k, s) in seen {
            let v = seenValue(s)
            switch k.tag {
            case 0...7:
                guard let type = IndicatorType(rawValue: k.tag) else { continue }
                let value = type == .ip ? ip(k.a, k.b) : text(k.a)
                Partials.merge(&out.indicators, [Indicator(type, value): v])
            case Self.edge:
                let method = k.e == 0 ? "ssh" : text(k.e)
                let key = Partials.EdgeKey(fromIP: ip(k.a, k.b), to: text(k.c), account: text(k.d), method: method)
                Partials.merge(&out.edges, [key: v])
            case Self.hostAddress:
                Partials.merge(&out.hostAddresses, [Partials.HostAddressKey(ip: ip(k.a, k.b), host: text(k.c)): v])
            case Self.ownAddress:
                Partials.merge(&out.ownAddresses, [Partials.HostAddressKey(ip: ip(k.a, k.b), host: text(k.c)): v])
            case Self.webClient:
                guard let sample = samples[k] else { continue }
                let key = Partials.WebClientKey(host: text(k.a), clientIP: ip(k.b, k.c))
                Partials.merge(&out.webClients, [key: Partials.SampledSeen(seen: v, seconds: sample)])
            case Self.webFlow:
                guard let sample = samples[k] else { continue }
                let key = Partials.WebFlowKey(clientIP: ip(k.a, k.b), serverIP: ip(k.c, k.d))
                Partials.merge(&out.webFlows, [key: Partials.SampledSeen(seen: v, seconds: sample)])
            case Self.authFailure:
                let key = Partials.AuthFailureKey(
                    sourceIP: ip(k.a, k.b), minute: Timestamp(microseconds: Int64(bitPattern: k.c)), user: text(k.d),
                    invalid: k.e == 1)
                Partials.merge(&out.authFailures, [key: v])
            case Self.webAgent:
                Partials.merge(&out.webAgents, [Partials.WebAgentKey(sourceIP: ip(k.a, k.b), userAgent: text(k.c)): v])
            case Self.scriptQuery:
                let key = Partials.ScriptQueryKey(
                    host: text(k.a), path: text(k.b), query: text(k.c), sourceIP: ip(k.d, k.e),
                    status: Int64(bitPattern: k.f))
                Partials.merge(&out.scriptQueries, [key: v])
            default:
                continue
            }
        }
        for (path, known) in pathSources {
            out.pathSources[text(UInt64(path)), default: Partials.PathSources()].merge(
                Partials.PathSources(sources: Set(known.sources.map(\.description)), many: known.many))
        }
        for (k, n) in activity {
            let kind = EventKind(rawValue: UInt8(truncatingIfNeeded: k.c))?.name ?? "generic"
            let key = Partials.ActivityKey(
                bucketSeconds: bucketSeconds, start: Timestamp(seconds: Int64(bitPattern: k.a)), host: text(k.b),
                kind: kind)
            out.merge(activityOnly: [key: n])
        }
        return out
    }

    /// The raw lines that the first/last ends cite, read back in one streaming pass.
    func readBack() -> [UInt64: [UInt8]] {
        var wanted = Set<UInt64>()
        for s in seen.values {
            wanted.insert(s.first.line)
            wanted.insert(s.last.line)
        }
        return EvidenceResolver.rawLines(wanted, of: file, options: IngestOptions(jobs: 1, maxLineBytes: maxLineBytes))
    }
}

/// `dwell summarize`: the partials of a set of files.
public enum PartialsRun {
    /// Reads every file (up to `options.jobs` at a time) and merges the per-file partials.
    ///
    /// Byte-identical copies are summarised like any file (a split of the input cannot know about copies in
    /// another share); the report names them, from the manifest's SHA-256s.
    public static func summarize(
        files: [EvidenceFile], options: IngestOptions, bucketSeconds: Int64 = 3_600, rules: RuleSet = .standard,
        progress: IngestProgress? = nil
    ) -> Partials {
        let suffixes = ScriptSuffixes(rules.rules.first { $0.id == RuleIDs.webShell })
        let maxLineBytes = options.maxLineBytes
        var out = Partials()
        Ingest.run(
            files: files, options: options, progress: progress,
            makeSink: { PartialsSink(file: $0, maxLineBytes: maxLineBytes, bucketSeconds: bucketSeconds, scriptSuffixes: suffixes) }
        ) { stats, partial in
            out.merge(partial)
            out.add(manifestEntry(stats))
        }
        return out
    }

    /// The manifest entry of a file: its numbers, its problems, and how its times were obtained.
    public static func manifestEntry(_ s: FileStats) -> Partials.ManifestEntry {
        var problems = s.issues.filter { $0.isProblem && $0.kind != .duplicate }.map(\.description)
        if s.rejected > 0 {
            let reasons = s.rejectionsByReason.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
            problems.append("\(s.file.displayPath): \(s.rejected) lines not parsed (\(reasons.joined(separator: ", ")))")
        }
        var notes = s.issues.filter { !$0.isProblem && $0.kind != .duplicate }.map(\.description)
        let inferred = s.timeSources.filter { $0.key != "explicit" }
        if !inferred.isEmpty {
            notes.append(
                "\(s.file.displayPath): \(inferred.values.reduce(0, +)) event times inferred or assumed (\(inferred.keys.sorted().joined(separator: "; ")); year reference: \(s.yearReferenceSource ?? "-"), zone \(s.zone))"
            )
        }
        return Partials.ManifestEntry(
            path: s.file.displayPath, sha256: s.sha256, bytes: s.rawBytes, decompressedBytes: s.decompressedBytes,
            format: s.format, lines: s.lines, parsed: s.parsed, nonEvents: s.nonEvents, rejected: s.rejected,
            firstTime: s.firstTime, lastTime: s.lastTime, problems: problems, notes: notes)
    }
}
