import DwellCore
import DwellIndex
import Foundation

/// Keyword tests (values without a field, searched in the raw line) compiled together: the literal patterns of
/// all the tests are found through one `SigmaMultiPattern` over their anchors, and only the patterns whose anchor
/// occurs are matched in full. Whether a test matches a line depends on the line's bytes alone, so one matcher can
/// serve every log source that reads the line. A class: a line's matcher is taken from a list per line, and a
/// struct of this many arrays was copied (a retain and release per array) each time.
final class SigmaKeywordMatcher {
    /// The tests, by their number in the run (`SigmaKeywordPass.tests`).
    let testIDs: [Int32]
    let checks: [SigmaFieldTest.Check]
    /// Every literal pattern of every test (`test`: an index into `testIDs`).
    let entries: [(test: Int, pattern: SigmaPattern)]
    /// Entries checked on every line: cased patterns, or patterns without a literal piece.
    let always: [Int32]
    /// The entries of each distinct anchor (anchor `k` is pattern `k` of `scanner`).
    let entriesOfAnchor: [[Int32]]
    let scanner: SigmaMultiPattern
    let regexTests: [(test: Int, expressions: [NSRegularExpression], all: Bool)]

    /// `ids`: the tests' numbers in `all`.
    init(_ ids: [Int32], of all: [SigmaFieldTest]) {
        testIDs = ids
        checks = ids.map { all[Int($0)].check }
        var entries: [(test: Int, pattern: SigmaPattern)] = []
        var regexTests: [(test: Int, expressions: [NSRegularExpression], all: Bool)] = []
        for (ti, check) in checks.enumerated() {
            switch check {
            case .patterns(let ps, _): for p in ps { entries.append((ti, p)) }
            case .regex(let src, let all, let o):
                regexTests.append((ti, src.compactMap { try? NSRegularExpression(pattern: $0, options: .init(rawValue: o)) }, all))
            default: break
            }
        }
        var always: [Int32] = []
        var anchorOf: [[UInt8]: Int] = [:]
        var anchors: [[UInt8]] = []
        var entriesOfAnchor: [[Int32]] = []
        for (e, entry) in entries.enumerated() {
            let a = entry.pattern.anchor
            guard !a.isEmpty, !entry.pattern.cased else {
                always.append(Int32(e))
                continue
            }
            if let k = anchorOf[a] {
                entriesOfAnchor[k].append(Int32(e))
            } else {
                anchorOf[a] = anchors.count
                anchors.append(a)
                entriesOfAnchor.append([Int32(e)])
            }
        }
        self.entries = entries
        self.regexTests = regexTests
        self.always = always
        self.entriesOfAnchor = entriesOfAnchor
        scanner = SigmaMultiPattern(anchors)
    }

    /// Scratch state reused across lines and matchers (no allocation per line once warm).
    struct Scratch {
        var folded: [UInt8] = []
        /// Per anchor, the last line it was seen on (`lineNo`).
        var stamp: [Int] = []
        var lineNo = 0
        var testHit: [Bool] = []
        var patternHits: [Int] = []
        var touched: [Int] = []
        var candidates: [Int32] = []

        mutating func fit(_ m: SigmaKeywordMatcher) {
            if stamp.count < m.entriesOfAnchor.count { stamp += [Int](repeating: -1, count: m.entriesOfAnchor.count - stamp.count) }
            if testHit.count < m.testIDs.count {
                testHit += [Bool](repeating: false, count: m.testIDs.count - testHit.count)
                patternHits += [Int](repeating: 0, count: m.testIDs.count - patternHits.count)
            }
        }
    }

