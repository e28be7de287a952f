import DwellCore
import DwellIndex

/// Runs every detector over the store. Each finding says why it fired and carries its evidence lines.
public struct Detectors {
    let store: EventStore
    let filePaths: [String]

    public init(store: EventStore, filePaths: [String]) {
        self.store = store
        self.filePaths = filePaths
    }

    func ref(_ i: Int) -> EvidenceRef {
        let f = Int(store.fileID[i])
        return EvidenceRef(
            fileID: store.fileID[i], file: f < filePaths.count ? filePaths[f] : "file#\(f)", line: UInt64(store.line[i]),
            offset: store.offset[i], raw: [], time: store.timestamp(i))
    }

    func ip(_ id: UInt32) -> String { store.address(id)?.description ?? "" }
    func text(_ id: UInt32) -> String { store.string(id) }

    func finding(_ ruleID: String, severity: Severity? = nil, at i: Int, indicators: [String], why: String, evidence: [Int], seeds: Bool = false)
        -> Finding
    {
        let rule = Rules.rule(ruleID)
        return Finding(
            rule: rule.id, title: rule.title, technique: rule.technique, severity: severity ?? rule.severity,
            time: store.timestamp(i), host: text(store.host[i]), indicators: indicators, why: why,
            evidence: evidence.map(ref), seeds: seeds)
    }

    public func run() -> [Finding] {
        var out: [Finding] = []
        out += authFindings()
        out += privilegeAndAccountFindings()
        out += webFindings()
        out += networkFindings()
        out.sort { ($0.time, $0.rule, $0.host) < ($1.time, $1.rule, $1.host) }
        return out
    }

    // MARK: Auth

    func isFailure(_ i: Int) -> Bool {
        let k = store.kind[i]
        return k == .authFailure || k == .invalidUser
    }

    func authFindings() -> [Finding] {
        var out: [Finding] = []
        let brute = Rules.rule("auth.bruteforce")
        let spray = Rules.rule("auth.spraying")
        let after = Rules.rule("auth.success_after_failures")
        // Per source: failure times, and the accounts tried.
        var failures: [UInt32: [Int]] = [:]
        for i in 0..<store.count where isFailure(i) && store.sourceIP[i] != 0 {
            failures[store.sourceIP[i], default: []].append(i)
        }
        for (source, idx) in failures.sorted(by: { $0.key < $1.key }) {
            // Sliding window over failures: report the first window that crosses each threshold.
            var lo = 0
            var reportedBrute = false
            var reportedSpray = false
            for hi in 0..<idx.count {
                while store.time[idx[hi]] - store.time[idx[lo]] > brute.windowSeconds * 1_000_000 { lo += 1 }
                let n = hi - lo + 1
                if !reportedBrute && n >= brute.threshold {
                    reportedBrute = true
                    let total = idx.count
                    out.append(
                        finding(
                            "auth.bruteforce", at: idx[lo], indicators: ["ip:\(ip(source))"],
                            why: "\(n) failed logins from \(ip(source)) within \(brute.windowSeconds / 60) min (threshold \(brute.threshold)); \(total) in all",
                            evidence: [idx[lo], idx[hi]]))
                }
                if !reportedSpray {
                    let users = Set(idx[lo...hi].map { store.user[$0] }).subtracting([0])
                    if users.count >= spray.threshold {
                        reportedSpray = true
                        out.append(
                            finding(
                                "auth.spraying", at: idx[lo], indicators: ["ip:\(ip(source))"],
                                why: "\(users.count) distinct accounts failed from \(ip(source)) within \(spray.windowSeconds / 60) min (threshold \(spray.threshold))",
                                evidence: [idx[lo], idx[hi]]))
                    }
                }
            }
        }
        // Success after failures from the same source.
        for i in 0..<store.count where store.kind[i] == .authSuccess && store.sourceIP[i] != 0 {
            guard let idx = failures[store.sourceIP[i]] else { continue }
            let t = store.time[i]
            let window = after.windowSeconds * 1_000_000
            let before = idx.filter { store.time[$0] <= t && t - store.time[$0] <= window }
            if before.count >= after.threshold {
                let source = ip(store.sourceIP[i])
                out.append(
                    finding(
                        "auth.success_after_failures", at: i,
                        indicators: ["ip:\(source)", "user:\(text(store.user[i]))", "host:\(text(store.host[i]))"],
                        why: "\(before.count) failures from \(source) in the \(after.windowSeconds / 60) min before this success (threshold \(after.threshold))",
                        evidence: [before[0], i], seeds: true))
            }
        }
        // Logins to system accounts; a recurring (account, source, host) login is a job, reported once and low.
        var systemLogins: [String: Int] = [:]
        for i in 0..<store.count where store.kind[i] == .authSuccess {
            let u = text(store.user[i])
            if Rules.systemAccounts.contains(u) {
                let key = "\(u)|\(store.sourceIP[i])|\(store.host[i])"
                systemLogins[key, default: 0] += 1
                if systemLogins[key, default: 0] > 1 { continue }
                let recurring = (store.key(.user, u).map { store.positions($0) } ?? []).filter {
                    store.kind[Int($0)] == .authSuccess && store.sourceIP[Int($0)] == store.sourceIP[i] && store.host[Int($0)] == store.host[i]
                }.count
                if recurring >= 3 {
                    out.append(
                        finding(
                            "auth.system_account_login", severity: .low, at: i, indicators: ["user:\(u)", "host:\(text(store.host[i]))"],
                            why: "\(u) is a system account; it logs in from \(ip(store.sourceIP[i])) recurrently (\(recurring) times), like a scheduled job",
                            evidence: [i]))
                    continue
                }
                out.append(
                    finding(
                        "auth.system_account_login", at: i, indicators: ["user:\(u)", "host:\(text(store.host[i]))"],
                        why: "\(u) is a system account and logged in\(store.sourceIP[i] != 0 ? " from \(ip(store.sourceIP[i]))" : "")",
                        evidence: [i]))
            }
        }
        return out
    }

