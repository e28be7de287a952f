import DwellAnalysis
import DwellCore
import DwellIndex
import DwellIngest
import DwellPipeline
import DwellReports
import DwellScenario
import DwellTestSupport
import Foundation
import Testing

/// Splitting the evidence any way and merging gives the bytes of one summarize over all of it, and the same report.
@Suite struct PartialsTests {
    static let options = IngestOptions(jobs: 2)

    static func files(_ root: String) -> [EvidenceFile] { Discovery().discover([root]).files }

    static func summarize(_ files: [EvidenceFile]) -> Partials { PartialsRun.summarize(files: files, options: options) }

    /// Through the JSON lines, as `dwell merge` sees them.
    static func roundTrip(_ p: Partials) throws -> Partials { try Partials.read(p.jsonLines(), source: "test") }

    static func report(_ p: Partials) -> [ReportFile] {
        let r = PartialsInvestigation.run(p, seeds: [])
        let input = ReportInput(
            investigation: r.investigation, files: r.files, discoveryIssues: [], generated: nil, inputs: ["partials"],
            rules: RuleSet.standard.rules, outputDirectory: "out")
        return ReportSet.render(input)
    }

    /// Per file, random partitions, one share per file and every order: merged bytes equal the single run's.
    static func checkSplits(_ files: [EvidenceFile], seed: UInt64) throws {
        let whole = summarize(files)
        let wholeBytes = whole.jsonLines()
        #expect(try roundTrip(whole).jsonLines() == wholeBytes, "reading back and writing again changes nothing")

        var rng = SplitMix64(seed: seed)
        let perFile = try files.map { try roundTrip(summarize([$0])) }
        #expect(Partials.merged(perFile.shuffled(using: &rng)).jsonLines() == wholeBytes, "one share per file, shuffled")

        for shares in [2, 3, 7] {
            var parts = [[EvidenceFile]](repeating: [], count: shares)
            for f in files { parts[Int.random(in: 0..<shares, using: &rng)].append(f) }
            let partials = try parts.map { try roundTrip(summarize($0)) }
            #expect(Partials.merged(partials).jsonLines() == wholeBytes, "\(shares) random shares")
            #expect(Partials.merged(partials.reversed()).jsonLines() == wholeBytes, "\(shares) shares, reversed")
            // Associativity: merge pairs first, then the merged pairs, through the JSON each time.
            var level = partials.shuffled(using: &rng)
            while level.count > 1 {
                var next: [Partials] = []
                for i in stride(from: 0, to: level.count, by: 2) {
                    next.append(try roundTrip(Partials.merged(Array(level[i..<min(i + 2, level.count)]))))
                }
                level = next
            }
            #expect(level.first?.jsonLines() == wholeBytes, "\(shares) shares merged as a tree")
        }
        // Files split inside a share's list in another order give the same partial.
        #expect(summarize(files.shuffled(using: &rng)).jsonLines() == wholeBytes)

        let reference = report(whole)
        let merged = report(try roundTrip(Partials.merged(perFile.reversed())))
        #expect(merged.map(\.path) == reference.map(\.path))
        for (a, b) in zip(merged, reference) { #expect(a.bytes == b.bytes, "\(a.path) differs") }
    }

    @Test func sampleIncidentSplitsMergeToTheSameBytesAndReport() throws {
        let root = Fixture.packageRoot.appendingPathComponent("SampleLogs/incident-2026-03").path
        let files = Self.files(root)
        try #require(files.count > 100)
        try Self.checkSplits(files, seed: 2026)
    }

    @Test(arguments: [UInt64(7), 99])
    func generatedIncidentSplitsMergeToTheSameBytesAndReport(seed: UInt64) throws {
        let dir = try Fixture.temporaryDirectory("dwell-partials")
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try ScenarioGenerator.generate(
            ScenarioOptions(seed: seed, outputDirectory: dir.path, name: "case", days: 2, backgroundScale: 0.05))
        let files = Self.files(dir.appendingPathComponent("case").path)
        try #require(files.count > 5)
        try Self.checkSplits(files, seed: seed)
    }

    @Test func sampleReportFromPartialsFindsTheWebShellAndTheWindow() throws {
        let root = Fixture.packageRoot.appendingPathComponent("SampleLogs/incident-2026-03").path
        let r = PartialsInvestigation.run(Self.summarize(Self.files(root)), seeds: [])
        let inv = r.investigation
        let shell = try #require(inv.findings.first { $0.rule == "web.webshell" })
        #expect(shell.host == "web01")
        #expect(shell.why.contains("cmd=id from 203.0.113.45"))
        #expect(inv.sourceIPs.map(\.value).contains("203.0.113.45"))
        let first = try #require(inv.firstEvidence)
        #expect(first.file == "incident-2026-03/web01/var/log/nginx/access.log.1" && first.line == 1221)
        #expect(String(decoding: first.raw, as: UTF8.self).contains("Nikto"))
        #expect(inv.caveats.contains { $0.text.hasPrefix("partial mode") })
        #expect(r.files.count == 407)
    }

    @Test func firstAndLastKeepTheWinningEndsEvidenceWithTiesByFileThenLine() {
        func ev(_ t: Int64, _ f: String, _ l: UInt64) -> Partials.Evidence {
            Partials.Evidence(time: Timestamp(seconds: t), file: f, line: l, offset: l * 10, raw: "\(f):\(l)")
        }
        var a = Partials.Seen(count: 2, first: ev(10, "b.log", 5), last: ev(20, "b.log", 9))
        let b = Partials.Seen(count: 3, first: ev(10, "a.log", 7), last: ev(20, "c.log", 1))
        var c = b
        c.merge(a)
        a.merge(b)
        #expect(a == c)
        #expect(a.count == 5)
        #expect(a.first.file == "a.log" && a.first.line == 7)
        #expect(a.last.file == "c.log")
    }

    @Test func hostileTextSurvivesTheRoundTrip() throws {
        var p = Partials()
        let e = Partials.Evidence(
            time: Timestamp(seconds: 1), file: "x\nlog", line: 1, offset: 0, raw: "\"quote\" \\x1B[31m \u{7}\u{1b} \\xFF ü")
        p.indicators[Indicator(.userAgent, "a\"b\n\t<script>")] = Partials.Seen(
            count: 1, first: e, last: e)
        let back = try Partials.read(p.jsonLines(), source: "t")
        #expect(back == p)
        #expect(!p.jsonLines().dropLast().contains(0x0a), "one record, one line")
    }

    @Test func aBrokenPartialNamesItsLine() {
        let good = Array(#"{"schema_version":1,"type":"activity","bucket_seconds":60,"start":"2026-03-11T19:00:00Z","host":"h","kind":"flow","count":2}"#.utf8)
        #expect(throws: PartialsFormatError.self) {
            _ = try Partials.read(good + [0x0a] + Array("{nope\n".utf8), source: "p.jsonl")
        }
        do {
            _ = try Partials.read(good + [0x0a] + Array(#"{"schema_version":2,"type":"edge"}"#.utf8), source: "p.jsonl")
            Issue.record("schema 2 read as 1")
        } catch {
            #expect(error.description.hasPrefix("p.jsonl:2: schema_version 2"))
        }
        #expect((try? Partials.read(good, source: "p"))?.activity.values.first == 2)
    }
}

/// `path_sources`: a union that turns into "many" at its capacity, so shares merge in any order and grouping.
@Suite struct PathSourcesTests {
    static func sources(_ range: ClosedRange<Int>) -> Partials.PathSources {
        var s = Partials.PathSources()
        for k in range { s.insert("192.0.2.\(k)") }
        return s
    }

    @Test func mergingIsAUnionThatBecomesManyAtItsCapacity() {
        let cap = Partials.PathSources.capacity
        var a = Self.sources(1...5)
        a.merge(Self.sources(4...9))
        #expect(a.count == 9 && !a.many)
        a.merge(Self.sources(9...(cap + 2)))
        #expect(a.many && a.count == cap && a.sources.isEmpty)
        var b = Self.sources(1...(cap - 1))
        #expect(!b.many && b.count == cap - 1)
        b.insert("192.0.2.1")
        #expect(!b.many)
        b.insert("198.51.100.1")
        #expect(b.many)
    }

    @Test func anyOrderAndGroupingOfSharesGivesTheSameSources() {
        let shares = [Self.sources(1...6), Self.sources(5...10), Self.sources(11...12), Self.sources(3...4)]
        var orders: [[Int]] = []
        func permute(_ rest: [Int], _ done: [Int]) {
            if rest.isEmpty { orders.append(done) }
            for (i, x) in rest.enumerated() { permute(Array(rest[..<i] + rest[(i + 1)...]), done + [x]) }
        }
        permute(Array(shares.indices), [])
        var results: [Partials.PathSources] = []
        for order in orders {
            var left = shares[order[0]]
            left.merge(shares[order[1]])
            var right = shares[order[2]]
            right.merge(shares[order[3]])
            left.merge(right)
            results.append(left)
        }
        #expect(Set(results.map(\.count)) == [12])
        #expect(results.allSatisfy { $0 == results[0] })
        var busy = shares[0]
        busy.merge(Self.sources(20...40))
        var other = shares[1]
        other.merge(busy)
        #expect(other.many)
    }
}
