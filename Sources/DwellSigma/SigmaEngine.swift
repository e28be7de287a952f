import DwellCore
import DwellIndex
import Foundation
import Parsers

/// Reads back raw lines for keyword searches: calls `body` for each wanted line number (ascending) of a file,
/// and returns `false` when the file cannot be read again (standard input).
public typealias SigmaLineReader = (_ fileID: UInt32, _ lines: [UInt64], _ body: (UInt64, UnsafeBufferPointer<UInt8>) -> Void)
    -> Bool

/// One hit of a runnable rule: the events behind it (store positions, time order) and why.
public struct SigmaMatch: Sendable {
    /// Index in `SigmaRuleSet.runnable`.
    public var rule: Int
    public var positions: SigmaPositions
    public var why: String

    init(rule: Int, positions: [Int], why: String) {
        self.rule = rule
        self.positions = SigmaPositions(positions)
        self.why = why
    }

    /// A match of one event (most matches: a rule without aggregation matches event by event).
    init(rule: Int, position: Int, why: String) {
        self.rule = rule
        positions = SigmaPositions(position)
        self.why = why
    }
}

/// A match's store positions: the first kept inline, the others (aggregations and correlations) in an array, so a
/// match of one event allocates nothing (a rule can match hundreds of thousands of events, and an array each cost
/// about 50 bytes more per match).
public struct SigmaPositions: RandomAccessCollection, Sendable {
    /// The first position, or -1 when there is none (`count` is then 0).
    let head: Int
    let rest: [Int]

    package init(_ position: Int) {
        head = position
        rest = []
    }

    package init(_ positions: [Int]) {
        head = positions.first ?? -1
        rest = positions.isEmpty ? [] : Array(positions.dropFirst())
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { head < 0 ? 0 : rest.count + 1 }
    public subscript(i: Int) -> Int {
        precondition(i >= 0 && i < endIndex, "position index out of range")
        return i == 0 ? head : rest[i - 1]
    }
}

public struct SigmaRunResult: Sendable {
    public var matches: [SigmaMatch] = []
    /// Events each runnable rule was checked against (its log source's events).
    public var checked: [Int] = []
    /// Notes for the report: events whose raw line could not be read back for keywords, per log source.
    public var notes: [String] = []
}

/// Runs compiled rules over an event store: one pass per log source, each field's values taken once and each
/// distinct value checked once against every test that reads it; conditions are set operations over the source's
/// events. Keywords are searched in the raw lines, read back once per file for every source that reads the file
/// (`SigmaKeywordPass`), all keyword patterns searched together (`SigmaMultiPattern` over their anchors).
public struct SigmaEngine {
    let store: EventStore
    let lineReader: SigmaLineReader?
    /// Log sources checked side by side (the result does not depend on it).
    let threads: Int
    /// Keyword hits found while the ingest read the text files (`SigmaLineScan`): those files are not read back.
    let scanned: SigmaScannedLines?

    /// `lineReader` may be called from several threads at once (each call for its own file and lines).
    /// `scanned`: the keyword hits `SigmaLineScan` found during the ingest, for the rule set given to `run`.
    public init(
        store: EventStore, lineReader: SigmaLineReader?, threads: Int = ProcessInfo.processInfo.activeProcessorCount,
        scanned: SigmaScannedLines? = nil
    ) {
        self.store = store
        self.lineReader = lineReader
        self.threads = threads
        self.scanned = scanned
    }

