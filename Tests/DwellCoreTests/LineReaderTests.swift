import DwellCore
import DwellTestSupport
import Testing

@Suite struct LineReaderTests {
    static let text: [UInt8] = Array(
        "Mar  3 04:12:09 web1 sshd[1]: one\nsecond line\r\n\nfourth\nno newline at end".utf8)

    @Test func framesLinesWithNumbersAndOffsets() {
        let (lines, reader) = Fixture.lines(Self.text)
        #expect(lines.map { String(decoding: $0.0, as: UTF8.self) } == [
            "Mar  3 04:12:09 web1 sshd[1]: one", "second line", "", "fourth", "no newline at end",
        ])
        #expect(lines.map(\.1) == [1, 2, 3, 4, 5])
        #expect(lines.map(\.2) == [0, 34, 47, 48, 55])
        #expect(reader.endsWithoutNewline)
        #expect(reader.totalBytes == UInt64(Self.text.count))
    }

    @Test(arguments: [1, 2, 3, 7, 64, 4096, Int.max])
    func chunkingNeverChangesLines(chunkSize: Int) {
        var big: [UInt8] = []
        for i in 0..<500 { big += Array("line \(i) \(String(repeating: "x", count: i % 97))\n".utf8) }
        big += Array("crlf\r\n".utf8)
        let whole = Fixture.lines(big).lines
        for capacity in [1, 2, 3, 7, 64, 4096] {
            let chunked = Fixture.lines(big, chunkBytes: chunkSize, capacity: capacity).lines
            #expect(chunked.count == whole.count)
            #expect(chunked.map(\.0) == whole.map(\.0))
            #expect(chunked.map(\.2) == whole.map(\.2))
            #expect(chunked.map(\.1) == whole.map(\.1))
        }
    }

    @Test func crlfIsStripped() {
        let (lines, _) = Fixture.lines(Array("a\r\nb\r\n\r\n".utf8))
        #expect(lines.map(\.0) == [Array("a".utf8), Array("b".utf8), []])
    }

    @Test func tenMiBLineIsReportedAndSkipped() {
        var bytes = Array("before\n".utf8)
        bytes += [UInt8](repeating: UInt8(ascii: "A"), count: 10 << 20)
        bytes += Array("\nafter\n".utf8)
        let (lines, reader) = Fixture.lines(bytes, chunkBytes: 1 << 16, capacity: 1 << 16)
        #expect(lines.map { String(decoding: $0.0, as: UTF8.self) } == ["before", "after"])
        #expect(lines.map(\.1) == [1, 3])
        #expect(reader.longLineCount == 1)
        #expect(reader.longLines.first == LineReader.LongLine(line: 2, offset: 7, bytes: 10 << 20))
        #expect(lines.last?.2 == UInt64(7 + (10 << 20) + 1))
    }

    @Test func longLineWithinBufferIsAlsoSkipped() {
        let bytes = Array("short\n\(String(repeating: "z", count: 300))\nend\n".utf8)
        let (lines, reader) = Fixture.lines(bytes, capacity: 4096, maxLineBytes: 100)
        #expect(lines.map { String(decoding: $0.0, as: UTF8.self) } == ["short", "end"])
        #expect(reader.longLineCount == 1)
    }

    @Test func longLastLineWithoutNewlineIsCounted() {
        let bytes = Array("ok\n".utf8) + [UInt8](repeating: 0x41, count: 5000)
        let (lines, reader) = Fixture.lines(bytes, chunkBytes: 100, capacity: 128, maxLineBytes: 1000)
        #expect(lines.count == 1)
        #expect(reader.longLineCount == 1)
        #expect(reader.lineCount == 2)
    }

    @Test func nulBytesAreFlaggedPerLine() {
        var bytes = Array("clean\n".utf8)
        bytes += [0, 0, 0] + Array("after nul\nclean again\n".utf8)
        var source = MemorySource(bytes, chunkBytes: 3)
        var reader = LineReader(capacity: 8)
        var flags: [Bool] = []
        reader.forEachLine(from: &source) { _, info in flags.append(info.hasNUL) }
        #expect(flags == [false, true, false])
        #expect(reader.nulLineCount == 1)
        #expect(reader.firstNULLine?.number == 2)
    }

    @Test func invalidUTF8IsKeptAsBytes() {
        let bytes: [UInt8] = [0x61, 0xff, 0xfe, 0x62, 0x0a]
        let (lines, _) = Fixture.lines(bytes)
        #expect(lines.first?.0 == [0x61, 0xff, 0xfe, 0x62])
        #expect(ByteText.string([0x61, 0xff, 0x62]) == "a\\xFFb")
    }

    @Test func recordsAreFramedAndShortTailReported() {
        let bytes = [UInt8](repeating: 7, count: 384 * 3 + 100)
        var source = MemorySource(bytes, chunkBytes: 1000)
        var reader = LineReader(capacity: 512)
        var offsets: [UInt64] = []
        let leftover = reader.forEachRecord(size: 384, from: &source) { rec, info in
            #expect(rec.count == 384)
            offsets.append(info.offset)
        }
        #expect(offsets == [0, 384, 768])
        #expect(leftover == 100)
    }
}
