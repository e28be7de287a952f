import DwellAnalysis
import DwellCore
import DwellIndex
import DwellIngest
import DwellPipeline
import DwellSigma
import DwellTestSupport
import Foundation
import Testing

/// Evidence written to a temporary directory, parsed into a store, and Sigma rules run over it.
struct SigmaHarness {
    let files: [EvidenceFile]
    let store: EventStore
    let options = IngestOptions(jobs: 1)

    /// `logs`: relative path → text.
    init(_ logs: [String: String]) throws {
        let dir = try Fixture.temporaryDirectory("sigma")
        for (name, text) in logs { try Fixture.write(text, to: dir.appendingPathComponent(name)) }
        let found = Discovery().discover([dir.path])
        files = found.files
        store = InvestigationRun.buildStore(files: files, options: IngestOptions(jobs: 1)).0
    }

    static func rules(_ yaml: String, file: String = "rule.yml") -> SigmaRuleSet {
        let parsed = SigmaLoader.parse(text: yaml, file: file)
        var set = SigmaRuleSet.build(parsed.rules)
        set.record(parsed.errors)
        return set
    }

    /// The rules' matches as `dwell investigate` makes them: the text files' keywords searched while they are read
    /// (`SigmaLineScan`), the other lines read back. Every run also reads all keyword lines back instead and
    /// expects the same matches.
    func run(_ set: SigmaRuleSet) -> SigmaRunResult {
        let readBack = SigmaEngine(store: store, lineReader: SigmaFindings.lineReader(files: files, options: options)).run(set)
        let scanned = InvestigationRun.buildStore(files: files, options: options, sigma: set).scanned
        let during = SigmaEngine(store: store, lineReader: SigmaFindings.lineReader(files: files, options: options), scanned: scanned).run(set)
        #expect(Self.sameMatches(during, readBack), "keywords searched during the ingest and read back give different matches")
        return during
    }

    /// Whether two runs made the same matches (rules, events, reasons, in order) and checked as many events.
    static func sameMatches(_ a: SigmaRunResult, _ b: SigmaRunResult) -> Bool {
        a.checked == b.checked && a.matches.count == b.matches.count
            && zip(a.matches, b.matches).allSatisfy { $0.rule == $1.rule && Array($0.positions) == Array($1.positions) && $0.why == $1.why }
    }

    /// The line numbers (in their files) of each rule's matches' first events, by rule title.
    func matchedLines(_ set: SigmaRuleSet) -> [String: [Int]] {
        var out: [String: [Int]] = [:]
        for t in set.runnable.map(\.rule.title) { out[t] = [] }
        for m in run(set).matches {
            out[set.runnable[m.rule].rule.title, default: []].append(Int(store.line[m.positions[0]]))
        }
        return out.mapValues { $0.sorted() }
    }
}

/// A web access log: one request per line, line n at minute n.
func accessLog(_ requests: [(ip: String, request: String, status: Int, agent: String)]) -> String {
    requests.enumerated().map { n, r in
        "\(r.ip) - - [10/Mar/2026:10:\(String(format: "%02d", n)):00 +0000] \"\(r.request)\" \(r.status) 512 \"-\" \"\(r.agent)\""
    }.joined(separator: "\n") + "\n"
}

/// A rule over `category: webserver` with the given detection block (indented by 4).
func webRule(_ title: String, _ detection: String, level: String = "medium", extra: String = "") -> String {
    """
    title: \(title)
    id: \(title.lowercased().replacingOccurrences(of: " ", with: "-"))
    level: \(level)
    tags:
        - attack.initial_access
        - attack.t1190
    logsource:
        category: webserver
    detection:
    \(detection)
    \(extra)
    """
}
