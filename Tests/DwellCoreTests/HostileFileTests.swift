import DwellCore
import DwellIngest
import DwellTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// #23: files a new user's evidence tree may hold that are not plain logs: special files, links, copies under two
/// names, files that change while read, bombs. dwell lists each with what it is and what it did, and ends.
@Suite struct HostileFileTests {
    static let authLine = "Mar 12 10:00:00 web01 sshd[100]: Failed password for root from 203.0.113.9 port 40000 ssh2\n"

    /// A tree with one log, and the issues discovery reports for the entry named `name`.
    func issues(named name: String, in found: Discovery.Result) -> [EvidenceIssue] {
        found.issues.filter { $0.path.hasSuffix("/" + name) }
    }

    @Test("#23: a FIFO in the evidence tree is listed as not read, never opened")
    func fifoIsListedNotOpened() throws {
        let dir = try Fixture.temporaryDirectory("fifo")
        try Fixture.write(Self.authLine, to: dir.appendingPathComponent("var/log/auth.log"))
        let fifo = dir.appendingPathComponent("var/log/xconsole").path
        #expect(mkfifo(fifo, 0o600) == 0)
        // If discovery or reading opened the FIFO, this would block forever (no writer): the test would hang.
        let r = Fixture.ingest([dir.path])
        #expect(r.stats.count == 1)
        #expect(r.stats.first?.parsed == 1)
        let listed = issues(named: "var/log/xconsole", in: Discovery().discover([dir.path]))
        #expect(listed.count == 1)
        #expect(listed.first?.kind == .specialFile)
        #expect(listed.first?.message.contains("FIFO") == true)
        #expect(listed.first?.message.contains("not read") == true)
        #expect(listed.first?.isProblem == false)
        #expect(r.discoveryIssues.contains { $0.kind == .specialFile })
    }

