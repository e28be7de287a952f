import DwellCore
import Foundation
import Parsers

/// The keyword tests of a rule set compiled before the evidence is read, so that each line of a text log is searched
/// while the ingest has it in hand (issue #21): web access logs and syslog files are then not read back, nor their
/// `.gz` files inflated again, after the analysis.
///
/// Which lines: those of a text format (`dwell formats`: read line by line) that some log source with keyword tests
/// reads, when
/// - some rule of those sources needs its keywords on ordinary events: its condition is still open when every field
///   test is false and the keywords are unknown (`keywords`, `keywords and not filter`; not `selection and
///   keywords`, which needs the lines only where `selection` holds: the keyword pass reads those few back);
/// - and no source reading the format reads Windows record fields (those files are read back for the fields anyway).
///
/// Each event's line is searched with the keyword tests of exactly the sources that take the event (its kind,
/// program and event id, as `SourceSelector` decides from the store), as the keyword pass searches a read-back line.
/// Lines the keyword pass would have skipped (no rule's outcome depends on its keywords there) are searched too:
/// their hits cannot change a result.
///
/// Shared by the ingest's workers (its matchers are made once per set of tests, under a lock); each file has its own
/// `File`.
public final class SigmaLineScan: @unchecked Sendable {
    /// The keyword tests' numbering: the engine's own (`SigmaRuleSet.sourceGroups`), so the hits need no translation.
    let pass: SigmaKeywordPass
    /// Per format id (`FormatID.rawValue`): the log sources (group numbers) with keyword tests that read it, or none
    /// when its lines are not searched during the ingest. At most 64 (the 64th stands for itself and all later ones).
    let sourcesOf: [[Int]]
    /// Per log source (group): its mapping.
    let mappings: [SigmaSourceMapping?]
    private let lock = NSLock()
    /// Under `lock`: one matcher per distinct set of tests.
    private var matcherOfTests: [[Int32]: SigmaKeywordMatcher] = [:]

    /// `nil` when no text format's lines need searching.
    public init?(_ set: SigmaRuleSet, parserOptions: ParserOptions = ParserOptions()) {
        let groups = set.sourceGroups()
        pass = SigmaKeywordPass(groups: groups.rules)
        mappings = groups.rules.map { $0.first?.source }
        var sourcesOf = [[Int]](repeating: [], count: Registry.formats.count + 1)
        for (i, format) in Registry.formats.enumerated() {
            guard case .lines = format.make(parserOptions) else { continue }
            var readers: [Int] = []
            var decisive = false
            var recordFields = false
            for (g, rules) in groups.rules.enumerated() {
                guard let m = mappings[g], m.formats.contains(format.name) else { continue }
                recordFields = recordFields || m.recordFields
                guard !pass.testsOf[g].isEmpty else { continue }
                readers.append(g)
                decisive = decisive || rules.contains { Self.keywordsDecideAlone($0) }
            }
            if decisive && !recordFields { sourcesOf[i + 1] = readers }
        }
        guard sourcesOf.contains(where: { !$0.isEmpty }) else { return nil }
        self.sourcesOf = sourcesOf
    }

    /// Whether `rule`'s condition stays open with every field test false and the keyword tests unknown: then its
    /// keywords must be searched on ordinary events (Kleene's three-valued logic: `nil` is unknown).
    static func keywordsDecideAlone(_ rule: SigmaCompiledRule) -> Bool {
        func value(_ node: SigmaNode) -> Bool? {
            switch node {
            case .constant(let b): return b
            case .test(let t): return t < rule.tests.count && rule.tests[t].field == .rawLine ? nil : false
            case .not(let x): return value(x).map { !$0 }
            case .and(let xs): return kleene(xs, absorbing: false)
            case .or(let xs): return kleene(xs, absorbing: true)
            }
        }
        /// `and` (absorbed by false) or `or` (absorbed by true) of three-valued operands.
        func kleene(_ xs: [SigmaNode], absorbing a: Bool) -> Bool? {
            var open = false
            for x in xs {
                let v = value(x)
                if v == a { return a }
                if v == nil { open = true }
            }
            return open ? nil : !a
        }
        return rule.tests.contains { $0.field == .rawLine } && value(rule.root) == nil
    }

