#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What to generate.
public struct ScenarioOptions: Sendable, Equatable {
    public var seed: UInt64
    /// The scenario folder is `outputDirectory/name`; `nil` counts bytes without writing.
    public var outputDirectory: String?
    public var name: String
    public var days: Int
    /// Multiplies the rates of the volume-bearing background (web, DNS, internal services, Internet noise).
    public var backgroundScale: Double
    /// When set, `backgroundScale` is chosen so that the uncompressed text comes to about this many bytes.
    public var targetBytes: Int64?
    /// Midnight UTC of the first day.
    public var start: Micros
    public var gzipLevel: Int32
    /// `false` writes the same hosts and background with no attack and no decoy brute force: a benign-only
    /// corpus, for checking that detection does not cry wolf. The admins' look-alike hop stays (it is benign).
    public var attack: Bool

    public init(
        seed: UInt64, outputDirectory: String?, name: String = "incident", days: Int = 4, backgroundScale: Double = 1,
        targetBytes: Int64? = nil, start: Micros = Calendar0.micros(year: 2026, month: 3, day: 9), gzipLevel: Int32 = 6,
        attack: Bool = true
    ) {
        self.seed = seed
        self.outputDirectory = outputDirectory
        self.name = name
        self.days = days
        self.backgroundScale = backgroundScale
        self.targetBytes = targetBytes
        self.start = start
        self.gzipLevel = gzipLevel
        self.attack = attack
    }

    /// Where the ground truth goes: beside the scenario folder (`OUT/NAME.truth.json`), never inside the
    /// evidence, so that reading the folder reads only logs.
    public var truthPath: String? { outputDirectory.map { $0 + "/" + name + ".truth.json" } }
}

/// What was generated.
public struct ScenarioResult: Sendable {
    public var files: [WrittenFile]
    public var uncompressedBytes: Int64
    public var backgroundScale: Double
    public var groundTruthJSON: String
    public var attackerLines: Int
}

/// Generates a scenario: the collected logs of several hosts and the sensor in `OUT/NAME/`, and the ground
/// truth beside them in `OUT/NAME.truth.json`.
///
/// The output depends only on the options: the same options give byte-identical files.
/// Time advances in one-hour windows: each window's background is generated, the planned story and
/// sessions that fall in it are released, and its lines are written to their files in time order. Memory is
/// bounded by one hour of output.
public enum ScenarioGenerator {
    public static func generate(_ options: ScenarioOptions) throws(ScenarioError) -> ScenarioResult {
        guard options.days >= 2 else {
            throw ScenarioError("--days must be at least 2 (the look-alike precedes the attack by a day or more)")
        }
        guard options.days <= 400 else { throw ScenarioError("--days must be at most 400") }
        guard (1...9).contains(options.gzipLevel) else { throw ScenarioError("--gzip-level must be 1...9") }
        var options = options
        if let target = options.targetBytes {
            options.backgroundScale = try scale(for: target, options: options)
        }
        return try run(options)
    }

    /// The background scale that gives about `target` bytes: output is linear in the scale, so two
    /// counting runs (scale 0 and scale 1) fix the line.
    static func scale(for target: Int64, options: ScenarioOptions) throws(ScenarioError) -> Double {
        var probe = options
        probe.outputDirectory = nil
        probe.targetBytes = nil
        probe.backgroundScale = 0
        let fixed = try run(probe).uncompressedBytes
        probe.backgroundScale = 1
        let perUnit = try run(probe).uncompressedBytes - fixed
        guard perUnit > 0 else { return 1 }
        let scale = Double(target - fixed) / Double(perUnit)
        // Keep two significant decimals so the command's result is easy to state; never below 0.
        return max(0, (scale * 100).rounded() / 100)
    }

