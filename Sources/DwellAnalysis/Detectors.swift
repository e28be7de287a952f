import DwellCore
import DwellIndex
import Foundation

/// Runs every enabled rule of the table over the store. Each finding says why it fired (counts, window,
/// the threshold crossed) and carries its evidence lines.
///
/// Every number, window, severity and pattern comes from `rules`; nothing is decided here that the table
/// does not say.
/// - Complexity: O(*n* log *n*) in the events: one pass per family plus sorts of per-source positions.
public struct Detectors {
    let store: EventStore
    let filePaths: [String]
    let rules: RuleSet
    /// Host names by address id: from `--hosts`, sshd's `Connection from A on B`, and access-log requests
    /// matched with the sensor's copies of them.
    var hostNames: [UInt32: String] = [:]
    /// Sensor (`http`) events that copy an access-log request (same source and path, within a second): not
    /// counted twice.
    var sensorCopies = EventBitmap()
    /// Whether each address id is internal (private, loopback, link-local, ...), decided once per address rather
    /// than once per event (slot 0, no address, is false).
    let internalAddress: [Bool]
    /// Inside versus outside for the network rules: the sensor's flags, `--internal`, or inferred (see its caveat).
    public let networks: InternalNetworks

    public init(
        store: EventStore, filePaths: [String], rules: RuleSet = .standard, hostMap: [(IPAddress, String)] = [],
        internalNetworks: [IPNetwork] = []
    ) {
        self.init(
            store: store, filePaths: filePaths, rules: rules,
            directory: HostDirectory(
                store: store, filePaths: filePaths, hostEntries: hostMap.map { HostMapEntry(address: $0.0, host: $0.1) },
                internalNetworks: internalNetworks))
    }

    /// Detectors that name hosts by address, and tell inside from outside, through `directory` (as the correlator
    /// does).
    public init(store: EventStore, filePaths: [String], rules: RuleSet = .standard, directory: HostDirectory) {
        self.store = store
        self.filePaths = filePaths
        self.rules = rules
        internalAddress = [false] + store.addresses.map(\.isInternal)
        networks = directory.networks
        (hostNames, sensorCopies) = directory.detectorNames()
    }

    func ref(_ i: Int) -> EvidenceRef { EvidenceRef(store: store, position: i, filePaths: filePaths) }

    func ip(_ id: UInt32) -> String { store.address(id)?.description ?? "" }
    func isInternal(_ id: UInt32) -> Bool { Int(id) < internalAddress.count && internalAddress[Int(id)] }
    func text(_ id: UInt32) -> String { store.string(id) }
    func symbolID(_ s: String) -> UInt32? { store.symbols.lookup(s).map(\.id) }

    /// The host an event is about: a sensor's copy of a web request is about the server it went to.
    func hostOf(_ i: Int) -> String {
        if store.kind[i] == .http, store.destinationIP[i] != 0 {
            return hostNames[store.destinationIP[i]] ?? ip(store.destinationIP[i])
        }
        if store.host[i] == 0 && store.kind[i] == .webRequest {
            // An access log of a whole web tier names no server: the tier, by its file (never an empty name).
            return HostDirectory.webTier(fileID: store.fileID[i], filePaths: filePaths)
        }
        return text(store.host[i])
    }

    func finding(
        _ rule: Rule, severity: Severity? = nil, at i: Int, host: String? = nil, indicators: [Indicator], why: String,
        evidence: [Int], seeds: Bool? = nil, role: FindingRole = .attempt, implies: [Implication] = [],
        title: String? = nil
    ) -> Finding {
        var refs: [EvidenceRef] = []
        refs.reserveCapacity(evidence.count)
        // Each place once, in order (a loop, not a closure over `self`, which would copy the detectors per finding).
        if evidence.count <= 16 {
            for (n, p) in evidence.enumerated() where !evidence[..<n].contains(p) { refs.append(ref(p)) }
        } else {
            var seen = Set<Int>()
            for p in evidence where seen.insert(p).inserted { refs.append(ref(p)) }
        }
        return Finding(
            rule: rule.ruleID, title: title ?? rule.title, technique: rule.technique, severity: severity ?? rule.severity,
            time: store.timestamp(i), host: host ?? hostOf(i), indicators: indicators, why: why,
            evidence: refs, seeds: seeds ?? (role == .compromise), role: role, implies: implies)
    }

    /// The brute-force title by the evidence in the window: the rule's own (SSH) for Unix failures, Windows logons
    /// for 4625s, both when both are in the window.
    func bruteForceTitle(_ r: Rule, _ window: ArraySlice<Int>, _ cache: inout [UInt32: Int]) -> String {
        var windows = 0
        for i in window where windowsEventID(i, &cache) != nil { windows += 1 }
        return RuleText.bruteForceTitle(r, windowsFailures: windows, of: window.count)
    }

    /// The attacker address an event's source implies (none for an event without one).
    func attacker(_ source: UInt32) -> [Implication] {
        store.address(source).map { [.attackerAddress($0)] } ?? []
    }

    /// What a compromise of the host event `i` is about implies: the attacker's address and that host (a sensor's
    /// copy of a web request is about its destination, by address when no name is known).
    func compromise(of i: Int, by source: UInt32, account: String? = nil) -> [Implication] {
        var out = attacker(source)
        if store.kind[i] == .http, store.destinationIP[i] != 0 {
            out.append(.compromisedHost(name: hostNames[store.destinationIP[i]], address: store.address(store.destinationIP[i])))
        } else {
            out.append(.compromisedHost(name: text(store.host[i]), address: nil))
        }
        if let account, !account.isEmpty { out.append(.compromisedAccount(account)) }
        return out
    }

    /// The enabled rule with this id, or `nil` when the table turns it off.
    func enabled(_ id: String) -> Rule? {
        let r = rules.rule(id)
        return r.enabled ? r : nil
    }

    public func run() -> [Finding] {
        // The families read the store and write nothing shared: they run side by side, and their findings are
        // joined in a fixed order (then sorted), so the result never depends on scheduling.
        let families: [(name: String, run: @Sendable (Detectors) -> [Finding])] = [
            ("auth", { $0.authFindings() }), ("privilege", { $0.privilegeAndAccountFindings() }),
            ("web", { $0.webFindings() }), ("network", { $0.networkFindings() }),
            ("network reconstruction", { $0.networkReconstructionFindings() }),
            ("integrity", { $0.integrityFindings() }), ("windows", { $0.windowsFindings() }),
            ("windows sequences", { $0.windowsSequenceFindings() }),
        ]
        let results = ResultSlots<[Finding]>(repeating: [], count: families.count)
        let detectors = UncheckedDetectors(self)
        DispatchQueue.concurrentPerform(iterations: families.count) { k in
            results.store(k, PhaseTrace.timed("\(families[k].name) detectors") { families[k].run(detectors.value) })
        }
        let joined = results.values.flatMap { $0 }
        // Sorted by (time, rule, host), ties in the joined order (as a stable sort of the findings would leave
        // them): positions are sorted, not the findings, so each finding is copied once, not once per merge pass.
        let order = joined.withUnsafeBufferPointer { f in
            Array(f.indices).sorted { a, b in
                if f[a].time != f[b].time { return f[a].time < f[b].time }
                if f[a].rule != f[b].rule { return f[a].rule < f[b].rule }
                if f[a].host != f[b].host { return f[a].host < f[b].host }
                return a < b
            }
        }
        return order.map { joined[$0] }
    }

    // MARK: Sliding windows

    /// The first window in which time-ordered events `idx` hold at least `threshold` distinct keys: the
    /// positions (into `idx`) of its first and last event and the distinct count, or `nil`.
    /// - Complexity: O(*k*) hash operations for *k* events (each enters and leaves the window once).
    func firstWindow(_ idx: [Int], windowMicros: Int64, threshold: Int64, key: (Int) -> UInt64)
        -> (lo: Int, hi: Int, distinct: Int)?
    {
        Self.firstWindow(idx, time: store.time, windowMicros: windowMicros, threshold: threshold, key: key)
    }

    /// `firstWindow` over the time column alone: the closures capture no copy of the detectors.
    static func firstWindow(
        _ idx: [Int], time: TimeColumn, windowMicros: Int64, threshold: Int64, key: (Int) -> UInt64
    ) -> (lo: Int, hi: Int, distinct: Int)? {
        RuleWindows.firstDistinct(
            count: idx.count, windowMicros: windowMicros, threshold: threshold, key: { key(idx[$0]) },
            span: { time[idx[$1]] - time[idx[$0]] })
    }

    /// `firstWindow` for keys in `0..<counts.limit`, counted in `counts` (left zeroed again): no hashing per
    /// event. Keys seen in all of `idx` are counted first; when they are fewer than `threshold`, no window can
    /// hold enough and the window scan is skipped.
    func firstWindow(
        _ idx: [Int], windowMicros: Int64, threshold: Int64, counts: inout WindowCounts, key: (Int) -> Int
    ) -> (lo: Int, hi: Int, distinct: Int)? {
        guard threshold > 0, Int64(idx.count) >= threshold else { return nil }
        let keys = idx.map(key)
        return firstWindow(
            idx, keys: keys, distinct: Self.distinct(keys, &counts), windowMicros: windowMicros, threshold: threshold,
            counts: &counts)
    }

