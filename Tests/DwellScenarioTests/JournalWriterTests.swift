import DwellCore
import DwellScenario
import DwellTestSupport
import Foundation
import Testing

/// The generator's journal writer (`JournalFileWriter`, `dwell-scenario --journald`), checked against systemd's own
/// reader: `journalctl --verify` accepts every clean file and `journalctl --file F -o export` lists exactly the
/// entries and fields written (#19). Skipped when journalctl or systemd-journal-remote is absent.
@Suite
struct JournalWriterTests {
    static let hasJournalctl = JournalFixture.journalctlPath != nil
    static let hasRemote = JournalFixture.remotePath != nil

    @Test func hashesMatchTheirPublishedTestVectors() {
        // SipHash-2-4, key 00…0f: the empty message and the 15-byte message 00…0e (the reference vectors).
        let key = (0..<16).map { UInt8($0) }
        #expect(JournalHash.sipHash24([UInt8](), key: key) == 0x726f_db47_dd0e_0e31)
        #expect(JournalHash.sipHash24((0..<15).map { UInt8($0) }, key: key) == 0xa129_ca61_49be_45e5)
        // lookup3 hashlittle2 (lookup3.c's driver): "" → deadbeef deadbeef; the Gettysburg opening → 17770551 ce7226e6.
        #expect(JournalHash.jenkins64([UInt8]()) == 0xdead_beef_dead_beef)
        #expect(JournalHash.jenkins64(Array("Four score and seven years ago".utf8)) == 0x1777_0551_ce72_26e6)
    }

    static func id(_ k: UInt8) -> [UInt8] { (0..<16).map { UInt8($0) &* 17 &+ k } }

    /// Entries with a repeated field value, a field holding a newline, a non-UTF-8 byte and an empty value.
    static func sampleEntries() -> [(realtime: UInt64, monotonic: UInt64, payloads: [[UInt8]])] {
        var out: [(UInt64, UInt64, [[UInt8]])] = []
        for k in 0..<40 {
            var message = Array("Accepted password for user\(k % 7) from 198.51.100.\(k) port \(40_000 + k) ssh2".utf8)
            if k == 3 { message = Array("two\nlines".utf8) }
            if k == 4 { message = [0x66, 0xff, 0x6f] }
            var payloads: [[UInt8]] = [
                Array("_TRANSPORT=syslog".utf8), Array("SYSLOG_IDENTIFIER=sshd".utf8), Array("_HOSTNAME=web01".utf8),
                Array("_PID=\(2_000 + k % 5)".utf8), Array("_UID=0".utf8), Array("_COMM=sshd".utf8),
                Array("MESSAGE=".utf8) + message, Array("_BOOT_ID=\(hex(id(1)))".utf8),
            ]
            if k == 5 { payloads.append(Array("EMPTY=".utf8)) }
            out.append((1_773_000_000_000_000 + UInt64(k) * 1_500_000, 9_000_000 + UInt64(k) * 1_500_000, payloads))
        }
        return out
    }

    static func hex(_ b: [UInt8]) -> String { b.map { String(format: "%02x", $0) }.joined() }

    static func writeSample(to path: String) throws -> [(realtime: UInt64, monotonic: UInt64, payloads: [[UInt8]])] {
        let entries = sampleEntries()
        var w = JournalFileWriter(fileID: id(7), machineID: id(2), seqnumID: id(3))
        for (k, e) in entries.enumerated() {
            w.append(
                seqnum: 100 + UInt64(k), realtime: e.realtime, monotonic: e.monotonic, bootID: id(1),
                payloads: e.payloads)
        }
        try Data(w.finish(state: .archived)).write(to: URL(fileURLWithPath: path))
        return entries
    }

