import Crypto
import DwellCore
import DwellIngest
import DwellTestSupport
import Foundation
import Testing

@Suite struct EvidenceTests {
    static let authLines = (0..<200).map {
        "Mar 12 10:\(String(format: "%02d", $0 / 60)):\(String(format: "%02d", $0 % 60)) web01 sshd[\(100 + $0)]: Connection closed by 203.0.113.\($0 % 250) port \(40000 + $0) [preauth]\n"
    }.joined()

    /// Evidence bytes with the name they would have on disk, read from memory (no temporary file).
    struct Memory {
        var bytes: [UInt8]
        var name: String
        init(_ bytes: [UInt8], _ name: String) { (self.bytes, self.name) = (bytes, name) }
        init(_ text: String, _ name: String) { self.init(Array(text.utf8), name) }
    }

    /// Ingests bytes in memory, dated as a file written now would be.
    func read(_ m: Memory) -> (FileStats, String) {
        let now = Timestamp(microseconds: Int64(Date().timeIntervalSince1970 * 1_000_000))
        let r = Fixture.ingest(bytes: m.bytes, name: m.name, modificationTime: now, options: IngestOptions(jobs: 2))
        return (r.stats, r.jsonl)
    }

    @Test func bytesInMemoryReadAsTheSameFileOnDisk() throws {
        let dir = try Fixture.temporaryDirectory()
        let gz = Fixture.gzip(Array(Self.authLines.utf8))
        for (bytes, name) in [(Array(Self.authLines.utf8), "auth.log"), (gz, "auth.log.2.gz"), (Array(gz.dropLast(9)), "auth.log.3.gz")] {
            let url = try Fixture.write(bytes, to: dir.appendingPathComponent(name))
            let disk = Fixture.ingest([url.path], options: IngestOptions(jobs: 1))
            let time = try #require(disk.stats.first?.file.modificationTime)
            let memory = Fixture.ingest(bytes: bytes, name: name, modificationTime: time)
            let onDisk = try #require(disk.stats.first)
            #expect(memory.stats.sha256 == onDisk.sha256 && memory.stats.rawBytes == UInt64(bytes.count))
            #expect((memory.stats.lines, memory.stats.parsed, memory.stats.format) == (onDisk.lines, onDisk.parsed, onDisk.format))
            #expect(memory.stats.issues.map(\.kind) == onDisk.issues.map(\.kind), "\(name)")
            #expect(memory.stats.issues.map(\.offset) == onDisk.issues.map(\.offset), "\(name)")
            #expect(memory.jsonl == disk.jsonl.replacingOccurrences(of: onDisk.file.displayPath, with: name))
        }
    }

    @Test func gzipGivesTheSameLinesAsPlain() throws {
        let plain = Memory(Self.authLines, "auth.log")
        let gz = Memory(Fixture.gzip(Array(Self.authLines.utf8)), "x/auth.log.2.gz")
        let (ps, pj) = read(plain)
        let (gs, gj) = read(gz)
        #expect(ps.lines == 200 && gs.lines == 200)
        #expect(gs.compression == .gzip && gs.decompressedBytes == UInt64(Self.authLines.utf8.count))
        // The same events, file name aside.
        #expect(gj.replacingOccurrences(of: "x/auth.log.2.gz", with: "auth.log") == pj)
        #expect(gj.split(separator: "\n").count == 200)
        #expect(gs.issues.filter(\.isProblem).isEmpty)
    }

    @Test func multiMemberGzipIsReadToTheEnd() throws {
        let half = Self.authLines.utf8.count / 2
        let bytes = Array(Self.authLines.utf8)
        let cut = bytes[..<half].lastIndex(of: 0x0a).map { $0 + 1 } ?? half
        let two = Fixture.gzip(Array(bytes[..<cut])) + Fixture.gzip([]) + Fixture.gzip(Array(bytes[cut...]))
        let file = Memory(two, "auth.log.1.gz")
        let (s, _) = read(file)
        #expect(s.lines == 200)
        #expect(s.gzipMembers == 3)
        #expect(s.issues.filter(\.isProblem).isEmpty)
    }

    @Test func truncatedGzipKeepsWhatWasInflated() throws {
        var big = ""
        for i in 0..<20 { big += Self.authLines.replacingOccurrences(of: "web01", with: "web\(i)") }
        let gz = Fixture.gzip(Array(big.utf8))
        let file = Memory(Array(gz[0..<(gz.count * 2 / 3)]), "auth.log.3.gz")
        let (s, _) = read(file)
        let issue = try #require(s.issues.first { $0.kind == .gzipTruncated })
        #expect(issue.offset != nil)
        #expect(issue.message.contains("truncated at byte"))
        #expect(s.lines > 1000 && s.lines < 4000)
        #expect(s.rawBytes == UInt64(gz.count * 2 / 3))
        #expect(s.hasProblems)
    }

