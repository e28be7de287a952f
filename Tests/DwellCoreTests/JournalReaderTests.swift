import CJournalCodecs
import DwellCore
import DwellIngest
import DwellTestSupport
import Foundation
import Testing

/// The systemd journal reader against the real files of `../shared/realdata/journal`, against journalctl, and
/// against files written by `systemd-journal-remote`.
@Suite struct JournalReaderTests {
    static let realDirectory: String? = {
        guard let root = ParserHarness.packageRoot() else { return nil }
        let dir = root + "/../shared/realdata/journal/super-speedy-syslog-searcher-logs"
        return FileManager.default.fileExists(atPath: dir + "/system.journal") ? dir : nil
    }()
    static let xzFile = "system.journal"
    static let compactFile = "system@29912846da1c4d1d8d50dd155c553bdc-0000000000005156-00060c85794a2d40.journal"

    /// Fields journalctl adds from the entry header (`__CURSOR`, `__REALTIME_TIMESTAMP`, …) or prints from it
    /// instead of the DATA object (`_BOOT_ID`) are compared separately.
    static func dataFields(_ e: [JournalFixture.Field]) -> [String] {
        e.filter { !$0.name.hasPrefix("__") && $0.name != "_BOOT_ID" }.map {
            $0.name + "=" + $0.value.map { String(format: "%02x", $0) }.joined()
        }
    }

    static func expectSameAsJournalctl(_ path: String) throws -> Int {
        let mine = try JournalFixture.read(path)
        let theirs = try JournalFixture.journalctlExport(path)
        #expect(mine.entries.count == theirs.count)
        let seqnumID = try #require(mine.reader.header?.seqnumID)
        for (k, (a, b)) in zip(mine.entries, theirs).enumerated() {
            #expect(dataFields(a) == dataFields(b), "entry \(k + 1) of \(path)")
            let cursor = b.first { $0.name == "__CURSOR" }.map { String(decoding: $0.value, as: UTF8.self) }
            #expect(mine.meta[k].cursor(seqnumID: seqnumID) == cursor, "entry \(k + 1)")
            let realtime = b.first { $0.name == "__REALTIME_TIMESTAMP" }.map {
                String(decoding: $0.value, as: UTF8.self)
            }
            #expect(String(mine.meta[k].realtimeMicroseconds) == realtime, "entry \(k + 1)")
        }
        return mine.entries.count
    }

    @Test(
        "real journals: every entry read (XZ + online; ZSTD + compact + keyed hash)",
        .enabled(if: realDirectory != nil, "../shared/realdata is absent"),
        arguments: [(xzFile, 289, "online", "xz", false), (compactFile, 1120, "archived", "zstd", true)])
    func realJournalsReadWhole(name: String, entries: Int, state: String, compression: String, compact: Bool) throws {
        let path = try #require(Self.realDirectory) + "/" + name
        let r = try JournalFixture.read(path)
        let header = try #require(r.reader.header)
        #expect(r.entries.count == entries)
        #expect(r.reader.entriesLost == 0)
        #expect(header.state?.name == state)
        #expect(header.compressionName == compression)
        #expect(header.isCompact == compact)
        // Every entry has a message and a realtime inside the header's range.
        for (e, m) in zip(r.entries, r.meta) {
            #expect(e.contains { $0.name == "MESSAGE" })
            #expect(Int64(m.realtimeMicroseconds) >= header.headEntryRealtime.microseconds)
            #expect(Int64(m.realtimeMicroseconds) <= header.tailEntryRealtime.microseconds)
        }
    }

