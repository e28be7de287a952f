import DwellScenario
import Foundation
import Testing

/// A small fleet scenario for the tests: two days, a twentieth of the default background (the hostile
/// background keeps its floor).
func fleetOptions(
    seed: UInt64, story: FleetStoryKind, layout: FleetLayout, out: String?, name: String = "fleet"
) -> FleetOptions {
    FleetOptions(
        seed: seed, outputDirectory: out, name: name, story: story, layout: layout, days: 2, backgroundScale: 0.02)
}

/// Every line of every log of a generated scenario, by relative path.
func fleetLogs(_ root: String) throws -> [String: [String]] {
    var out: [String: [String]] = [:]
    for file in Scratch.files(under: root) { out[file] = try Scratch.lines(root + "/" + file) }
    return out
}

/// `2026-03-10T12:53:33Z` → the RFC 3339 stamp's prefix to the second, `2026-03-10T12:53:33`.
func secondPrefix(_ iso: String) -> String { String(iso.dropLast()) }

struct FleetCase: CustomTestStringConvertible, Sendable {
    var story: FleetStoryKind
    var layout: FleetLayout
    var testDescription: String { "\(story.rawValue) \(layout.rawValue)" }
    static let all: [FleetCase] = FleetStoryKind.allCases.flatMap { s in
        FleetLayout.allCases.map { FleetCase(story: s, layout: $0) }
    }
}

@Suite struct FleetScenarioTests {
    @Test(arguments: FleetCase.all)
    func sameSeedGivesByteIdenticalFleetFiles(_ c: FleetCase) throws {
        let a = try Scratch.directory("fleet-same-a")
        let b = try Scratch.directory("fleet-same-b")
        defer {
            Scratch.remove(a)
            Scratch.remove(b)
        }
        let ra = try FleetGenerator.generate(fleetOptions(seed: 11, story: c.story, layout: c.layout, out: a))
        let rb = try FleetGenerator.generate(fleetOptions(seed: 11, story: c.story, layout: c.layout, out: b))
        #expect(ra.groundTruthJSON == rb.groundTruthJSON)
        let files = Scratch.files(under: a)
        #expect(files == Scratch.files(under: b))
        #expect(files.count >= (c.layout == .central ? 6 : 60))
        for file in files {
            let same = try Scratch.bytes(a + "/" + file) == Scratch.bytes(b + "/" + file)
            #expect(same, "\(file) differs between two runs with the same seed")
        }
    }