    /// The number of distinct keys in `keys`, counted in `counts` (left zeroed again).
    static func distinct(_ keys: [Int], _ counts: inout WindowCounts) -> Int {
        for k in keys { counts.add(k) }
        let n = counts.distinct
        for k in keys { counts.remove(k) }
        return n
    }

    /// `firstWindow` with the events' keys (`keys[j]` is the key of `idx[j]`) and their distinct number in all of
    /// `idx` already known: a caller that tries several windows over the same events counts them once.
    func firstWindow(
        _ idx: [Int], keys: [Int], distinct everywhere: Int, windowMicros: Int64, threshold: Int64,
        counts: inout WindowCounts
    ) -> (lo: Int, hi: Int, distinct: Int)? {
        guard threshold > 0, Int64(idx.count) >= threshold, Int64(everywhere) >= threshold else { return nil }
        var lo = 0
        var found: (lo: Int, hi: Int, distinct: Int)? = nil
        var hi = 0
        while hi < idx.count {
            counts.add(keys[hi])
            while store.time[idx[hi]] - store.time[idx[lo]] > windowMicros {
                counts.remove(keys[lo])
                lo += 1
            }
            if Int64(counts.distinct) >= threshold {
                found = (lo, hi, counts.distinct)
                break
            }
            hi += 1
        }
        // Leave the counts zeroed: remove what the window still holds.
        for k in keys[lo..<min(hi + 1, keys.count)] { counts.remove(k) }
        return found
    }

    func isoSecond(_ i: Int) -> String { store.timestamp(i).iso8601(fractionDigits: 0) }

    // MARK: Auth

    func authFindings() -> [Finding] {
        var out: [Finding] = []
        // Per source: failed attempts in time order. One attempt can be logged three times: sshd's "Invalid user",
        // PAM's "authentication failure" and sshd's "Failed password". The "Failed <method>" line is the attempt;
        // the others count only for connections (host, pid) that have no such line.
        // OpenSSH 8+ at LogLevel INFO logs no "Failed password" for a guess, only how the connection ended:
        // "Disconnected from / Connection closed by authenticating (or invalid) user U A port P [preauth]", or
        // "maximum authentication attempts exceeded" / "Too many authentication failures". Such an ending counts
        // as one failure for a connection that logged no failure line of its own; where one was logged it sums up
        // attempts already counted (as does PAM's "N more authentication failures", never counted) and is not
        // counted again. A line rsyslog reduced (`message repeated N times`) counts N times.
        var failures: [UInt32: [Int]] = [:]
        var summaries: [UInt32: Int] = [:]
        var endings: [UInt32: Int] = [:]
        var endingsSkipped: [UInt32: Int] = [:]
        // What each connection (host, pid) logged, as flags in one table (one lookup per event, where three sets
        // took up to three): an attempt line, a failure line, a summary ending ('maximum authentication attempts').
        var logged = IntegerTable<UInt8>(capacity: 1 << 12)
        let (attemptLine, failureLine, summaryEnding): (UInt8, UInt8, UInt8) = (1, 2, 4)
        func loggedFlags(_ c: UInt64) -> UInt8 { logged.index(of: c).map { logged.values[$0] } ?? 0 }
        var endingCounted = IntegerSet()
        var detailKind: [UInt32: UInt8] = [:]  // 0 other, 1 summary (never counted), 2 ending (max attempts), 3 preauth
        func kindOfDetail(_ d: UInt32) -> UInt8 {
            if let known = detailKind[d] { return known }
            let t = d == 0 ? "" : text(d)
            let k: UInt8 = t.hasPrefix("more_failures") ? 1 : t == "max_auth_attempts" ? 2 : t == "preauth" ? 3 : 0
            detailKind[d] = k
            return k
        }
        func connection(_ i: Int) -> UInt64 { UInt64(store.host[i]) << 32 | UInt64(UInt32(bitPattern: store.pid[i])) }
        // Kinds first (a dense byte per event), the sparse columns only for the auth kinds.
        for i in 0..<store.count {
            let k = store.kind[i]
            guard k == .authFailure || k == .invalidUser, store.sourceIP[i] != 0 else { continue }
            var flags: UInt8 = 0
            if k == .authFailure && store.authMethod[i] != 0 { flags |= attemptLine }
            let d = kindOfDetail(store.detail[i])
            if (k == .authFailure || k == .invalidUser) && d == 0 { flags |= failureLine }
            if k == .authFailure && d == 2 { flags |= summaryEnding }
            guard flags != 0 else { continue }
            let entry = logged.index(of: connection(i), inserting: 0)
            logged.values[entry] |= flags
        }
        for i in 0..<store.count {
            let k = store.kind[i]
            guard k == .authFailure || k == .invalidUser || (k == .authProbe && store.user[i] != 0),
                store.sourceIP[i] != 0
            else { continue }
            let d = kindOfDetail(store.detail[i])
            if k == .authProbe {
                // Only the ending of a named (authenticating or invalid) user before authentication.
                guard d == 3 else { continue }
            }
            if d == 1 {
                summaries[store.sourceIP[i], default: 0] += 1
                continue
            }
            if d >= 2 {
                // A connection's ending counts once, and not where the connection logged its failures: sshd writes
                // "maximum authentication attempts exceeded" and "Disconnecting …: Too many authentication
                // failures" for one connection (counted once), and a preauth "Disconnected from authenticating
                // user" after either is not counted again. A preauth ending is a connection's last line: two of
                // them (an edited or duplicated log) count twice. Without a pid every line is its own connection.
                let c = connection(i)
                let own = store.pid[i] < 0
                let flags = loggedFlags(c)
                let again =
                    d == 2
                    ? !own && !endingCounted.insert(c)
                    : !own && flags & summaryEnding != 0
                if flags & failureLine != 0 || again {
                    if d == 2 {
                        summaries[store.sourceIP[i], default: 0] += 1
                    } else {
                        endingsSkipped[store.sourceIP[i], default: 0] += 1
                    }
                    continue
                }
                endings[store.sourceIP[i], default: 0] += 1
                failures[store.sourceIP[i], default: []].append(i)
                continue
            }
            let isAttemptLine = k == .authFailure && store.authMethod[i] != 0
            // A Windows 4625 (it keeps its event id in `signature`) is one attempt of its own: every record of a
            // host names LSASS's process, or none, so the process says nothing about the connection.
            let ownAttempt = store.signature[i] != 0
            if !isAttemptLine && !ownAttempt && loggedFlags(connection(i)) & attemptLine != 0 { continue }
            failures[store.sourceIP[i], default: []].append(i)
        }
        func notCounted(_ source: UInt32) -> String {
            var out = ""
            if let n = endings[source], n > 0 {
                out +=
                    "; \(n) of them connection ending\(n == 1 ? "" : "s") without a failure line (OpenSSH 8+ 'authenticating user … [preauth]', 'maximum authentication attempts')"
            }
            if let n = summaries[source], n > 0 {
                out +=
                    "; \(n) summary line\(n == 1 ? "" : "s") ('maximum authentication attempts', 'N more authentication failures') not counted again"
            }
            if let n = endingsSkipped[source], n > 0 {
                out +=
                    "; \(n) preauth ending\(n == 1 ? "" : "s") of connections already counted not counted again"
            }
            return out
        }
        // Repeats (rsyslog's reduction): each failure weighs its repeat count.
        func weights(_ idx: [Int]) -> [Int64] {
            var sums = [Int64](repeating: 0, count: idx.count + 1)
            for (k, i) in idx.enumerated() { sums[k + 1] = sums[k] + Int64(max(store.repeatCount[i], 1)) }
            return sums
        }
        var prefixWeights: [UInt32: [Int64]] = [:]
        var windowsIDs: [UInt32: Int] = [:]
        // Looked up once, and the window closures read these columns, not `self`: a closure over `self` copies the
        // detectors (a retain per column of the store) per call, for each of the tens of thousands of sources.
        let (bruteRule, sprayRule, enumerationRule) =
            (enabled("auth.bruteforce"), enabled("auth.spraying"), enabled("auth.user_enumeration"))
        let (time, userColumn) = (store.time, store.user)
        for (source, idx) in failures.sorted(by: { $0.key < $1.key }) {
            let from = ip(source)
            let sums = weights(idx)
            prefixWeights[source] = sums
            if let r = bruteRule {
                if let (w, within) = RuleWindows.bruteForce(
                    r,
                    first: { windowMicros, threshold in
                        RuleWindows.firstWeighted(
                            count: idx.count, prefix: sums, windowMicros: windowMicros, threshold: threshold,
                            span: { time[idx[$1]] - time[idx[$0]] }
                        ).map { (lo: $0.lo, hi: $0.hi, count: $0.weight) }
                    })
                {
                out.append(
                    finding(
                        r, at: idx[w.lo], indicators: [.ip("\(from)")],
                        why: RuleText.bruteForceWhy(
                            count: w.count, source: from, within: within, first: store.timestamp(idx[w.lo]),
                            last: store.timestamp(idx[w.hi]), total: sums[idx.count], note: notCounted(source)),
                        evidence: [idx[w.lo], idx[w.hi]], implies: attacker(source),
                        title: bruteForceTitle(r, idx[w.lo...w.hi], &windowsIDs)))
                }
            }
            let users = idx.filter { userColumn[$0] != 0 }
            if let r = sprayRule,
                let w = Self.firstWindow(
                    users, time: time, windowMicros: r.windowMicros, threshold: r.threshold, key: { UInt64(userColumn[$0]) })
            {
                out.append(
                    finding(
                        r, at: users[w.lo], indicators: [.ip("\(from)")],
                        why: RuleText.sprayingWhy(
                            r, accounts: Int64(w.distinct), source: from, first: store.timestamp(users[w.lo]),
                            last: store.timestamp(users[w.hi])),
                        evidence: [users[w.lo], users[w.hi]], implies: attacker(source)))
            }
            let invalid = idx.filter { store.kind[$0] == .invalidUser && userColumn[$0] != 0 }
            if let r = enumerationRule,
                let w = Self.firstWindow(
                    invalid, time: time, windowMicros: r.windowMicros, threshold: r.threshold,
                    key: { UInt64(userColumn[$0]) })
            {
                out.append(
                    finding(
                        r, at: invalid[w.lo], indicators: [.ip("\(from)")],
                        why: RuleText.enumerationWhy(r, accounts: Int64(w.distinct), source: from),
                        evidence: [invalid[w.lo], invalid[w.hi]], implies: attacker(source)))
            }
        }
        if let r = enabled("auth.success_after_failures") {
            for i in 0..<store.count where store.kind[i] == .authSuccess && store.sourceIP[i] != 0 {
                guard let idx = failures[store.sourceIP[i]] else { continue }
                let t = store.time[i]
                // Failures in (t - window, t]: binary search for both ends of the time-ordered list.
                let end = upperBound(idx, t)
                let sums = prefixWeights[store.sourceIP[i]] ?? weights(idx)
                // The rule's window, else the long one (a guesser that found the password and came back later).
                guard
                    let (before, start, span, needed) = RuleWindows.successAfterFailures(
                        r,
                        failures: { windowMicros in
                            let (from, overflow) = t.subtractingReportingOverflow(windowMicros)
                            let start = overflow || from == .min ? 0 : upperBound(idx, from - 1)
                            return end > start ? (sums[end] - sums[start], start) : nil
                        })
                else { continue }
                let source = ip(store.sourceIP[i])
                let user = text(store.user[i])
                out.append(
                    finding(
                        r, at: i,
                        indicators: [.ip("\(source)"), .user("\(user)"), .host("\(text(store.host[i]))")],
                        why: RuleText.successAfterFailuresWhy(
                            user: user, source: source, failures: before, span: span, needed: needed,
                            firstFailure: store.timestamp(idx[start])),
                        evidence: [idx[start], idx[end - 1], i], role: .compromise,
                        implies: compromise(of: i, by: store.sourceIP[i], account: user)))
            }
        }
        out += newSourceFindings()
        out += systemAccountFindings()
        return out
    }

