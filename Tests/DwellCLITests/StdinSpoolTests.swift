import DwellCore
import DwellIngest
import Foundation
import Testing

/// The copy of stdin that lets cited lines be read again (`StdinSpool`), and how the resolver reads it.
@Suite struct StdinSpoolTests {
    func spool(_ text: String, maxBytes: UInt64) -> StdinSpool {
        let s = StdinSpool(maxBytes: maxBytes)
        let bytes = Array(text.utf8)
        // Two writes, as reads from a pipe arrive.
        let half = bytes.count / 2
        bytes.withUnsafeBytes { p in
            s.append(UnsafeRawBufferPointer(rebasing: p[0..<half]))
            s.append(UnsafeRawBufferPointer(rebasing: p[half...]))
        }
        return s
    }

    func lines(_ wanted: Set<UInt64>, from s: StdinSpool) -> [UInt64: String] {
        var options = IngestOptions(jobs: 1)
        options.stdinSpool = s
        return EvidenceResolver.rawLines(wanted, of: .stdin(id: 0), options: options).mapValues {
            String(decoding: $0, as: UTF8.self)
        }
    }

    @Test func aWholeCopyGivesEveryCitedLine() throws {
        let s = spool("one\ntwo\nthree\n", maxBytes: 1 << 20)
        #expect(!s.cut && s.problem == nil && s.bytesKept == 14)
        let path = try #require(s.readPath)
        #expect(!path.contains("dwell-stdin"), "the copy has no name in any directory")
        #expect(lines([1, 3], from: s) == [1: "one", 3: "three"])
    }

    @Test func aCutCopyNeverGivesItsPartialLastLineAndSaysSo() {
        // 10 bytes kept: "one\ntwo\nth" — line 3 is partial.
        let s = spool("one\ntwo\nthree\nfour\n", maxBytes: 10)
        #expect(s.cut)
        #expect(s.bytesKept == 10)
        #expect(lines([1, 2, 3, 4], from: s) == [1: "one", 2: "two"])
    }

    @Test func withoutACopyStdinLinesAreAbsentNotInvented() {
        #expect(EvidenceResolver.rawLines([1], of: .stdin(id: 0), options: IngestOptions(jobs: 1)).isEmpty)
        let empty = StdinSpool()
        #expect(empty.readPath == nil)
        #expect(lines([1], from: empty).isEmpty)
    }

    @Test func anUnwritableDirectoryIsAProblemNotACrash() {
        let s = StdinSpool(maxBytes: 1 << 20, directory: "/nonexistent-dwell-dir")
        [UInt8]("abc\n".utf8).withUnsafeBytes { s.append($0) }
        #expect(s.cut)
        #expect(s.problem?.contains("/nonexistent-dwell-dir") == true)
        #expect(s.readPath == nil)
    }
}
