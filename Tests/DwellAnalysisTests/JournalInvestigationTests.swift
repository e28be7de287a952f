import DwellAnalysis
import DwellCore
import DwellIndex
import DwellIngest
import DwellPipeline
import DwellTestSupport
import Foundation
import Testing

/// Issue #19: an incident whose auth history is only in the journal gives the same answer as its syslog version.
@Suite struct JournalInvestigationTests {
    static let canWrite = JournalFixture.remotePath != nil

    /// (seconds after 2026-03-03T04:00:00Z, program, pid, message) on host web01.
    static let incident: [(Int64, String, Int, String)] = {
        var out: [(Int64, String, Int, String)] = []
        for k in 0..<25 {
            out.append(
                (Int64(k) * 3, "sshd", 3000 + k, "Failed password for root from 203.0.113.9 port \(51000 + k) ssh2"))
        }
        out.append((80, "sshd", 3100, "Accepted password for deploy from 203.0.113.9 port 51200 ssh2"))
        out.append((80, "sshd", 3100, "pam_unix(sshd:session): session opened for user deploy(uid=1001) by (uid=0)"))
        out.append((95, "sudo", 3120, "  deploy : TTY=pts/0 ; PWD=/home/deploy ; USER=root ; COMMAND=/bin/bash"))
        out.append(
            (120, "useradd", 3130, "new user: name=backdoor, UID=1002, GID=1002, home=/home/backdoor, shell=/bin/bash"))
        out.append((200, "systemd-logind", 500, "New session 7 of user deploy."))
        return out
    }()
    static let t0: Int64 = 1_772_510_400_000_000  // 2026-03-03T04:00:00Z

    static func writeBoth() throws -> (syslog: String, journal: String) {
        let root = try Fixture.temporaryDirectory("dwell-journal-incident")
        let syslogDir = root.appendingPathComponent("syslog/web01/var/log")
        let journalDir = root.appendingPathComponent("journald/web01/var/log/journal/0123456789abcdef0123456789abcdef")
        try FileManager.default.createDirectory(at: syslogDir, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: journalDir, withIntermediateDirectories: true)
        var text = ""
        var entries: [[JournalFixture.Field]] = []
        for (s, program, pid, message) in incident {
            let t = Timestamp(microseconds: t0 + s * 1_000_000)
            text += "\(t.iso8601(fractionDigits: 6).dropLast())+00:00 web01 \(program)[\(pid)]: \(message)\n"
            entries.append(
                JournalFixture.entry(
                    realtimeMicroseconds: t.microseconds, host: "web01", identifier: program, pid: pid, message: message
                ))
        }
        _ = try Fixture.write(text, to: syslogDir.appendingPathComponent("auth.log"))
        try JournalFixture.write(entries, to: journalDir.appendingPathComponent("system.journal").path, compact: true)
        return (root.appendingPathComponent("syslog").path, root.appendingPathComponent("journald").path)
    }

    /// An event's JSON line without what tells the two files apart (format, file, line, offset).
    static func normalised(_ jsonl: String) -> [String] {
        jsonl.split(separator: "\n").map { line in
            var s = String(line)
            if let r = s.range(of: ",\"file\":") { s = String(s[..<r.lowerBound]) }
            return s.replacingOccurrences(of: "\"format\":\"journal\"", with: "\"format\":\"syslog\"")
        }
    }

    @Test(
        "#19: journal entries become the same events as the syslog lines",
        .enabled(if: canWrite, "needs systemd-journal-remote"))
    func journalEventsEqualSyslogEvents() throws {
        let (syslog, journal) = try Self.writeBoth()
        let a = Fixture.ingest([syslog])
        let b = Fixture.ingest([journal])
        #expect(a.stats.first?.format == "syslog")
        #expect(b.stats.first?.format == "journal")
        #expect(b.stats.first?.lines == UInt64(Self.incident.count))
        #expect(b.stats.first?.parsed == UInt64(Self.incident.count))
        #expect(b.stats.first?.journal?.compact == true)
        #expect(Self.normalised(a.jsonl) == Self.normalised(b.jsonl))
        #expect(b.jsonl.contains("\"kind\":\"auth_success\""))
        #expect(b.jsonl.contains("\"line\":26,"))
    }

    @Test(
        "#19: investigate finds the brute force and login in a journal as in auth.log",
        .enabled(if: canWrite, "needs systemd-journal-remote"))
    func investigationOfJournalEqualsSyslog() throws {
        let (syslog, journal) = try Self.writeBoth()
        let a = InvestigationRun.run(paths: [syslog], options: IngestOptions(jobs: 2), seeds: []).investigation
        let b = InvestigationRun.run(paths: [journal], options: IngestOptions(jobs: 2), seeds: []).investigation
        func key(_ f: Finding) -> String { "\(f.rule) \(f.host) \(f.time) \(f.indicators.sorted(by: Indicator.writtenOrder))" }
        let rules = Set(b.findings.map(\.rule))
        #expect(rules.contains("auth.bruteforce"))
        #expect(rules.contains("auth.success_after_failures"))
        #expect(a.findings.map(key).sorted() == b.findings.map(key).sorted())
        #expect(a.accounts.map(\.value).sorted() == b.accounts.map(\.value).sorted())
        #expect(a.sourceIPs.map(\.value).sorted() == b.sourceIPs.map(\.value).sorted())
        #expect(a.hosts.map(\.host).sorted() == b.hosts.map(\.host).sorted())
        #expect(a.firstSeen == b.firstSeen && a.lastSeen == b.lastSeen)
        // The journal's evidence is the entry's rendering, with its cursor.
        let login = try #require(b.findings.first { $0.rule == "auth.success_after_failures" })
        let raw = String(decoding: try #require(login.evidence.last).raw, as: UTF8.self)
        #expect(raw.contains("cursor=s="))
        #expect(raw.contains("Accepted password for deploy from 203.0.113.9"))
    }

    @Test(
        "#19: a cut journal keeps the entries before the cut; the manifest says what was lost and where",
        .enabled(if: canWrite, "needs systemd-journal-remote"))
    func cutJournalInTheManifest() throws {
        let (_, journal) = try Self.writeBoth()
        let dir = journal + "/web01/var/log/journal/0123456789abcdef0123456789abcdef"
        let whole = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir + "/system.journal")))
        let full = Fixture.ingest([journal])
        let entries = try #require(full.stats.first?.journal)
        #expect(entries.entriesRead == UInt64(Self.incident.count))
        #expect(full.stats.first?.hasProblems == false)
        // Cut through the middle of the entries (the entry objects sit at the end of the used part).
        let used = Int(whole.lastIndex { $0 != 0 } ?? 0) + 1
        let cutDir = try Fixture.temporaryDirectory("dwell-journal-cut")
        _ = try Fixture.write(Array(whole[0..<(used - 600)]), to: cutDir.appendingPathComponent("system@x-y.journal~"))
        let cut = Fixture.ingest([cutDir.path])
        let stats = try #require(cut.stats.first)
        #expect(stats.format == "journal")
        #expect(stats.parsed > 0 && stats.parsed < UInt64(Self.incident.count))
        #expect(stats.hasProblems)
        #expect(stats.issues.contains { $0.kind == .journalDamaged && $0.offset != nil })
        #expect((stats.journal?.entriesLost ?? 0) + stats.parsed <= UInt64(Self.incident.count))
    }
}
