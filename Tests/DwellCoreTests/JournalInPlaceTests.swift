import DwellCore
import DwellIngest
import DwellTestSupport
import Foundation
import Testing

/// #19's speed work: a plain journal file is mapped and its fields are read in place (ranges of the file), hashed
/// block by block as the entries are read. These tests hold the in-place reading to the reading of the same bytes
/// held in an array (the path stdin and gzip take), entry by entry and byte by byte.
@Suite struct JournalInPlaceTests {
    /// One reading: every entry's fields (bytes), header values, rendering, and whether it was read in place.
    struct Reading: Equatable {
        var fields: [[UInt8]] = []
        var entries: [[UInt64]] = []
        var renderings: [[UInt8]] = []
        var inPlace: [Bool] = []
        var issues: [String] = []
        var counts: [UInt64] = []
    }

    static func reading(_ reader: inout JournalReader) -> Reading {
        var r = Reading()
        let id = reader.header?.seqnumID ?? JournalID(high: 0, low: 0)
        var line: [UInt8] = []
        reader.forEachEntry { e in
            r.fields.append(contentsOf: e.fields.map { e.bytes(of: $0) })
            r.fields.append([])  // entry boundary
            r.entries.append([e.ordinal, e.offset, e.seqnum, e.realtimeMicroseconds, UInt64(e.unreadableFields)])
            let column = e.render(into: &line, seqnumID: id)
            r.renderings.append(line + [0] + Array(String(column).utf8))
            r.inPlace.append(e.fieldsInFile)
        }
        r.issues = reader.issues.map(\.description)
        r.counts = [reader.entriesRead, reader.entriesRecovered, reader.entriesLost]
        return r
    }

    /// Reads `bytes` written to a file, mapped, and the same bytes from an array.
    static func bothWays(_ bytes: [UInt8], name: String) throws -> (mapped: Reading, array: Reading) {
        let dir = try Fixture.temporaryDirectory("dwell-journal-inplace")
        let url = dir.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        let raw = try RawFile(path: url.path)
        let mapping = try #require(raw.mapped())
        #expect(mapping.bytes.count == bytes.count)
        var mapped = JournalReader(mapped: mapping, count: mapping.bytes.count, displayPath: name)
        var array = JournalReader(bytes: bytes, displayPath: name)
        return (reading(&mapped), reading(&array))
    }

