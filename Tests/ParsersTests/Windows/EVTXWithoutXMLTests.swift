import DwellCore
import DwellTestSupport
import Foundation
import Parsers
import Testing

/// Reading EVTX without rendering each record as XML (what `investigate`'s store does; the cited records' XML is
/// rendered later) must give exactly the events, rejections and problems of a reading with XML.
@Suite struct EVTXWithoutXMLTests {
    static var files: [URL] {
        guard let dir = Fixture.realData?.appendingPathComponent("windows"),
            let e = FileManager.default.enumerator(atPath: dir.path)
        else { return [] }
        var out: [URL] = []
        for case let p as String in e where p.hasSuffix(".evtx") { out.append(dir.appendingPathComponent(p)) }
        return out.sorted { $0.path < $1.path }
    }

    struct Reading: Equatable {
        var events: [Event] = []
        var raws: [[UInt8]] = []
        var rejected: [String] = []
        var problems: [FramedProblem] = []
        var symbols: [String] = []
    }

    static func read(_ bytes: [UInt8], xml: Bool) -> Reading {
        var out = Reading()
        var parser = EVTXParser()
        var context = ParseContext()
        out.problems = bytes.withUnsafeBufferPointer { file in
            parser.parse(
                file: file, wantsRaw: xml, context: &context,
                emit: { e, ref, raw, _ in
                    var ev = e
                    ev.source = SourceRef(fileID: 0, line: ref.number, offset: ref.offset)
                    out.events.append(ev)
                    out.raws.append(Array(raw))
                },
                reject: { reason, ref, raw in
                    out.rejected.append("\(ref.number)@\(ref.offset) \(reason) \(String(decoding: raw, as: UTF8.self))")
                })
        }
        // Events hold symbols: compare their text too (the same ids in the same order means the same interning).
        out.symbols = (0..<context.symbols.count).map { context.symbols.string(Symbol(id: UInt32($0))) }
        return out
    }

    /// The real files whole, and cut and flipped copies (damaged records are rejected with their XML either way).
    static func variants(of whole: [UInt8], seed start: UInt64) -> [[UInt8]] {
        var seed = start
        func next() -> Int {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(truncatingIfNeeded: seed >> 33)
        }
        var out = [whole]
        for _ in 0..<24 {
            var b = whole
            for _ in 0..<(1 + next() % 48) { b[next() % b.count] ^= UInt8(truncatingIfNeeded: 1 + next() % 255) }
            out.append(Array(b.prefix(4096 + next() % max(1, b.count - 4096))))
        }
        return out
    }

    @Test(.enabled(if: !files.isEmpty, "../shared/realdata/windows is absent"))
    func readingWithoutXMLGivesTheSameEventsRejectionsAndProblems() throws {
        var rejections = 0
        var events = 0
        for (k, url) in Self.files.enumerated() {
            let whole = Array(try Data(contentsOf: url))
            for (v, bytes) in Self.variants(of: whole, seed: 0x5eed_0000 + UInt64(k)).enumerated() {
                let full = Self.read(bytes, xml: true)
                let lean = Self.read(bytes, xml: false)
                #expect(lean.events == full.events, "\(url.lastPathComponent) variant \(v): events")
                #expect(lean.rejected == full.rejected, "\(url.lastPathComponent) variant \(v): rejections")
                #expect(lean.problems == full.problems, "\(url.lastPathComponent) variant \(v): problems")
                #expect(lean.symbols == full.symbols, "\(url.lastPathComponent) variant \(v): symbols")
                #expect(lean.raws.allSatisfy(\.isEmpty) && full.raws.allSatisfy { !$0.isEmpty })
                rejections += full.rejected.count
                events += full.events.count
            }
        }
        // The damaged copies do reject records (so the rejected records' XML was compared too).
        #expect(rejections > 0 && events > 0)
    }

    @Test(.enabled(if: !files.isEmpty, "../shared/realdata/windows is absent"))
    func citedRecordsRenderAsTheyDoInAFullReading() throws {
        for url in Self.files {
            let bytes = Array(try Data(contentsOf: url))
            let full = Self.read(bytes, xml: true)
            var parser = EVTXParser()
            let numbers = Set(full.events.map(\.source.line))
            let cited = bytes.withUnsafeBufferPointer { parser.rawRecords(file: $0, numbers: numbers) }
            #expect(cited.count == numbers.count, "\(url.lastPathComponent)")
            for (e, raw) in zip(full.events, full.raws) {
                #expect(cited[e.source.line] == raw, "\(url.lastPathComponent) record \(e.source.line)")
            }
        }
    }
}
