import DwellCore
import DwellIndex
import DwellIngest
import Foundation
import Parsers

/// `dwell investigate --partials`: the investigation that merged partials allow, in the same `Investigation`
/// model the reports render.
///
/// What partial mode has: first/last evidence and counts per indicator, login edges by (address, host, account,
/// method) with their first and last times, the addresses hosts answer on or send their own packets from, samples of
/// the seconds web servers' clients were seen in (to learn web servers' addresses), failed logins per source per minute,
/// (source, user agent) pairs and script requests with queries. What it lacks is every single event, so:
/// - findings are those of the rules that this state supports (`supportedRules`), with the detectors' windows
///   (`RuleWindows`) over whole minutes (one minute's record of a source and account spans its first to last failure);
/// - a lateral hop is dated by the first login of its edge after the source host was reached, or else its last:
///   logins in between are counted, not listed;
/// - the timeline holds findings and hops, not every attacker event.
/// The report's caveats say so.
public enum PartialsInvestigation {
    public static let supportedRules: Set<String> = [
        "auth.bruteforce", "auth.spraying", "auth.user_enumeration", "auth.success_after_failures", "web.webshell",
        "web.scanner_agent",
    ]

    public struct Result: Sendable {
        public var investigation: Investigation
        public var files: [FileStats]
    }