    @Test(
        "#19: real journals read in place give the same fields, renderings and counts as read into memory",
        .enabled(if: JournalReaderTests.realDirectory != nil, "../shared/realdata is absent"),
        arguments: [JournalReaderTests.xzFile, JournalReaderTests.compactFile])
    func realJournalsReadInPlaceAsInMemory(name: String) throws {
        let dir = try #require(JournalReaderTests.realDirectory)
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir + "/" + name)))
        let (mapped, array) = try Self.bothWays(bytes, name: name)
        #expect(mapped.entries.count > 0)
        #expect(mapped == array)
        // The uncompressed entries were not copied: at least some fields were read where they lie in the file.
        #expect(mapped.inPlace.contains(true))
    }

    @Test(
        "#19: an entry with one compressed DATA object (XZ, LZ4) among plain ones is copied whole, same as in memory",
        .enabled(if: JournalReaderTests.canWrite, "needs systemd-journal-remote"), arguments: [UInt8(1), UInt8(2)])
    func compressedFieldMovesEntryToItsPayload(flags: UInt8) throws {
        let dir = try Fixture.temporaryDirectory("dwell-journal-inplace")
        let path = dir.appendingPathComponent("plain.journal").path
        try JournalFixture.write(JournalReaderTests.incident(), to: path, compact: false, compress: false)
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let plain = try Self.bothWays(bytes, name: "plain.journal")
        #expect(plain.mapped == plain.array)
        #expect(plain.mapped.inPlace == Array(repeating: true, count: JournalReaderTests.incident().count))
        // Entry 14's MESSAGE, its last field, is compressed: the fields before it move to the entry's payload.
        let text = Array(("MESSAGE=" + JournalReaderTests.longMessage).utf8)
        try JournalReaderTests.recompress(&bytes, text: text, flags: flags)
        let (mapped, array) = try Self.bothWays(bytes, name: "packed.journal")
        #expect(mapped == array)
        #expect(mapped.inPlace.enumerated().allSatisfy { $0.element == ($0.offset != 13) })
        #expect(mapped.renderings == plain.mapped.renderings)
    }

    @Test(
        "#19: the manifest of a mapped journal hashes and counts every byte, as reading the file does",
        .enabled(if: JournalReaderTests.realDirectory != nil, "../shared/realdata is absent"),
        arguments: [JournalReaderTests.xzFile, JournalReaderTests.compactFile])
    func mappedJournalIsHashedWhole(name: String) throws {
        let path = try #require(JournalReaderTests.realDirectory) + "/" + name
        let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        let r = Fixture.ingest([path], options: IngestOptions(jobs: 1))
        let stats = try #require(r.stats.first)
        #expect(stats.format == "journal")
        // The ordinary reading: read(2) through RawFile to the end.
        let raw = try RawFile(path: path)
        raw.drain()
        #expect(raw.bytesRead == UInt64(size))
        #expect(stats.sha256 == raw.finalizeHash())
        #expect(stats.rawBytes == UInt64(size))
        #expect(stats.decompressedBytes == UInt64(size))
        #expect(!stats.issues.contains { $0.kind == .grewWhileRead || $0.kind == .shrankWhileRead })
    }

    @Test(
        "#19: hashing a mapping in uneven steps gives the same SHA-256 as one pass",
        .enabled(if: JournalReaderTests.realDirectory != nil, "../shared/realdata is absent"))
    func consumingInStepsIsOnePass() throws {
        let path = try #require(JournalReaderTests.realDirectory) + "/" + JournalReaderTests.compactFile
        let whole = try RawFile(path: path)
        whole.drain()
        let stepped = try RawFile(path: path)
        var head = [UInt8](repeating: 0, count: 1000)
        // Some bytes read first (as detection reads them), then the mapping from there, in steps, some repeated.
        #expect(head.withUnsafeMutableBytes { stepped.read(into: $0) } == 1000)
        let mapping = try #require(stepped.mapped())
        for end in [10, 999, 1000, 4096, 4095, 70_001, 1 << 20, Int.max] { stepped.consume(mapping, upTo: end) }
        #expect(stepped.bytesRead == UInt64(mapping.bytes.count))
        stepped.drain()
        #expect(stepped.bytesRead == whole.bytesRead)
        #expect(stepped.finalizeHash() == whole.finalizeHash())
    }

    /// A mapped file truncated by another process: the lost pages read as zeros instead of killing the run with
    /// SIGBUS, the hash covers only the bytes still in the file, and the file is reported as shrunk.
    @Test("#19: a mapped file truncated under the reader reads zeros past the cut, and says it shrank")
    func truncationUnderTheMappingIsSurvivedAndReported() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("dwell-mapguard-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let bytes = (0..<(page * 8)).map { UInt8(truncatingIfNeeded: $0 % 251 + 1) }
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        let raw = try RawFile(path: path)
        let mapping = try #require(raw.mapped())
        raw.consume(mapping, upTo: page)  // the first page hashed before the cut
        let cut = page * 3 + 100
        #expect(truncate(path, off_t(cut)) == 0)
        // Reading a page past the cut would raise SIGBUS without the guard.
        #expect(mapping.bytes[page * 5] == 0)
        #expect(mapping.firstLostOffset == page * 5)
        #expect(mapping.bytes[cut - 1] == bytes[cut - 1])
        raw.consume(mapping, upTo: mapping.bytes.count)  // hashing reaches the first lost page, page 4
        #expect(mapping.firstLostOffset == page * 4)
        #expect(raw.shrank && raw.bytesRead == UInt64(cut))
        #expect(raw.read(into: UnsafeMutableRawBufferPointer(start: nil, count: 0)) == 0)
        // The hash is the hash of the bytes still in the file, never of the zeros that stand for the lost pages.
        let remaining = path + ".remaining"
        defer { try? FileManager.default.removeItem(atPath: remaining) }
        #expect(FileManager.default.createFile(atPath: remaining, contents: Data(bytes[0..<cut])))
        let expected = try RawFile(path: remaining)
        expected.drain()
        #expect(raw.finalizeHash() == expected.finalizeHash())
        // A second mapping of another file is unaffected.
        let other = try RawFile(path: path)
        let second = try #require(other.mapped())
        #expect(second.firstLostOffset == nil && second.bytes.count == cut)
    }
}