    /// Whether the lines of `format` are searched during the ingest.
    public func searches(_ format: FormatID) -> Bool {
        Int(format.rawValue) < sourcesOf.count && !sourcesOf[Int(format.rawValue)].isEmpty
    }

    /// The matcher of the sources of `format` whose bits are set in `mask`, or `nil` when no test is left.
    ///
    /// Past 64 sources of one format, bit 63 stands for the 64th and every later source: the kind, program and
    /// event-id masks each set it when any of those sources takes the event (not necessarily the same one in each),
    /// and a set bit 63 brings in the tests of all of them. So the tests searched in a line are always a superset of
    /// those of the sources that take the event, never fewer. The extra tests cannot change a result: whether a test
    /// matches depends only on the line's bytes, and each source takes from a line's hits only its own tests, at
    /// its own events (`SourceRun.takeKeywordHits`), as the keyword pass does with its own bit 63.
    func matcher(format: Int, mask: UInt64) -> SigmaKeywordMatcher? {
        var ids = Set<Int32>()
        for (bit, g) in sourcesOf[format].enumerated() where mask & (1 << UInt64(min(bit, 63))) != 0 {
            ids.formUnion(pass.testsOf[g])
        }
        guard !ids.isEmpty else { return nil }
        let key = ids.sorted()
        return lock.withLock {
            if let known = matcherOfTests[key] { return known }
            let made = SigmaKeywordMatcher(key, of: pass.tests)
            matcherOfTests[key] = made
            return made
        }
    }

    /// A scanner for one file's events, owned by the worker that reads the file.
    public func file() -> File { File(scan: self) }

    /// One file's searches: the events' lines go in as the ingest reads them, the hits come out at the end. It
    /// belongs to the worker reading the file.
    public struct File {
        let scan: SigmaLineScan
        var scratch = SigmaKeywordMatcher.Scratch()
        var hits = SigmaKeywordPass.FileHits()
        /// The current format (a file's events share one) and what decides which of its sources take an event.
        var format: UInt16?
        var sources: [Int] = []
        /// Per event kind: the sources taking that kind, one bit each (bit 63: that source and all later ones).
        var kindMask = [UInt64](repeating: 0, count: 256)
        /// Per program (syslog tag or Windows channel) and per Windows event id symbol (the file's own, dense ids):
        /// the sources taking it, once known.
        var programMask: [UInt64?] = []
        var signatureMask: [UInt64?] = []
        var lastProgram: (symbol: UInt32, mask: UInt64)?
        var lastSignature: (symbol: UInt32, mask: UInt64)?
        /// The matcher of each mask met in this file (`nil`: no test).
        var matcherOfMask: [UInt64: SigmaKeywordMatcher?] = [:]
        var last: (mask: UInt64, matcher: SigmaKeywordMatcher?) = (0, nil)
        /// Whether some event of a searched format came (then every event of that format was searched).
        var searched = false

        init(scan: SigmaLineScan) { self.scan = scan }

        /// Searches the raw line of one event (`line`: the whole line as the ingest hands it to its sink, its
        /// terminator removed). `symbols`: the file's symbols (the event's program and event id are looked up
        /// once per distinct symbol). Events come in line order.
        public mutating func search(_ event: Event, line: Span<UInt8>, symbols: SymbolTable) {
            if event.format.rawValue != format { start(format: event.format.rawValue) }
            guard !sources.isEmpty else { return }
            searched = true
            var mask = kindMask[Int(event.kind.rawValue)]
            guard mask != 0 else { return }
            mask &= programBits(event.program, symbols)
            guard mask != 0 else { return }
            mask &= signatureBits(event.signature, symbols)
            guard mask != 0 else { return }
            if mask != last.mask {
                if let known = matcherOfMask[mask] {
                    last = (mask, known)
                } else {
                    let made = scan.matcher(format: Int(format ?? 0), mask: mask)
                    if let made { scratch.fit(made) }
                    matcherOfMask[mask] = made
                    last = (mask, made)
                }
            }
            guard let matcher = last.matcher else { return }
            let number = UInt32(truncatingIfNeeded: event.source.line)
            let before = hits.tests.count
            line.withUnsafeBufferPointer { bytes in matcher.match(bytes, &scratch) { hits.tests.append($0) } }
            guard hits.tests.count > before else { return }
            // One event per line in a text file; a line met twice keeps the hits of both under one entry.
            if hits.lines.last == number {
                hits.starts[hits.starts.count - 1] = Int32(hits.tests.count)
            } else {
                hits.lines.append(number)
                hits.starts.append(Int32(hits.tests.count))
            }
        }

