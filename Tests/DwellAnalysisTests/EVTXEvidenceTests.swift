import DwellAnalysis
import DwellCore
import DwellIngest
import DwellPipeline
import DwellTestSupport
import Foundation
import Parsers
import Testing

/// `investigate` reads EVTX without rendering records as XML; the records its findings cite are rendered when the
/// evidence is attached. That raw evidence must be the record's XML exactly as a full reading renders it.
@Suite struct EVTXEvidenceTests {
    static var dir: URL? { Fixture.realData?.appendingPathComponent("windows/evtx-mdecrevoisier-evtx-to-mitre-attack") }

    @Test(.enabled(if: dir != nil, "../shared/realdata/windows is absent"))
    func citedRecordsAreTheXMLOfAFullReading() throws {
        let url = try #require(Self.dir).appendingPathComponent("ID4656, 5145, 4674-Impacket secret dump via SMB.evtx")
        let inv = InvestigationRun.run(paths: [url.path], options: IngestOptions(jobs: 1), seeds: []).investigation
        var full: [UInt64: [UInt8]] = [:]
        var parser = EVTXParser()
        var context = ParseContext()
        let bytes = Array(try Data(contentsOf: url))
        _ = bytes.withUnsafeBufferPointer { file in
            parser.parse(
                file: file, context: &context, emit: { _, ref, raw, _ in full[ref.number] = Array(raw) },
                reject: { _, _, _ in })
        }
        let cited: [EvidenceRef] = inv.findings.flatMap { $0.evidence } + inv.timeline.map { $0.evidence }
        #expect(!cited.isEmpty)
        for e in cited {
            let expected = try #require(full[e.line]).prefix(4096)
            #expect(e.raw[...] == expected, "record \(e.line)")
        }
    }
}