    @Test func seedsChangeTimesAccountsAndAddresses() throws {
        for story in FleetStoryKind.allCases {
            var answers: Set<String> = []
            for seed: UInt64 in [1, 2, 3, 4] {
                let result = try FleetGenerator.generate(
                    fleetOptions(seed: seed, story: story, layout: .central, out: nil))
                let truth = try #require(
                    try JSONSerialization.jsonObject(with: Data(result.groundTruthJSON.utf8)) as? [String: Any])
                let attack = try #require(truth["attack"] as? [String: Any])
                let ips = try #require(truth["attacker_ips"] as? [String])
                let hosts = try #require(truth["compromised_hosts"] as? [String])
                answers.insert("\(attack["first_seen"] ?? "") \(ips) \(hosts)")
            }
            #expect(answers.count == 4, "\(story.rawValue): seeds gave the same incident")
        }
    }

    /// The ground truth agrees with the logs: first and last events are attacker lines at the stated
    /// seconds; every hop has its `Accepted` line on the target from the source's address at the stated second,
    /// and the sensor's flow with the same source port within a second; nobody guessing ever gets in; no host
    /// logs its own address; the central access log names no host.
    @Test(arguments: FleetCase.all)
    func truthIsConsistentWithTheLogs(_ c: FleetCase) throws {
        let out = try Scratch.directory("fleet-truth")
        defer { Scratch.remove(out) }
        let seed: UInt64 = 5
        _ = try FleetGenerator.generate(fleetOptions(seed: seed, story: c.story, layout: c.layout, out: out))
        let root = out + "/fleet"
        let truth = try Scratch.groundTruth(root)
        let logs = try fleetLogs(root)
        let attack = try #require(truth["attack"] as? [String: Any])
        let firstSeen = try #require(attack["first_seen"] as? String)
        let lastSeen = try #require(attack["last_seen"] as? String)
        let ips = try #require(truth["attacker_ips"] as? [String])
        let entry = try #require(truth["entry"] as? [String: Any])
        let entryIP = try #require(entry["source_ip"] as? String)
        #expect(ips.first == entryIP)
        #expect(Set(ips).count == ips.count)
        #expect(c.story == .sshJump || ips.count == 2, "the exfiltration goes to a second address")

        for key in ["first_event", "last_event"] {
            let place = try #require(truth[key] as? [String: Any])
            let file = try #require(place["file"] as? String)
            let line = try #require(place["line"] as? Int)
            let text = try #require(logs[file]?[line - 1])
            #expect(text.contains(entryIP) || key == "last_event", "\(key) \(file):\(line) does not name \(entryIP)")
            #expect(place["time"] as? String == (key == "first_event" ? firstSeen : lastSeen))
        }
        #expect(firstSeen < lastSeen)

        // Where each host's auth lines are, and the sensor's flows, whatever the layout.
        let authLines = logs.filter { $0.key.contains("auth.log") }.values.flatMap { $0 }
        let connLines = logs.filter { $0.key.contains("conn") }.values.flatMap { $0 }.filter { !$0.hasPrefix("#") }
        let windowsLines = logs.filter { $0.key.hasSuffix(".jsonl") }.values.flatMap { $0 }
        let hostsMap = try #require(truth["hosts"] as? [String: [String]])
        func address(_ host: String) -> String { hostsMap[host]?.first ?? "?" }
        let hops = try #require(truth["lateral_path"] as? [[String: String]])
        #expect(hops.count >= 2)
        for hop in hops {
            let from = try #require(hop["from"])
            let to = try #require(hop["to"])
            let account = try #require(hop["account"])
            let auth = try #require(hop["auth"])
            let time = try #require(hop["time"])
            if let method = hop["method"], method == "winrm" || method == "rdp" {
                // A Windows hop: its 4624 in the server's export (type 3 for WinRM, 10 for RDP) from the source's
                // address at the stated second, and the sensor's flow to 5985 or 3389 from the same port when the
                // sensor sees it.
                let user = account.split(separator: "\\").last.map(String.init) ?? account
                let logons = windowsLines.filter {
                    $0.contains("\"EventID\":4624,\"Hostname\":\"\(to)\"") && $0.contains("\"TargetUserName\":\"\(user)\"")
                        && $0.contains("\"IpAddress\":\"\(address(from))\"")
                        && $0.contains("\"@timestamp\":\"\(time.dropLast())")
                        && $0.contains("\"LogonType\":\"\(method == "rdp" ? 10 : 3)\"")
                }
                try #require(logons.count == 1, "no 4624 for \(hop)")
                let port = try #require(logons[0].components(separatedBy: "\"IpPort\":\"").last?.prefix { $0 != "\"" })
                let flow = connLines.filter {
                    let f = $0.split(separator: "\t")
                    return f.count > 5 && f[2] == address(from) && f[3] == port && f[4] == address(to)
                        && f[5] == (method == "rdp" ? "3389" : "5985")
                }
                // The sensor sees only traffic between /24s (ts01 and sql01 share one).
                func net(_ a: String) -> String { a.split(separator: ".").prefix(3).joined(separator: ".") }
                let seen = net(address(from)) != net(address(to))
                #expect(flow.count == (seen ? 1 : 0), "conn.log flows for \(hop) from port \(port): \(flow.count)")
                continue
            }
            let needle = " \(to) sshd"
            let accepted = authLines.filter {
                $0.contains(needle) && $0.contains("Accepted \(auth) for \(account) from \(address(from)) port ")
                    && $0.hasPrefix(secondPrefix(time))
            }
            try #require(accepted.count == 1, "no Accepted line for \(hop)")
            let port = try #require(
                accepted[0].split(separator: " ").firstIndex(of: "port").map {
                    accepted[0].split(separator: " ")[$0 + 1]
                })
            let flow = connLines.filter {
                let f = $0.split(separator: "\t")
                return f.count > 5 && f[2] == address(from) && f[3] == port && f[4] == address(to) && f[5] == "22"
            }
            #expect(flow.count == 1, "no conn.log flow for \(hop) from port \(port)")
        }

        // Nobody who guesses gets in, and the entry address is not among the background's.
        let background = try #require(truth["background"] as? [String: Any])
        let guessers = Set(try #require(background["bruteforce_sources"] as? [String]))
        #expect(guessers.count > 20)
        #expect(guessers.isDisjoint(with: ips))
        let scanners = Set(try #require(background["scanners_answered_200"] as? [String]))
        #expect(!scanners.isEmpty)
        #expect(scanners.isDisjoint(with: ips))
        for line in authLines where line.contains("Accepted ") {
            let words = line.split(separator: " ")
            if let i = words.firstIndex(of: "from"), i + 1 < words.count {
                #expect(!guessers.contains(String(words[i + 1])), "a guesser got in: \(line)")
            }
        }
        // sshd at INFO: no host logs its own address.
        #expect(!authLines.contains { $0.contains("Connection from ") })
        // The benign look-alikes after the compromise are real logins, and none is the attacker's.
        let benign = try #require(background["benign_hops_after_compromise"] as? [[String: String]])
        #expect(!benign.isEmpty)
        let attackerHops = Set(hops.map { "\($0["from"] ?? "") \($0["to"] ?? "") \($0["time"] ?? "")" })
        for hop in benign.prefix(20) {
            #expect(!attackerHops.contains("\(hop["from"] ?? "") \(hop["to"] ?? "") \(hop["time"] ?? "")"))
            let to = hop["to"] ?? ""
            let needle = "Accepted \(hop["auth"] ?? "") for \(hop["account"] ?? "") from \(address(hop["from"] ?? ""))"
            #expect(authLines.contains { $0.contains(" \(to) sshd") && $0.contains(needle) }, "\(hop)")
        }
        let accounts = try #require(truth["compromised_accounts"] as? [String])
        let benignAccounts = try #require(background["benign_accounts_after_compromise"] as? [String])
        #expect(Set(accounts).isDisjoint(with: benignAccounts))

        // Layout: central has one auth.log, one access.log, one conn.log (rotated); image one folder per host.
        let files = Array(logs.keys)
        if c.layout == .central {
            #expect(files.allSatisfy { !$0.contains("/") })
            #expect(files.contains("auth.log") && files.contains("access.log.1") && files.contains("conn.log"))
            let hostNames = Set(hostsMap.keys)
            for line in (logs["access.log"] ?? []).prefix(200) {
                #expect(!hostNames.contains { line.contains(" " + $0 + " ") })
            }
        } else {
            #expect(files.contains("bastion01/var/log/auth.log"))
            #expect(files.contains("web01/var/log/nginx/access.log"))
            #expect(files.contains { $0.hasPrefix("sensor/zeek/") && $0.contains("/conn.") })
        }
    }

    @Test func hostileBackgroundUsesEveryWording() throws {
        let out = try Scratch.directory("fleet-noise")
        defer { Scratch.remove(out) }
        _ = try FleetGenerator.generate(fleetOptions(seed: 3, story: .webExfil, layout: .central, out: out))
        let logs = try fleetLogs(out + "/fleet")
        let auth = logs.filter { $0.key.hasPrefix("auth.log") }.values.flatMap { $0 }
        let access = logs.filter { $0.key.hasPrefix("access.log") }.values.flatMap { $0 }
        for phrase in [
            "Failed password for invalid user ", "Failed password for root from ",
            "Disconnected from authenticating user root ", "[preauth]", "Accepted publickey for deploy from 10.0.4.10",
            "COMMAND=/usr/bin/systemctl restart shop", "CRON[", "add 'deploy' to group", "new user: name=",
        ] {
            #expect(auth.contains { $0.contains(phrase) }, "no auth line with '\(phrase)'")
        }
        for phrase in ["Nikto", "sqlmap", "jndi:ldap", "union%20select", "SLEEP(5)", "wget", "etc/passwd", "\" 404 "] {
            #expect(access.contains { $0.contains(phrase) }, "no access line with '\(phrase)'")
        }
        #expect(access.contains { $0.contains("union%20select") && $0.contains("\" 200 ") })
    }

    @Test func fleetTargetBytesIsRoughlyHonoured() throws {
        var options = fleetOptions(seed: 9, story: .sshJump, layout: .central, out: nil)
        options.targetBytes = 24 << 20
        let result = try FleetGenerator.generate(options)
        let target = Double(24 << 20)
        #expect(
            Double(result.uncompressedBytes) > target * 0.85 && Double(result.uncompressedBytes) < target * 1.15,
            "\(result.uncompressedBytes) bytes for a target of \(Int(target))")
    }

    @Test func invalidFleetOptionsAreRefused() {
        var options = fleetOptions(seed: 1, story: .sshJump, layout: .central, out: nil)
        options.hosts = 5
        #expect(throws: ScenarioError.self) { try FleetGenerator.generate(options) }
        options.hosts = 20
        options.days = 1
        #expect(throws: ScenarioError.self) { try FleetGenerator.generate(options) }
    }
}
