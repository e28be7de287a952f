/// Generates a fleet scenario (`dwell-scenario --story NAME`): about twenty hosts over a week, a hostile and
/// busy background on every exposed service, people and service accounts at work, and one intrusion; the logs
/// in the chosen layout in `OUT/NAME/` and the ground truth in `OUT/NAME.truth.json`.
///
/// The output depends only on the options. The story is planned and emitted first (its own random streams);
/// then, hour by hour, the background of the hour is generated and every line of the hour before is written
/// (sessions and flows may start up to a second before the hour that generates them). Memory holds about two
/// hours of output and the story.
public enum FleetGenerator {
    public static func generate(_ options: FleetOptions) throws(ScenarioError) -> ScenarioResult {
        guard (2...60).contains(options.days) else { throw ScenarioError("--days must be 2...60 for a fleet story") }
        guard (12...99).contains(options.hosts) else { throw ScenarioError("--hosts must be 12...99") }
        guard (1...9).contains(options.gzipLevel) else { throw ScenarioError("--gzip-level must be 1...9") }
        guard options.backgroundScale >= 0 else { throw ScenarioError("--background-scale must not be negative") }
        guard options.journald == .none || options.layout == .image else {
            throw ScenarioError("--journald applies to the image layout only")
        }
        var options = options
        if let target = options.targetBytes {
            var probe = options
            probe.outputDirectory = nil
            probe.targetBytes = nil
            probe.backgroundScale = 0
            let fixed = try run(probe).uncompressedBytes
            probe.backgroundScale = 1
            let perUnit = try run(probe).uncompressedBytes - fixed
            // The hostile background has a floor, so output is not linear near 0; one more probe near the
            // answer corrects for it.
            var scale = perUnit > 0 ? Double(target - fixed) / Double(perUnit) : 1
            scale = max(0, scale)
            if scale > 1 {
                probe.backgroundScale = (scale * 100).rounded() / 100
                let near = try run(probe).uncompressedBytes
                let slope = Double(near - fixed) / probe.backgroundScale
                if slope > 0 { scale = Double(target - fixed) / slope }
            }
            options.backgroundScale = max(0, (scale * 100).rounded() / 100)
        }
        return try run(options)
    }

    static func run(_ options: FleetOptions) throws(ScenarioError) -> ScenarioResult {
        let fleet = Fleet.make(hostCount: options.hosts, seed: options.seed, windowsLogs: options.story.hasWindowsLogs)
        let windowStart = options.start
        let windowEnd = windowStart + Micros(options.days) * microsPerDay
        var emitter = FleetEmitter(fleet: fleet, layout: options.layout, seed: options.seed)
        let facts =
            options.attack
            ? FleetStory.emit(
                options.story, seed: options.seed, fleet: fleet, windowStart: windowStart, days: options.days,
                emitter: &emitter) : FleetFacts()
        var background = FleetBackground(
            fleet: fleet, seed: options.seed, windowStart: windowStart, days: options.days,
            scale: options.backgroundScale, facts: facts)

        let root = options.outputDirectory.map { $0 + "/" + options.name }
        var logs: [Int32: FleetLog] = [:]
        func rotating(_ base: String, auth: Bool) -> FleetLog {
            .rotating(
                RotatingLog(
                    relativeBase: base, root: root, days: options.days, windowStart: windowStart, isAuth: auth,
                    clock: .utc, gzipLevel: options.gzipLevel))
        }
        switch options.layout {
        case .central:
            if let root { try makeDirectories(root) }
            logs[FleetEmitter.centralAuth] = rotating("auth.log", auth: true)
            logs[FleetEmitter.centralAccess] = rotating("access.log", auth: false)
            logs[FleetEmitter.conn] = .dailyZeek(
                DailyZeekConnLog(
                    relativeBase: "conn.log", root: root, days: options.days, windowStart: windowStart,
                    gzipLevel: options.gzipLevel))
        case .image:
            let journaldHosts = options.journald.hosts(of: fleet, seed: options.seed)
            let dirtyHost = FleetJournald.dirtyHost(journaldHosts, seed: options.seed)
            for h in fleet.linuxHosts {
                let name = fleet.hosts[h].name
                if let root { try makeDirectories(root + "/" + name + "/var/log") }
                if journaldHosts.contains(h) {
                    logs[Int32(h)] = .journal(
                        JournaldLog(
                            host: name, hostIndex: h, root: root, seed: options.seed, windowStart: windowStart,
                            days: options.days, dirty: h == dirtyHost))
                } else {
                    logs[Int32(h)] = rotating(name + "/var/log/auth.log", auth: true)
                }
                if fleet.hosts[h].role == .web {
                    if let root { try makeDirectories(root + "/" + name + "/var/log/nginx") }
                    logs[1000 + Int32(h)] = rotating(name + "/var/log/nginx/access.log", auth: false)
                }
            }
            if let root { try makeDirectories(root + "/sensor/zeek") }
            if let conn = ZeekLog.all(root: root, gzipLevel: options.gzipLevel)[StreamID.zeekConn] {
                logs[FleetEmitter.conn] = .hourlyZeek(conn)
            }
        }

        if fleet.windowsLogs {
            // Windows servers export their event logs as JSON lines: one export on the collector, or one per
            // server image.
            let mtime = windowEnd / microsPerSecond
            switch options.layout {
            case .central:
                logs[FleetEmitter.centralWindows] = .jsonLines(
                    try JSONLinesLog(relativePath: "windows-events.jsonl", root: root, mtime: mtime))
            case .image:
                for h in fleet.windows {
                    let name = fleet.hosts[h].name
                    if let root { try makeDirectories(root + "/" + name + "/export") }
                    logs[emitter.windowsStream(h)] = .jsonLines(
                        try JSONLinesLog(relativePath: name + "/export/events.jsonl", root: root, mtime: mtime))
                }
            }
        }
        var tracker = EvidenceTracker()
        func flush(before end: Micros) throws(ScenarioError) {
            let due = emitter.store.take(before: end)
            for r in due.records where r.time >= windowStart {
                guard let log = logs[r.stream] else { continue }
                try log.write(r, arena: due.arena, tracker: &tracker)
            }
        }
        for hour in 0..<(options.days * 24) {
            background.hour(hour, emitter: &emitter)
            try flush(before: windowStart + Micros(hour) * microsPerHour)
        }
        try flush(before: windowEnd)
        var files: [WrittenFile] = []
        for key in logs.keys.sorted() {
            if let log = logs[key] { files += try log.close() }
        }
        files.sort { $0.path < $1.path }

        let truth = FleetTruth.json(
            options: options, fleet: fleet, facts: facts, notes: background.notes, tracker: tracker)
        if let path = options.truthPath {
            try ScenarioGenerator.writeSmallFile(path, truth, mtime: windowEnd / microsPerSecond)
        }
        let total = files.reduce(Int64(0)) { $0 + $1.uncompressedBytes }
        return ScenarioResult(
            files: files, uncompressedBytes: total, backgroundScale: options.backgroundScale, groundTruthJSON: truth,
            attackerLines: tracker.attackerLines)
    }
}

