import DwellCore
import DwellIndex
import Testing

@testable import DwellAnalysis

/// #22: the background and its roll-up, computed by index instead of by copying findings and building text keys,
/// answer as the code they replaced. Each test keeps that code as its oracle, so a change of answer fails here.
@Suite struct BackgroundShortcutTests {
    typealias Incident = CorrelationTests.Incident

    /// A noisy set of findings: attempts from many sources (some with two addresses, one the store never saw), a
    /// source tied to the attacker, one of a host's own addresses, context findings, findings with no address.
    static func findings() -> [Finding] {
        var out: [Finding] = []
        var state: UInt64 = 22
        func next(_ n: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(state >> 33) % n
        }
        let rules = ["auth.bruteforce", "web.scan", "net.portscan", "auth.spray"]
        let hosts = ["bastion", "web01", ""]
        for k in 0..<400 {
            let t = Timestamp(seconds: Incident.base + Int64(next(3000)))
            var indicators: [Indicator] = []
            switch next(9) {
            case 0: indicators = [.user("root")]
            case 1: indicators = [.ip("198.51.100.\(next(20))"), .ip("192.0.2.\(next(3))")]
            case 2: indicators = [.ip("198.18.0.\(next(4))")]  // never in the store
            case 3: indicators = [.ip(CorrelationTests.attacker)]
            case 4: indicators = [.ip("10.0.0.5")]  // bastion's own address
            case 5: indicators = [.user("admin"), .ip("198.51.100.\(next(20))")]
            default: indicators = [.ip("198.51.100.\(next(20))")]
            }
            let rule = rules[next(rules.count)]
            let evidence = (0..<next(6)).map { e in
                EvidenceRef(
                    fileID: 0, file: "bastion/auth.log", line: UInt64(k * 10 + e), offset: UInt64(k * 800 + e * 80),
                    raw: Array("line \(k) \(e)".utf8), time: Timestamp(seconds: t.seconds + Int64(e)))
            }
            var f = Finding(
                rule: RuleID(written: rule, technique: "T1110"), title: rule, technique: "T1110",
                severity: [Severity.low, .medium, .high][next(3)], time: t, host: hosts[next(hosts.count)],
                indicators: indicators, why: "hit \(k)", evidence: evidence, seeds: false,
                role: next(7) == 0 ? .context : .attempt)
            f.count = 1 + next(4)
            if next(2) == 0 { f.lastTime = Timestamp(seconds: t.seconds + Int64(next(600))) }
            out.append(f)
        }
        return out
    }

    /// The incident the findings are about: the sources seen, bastion's address learned, the attacker's login.
    static func incident() -> Incident {
        var x = Incident()
        x.address(0, "bastion", is: "10.0.0.5")
        for n in 0..<20 { x.add(Int64(n), .authFailure, host: "bastion", user: "root", src: "198.51.100.\(n)") }
        for n in 0..<3 { x.add(30, .webRequest, host: "web01", src: "192.0.2.\(n)") }
        x.login(60, on: "bastion", as: "oracle", from: CorrelationTests.attacker)
        return x
    }

    /// `Correlator.background` as it was: per finding, the addresses' ids, a copy in and out of a dictionary by
    /// address, and the rules in a second one.
    static func oracleBackground<S: EventColumns>(
        _ c: Correlator<S>, findings: [Finding], attackerIPs: Set<UInt32>, heldHosts: [String]
    ) -> [BackgroundSource] {
        var tied = attackerIPs
        for h in heldHosts { tied.formUnion(c.addresses(of: h)) }
        var bySource: [String: BackgroundSource] = [:]
        var rules: [String: [RuleID: Int]] = [:]
        for f in findings where f.role != .context {
            guard let v = f.indicators.first(.ip)?.value else { continue }
            let named = f.indicators.values(.ip).compactMap { c.store.key(.ip, $0)?.value }
            if named.contains(where: tied.contains) { continue }
            if let first = named.first, c.owner(first, at: f.time.microseconds) != nil { continue }
            let last = f.lastTime ?? f.time
            if var b = bySource[v] {
                b.findings += 1
                b.hits += f.count
                b.firstSeen = min(b.firstSeen, f.time)
                b.lastSeen = max(b.lastSeen, last)
                b.highest = max(b.highest, f.severity)
                bySource[v] = b
            } else {
                bySource[v] = BackgroundSource(
                    address: v, findings: 1, hits: f.count, firstSeen: f.time, lastSeen: last, rules: [],
                    highest: f.severity,
                    reason:
                        "attempts only: no login accepted from it, no web shell it drove and no connection back to it ties it to a compromise",
                    evidence: f.evidence.first)
            }
            rules[v, default: [:]][f.rule, default: 0] += f.count
        }
        return bySource.values.map { b in
            var b = b
            b.rules = (rules[b.address] ?? [:]).map { ($0.key, $0.value) }.sorted { ($1.1, $0.0) < ($0.1, $1.0) }
            return b
        }.sorted { ($1.hits, $0.address) < ($0.hits, $1.address) }
    }