    public static func run(
        _ p: Partials, seeds: [Seed], hostMap: [(IPAddress, String)] = [], rules: RuleSet = .standard
    ) -> Result {
        let paths = Set(p.manifest.values.map(\.path)).union(p.indicators.values.flatMap { [$0.first.file, $0.last.file] })
            .sorted()
        var fileIDs: [String: UInt32] = [:]
        for (i, path) in paths.enumerated() { fileIDs[path] = UInt32(i) }
        func ref(_ e: Partials.Evidence) -> EvidenceRef {
            EvidenceRef(
                fileID: fileIDs[e.file] ?? 0, file: e.file, line: e.line, offset: e.offset, raw: Array(e.raw.utf8),
                time: e.time)
        }
        func enabled(_ id: String) -> Rule? { rules.rules.first { $0.id == id && $0.enabled } }

        let learning = HostDirectory.learn(fromPartials: p, given: hostMap)
        let hostOfIP = learning.hostOfIP

        var findings: [Finding] = []
        func finding(
            _ r: Rule, severity: Severity? = nil, at e: Partials.Evidence, host: String, indicators: [Indicator],
            why: String, evidence: [Partials.Evidence], seeds: Bool = false, title: String? = nil
        ) -> Finding {
            var seen = Set<String>()
            let cited = evidence.filter { seen.insert("\($0.file)\u{0}\($0.line)").inserted }
            return Finding(
                rule: r.ruleID, title: title ?? r.title, technique: r.technique, severity: severity ?? r.severity, time: e.time,
                host: host, indicators: indicators, why: why, evidence: cited.map(ref), seeds: seeds)
        }
        // Whether a cited line is a Windows logon, by its file's format (the brute-force title says which logons).
        let windowsFormats = Set(WindowsFormats.all.map(\.name))
        var formatOf: [String: String] = [:]
        for m in p.manifest.values { formatOf[m.path] = m.format }
        func isWindows(_ e: Partials.Evidence) -> Bool { windowsFormats.contains(formatOf[e.file] ?? "") }
        func hostOf(_ e: Partials.Evidence) -> String {
            // The host of a failure record is not kept; the cited file's image root names it when it can.
            Discovery.hostHint(fromRelativePath: e.file, underDirectoryInput: false) ?? ""
        }

        // MARK: Authentication, from failures per source per minute
        // The rules' windows are the detectors' (`RuleWindows`); a record here is a source's failures for one account
        // in one minute, so a run of records spans from its first minute's start to its last minute's end, and one
        // record alone from its first failure to its last.
        let minuteMicros: Int64 = 60_000_000
        let note = " (partial mode: counted per minute)"
        typealias FailureRecord = (key: Partials.AuthFailureKey, value: Partials.Seen)
        func span(_ rs: [FailureRecord]) -> (Int, Int) -> Int64 {
            { lo, hi in
                lo == hi
                    ? rs[lo].value.last.time.microseconds - rs[lo].value.first.time.microseconds
                    : rs[hi].key.minute.microseconds - rs[lo].key.minute.microseconds + minuteMicros - 1
            }
        }
        func prefix(_ rs: [FailureRecord]) -> [Int64] {
            var sums = [Int64](repeating: 0, count: rs.count + 1)
            for (k, r) in rs.enumerated() { sums[k + 1] = sums[k] + r.value.count }
            return sums
        }
        func distinctUsers(_ rs: [FailureRecord], _ r: Rule) -> (lo: Int, hi: Int, distinct: Int)? {
            var number: [String: UInt64] = [:]
            let keys = rs.map { rec in
                if let n = number[rec.key.user] { return n }
                let n = UInt64(number.count)
                number[rec.key.user] = n
                return n
            }
            return RuleWindows.firstDistinct(
                count: rs.count, windowMicros: r.windowMicros, threshold: r.threshold, key: { keys[$0] }, span: span(rs))
        }
        let bySource = Dictionary(grouping: p.authFailures.sorted { $0.key < $1.key }, by: { $0.key.sourceIP })
        for source in bySource.keys.sorted() {
            let recs = bySource[source] ?? []
            let sums = prefix(recs)
            if let r = enabled("auth.bruteforce"),
                let (w, within) = RuleWindows.bruteForce(
                    r,
                    first: {
                        RuleWindows.firstWeighted(
                            count: recs.count, prefix: sums, windowMicros: $0, threshold: $1, span: span(recs))
                    })
            {
                let a = recs[w.lo].value.first
                let b = recs[w.hi].value.last
                let cited = recs[w.lo...w.hi].flatMap { [$0.value.first, $0.value.last] }
                findings.append(
                    finding(
                        r, at: a, host: hostOf(a), indicators: [.ip("\(source)")],
                        why: RuleText.bruteForceWhy(
                            count: w.weight, source: source, within: within, first: a.time, last: b.time,
                            total: sums[recs.count], note: note),
                        evidence: [a, b],
                        title: RuleText.bruteForceTitle(r, windowsFailures: cited.filter(isWindows).count, of: cited.count)))
            }
            let named = recs.filter { !$0.key.user.isEmpty }
            if let r = enabled("auth.spraying"), let w = distinctUsers(named, r) {
                let a = named[w.lo].value.first
                let b = named[w.hi].value.last
                findings.append(
                    finding(
                        r, at: a, host: hostOf(a), indicators: [.ip("\(source)")],
                        why: RuleText.sprayingWhy(
                            r, accounts: Int64(w.distinct), source: source, first: a.time, last: b.time, note: note),
                        evidence: [a, b]))
            }
            let invalid = named.filter { $0.key.invalid }
            if let r = enabled("auth.user_enumeration"), let w = distinctUsers(invalid, r) {
                let a = invalid[w.lo].value.first
                let b = invalid[w.hi].value.last
                findings.append(
                    finding(
                        r, at: a, host: hostOf(a), indicators: [.ip("\(source)")],
                        why: RuleText.enumerationWhy(r, accounts: Int64(w.distinct), source: source, note: note),
                        evidence: [a, b]))
            }
        }
        if let r = enabled("auth.success_after_failures") {
            for (k, s) in p.edges.sorted(by: { $0.key < $1.key }) {
                guard let recs = bySource[k.fromIP] else { continue }
                for success in s.first == s.last ? [s.first] : [s.first, s.last] {
                    let t = success.time.microseconds
                    // The minutes that can hold failures in (t - window, t].
                    func failures(_ windowMicros: Int64) -> (weight: Int64, counted: [FailureRecord])? {
                        let (reach, far) = windowMicros.addingReportingOverflow(minuteMicros)
                        let lowest = far ? (partialValue: Int64.min, overflow: true) : t.subtractingReportingOverflow(reach)
                        let inWindow = recs.filter {
                            $0.key.minute.microseconds <= t
                                && (lowest.overflow || $0.key.minute.microseconds > lowest.partialValue)
                        }
                        return inWindow.isEmpty ? nil : (inWindow.reduce(Int64(0)) { $0 + $1.value.count }, inWindow)
                    }
                    guard let (before, inWindow, spanText, needed) = RuleWindows.successAfterFailures(r, failures: failures),
                        let firstFailure = inWindow.first?.value.first, let lastFailure = inWindow.last?.value.last
                    else { continue }
                    findings.append(
                        finding(
                            r, at: success, host: k.to, indicators: [.ip("\(k.fromIP)"), .user("\(k.account)"), .host("\(k.to)")],
                            why: RuleText.successAfterFailuresWhy(
                                user: k.account, source: k.fromIP, failures: before, span: spanText, needed: needed,
                                firstFailure: firstFailure.time, note: note),
                            evidence: [firstFailure, lastFailure, success], seeds: true))
                    break
                }
            }
        }

        // MARK: Web
        if let r = enabled("web.webshell") {
            let parameters = Set(r.list("parameters"))
            let commands = Set(r.list("commands"))
            let maxSources = r.parameter("max_sources")
            // The path's sources on any host, as the detectors count them (`path_sources`); a script query's own
            // sources are among them (and all that summaries written before `path_sources` carry).
            var queried: [String: Partials.PathSources] = [:]
            for k in p.scriptQueries.keys { queried[k.path, default: Partials.PathSources()].insert(k.sourceIP) }
            func sources(ofPath path: String) -> Int {
                max(p.pathSources[path]?.count ?? 0, queried[path]?.count ?? 0)
            }
            for (k, s) in p.scriptQueries.sorted(by: { $0.key < $1.key }) {
                guard Int64(sources(ofPath: k.path)) <= maxSources,
                    let (param, value) = Detectors.shellCommandParameter(
                        query: k.query, parameters: parameters, commands: commands)
                else { continue }
                findings.append(
                    finding(
                        r, at: s.first, host: k.host, indicators: [.ip("\(k.sourceIP)"), .url("\(k.path)")],
                        why: RuleText.webshellWhy(
                            path: k.path, maxSources: maxSources, status: k.status, parameter: param,
                            value: Substring(value), source: k.sourceIP, note: s.count > 1 ? " (\(s.count) times)" : ""),
                        evidence: [s.first, s.last], seeds: true))
            }
        }
        if let r = enabled("web.scanner_agent") {
            let agents = ScannerAgents(r)
            var perSource: [String: (requests: Int64, first: Partials.Evidence, tool: String, agent: String)] = [:]
            for (k, s) in p.webAgents.sorted(by: { $0.key < $1.key }) {
                guard let t = agents.tool(inAgent: k.userAgent) else { continue }
                let tool = agents.names[t]
                if var have = perSource[k.sourceIP] {
                    have.requests += s.count
                    if Partials.Evidence.precedes(s.first, have.first) {
                        (have.first, have.tool, have.agent) = (s.first, tool, k.userAgent)
                    }
                    perSource[k.sourceIP] = have
                } else {
                    perSource[k.sourceIP] = (s.count, s.first, tool, k.userAgent)
                }
            }
            for (source, v) in perSource.sorted(by: { $0.key < $1.key }) {
                findings.append(
                    finding(
                        r, severity: RuleText.scannerSeverity(r, requests: v.requests), at: v.first,
                        host: hostOf(v.first), indicators: [.ip("\(source)"), .ua("\(v.agent)")],
                        why: RuleText.scannerWhy(r, tool: v.tool, requests: v.requests, source: source),
                        evidence: [v.first]))
            }
        }
        findings.sort { ($0.time, $0.rule, $0.host, $0.why) < ($1.time, $1.rule, $1.host, $1.why) }

        // MARK: Correlation: seeds → logins → hosts → logins from those hosts, in time order
        var attackerIPs: [String: String] = [:]  // address → why
        var seedUsers: Set<String> = []
        var compromised: [String: (time: Timestamp, reason: String, evidence: Partials.Evidence)] = [:]
        var seedTexts: [String] = []
        func reach(_ host: String, _ e: Partials.Evidence, _ reason: String) -> Bool {
            guard !host.isEmpty else { return false }
            if let h = compromised[host], !Partials.Evidence.precedes(e, h.evidence) { return false }
            compromised[host] = (e.time, reason, e)
            return true
        }
        for s in seeds {
            seedTexts.append("\(s.type.name):\(s.value) (\(s.reason))")
            switch s.type {
            case .ip: attackerIPs[s.value] = s.reason
            case .user: seedUsers.insert(s.value)
            case .host:
                if let h = p.indicators[Indicator.host(s.value)] {
                    _ = reach(s.value, h.first, s.reason)
                }
            default: break
            }
        }
        if seeds.isEmpty {
            for f in findings where f.seeds {
                seedTexts.append("\(f.rule) at \(f.time.iso8601(fractionDigits: 0)) on \(f.host)")
                for ip in f.indicators.values(.ip) {
                    if attackerIPs[ip] == nil { attackerIPs[ip] = "\(f.title) (\(f.rule))" }
                }
                if f.isWebShell, let e = f.evidence.first,
                    let ev = p.scriptQueries.first(where: { $0.value.first.file == e.file && $0.value.first.line == e.line })
                {
                    _ = reach(f.host, ev.value.first, "web shell command answered (\(f.rule))")
                }
            }
        }
        var accounts: [String: (reason: String, evidence: Partials.Evidence)] = [:]
        var lateral: [(key: Partials.EdgeKey, evidence: Partials.Evidence, from: String)] = []
        var changed = true
        var rounds = 0
        let sortedEdges = p.edges.sorted { $0.key < $1.key }
        while changed && rounds < 64 {
            changed = false
            rounds += 1
            lateral.removeAll()
            for (k, s) in sortedEdges {
                if attackerIPs[k.fromIP] != nil || seedUsers.contains(k.account) {
                    if accounts[k.account] == nil || Partials.Evidence.precedes(s.first, accounts[k.account]?.evidence ?? s.first) {
                        if accounts[k.account] == nil { changed = true }
                        accounts[k.account] = ("logged in from \(k.fromIP) to \(k.to)", s.first)
                    }
                    if reach(k.to, s.first, "login as \(k.account) from attacker address \(k.fromIP)") { changed = true }
                    continue
                }
                guard let fromHost = hostOfIP[k.fromIP], fromHost != k.to, let h = compromised[fromHost] else { continue }
                // The first login of this edge after the source host was reached, as far as the ends tell.
                let e: Partials.Evidence
                if !Partials.Evidence.precedes(s.first, h.evidence) {
                    e = s.first
                } else if !Partials.Evidence.precedes(s.last, h.evidence) {
                    e = s.last
                } else {
                    continue
                }
                lateral.append((k, e, fromHost))
                if accounts[k.account] == nil {
                    accounts[k.account] = ("used from compromised host \(fromHost) to log in to \(k.to)", e)
                    changed = true
                }
                if reach(k.to, e, "login as \(k.account) from compromised host \(fromHost)") { changed = true }
            }
        }

        var inv = Investigation()
        inv.findings = findings
        inv.seeds = seedTexts.sorted()
        inv.eventCount = Int(clamping: p.eventCount)
        inv.growth =
            "partial mode: \(attackerIPs.count) attacker address(es), \(accounts.count) account(s), \(compromised.count) host(s) after \(rounds) round(s) over \(p.edges.count) login edges"
        func item(_ type: IndicatorType, _ value: String, _ reason: String) -> ScopeItem? {
            guard let s = p.indicators[Indicator(type, value)] else { return nil }
            return ScopeItem(
                type: type, value: value, reason: reason, firstSeen: s.first.time, lastSeen: s.last.time,
                count: Int(clamping: s.count), evidence: ref(s.first))
        }
        inv.sourceIPs = attackerIPs.keys.sorted().compactMap { item(.ip, $0, attackerIPs[$0] ?? "") }
        inv.accounts = accounts.keys.sorted().compactMap { a -> ScopeItem? in
            guard let v = accounts[a] else { return nil }
            var x = item(.user, a, v.reason)
            x?.evidence = ref(v.evidence)
            return x
        }
        var addressesOf: [String: [String]] = [:]
        for (ip, h) in hostOfIP { addressesOf[h, default: []].append(ip) }
        inv.hosts = compromised.sorted { ($0.value.time, $0.key) < ($1.value.time, $1.key) }.map { host, v in
            let last = p.indicators[Indicator.host(host)]?.last.time ?? v.time
            return HostScope(
                host: host, addresses: (addressesOf[host] ?? []).sorted(), firstCompromise: v.time, lastActivity: last,
                reason: v.reason, evidence: ref(v.evidence))
        }
        let lateralHosts = Set(lateral.map(\.key.to))
        inv.entryPoints = inv.hosts.map(\.host).filter { !lateralHosts.contains($0) }
        inv.edges = lateral.map {
            LateralEdge(
                from: $0.from, to: $0.key.to, time: $0.evidence.time, account: $0.key.account, method: $0.key.method,
                evidence: ref($0.evidence))
        }.sorted { ($0.time, $0.from, $0.to, $0.account) < ($1.time, $1.from, $1.to, $1.account) }
        // The main path's rule for paths: one hop per target, the first in time (see `Correlator.paths`).
        inv.paths = LateralPaths.paths(
            edges: inv.edges, entries: inv.entryPoints, reached: compromised.mapValues(\.time))
        inv.indicators = (inv.sourceIPs + inv.accounts + inv.hosts.compactMap { item(.host, $0.host, $0.reason) })
        // The window: the attacker's addresses, first and last, and every hop.
        var ends: [Partials.Evidence] = []
        for ip in attackerIPs.keys {
            if let s = p.indicators[Indicator.ip(ip)] { ends += [s.first, s.last] }
        }
        ends += lateral.map(\.evidence)
        ends += compromised.values.map(\.evidence)
        if let a = ends.min(by: Partials.Evidence.precedes), let b = ends.max(by: Partials.Evidence.precedes) {
            inv.firstSeen = a.time
            inv.lastSeen = b.time
            inv.firstEvidence = ref(a)
            inv.lastEvidence = ref(b)
        }
        var timeline: [TimelineEntry] = findings.filter { $0.severity >= .medium }.compactMap { f in
            guard let e = f.evidence.first else { return nil }
            let phase: Phase = f.rule == "web.scanner_agent" ? .reconnaissance : f.isWebShell ? .execution
                : f.rule == "auth.success_after_failures" ? .initialAccess : .credentialAccess
            return TimelineEntry(time: f.time, host: f.host, phase: phase, kind: f.rule.name, summary: f.why, evidence: e)
        }
        timeline += inv.edges.map {
            TimelineEntry(
                time: $0.time, host: $0.to, phase: .lateralMovement, kind: "auth_success",
                summary: "\($0.account) logged in from \($0.from) to \($0.to) (\($0.method))", evidence: $0.evidence)
        }
        inv.timeline = timeline.sorted { ($0.time, $0.host, $0.kind) < ($1.time, $1.host, $1.kind) }
        inv.caveats = caveats(p, rules: rules).map(Caveat.init(stringLiteral:)) + learning.caveats.map { Caveat(.hostAddress, $0) }

        let files = p.manifest.values.sorted { ($0.path, $0.sha256) < ($1.path, $1.sha256) }.map(fileStats)
        return Result(investigation: inv, files: files)
    }