/// `NAME.truth.json` of a fleet scenario: what a correct investigation reports, what it must leave out, and
/// the definitions behind both (schema_version 2; the fields of version 1 keep their meaning).
enum FleetTruth {
    static let definitions: [(String, String)] = [
        (
            "first_seen",
            "time stamp (UTC, truncated to the second) of the earliest logged line of the intrusion: for a way in by guessing, the first failed attempt of the address that later succeeds; for a web exploit, the first request of the exploiting address; for a stolen password, its first successful login. Sensor flows of those connections count and fall in the same second."
        ),
        (
            "last_seen",
            "time stamp of the latest logged line of the attacker's activity (a session's logout lines, a web shell request, or a flow's start as conn.log prints it), truncated to the second."
        ),
        ("compromised_hosts", "hosts the attacker logged in to or ran commands on, in order of compromise"),
        (
            "compromised_accounts",
            "accounts the attacker authenticated as or created (not www-data, which no auth line names); Windows accounts as DOMAIN\\user"
        ),
        ("attacker_ips", "every Internet address of the attacker: the way in and any exfiltration endpoint"),
        (
            "lateral_path",
            "the attacker's logins from one fleet host to another, time of the Accepted line (Windows: of the 4624; method ssh, winrm or rdp)"
        ),
        (
            "background",
            "look-alikes that must stay out of the window and scope: ssh guessers (none succeeded), web scanners answered 200 (nothing came of it), benign logins from or to a compromised host after its compromise"
        ),
    ]

    /// `scenario.journald` and `scenario.journald_hosts` (which hosts keep their auth history in the journal, and
    /// the one whose older file is a dirty `.journal~`); absent with `--journald none`, so that output is unchanged.
    static func journaldFields(options: FleetOptions, fleet: Fleet) -> [(String, JSON)] {
        guard options.journald != .none else { return [] }
        let hosts = options.journald.hosts(of: fleet, seed: options.seed)
        let dirty = FleetJournald.dirtyHost(hosts, seed: options.seed)
        return [
            ("journald", .string(options.journald.rawValue)),
            ("journald_hosts", .array(hosts.map { .string(fleet.hosts[$0].name) })),
            ("journald_dirty_host", dirty.map { .string(fleet.hosts[$0].name) } ?? .null),
        ]
    }