    /// Positions in `idx` (time-ordered event positions) with time ≤ `t`.
    func upperBound(_ idx: [Int], _ t: Int64) -> Int {
        t == Int64.max ? idx.count : store.firstPosition(in: idx, atOrAfter: t + 1)
    }

    /// First time each host's evidence shows anything, for rules that learn before they report: the time of the
    /// first event of each host (a host symbol id; 0 for events without one). - Complexity: O(n) at most, once.
    func firstTimeByHost() -> [UInt32: Int64] { store.firstPositionByHost().mapValues { store.time[$0] } }

    func newSourceFindings() -> [Finding] {
        guard let r = enabled("auth.new_source") else { return [] }
        let ignored = Set(r.list("ignored_accounts"))
        var starts: [UInt32: Int64]? = nil  // first event time by host, found once, when a login needs it
        var known: Set<UInt64> = []
        var out: [Finding] = []
        for i in 0..<store.count where store.kind[i] == .authSuccess && store.sourceIP[i] != 0 && store.user[i] != 0 {
            let key = UInt64(store.user[i]) << 32 | UInt64(store.sourceIP[i])
            guard known.insert(key).inserted else { continue }
            let user = text(store.user[i])
            let host = store.host[i]
            if starts == nil { starts = firstTimeByHost() }
            let learning = store.time[i] - (starts?[host] ?? store.time[i]) < r.windowMicros
            if learning || ignored.contains(user) { continue }
            let source = ip(store.sourceIP[i])
            out.append(
                finding(
                    r, at: i, indicators: [.ip("\(source)"), .user("\(user)"), .host("\(text(store.host[i]))")],
                    why:
                        "\(user) logged in from \(source), an address never seen for this account before (after \(r.windowText) of \(text(store.host[i]))'s evidence learning the usual ones); no failures required, so context only",
                    evidence: [i], role: .context))
        }
        return out
    }

    func systemAccountFindings() -> [Finding] {
        guard let r = enabled("auth.system_account_login") else { return [] }
        let accounts = Set(r.list("accounts"))
        let recurringAt = r.parameter("recurring_logins")
        // Logins per (account, source, host): a recurring one is a scheduled job, reported once and low.
        var logins: [String: [Int]] = [:]
        var order: [String] = []
        for i in 0..<store.count where store.kind[i] == .authSuccess {
            let u = text(store.user[i])
            guard accounts.contains(u) else { continue }
            let key = "\(u)|\(store.sourceIP[i])|\(store.host[i])"
            if logins[key] == nil { order.append(key) }
            logins[key, default: []].append(i)
        }
        var out: [Finding] = []
        for key in order {
            guard let idx = logins[key], let i = idx.first else { continue }
            let u = text(store.user[i])
            let from = store.sourceIP[i] != 0 ? " from \(ip(store.sourceIP[i]))" : ""
            if idx.count >= recurringAt {
                out.append(
                    finding(
                        r, severity: .low, at: i, indicators: [.user("\(u)"), .host("\(text(store.host[i]))")],
                        why:
                            "\(u) is a system account; it logs in\(from) recurrently (\(idx.count) times, \(recurringAt) make a routine job), like a scheduled job",
                        evidence: [i, idx[idx.count - 1]], role: .context))
            } else {
                out.append(
                    finding(
                        r, at: i, indicators: [.user("\(u)"), .host("\(text(store.host[i]))")],
                        why: "\(u) is a system account (rule list 'accounts') and logged in\(from)", evidence: [i], role: .context))
            }
        }
        return out
    }

    // MARK: Privilege and persistence

    func privilegeAndAccountFindings() -> [Finding] {
        var out: [Finding] = []
        let refused = enabled("priv.sudo_failure")
        let shellRule = enabled("priv.root_shell")
        let shells = Set(shellRule?.list("shells") ?? [])
        let created = enabled("persist.account_created")
        let grouped = enabled("persist.privileged_group")
        let groups = Set(grouped?.list("groups") ?? [])
        let password = enabled("persist.password_change")
        let root = symbolID("root")
        var once: Set<String> = []
        for i in 0..<store.count {
            // Only these kinds concern this family: skip the others before making any string.
            switch store.kind[i] {
            case .privilege, .accountCreate, .accountModify, .passwordChange: break
            default: continue
            }
            let host = text(store.host[i])
            let name = text(store.targetUser[i] != 0 ? store.targetUser[i] : store.user[i])
            switch store.kind[i] {
            case .privilege where store.outcome[i] == .failure:
                guard let r = refused else { continue }
                out.append(
                    finding(
                        r, at: i, indicators: [.user("\(text(store.user[i]))"), .host("\(host)")],
                        why:
                            "\(text(store.program[i])) refused for \(text(store.user[i]))\(store.detail[i] != 0 ? " (\(text(store.detail[i])))" : "")",
                        evidence: [i], role: .context))
            case .privilege where store.outcome[i] != .failure:
                guard let r = shellRule else { continue }
                let target = store.targetUser[i]
                guard target == 0 || target == root else { continue }
                let command = text(store.command[i])
                let first = command.split(separator: " ").first.map(String.init) ?? ""
                let program = text(store.program[i])
                let isShell = shells.contains(first) || (program == "su" && command.isEmpty)
                guard isShell else { continue }
                let user = text(store.user[i])
                out.append(
                    finding(
                        r, at: i, indicators: [.user("\(user)"), .host("\(host)")],
                        why:
                            "\(user) became root through \(program) running \(command.isEmpty ? "a login shell" : "'\(command)'"), a shell (rule list 'shells') rather than a command",
                        evidence: [i], role: .context))
            case .accountCreate:
                // useradd logs the new group, then the new user, from one process: one finding, named.
                guard let r = created,
                    once.insert("create|\(host)|\(store.pid[i])|\(store.time[i] / 1_000_000)").inserted
                else { continue }
                var named = i
                var j = i + 1
                while name.isEmpty || store.targetUser[named] == 0 && store.user[named] == 0, j < store.count,
                    store.time[j] - store.time[i] < 1_000_000
                {
                    if store.kind[j] == .accountCreate && store.host[j] == store.host[i] && store.pid[j] == store.pid[i]
                        && (store.targetUser[j] != 0 || store.user[j] != 0)
                    {
                        named = j
                        break
                    }
                    j += 1
                }
                let who = text(store.targetUser[named] != 0 ? store.targetUser[named] : store.user[named])
                out.append(
                    finding(
                        r, at: i, indicators: who.isEmpty ? [.host("\(host)")] : [.user("\(who)"), .host("\(host)")],
                        why: who.isEmpty
                            ? "an account or group created on \(host) by \(text(store.program[i]))"
                            : "account \(who) created on \(host) by \(text(store.program[i]))",
                        evidence: [i, named], role: .context))
            case .accountModify:
                let group = text(store.detail[i])
                // usermod logs the group and the shadow group: one finding per account, group and host.
                guard let r = grouped, groups.contains(group),
                    once.insert("group|\(host)|\(name)|\(group)").inserted
                else { continue }
                out.append(
                    finding(
                        r, at: i, indicators: [.user("\(name)"), .host("\(host)")],
                        why: "\(name) added to group \(group) (rule list 'groups') on \(host)", evidence: [i], role: .context))
            case .passwordChange:
                guard let r = password, once.insert("passwd|\(host)|\(name)|\(store.time[i] / 60_000_000)").inserted
                else { continue }
                out.append(
                    finding(
                        r, at: i, indicators: [.user("\(name)"), .host("\(host)")],
                        why: "password of \(name) changed on \(host)", evidence: [i], role: .context))
            default:
                continue
            }
        }
        return out
    }