    public func run(_ set: SigmaRuleSet) -> SigmaRunResult {
        var result = SigmaRunResult()
        result.checked = [Int](repeating: 0, count: set.runnable.count)
        // Matched positions per detection rule (before aggregation), for correlations.
        var eventsOf = [[Int]](repeating: [], count: set.runnable.count)
        // Each source's events and rules. A file is read back once by the keyword pass (for every source's
        // keywords) and once by each source that reads Windows record fields; a file read more than once is read
        // once, for all of them (`SigmaLineCache`).
        let (order, rulesOf, ruleIndexOf) = set.sourceGroups()
        // Every source's events in one pass over the store (no list of the store's positions by format).
        let selected = select(rulesOf.map { $0.first?.source })
        let keywords = SigmaKeywordPass(groups: rulesOf)
        let searching = order.indices.map { !keywords.testsOf[$0].isEmpty && !selected[$0].isEmpty }
        // Files whose lines the ingest searched (numbered as this run's tests, or not used): not read back.
        let scannedFiles = scanned.flatMap { $0.tests == keywords.tests ? $0.files : nil } ?? [:]
        let loading = order.indices.map { g in rulesOf[g].contains { !$0.recordFieldNames.isEmpty } }
        var fileCount = 0
        for g in order.indices where searching[g] || loading[g] {
            for p in selected[g] { fileCount = max(fileCount, Int(store.fileID[p]) + 1) }
        }
        var readersOf = [Int](repeating: 0, count: fileCount)
        var touched = [Bool](repeating: false, count: fileCount)
        // Whether the ingest searched a file, by file id (a look-up per event: an array, not the dictionary).
        var wasScanned = [Bool](repeating: false, count: fileCount)
        for f in scannedFiles.keys where Int(f) < fileCount { wasScanned[Int(f)] = true }
        for g in order.indices where searching[g] {
            for p in selected[g] where !wasScanned[Int(store.fileID[p])] { touched[Int(store.fileID[p])] = true }
        }
        for f in touched.indices where touched[f] { readersOf[f] = 1 }
        for g in order.indices where loading[g] {
            for f in touched.indices { touched[f] = false }
            for p in selected[g] { touched[Int(store.fileID[p])] = true }
            for f in touched.indices where touched[f] { readersOf[f] += 1 }
        }
        var lineReader = self.lineReader
        if let direct = lineReader, readersOf.contains(where: { $0 > 1 }) {
            // Per shared file, a bitmap of its wanted line numbers (no hashing per event), read out ascending.
            var union = [[UInt64]](repeating: [], count: fileCount)
            for g in order.indices where searching[g] || loading[g] {
                for p in selected[g] where readersOf[Int(store.fileID[p])] > 1 {
                    union[Int(store.fileID[p])].setBit(Int(store.line[p]))
                }
            }
            var shared: [UInt32: [UInt64]] = [:]
            for f in union.indices where readersOf[f] > 1 { shared[UInt32(f)] = union[f].setBits() }
            lineReader = SigmaLineCache(reader: direct, union: shared).lineReader
        }
        // The log sources are independent: their passes run side by side, the longest first, and their results
        // are joined in the sources' order, so the result never depends on scheduling. A source without keywords
        // is done in one go; a source with keywords first reads its record fields and finds the events where its
        // rules depend on the keywords, then all sources' keywords are searched in one read of each file, then
        // its rules are evaluated.
        let outputs = ResultSlots<GroupOutput?>(repeating: nil, count: order.count)
        let waiting = ResultSlots<(source: SourceRun, needed: Bitset?, recordNote: String?)?>(repeating: nil, count: order.count)
        let jobs = order.indices.sorted { (selected[$0].count * rulesOf[$0].count, $1) > (selected[$1].count * rulesOf[$1].count, $0) }
        func group(_ g: Int) -> SourceGroup {
            SourceGroup(rules: rulesOf[g], ruleIndex: ruleIndexOf[g], positions: selected[g], keywordTests: keywords.testsOf[g])
        }
        JobQueue(
            jobs.map { g in
                { [self, lineReader, searching] in
                    var source = SourceRun(store: store, positions: selected[g])
                    let recordNote = rulesOf[g].isEmpty ? nil : source.loadRecords(rulesOf[g], reader: lineReader)
                    guard searching[g], lineReader != nil else {
                        let keywordNote = source.takeKeywordHits(keywords.testsOf[g], of: keywords, found: nil)
                        outputs.store(g, finish(set, group(g), source: &source, notes: [keywordNote, recordNote].compactMap { $0 }))
                        return
                    }
                    // `nil` when every event's line is needed (pure keyword rules): no copy of the source's events.
                    let needed = source.keywordNeeded(rulesOf[g])
                    var missing = needed
                    missing.invert()
                    waiting.store(g, (source, missing.isEmpty ? nil : needed, recordNote))
                }
            }
        ).run(threads: threads)
        let held = waiting.values
        if let lineReader, held.contains(where: { $0 != nil }) {
            let found = keywords.run(
                store: store, positions: order.indices.map { held[$0] == nil ? [] : selected[$0] }, only: held.map { $0?.needed },
                reader: lineReader, scanned: scannedFiles, threads: threads)
            JobQueue(
                jobs.filter { held[$0] != nil }.map { g in
                    { [self] in
                        guard var (source, _, recordNote) = held[g] else { return }
                        let keywordNote = source.takeKeywordHits(keywords.testsOf[g], of: keywords, found: found)
                        outputs.store(g, finish(set, group(g), source: &source, notes: [keywordNote, recordNote].compactMap { $0 }))
                    }
                }
            ).run(threads: threads)
        }
        // Each source's output is dropped once joined, so its matches are not held twice for long.
        var done = outputs.values
        for g in order.indices { outputs.store(g, nil) }
        result.matches.reserveCapacity(done.reduce(0) { $0 + ($1?.matches.count ?? 0) })
        for (g, name) in order.enumerated() {
            guard let out = done[g] else { continue }
            done[g] = nil
            for (m, n) in out.checked { result.checked[m] = n }
            for (m, hits) in out.hits { eventsOf[m] = hits }
            result.notes += out.notes.map { "\(name): \($0)" }
            result.matches += out.matches
        }
        for (i, r) in set.runnable.enumerated() {
            guard case .correlation(let c) = r else { continue }
            result.checked[i] = c.refs.reduce(0) { $0 + eventsOf[$1].count }
            result.matches += correlate(c, eventsOf, rule: i)
        }
        return result
    }