    /// Calls `found` with the number (in the run) of each test that matches `bytes`, once each.
    /// `scratch` must have been fitted (`Scratch.fit`) to this matcher.
    func match(_ bytes: UnsafeBufferPointer<UInt8>, _ s: inout Scratch, _ found: (Int32) -> Void) {
        s.lineNo += 1
        let lineNo = s.lineNo
        // Folded into the scratch buffer's start (it only grows: no resizing per line).
        if s.folded.count < bytes.count { s.folded.append(contentsOf: repeatElement(0, count: bytes.count - s.folded.count)) }
        if let src = bytes.baseAddress {
            s.folded.withUnsafeMutableBufferPointer { dst in
                for i in 0..<bytes.count { dst[i] = SigmaPattern.foldByte(src[i]) }
            }
        }
        for ti in s.touched {
            s.testHit[ti] = false
            s.patternHits[ti] = 0
        }
        s.touched.removeAll(keepingCapacity: true)
        s.candidates.removeAll(keepingCapacity: true)
        s.candidates.append(contentsOf: always)
        s.folded.withUnsafeBufferPointer { all in
            // The line's folded bytes: the buffer holds at least `bytes.count` (grown above).
            let f = UnsafeBufferPointer(rebasing: all[0..<bytes.count])
            scanner.forEachOccurring(in: f) { k in
                guard s.stamp[k] != lineNo else { return }
                s.stamp[k] = lineNo
                s.candidates.append(contentsOf: entriesOfAnchor[k])
            }
            for e in s.candidates {
                let entry = entries[Int(e)]
                let hit = entry.pattern.cased ? entry.pattern.matches(bytes) : entry.pattern.matches(f)
                if hit {
                    if s.patternHits[entry.test] == 0 { s.touched.append(entry.test) }
                    s.patternHits[entry.test] += 1
                }
            }
        }
        for ti in s.touched {
            guard case .patterns(let ps, let all) = checks[ti] else { continue }
            s.testHit[ti] = all ? s.patternHits[ti] >= ps.count : s.patternHits[ti] > 0
        }
        if !regexTests.isEmpty {
            let text = String(decoding: bytes, as: UTF8.self)
            let range = NSRange(text.startIndex..., in: text)
            for (ti, rs, all) in regexTests {
                let one = { (r: NSRegularExpression) in r.firstMatch(in: text, range: range) != nil }
                s.testHit[ti] = all ? rs.allSatisfy(one) : rs.contains(where: one)
                if s.testHit[ti] { s.touched.append(ti) }
            }
        }
        for ti in s.touched where s.testHit[ti] { found(testIDs[ti]) }
    }
}

/// The keyword tests of every log source of a run, searched in one read of each file: a line that several sources
/// read (a syslog line is read by `product: linux`, `service: auth`, `service: syslog` and its program's service) is
/// scanned once, by one matcher holding the tests of exactly the sources that read it, and each source then takes
/// the hits at its own events (`SourceRun.takeKeywordHits`).
struct SigmaKeywordPass {
    /// The distinct keyword tests of the run.
    var tests: [SigmaFieldTest] = []
    /// Per log source (the engine's group order): its keyword tests' numbers, in first-seen order.
    var testsOf: [[Int32]] = []

    /// The keyword tests of each group of rules.
    init(groups: [[SigmaCompiledRule]]) {
        var number: [SigmaFieldTest: Int32] = [:]
        for rules in groups {
            var own: [Int32] = []
            var seen = Set<Int32>()
            for r in rules {
                for t in r.tests where t.field == .rawLine {
                    let k: Int32
                    if let known = number[t] { k = known } else {
                        k = Int32(tests.count)
                        number[t] = k
                        tests.append(t)
                    }
                    if seen.insert(k).inserted { own.append(k) }
                }
            }
            testsOf.append(own)
        }
    }

    /// One file's hits: the lines where some test matched (ascending) and the tests matched on each.
    struct FileHits {
        var lines: [UInt32] = []
        /// Line `lines[k]`'s tests are `tests[starts[k]..<starts[k + 1]]`.
        var starts: [Int32] = [0]
        var tests: [Int32] = []
        /// One bit per line number with a hit (a quick answer for the many lines without).
        var lineBits: [UInt64] = []

        func hasHits(_ line: UInt32) -> Bool {
            let w = Int(line >> 6)
            return w < lineBits.count && lineBits[w] & (1 << UInt64(line & 63)) != 0
        }