    static func json(
        options: FleetOptions, fleet: Fleet, facts: FleetFacts, notes: FleetBackgroundNotes, tracker: EvidenceTracker
    ) -> String {
        func seconds(_ t: Micros) -> Micros { Calendar0.floorDiv(t, microsPerSecond) * microsPerSecond }
        func place(_ p: EvidenceTracker.Place?) -> JSON {
            guard let p else { return .object([]) }
            return .object([
                ("file", .string(p.file)), ("line", .int(Int64(p.line))), ("time", .string(isoSeconds(p.time))),
            ])
        }
        func hop(_ h: FleetHop) -> JSON {
            .object([
                ("from", .string(h.from)), ("to", .string(h.to)), ("time", .string(isoSeconds(h.time))),
                ("account", .string(h.account)), ("method", .string(h.method)), ("auth", .string(h.auth.methodName)),
            ])
        }
        let first = tracker.first.map { seconds($0.time) } ?? 0
        let last = tracker.last.map { seconds($0.time) } ?? 0
        let compromised = facts.compromisedHostsInOrder
        let accounts = Set(facts.accounts)
        let benignAccounts = notes.benignAccountsAfterCompromise.subtracting(accounts).sorted()
        let brute = notes.bruteForceSources.sorted()
        let scanners = notes.scannersAnswered200.sorted()
        var hosts: [(String, JSON)] = fleet.hosts.map { ($0.name, .array([.string($0.address.description)])) }
        hosts.sort { $0.0 < $1.0 }
        var timeline: [JSON] = []
        for (t, what) in facts.timeline.sorted(by: { $0.0 < $1.0 }) {
            timeline.append(.object([("time", .string(isoSeconds(t))), ("event", .string(what))]))
        }
        let exfil: JSON =
            facts.exfil.map {
                .object([
                    ("from", .string($0.from)), ("to", .string("\($0.to):\($0.port)")),
                    ("start", .string(isoSeconds($0.start))), ("end", .string(isoSeconds($0.end))),
                    ("bytes", .int(Int64($0.bytes))),
                ])
            } ?? .null
        let root: JSON = .object([
            ("schema_version", .int(2)),
            ("generator", .string("fleet")),
            ("seed", .string(String(options.seed))),
            (
                "scenario",
                .object([
                    ("name", .string(options.name)), ("story", .string(options.story.rawValue)),
                    ("layout", .string(options.layout.rawValue)), ("hosts", .int(Int64(fleet.hosts.count))),
                    ("start", .string(isoSeconds(options.start))),
                    ("end", .string(isoSeconds(options.start + Micros(options.days) * microsPerDay))),
                    ("days", .int(Int64(options.days))), ("background_scale", .number(options.backgroundScale)),
                    ("gzip_level", .int(Int64(options.gzipLevel))),
                ] + journaldFields(options: options, fleet: fleet))
            ),
            ("definitions", .object(definitions.map { ($0.0, .string($0.1)) })),
            (
                "attack",
                .object([
                    ("first_seen", .string(isoSeconds(first))), ("last_seen", .string(isoSeconds(last))),
                    ("duration_seconds", .int((last - first) / microsPerSecond)),
                ])
            ),
            ("first_event", place(tracker.first)),
            ("last_event", place(tracker.last)),
            (
                "entry",
                .object([
                    ("host", .string(facts.entryHost)), ("source_ip", .string(facts.entrySource.description)),
                    ("time", .string(isoSeconds(facts.entryTime))), ("account", .string(facts.entryAccount)),
                    ("method", .string(facts.entryMethod)),
                ])
            ),
            ("compromised_hosts", .array(compromised.map { .string(fleet.hosts[$0].name) })),
            (
                "host_compromise_times",
                .array(
                    compromised.map {
                        .object([
                            ("host", .string(fleet.hosts[$0].name)),
                            ("time", .string(isoSeconds(facts.compromisedAt[$0] ?? 0))),
                        ])
                    })
            ),
            ("compromised_accounts", .array(facts.accounts.sorted().map { .string($0) })),
            ("attacker_ips", .array(facts.attackerAddresses.map { .string($0.description) })),
            ("lateral_path", .array(facts.hops.map(hop))),
            ("exfiltration", exfil),
            (
                "persistence",
                .array(
                    facts.persistence.map {
                        .object([
                            ("host", .string($0.host)), ("account", .string($0.account)),
                            ("group", .string($0.group)), ("time", .string(isoSeconds($0.time))),
                        ])
                    })
            ),
            (
                "decoy",
                .object([
                    ("source_ip", .string(brute.first?.description ?? "")), ("target", .string("bastion01")),
                    ("succeeded", .string("never")),
                ])
            ),
            ("lookalike", .object([("account", .string(benignAccounts.first ?? ""))])),
            (
                "background",
                .object([
                    ("bruteforce_sources", .array(brute.map { .string($0.description) })),
                    ("bruteforce_connections", .int(Int64(notes.bruteForceConnections))),
                    ("scanners_answered_200", .array(scanners.map { .string($0.description) })),
                    ("scanner_requests", .int(Int64(notes.scannerRequests))),
                    ("benign_accounts_after_compromise", .array(benignAccounts.map { .string($0) })),
                    ("remote_work_sources", .array(notes.remoteWorkSources.sorted().map { .string($0.description) })),
                    (
                        "benign_hops_after_compromise",
                        .array(notes.benignHopsAfterCompromise.sorted { $0.time < $1.time }.map(hop))
                    ),
                ])
            ),
            ("hosts", .object(hosts)),
            ("attacker_lines", .int(Int64(tracker.attackerLines))),
            ("timeline", .array(timeline)),
        ])
        var out = ""
        root.render(into: &out)
        return out + "\n"
    }
}