    /// What one log source's pass gives: its rules' matches, its notes (not yet prefixed with the source's name),
    /// each detection rule's matched positions (for correlations) and how many events each rule was checked against.
    struct GroupOutput {
        var matches: [SigmaMatch] = []
        var notes: [String] = []
        var hits: [(rule: Int, positions: [Int])] = []
        var checked: [(rule: Int, events: Int)] = []
    }

    /// One log source's rules and events.
    struct SourceGroup {
        var rules: [SigmaCompiledRule]
        /// Each rule's index in `SigmaRuleSet.runnable`.
        var ruleIndex: [Int]
        var positions: [Int]
        /// The source's keyword tests (numbers in the run's `SigmaKeywordPass`).
        var keywordTests: [Int32]
    }

    /// One log source's rules evaluated over its events, once its keyword hits and record fields are in `source`.
    /// `notes`: the source's notes so far (not yet prefixed with its name).
    func finish(_ set: SigmaRuleSet, _ group: SourceGroup, source: inout SourceRun, notes: [String]) -> GroupOutput {
        var out = GroupOutput()
        let positions = group.positions
        let rules = group.rules
        let ruleIndex = group.ruleIndex
        for m in ruleIndex { out.checked.append((m, positions.count)) }
        guard !rules.isEmpty else { return out }
        out.notes = notes
        // Every rule's hits first, then the matches in one array sized once (a match per hit for rules without
        // aggregation): growing it rule by rule held the old and the new array at once, for every rule that hit.
        var aggregated: [(k: Int, matches: [SigmaMatch])] = []
        for (k, c) in rules.enumerated() {
            let bits = source.evaluate(c.root, rule: c)
            var hits: [Int] = []
            bits.forEachSet { hits.append(positions[$0]) }
            out.hits.append((ruleIndex[k], hits))
            guard !set.quiet.contains(ruleIndex[k]), let a = c.aggregation else { continue }
            var hitIndices: [Int] = []
            bits.forEachSet { hitIndices.append($0) }
            aggregated.append((k, aggregate(hitIndices, c, a, rule: ruleIndex[k], source: &source)))
        }
        var total = aggregated.reduce(0) { $0 + $1.matches.count }
        for (k, c) in rules.enumerated() where c.aggregation == nil && !set.quiet.contains(ruleIndex[k]) {
            total += out.hits[k].positions.count
        }
        out.matches.reserveCapacity(total)
        var nextAggregated = 0
        for (k, c) in rules.enumerated() where !set.quiet.contains(ruleIndex[k]) {
            if c.aggregation != nil {
                if nextAggregated < aggregated.count, aggregated[nextAggregated].k == k {
                    out.matches += aggregated[nextAggregated].matches
                    nextAggregated += 1
                }
            } else {
                let why = "matched \(c.rule.condition[0])"
                for p in out.hits[k].positions { out.matches.append(SigmaMatch(rule: ruleIndex[k], position: p, why: why)) }
            }
        }
        return out
    }

    /// The store positions of a log source's events.
    package func select(_ m: SigmaSourceMapping) -> [Int] { select([m])[0] }

