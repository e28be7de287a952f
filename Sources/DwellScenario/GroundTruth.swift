/// A tiny JSON writer with a fixed key order, so the ground truth is byte-stable.
indirect enum JSON {
    case string(String)
    case int(Int64)
    case number(Double)
    case array([JSON])
    case null
    case object([(String, JSON)])

    func render(indent: Int = 0, into out: inout String) {
        let pad = String(repeating: "  ", count: indent)
        let inner = String(repeating: "  ", count: indent + 1)
        switch self {
        case .string(let s): out += JSON.quote(s)
        case .int(let i): out += String(i)
        case .null: out += "null"
        case .number(let d): out += d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        case .array(let items):
            if items.isEmpty { out += "[]"; return }
            if items.allSatisfy({
                if case .string = $0 { return true }; return false
            }) {
                out += "["
                for (i, item) in items.enumerated() {
                    if i > 0 { out += ", " }
                    item.render(indent: indent + 1, into: &out)
                }
                out += "]"
                return
            }
            out += "[\n"
            for (i, item) in items.enumerated() {
                out += inner
                item.render(indent: indent + 1, into: &out)
                out += i + 1 < items.count ? ",\n" : "\n"
            }
            out += pad + "]"
        case .object(let members):
            if members.isEmpty { out += "{}"; return }
            out += "{\n"
            for (i, (key, value)) in members.enumerated() {
                out += inner + JSON.quote(key) + ": "
                value.render(indent: indent + 1, into: &out)
                out += i + 1 < members.count ? ",\n" : "\n"
            }
            out += pad + "}"
        }
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = Array("0123456789abcdef")
                    out += "\\u00" + String(hex[Int(scalar.value >> 4)]) + String(hex[Int(scalar.value & 15)])
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

/// `NAME.truth.json`: what a correct investigation of the scenario reports.
enum GroundTruth {
    static func json(
        options: ScenarioOptions, topology: Topology, story: StoryPlan, facts: StoryFacts, tracker: EvidenceTracker,
        lookalikeAccepted: Micros?
    ) -> String {
        func seconds(_ t: Micros) -> Micros { Calendar0.floorDiv(t, microsPerSecond) * microsPerSecond }
        func place(_ p: EvidenceTracker.Place?) -> JSON {
            guard let p else { return .object([]) }
            return .object([
                ("file", .string(p.file)), ("line", .int(Int64(p.line))), ("time", .string(isoSeconds(p.time))),
            ])
        }
        let first = tracker.first.map { seconds($0.time) } ?? 0
        let last = tracker.last.map { seconds($0.time) } ?? 0
        var hosts: [(String, JSON)] = topology.hosts.map { ($0.name, .array([.string($0.address.description)])) }
        hosts.sort { $0.0 < $1.0 }
        let hops: [JSON] = facts.hops.map {
            .object([
                ("from", .string($0.from)), ("to", .string($0.to)), ("time", .string(isoSeconds($0.time))),
                ("account", .string($0.account)), ("method", .string($0.method)),
            ])
        }
        if !options.attack {
            return benign(options: options, hosts: hosts, lookalikeAccepted: lookalikeAccepted, story: story)
        }
        let scanned = isoSeconds(story.scanStart)
        var timeline: [JSON] = []
        for (t, what) in facts.timeline.sorted(by: { $0.0 < $1.0 }) {
            timeline.append(.object([("time", .string(isoSeconds(t))), ("event", .string(what))]))
        }
        let root: JSON = .object([
            ("schema_version", .int(1)),
            ("seed", .string(String(options.seed))),
            (
                "scenario",
                .object([
                    ("name", .string(options.name)), ("start", .string(isoSeconds(options.start))),
                    ("end", .string(isoSeconds(options.start + Micros(options.days) * microsPerDay))),
                    ("days", .int(Int64(options.days))), ("background_scale", .number(options.backgroundScale)),
                    ("gzip_level", .int(Int64(options.gzipLevel))),
                ])
            ),
            (
                "attack",
                .object([
                    ("first_seen", .string(isoSeconds(first))), ("last_seen", .string(isoSeconds(last))),
                    ("duration_seconds", .int((last - first) / microsPerSecond)),
                ])
            ),
            ("first_event", place(tracker.first)),
            ("last_event", place(tracker.last)),
            ("compromised_hosts", .array(facts.compromisedHosts.map { .string($0) })),
            ("compromised_accounts", .array([.string("deploy"), .string("sysupdate")])),
            ("attacker_ips", .array([.string(Net.attackerWeb.description), .string(Net.attackerExfil.description)])),
            ("lateral_path", .array(hops)),
            (
                "exfiltration",
                .object([
                    ("from", .string("db01")), ("to", .string("\(Net.attackerExfil):443")),
                    ("start", .string(isoSeconds(facts.exfilStart))), ("end", .string(isoSeconds(facts.exfilEnd))),
                    ("bytes", .int(Int64(story.exfilBytes))),
                ])
            ),
            (
                "persistence",
                .object([
                    ("host", .string("app01")), ("account", .string("sysupdate")), ("group", .string("sudo")),
                    ("time", .string(isoSeconds(facts.persistenceTime))),
                ])
            ),
            (
                "decoy",
                .object([
                    ("source_ip", .string(Net.decoyBruteForce.description)), ("target", .string("bastion")),
                    ("failures", .int(Int64(facts.decoyFailures))), ("start", .string(isoSeconds(story.decoyStart))),
                    ("succeeded", .string("never")),
                ])
            ),
            (
                "lookalike",
                .object([
                    ("from", .string("web01")), ("to", .string("app01")), ("account", .string("alice")),
                    ("time", .string(isoSeconds(lookalikeAccepted ?? story.lookalikeStart))),
                    ("method", .string("ssh publickey")),
                ])
            ),
            ("hosts", .object(hosts)),
            ("recon_start", .string(scanned)),
            ("attacker_lines", .int(Int64(tracker.attackerLines))),
            ("timeline", .array(timeline)),
        ])
        var out = ""
        root.render(into: &out)
        return out + "\n"
    }

    /// The truth of a benign-only corpus: no attack window, nothing compromised; the look-alike is still there.
    static func benign(options: ScenarioOptions, hosts: [(String, JSON)], lookalikeAccepted: Micros?, story: StoryPlan)
        -> String
    {
        let root: JSON = .object([
            ("schema_version", .int(1)),
            ("seed", .string(String(options.seed))),
            (
                "scenario",
                .object([
                    ("name", .string(options.name)), ("start", .string(isoSeconds(options.start))),
                    ("end", .string(isoSeconds(options.start + Micros(options.days) * microsPerDay))),
                    ("days", .int(Int64(options.days))), ("background_scale", .number(options.backgroundScale)),
                    ("gzip_level", .int(Int64(options.gzipLevel))), ("benign_only", .string("true")),
                ])
            ),
            ("attack", .null),
            ("compromised_hosts", .array([])),
            ("compromised_accounts", .array([])),
            ("attacker_ips", .array([])),
            ("lateral_path", .array([])),
            (
                "lookalike",
                .object([
                    ("from", .string("web01")), ("to", .string("app01")), ("account", .string("alice")),
                    ("time", .string(isoSeconds(lookalikeAccepted ?? story.lookalikeStart))),
                    ("method", .string("ssh publickey")),
                ])
            ),
            ("hosts", .object(hosts)),
            ("attacker_lines", .int(0)),
        ])
        var out = ""
        root.render(into: &out)
        return out + "\n"
    }
}