    @Test func corruptCRCIsReported() throws {
        var gz = Fixture.gzip(Array(Self.authLines.utf8))
        gz[gz.count - 6] ^= 0xff  // inside the CRC32 trailer
        let file = Memory(gz, "auth.log.2.gz")
        let (s, _) = read(file)
        let issue = try #require(s.issues.first { $0.kind == .gzipCorrupt })
        #expect(issue.message.contains("kept"))
        #expect(s.lines == 200)  // every line was inflated before the trailer check failed
    }

    @Test func garbageAfterAMemberIsReportedWithItsOffset() throws {
        let gz = Fixture.gzip(Array(Self.authLines.utf8))
        let file = Memory(gz + Array("GARBAGE!".utf8), "a.gz")
        let (s, _) = read(file)
        let issue = try #require(s.issues.first { $0.kind == .trailingGarbage })
        #expect(issue.offset == UInt64(gz.count))
        #expect(issue.isProblem)
        #expect(s.lines == 200)
        let padded = Memory(gz + [UInt8](repeating: 0, count: 512), "b.gz")
        let (p, _) = read(padded)
        #expect(p.issues.first { $0.kind == .trailingGarbage }?.isProblem == false)
    }

    /// Big gzip files are inflated on their own thread ahead of the parser: the same lines, the same problems, the
    /// same hash as reading them directly (the small files above take the direct path).
    @Test func largeGzipReadAheadKeepsEveryLineAndEveryProblem() throws {
        // Lines with random hex so the member stays well over the read-ahead threshold once compressed.
        var x: UInt64 = 0x2545_F491_4F6C_DD1D
        var text = ""
        for i in 0..<40_000 {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17
            text += "Mar 12 10:\(String(format: "%02d", i / 60 % 60)):\(String(format: "%02d", i % 60)) web01 sshd[\(i)]: Connection closed by 203.0.113.\(i % 250) port \(1024 + i % 60000) [preauth] \(String(x, radix: 16))\(String(x >> 3, radix: 16))\n"
        }
        let bytes = Array(text.utf8)
        let cut = bytes[..<(bytes.count / 2)].lastIndex(of: 0x0a)! + 1
        let gz = Fixture.gzip(Array(bytes[..<cut])) + Fixture.gzip(Array(bytes[cut...]))
        #expect(Int64(gz.count) >= EvidenceSource.prefetchMinimumBytes, "the test must take the read-ahead path")

        let whole = Memory(gz, "auth.log.2.gz")
        let (s, jsonl) = read(whole)
        #expect(s.lines == 40_000 && s.parsed == 40_000)
        #expect(s.gzipMembers == 2)
        #expect(s.decompressedBytes == UInt64(bytes.count))
        #expect(s.issues.filter(\.isProblem).isEmpty)
        #expect(s.sha256 == SHA256.hash(data: gz).map { String(format: "%02x", $0) }.joined())
        #expect(jsonl.split(separator: "\n").count == 40_000)

        let cutAt = gz.count * 3 / 4
        let truncated = Memory(Array(gz[..<cutAt]) + Array("TRAILING".utf8), "auth.log.3.gz")
        let (t, _) = read(truncated)
        #expect(t.issues.contains { $0.kind == .gzipTruncated || $0.kind == .gzipCorrupt })
        #expect(t.lines > 20_000 && t.lines < 40_000)
        #expect(t.rawBytes == UInt64(cutAt + 8))
        #expect(t.hasProblems)
    }

    @Test func emptyFileAndZeroLengthMember() throws {
        let empty = Memory([UInt8](), "empty.log")
        let (e, _) = read(empty)
        #expect(e.issues.contains { $0.kind == .empty })
        #expect(!e.hasProblems)
        let zero = Memory(Fixture.gzip([]), "zero.log.gz")
        let (z, _) = read(zero)
        #expect(z.lines == 0)
        #expect(!z.hasProblems)
    }

    @Test func binaryFileIsSkippedWithAReason() throws {
        var bytes: [UInt8] = []
        var x: UInt32 = 12345
        for _ in 0..<8192 {
            x = x &* 1_103_515_245 &+ 12345
            bytes.append(UInt8(truncatingIfNeeded: x >> 16))
        }
        let file = Memory(bytes, "core.dump")
        let (s, _) = read(file)
        #expect(s.issues.contains { $0.kind == .binary })
        #expect(s.parsed == 0)
        #expect(s.sha256 == SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined())
    }

    @Test func unsupportedCompressionIsNamed() throws {
        let file = Memory([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 1, 2, 3], "auth.log.xz")
        let (s, _) = read(file)
        let issue = try #require(s.issues.first { $0.kind == .unsupportedCompression })
        #expect(issue.message.contains("xzcat"))
        #expect(s.rawBytes == 9)
    }

    @Test func sha256CoversTheRawBytes() throws {
        let gz = Fixture.gzip(Array(Self.authLines.utf8))
        let file = Memory(gz, "auth.log.2.gz")
        let (s, _) = read(file)
        #expect(s.sha256 == SHA256.hash(data: gz).map { String(format: "%02x", $0) }.joined())
        #expect(s.rawBytes == UInt64(gz.count))
    }