    static func run(_ tool: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = arguments
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func value(_ entry: [JournalFixture.Field], _ name: String) -> String? {
        entry.first { $0.name == name }.map { String(decoding: $0.value, as: UTF8.self) }
    }

    static func dataFields(_ entry: [JournalFixture.Field]) -> [String] {
        entry.filter { !$0.name.hasPrefix("__") && $0.name != "_BOOT_ID" }.map { $0.name + "=" + hex($0.value) }
            .sorted()
    }

    @Test(.enabled(if: hasJournalctl, "needs journalctl"))
    func journalctlVerifiesTheFileAndListsEveryEntryAndField() throws {
        let dir = try Scratch.directory("jw")
        defer { Scratch.remove(dir) }
        let path = dir + "/sample.journal"
        let entries = try Self.writeSample(to: path)
        let verify = try Self.run(JournalFixture.journalctlPath ?? "", ["--verify", "--file", path])
        #expect(verify.status == 0, "\(verify.output)")
        let listed = try JournalFixture.journalctlExport(path)
        try #require(listed.count == entries.count)
        for (k, (e, l)) in zip(entries, listed).enumerated() {
            #expect(Self.value(l, "__REALTIME_TIMESTAMP") == String(e.realtime))
            #expect(Self.value(l, "__MONOTONIC_TIMESTAMP") == String(e.monotonic))
            #expect(Self.value(l, "_BOOT_ID") == Self.hex(Self.id(1)))
            let intended = e.payloads.filter { !$0.starts(with: Array("_BOOT_ID=".utf8)) }.map { p in
                let eq = p.firstIndex(of: UInt8(ascii: "=")) ?? p.endIndex
                return String(decoding: p[..<eq], as: UTF8.self) + "=" + Self.hex(Array(p[(eq + 1)...]))
            }.sorted()
            #expect(Self.dataFields(l) == intended, "entry \(k)")
            // The cursor names the seqnum id and the entry's sequence number (journalctl 252 prints no __SEQNUM).
            #expect(Self.value(l, "__CURSOR")?.hasPrefix("s=\(Self.hex(Self.id(3)));i=\(String(100 + k, radix: 16));") == true)
        }
        // And dwell's reader agrees with journalctl on every field.
        let read = try JournalFixture.read(path)
        #expect(read.entries.map { Self.dataFields($0) } == listed.map { Self.dataFields($0) })
        #expect(read.reader.issues.isEmpty)
    }

    /// The entry's `xor_hash` (the cursor's `x=`) is what systemd computes for the same fields.
    @Test(.enabled(if: hasJournalctl && hasRemote, "needs journalctl and systemd-journal-remote"))
    func entryXorHashesEqualSystemdsForTheSameFields() throws {
        let dir = try Scratch.directory("jx")
        defer { Scratch.remove(dir) }
        let ours = dir + "/ours.journal"
        let entries = try Self.writeSample(to: ours)
        let export: [[JournalFixture.Field]] = entries.map { e in
            [("__REALTIME_TIMESTAMP", Array(String(e.realtime).utf8)),
             ("__MONOTONIC_TIMESTAMP", Array(String(e.monotonic).utf8))]
                + e.payloads.map { p in
                    let eq = p.firstIndex(of: UInt8(ascii: "=")) ?? p.endIndex
                    return (String(decoding: p[..<eq], as: UTF8.self), Array(p[(eq + 1)...]))
                }
        }
        let theirs = dir + "/theirs.journal"
        try JournalFixture.write(export, to: theirs, compact: false, compress: false)
        func xors(_ path: String) throws -> [String] {
            try JournalFixture.journalctlExport(path).map { e in
                let cursor = Self.value(e, "__CURSOR") ?? ""
                return cursor.split(separator: ";").first { $0.hasPrefix("x=") }.map(String.init) ?? "none"
            }
        }
        let a = try xors(ours)
        let b = try xors(theirs)
        #expect(a.count == entries.count)
        #expect(a == b)
    }

    /// Byte-identical journal files for the same seed.
    @Test func journaldFleetIsDeterministic() throws {
        func run() throws -> [String: [UInt8]] {
            let dir = try Scratch.directory("jd")
            defer { Scratch.remove(dir) }
            _ = try FleetGenerator.generate(
                FleetOptions(
                    seed: 9, outputDirectory: dir, name: "case", story: .webExfil, layout: .image, days: 2,
                    backgroundScale: 0.005, journald: .some))
            var out: [String: [UInt8]] = [:]
            for f in Scratch.files(under: dir) where f.contains(".journal") { out[f] = try Scratch.bytes(dir + "/" + f) }
            return out
        }
        let a = try run()
        #expect(!a.isEmpty)
        #expect(a == (try run()))
    }

    @Test func journaldNeedsTheImageLayout() {
        #expect(throws: ScenarioError.self) {
            try FleetGenerator.generate(
                FleetOptions(seed: 1, outputDirectory: nil, story: .sshJump, layout: .central, journald: .all))
        }
    }