    // MARK: Web

    /// Lower-cased, percent-decoded (twice, for double encoding) path + query, for pattern matching.
    public static func decodedRequest(path: String, query: String) -> String {
        func decode(_ s: String) -> String {
            var out = [UInt8]()
            let b = Array(s.utf8)
            var i = 0
            while i < b.count {
                if b[i] == UInt8(ascii: "%"), i + 2 < b.count, let h = hex(b[i + 1]), let l = hex(b[i + 2]) {
                    out.append(h << 4 | l)
                    i += 3
                } else if b[i] == UInt8(ascii: "+") {
                    out.append(UInt8(ascii: " "))
                    i += 1
                } else {
                    out.append(b[i])
                    i += 1
                }
            }
            return ByteText.string(out)
        }
        let raw = query.isEmpty ? path : path + "?" + query
        return decode(decode(raw)).lowercased()
    }

    static func hex(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: c - 48
        case 65...70: c - 55
        case 97...102: c - 87
        default: nil
        }
    }

    /// Distinct sources that requested a path, counted up to `limit + 1`.
    func sourcesOf(path: UInt32, limit: Int64) -> Int {
        var seen = Set<UInt32>()
        for p in store.postingSlice(IndicatorKey(.path, path)) {
            seen.insert(store.sourceIP[Int(p)])
            if seen.count > limit { break }
        }
        return seen.count
    }

    /// A query parameter named in `parameters` whose decoded value starts with one of `commands`
    /// (`cmd=id`, `c=cat+/etc/passwd`, `cmd=/usr/bin/whoami`).
    static func shellCommandParameter(query: String, parameters: Set<String>, commands: Set<String>) -> (
        String, String
    )? {
        for pair in query.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1)
            guard kv.count == 2 else { continue }
            let name = kv[0].lowercased()
            guard parameters.contains(name) else { continue }
            let value = decodedRequest(path: String(kv[1]), query: "")
            let first =
                value.split(whereSeparator: { $0 == " " || $0 == ";" || $0 == "|" }).first.map(String.init) ?? ""
            let command = first.split(separator: "/").last.map(String.init) ?? first
            if commands.contains(command) { return (name, value) }
        }
        return nil
    }

    func webFindings() -> [Finding] {
        var out: [Finding] = []
        let scanner = enabled("web.scanner_agent")
        let agents = ScannerAgents(scanner)
        let shell = enabled(RuleIDs.webShell)
        let shellParameters = Set(shell?.list("parameters") ?? [])
        let shellCommands = Set(shell?.list("commands") ?? [])
        let suffixes = ScriptSuffixes(shell)
        let maxSources = shell?.parameter("max_sources") ?? 0
        let attempt = enabled("web.exploit_attempt")
        let success = enabled(RuleIDs.exploitSuccess)
        let cveRule = enabled("web.cve_exploit")
        let sqlError = enabled("web.sqli_error")
        // The exploit lists live on web.exploit_attempt; web.exploit_success reads the same ones. One automaton
        // holds them all: each field of a request is read once, whatever the number of needles.
        let matcher = WebPatternMatcher(lists: rules.rule("web.exploit_attempt").lists)
        let cveTable = rules.rule("web.cve_exploit")
        var cveOfKind = [String?](repeating: nil, count: matcher.kinds.count)
        var cveNames: [String: String] = [:]
        for entry in cveTable.list("names") {
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            cveNames[parts[0]] = parts[1]
            if let k = matcher.kinds.firstIndex(of: parts[0]) { cveOfKind[k] = parts[1] }
        }
        let traversalNeedles = cveTable.list("apache-path-traversal").map { Array($0.lowercased().utf8) }
        let doubleNeedles = cveTable.list("apache-double-encoding").map { Array($0.lowercased().utf8) }
        let codePaths = cveTable.list("code_paths").map { Array($0.lowercased().utf8) }
        let aliases = cveTable.list("apache_aliases").map { $0.lowercased() }
        let databaseErrors = (sqlError?.list("database_errors") ?? []).map { Array($0.lowercased().utf8) }
        let sqlKind = matcher.kinds.firstIndex(of: "sql-injection")
        let minBody = success?.parameter("min_body_bytes") ?? 1
        let login = enabled("web.login_bruteforce")
        let loginPaths = (login?.list("login_paths") ?? []).map { $0.lowercased() }
        let post = symbolID("POST")
        let probeRule = enabled("web.probe_paths")
        let probePaths = (probeRule?.list("paths") ?? []).map { $0.lowercased() }
        // Per source (address id, dense): rows of positions and counts, no hashing per request.
        var probes = PositionRows()
        var notFound = PositionRows()
        var loginPosts = PositionRows()
        var scannerOrder: [(source: UInt32, first: Int, tool: Int)] = []
        var scannerRequests = [Int64](repeating: 0, count: store.addresses.count + 1)
        // Exploit kinds already reported, by (source, kind name, answered 2xx); a name's code is its first place
        // among the table's kinds and the Apache ones.
        var exploitSeen = Set<UInt64>()
        var codeOfKind: [String: Int] = [:]
        for (k, name) in (matcher.kinds + ["apache-path-traversal", "apache-double-encoding"]).enumerated()
        where codeOfKind[name] == nil {
            codeOfKind[name] = k
        }
        // Distinct sources of a path, by path symbol (-1: not counted yet).
        var sourcesOfPath = [Int32](repeating: -1, count: store.symbols.count)
        let loginNeedles = loginPaths.map { Array($0.utf8) }
        let probeNeedles = probePaths.map { Array($0.utf8) }
        let aliasNeedles = aliases.map { Array($0.utf8) }
        func sources(ofPath path: UInt32) -> Int64 {
            if sourcesOfPath[Int(path)] < 0 {
                sourcesOfPath[Int(path)] = Int32(clamping: sourcesOf(path: path, limit: maxSources))
            }
            return Int64(sourcesOfPath[Int(path)])
        }
        // Requests repeat: what the strings say is decided once per user agent, path, (path, query), referer and
        // X-Forwarded-For value. Indexed by symbol id (dense; the store's symbols are numbered from 1): no hashing
        // per request.
        var toolOfAgent = [Int32](repeating: -2, count: store.symbols.count)  // -2 = not decided yet
        // Bit 0 decided, 1 login, 2 script, 3 Apache traversal, 4 Apache double encoding, 5 runs code, 6 probe.
        var pathFacts = [UInt8](repeating: 0, count: store.symbols.count)
        var commandOfQuery: [UInt32: (String, String)?] = [:]
        var kindsOfRequest = IntegerTable<Int>(capacity: 1 << 12)
        // Kinds found in one header value, by symbol id; bit 63 marks a decided value.
        let decided: UInt64 = 1 << 63
        var kindsOfText = [UInt64](repeating: 0, count: store.symbols.count)
        func kinds(ofText id: UInt32) -> UInt64 {
            guard id != 0 else { return 0 }
            let known = kindsOfText[Int(id)]
            if known & decided != 0 { return known & ~decided }
            let mask = store.symbols.withBytes(Symbol(id: id)) { matcher.kinds(in: WebDecoding.decode($0)) }
            kindsOfText[Int(id)] = mask | decided
            return mask
        }
        // Which rules are on, as flags: testing an optional rule per request costs a copy of it.
        let (scannerOn, shellOn, loginOn) = (scanner != nil, shell != nil, login != nil && post != nil)
        let exploitOn = attempt != nil || success != nil || cveRule != nil || sqlError != nil
        for i in 0..<store.count where store.kind[i] == .webRequest || store.kind[i] == .http {
            if sensorCopies.contains(i) { continue }
            let source = store.sourceIP[i]
            let status = Int(store.httpStatus[i])
            if scannerOn {
                let agent = store.userAgent[i]
                let tool: Int
                if toolOfAgent[Int(agent)] != -2 {
                    tool = Int(toolOfAgent[Int(agent)])
                } else {
                    tool = agent == 0 ? -1 : agents.tool(inAgent: text(agent)) ?? -1
                    toolOfAgent[Int(agent)] = Int32(tool)
                }
                if tool >= 0 {
                    if scannerRequests[Int(source)] == 0 { scannerOrder.append((source, i, tool)) }
                    scannerRequests[Int(source)] += 1
                }
            }
            if status == 404 { notFound.append(source, i) }
            var known = pathFacts[Int(store.path[i])]
            if known & 1 == 0 {
                let lowerPath = text(store.path[i]).lowercased()
                let raw = Array(lowerPath.utf8)
                let decodedPath = WebDecoding.decode(raw)
                known = 1
                // Byte searches in the lower-cased path: the lists are plain text, no Unicode equivalence wanted.
                if loginNeedles.contains(where: { WebPatternMatcher.contains(raw, $0) }) { known |= 2 }
                if suffixes.runsCode(lowercasedPath: raw) { known |= 4 }
                if probeNeedles.contains(where: { WebPatternMatcher.contains(raw, $0) }) { known |= 64 }
                if aliasNeedles.contains(where: { raw.count >= $0.count && raw.prefix($0.count).elementsEqual($0) }) {
                    if traversalNeedles.contains(where: { WebPatternMatcher.contains(raw, $0) }) { known |= 8 }
                    if doubleNeedles.contains(where: { WebPatternMatcher.contains(raw, $0) }) { known |= 16 }
                }
                if codePaths.contains(where: { WebPatternMatcher.contains(decodedPath, $0) }) { known |= 32 }
                pathFacts[Int(store.path[i])] = known
            }
            let facts = (login: known & 2 != 0, script: known & 4 != 0)
            if known & 64 != 0, status >= 400, status < 500 { probes.append(source, i) }
            if loginOn, store.httpMethod[i] == post, facts.login { loginPosts.append(source, i) }
            let answered2xx = status >= 200 && status < 300
            if shellOn, answered2xx, facts.script, store.query[i] != 0, let r = shell {
                let command: (String, String)?
                if let known = commandOfQuery[store.query[i]] {
                    command = known
                } else {
                    command = Self.shellCommandParameter(
                        query: text(store.query[i]), parameters: shellParameters, commands: shellCommands)
                    commandOfQuery[store.query[i]] = command
                }
                if let (param, value) = command, sources(ofPath: store.path[i]) <= maxSources {
                    let path = text(store.path[i])
                    let from = ip(source)
                    out.append(
                        finding(
                            r, at: i, indicators: [.ip("\(from)"), .url("\(path)")],
                            why: RuleText.webshellWhy(
                                path: path, maxSources: maxSources, status: Int64(status), parameter: param,
                                value: Substring(value), source: from),
                            evidence: [i], role: .compromise, implies: compromise(of: i, by: source)))
                    continue
                }
            }
            guard exploitOn else { continue }
            // The kinds of pattern in each attacker-controlled field: the request line (path and query), then the
            // headers a log keeps (User-Agent, Referer, X-Forwarded-For).
            let pair = UInt64(store.path[i]) << 32 | UInt64(store.query[i])
            let requestKinds: UInt64
            if let slot = kindsOfRequest.index(of: pair) {
                requestKinds = UInt64(bitPattern: Int64(kindsOfRequest.values[slot]))
            } else {
                requestKinds = matcher.kinds(in: requestText(i))
                _ = kindsOfRequest.index(of: pair, inserting: Int(Int64(bitPattern: requestKinds)))
            }
            let agentKinds = kinds(ofText: store.userAgent[i])
            let refererKinds = kinds(ofText: store.referer[i])
            let forwardedKinds = kinds(ofText: store.forwardedFor[i])
            let all = requestKinds | agentKinds | refererKinds | forwardedKinds
            let apache = known & 8 != 0 ? "apache-path-traversal" : known & 16 != 0 ? "apache-double-encoding" : nil
            guard all != 0 || apache != nil else { continue }
            // Past this point the request holds a pattern: rare, so arrays and strings are fine.
            let fieldKinds: [(name: String, kinds: UInt64)] = [
                ("request", requestKinds), ("User-Agent", agentKinds), ("Referer", refererKinds),
                ("X-Forwarded-For", forwardedKinds),
            ]
            // The kind reported: a named CVE's first, then the first in the table's order.
            let namedKinds = (0..<matcher.kinds.count).filter { all & (1 << UInt64($0)) != 0 && cveOfKind[$0] != nil }
            let kindIndex = namedKinds.first ?? (all == 0 ? -1 : all.trailingZeroBitCount)
            let kindName = apache ?? matcher.kinds[kindIndex]
            var field = "request"
            if apache == nil, let f = fieldKinds.first(where: { $0.kinds & (1 << UInt64(kindIndex)) != 0 }) {
                field = f.name
            }
            let kindCode = UInt64(codeOfKind[kindName] ?? 0)
            guard exploitSeen.insert(UInt64(source) << 32 | kindCode << 1 | (answered2xx ? 1 : 0)).inserted else {
                continue
            }
            let from = ip(source)
            let path = text(store.path[i])
            let body = store.bytesOut[i]
            let answered = "answered \(status)\(body >= 0 ? " with \(body) bytes" : "")"
            let needle: String =
                if let apache { "encoded traversal in the raw path (rule list '\(apache)')" } else {
                    "'\(matcher.needle(ofKind: kindIndex, in: fieldText(i, field)))'"
                }
            let place =
                apache != nil ? "the request" : field == "request" ? "the decoded request" : "the \(field) header"
            let namedCVE: String? =
                if let apache { cveNames[apache] } else if kindIndex >= 0 { cveOfKind[kindIndex] } else { nil }
            if let cve = namedCVE, let r = cveRule {
                // A traversal CVE answered 2xx ran what it asked for; Shellshock answered 2xx by a CGI did too. A
                // Log4Shell lookup's answer says nothing of the callback: an attempt, high.
                let runsCode = known & 32 != 0 || facts.script
                let compromised =
                    answered2xx && body != 0
                    && (apache != nil || (kindName == "shellshock" && runsCode))
                let worked =
                    apache != nil
                    ? ": the server answered the traversal, the exploit worked"
                    : ", by a path that runs code (rule list 'code_paths'): the exploit worked"
                out.append(
                    finding(
                        r, severity: compromised ? .critical : r.severity, at: i,
                        indicators: [.ip("\(from)"), .url("\(path)")],
                        why:
                            "\(cve) (\(kindName)): \(needle) in \(place), \(answered)\(compromised ? worked : answered2xx ? "; the answer does not show whether it worked" : " (not a success)"); first of this kind from \(from)",
                        evidence: [i], role: compromised ? .compromise : .attempt,
                        implies: compromised ? compromise(of: i, by: source) : attacker(source),
                        title: "\(r.title): \(cve)"))
                continue
            }
            if status >= 500, kindIndex == sqlKind, let r = sqlError {
                let logged = requestText(i)
                if let error = databaseErrors.first(where: { WebPatternMatcher.contains(logged, $0) }) {
                    out.append(
                        finding(
                            r, at: i, indicators: [.ip("\(from)"), .url("\(path)")],
                            why:
                                "sql-injection pattern \(needle) in \(place), \(answered) with database error text '\(ByteText.string(error))' in the logged request: the injection reached the database (likely to succeed; ranked above a probe, but scanners provoke such errors too, so it seeds nothing alone); first of this kind from \(from)",
                            evidence: [i], role: .attempt, implies: attacker(source)))
                    continue
                }
            }
            guard kindIndex >= 0 else { continue }
            if answered2xx, let r = success {
                let large = body >= minBody
                out.append(
                    finding(
                        r, severity: large ? r.severity : .medium, at: i, indicators: [.ip("\(from)"), .url("\(path)")],
                        why:
                            "\(kindName) pattern \(needle) in \(place), \(answered)\(large ? "" : " (under \(minBody) bytes: medium)"); first of this kind from \(from)",
                        evidence: [i], role: large ? .compromise : .attempt,
                        implies: large ? compromise(of: i, by: source) : attacker(source)))
            } else if !answered2xx, let r = attempt {
                out.append(
                    finding(
                        r, at: i, indicators: [.ip("\(from)"), .url("\(path)")],
                        why:
                            "\(kindName) pattern \(needle) in \(place), \(answered) (not a success); first of this kind from \(from)",
                        evidence: [i], implies: attacker(source)))
            }
        }
        if let r = scanner {
            for (source, first, tool) in scannerOrder {
                let n = scannerRequests[Int(source)]
                let from = ip(source)
                out.append(
                    finding(
                        r, severity: RuleText.scannerSeverity(r, requests: n), at: first,
                        indicators: [.ip("\(from)"), .ua("\(text(store.userAgent[first]))")],
                        why: RuleText.scannerWhy(r, tool: agents.names[tool], requests: n, source: from),
                        evidence: [first], implies: attacker(source)))
            }
        }
        // Distinct paths in a window, counted by path symbol (dense). The key closures read the column, not `self`
        // (a closure over `self` copies the detectors per row).
        var pathCounts = WindowCounts(limit: store.symbols.count)
        let pathColumn = store.path
        if let r = enabled("web.404_burst") {
            notFound.forEachRow(minimum: Int(clamping: r.threshold)) { source, idx in
                guard
                    let w = firstWindow(
                        idx, windowMicros: r.windowMicros, threshold: r.threshold, counts: &pathCounts,
                        key: { Int(pathColumn[$0]) })
                else { return }
                out.append(
                    finding(
                        r, at: idx[w.lo], indicators: [.ip("\(ip(source))")],
                        why:
                            "\(w.distinct) distinct paths answered 404 to \(ip(source)) within \(r.windowText) (threshold \(r.threshold)); \(idx.count) 404s in all",
                        evidence: [idx[w.lo], idx[w.hi]], implies: attacker(source)))
            }
        }
        if let r = probeRule {
            probes.forEachRow(minimum: Int(clamping: r.threshold)) { source, idx in
                guard
                    let w = firstWindow(
                        idx, windowMicros: r.windowMicros, threshold: r.threshold, counts: &pathCounts,
                        key: { Int(pathColumn[$0]) })
                else { return }
                let examples = idx[w.lo...w.hi].map { text(store.path[$0]) }
                var shown: [String] = []
                for p in examples where !shown.contains(p) && shown.count < 3 { shown.append(p) }
                out.append(
                    finding(
                        r, at: idx[w.lo], indicators: [.ip("\(ip(source))")],
                        why:
                            "\(w.distinct) distinct probe paths (rule list 'paths') answered 4xx to \(ip(source)) within \(r.windowText) (threshold \(r.threshold)), e.g. \(shown.joined(separator: ", ")); \(idx.count) in all",
                        evidence: [idx[w.lo], idx[w.hi]], implies: attacker(source)))
            }
        }
        if let r = login {
            let burst = r.parameter("burst_posts")
            let burstMicros = r.parameter("burst_seconds").saturatingTimes(1_000_000)
            loginPosts.forEachRow(minimum: Int(clamping: min(r.threshold, burst))) { source, idx in
                let fast = firstWindow(idx, windowMicros: burstMicros, threshold: burst, key: { UInt64($0) })
                let slow = firstWindow(idx, windowMicros: r.windowMicros, threshold: r.threshold, key: { UInt64($0) })
                guard let w = fast ?? slow else { return }
                let within =
                    fast != nil
                    ? "\(RuleSet.durationText(r.parameter("burst_seconds"))) (burst_posts \(burst))"
                    : "\(r.windowText) (threshold \(r.threshold))"
                out.append(
                    finding(
                        r, at: idx[w.lo], indicators: [.ip("\(ip(source))"), .url("\(text(store.path[idx[w.lo]]))")],
                        why:
                            "\(w.distinct) POSTs to login endpoints from \(ip(source)) within \(within), \(isoSecond(idx[w.lo])) to \(isoSecond(idx[w.hi])); \(idx.count) in all",
                        evidence: [idx[w.lo], idx[w.hi]], implies: attacker(source)))
            }
        }
        return out
    }

    /// The request line of event `i` as the patterns read it: path and query, decoded (see `WebDecoding`).
    func requestText(_ i: Int) -> [UInt8] {
        var raw = Array(store.symbols.bytes(Symbol(id: store.path[i])))
        if store.query[i] != 0 {
            raw.append(UInt8(ascii: "?"))
            raw += store.symbols.bytes(Symbol(id: store.query[i]))
        }
        return WebDecoding.decode(raw)
    }

    /// One attacker-controlled field of event `i`, decoded, by the name the web findings give it.
    func fieldText(_ i: Int, _ field: String) -> [UInt8] {
        let id: UInt32
        switch field {
        case "User-Agent": id = store.userAgent[i]
        case "Referer": id = store.referer[i]
        case "X-Forwarded-For": id = store.forwardedFor[i]
        default: return requestText(i)
        }
        return WebDecoding.decode(store.symbols.bytes(Symbol(id: id)))
    }

    // MARK: Network

    func networkFindings() -> [Finding] {
        var out: [Finding] = []
        let large = enabled(RuleIDs.largeOutbound)
        let factor = large?.parameter("history_factor") ?? 1
        let ids = enabled("ids.alert")
        var known = NetworkContext()
        known.wellKnown = rules.rule("ids.alert").list("well_known_networks").compactMap { IPNetwork($0) }
        let largeOn = large != nil
        // By address id (dense): no hashing per flow.
        var largestBefore = [Int64](repeating: 0, count: internalAddress.count)
        // Flows per source, as one array of positions in rows by source (counted, then filled): no array per source.
        var rowEnd = [Int32](repeating: 0, count: internalAddress.count + 1)
        for i in 0..<store.count {
            let k = store.kind[i]
            if k == .flow || k == .firewall {
                let source = store.sourceIP[i]
                let destination = store.destinationIP[i]
                if source != 0 { rowEnd[Int(source) + 1] += 1 }
                // The rule is bound last: binding it copies it, which the per-flow tests before it avoid.
                if largeOn, inside(source), destination != 0, !inside(destination), store.bytesOut[i] > 0,
                    let r = large, let s = store.address(source), let d = store.address(destination)
                {
                    let bytes = store.bytesOut[i]
                    let before = largestBefore[Int(source)]
                    if bytes >= r.threshold && bytes >= before.saturatingTimes(factor) {
                        let history =
                            before > 0
                            ? "\(bytes / max(before, 1))× the host's largest earlier outbound transfer (\(before) bytes; factor \(factor))"
                            : "no earlier outbound transfer from the host in the evidence"
                        out.append(
                            finding(
                                r, at: i, host: hostNames[store.sourceIP[i]], indicators: [.ip("\(s)"), .ip("\(d)")],
                                why:
                                    "\(bytes) bytes sent from \(s) to external \(d) in one connection (threshold \(r.threshold)); \(history)",
                                evidence: [i]))
                    }
                    largestBefore[Int(source)] = max(before, bytes)
                }
            }
            if k == .alert, let r = ids, store.signature[i] != 0 { out.append(idsFinding(r, i, known)) }
        }
        // Slow scans (net.port_scan) and fast ones (net.fast_scan), the fast rule only where the slow one is silent.
        let scanRules = ["net.port_scan", "net.fast_scan"].compactMap { enabled($0) }
        if let least = scanRules.map(\.threshold).min() {
            for a in 1..<rowEnd.count { rowEnd[a] += rowEnd[a - 1] }
            var flows = [Int32](repeating: 0, count: Int(rowEnd[rowEnd.count - 1]))
            var fill = rowEnd
            for i in 0..<store.count where store.kind[i] == .flow || store.kind[i] == .firewall {
                let source = Int(store.sourceIP[i])
                if source != 0 {
                    flows[Int(fill[source])] = Int32(i)
                    fill[source] += 1
                }
            }
            fill = []
            // Destination hosts and ports counted in dense arrays, zeroed again after each source.
            var hostCounts = WindowCounts(limit: internalAddress.count)
            var portCounts = WindowCounts(limit: 1 << 16)
            // The key closures read these columns, not `self`: a closure over `self` copies the detectors (a retain
            // per column of the store) per call, for each of the tens of thousands of sources.
            let (destinationIP, destinationPort) = (store.destinationIP, store.destinationPort)
            for source in 1..<internalAddress.count where Int64(rowEnd[source + 1] - rowEnd[source]) >= least {
                let idx = flows[Int(rowEnd[source])..<Int(rowEnd[source + 1])].map { Int($0) }
                // The source's destinations and their distinct numbers, once for both rules.
                let hostKeys = idx.map { Int(destinationIP[$0]) }
                let portKeys = idx.map { Int(destinationPort[$0]) }
                let (distinctHosts, distinctPorts) = (Self.distinct(hostKeys, &hostCounts), Self.distinct(portKeys, &portCounts))
                for r in scanRules where Int64(idx.count) >= r.threshold {
                    let hosts = firstWindow(
                        idx, keys: hostKeys, distinct: distinctHosts, windowMicros: r.windowMicros,
                        threshold: r.threshold, counts: &hostCounts)
                    let ports = firstWindow(
                        idx, keys: portKeys, distinct: distinctPorts, windowMicros: r.windowMicros,
                        threshold: r.threshold, counts: &portCounts)
                    let hit = [ports.map { ($0, "ports") }, hosts.map { ($0, "hosts") }].compactMap { $0 }
                        .min { idx[$0.0.hi] < idx[$1.0.hi] }
                    guard let (w, what) = hit else { continue }
                    // The whole window from the first event that reached the threshold, for the count in the finding.
                    var end = w.hi
                    while end + 1 < idx.count, store.time[idx[end + 1]] - store.time[idx[w.lo]] <= r.windowMicros {
                        end += 1
                    }
                    let keys = idx[w.lo...end].map {
                        what == "ports" ? UInt64(store.destinationPort[$0]) : UInt64(store.destinationIP[$0])
                    }
                    let distinct = Set(keys).count
                    let from = ip(UInt32(source))
                    let attacker =
                        inside(UInt32(source))
                        ? [] : store.address(UInt32(source)).map { [Implication.attackerAddress($0)] } ?? []
                    var f = finding(
                        r, at: idx[w.lo], indicators: [.ip("\(from)")],
                        why:
                            "\(distinct) distinct destination \(what) from \(from) within \(r.windowText) (threshold \(r.threshold)), \(isoSecond(idx[w.lo])) to \(isoSecond(idx[end]))",
                        evidence: [idx[w.lo], idx[end]])
                    f.role = .attempt
                    f.implies = attacker
                    out.append(f)
                    break
                }
            }
        }
        out += fanOutFindings()
        return out
    }

    /// One internal host reaching internal hosts it never reached before over remote-access ports (flows), or
    /// logging in to hosts from it it never logged in to before (auth logs).
    func fanOutFindings() -> [Finding] {
        guard let r = enabled("net.lateral_fanout") else { return [] }
        let ports = Set(r.list("ports").compactMap { UInt16($0) })
        let learning = r.parameter("learning_seconds").saturatingTimes(1_000_000)
        guard let start = store.time.first else { return [] }
        var seen: Set<UInt64> = []
        // Per source: first contacts after learning, with the destination key.
        var firsts: [UInt32: [(Int, UInt64)]] = [:]
        for i in 0..<store.count {
            switch store.kind[i] {
            case .flow, .sshSession, .rdp, .smb, .authSuccess: break
            default: continue
            }
            guard store.sourceIP[i] != 0, inside(store.sourceIP[i]) else { continue }
            let destination: UInt64
            switch store.kind[i] {
            case .flow, .sshSession, .rdp, .smb:
                guard store.destinationIP[i] != 0, ports.contains(store.destinationPort[i]),
                    inside(store.destinationIP[i])
                else { continue }
                destination = UInt64(store.destinationIP[i])
            case .authSuccess:
                // The host that logged the login, told apart from address ids by the top bit.
                destination = 1 << 63 | UInt64(store.host[i])
            default:
                continue
            }
            let pair = UInt64(store.sourceIP[i]) << 32 ^ destination
            guard seen.insert(pair).inserted, store.time[i] - start >= learning else { continue }
            firsts[store.sourceIP[i], default: []].append((i, destination))
        }
        var out: [Finding] = []
        for (source, list) in firsts.sorted(by: { $0.key < $1.key }) where list.count >= r.threshold {
            let idx = list.map(\.0)
            let keys = Dictionary(list.map { ($0.0, $0.1) }, uniquingKeysWith: { a, _ in a })
            guard
                let w = firstWindow(
                    idx, windowMicros: r.windowMicros, threshold: r.threshold, key: { keys[$0] ?? 0 })
            else { continue }
            let names = idx[w.lo...w.hi].map { i in
                store.kind[i] == .authSuccess
                    ? text(store.host[i]) : (hostNames[store.destinationIP[i]] ?? ip(store.destinationIP[i]))
            }
            var unique: [String] = []
            for n in names where !unique.contains(n) { unique.append(n) }
            let from = hostNames[source] ?? ip(source)
            out.append(
                finding(
                    r, at: idx[w.lo], host: from, indicators: [.ip("\(ip(source))")],
                    why:
                        "\(from) reached \(w.distinct) internal hosts it never reached before (\(unique.joined(separator: ", "))) over remote-access services within \(r.windowText) (threshold \(r.threshold))",
                    evidence: Array(idx[w.lo...w.hi].prefix(8))))
        }
        return out
    }

    // MARK: Log integrity

    /// The stream a file belongs to: its name without rotation suffixes (`auth.log.2.gz` → `auth`,
    /// `conn.14:00:00-15:00:00.log.gz` → `conn`, `secure-20260301` → `secure`; journald's archived and dirty files
    /// `system@SEQNUMID-SEQ-TIME.journal` and `system@TIME-RANDOM.journal~` → `system`, as `system.journal`).
    public static func streamName(_ path: String) -> String {
        var base = path.split(separator: "/").last.map(String.init) ?? path
        if base.hasSuffix(".journal") || base.hasSuffix(".journal~"), let at = base.firstIndex(of: "@") {
            base = String(base[..<at])
        }
        var name = base.split(separator: ".", maxSplits: 1).first.map(String.init) ?? base
        if let dash = name.lastIndex(of: "-"), name[name.index(after: dash)...].allSatisfy(\.isNumber),
            name.index(after: dash) < name.endIndex
        {
            name = String(name[..<dash])
        }
        return name
    }

    /// Gaps in a host's otherwise regular log stream, and streams that stop well before the rest of the
    /// evidence: reported as findings (T1070.002); the run turns them into caveats on the window.
    func integrityFindings() -> [Finding] {
        let gapRule = enabled("integrity.log_gap")
        let endRule = enabled("integrity.log_ends_early")
        guard gapRule != nil || endRule != nil, let evidenceEnd = store.time.last else { return [] }
        struct StreamKey: Hashable, Comparable {
            var host: UInt32
            var name: String
            static func < (a: StreamKey, b: StreamKey) -> Bool { (a.name, a.host) < (b.name, b.host) }
        }
        // Stream names are worked out once per file and numbered; events are grouped by (host, stream number)
        // packed in one integer, so grouping hashes no string per event.
        var nameOfFile: [Int32] = []
        var nameNumber: [String: Int32] = [:]
        var streamNames: [String] = []
        let fileCount = Int(store.fileID.max() ?? 0) + 1
        nameOfFile.reserveCapacity(fileCount)
        for f in 0..<fileCount {
            let name = Self.streamName(EvidenceFile.displayPath(f, in: filePaths))
            if let n = nameNumber[name] {
                nameOfFile.append(n)
            } else {
                nameNumber[name] = Int32(streamNames.count)
                nameOfFile.append(Int32(streamNames.count))
                streamNames.append(name)
            }
        }
        // The events of each stream as one array of positions in rows by stream (counted, then filled): no array
        // per stream, no hashing of strings, and no per-event stream array beside the 4-byte positions (this
        // detector runs beside the others, and its transient memory adds to theirs at the run's peak).
        var numbering = StreamNumbering()
        var rowStart: [Int] = [0]
        for i in 0..<store.count {
            let k = numbering.stream(host: store.host[i], name: nameOfFile[Int(store.fileID[i])])
            if k + 1 == rowStart.count { rowStart.append(0) }
            rowStart[k + 1] += 1
        }
        for k in 1..<rowStart.count { rowStart[k] += rowStart[k - 1] }
        var grouped = [Int32](repeating: 0, count: store.count)
        var fill = rowStart
        for i in 0..<store.count {
            let k = numbering.stream(host: store.host[i], name: nameOfFile[Int(store.fileID[i])])
            grouped[fill[k]] = Int32(truncatingIfNeeded: i)
            fill[k] += 1
        }
        let streamKeys = numbering.keys.map { StreamKey(host: $0.host, name: streamNames[Int($0.name)]) }
        var out: [Finding] = []
        for k in streamKeys.indices.sorted(by: { streamKeys[$0] < streamKeys[$1] }) {
            let key = streamKeys[k]
            let idx = grouped[rowStart[k]..<rowStart[k + 1]].lazy.map { Int($0) }
            let gapCount = idx.count - 1
            guard gapCount > 0 else { continue }
            // The 99th percentile gap (the same value a full sort would give). A large stream's gaps are not kept:
            // radix selection reads them again per digit, where an array of them held 8 bytes an event of the
            // largest stream while the other detectors ran beside this one.
            let rank = min(gapCount - 1, gapCount * 99 / 100)
            let usual: Int64
            if gapCount <= 1 << 16 {
                var gaps = idx.indices.dropFirst().map { store.time[idx[$0]] - store.time[idx[$0 - 1]] }
                usual = Self.select(&gaps, rank: rank)
            } else {
                usual = Self.select(rank: rank) { body in
                    for j in idx.indices.dropFirst() { body(store.time[idx[j]] - store.time[idx[j - 1]]) }
                }
            }
            let host = text(key.host)
            // The stream's daily rhythm: for each hour of the day (UTC), on how many of the days it covers it logs
            // anything. A silence is judged against it: hours in which the stream is usually quiet (nights) are no
            // gap; only the hours in which it logs on at least half of its days count.
            var activeDays = [Int](repeating: 0, count: 24)
            var lastDay = [Int64](repeating: Int64.min, count: 24)
            for i in idx {
                let hourNumber = store.time[i] / 3_600_000_000
                let h = Int((hourNumber % 24 + 24) % 24)
                let day = hourNumber / 24
                if lastDay[h] != day {
                    lastDay[h] = day
                    activeDays[h] += 1
                }
            }
            // How many times each hour of the day occurs, whole, within the stream's span.
            var possible = [Int](repeating: 0, count: 24)
            let firstHour = store.time[idx[idx.startIndex]] / 3_600_000_000
            let lastHour = store.time[idx[idx.endIndex - 1]] / 3_600_000_000
            var hourCursor = firstHour
            while hourCursor <= lastHour && hourCursor - firstHour < 24 * 400 {
                possible[Int((hourCursor % 24 + 24) % 24)] += 1
                hourCursor += 1
            }
            /// Whole hours between `a` and `b` in which the stream usually logs: on at least half of the other days
            /// it covers that hour (an hour no other day covers counts, for want of a rhythm).
            func expected(_ a: Int64, _ b: Int64) -> Double {
                var hour = a / 3_600_000_000 + 1
                let end = b / 3_600_000_000
                var n = 0
                var usual = 0
                while hour < end && n < 24 * 31 {
                    let h = Int((hour % 24 + 24) % 24)
                    let others = possible[h] - 1
                    if others <= 0 || activeDays[h] * 2 >= others { usual += 1 }
                    hour += 1
                    n += 1
                }
                return Double(usual)
            }
            let quietEnough = Double(gapRule?.parameter("usual_hours_in_gap") ?? 3)
            if let r = gapRule, idx.count >= r.parameter("min_events") {
                let least = max(
                    r.threshold.saturatingTimes(1_000_000), usual.saturatingTimes(r.parameter("regularity_factor")))
                for j in idx.indices.dropFirst() where store.time[idx[j]] - store.time[idx[j - 1]] >= least {
                    let usualEvents = expected(store.time[idx[j - 1]], store.time[idx[j]])
                    if usualEvents < quietEnough { continue }  // the host is usually quiet then
                    let gap = (store.time[idx[j]] - store.time[idx[j - 1]]) / 1_000_000
                    out.append(
                        finding(
                            r, at: idx[j - 1], host: host, indicators: [.host("\(host)")],
                            why:
                                "\(host)'s \(key.name) log is silent for \(RuleSet.durationText(gap)) from \(isoSecond(idx[j - 1])) to \(isoSecond(idx[j])); its usual gap is at most \(RuleSet.durationText(usual / 1_000_000)) (99th percentile of \(idx.count) events; threshold \(RuleSet.durationText(r.threshold)) and \(r.parameter("regularity_factor"))× usual), and \(Int(usualEvents)) of its hours are ones in which it logs on most days: lines may have been deleted",
                            evidence: [idx[j - 1], idx[j]], role: .context))
                }
            }
            if let r = endRule, idx.count >= r.parameter("min_events"), let last = idx.last {
                let least = max(
                    r.threshold.saturatingTimes(1_000_000), usual.saturatingTimes(r.parameter("regularity_factor")))
                let silent = evidenceEnd - store.time[last]
                if silent >= least && expected(store.time[last], evidenceEnd) >= quietEnough {
                    out.append(
                        finding(
                            r, at: last, host: host, indicators: [.host("\(host)")],
                            why:
                                "\(host)'s \(key.name) log ends at \(isoSecond(last)), \(RuleSet.durationText(silent / 1_000_000)) before the rest of the evidence ends (\(store.timestamp(store.count - 1).iso8601(fractionDigits: 0))); its usual gap is at most \(RuleSet.durationText(usual / 1_000_000)): the log may have been cut or cleared",
                            evidence: [last], role: .context))
                }
            }
        }
        return out
    }
}