        /// The tests matched on `line` (an empty range when none). `cursor`: where the last search ended; a
        /// source's events in a file come mostly in line order, so the next line is usually at or just after it.
        func range(of line: UInt32, cursor: inout Int) -> Range<Int> {
            var lo = 0
            var hi = lines.count
            if cursor < lines.count && lines[cursor] <= line {
                lo = cursor
                if lines[cursor] == line { return Int(starts[cursor])..<Int(starts[cursor + 1]) }
                if cursor + 1 < lines.count && lines[cursor + 1] >= line { hi = cursor + 1 }
            }
            defer { cursor = lo }
            while lo < hi {
                let mid = (lo + hi) / 2
                if lines[mid] < line { lo = mid + 1 } else { hi = mid }
            }
            guard lo < lines.count, lines[lo] == line else { return 0..<0 }
            return Int(starts[lo])..<Int(starts[lo + 1])
        }
    }

    /// What the pass found, by file id: `nil` for a file no source searches, `.unread` for one that could not be
    /// read back.
    enum FileResult {
        case unread
        case hits(FileHits)
    }

    /// Searches the keyword tests in every line that a source with keyword tests reads. `positions`: each group's
    /// events (store positions). Files run side by side on `threads` threads (the result does not depend on it).
    /// `only`: per group, the events (indices into its positions) whose lines must be searched; `nil`: all of them.
    /// `scanned`: the hits of files already searched during the ingest (`SigmaLineScan`), taken as they are.
    func run(
        store: EventStore, positions: [[Int]], only: [Bitset?], reader: @escaping SigmaLineReader,
        scanned: [UInt32: FileHits] = [:], threads: Int
    ) -> [FileResult?] {
        let groups = testsOf.indices.filter { !testsOf[$0].isEmpty && !positions[$0].isEmpty && !(only[$0]?.isEmpty ?? false) }
        guard !groups.isEmpty else { return [] }
        var fileCount = 0
        for g in groups { for p in positions[g] { fileCount = max(fileCount, Int(store.fileID[p]) + 1) } }
        // Per file, per line (dense by line number): which of the file's searching sources read the line, one bit
        // each in the order they first touch the file; past 63 sources, bit 63 stands for all the later ones. One
        // byte per line while a file has at most 8 such sources (the usual case), eight past that.
        var masks = [LineMasks](repeating: LineMasks(), count: fileCount)
        var sourcesOf = [[Int]](repeating: [], count: fileCount)
        var bitInFile = [Int](repeating: -1, count: fileCount)
        // Whether the ingest searched a file, by file id (a look-up per event: an array, not the dictionary).
        var wasScanned = [Bool](repeating: false, count: fileCount)
        for f in scanned.keys where Int(f) < fileCount { wasScanned[Int(f)] = true }
        for g in groups {
            for f in bitInFile.indices { bitInFile[f] = -1 }
            let filter = only[g]
            for (n, p) in positions[g].enumerated() {
                if let filter, !filter.contains(n) { continue }
                let f = Int(store.fileID[p])
                if wasScanned[f] { continue }
                if bitInFile[f] < 0 {
                    bitInFile[f] = min(sourcesOf[f].count, 63)
                    sourcesOf[f].append(g)
                }
                masks[f].insert(bit: bitInFile[f], line: Int(store.line[p]))
            }
        }
        // One matcher per distinct set of tests, per distinct mask of a file. A file's wanted lines (and each one's
        // matcher) are listed only when its job runs, so at most `threads` such lists (12 bytes per line) are alive.
        var matchers: [SigmaKeywordMatcher] = []
        var matcherOfTests: [[Int32]: Int32] = [:]
        var jobs: [(file: Int, masks: LineMasks, matcherOfMask: [UInt64: Int32], lines: Int)] = []
        for f in 0..<fileCount where !sourcesOf[f].isEmpty {
            var matcherOfMask: [UInt64: Int32] = [:]
            var lines = 0
            var last: UInt64 = 0
            masks[f].forEachLine { _, m in
                lines += 1
                guard m != last else { return }
                last = m
                guard matcherOfMask[m] == nil else { return }
                var ids = Set<Int32>()
                for (bit, g) in sourcesOf[f].enumerated() where m & (1 << UInt64(min(bit, 63))) != 0 {
                    ids.formUnion(testsOf[g])
                }
                let key = ids.sorted()
                let k: Int32
                if let known = matcherOfTests[key] { k = known } else {
                    k = Int32(matchers.count)
                    matcherOfTests[key] = k
                    matchers.append(SigmaKeywordMatcher(key, of: tests))
                }
                matcherOfMask[m] = k
            }
            jobs.append((f, masks[f], matcherOfMask, lines))
            masks[f] = LineMasks()
        }
        let results = ResultSlots<FileResult?>(repeating: nil, count: fileCount)
        for (f, hits) in scanned where Int(f) < fileCount { results.store(Int(f), .hits(hits)) }
        let order = jobs.indices.sorted { (jobs[$0].lines, $1) > (jobs[$1].lines, $0) }
        JobQueue(
            order.map { j in
                { [jobs, matchers] in
                    let job = jobs[j]
                    var wanted: [UInt64] = []
                    var lineMatcher: [Int32] = []
                    wanted.reserveCapacity(job.lines)
                    lineMatcher.reserveCapacity(job.lines)
                    var last: (mask: UInt64, matcher: Int32) = (0, -1)
                    job.masks.forEachLine { line, m in
                        wanted.append(UInt64(line))
                        // Every mask of the file was given a matcher above.
                        if m != last.mask { last = (m, job.matcherOfMask[m] ?? -1) }
                        lineMatcher.append(last.matcher)
                    }
                    var scratch = SigmaKeywordMatcher.Scratch()
                    for m in Set(lineMatcher) where m >= 0 { scratch.fit(matchers[Int(m)]) }
                    var hits = FileHits()
                    var next = 0
                    let ok = reader(UInt32(job.file), wanted) { line, bytes in
                        while next < wanted.count && wanted[next] < line { next += 1 }
                        guard next < wanted.count, wanted[next] == line, lineMatcher[next] >= 0 else { return }
                        let before = hits.tests.count
                        matchers[Int(lineMatcher[next])].match(bytes, &scratch) { hits.tests.append($0) }
                        guard hits.tests.count > before else { return }
                        // A line handed over twice keeps the hits of both readings under one entry.
                        if hits.lines.last == UInt32(line) {
                            hits.starts[hits.starts.count - 1] = Int32(hits.tests.count)
                        } else {
                            hits.lines.append(UInt32(line))
                            hits.starts.append(Int32(hits.tests.count))
                        }
                    }
                    for l in hits.lines { hits.lineBits.setBit(Int(l)) }
                    results.store(job.file, ok ? .hits(hits) : .unread)
                }
            }
        ).run(threads: threads)
        return results.values
    }
}

