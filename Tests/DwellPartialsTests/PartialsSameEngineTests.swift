import DwellAnalysis
import DwellCore
import DwellIngest
import DwellPipeline
import Foundation
import Testing

/// #24: one detection engine. The same evidence, investigated from the store and from its partials, gives the same
/// findings of the rules partial mode supports (rule, title, source, explanation up to partial mode's note) and the
/// same lateral paths. The failures come one a minute, so counting per minute (partial mode's way) loses nothing.
@Suite struct PartialsSameEngineTests {
    static let options = IngestOptions(jobs: 2)

    /// An image of three hosts: web01 guessed at from 203.0.113.9 (one failure a minute) until alice's login is
    /// accepted; from web01's address two accounts log in to app01 (two edges to one target); ts01's Windows log
    /// holds 25 failed network logons (4625) from 198.51.100.7, one a minute.
    static func writeEvidence() throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("dwell-same-engine-\(UUID().uuidString)")
        func write(_ path: String, _ lines: [String]) throws {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: url)
        }
        func syslog(_ second: Int, _ host: String, _ message: String) -> String {
            let t = Timestamp(seconds: 1_773_050_400 + Int64(second)).iso8601(fractionDigits: 6)
            return "\(t.dropLast())+00:00 \(host) sshd[\(1000 + second)]: \(message)"
        }
        var web01 = [syslog(0, "web01", "Connection from 10.0.9.9 port 40000 on 10.0.1.10 port 22 rdomain \"\"")]
        for k in 0..<25 {
            web01.append(syslog(10 + 60 * k, "web01", "Failed password for root from 203.0.113.9 port \(41000 + k) ssh2"))
        }
        web01.append(syslog(1_500, "web01", "Accepted password for alice from 203.0.113.9 port 42000 ssh2"))
        try write("web01/var/log/auth.log", web01)
        try write(
            "app01/var/log/auth.log",
            [
                syslog(2_000, "app01", "Accepted password for deploy from 10.0.1.10 port 43000 ssh2"),
                syslog(2_600, "app01", "Accepted password for backup from 10.0.1.10 port 43001 ssh2"),
            ])
        let windows = (0..<25).map { k in
            let t = Timestamp(seconds: 1_773_057_600 + Int64(k) * 60).iso8601(fractionDigits: 3)
            return
                #"{"@timestamp":"\#(t)","EventID":4625,"Hostname":"ts01","Channel":"Security","SubjectUserSid":"S-1-0-0","SubjectLogonId":"0x0","TargetUserName":"administrator","TargetDomainName":"","Status":"0xc000006d","SubStatus":"0xc000006a","LogonType":"3","LogonProcessName":"NtLmSsp ","AuthenticationPackageName":"NTLM","WorkstationName":"WIN-1","KeyLength":"0","IpAddress":"198.51.100.7","IpPort":"\#(50000 + k)"}"#
        }
        try write("ts01/export/events.jsonl", windows)
        return root
    }

    /// A finding as both engines must agree on it: partial mode's note on counting per minute left out, and the
    /// host (a summary's failure record keeps no host; partial mode names it from an image's `HOST/var/log` path).
    static func key(_ f: Finding) -> String {
        let why = f.why.replacingOccurrences(of: " (partial mode: counted per minute)", with: "")
        return "\(f.rule) | \(f.title) | \(f.indicators.first?.description ?? "") | \(why)"
    }

    static func hops(_ inv: Investigation) -> [String] {
        inv.paths.map { $0.map { "\($0.from)>\($0.to) \($0.account)" }.joined(separator: " | ") }
    }

    /// Both engines over the evidence under `root`: the store's investigation and partial mode's, and the findings
    /// of the rules partial mode supports as `key` writes them, sorted.
    static func bothEngines(_ root: URL, files expected: Int, seeds: [Seed], rules: RuleSet = .standard) throws -> (
        single: Investigation, partial: Investigation, fromStore: [String], fromPartials: [String]
    ) {
        let files = Discovery().discover([root.path]).files
        try #require(files.count == expected)
        let single = InvestigationRun.run(files: files, discoveryIssues: [], options: options, seeds: seeds, rules: rules)
        let partials = PartialsRun.summarize(files: files, options: options, rules: rules)
        // Through the partials' written form, as `dwell merge` and `investigate --partials` read them.
        let read = try Partials.read(partials.jsonLines(), source: "summary")
        #expect(read == partials)
        let partial = PartialsInvestigation.run(read, seeds: seeds, rules: rules).investigation
        let supported = PartialsInvestigation.supportedRules
        let fromStore = single.analysis.findings.filter { supported.contains($0.rule.name) }.map(key).sorted()
        return (single.investigation, partial, fromStore, partial.findings.map(key).sorted())
    }

    @Test("#24: the same evidence gives the same findings and paths from the store and from partials")
    func sameEvidenceSameFindingsAndPaths() throws {
        let root = try Self.writeEvidence()
        defer { try? FileManager.default.removeItem(at: root) }
        let (single, partial, fromStore, fromPartials) = try Self.bothEngines(
            root, files: 3, seeds: [Seed(type: .ip, value: "203.0.113.9", reason: "given")])
        #expect(fromStore.contains { $0.hasPrefix("auth.bruteforce | Windows logon brute force | ip:198.51.100.7") })
        #expect(fromStore.contains { $0.hasPrefix("auth.bruteforce | SSH brute force | ip:203.0.113.9") })
        #expect(fromPartials == fromStore)

        // Two accounts from web01 to app01: one hop per target, the first in time, on both paths.
        #expect(single.edges.filter { $0.from == "web01" && $0.to == "app01" }.count == 2)
        #expect(Self.hops(single) == ["web01>app01 deploy"])
        #expect(Self.hops(partial) == Self.hops(single))
    }

    /// web02's log: 198.51.100.20 fails six times for root within eight seconds of one minute (the brute-force
    /// rule's burst, not its hourly threshold); 192.0.2.44 fails 22 times, one every 50 minutes, and bob's login
    /// from it is accepted two hours after the last (the long window of success after failures, not the hourly one).
    static func writeSlowAndFastGuessers() throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("dwell-same-windows-\(UUID().uuidString)")
        let url = root.appendingPathComponent("web02/var/log/auth.log")
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        var lines: [(Int64, String)] = []
        let start: Int64 = 1_773_050_400
        for k in 0..<6 {
            lines.append((start + 5 + Int64(k) + Int64(k / 2), "Failed password for root from 198.51.100.20 port \(50000 + k) ssh2"))
        }
        for k in 0..<22 {
            lines.append((start + 3_600 + Int64(k) * 3_000, "Failed password for bob from 192.0.2.44 port \(51000 + k) ssh2"))
        }
        lines.append((start + 3_600 + 21 * 3_000 + 7_200, "Accepted password for bob from 192.0.2.44 port 52000 ssh2"))
        let text = lines.sorted { $0.0 < $1.0 }.enumerated().map { k, l in
            let t = Timestamp(seconds: l.0).iso8601(fractionDigits: 6)
            return "\(t.dropLast())+00:00 web02 sshd[\(2000 + k)]: \(l.1)"
        }
        try Data((text.joined(separator: "\n") + "\n").utf8).write(to: url)
        return root
    }

    @Test("#24: partial mode reads the detectors' windows: the brute-force burst and the long window before a login")
    func burstAndLongWindowFireInBothEngines() throws {
        let root = try Self.writeSlowAndFastGuessers()
        defer { try? FileManager.default.removeItem(at: root) }
        let (_, _, fromStore, fromPartials) = try Self.bothEngines(root, files: 1, seeds: [])
        #expect(
            fromStore.contains {
                $0.hasPrefix("auth.bruteforce | SSH brute force | ip:198.51.100.20 | 6 failed logins from 198.51.100.20 within 10 s (burst_failures 6)")
            })
        #expect(
            fromStore.contains {
                $0.hasPrefix("auth.success_after_failures | ") && $0.contains("after 22 failures from it in the 24 h before (threshold 20)")
            })
        #expect(fromStore.count == 2)
        #expect(fromPartials == fromStore)
    }

    /// Two web servers' access logs. /uploads/avatar.php is a busy script path: web02 serves it to four clients
    /// (plain GETs), web01 answers 203.0.113.66's `cmd=id` on it. /x/s.php is requested by 203.0.113.9 alone,
    /// with `cmd=whoami`. 198.51.100.30 sends twelve requests with an Nmap user agent.
    static func writeWebServers() throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("dwell-same-web-\(UUID().uuidString)")
        func write(_ path: String, _ lines: [String]) throws {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: url)
        }
        func request(_ minute: Int, _ source: String, _ target: String, _ status: Int, _ agent: String) -> String {
            "\(source) - - [09/Mar/2026:10:\(String(minute / 10))\(String(minute % 10)):00 +0000] \"GET \(target) HTTP/1.1\" \(status) 512 \"-\" \"\(agent)\""
        }
        var web01 = [
            request(1, "203.0.113.66", "/uploads/avatar.php?cmd=id", 200, "curl/8.4.0"),
            request(2, "203.0.113.9", "/x/s.php?cmd=whoami", 200, "curl/8.4.0"),
        ]
        for k in 0..<12 {
            web01.append(request(10 + k, "198.51.100.30", "/nmaplowercheck\(k)", 404, "Mozilla/5.0 (compatible; Nmap Scripting Engine)"))
        }
        try write("web01/var/log/nginx/access.log", web01)
        try write(
            "web02/var/log/nginx/access.log",
            (1...4).map { request(20 + $0, "192.0.2.\($0)", "/uploads/avatar.php", 200, "Mozilla/5.0") })
        return root
    }

    @Test("#24: partial mode counts a script path's sources on every host, as the detectors do (path_sources)")
    func webShellCountsAPathsSourcesOnEveryHost() throws {
        let root = try Self.writeWebServers()
        defer { try? FileManager.default.removeItem(at: root) }
        let (_, _, fromStore, fromPartials) = try Self.bothEngines(root, files: 2, seeds: [])
        let shells = fromStore.filter { $0.hasPrefix("web.webshell | ") }
        // avatar.php has five sources in all (more than max_sources 3): no shell; s.php has one.
        #expect(shells.count == 1)
        #expect(shells.first?.contains("/x/s.php (requested by at most 3 sources) answered 200 to cmd=whoami") == true)
        #expect(fromStore.contains { $0.hasPrefix("web.scanner_agent | Scanner user agent | ip:198.51.100.30 | user agent names the attack tool 'nmap'") })
        #expect(fromPartials == fromStore)
    }

    @Test("#24: a rules file's lists are read alike by both engines: upper-case agents and script suffixes")
    func bothEnginesReadARulesFilesListsAlike() throws {
        let root = try Self.writeWebServers()
        defer { try? FileManager.default.removeItem(at: root) }
        var rules = RuleSet.standard
        for (r, rule) in rules.rules.enumerated() {
            for (l, list) in rule.lists.enumerated() where list.name == "agents" || list.name == "script_suffixes" {
                rules.rules[r].lists[l].values = list.values.map { $0.uppercased() }
            }
        }
        let (_, _, fromStore, fromPartials) = try Self.bothEngines(root, files: 2, seeds: [], rules: rules)
        #expect(fromStore.contains { $0.hasPrefix("web.scanner_agent | Scanner user agent | ip:198.51.100.30 | user agent names the attack tool 'NMAP'") })
        #expect(fromStore.contains { $0.hasPrefix("web.webshell | ") && $0.contains("/x/s.php") })
        #expect(fromPartials == fromStore)
    }
}