/// Numbers (host, stream name) pairs in order of first appearance, the same numbers on every walk of the store.
/// Consecutive events are often of one stream: the last pair is remembered, so most events hash nothing.
private struct StreamNumbering {
    private var slotOf = IntegerTable<Int32>(capacity: 256)
    private(set) var keys: [(host: UInt32, name: Int32)] = []
    private var last: (packed: UInt64, stream: Int) = (.max, 0)

    mutating func stream(host: UInt32, name: Int32) -> Int {
        let packed = UInt64(host) << 32 | UInt64(UInt32(bitPattern: name))
        guard packed != last.packed else { return last.stream }
        let k = slotOf.index(of: packed, inserting: Int32(keys.count))
        if k == keys.count { keys.append((host, name)) }
        last = (packed, k)
        return k
    }
}

/// The detectors as read-only input to the family threads.
private struct UncheckedDetectors: @unchecked Sendable {
    let value: Detectors
    init(_ value: Detectors) { self.value = value }
}

/// How often each key of `0..<limit` occurs in a sliding window, and how many keys occur: dense counts.
struct WindowCounts {
    private var counts: [Int32]
    private(set) var distinct = 0
    init(limit: Int) { counts = [Int32](repeating: 0, count: max(limit, 1)) }
    var limit: Int { counts.count }
    mutating func add(_ k: Int) {
        if counts[k] == 0 { distinct += 1 }
        counts[k] += 1
    }
    mutating func remove(_ k: Int) {
        counts[k] -= 1
        if counts[k] == 0 { distinct -= 1 }
    }
}