    @Test("#23: a socket in the evidence tree is listed as a socket, not read")
    func socketIsListed() throws {
        // A short path: a socket's address holds at most 108 bytes.
        let dir = URL(fileURLWithPath: "/tmp/dwsock-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Fixture.write(Self.authLine, to: dir.appendingPathComponent("auth.log"))
        let path = dir.appendingPathComponent("log.sock").path
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        #expect(fd >= 0)
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        try #require(bytes.count < MemoryLayout.size(ofValue: address.sun_path))
        withUnsafeMutableBytes(of: &address.sun_path) { p in
            for (i, b) in bytes.enumerated() { p[i] = b }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        #expect(bound == 0)
        let found = Discovery().discover([dir.path])
        #expect(found.files.count == 1)
        let listed = issues(named: "log.sock", in: found)
        #expect(listed.map(\.kind) == [.specialFile])
        #expect(listed.first?.message.hasPrefix("socket") == true)
    }

    @Test("#23: a device file given by name is named and not read")
    func deviceIsNamed() {
        let found = Discovery().discover(["/dev/null"])
        #expect(found.files.isEmpty)
        #expect(found.issues.map(\.kind) == [.specialFile])
        #expect(found.issues.first?.message.hasPrefix("character device") == true)
    }

    @Test("#23: symbolic links out of the tree and link loops are reported, not followed")
    func symlinksOutOfTheTreeAndLoops() throws {
        let dir = try Fixture.temporaryDirectory("links")
        let outside = try Fixture.temporaryDirectory("outside")
        try Fixture.write(Self.authLine, to: dir.appendingPathComponent("case/auth.log"))
        try Fixture.write(Self.authLine, to: outside.appendingPathComponent("secret.log"))
        let fm = FileManager.default
        let root = dir.appendingPathComponent("case")
        try fm.createSymbolicLink(atPath: root.appendingPathComponent("escape.log").path, withDestinationPath: outside.appendingPathComponent("secret.log").path)
        try fm.createSymbolicLink(atPath: root.appendingPathComponent("etc").path, withDestinationPath: "/etc")
        try fm.createSymbolicLink(atPath: root.appendingPathComponent("loop-a").path, withDestinationPath: "loop-b")
        try fm.createSymbolicLink(atPath: root.appendingPathComponent("loop-b").path, withDestinationPath: "loop-a")
        try fm.createSymbolicLink(atPath: root.appendingPathComponent("current").path, withDestinationPath: "auth.log")
        try fm.createSymbolicLink(atPath: root.appendingPathComponent("gone").path, withDestinationPath: "nowhere.log")
        let found = Discovery().discover([root.path])
        #expect(found.files.map(\.displayPath) == ["case/auth.log"])
        func one(_ name: String) -> EvidenceIssue? {
            let i = issues(named: name, in: found)
            #expect(i.count == 1, "\(name): \(i)")
            return i.first
        }
        let escape = try #require(one("escape.log"))
        #expect(escape.kind == .symbolicLink)
        #expect(escape.message.contains("out of the evidence tree") && escape.message.contains("not followed"))
        #expect(escape.message.contains("secret.log"))
        #expect(one("etc")?.message.contains("out of the evidence tree") == true)
        let loop = try #require(one("loop-a"))
        #expect(loop.message.contains("loop") && loop.message.contains("not followed"))
        #expect(one("loop-b")?.message.contains("loop") == true)
        #expect(one("current")?.message.contains("inside the evidence tree") == true)
        #expect(one("gone")?.message.contains("dangling") == true)
        #expect(found.issues.allSatisfy { !$0.isProblem })
        // The run reads the one log once; what is outside the tree stays unread.
        let r = Fixture.ingest([root.path])
        #expect(r.stats.map(\.file.displayPath) == ["case/auth.log"])
    }

    @Test("#23: a link loop given on the command line is named")
    func linkLoopGivenByName() throws {
        let dir = try Fixture.temporaryDirectory("loopname")
        let a = dir.appendingPathComponent("a").path
        try FileManager.default.createSymbolicLink(atPath: a, withDestinationPath: "a")
        let found = Discovery().discover([a])
        #expect(found.files.isEmpty)
        #expect(found.issues.first?.message.contains("symbolic link loop") == true)
    }

    @Test("#23: two paths to the same file (hard link, input given twice) are read once and both names shown")
    func samePathReadOnce() throws {
        let dir = try Fixture.temporaryDirectory("hard")
        let log = try Fixture.write(Self.authLine, to: dir.appendingPathComponent("case/auth.log"))
        let twin = dir.appendingPathComponent("case/auth.log.hardlink")
        #expect(link(log.path, twin.path) == 0)
        let found = Discovery().discover([dir.appendingPathComponent("case").path, log.path])
        #expect(found.files.map(\.displayPath) == ["case/auth.log"])
        let same = found.issues.filter { $0.kind == .samePath }
        #expect(same.map(\.path).sorted() == [log.path, "case/auth.log.hardlink"].sorted())
        #expect(same.allSatisfy { $0.message.contains("case/auth.log") && $0.message.contains("read once") })
        let r = Fixture.ingest([dir.appendingPathComponent("case").path, log.path])
        #expect(r.stats.count == 1 && r.stats.first?.parsed == 1)
    }

    @Test("#23: an explicit --format wins over the binary guess")
    func explicitFormatWinsOverBinaryGuess() throws {
        // Two lines, one with a backspace and a bell in the user name: half the lines "dirty", judged binary.
        let text = Self.authLine + "Mar 12 10:00:01 web01 sshd[101]: Failed password for invalid user ad\u{8}\u{7}min from 203.0.113.9 port 40001 ssh2\n"
        let forced = Fixture.ingest(text, name: "auth.log", options: IngestOptions(jobs: 1, forcedFormat: "syslog"))
        #expect(forced.stats.format == "syslog")
        #expect(forced.stats.parsed == 2)
        #expect(!forced.stats.issues.contains { $0.kind == .binary })
    }

    @Test("#23: control bytes in a few lines do not hide a log its format recognises")
    func controlBytesDoNotHideALog() throws {
        var text = ""
        for i in 0..<6 {
            let user = i % 2 == 0 ? "root" : "x\u{1}\u{8}\u{7}\u{1b}[2J"
            text += "Mar 12 10:00:0\(i) web01 sshd[10\(i)]: Failed password for invalid user \(user) from 203.0.113.9 port 4000\(i) ssh2\n"
        }
        #expect(BinarySniffer.looksBinary(Array(text.utf8)))  // the guess alone would set it aside
        let r = Fixture.ingest(text, name: "auth.log", options: IngestOptions(jobs: 1))
        #expect(r.stats.format == "syslog")
        #expect(r.stats.parsed == 6)
    }

    @Test("#23: a file that grows while read ends with what was there when it was opened")
    func growingFileEnds() throws {
        let dir = try Fixture.temporaryDirectory("grow")
        let text = String(repeating: Self.authLine, count: 2000)
        let url = try Fixture.write(text, to: dir.appendingPathComponent("auth.log"))
        let file = try #require(Discovery().discover([url.path]).files.first)
        guard case .success(var source) = EvidenceSource.open(file) else { Issue.record("cannot open"); return }
        let appender = try FileHandle(forWritingTo: url)
        appender.seekToEndOfFile()
        appender.write(Data(String(repeating: Self.authLine, count: 10).utf8))
        try appender.close()
        var reader = LineReader(capacity: 4096)
        defer { reader.deallocate() }
        var lines = 0
        reader.forEachLine(from: &source) { _, _ in lines += 1 }
        #expect(lines == 2000)
        let grew = source.streamIssues.filter { $0.kind == .grewWhileRead }
        #expect(grew.count == 1)
        #expect(grew.first?.offset == UInt64(text.utf8.count))
        #expect(source.finish().rawBytes == UInt64(text.utf8.count))
    }

    @Test("#23: a file truncated while read keeps what was read and names the cut")
    func truncatedWhileRead() throws {
        let dir = try Fixture.temporaryDirectory("shrink")
        let text = String(repeating: Self.authLine, count: 4000)
        let url = try Fixture.write(text, to: dir.appendingPathComponent("auth.log"))
        let file = try #require(Discovery().discover([url.path]).files.first)
        guard case .success(var source) = EvidenceSource.open(file) else { Issue.record("cannot open"); return }
        var reader = LineReader(capacity: 4096)
        defer { reader.deallocate() }
        var lines = 0
        var cut = false
        reader.forEachLine(from: &source) { _, _ in
            lines += 1
            if lines == 100 && !cut {
                cut = true
                _ = truncate(url.path, 8192)  // copytruncate, mid-read
            }
        }
        #expect(lines < 4000)
        let shrank = source.streamIssues.filter { $0.kind == .shrankWhileRead }
        #expect(shrank.count == 1)
        #expect(shrank.first?.isProblem == true)
        #expect(shrank.first?.message.contains("truncated while it was read") == true)
    }

    @Test("#23: a gzip bomb is read as a stream, bounded, and named")
    func gzipBombIsNamed() throws {
        // 64 MiB of zeros in about 64 KiB: a 1000:1 bomb of modest size.
        let bomb = GzipCompress.member([UInt8](repeating: 0, count: 64 << 20), mtime: 0)
        let s = Fixture.ingest(bytes: bomb, name: "auth.log.1.gz", options: IngestOptions(jobs: 1, forcedFormat: "syslog")).stats
        #expect(s.decompressedBytes == 64 << 20)
        #expect(s.issues.contains { $0.kind == .compressionRatio })
        #expect(s.issues.contains { $0.kind == .lineTooLong })  // one 64 MiB "line" of NULs, skipped, counted
    }

    @Test("#23: a file read whole (journal, EVTX) stops at the memory bound and says so")
    func wholeFileFormatsAreBounded() throws {
        let bomb = GzipCompress.member([UInt8](repeating: 0x41, count: 8 << 20), mtime: 0)
        var options = IngestOptions(jobs: 1, forcedFormat: "evtx")
        options.maxWholeFileBytes = 1 << 20
        let s = Fixture.ingest(bytes: bomb, name: "Security.evtx.gz", options: options).stats
        let limit = s.issues.filter { $0.kind == .tooLarge }
        #expect(limit.count == 1)
        #expect(limit.first?.offset == 1 << 20)
        #expect(s.rawBytes == UInt64(bomb.count))  // the rest still hashed
    }
}
