@testable import DwellAnalysis
import DwellCase
import DwellCore
import DwellIngest
import DwellPipeline
import DwellReports
import Foundation
import Testing

/// One walk of an investigation's evidence (`Investigation.forEachEvidence`, `updateEachEvidence`): the lines read
/// back, the lines attached and the lines a case keeps are the same places, and they are every place an
/// investigation holds an `EvidenceRef` (found here by reflection, not by the walk).
@Suite struct InvestigationEvidenceTests {
    /// Every `EvidenceRef` reachable from `value`, found by reflection (a collection the walk forgets shows here).
    static func reflectedEvidence(_ value: Any) -> [EvidenceRef] {
        if let e = value as? EvidenceRef { return [e] }
        if value is String || value is [UInt8] { return [] }
        return Mirror(reflecting: value).children.flatMap { reflectedEvidence($0.value) }
    }

    /// The line text of line `n` of evidence file `file` (hostile bytes in it, to show they arrive unchanged).
    static func text(file: UInt32, line n: UInt64) -> String { "file \(file) line \(n) <b>\"x\"</b>\u{1b}[31m" }

    /// An investigation citing a different line in every collection, raw lines not yet attached.
    static func investigation(paths: [String]) -> Investigation {
        var next: UInt64 = 0
        func ref() -> EvidenceRef {
            next += 1
            let file = UInt32(next % 2)
            return EvidenceRef(
                fileID: file, file: paths[Int(file)], line: next, offset: next * 100, raw: [],
                time: Timestamp(seconds: 1_773_256_901 + Int64(next)))
        }
        let t = Timestamp(seconds: 1_773_256_901)
        var inv = Investigation()
        inv.firstSeen = t
        inv.lastSeen = t
        inv.firstEvidence = ref()
        inv.lastEvidence = ref()
        inv.hosts = [HostScope(host: "web01", addresses: ["10.0.1.5"], firstCompromise: t, lastActivity: t, reason: "r", evidence: ref())]
        inv.accounts = [ScopeItem(type: .user, value: "deploy", reason: "r", firstSeen: t, lastSeen: t, count: 1, evidence: ref())]
        inv.sourceIPs = [ScopeItem(type: .ip, value: "203.0.113.45", reason: "r", firstSeen: t, lastSeen: t, count: 1, evidence: ref())]
        inv.dataTouched = [ScopeItem(type: .path, value: "/x.php", reason: "r", firstSeen: t, lastSeen: t, count: 1, evidence: ref())]
        inv.indicators = [ScopeItem(type: .ip, value: "203.0.113.45", reason: "r", firstSeen: t, lastSeen: t, count: 1, evidence: ref())]
        inv.edges = [
            LateralEdge(from: "web01", to: "db02", time: t, account: "deploy", method: "ssh", evidence: ref(), corroboration: [ref()])
        ]
        inv.paths = [[
            LateralEdge(from: "web01", to: "db02", time: t, account: "deploy", method: "rdp", evidence: ref(), corroboration: [ref()])
        ]]
        inv.timeline = [TimelineEntry(time: t, host: "web01", phase: .execution, kind: "k", summary: "s", evidence: ref())]
        inv.findings = [
            Finding(
                rule: "web.webshell", title: "t", technique: "T1505.003", severity: .high, time: t, host: "web01",
                indicators: [.ip("203.0.113.45")], why: "w", evidence: [ref(), ref()], seeds: true)
        ]
        inv.hostAddresses = [HostAddressBinding(address: "10.0.1.5", host: "web01", from: nil, to: nil, source: "s", evidence: ref())]
        inv.background = [
            BackgroundSource(
                address: "198.51.100.7", findings: 1, hits: 1, firstSeen: t, lastSeen: t, rules: [(rule: "web.probe", hits: 1)],
                highest: .low, reason: "r", evidence: ref())
        ]
        inv.atRisk = [
            AtRiskLogin(from: "web01", to: "db02", account: "ops", count: 1, firstSeen: t, lastSeen: t, reason: "r", evidence: ref())
        ]
        return inv
    }