    func privilegeAndAccountFindings() -> [Finding] {
        var out: [Finding] = []
        for i in 0..<store.count {
            switch store.kind[i] {
            case .privilege where store.outcome[i] == .failure:
                out.append(
                    finding(
                        "priv.sudo_failure", at: i, indicators: ["user:\(text(store.user[i]))", "host:\(text(store.host[i]))"],
                        why: "\(text(store.program[i])) refused for \(text(store.user[i]))\(store.detail[i] != 0 ? " (\(text(store.detail[i])))" : "")",
                        evidence: [i]))
            case .accountCreate:
                let name = text(store.targetUser[i] != 0 ? store.targetUser[i] : store.user[i])
                out.append(
                    finding(
                        "persist.account_created", at: i, indicators: ["user:\(name)", "host:\(text(store.host[i]))"],
                        why: "account or group \(name) created on \(text(store.host[i]))", evidence: [i]))
            case .accountModify:
                let group = text(store.detail[i])
                // usermod logs the group and the shadow group: one finding per account, group and host.
                if Rules.privilegedGroups.contains(group),
                    !out.contains(where: { $0.rule == "persist.privileged_group" && $0.host == text(store.host[i]) && $0.time.seconds == store.timestamp(i).seconds && $0.why.contains(" \(group) ") })
                {
                    let name = text(store.targetUser[i] != 0 ? store.targetUser[i] : store.user[i])
                    out.append(
                        finding(
                            "persist.privileged_group", at: i, indicators: ["user:\(name)", "host:\(text(store.host[i]))"],
                            why: "\(name) added to group \(group) on \(text(store.host[i]))", evidence: [i]))
                }
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

    /// Distinct sources that requested a path (web shells are used by one or two).
    func sourcesOf(path: UInt32) -> Int {
        var seen = Set<UInt32>()
        for p in store.positions(IndicatorKey(.path, path)) {
            seen.insert(store.sourceIP[Int(p)])
            if seen.count > 3 { break }
        }
        return seen.count
    }

    /// A query parameter whose decoded value starts with a shell command (`cmd=id`, `c=cat+/etc/passwd`).
    static func shellCommandParameter(query: String) -> (String, String)? {
        for pair in query.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1)
            guard kv.count == 2 else { continue }
            let name = kv[0].lowercased()
            guard Rules.webshellParameters.contains(name + "=") else { continue }
            let value = decodedRequest(path: String(kv[1]), query: "")
            let first = value.split(whereSeparator: { $0 == " " || $0 == ";" || $0 == "|" }).first.map(String.init) ?? ""
            let command = first.split(separator: "/").last.map(String.init) ?? first
            if Rules.shellCommands.contains(command) { return (name, value) }
        }
        return nil
    }

    static let scriptSuffixes = [".php", ".jsp", ".jspx", ".asp", ".aspx", ".cgi", ".pl", ".py", ".sh", ".cfm"]

    func webFindings() -> [Finding] {
        var out: [Finding] = []
        var notFound: [UInt32: [Int]] = [:]
        var scannerSeen: Set<UInt32> = []
        var exploitSeen: Set<String> = []
        // Classify each distinct user agent and each distinct (path, query) once: the strings are interned, so a
        // request seen a million times costs one decoding, not a million.
        var toolOfAgent: [UInt32: String?] = [:]
        var requestClass: [UInt64: RequestClass] = [:]
        for i in 0..<store.count where store.kind[i] == .webRequest || store.kind[i] == .http {
            let source = store.sourceIP[i]
            let status = Int(store.httpStatus[i])
            if !scannerSeen.contains(source) {
                let agent = store.userAgent[i]
                let tool: String?
                if let known = toolOfAgent[agent] {
                    tool = known
                } else {
                    let uaLower = text(agent).lowercased()
                    tool = Rules.scannerAgents.first(where: { uaLower.contains($0) })
                    toolOfAgent[agent] = tool
                }
                if let tool {
                    scannerSeen.insert(source)
                    out.append(
                        finding(
                            "web.scanner_agent", at: i, indicators: ["ip:\(ip(source))", "ua:\(text(agent))"],
                            why: "user agent names the attack tool '\(tool)'", evidence: [i]))
                }
            }
            if status == 404 { notFound[source, default: []].append(i) }
            let key = UInt64(store.path[i]) << 32 | UInt64(store.query[i])
            let request: RequestClass
            if let known = requestClass[key] {
                request = known
            } else {
                request = RequestClass(path: text(store.path[i]), query: text(store.query[i]))
                requestClass[key] = request
            }
            let success = status >= 200 && status < 300
            if success, request.isScript, let (param, value) = request.shellParameter, sourcesOf(path: store.path[i]) <= 3 {
                let path = request.path
                out.append(
                    finding(
                        "web.webshell", at: i, indicators: ["ip:\(ip(source))", "url:\(path)"],
                        why: "\(path) (requested by few sources) answered \(status) to \(param)=\(value.prefix(80)) from \(ip(source))",
                        evidence: [i], seeds: true))
                continue
            }
            if let pattern = request.exploit {
                let key = "\(source)|\(pattern.name)|\(success)"
                guard !exploitSeen.contains(key) else { continue }
                exploitSeen.insert(key)
                let body = store.bytesOut[i]
                out.append(
                    finding(
                        success ? "web.exploit_success" : "web.exploit_attempt", at: i,
                        indicators: ["ip:\(ip(source))", "url:\(request.path)"],
                        why: "\(pattern.name) pattern '\(pattern.needle)' in the decoded request, answered \(status)\(body >= 0 ? " with \(body) bytes" : "") (first of this kind from this source)",
                        evidence: [i], seeds: success && body > 0))
            }
        }
        let burst = Rules.rule("web.404_burst")
        for (source, idx) in notFound.sorted(by: { $0.key < $1.key }) where idx.count >= burst.threshold {
            // Sliding window with a count per path: linear in the source's 404s.
            var lo = 0
            var inWindow: [UInt32: Int] = [:]
            for hi in 0..<idx.count {
                inWindow[store.path[idx[hi]], default: 0] += 1
                while store.time[idx[hi]] - store.time[idx[lo]] > burst.windowSeconds * 1_000_000 {
                    let p = store.path[idx[lo]]
                    if inWindow[p] == 1 { inWindow[p] = nil } else { inWindow[p]! -= 1 }
                    lo += 1
                }
                let paths = inWindow
                if paths.count >= burst.threshold {
                    out.append(
                        finding(
                            "web.404_burst", at: idx[lo], indicators: ["ip:\(ip(source))"],
                            why: "\(paths.count) distinct paths answered 404 to \(ip(source)) within \(burst.windowSeconds / 60) min (threshold \(burst.threshold))",
                            evidence: [idx[lo], idx[hi]]))
                    break
                }
            }
        }
        return out
    }

    // MARK: Network

    func networkFindings() -> [Finding] {
        var out: [Finding] = []
        let large = Rules.rule("net.large_outbound")
        let scan = Rules.rule("net.port_scan")
        var perSource: [UInt32: [Int]] = [:]
        for i in 0..<store.count {
            let k = store.kind[i]
            if k == .flow || k == .firewall {
                if store.sourceIP[i] != 0 { perSource[store.sourceIP[i], default: []].append(i) }
                if let s = store.address(store.sourceIP[i]), let d = store.address(store.destinationIP[i]),
                    s.isInternal, !d.isInternal, store.bytesOut[i] >= Int64(large.threshold)
                {
                    out.append(
                        finding(
                            "net.large_outbound", at: i, indicators: ["ip:\(s)", "ip:\(d)"],
                            why: "\(store.bytesOut[i]) bytes sent from \(s) to external \(d) in one connection (threshold \(large.threshold))",
                            evidence: [i]))
                }
            }
            if k == .alert && store.signature[i] != 0 {
                let sev: Severity = store.severity[i] == 1 ? .high : store.severity[i] == 2 ? .medium : .low
                out.append(
                    finding(
                        "ids.alert", severity: sev, at: i,
                        indicators: ["ip:\(ip(store.sourceIP[i]))", "ip:\(ip(store.destinationIP[i]))"],
                        why: "IDS signature '\(text(store.signature[i]))' (severity \(store.severity[i]))", evidence: [i],
                        seeds: sev == .high))
            }
        }
        for (source, idx) in perSource.sorted(by: { $0.key < $1.key }) where idx.count >= scan.threshold {
            var lo = 0
            for hi in 0..<idx.count {
                while store.time[idx[hi]] - store.time[idx[lo]] > scan.windowSeconds * 1_000_000 { lo += 1 }
                guard hi - lo + 1 >= scan.threshold else { continue }
                let ports = Set(idx[lo...hi].map { store.destinationPort[$0] })
                let hosts = Set(idx[lo...hi].map { store.destinationIP[$0] })
                if ports.count >= scan.threshold || hosts.count >= scan.threshold {
                    out.append(
                        finding(
                            "net.port_scan", at: idx[lo], indicators: ["ip:\(ip(source))"],
                            why: "\(ports.count) ports on \(hosts.count) hosts from \(ip(source)) within \(scan.windowSeconds / 60) min (threshold \(scan.threshold))",
                            evidence: [idx[lo], idx[hi]]))
                    break
                }
            }
        }
        return out
    }
}

/// What a request's path and query say, computed once per distinct pair.
struct RequestClass {
    let path: String
    let isScript: Bool
    let shellParameter: (String, String)?
    let exploit: (name: String, needle: String)?

    init(path: String, query: String) {
        self.path = path
        let lowerPath = path.lowercased()
        isScript = Detectors.scriptSuffixes.contains(where: { lowerPath.hasSuffix($0) })
        shellParameter = isScript ? Detectors.shellCommandParameter(query: query) : nil
        let decoded = Detectors.decodedRequest(path: path, query: query)
        exploit = Rules.exploitPatterns.first(where: { decoded.contains($0.needle) })
    }
}
