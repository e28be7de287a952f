import DwellCore
import DwellIndex

/// One finding per (rule, source, host): noisy evidence makes a detector fire thousands of times for one
/// scanner or one web shell, and a person reads hundreds of findings, not tens of thousands.
///
/// Nothing is lost: the aggregate keeps the count, the first and the last hit (`time`, `lastTime`), the highest
/// severity, every implication, and the evidence of its first and last hits (up to `keptEvidence` lines,
/// half from each end). Log-integrity findings stay one per gap: each is a caveat on its own stretch of time.
public enum FindingAggregation {
    /// A roll-up's group: one rule on one host (the groups the text key "rule NUL host" made before, while no rule
    /// id holds a NUL; without building that text per finding).
    struct RollUpKey: Hashable {
        var rule: RuleID
        var host: String
    }

    /// Evidence lines kept per aggregate: the first hits' and the last hits'.
    public static let keptEvidence = 8

    /// Indicators kept per aggregate.
    static let keptIndicators = 16

    /// The source a finding is about: its first address indicator, else its first indicator.
    static func source(_ f: Finding) -> Indicator? { f.indicators.first(.ip) ?? f.indicators.first }

    /// The evidence kept for an aggregate of time-ordered findings: the first hits' and the last hits', once each.
    static func ends(of sorted: [Finding]) -> [EvidenceRef] {
        let all = sorted.flatMap(\.evidence)
        return ends(Array(all.prefix(keptEvidence / 2) + all.suffix(keptEvidence / 2)))
    }

    /// The same for the findings at `members` (time-ordered) of `findings`, without joining every member's evidence
    /// first: the first `keptEvidence / 2` of the joined lists, then the last as many, in that order.
    static func ends(of members: [Int], in findings: [Finding]) -> [EvidenceRef] {
        let half = keptEvidence / 2
        var head: [EvidenceRef] = []
        for m in members where head.count < half { head += findings[m].evidence.prefix(half - head.count) }
        var tail: [EvidenceRef] = []
        for m in members.reversed() where tail.count < half {
            tail = findings[m].evidence.suffix(half - tail.count) + tail
        }
        return ends(head + tail)
    }

    /// The first and last hits' evidence (`prefix + suffix` of the hits' evidence in time order), once each, sorted.
    static func ends(_ prefixAndSuffix: [EvidenceRef]) -> [EvidenceRef] {
        var seen = Set<EvidenceRef>()
        return prefixAndSuffix.filter { seen.insert($0).inserted }.sorted()
    }

    /// An aggregate's explanation: the first hit's, the count and span, and the last hit's. `merged` carries the
    /// count, the first time and the last time.
    static func mergedWhy(first merged: Finding, last: Finding) -> String {
        let span =
            "\(merged.count) hits of this rule from this source on this host, \(merged.time.iso8601(fractionDigits: 0)) to \((merged.lastTime ?? last.time).iso8601(fractionDigits: 0))"
        return "\(merged.why); \(span); the last: \(last.why)"
    }

    /// An aggregate's group: one rule, one host, one source (the groups the text key "rule NUL host NUL source"
    /// made before, while no rule id, host or written indicator holds a NUL; without building that text per
    /// finding). A log-integrity finding is a group of its own.
    struct AggregateKey: Hashable {
        var rule: RuleID
        var host: String
        var source: Indicator?
    }