    /// Two evidence files of 40 lines each, and the investigation citing them.
    static func evidence() throws -> (Investigation, [EvidenceFile], URL) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dwell-evidence-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var files: [EvidenceFile] = []
        for id in UInt32(0)...1 {
            let path = dir.appendingPathComponent("log\(id).log").path
            let body = (1...40).map { text(file: id, line: UInt64($0)) + "\n" }.joined()
            try Data(body.utf8).write(to: URL(fileURLWithPath: path))
            files.append(
                EvidenceFile(
                    id: id, path: path, displayPath: "log\(id).log", hostHint: nil, rotationSet: path, rotationIndex: 0,
                    rotationCount: 1, isStdin: false, sizeBytes: Int64(body.utf8.count), modificationTime: nil))
        }
        return (investigation(paths: files.map(\.displayPath)), files, dir)
    }

    @Test func everyCitedPlaceInEveryCollectionGetsItsRawLine() throws {
        var (inv, files, dir) = try Self.evidence()
        defer { try? FileManager.default.removeItem(at: dir) }
        let places = Self.reflectedEvidence(inv)
        #expect(places.count == 17, "the fixture cites 17 places: one per collection, two for findings, corroboration twice")
        var walked = 0
        inv.forEachEvidence { _ in walked += 1 }
        #expect(walked == places.count, "the read-only walk reaches every EvidenceRef the investigation holds")

        EvidenceLookup.attachRawLines(&inv, files: files, options: IngestOptions(jobs: 1))
        let filled = Self.reflectedEvidence(inv)
        #expect(filled.count == places.count)
        for e in filled {
            #expect(e.raw == Array(Self.text(file: e.fileID, line: e.line).utf8), "\(e.file):\(e.line) has its raw line")
        }
        #expect(inv.background.first?.evidence?.raw.isEmpty == false)
        #expect(inv.backgroundAddresses == ["198.51.100.7"], "filling the background keeps its address set")
        #expect(inv.atRisk.first?.evidence.raw.isEmpty == false)
    }

    @Test func aCaseKeepsExactlyTheLinesTheReportCites() throws {
        var (inv, files, dir) = try Self.evidence()
        defer { try? FileManager.default.removeItem(at: dir) }
        EvidenceLookup.attachRawLines(&inv, files: files, options: IngestOptions(jobs: 1))
        var raw: [UInt32: [UInt64: [UInt8]]] = [:]
        CaseLines.cited(by: inv, into: &raw)
        let kept = CaseLines(raw).all

        var cited: [UInt32: [UInt64: [UInt8]]] = [:]
        for e in Self.reflectedEvidence(inv) { cited[e.fileID, default: [:]][e.line] = Array(Self.text(file: e.fileID, line: e.line).utf8) }
        #expect(kept == cited, "the case holds every cited line, with its bytes, and no other")

        // Every evidence object report.json writes carries its raw line, and the case holds it.
        let json = ReportJSON.render(inv, files: [], discoveryIssues: [], generated: nil)
        let root = try JSONSerialization.jsonObject(with: Data(json))
        var objects: [[String: Any]] = []
        func collect(_ v: Any) {
            if let d = v as? [String: Any] {
                if d["file"] is String, d["line"] is NSNumber, d["raw"] != nil { objects.append(d) }
                d.values.forEach(collect)
            } else if let a = v as? [Any] {
                a.forEach(collect)
            }
        }
        collect(root)
        #expect(objects.count == 15, "report.json writes every collection's evidence except indicators' and host addresses'")
        let byPath = Dictionary(uniqueKeysWithValues: files.map { ($0.displayPath, $0.id) })
        for o in objects {
            let path = try #require(o["file"] as? String)
            let line = try #require((o["line"] as? NSNumber)?.uint64Value)
            let id = try #require(byPath[path])
            let text = try #require(o["raw"] as? String)
            #expect(text == Self.text(file: id, line: line), "\(path):\(line) is written with its raw line")
            #expect(kept[id]?[line] == Array(text.utf8), "\(path):\(line) is kept in the case")
        }
    }
}