    /// The store positions of each log source's events (ascending; empty for a `nil` source), in one pass over the
    /// store: each event is offered to the sources that read its format.
    /// - Complexity: O(*n*) in the store's events, plus one check per (event, source of its format).
    package func select(_ mappings: [SigmaSourceMapping?]) -> [[Int]] {
        // Per format id (`Registry.formats` index + 1): the sources reading it, as `sourceStarts`/`sourceList`.
        let formatCount = Registry.formats.count + 1
        var sourcesOf = [[Int]](repeating: [], count: formatCount)
        // Sources that select alike (`product: linux`, `service: auth` and `service: syslog` all take every syslog
        // event) share one list: each is selected once and the others take its list (no copy).
        var sameAs = Array(mappings.indices)
        var firstOf: [String: Int] = [:]
        for (g, m) in mappings.enumerated() {
            guard let m else { continue }
            let key = SourceSelector.key(m)
            if let first = firstOf[key] {
                sameAs[g] = first
                continue
            }
            firstOf[key] = g
            for (i, f) in Registry.formats.enumerated() where m.formats.contains(f.name) { sourcesOf[i + 1].append(g) }
        }
        var sourceStarts = [Int](repeating: 0, count: formatCount + 1)
        var sourceList: [Int] = []
        for f in 0..<formatCount {
            sourceStarts[f] = sourceList.count
            sourceList += sourcesOf[f]
        }
        sourceStarts[formatCount] = sourceList.count
        // `nil` sources are in no format's list, so their (empty) selector is never asked.
        let none = SigmaSourceMapping(name: "", formats: [], fields: [:], keywords: false)
        var selectors = mappings.map { SourceSelector($0 ?? none) }
        var out = [[Int]](repeating: [], count: mappings.count)
        guard !sourceList.isEmpty else { return out }
        // Through a buffer: asking an array element of selectors (dictionaries inside) copied it per event.
        selectors.withUnsafeMutableBufferPointer { sel in
            for i in 0..<store.count {
                let f = Int(store.format[i])
                guard f < formatCount, sourceStarts[f] < sourceStarts[f + 1] else { continue }
                for k in sourceStarts[f]..<sourceStarts[f + 1] {
                    let g = sourceList[k]
                    if sel[g].accepts(i, store) { out[g].append(i) }
                }
            }
        }
        for g in mappings.indices where sameAs[g] != g { out[g] = out[sameAs[g]] }
        return out
    }

    /// `count() [by field] > N` within the timeframe: one match per group and window where the count holds.
    /// `hits` are indices into `source.positions`.
    func aggregate(_ hits: [Int], _ c: SigmaCompiledRule, _ a: SigmaAggregation, rule: Int, source: inout SourceRun) -> [SigmaMatch] {
        var byGroup: [UInt64: [Int]] = [:]
        var order: [UInt64] = []
        let groupKeys = c.groupField.map { source.keys($0) }
        let countKeys = c.countField.map { source.keys($0) }
        var countKeyOf: [Int: UInt64] = [:]
        for n in hits {
            let p = source.positions[n]
            let g = groupKeys?[n] ?? 0
            if byGroup[g] == nil { order.append(g) }
            byGroup[g, default: []].append(p)
            if let countKeys { countKeyOf[p] = countKeys[n] }
        }
        let span = (c.rule.timeframeSeconds ?? Int64.max / 2_000_000) * 1_000_000
        var out: [SigmaMatch] = []
        for g in order {
            let events = byGroup[g]!.sorted { (store.time[$0], $0) < (store.time[$1], $1) }
            let label = c.groupField.map { "\(a.groupBy ?? "") \(source.display($0, g))" } ?? "all events"
            for w in windows(events, span: span, comparison: a.comparison, distinct: countKeys == nil ? nil : countKeyOf) {
                out.append(
                    SigmaMatch(
                        rule: rule, positions: Array(w.events.prefix(64)),
                        why: "count\(a.field.map { "(\($0))" } ?? "()") = \(w.count) for \(label) within \(c.rule.timeframeSeconds.map { "\($0)s" } ?? "the whole evidence") (\(a.comparison.op.rawValue) \(a.comparison.value))"))
            }
        }
        return out
    }

    /// Sliding windows of `span` µs over time-ordered events: each window in which the count (of events, or of
    /// distinct values of `distinct`) satisfies the comparison is reported once; the next starts after it.
    /// `distinct`: the counted field's key per store position.
    func windows(_ events: [Int], span: Int64, comparison: SigmaComparison, distinct: [Int: UInt64]?) -> [(events: [Int], count: Int)] {
        var out: [(events: [Int], count: Int)] = []
        var start = 0
        var j = 0
        while j < events.count {
            while store.time[events[j]] - store.time[events[start]] > span { start += 1 }
            let window = events[start...j]
            let n = distinct.map { keyOf in Set(window.map { keyOf[$0] ?? FieldAccess.absent }).count } ?? window.count
            if comparison.holds(Int64(n)) {
                out.append((Array(window), n))
                start = j + 1
            }
            j += 1
        }
        return out
    }