    /// `findings` aggregated, in time order of their first hit. - Complexity: O(*n* log *n*).
    public static func aggregate(_ findings: [Finding]) -> [Finding] {
        // Groups hold indices: a finding is copied once, into its aggregate, not into its group first.
        var groups: [AggregateKey: Int] = [:]
        groups.reserveCapacity(findings.count)
        var members: [[Int]] = []
        // Read in place through the buffer: a loop variable is a copy of the finding (a retain per string and array
        // it holds).
        findings.withUnsafeBufferPointer { all in
            for n in all.indices {
                if all[n].family == .integrity {
                    members.append([n])
                    continue
                }
                let key = AggregateKey(rule: all[n].rule, host: all[n].host, source: source(all[n]))
                if let g = groups[key] {
                    members[g].append(n)
                } else {
                    groups[key] = members.count
                    members.append([n])
                }
            }
        }
        var out: [Finding] = []
        out.reserveCapacity(members.count)
        for list in members {
            guard let only = list.first else { continue }
            if list.count == 1 {
                out.append(findings[only])
                continue
            }
            let sorted = list.sorted { findings[$0].time < findings[$1].time }.map { findings[$0] }
            var merged = sorted[0]
            let last = sorted[sorted.count - 1]
            merged.count = sorted.reduce(0) { $0 + $1.count }
            merged.lastTime = sorted.compactMap { $0.lastTime ?? $0.time }.max()
            merged.severity = sorted.map(\.severity).max() ?? merged.severity
            merged.seeds = sorted.contains { $0.seeds }
            if sorted.contains(where: { $0.role == .compromise }) {
                merged.role = .compromise
            } else if sorted.contains(where: { $0.role == .attempt }) {
                merged.role = .attempt
            }
            var implied = Set<Implication>()
            merged.implies = sorted.flatMap(\.implies).filter { implied.insert($0).inserted }
            var indicators = merged.indicators
            for f in sorted.dropFirst() { for i in f.indicators where !indicators.contains(i) { indicators.append(i) } }
            merged.indicators = Array(indicators.prefix(keptIndicators))
            merged.evidence = ends(of: sorted)
            merged.why = mergedWhy(first: merged, last: last)
            out.append(merged)
        }
        // Time-ordered input (the detectors') leaves the aggregates in order already: each starts at its group's
        // first finding. A stable sort of sorted findings changes nothing, so it runs only when needed.
        func before(_ a: Finding, _ b: Finding) -> Bool { (a.time, a.rule, a.host) < (b.time, b.rule, b.host) }
        let inOrder = out.withUnsafeBufferPointer { o in o.indices.dropFirst().allSatisfy { !before(o[$0], o[$0 - 1]) } }
        if !inOrder { out.sort(by: before) }
        return out
    }

    /// Background sources in one finding per (rule, host): the Internet's background is thousands of addresses with
    /// a hit or two each, and a reader wants one line per kind of attempt. The per-source detail stays in
    /// `Investigation.background` (report.json lists every source). The roll-up names its busiest sources and keeps
    /// the first and last evidence. Findings tied to the intrusion and other findings are left as they are.
    public static func rollUpBackground(_ inv: inout Investigation) {
        guard !inv.background.isEmpty else { return }
        let findings = inv.findings
        var kept: [Finding] = []
        // Groups hold indices: a finding is copied once, into the roll-up or the kept list.
        var groups: [RollUpKey: Int] = [:]
        var members: [[Int]] = []
        // Read in place through the buffer: a loop variable, or an array element passed along, is a copy of the
        // finding (a retain per string and array it holds), and there are tens of thousands.
        findings.withUnsafeBufferPointer { all in
            for n in all.indices {
                guard inv.isBackground(role: all[n].role, indicators: all[n].indicators) else {
                    kept.append(all[n])
                    continue
                }
                let key = RollUpKey(rule: all[n].rule, host: all[n].host)
                if let g = groups[key] {
                    members[g].append(n)
                } else {
                    groups[key] = members.count
                    members.append([n])
                }
            }
        }
        for list in members {
            guard let firstIndex = list.first else { continue }
            if list.count == 1 {
                kept.append(findings[firstIndex])
                continue
            }
            let sorted = list.sorted { findings[$0].time < findings[$1].time }
            var merged = findings[sorted[0]]
            let hits = sorted.reduce(0) { $0 + findings[$1].count }
            var perSource: [Indicator: Int] = [:]
            for m in sorted { if let s = source(findings[m]) { perSource[s, default: 0] += findings[m].count } }
            let busiest = perSource.sorted { a, b in
                a.value != b.value ? a.value > b.value : Indicator.writtenOrder(a.key, b.key)
            }
            merged.count = hits
            merged.lastTime = sorted.compactMap { findings[$0].lastTime ?? findings[$0].time }.max()
            merged.severity = sorted.map { findings[$0].severity }.max() ?? merged.severity
            merged.role = .attempt
            merged.seeds = false
            merged.implies = []
            merged.indicators = busiest.prefix(16).map(\.key)
            merged.evidence = ends(of: sorted, in: findings)
            let top = busiest.prefix(5).map { "\($0.key.value) (\($0.value))" }.joined(separator: ", ")
            merged.why =
                "hostile background: \(perSource.count) sources hit this rule on \(merged.host.isEmpty ? "the evidence" : merged.host) \(hits) times, \(merged.time.iso8601(fractionDigits: 0)) to \((merged.lastTime ?? merged.time).iso8601(fractionDigits: 0)); none is tied to the intrusion; busiest: \(top); the first: \(findings[sorted[0]].why)"
            kept.append(merged)
        }
        kept.sort { ($0.time, $0.rule, $0.host) < ($1.time, $1.rule, $1.host) }
        inv.findings = kept
    }
}