    @Test(
        "real journals: every field of every entry as journalctl -o export prints it",
        .enabled(if: realDirectory != nil && JournalFixture.journalctlPath != nil, "needs ../shared and journalctl"),
        arguments: [xzFile, compactFile])
    func realJournalsAgreeWithJournalctl(name: String) throws {
        let n = try Self.expectSameAsJournalctl(try #require(Self.realDirectory) + "/" + name)
        #expect(n > 0)
    }

    @Test(
        "invalid.journal (8 bytes of text) is not a journal", .enabled(if: realDirectory != nil, "../shared is absent"))
    func invalidJournalHasNoHeader() throws {
        let bytes = try [UInt8](
            Data(contentsOf: URL(fileURLWithPath: try #require(Self.realDirectory) + "/invalid.journal")))
        #expect(!JournalHeader.hasSignature(bytes))
        let r = JournalFixture.read(bytes: bytes, displayPath: "invalid.journal")
        #expect(r.reader.header == nil)
        #expect(r.entries.isEmpty)
    }

    @Test(
        "a journal cut in half keeps the entries before the cut and says where the rest went",
        .enabled(if: realDirectory != nil, "../shared is absent"), arguments: [xzFile, compactFile])
    func cutJournalIsLocated(name: String) throws {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: try #require(Self.realDirectory) + "/" + name)))
        let whole = JournalFixture.read(bytes: bytes, displayPath: name)
        // Cut just after the middle entry object: the chain still points past the end.
        let middle = whole.meta[whole.meta.count / 2]
        let cut = Array(bytes[0..<Int(middle.offset) + 64])
        let r = JournalFixture.read(bytes: cut, displayPath: name)
        #expect(r.entries.count < whole.entries.count)
        #expect(r.entries.count >= whole.entries.count / 4)
        let issues = r.reader.issues
        #expect(!issues.isEmpty)
        // The first entry lost is the one cut through: the problem names its offset.
        #expect(issues.contains { $0.offset == middle.offset && $0.kind == .journalDamaged })
        // The entries kept are the same as the whole file's, in the same order.
        for (a, b) in zip(r.entries, whole.entries) where r.entries.count > 0 {
            #expect(Self.dataFields(a).count <= Self.dataFields(b).count)
        }
        #expect(r.meta.map(\.seqnum) == Array(whole.meta.map(\.seqnum).prefix(r.meta.count)))
    }

    @Test(
        "cuts and byte flips of real journals never crash the reader",
        .enabled(if: realDirectory != nil, "../shared is absent"))
    func cutsAndFlipsNeverCrash() async throws {
        await #expect(processExitsWith: .success) {
            guard let dir = JournalReaderTests.realDirectory else { return }
            for name in [JournalReaderTests.xzFile, JournalReaderTests.compactFile] {
                guard let data = FileManager.default.contents(atPath: dir + "/" + name) else { exit(1) }
                let bytes = [UInt8](data)
                let total = JournalFixture.read(bytes: bytes, displayPath: name).entries.count
                // Cuts: through the header, and at 31 places across the file.
                for k in 0...31 {
                    let n = k == 0 ? 100 : bytes.count * k / 31
                    let r = JournalFixture.read(bytes: Array(bytes[0..<n]), displayPath: name)
                    if r.entries.count > total { exit(2) }
                }
                // Flips: 60 single bytes and 12 runs of 64, at seeded places (header included).
                var rng = UInt64(0x5eed_1234)
                func next() -> Int {
                    rng = rng &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                    return Int(truncatingIfNeeded: rng >> 33)
                }
                for k in 0..<72 {
                    var b = bytes
                    let at = k < 20 ? next() % 272 : next() % bytes.count
                    let run = k < 60 ? 1 : 64
                    for i in at..<min(at + run, b.count) { b[i] ^= UInt8(truncatingIfNeeded: next() | 1) }
                    var reader = JournalReader(bytes: b, displayPath: name)
                    var line: [UInt8] = []
                    let id = reader.header?.seqnumID ?? JournalID(high: 0, low: 0)
                    reader.forEachEntry { e in _ = e.render(into: &line, seqnumID: id) }
                    _ = reader.issues
                }
            }
        }
    }

    // MARK: files written by systemd-journal-remote

    static let longMessage = String(
        repeating: "Accepted publickey for deploy from 198.51.100.7 port 40000 ssh2 ", count: 40)

    static func incident() -> [[JournalFixture.Field]] {
        let t0: Int64 = 1_772_510_400_000_000  // 2026-03-03T04:00:00Z
        var out: [[JournalFixture.Field]] = []
        for k in 0..<12 {
            out.append(
                JournalFixture.entry(
                    realtimeMicroseconds: t0 + Int64(k) * 2_000_000, host: "web01", identifier: "sshd", pid: 2200 + k,
                    message: "Failed password for root from 203.0.113.9 port \(50100 + k) ssh2"))
        }
        out.append(
            JournalFixture.entry(
                realtimeMicroseconds: t0 + 30_000_000, host: "web01", identifier: "sshd", pid: 2300,
                message: "Accepted password for root from 203.0.113.9 port 50200 ssh2"))
        out.append(
            JournalFixture.entry(
                realtimeMicroseconds: t0 + 31_000_000, host: "web01", identifier: "sshd", pid: 2301,
                message: longMessage))
        var binary = JournalFixture.entry(
            realtimeMicroseconds: t0 + 32_000_000, host: "web01", identifier: "app", pid: 7, message: "")
        binary[binary.count - 1] = ("MESSAGE", Array("two\nlines \u{1b}[31m".utf8) + [0xff, 0x00, 0x41])
        out.append(binary)
        return out
    }

    static var canWrite: Bool { JournalFixture.remotePath != nil && JournalFixture.journalctlPath != nil }

    @Test(
        "journals written by systemd-journal-remote (ZSTD data, regular and compact) agree with journalctl",
        .enabled(if: canWrite, "needs systemd-journal-remote and journalctl"), arguments: [false, true])
    func writerMadeJournalsAgreeWithJournalctl(compact: Bool) throws {
        let dir = try Fixture.temporaryDirectory("dwell-journal")
        let path = dir.appendingPathComponent("w\(compact ? "c" : "r").journal").path
        try JournalFixture.write(Self.incident(), to: path, compact: compact)
        let header = try #require(try JournalFixture.read(path).reader.header)
        #expect(header.isCompact == compact)
        #expect(header.compressionName == "zstd")
        #expect(try Self.expectSameAsJournalctl(path) == Self.incident().count)
        // The long message was stored compressed and comes back whole.
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(bytes.firstRange(of: Array(Self.longMessage.utf8)) == nil)
        let r = try JournalFixture.read(path)
        #expect(r.entries[13].first { $0.name == "MESSAGE" }?.value == Array(Self.longMessage.utf8))
    }

    /// Rewrites the uncompressed DATA object holding `text` as compressed with `flags` (1 XZ, 2 LZ4), as journald
    /// would have written it, and sets the header's flag.
    static func recompress(_ bytes: inout [UInt8], text: [UInt8], flags: UInt8) throws {
        let at = try #require(bytes.firstRange(of: text)).lowerBound
        let object = at - 64  // regular layout: payload at 64
        #expect(bytes[object] == 1)
        let payload = Array(bytes[at..<(at + text.count)])
        var packed = [UInt8](repeating: 0, count: payload.count + 1024)
        var n = 0
        if flags == 2 {
            withUnsafeBytes(of: UInt64(payload.count).littleEndian) { for k in 0..<8 { packed[k] = $0[k] } }
            let c = payload.withUnsafeBytes { src in
                packed.withUnsafeMutableBytes { dst -> Int32 in
                    guard let s = src.baseAddress, let d = dst.baseAddress else { return 0 }
                    return LZ4_compress_default(
                        s.assumingMemoryBound(to: CChar.self), (d + 8).assumingMemoryBound(to: CChar.self),
                        Int32(src.count), Int32(dst.count - 8))
                }
            }
            n = 8 + Int(c)
        } else {
            var pos = 0
            let r = payload.withUnsafeBufferPointer { src in
                packed.withUnsafeMutableBufferPointer { dst in
                    lzma_easy_buffer_encode(
                        6, LZMA_CHECK_CRC64, nil, src.baseAddress, src.count, dst.baseAddress, &pos, dst.count)
                }
            }
            #expect(r == LZMA_OK)
            n = pos
        }
        #expect(n > 8 && n < payload.count)
        for k in 0..<n { bytes[at + k] = packed[k] }
        bytes[object + 1] = flags
        withUnsafeBytes(of: UInt64(64 + n).littleEndian) { for k in 0..<8 { bytes[object + 8 + k] = $0[k] } }
        bytes[12] |= flags == 2 ? 2 : 1
    }

    @Test(
        "DATA objects compressed with LZ4 and XZ are read back",
        .enabled(if: canWrite, "needs systemd-journal-remote"), arguments: [UInt8(1), UInt8(2)])
    func lz4AndXZDataObjects(flags: UInt8) throws {
        let dir = try Fixture.temporaryDirectory("dwell-journal")
        let path = dir.appendingPathComponent("plain.journal").path
        try JournalFixture.write(Self.incident(), to: path, compact: false, compress: false)
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let text = Array(("MESSAGE=" + Self.longMessage).utf8)
        try Self.recompress(&bytes, text: text, flags: flags)
        let r = JournalFixture.read(bytes: bytes, displayPath: "x.journal")
        #expect(r.reader.header?.compressionName == (flags == 2 ? "lz4" : "xz"))
        #expect(r.entries.count == Self.incident().count)
        #expect(r.entries[13].first { $0.name == "MESSAGE" }?.value == Array(Self.longMessage.utf8))
        #expect(r.reader.issues.isEmpty)
        // A corrupt compressed payload loses that field only, counted and located.
        var broken = bytes
        // Find the compressed object again by its flags byte and scribble over its payload.
        var k = Int(try #require(r.reader.header).headerBytes)
        var flipped = false
        while k + 16 < broken.count, !flipped {
            let size = Int(broken[(k + 8)..<(k + 16)].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
            if size < 16 { break }
            if broken[k] == 1 && broken[k + 1] == flags {
                for i in (k + 64 + 12)..<(k + size) { broken[i] = 0x55 }
                flipped = true
            }
            k += (size + 7) & ~7
        }
        #expect(flipped)
        let b = JournalFixture.read(bytes: broken, displayPath: "x.journal")
        #expect(b.entries.count == Self.incident().count)
        #expect(b.meta[13].unreadableFields == 1)
        #expect(b.reader.issues.contains { $0.message.contains("does not decompress") && $0.line == 14 })
    }
}

@Suite struct JournalDiscoveryTests {
    @Test(
        "journal rotations are ordered by their headers' head entry time, not by name",
        .enabled(if: JournalReaderTests.realDirectory != nil, "../shared is absent"))
    func rotationOrderFromHeaders() throws {
        let src = try #require(JournalReaderTests.realDirectory)
        let dir = try Fixture.temporaryDirectory("dwell-journal-rotation")
        let journal = dir.appendingPathComponent("var/log/journal/f4e4")
        try FileManager.default.createDirectory(at: journal, withIntermediateDirectories: true)
        // The older file (2023-12-15T05:14Z) under the live name, the newer one (23:44Z) under an archived name.
        try FileManager.default.copyItem(
            atPath: src + "/" + JournalReaderTests.compactFile,
            toPath: journal.appendingPathComponent("system.journal").path)
        try FileManager.default.copyItem(
            atPath: src + "/" + JournalReaderTests.xzFile,
            toPath: journal.appendingPathComponent(
                "system@00000000000000000000000000000000-0000000000000001-0000000000000001.journal"
            ).path)
        // A user journal is a set of its own; a file that only looks like a journal by name is no member.
        try FileManager.default.copyItem(
            atPath: src + "/" + JournalReaderTests.xzFile,
            toPath: journal.appendingPathComponent("user-1000.journal").path)
        try FileManager.default.copyItem(
            atPath: src + "/invalid.journal",
            toPath: journal.appendingPathComponent("system@0000000000060c85-00000000000000aa.journal~").path)
        let files = Discovery().discover([dir.path]).files
        #expect(files.count == 4)
        let system = files.filter { $0.rotationSet.hasSuffix("var/log/journal/f4e4/system.journal") }
        #expect(system.count == 2)
        #expect(system.first?.displayPath.hasSuffix("/system.journal") == true)
        #expect(system.map(\.rotationIndex) == [0, 1])
        #expect(files.contains { $0.rotationSet.hasSuffix("/user-1000.journal") && $0.rotationCount == 1 })
        #expect(files.contains { $0.displayPath.hasSuffix(".journal~") && $0.rotationCount == 1 })
    }
}

@Suite struct JournalRecoveryTests {
    static func le64(_ b: [UInt8], _ o: Int) -> UInt64 {
        var v: UInt64 = 0
        for k in 0..<8 { v |= UInt64(b[o + k]) << (8 * UInt64(k)) }
        return v
    }

    @Test(
        "an entry written but not yet linked into the entry arrays (online file) is recovered by the object walk",
        .enabled(if: JournalReaderTests.canWrite, "needs systemd-journal-remote"), arguments: [UInt8(1), UInt8(0)])
    func unlinkedEntryIsRecovered(state: UInt8) throws {
        let dir = try Fixture.temporaryDirectory("dwell-journal")
        let path = dir.appendingPathComponent("live.journal").path
        try JournalFixture.write(JournalReaderTests.incident(), to: path, compact: false)
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let whole = JournalFixture.read(bytes: bytes, displayPath: "live.journal")
        let last = try #require(whole.meta.last).offset
        // Unlink the last entry: zero its slot in the entry array that holds it.
        var at = Int(try #require(whole.reader.header).headerBytes)
        var unlinked = false
        while at + 16 <= bytes.count {
            let size = Int(Self.le64(bytes, at + 8))
            guard size >= 16 else { break }
            if bytes[at] == 6 {
                var i = at + 24
                while i + 8 <= at + size {
                    if Self.le64(bytes, i) == last {
                        for k in 0..<8 { bytes[i + k] = 0 }
                        unlinked = true
                    }
                    i += 8
                }
            }
            at += (size + 7) & ~7
        }
        #expect(unlinked)
        bytes[16] = state  // 1: ONLINE (still being written); 0: OFFLINE, but the header counts one entry more
        let r = JournalFixture.read(bytes: bytes, displayPath: "live.journal")
        #expect(r.entries.count == whole.entries.count)
        #expect(r.reader.entriesRecovered == 1)
        #expect(r.meta.map(\.seqnum) == whole.meta.map(\.seqnum))
        #expect(r.reader.entriesLost == 0)
    }
}

/// #23, found by fuzzing (Fuzz/regressions/journal/): a journal header whose own size field is near 2^64 made the
/// object walk overflow (`at + 16`) and trap. It now reads what it can and reports the file.
@Suite struct JournalFuzzRegressionTests {
    @Test("#23 fuzz: a journal header size near 2^64 is damage, not a trap")
    func headerSizeNear2To64IsNotATrap() throws {
        let url = Fixture.packageRoot.appendingPathComponent("Fuzz/regressions/journal/header-size-near-2-to-the-64.journal")
        let bytes = try [UInt8](Data(contentsOf: url))
        var reader = JournalReader(bytes: bytes, displayPath: "x.journal")
        var entries = 0
        reader.forEachEntry { _ in entries += 1 }
        #expect(reader.entriesRead == UInt64(entries))
        // Through the pipeline too: the file is listed, whatever it held, and the run ends.
        let r = Fixture.ingest([url.path], options: IngestOptions(jobs: 1, forcedFormat: "journal"))
        #expect(r.stats.count == 1)
        #expect(r.stats.first?.lines == UInt64(entries))
    }
}

extension JournalFuzzRegressionTests {
    /// #23, found by fuzzing: a journal header whose head entry time reads as a time near `Int64.min` µs trapped when the
    /// manifest printed it (`Timestamp.seconds`). Times that far off are printed, not fatal.
    @Test("#23 fuzz: a head entry time near Int64.min is printed, not a trap")
    func headRealtimeNearInt64MinIsPrinted() throws {
        #expect(Timestamp(microseconds: .min).seconds == -9_223_372_036_855)
        #expect(Timestamp(microseconds: -1).seconds == -1)
        #expect(Timestamp(microseconds: -1_000_000).seconds == -1)
        #expect(Timestamp(microseconds: -1_000_001).seconds == -2)
        #expect(Timestamp(microseconds: .min).iso8601().hasSuffix(".224192Z"))
        let url = Fixture.packageRoot.appendingPathComponent("Fuzz/regressions/journal/head-realtime-near-int64-min.journal")
        let r = Fixture.ingest([url.path], options: IngestOptions(jobs: 1, forcedFormat: "journal"))
        var json = JSONBuffer()
        r.stats.first?.appendJSON(to: &json)
        #expect(!json.bytes.isEmpty)
    }
}