/// A set of event positions as a bitmap (one bit per event of the store).
struct EventBitmap {
    private var words: [UInt64] = []
    mutating func insert(_ i: Int) {
        let w = i >> 6
        if w >= words.count { words += [UInt64](repeating: 0, count: w - words.count + 1) }
        words[w] |= 1 << UInt64(i & 63)
    }
    func contains(_ i: Int) -> Bool {
        let w = i >> 6
        return w < words.count && words[w] & (1 << UInt64(i & 63)) != 0
    }
}

extension Detectors {
    /// The value of rank `k` (0-based) among the non-negative values that `values` hands its body (negative ones
    /// count as 0), as if they were sorted ascending (`k` below their count). Two passes: the first counts the
    /// values per bucket of `selectBucket` (exact below 4096, else the highest bit and the 11 after it: at most
    /// 1/2048 of a value wide), the second keeps the values of the bucket that holds rank `k` and selects among
    /// them. A bucket of more than 65,536 values (a stream logging at one steady pace) is not kept: `radixSelect`
    /// reads the values again per 16-bit digit instead.
    static func select(rank k: Int, _ values: ((Int64) -> Void) -> Void) -> Int64 {
        var counts = [Int](repeating: 0, count: selectBuckets)
        counts.withUnsafeMutableBufferPointer { c in values { c[selectBucket(UInt64(max($0, 0)))] += 1 } }
        var rank = k
        var b = 0
        while b < counts.count - 1 && rank >= counts[b] {
            rank -= counts[b]
            b += 1
        }
        if b < 4096 { return Int64(b) }  // one value per bucket
        guard counts[b] <= 1 << 16 else { return radixSelect(rank: k, values) }
        var kept: [Int64] = []
        kept.reserveCapacity(counts[b])
        values { v in
            let u = UInt64(max(v, 0))
            if selectBucket(u) == b { kept.append(Int64(bitPattern: u)) }
        }
        return select(&kept, rank: rank)
    }