    @Test func rotationSetsAreOrderedOldestFirstAndDuplicatesNoted() throws {
        let dir = try Fixture.temporaryDirectory()
        let log = dir.appendingPathComponent("host/var/log")
        try Fixture.write("Mar 10 00:00:00 h p: a\n", to: log.appendingPathComponent("auth.log.1"))
        try Fixture.write(Fixture.gzip(Array("Mar  8 00:00:00 h p: c\n".utf8)), to: log.appendingPathComponent("auth.log.3.gz"))
        try Fixture.write("Mar 11 00:00:00 h p: now\n", to: log.appendingPathComponent("auth.log"))
        try Fixture.write(Fixture.gzip(Array("Mar  9 00:00:00 h p: b\n".utf8)), to: log.appendingPathComponent("auth.log.2.gz"))
        try Fixture.write("Mar 10 00:00:00 h p: a\n", to: log.appendingPathComponent("copy/auth.log.1"))
        let found = Discovery().discover([dir.path])
        let names = found.files.map { URL(fileURLWithPath: $0.path).lastPathComponent }
        #expect(names == ["auth.log.3.gz", "auth.log.2.gz", "auth.log.1", "auth.log", "auth.log.1"])
        #expect(found.files[0].hostHint == "host")
        #expect(found.files[0].rotationCount == 4)
        let r = Fixture.ingest([dir.path])
        #expect(r.stats.filter { $0.duplicateOf != nil }.count == 1)
        #expect(r.stats.last?.issues.contains { $0.kind == .duplicate } == true)
        #expect(r.jsonl.split(separator: "\n").count == 4)
    }

    @Test func unreadableDirectoryIsReportedAndTheRestRead() throws {
        let dir = try Fixture.temporaryDirectory()
        try Fixture.write("Mar 10 00:00:00 h p: a\n", to: dir.appendingPathComponent("ok/auth.log"))
        try Fixture.write("Mar 10 00:00:00 h p: b\n", to: dir.appendingPathComponent("locked/auth.log"))
        var discovery = Discovery()
        let real = discovery.listDirectory
        // Root ignores permission bits, so the EACCES that a locked directory gives is simulated here.
        discovery.listDirectory = { path in
            if path.hasSuffix("/locked") { throw CocoaError(.fileReadNoPermission) }
            return try real(path)
        }
        let found = discovery.discover([dir.path])
        #expect(found.files.count == 1)
        let issue = try #require(found.issues.first)
        #expect(issue.kind == .directoryUnreadable)
        #expect(issue.path.hasSuffix("locked"))
    }

    @Test func vanishedFileIsReported() throws {
        let dir = try Fixture.temporaryDirectory()
        let a = try Fixture.write("Mar 10 00:00:00 h p: a\n", to: dir.appendingPathComponent("a.log"))
        try Fixture.write("Mar 10 00:00:00 h p: b\n", to: dir.appendingPathComponent("b.log"))
        let found = Discovery().discover([dir.path])
        try FileManager.default.removeItem(at: a)
        var stats: [FileStats] = []
        Ingest.run(files: found.files, options: IngestOptions(jobs: 1), makeSink: { JSONCollector(path: $0.displayPath) }) {
            s, _ in stats.append(s)
        }
        #expect(stats[0].issues.first?.kind == .vanished)
        #expect(stats[1].parsed == 1)
    }

    @Test func sameOutputWhateverTheJobs() throws {
        let dir = try Fixture.temporaryDirectory()
        for i in 0..<9 {
            try Fixture.write(Self.authLines.replacingOccurrences(of: "web01", with: "h\(i)"), to: dir.appendingPathComponent("h\(i)/var/log/auth.log"))
            try Fixture.write(Fixture.gzip(Array(Self.authLines.utf8)), to: dir.appendingPathComponent("h\(i)/var/log/auth.log.2.gz"))
        }
        let one = Fixture.ingest([dir.path], options: IngestOptions(jobs: 1))
        let four = Fixture.ingest([dir.path], options: IngestOptions(jobs: 4))
        #expect(one.jsonl == four.jsonl)
        #expect(one.stats.map(\.sha256) == four.stats.map(\.sha256))
    }

    @Test func nulLinesAreReportedAndParsedAfterTheNULs() throws {
        let bytes = Array("Mar 10 00:00:00 h p: a\n".utf8) + [0, 0, 0, 0] + Array("Mar 10 00:00:01 h p: b\n".utf8)
        let file = Memory(bytes, "auth.log")
        let (s, _) = read(file)
        #expect(s.parsed == 2)
        #expect(s.issues.first { $0.kind == .nulBytes }?.line == 2)
    }

    @Test func crlfAndInvalidUTF8SurviveIntoEvents() throws {
        let bytes = Array("Mar 10 00:00:00 h\u{00e9} prog: x\r\n".utf8) + Array("Mar 10 00:00:01 h".utf8) + [0xff] + Array(" prog: y\n".utf8)
        let file = Memory(bytes, "auth.log")
        let (s, j) = read(file)
        #expect(s.parsed == 2)
        #expect(j.contains("\"host\":\"h\u{00e9}\""))
        #expect(j.contains("\"host\":\"h\\\\xff\""))
    }
}