    /// What partial mode cannot do, and what the evidence itself says about its reading.
    static func caveats(_ p: Partials, rules: RuleSet) -> [String] {
        let skipped = rules.rules.filter { $0.enabled && !supportedRules.contains($0.id) }.map(\.id)
        var out = [
            "partial mode (investigate --partials): built from merged summaries, not the event store. Findings come only from the rules that summaries support (\(supportedRules.sorted().joined(separator: ", "))), windows counted in whole minutes; not evaluated: \(skipped.joined(separator: ", ")).",
            "partial mode: each lateral hop is dated by the first or last login of its (address, host, account, method) edge after the source host was reached; logins in between are counted, not listed, and routine logins seen before the attack are not told apart.",
            "partial mode: the timeline holds findings and hops only; for every attacker event run dwell investigate on the evidence, or dwell timeline.",
        ]
        let entries = p.manifest.values.sorted { ($0.path, $0.sha256) < ($1.path, $1.sha256) }
        var bySHA: [String: [String]] = [:]
        for m in entries where m.bytes > 0 { bySHA[m.sha256, default: []].append(m.path) }
        for (sha, paths) in bySHA.sorted(by: { $0.key < $1.key }) where paths.count > 1 {
            out.append(
                "byte-identical files (SHA-256 \(sha.prefix(16))…) were each summarised, so their events count more than once: \(paths.joined(separator: ", "))"
            )
        }
        for m in entries { out += m.notes.filter { $0.contains("event times inferred") } + m.problems }
        return out
    }

    static func fileStats(_ m: Partials.ManifestEntry) -> FileStats {
        var file = EvidenceFile.stdin(id: 0)
        file.path = m.path
        file.displayPath = m.path
        file.isStdin = false
        file.hostHint = Discovery.hostHint(fromRelativePath: m.path, underDirectoryInput: false)
        file.rotationSet = m.path
        file.sizeBytes = Int64(clamping: m.bytes)
        var s = FileStats(file: file)
        s.sha256 = m.sha256
        s.rawBytes = m.bytes
        s.decompressedBytes = m.decompressedBytes
        s.format = m.format
        s.lines = m.lines
        s.parsed = m.parsed
        s.nonEvents = m.nonEvents
        s.rejected = m.rejected
        s.firstTime = m.firstTime
        s.lastTime = m.lastTime
        return s
    }
}
