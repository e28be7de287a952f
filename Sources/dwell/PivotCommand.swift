import ArgumentParser
import DwellAnalysis
import DwellCore
import DwellIndex
import DwellIngest
import Foundation

struct PivotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pivot",
        abstract:
            "Everything one indicator touched: first/last seen, counts per host and kind, related indicators, every event.",
        discussion: """
            INDICATOR is an address (203.0.113.45) or TYPE:VALUE with TYPE one of ip, user, host, url, ua, domain,
            hash, command. ua: and command: match any value containing the text (ignoring case) when no value
            equals it; the matches are listed. A bare word that is not an address is looked up as a user, host,
            url, domain and command, and every type it occurs as is shown.

            The answer comes from the index (postings: first/last seen and count without scanning), then the raw
            line of each listed event is read back from the evidence.

            EXAMPLES
              dwell pivot 203.0.113.45 SampleLogs/incident-2026-03
              dwell pivot user:deploy /mnt/image/var/log --limit 50
              dwell pivot ua:sqlmap logs/ --output json | jq .by_host
              dwell pivot host:db01 logs/ --hosts hosts.csv
              dwell pivot 203.0.113.45 --case case-42     # from a case (dwell index ... --case): no evidence read

            \(ExitStatus.helpText)
            """)

    enum Output: String, ExpressibleByArgument, CaseIterable { case text, json }

    @Argument(
        help: ArgumentHelp(
            "The indicator: 1.2.3.4, user:NAME, host:NAME, url:PATH, ua:TEXT, domain:NAME, hash:HEX, command:TEXT.",
            valueName: "INDICATOR"))
    var indicator: String

    @Argument(help: "Files, directories (walked recursively) or - for stdin (or --case DIR).")
    var paths: [String] = []

    @OptionGroup var caseOption: CaseOption

    @Option(help: "Output format: text or json.")
    var output: Output = .text

    @Option(help: "List at most this many events, earliest first (0: all). Counts always cover every event.")
    var limit: Int = 0

    @Option(help: "Related indicators listed per type.")
    var related: Int = 10

    @OptionGroup var reading: ReadingOptions

    func validate() throws {
        guard !indicator.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ValidationError("give an indicator to pivot on")
        }
        guard limit >= 0, related >= 0 else { throw ValidationError("--limit and --related must be 0 or more") }
        try caseOption.validate(paths: paths)
    }

    /// The (type, text) lookups an indicator stands for.
    func lookups() -> [(IndicatorType, String)] {
        if let s = Seed(parsing: indicator), s.type == .ip || indicator.contains(":") { return [(s.type, s.value)] }
        let t = indicator.trimmingCharacters(in: .whitespaces)
        if let s = Seed(parsing: t) { return [(s.type, s.value)] + [(.user, t), (.host, t), (.path, t)] }
        return [(.user, t), (.host, t), (.path, t), (.domain, t), (.command, t)]
    }

    func run() throws {
        if let directory = caseOption.directory {
            // From a case: the store read in place, only the postings and rows the answer needs.
            let c = try openCaseIndex(directory)
            try answer(
                store: c.store, paths: c.paths,
                rawLines: { CaseRawLines.read(positions: $0, store: c.store, lines: c.lines, evidence: c.manifest) },
                check: { try caseIntact(c) }, finish: { try IndexedEvidence.finish(stats: c.manifest.stats, issues: c.manifest.discoveryIssues) })
            return
        }
        let options = try reading.ingestOptions(keepingStdinLines: true)
        let indexed = try IndexedEvidence.load(paths: paths, caseDirectory: nil, reading: reading)
        try answer(
            store: indexed.store, paths: indexed.paths, rawLines: { indexed.rawLines($0, options: options) },
            check: {}, finish: indexed.finish)
    }

    /// Looks the indicator up and prints the answer; `check` runs before anything is printed.
    func answer<S: EventColumns>(
        store: S, paths: [String], rawLines: ([Int]) -> [Int: [UInt8]], check: () throws -> Void,
        finish: () throws -> Void
    ) throws {
        var groups: [(type: IndicatorType, text: String, keys: [IndicatorKey<UInt32>])] = []
        for (type, text) in lookups() {
            let keys = store.keys(type, matching: text, substring: type == .userAgent || type == .command)
            if !keys.isEmpty && !groups.contains(where: { $0.type == type }) { groups.append((type, text, keys)) }
        }
        try check()
        var out = StandardOutput()
        if groups.isEmpty {
            printError(
                "dwell: \(TerminalText.safe(indicator)) does not occur in the \(store.count) events read; check the type prefix (ip:, user:, host:, url:, ua:, domain:, hash:, command:)"
            )
            if output == .json {
                out.write("{\"indicator\":")
                var j = JSONBuffer()
                j.string(indicator)
                out.write(j.bytes)
                out.write(",\"count\":0}\n")
            }
            out.flush()
            try finish()
            return
        }
        let reports = groups.map { g -> Report in
            let positions = store.positions(anyOf: g.keys)
            let listed = (limit > 0 ? Array(positions.prefix(limit)) : positions).map(Int.init)
            return Report(type: g.type, text: g.text, keys: g.keys, positions: positions, listed: listed)
        }
        var wanted = reports.flatMap(\.listed)
        for r in reports { if let a = r.positions.first, let b = r.positions.last { wanted += [Int(a), Int(b)] } }
        let raw = rawLines(wanted)
        try check()
        switch output {
        case .text:
            for r in reports { out.write(text(r, store: store, paths: paths, raw: raw)) }
        case .json:
            if reports.count == 1, let r = reports.first {
                out.write(json(r, store: store, paths: paths, raw: raw))
            } else {
                out.write("[\n")
                for (k, r) in reports.enumerated() {
                    var bytes = json(r, store: store, paths: paths, raw: raw)
                    if k + 1 < reports.count, bytes.last == 0x0a {
                        bytes.insert(UInt8(ascii: ","), at: bytes.count - 1)
                    }
                    out.write(bytes)
                }
                out.write("]\n")
            }
        }
        out.flush()
        try finish()
    }

    struct Report {
        var type: IndicatorType
        var text: String
        var keys: [IndicatorKey<UInt32>]
        var positions: [Int32]
        var listed: [Int]
    }

    func text<S: EventColumns>(_ r: Report, store: S, paths: [String], raw: [Int: [UInt8]]) -> String {
        func s(_ t: String) -> String { TerminalText.safe(t) }
        func ev(_ i: Int) -> String {
            "\(s(RawLines.file(i, store: store, paths: paths))):\(store.line[i])  \(TerminalText.safe(bytes: raw[i] ?? []))"
        }
        guard let a = r.positions.first.map(Int.init), let b = r.positions.last.map(Int.init) else { return "" }
        var o = "PIVOT       \(r.type.name) \(s(r.text))   \(r.positions.count) event(s)\n"
        if r.keys.count > 1 || store.text(r.keys[0]) != r.text {
            o +=
                "MATCHES     " + r.keys.prefix(5).map { s(store.text($0)) }.joined(separator: " | ")
                + (r.keys.count > 5 ? " (+\(r.keys.count - 5) more values; --output json lists all)" : "") + "\n"
        }
        let span = store.time[b] - store.time[a]
        o += "FIRST SEEN  \(store.timestamp(a).iso8601(fractionDigits: 0))  \(ev(a))\n"
        o += "LAST SEEN   \(store.timestamp(b).iso8601(fractionDigits: 0))  \(ev(b))\n"
        o +=
            "SPAN        \(span / 86_400_000_000)d \(span / 3_600_000_000 % 24)h \(span / 60_000_000 % 60)m \(span / 1_000_000 % 60)s\n"
        let (byHost, byKind) = store.breakdown(r.positions)
        o +=
            "BY HOST     "
            + byHost.map { (store.string($0.key), $0.value) }.sorted { ($1.1, $0.0) < ($0.1, $1.0) }
            .map { "\(s($0.0.isEmpty ? "-" : $0.0)) \($0.1)" }.joined(separator: ", ") + "\n"
        o +=
            "BY KIND     "
            + byKind.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map { "\($0.key.name) \($0.value)" }
            .joined(separator: ", ") + "\n"
        let rel = store.related(r.positions, excluding: Set(r.keys))
        if related > 0, !rel.isEmpty {
            o += "RELATED     (indicators in the same events: count, first → last seen)\n"
            for type in IndicatorType.allCases {
                let list = rel.filter { $0.key.type == type }
                for c in list.prefix(related) {
                    o +=
                        "  \(type.name.padding(toLength: 10, withPad: " ", startingAt: 0)) \(s(store.text(c.key)))  \(c.count)  \(store.timestamp(c.first).iso8601(fractionDigits: 0)) → \(store.timestamp(c.last).iso8601(fractionDigits: 0))\n"
                }
                if list.count > related {
                    o +=
                        "  \(type.name.padding(toLength: 10, withPad: " ", startingAt: 0)) (+\(list.count - related) more)\n"
                }
            }
        }
        o += "EVENTS\n"
        for i in r.listed {
            let host = store.string(store.host[i])
            o +=
                "  \(store.timestamp(i).iso8601())  \(s(host.isEmpty ? "-" : host))  \(s(store.summary(i)))\n      \(ev(i))\n"
        }
        if r.listed.count < r.positions.count {
            o += "  (\(r.positions.count - r.listed.count) more: --limit 0 lists all)\n"
        }
        return o
    }

    func json<S: EventColumns>(_ r: Report, store: S, paths: [String], raw: [Int: [UInt8]]) -> [UInt8] {
        var j = JSONBuffer(capacity: 1 << 14)
        func evidence(_ i: Int) {
            j.beginObject()
            j.key("file"); j.string(RawLines.file(i, store: store, paths: paths))
            j.key("line"); j.int(store.line[i])
            j.key("offset"); j.int(store.offset[i])
            j.key("raw"); j.string(bytes: raw[i] ?? [])
            j.endObject()
        }
        j.beginObject()
        j.key("indicator"); j.beginObject()
        j.key("type"); j.string(r.type.name)
        j.key("value"); j.string(r.text)
        j.endObject()
        j.key("matched"); j.beginArray()
        for k in r.keys { j.string(store.text(k)) }
        j.endArray()
        j.key("count"); j.int(r.positions.count)
        if let a = r.positions.first.map(Int.init), let b = r.positions.last.map(Int.init) {
            j.key("first_seen"); j.time(store.timestamp(a), fractionDigits: 6)
            j.key("last_seen"); j.time(store.timestamp(b), fractionDigits: 6)
            j.key("first_evidence"); evidence(a)
            j.key("last_evidence"); evidence(b)
        }
        let (byHost, byKind) = store.breakdown(r.positions)
        j.key("by_host"); j.beginObject()
        for (h, c) in byHost.map({ (store.string($0.key), $0.value) }).sorted(by: { $0.0 < $1.0 }) {
            j.key(h.isEmpty ? "-" : h); j.int(c)
        }
        j.endObject()
        j.key("by_kind"); j.beginObject()
        for (k, c) in byKind.sorted(by: { $0.key < $1.key }) { j.key(k.name); j.int(c) }
        j.endObject()
        j.key("related"); j.beginArray()
        let rel = store.related(r.positions, excluding: Set(r.keys))
        for type in IndicatorType.allCases {
            for c in rel.filter({ $0.key.type == type }).prefix(related) {
                j.beginObject()
                j.key("type"); j.string(type.name)
                j.key("value"); j.string(store.text(c.key))
                j.key("count"); j.int(c.count)
                j.key("first_seen"); j.time(store.timestamp(c.first), fractionDigits: 6)
                j.key("last_seen"); j.time(store.timestamp(c.last), fractionDigits: 6)
                j.endObject()
            }
        }
        j.endArray()
        j.key("events_listed"); j.int(r.listed.count)
        j.key("events"); j.beginArray()
        for i in r.listed {
            j.beginObject()
            j.key("time"); j.time(store.timestamp(i))
            j.key("host"); j.string(store.string(store.host[i]))
            j.key("kind"); j.string(store.kind[i].name)
            j.key("summary"); j.string(store.summary(i))
            j.key("evidence"); evidence(i)
            j.endObject()
        }
        j.endArray()
        j.endObject()
        j.newline()
        return j.bytes
    }
}