    /// Every journald host's files hold exactly the auth lines its auth.log holds in the syslog version of the same
    /// seed (identifier, pid, message and time to the µs), as journalctl lists them; clean files pass
    /// `journalctl --verify`; the dirty `.journal~` hides its last two entries from journalctl and dwell reads them.
    @Test(.enabled(if: hasJournalctl, "needs journalctl"))
    func journaldHostsHoldTheSameLinesAsTheirAuthLog() throws {
        let dir = try Scratch.directory("jf")
        defer { Scratch.remove(dir) }
        for (name, journald) in [("journal", FleetJournald.all), ("syslog", FleetJournald.none)] {
            _ = try FleetGenerator.generate(
                FleetOptions(
                    seed: 4, outputDirectory: dir, name: name, story: .sshJump, layout: .image, days: 2,
                    backgroundScale: 0.005, journald: journald))
        }
        let journalFiles = Scratch.files(under: dir + "/journal").filter { $0.contains("/var/log/journal/") }
        #expect(!Scratch.files(under: dir + "/journal").contains { $0.hasSuffix("auth.log") })
        var byHost: [String: [String]] = [:]
        var dirtyFiles = 0
        for f in journalFiles {
            let path = dir + "/journal/" + f
            let host = String(f.prefix { $0 != "/" })
            let listed = try JournalFixture.journalctlExport(path)
            let read = try JournalFixture.read(path)
            if f.hasSuffix(".journal~") {
                dirtyFiles += 1
                #expect(read.entries.count == listed.count + 2)
                #expect(read.reader.entriesRecovered == 2)
            } else {
                let verify = try Self.run(JournalFixture.journalctlPath ?? "", ["--verify", "--file", path])
                #expect(verify.status == 0, "\(f): \(verify.output)")
                #expect(read.entries.count == listed.count)
            }
            #expect(zip(read.entries, listed).allSatisfy { Self.dataFields($0) == Self.dataFields($1) }, "\(f)")
            for e in read.entries {
                var ident = Self.value(e, "SYSLOG_IDENTIFIER") ?? ""
                if ident == "sshd-session" { ident = "sshd" }
                let pid = Self.value(e, "SYSLOG_PID") ?? (ident == "systemd-logind" ? Self.value(e, "_PID") : nil)
                let micros = Int64(Self.value(e, "_SOURCE_REALTIME_TIMESTAMP") ?? "") ?? 0
                #expect(Self.value(e, "_HOSTNAME") == host)
                for name in ["_COMM", "_PID", "_UID", "_TRANSPORT", "_BOOT_ID", "_MACHINE_ID"] {
                    #expect(Self.value(e, name)?.isEmpty == false, "\(name) in \(f)")
                }
                let stamp = String(isoSeconds(micros).dropLast()) + "." + String(format: "%06lld", micros % 1_000_000)
                byHost[host, default: []].append(
                    "\(stamp)+00:00 \(host) \(ident)\(pid.map { "[\($0)]" } ?? ""): \(Self.value(e, "MESSAGE") ?? "")")
            }
        }
        #expect(dirtyFiles == 1)
        let hosts = byHost.keys.sorted()
        #expect(hosts.count >= 12)
        for host in hosts {
            var lines: [String] = []
            for member in ["auth.log.1", "auth.log"] {
                lines += try Scratch.lines(dir + "/syslog/" + host + "/var/log/" + member)
            }
            let journal = byHost[host] ?? []
            #expect(journal.sorted() == lines.sorted(), "\(host): \(journal.count) entries, \(lines.count) lines")
        }
    }
}