    func correlate(_ c: SigmaResolvedCorrelation, _ eventsOf: [[Int]], rule: Int) -> [SigmaMatch] {
        struct Item { var position: Int; var ref: Int; var group: String }
        var items: [Item] = []
        for (k, r) in c.refs.enumerated() {
            for p in eventsOf[r] {
                let g = c.groupFields[k].map { FieldAccess.display(store, $0, FieldAccess.key(store, $0, p)) }.joined(separator: "\u{1f}")
                items.append(Item(position: p, ref: k, group: g))
            }
        }
        var byGroup: [String: [Item]] = [:]
        for i in items { byGroup[i.group, default: []].append(i) }
        let span = c.correlation.timespanSeconds * 1_000_000
        var out: [SigmaMatch] = []
        for g in byGroup.keys.sorted() {
            let list = byGroup[g]!.sorted { (store.time[$0.position], $0.position) < (store.time[$1.position], $1.position) }
            var start = 0
            for j in list.indices {
                while store.time[list[j].position] - store.time[list[start].position] > span { start += 1 }
                let w = list[start...j]
                let n: Int
                switch c.correlation.kind {
                case .eventCount: n = w.count
                case .valueCount:
                    n = Set(w.compactMap { i in c.valueField[i.ref].map { FieldAccess.display(store, $0, FieldAccess.key(store, $0, i.position)) } }).count
                case .temporal: n = Set(w.map(\.ref)).count == c.refs.count ? 1 : 0
                }
                let holds = c.correlation.kind == .temporal ? n == 1 : c.correlation.comparison.holds(Int64(n))
                guard holds else { continue }
                let label = c.correlation.groupBy.isEmpty ? "all events" : zip(c.correlation.groupBy, g.split(separator: "\u{1f}", omittingEmptySubsequences: false)).map { "\($0)=\($1)" }.joined(separator: " ")
                let what = c.correlation.kind == .temporal ? "all \(c.refs.count) rules matched" : "\(c.correlation.kind.rawValue) = \(n) (\(c.correlation.comparison.op.rawValue) \(c.correlation.comparison.value))"
                out.append(
                    SigmaMatch(
                        rule: rule, positions: Array(Set(w.map(\.position)).sorted { (store.time[$0], $0) < (store.time[$1], $1) }.prefix(64)),
                        why: "\(what) for \(label) within \(c.correlation.timespanSeconds)s"))
                start = j + 1
            }
        }
        return out
    }
}

extension SigmaEngine {
    /// Test hook for the differential test: a log source's events as rows under Sigma's field names (every field
    /// the source's table maps, `nil` when absent; numbers as digits), with the raw line under `_raw`. Windows
    /// record fields that `rules` read are columns too, read back for every event of the source.
    package func oracleRows(_ m: SigmaSourceMapping, rules: [SigmaCompiledRule] = [])
        -> (positions: [Int], columns: [String], numeric: Set<String>, rows: [[String?]])
    {
        let positions = select(m)
        var source = SourceRun(store: store, positions: positions)
        _ = source.loadRecords(rules, reader: lineReader, everyEvent: true)
        let recordNames = Set(rules.flatMap(\.recordFieldNames)).subtracting(m.fields.keys).sorted()
        var fields = m.fields
        for n in recordNames { fields[n] = .record(n) }
        let columns = fields.keys.sorted()
        let numeric = Set(columns.filter { fields[$0]!.isNumeric })
        let keys = columns.map { source.keys(fields[$0]!) }
        var rows: [[String?]] = positions.indices.map { n in
            columns.indices.map { c in source.text(fields[columns[c]]!, keys[c][n]).map { ByteText.string($0) } }
        }
        var raw = [String?](repeating: nil, count: positions.count)
        var byFile: [UInt32: [(line: UInt64, n: Int)]] = [:]
        for (n, p) in positions.enumerated() { byFile[store.fileID[p], default: []].append((UInt64(store.line[p]), n)) }
        for (fileID, events) in byFile {
            var lines: [UInt64: String] = [:]
            let wanted = Array(Set(events.map(\.line))).sorted()
            _ = lineReader?(fileID, wanted) { line, bytes in
                if wanted.last.map({ line <= $0 }) == true { lines[line] = ByteText.string(bytes) }
            }
            for e in events { raw[e.n] = lines[e.line] }
        }
        for n in rows.indices { rows[n].append(raw[n]) }
        return (positions, columns + ["_raw"], numeric, rows)
    }
}

extension SigmaRuleSet {
    /// The detection rules by log source, the sources in the order of their first rule, and each rule's index in
    /// `runnable`: the engine's groups, and the keyword tests' numbering (`SigmaKeywordPass`) a scan made during the
    /// ingest (`SigmaLineScan`) shares with it.
    func sourceGroups() -> (names: [String], rules: [[SigmaCompiledRule]], indices: [[Int]]) {
        var groupOf: [String: Int] = [:]
        var names: [String] = []
        var rules: [[SigmaCompiledRule]] = []
        var indices: [[Int]] = []
        for (i, r) in runnable.enumerated() {
            guard case .detection(let c) = r else { continue }
            let g: Int
            if let known = groupOf[c.source.name] {
                g = known
            } else {
                g = names.count
                groupOf[c.source.name] = g
                names.append(c.source.name)
                rules.append([])
                indices.append([])
            }
            rules[g].append(c)
            indices[g].append(i)
        }
        return (names, rules, indices)
    }
}

extension [UInt64] {
    /// Sets bit `n` of the bitmap (growing it as needed).
    mutating func setBit(_ n: Int) {
        let w = n >> 6
        if w >= count { append(contentsOf: repeatElement(0, count: w - count + 1)) }
        self[w] |= 1 << UInt64(n & 63)
    }