/// Per line of a file (dense by line number), which of the file's searching sources read it: one bit per source.
/// One byte per line while the bits fit in 8 (a file read by at most 8 searching sources), widened to eight bytes per
/// line when a ninth source's bit is set.
package struct LineMasks {
    var narrow: [UInt8] = []
    var wide: [UInt64]?

    package init() {}

    /// Sets source `bit` (0...63) at `line`, growing the masks (at least doubling) to reach it.
    package mutating func insert(bit: Int, line: Int) {
        if bit >= 8, wide == nil {
            wide = narrow.map { UInt64($0) }
            narrow = []
        }
        if var w = wide {
            wide = nil  // `w` is the only reference while it is written
            if line >= w.count { w += repeatElement(0, count: max(line + 1 - w.count, w.count)) }
            w[line] |= 1 << UInt64(bit)
            wide = w
        } else {
            if line >= narrow.count { narrow += repeatElement(0, count: max(line + 1 - narrow.count, narrow.count)) }
            narrow[line] |= 1 << UInt8(bit)
        }
    }

    /// Calls `body` with each line that some source reads and its mask, lines ascending.
    package func forEachLine(_ body: (Int, UInt64) -> Void) {
        if let wide {
            for (line, m) in wide.enumerated() where m != 0 { body(line, m) }
        } else {
            for (line, m) in narrow.enumerated() where m != 0 { body(line, UInt64(m)) }
        }
    }
}