    static func run(_ options: ScenarioOptions) throws(ScenarioError) -> ScenarioResult {
        let seed = options.seed
        var topologyRandom = ScenarioRandom(seed, 0)
        let topology = Topology.make(
            random: &topologyRandom, withApp02: topologyRandom.chance(0.5), withBackup: topologyRandom.chance(0.5))
        let windowStart = options.start
        let windowEnd = windowStart + Micros(options.days) * microsPerDay
        let story = Story.plan(seed: seed, windowStart: windowStart, days: options.days, topology: topology)
        let dayPlan = Background.plan(
            seed: seed, windowStart: windowStart, days: options.days, topology: topology, story: story)
        let storySessions = options.attack ? Story.sessions(story, seed: seed, topology: topology) : []

        // logind numbers every session; the planned ones are known before the first line.
        var starts = [[Micros]](repeating: [], count: topology.hosts.count)
        for s in storySessions + dayPlan.sessions { starts[s.host].append(s.start) }
        for i in starts.indices { starts[i].sort() }
        let nagiosInterval = 600
        var planned = Emitter(
            seed: seed, topology: topology, windowStart: windowStart, nagiosIntervalSeconds: nagiosInterval,
            plannedStarts: starts)
        var facts = StoryFacts()
        if options.attack { Story.attack(story, seed: seed, emitter: &planned, facts: &facts, emit: true) }
        let lookalikeAccepted = Background.emitPlanned(dayPlan, seed: seed, emitter: &planned)
        if options.attack { facts.decoyFailures = Background.emitDecoy(story, seed: seed, emitter: &planned) }
        var plannedStore = planned.store
        plannedStore.records.sort { $0.time != $1.time ? $0.time < $1.time : $0.seq < $1.seq }

        // Output files.
        let root = options.outputDirectory.map { $0 + "/" + options.name }
        if let root {
            for host in topology.hosts { try makeDirectories(root + "/" + host.name + "/var/log") }
            try makeDirectories(root + "/web01/var/log/nginx")
            try makeDirectories(root + "/sensor/zeek")
        }
        var authLogs: [RotatingLog] = topology.hosts.map {
            RotatingLog(
                relativeBase: $0.name + "/var/log/auth.log", root: root, days: options.days, windowStart: windowStart,
                isAuth: true, clock: $0.clock, gzipLevel: options.gzipLevel)
        }
        let access = RotatingLog(
            relativeBase: "web01/var/log/nginx/access.log", root: root, days: options.days, windowStart: windowStart,
            isAuth: false, clock: .utc, gzipLevel: options.gzipLevel)
        let zeek = ZeekLog.all(root: root, gzipLevel: options.gzipLevel)
        var tracker = EvidenceTracker()

        // Background continues the planned emitter's sequence numbers, so ties keep a stable order.
        var background = Emitter(
            seed: seed, topology: topology, windowStart: windowStart, nagiosIntervalSeconds: nagiosInterval,
            plannedStarts: starts)
        background.seq = planned.seq
        var cursor = 0
        let hours = options.days * 24
        for hour in 0..<hours {
            let start = windowStart + Micros(hour) * microsPerHour
            let end = start + microsPerHour
            Background.hour(hour, start: start, seed: seed, scale: options.backgroundScale, emitter: &background)
            var upTo = cursor
            while upTo < plannedStore.records.count && plannedStore.records[upTo].time < end { upTo += 1 }
            if upTo > cursor {
                let slice = plannedStore.records[cursor..<upTo]
                for r in slice {
                    let s = background.store.arena.count
                    background.store.arena.append(contentsOf: plannedStore.arena[r.start..<(r.start + r.length)])
                    background.store.records.append(
                        Record(time: r.time, seq: r.seq, stream: r.stream, flags: r.flags, start: s, length: r.length))
                }
                cursor = upTo
            }
            let due = background.store.take(before: min(end, windowEnd))
            for r in due.records {
                if r.time < windowStart { continue }
                if r.stream == StreamID.access {
                    try access.write(r, arena: due.arena, tracker: &tracker)
                } else if let z = zeek[r.stream] {
                    try z.write(r, arena: due.arena, tracker: &tracker)
                } else {
                    try authLogs[Int(r.stream)].write(r, arena: due.arena, tracker: &tracker)
                }
            }
        }
        // Lines after the collection time (sessions still open) are not in the evidence.
        var files: [WrittenFile] = []
        for log in authLogs {
            try log.close()
            files += log.written
        }
        try access.close()
        files += access.written
        for id in StreamID.zeekAll {
            guard let z = zeek[id] else { continue }
            try z.close()
            files += z.written
        }
        authLogs.removeAll()
        files.sort { $0.path < $1.path }

        let truth = GroundTruth.json(
            options: options, topology: topology, story: story, facts: facts, tracker: tracker,
            lookalikeAccepted: lookalikeAccepted)
        if let path = options.truthPath {
            try writeSmallFile(path, truth, mtime: windowEnd / microsPerSecond)
        }
        let total = files.reduce(Int64(0)) { $0 + $1.uncompressedBytes }
        return ScenarioResult(
            files: files, uncompressedBytes: total, backgroundScale: options.backgroundScale, groundTruthJSON: truth,
            attackerLines: tracker.attackerLines)
    }

    static func writeSmallFile(_ path: String, _ text: String, mtime: Int64) throws(ScenarioError) {
        let f = try OutputFile(path: path, relativePath: path, gzipLevel: nil, gzipMTime: 0)
        f.buffer.put(text)
        try f.flush()
        try f.close(mtime: mtime)
    }
}