    /// The numbers of the set bits, ascending.
    func setBits() -> [UInt64] {
        var out: [UInt64] = []
        for (w, word) in enumerated() where word != 0 {
            var x = word
            while x != 0 {
                out.append(UInt64(w * 64 + x.trailingZeroBitCount))
                x &= x - 1
            }
        }
        return out
    }
}

/// Whether an event of one of a log source's formats belongs to the source: its kind, its program (syslog tag or
/// Windows channel) and its Windows event id, each answer kept per symbol (and the last one's again for the next
/// event, which mostly shares it: no hashing for it).
struct SourceSelector {
    let m: SigmaSourceMapping
    /// The kinds as a table by raw value.
    let kindOK: [Bool]
    var programOK: [UInt32: Bool] = [:]
    var lastProgram: (symbol: UInt32, ok: Bool)?
    var idOf: [UInt32: Int] = [:]
    var lastSignature: (symbol: UInt32, ok: Bool)?

    /// What decides which events a mapping selects, as text: equal keys select the same events.
    static func key(_ m: SigmaSourceMapping) -> String {
        let kinds = m.kinds.map { $0.map { Int($0.rawValue) }.sorted().description } ?? "any"
        let programs = m.programs.map { "\($0.description) \(m.programContains)" } ?? "any"
        let ids = m.eventIDs.map { $0.sorted().description } ?? "any"
        return "\(m.formats.sorted()) \(kinds) \(programs) \(ids)"
    }

    init(_ m: SigmaSourceMapping) {
        self.m = m
        var kinds = [Bool](repeating: m.kinds == nil, count: 256)
        for k in m.kinds ?? [] { kinds[Int(k.rawValue)] = true }
        kindOK = kinds
    }

    /// Whether the event at store position `i` (of one of the source's formats) belongs to the source.
    mutating func accepts(_ i: Int, _ store: EventStore) -> Bool {
        guard kindOK[Int(store.kind[i].rawValue)] else { return false }
        if let progs = m.programs {
            let p = store.program[i]
            let ok: Bool
            if let last = lastProgram, last.symbol == p {
                ok = last.ok
            } else if let known = programOK[p] {
                ok = known
            } else {
                let name = store.string(p).lowercased()
                ok = progs.contains { m.programContains ? name.contains($0) : name == $0 }
                programOK[p] = ok
            }
            lastProgram = (p, ok)
            guard ok else { return false }
        }
        if let ids = m.eventIDs {
            let s = store.signature[i]
            let ok: Bool
            if let last = lastSignature, last.symbol == s {
                ok = last.ok
            } else {
                let id: Int
                if let known = idOf[s] { id = known } else {
                    id = Int(store.string(s)) ?? -1
                    idOf[s] = id
                }
                ok = ids.contains(id)
            }
            lastSignature = (s, ok)
            guard ok else { return false }
        }
        return true
    }
}