        mutating func start(format f: UInt16) {
            format = f
            sources = Int(f) < scan.sourcesOf.count ? scan.sourcesOf[Int(f)] : []
            programMask = []
            signatureMask = []
            lastProgram = nil
            lastSignature = nil
            matcherOfMask = [:]
            last = (0, nil)
            for k in kindMask.indices { kindMask[k] = 0 }
            for (bit, g) in sources.enumerated() {
                guard let m = scan.mappings[g] else { continue }
                for k in kindMask.indices where m.kinds.map({ kinds in kinds.contains { Int($0.rawValue) == k } }) ?? true {
                    kindMask[k] |= Self.bit(bit)
                }
            }
        }

        static func bit(_ n: Int) -> UInt64 { 1 << UInt64(min(n, 63)) }

        /// The sources whose programs take `program` (every source without a program list does), as
        /// `SourceSelector.accepts` decides.
        mutating func programBits(_ program: Symbol, _ symbols: SymbolTable) -> UInt64 {
            if let l = lastProgram, l.symbol == program.id { return l.mask }
            let mask: UInt64
            let slot = Int(program.id)
            if slot < programMask.count, let known = programMask[slot] {
                mask = known
            } else {
                let name = symbols.string(program).lowercased()
                var m: UInt64 = 0
                for (bit, g) in sources.enumerated() {
                    guard let s = scan.mappings[g] else { continue }
                    let ok = s.programs.map { ps in ps.contains { s.programContains ? name.contains($0) : name == $0 } } ?? true
                    if ok { m |= Self.bit(bit) }
                }
                if slot >= programMask.count { programMask += repeatElement(nil, count: max(slot + 1 - programMask.count, programMask.count)) }
                programMask[slot] = m
                mask = m
            }
            lastProgram = (program.id, mask)
            return mask
        }

        /// The sources whose event ids take `signature` (every source without an id list does).
        mutating func signatureBits(_ signature: Symbol, _ symbols: SymbolTable) -> UInt64 {
            if let l = lastSignature, l.symbol == signature.id { return l.mask }
            let mask: UInt64
            let slot = Int(signature.id)
            if slot < signatureMask.count, let known = signatureMask[slot] {
                mask = known
            } else {
                let id = Int(symbols.string(signature)) ?? -1
                var m: UInt64 = 0
                for (bit, g) in sources.enumerated() {
                    guard let s = scan.mappings[g] else { continue }
                    if s.eventIDs.map({ $0.contains(id) }) ?? true { m |= Self.bit(bit) }
                }
                if slot >= signatureMask.count { signatureMask += repeatElement(nil, count: max(slot + 1 - signatureMask.count, signatureMask.count)) }
                signatureMask[slot] = m
                mask = m
            }
            lastSignature = (signature.id, mask)
            return mask
        }

        /// The file's hits, or `nil` when none of its events was of a searched format (the keyword pass reads the
        /// file back if some source searches it).
        public consuming func finish() -> SigmaLineHits? {
            guard searched else { return nil }
            var h = hits
            for l in h.lines { h.lineBits.setBit(Int(l)) }
            return SigmaLineHits(hits: h)
        }
    }

    /// The hits of the files searched during the ingest (file id → the file's hits), for `SigmaEngine`.
    public func scanned(_ files: [UInt32: SigmaLineHits]) -> SigmaScannedLines {
        SigmaScannedLines(tests: pass.tests, files: files.mapValues(\.hits))
    }
}

/// One file's keyword hits found during the ingest (`SigmaLineScan.File.finish`).
public struct SigmaLineHits: Sendable {
    let hits: SigmaKeywordPass.FileHits
    /// Lines with some hit.
    public var lineCount: Int { hits.lines.count }
}

/// The keyword hits of every file searched during the ingest, numbered as the rule set's keyword tests are: the
/// keyword pass takes them instead of reading these files back.
public struct SigmaScannedLines: Sendable {
    /// The keyword tests the hits are numbered by (checked against the run's before use).
    let tests: [SigmaFieldTest]
    let files: [UInt32: SigmaKeywordPass.FileHits]
    /// Files searched during the ingest.
    public var fileCount: Int { files.count }
}