    static func text(_ b: [BackgroundSource]) -> [String] {
        b.map {
            "\($0.address) \($0.findings) \($0.hits) \($0.firstSeen) \($0.lastSeen) \($0.highest) \($0.evidence.map { "\($0.line)" } ?? "-") "
                + $0.rules.map { "\($0.rule):\($0.hits)" }.joined(separator: ",")
        }
    }

    @Test func backgroundAnswersAsTheDictionaryOfCopiesDid() throws {
        let x = Self.incident()
        var builder = EventStore.Builder()
        builder.add(events: x.events, symbols: x.symbols)
        let store = builder.build()
        let findings = Self.findings()
        let c = Correlator(store: store, filePaths: x.files, findings: findings)
        let attacker = try #require(store.key(.ip, CorrelationTests.attacker)).value
        let joined = [attacker: Correlator<EventStore>.Joined(time: 0, reason: "seed", evidence: 0)]
        for held in [[], ["bastion"], ["web01", "bastion"]] {
            for ips in [[:], joined] {
                let fast = c.background(findings: findings, attackerIPs: ips, heldHosts: held)
                let slow = Self.oracleBackground(c, findings: findings, attackerIPs: Set(ips.keys), heldHosts: held)
                #expect(Self.text(fast) == Self.text(slow), "held \(held), \(ips.count) attacker address(es)")
                #expect(fast.count > 10)
            }
        }
        #expect(c.owner(try #require(store.key(.ip, "10.0.0.5")).value, at: (Incident.base + 3600) * 1_000_000) == "bastion")
    }

    /// `rollUpBackground` as it was: groups of copied findings by the text "rule NUL host".
    static func oracleRollUp(_ inv: inout Investigation) {
        guard !inv.background.isEmpty else { return }
        var kept: [Finding] = []
        var groups: [String: [Finding]] = [:]
        var order: [String] = []
        for f in inv.findings {
            guard inv.isBackground(f) else {
                kept.append(f)
                continue
            }
            let key = "\(f.rule)\u{0}\(f.host)"
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(f)
        }
        for key in order {
            guard let list = groups[key], let firstFinding = list.first else { continue }
            if list.count == 1 {
                kept.append(firstFinding)
                continue
            }
            let sorted = list.sorted { $0.time < $1.time }
            var merged = sorted[0]
            let hits = sorted.reduce(0) { $0 + $1.count }
            var perSource: [Indicator: Int] = [:]
            for f in sorted { if let s = FindingAggregation.source(f) { perSource[s, default: 0] += f.count } }
            let busiest = perSource.sorted { a, b in a.value != b.value ? a.value > b.value : a.key.description < b.key.description }
            merged.count = hits
            merged.lastTime = sorted.compactMap { $0.lastTime ?? $0.time }.max()
            merged.severity = sorted.map(\.severity).max() ?? merged.severity
            merged.role = .attempt
            merged.seeds = false
            merged.implies = []
            merged.indicators = busiest.prefix(16).map(\.key)
            merged.evidence = FindingAggregation.ends(of: sorted)
            let top = busiest.prefix(5).map { "\($0.key.value) (\($0.value))" }.joined(separator: ", ")
            merged.why =
                "hostile background: \(perSource.count) sources hit this rule on \(merged.host.isEmpty ? "the evidence" : merged.host) \(hits) times, \(merged.time.iso8601(fractionDigits: 0)) to \((merged.lastTime ?? merged.time).iso8601(fractionDigits: 0)); none is tied to the intrusion; busiest: \(top); the first: \(sorted[0].why)"
            kept.append(merged)
        }
        kept.sort { ($0.time, $0.rule, $0.host) < ($1.time, $1.rule, $1.host) }
        inv.findings = kept
    }

    static func text(_ findings: [Finding]) -> [String] {
        findings.map { f in
            "\(f.rule) \(f.host) \(f.time) \(f.lastTime.map { "\($0)" } ?? "-") \(f.count) \(f.severity) \(f.role) \(f.seeds) "
                + "\(f.indicators.map(\.description)) \(f.evidence.map { "\($0.line)" }) \(f.why)"
        }
    }

    @Test func rollUpAnswersAsTheGroupsOfCopiesDid() {
        let x = Self.incident()
        let inv = x.investigate(seeds: [CorrelationTests.attacker], findings: Self.findings())
        #expect(inv.background.count > 10)
        var fast = inv
        FindingAggregation.rollUpBackground(&fast)
        var slow = inv
        Self.oracleRollUp(&slow)
        #expect(Self.text(fast.findings) == Self.text(slow.findings))
        #expect(fast.findings.count < inv.findings.count, "the background was rolled up")
    }

    /// The ends of the members' evidence, taken without joining it, are the ends of the joined evidence.
    @Test func evidenceEndsOfMembersAreTheEndsOfTheJoinedEvidence() {
        let findings = Self.findings()
        for size in [1, 2, 3, 5, 8, 40, 400] {
            for start in stride(from: 0, to: findings.count - size + 1, by: max(1, size / 2)) {
                let members = Array(start..<(start + size)).reversed().map { $0 }
                #expect(
                    FindingAggregation.ends(of: members, in: findings)
                        == FindingAggregation.ends(of: members.map { findings[$0] }))
            }
        }
    }
}