    /// Buckets of `selectBucket`: 4096 exact ones, then 2048 for each highest bit from 12 to 62.
    static let selectBuckets = 2048 * 53

    /// A bucket number that never decreases as the value grows: the value itself below 2048, else 2048 per highest
    /// set bit (from 11) plus the 11 bits below it.
    @inline(__always) static func selectBucket(_ u: UInt64) -> Int {
        if u < 2048 { return Int(u) }
        let high = 63 - u.leadingZeroBitCount
        return 2048 + ((high - 11) << 11) + Int(truncatingIfNeeded: (u >> UInt64(high - 11)) & 0x7FF)
    }

    /// `select(rank:_:)` by radix selection on 16-bit digits from the highest one any value uses: one pass for the
    /// digits' bounds, then one pass per digit, keeping no value.
    static func radixSelect(rank k: Int, _ values: ((Int64) -> Void) -> Void) -> Int64 {
        var any: UInt64 = 0
        values { any |= UInt64(max($0, 0)) }
        var prefix: UInt64 = 0
        var mask: UInt64 = 0
        var rank = k
        var shift = any == 0 ? 0 : (63 - any.leadingZeroBitCount) / 16 * 16
        var counts = [Int](repeating: 0, count: 1 << 16)
        while true {
            counts.withUnsafeMutableBufferPointer { c in
                for d in c.indices { c[d] = 0 }
                values { v in
                    let u = UInt64(max(v, 0))
                    if u & mask == prefix { c[Int(truncatingIfNeeded: (u >> UInt64(shift)) & 0xFFFF)] += 1 }
                }
            }
            var digit = 0
            while digit < 0xFFFF && rank >= counts[digit] {
                rank -= counts[digit]
                digit += 1
            }
            prefix |= UInt64(digit) << UInt64(shift)
            mask |= 0xFFFF << UInt64(shift)
            if shift == 0 { return Int64(bitPattern: prefix) }
            shift -= 16
        }
    }

    /// The value of rank `k` (0-based) of `values` as if sorted ascending; reorders `values`. Quickselect with a
    /// median-of-three pivot: linear on average.
    static func select(_ values: inout [Int64], rank k: Int) -> Int64 {
        var lo = 0
        var hi = values.count - 1
        while lo < hi {
            let mid = lo + (hi - lo) / 2
            // Median of three as pivot.
            if values[mid] < values[lo] { values.swapAt(mid, lo) }
            if values[hi] < values[lo] { values.swapAt(hi, lo) }
            if values[hi] < values[mid] { values.swapAt(hi, mid) }
            let pivot = values[mid]
            var i = lo
            var j = hi
            while i <= j {
                while values[i] < pivot { i += 1 }
                while values[j] > pivot { j -= 1 }
                if i <= j {
                    values.swapAt(i, j)
                    i += 1
                    j -= 1
                }
            }
            if k <= j {
                hi = j
            } else if k >= i {
                lo = i
            } else {
                return values[k]
            }
        }
        return values[k]
    }
}
