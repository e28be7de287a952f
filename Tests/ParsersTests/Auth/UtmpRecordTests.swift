import DwellCore
import DwellIngest
import DwellTestSupport
import Foundation
import Parsers
import Testing

/// wtmp/btmp/utmp: glibc x86-64 records (384 bytes) built here field by field, parsed one by one, detected by
/// content whatever the file is called, and a truncated last record reported with the whole ones kept.
@Suite("utmp, wtmp and btmp records")
struct UtmpRecordTests {
    /// One glibc x86-64 `struct utmp`, little-endian, with `ut_addr_v6` in network order.
    static func record(
        type: Int16, pid: Int32 = 0, line: String = "", id: String = "", user: String = "", host: String = "",
        seconds: Int32, micros: Int32 = 0, address: [UInt8] = []
    ) -> [UInt8] {
        var r = [UInt8](repeating: 0, count: 384)
        func put<T: FixedWidthInteger>(_ v: T, at o: Int) {
            withUnsafeBytes(of: v.littleEndian) { for (k, b) in $0.enumerated() { r[o + k] = b } }
        }
        func text(_ s: String, at o: Int, width: Int) {
            for (k, b) in s.utf8.prefix(width).enumerated() { r[o + k] = b }
        }
        put(type, at: 0)
        put(pid, at: 4)
        text(line, at: 8, width: 32)
        text(id, at: 40, width: 4)
        text(user, at: 44, width: 32)
        text(host, at: 76, width: 256)
        put(Int32(0), at: 336)
        put(seconds, at: 340)
        put(micros, at: 344)
        for (k, b) in address.prefix(16).enumerated() { r[348 + k] = b }
        return r
    }

    static let t0: Int32 = 1_772_900_000  // 2026-03-07T16:13:20Z

    static var wtmp: [UInt8] {
        record(type: 2, line: "~", id: "~~", user: "reboot", host: "6.1.0-18-amd64", seconds: t0)
            + record(
                type: 7, pid: 4242, line: "pts/0", id: "ts/0", user: "deploy", host: "203.0.113.9", seconds: t0 + 60,
                micros: 123_456, address: [203, 0, 113, 9])
            + record(
                type: 7, pid: 4243, line: "pts/1", id: "ts/1", user: "alice", host: "2001:db8::7", seconds: t0 + 120,
                address: [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7])
            + record(type: 8, pid: 4242, line: "pts/0", id: "ts/0", seconds: t0 + 180)
            + record(type: 1, line: "~", id: "~~", user: "shutdown", host: "6.1.0-18-amd64", seconds: t0 + 240)
    }

    static func parseAll(_ bytes: [UInt8], failedLogins: Bool = false) throws -> [[String: String]] {
        var parser = UtmpParser(failedLogins: failedLogins)
        var context = ParserHarness.context()
        var out: [[String: String]] = []
        var k = 0
        while (k + 1) * 384 <= bytes.count {
            let rec = Array(bytes[k * 384..<(k + 1) * 384])
            if let e = try ParserHarness.parse(record: rec, with: &parser, context: &context) {
                var f = ParserHarness.fields(e, context.symbols, includeHeader: true)
                f["message_column"] = nil
                out.append(f)
            }
            k += 1
        }
        return out
    }

    @Test func wtmpRecordsBecomeBootLoginLogoutAndShutdown() throws {
        let events = try Self.parseAll(Self.wtmp)
        try #require(events.count == 5)
        #expect(events[0] == ["kind": "boot", "detail": "boot", "time": "2026-03-07T16:13:20.000000Z", "time_source": "explicit", "pid": "0"])
        #expect(
            events[1] == [
                "kind": "auth_success", "outcome": "success", "user": "deploy", "tty": "pts/0", "src_ip": "203.0.113.9",
                "time": "2026-03-07T16:14:20.123456Z", "time_source": "explicit", "pid": "4242",
            ])
        #expect(
            events[2] == [
                "kind": "auth_success", "outcome": "success", "user": "alice", "tty": "pts/1", "src_ip": "2001:db8::7",
                "time": "2026-03-07T16:15:20.000000Z", "time_source": "explicit", "pid": "4243",
            ])
        #expect(
            events[3] == [
                "kind": "logout", "tty": "pts/0", "time": "2026-03-07T16:16:20.000000Z", "time_source": "explicit",
                "pid": "4242",
            ])
        #expect(
            events[4] == [
                "kind": "boot", "detail": "shutdown", "time": "2026-03-07T16:17:20.000000Z", "time_source": "explicit",
                "pid": "0",
            ])
    }

    @Test func btmpRecordsAreFailedLogins() throws {
        let btmp =
            Self.record(type: 6, pid: 900, line: "ssh:notty", user: "admin", host: "203.0.113.9", seconds: Self.t0, address: [203, 0, 113, 9])
            + Self.record(type: 7, pid: 901, line: "ssh:notty", user: "root", host: "scanner.example.net", seconds: Self.t0 + 1)
        let events = try Self.parseAll(btmp, failedLogins: true)
        try #require(events.count == 2)
        // A LOGIN_PROCESS record keeps its user and terminal; a USER_PROCESS one in btmp is a failed login.
        #expect(events[0]["user"] == "admin")
        #expect(events[0]["tty"] == "ssh:notty")
        #expect(
            events[1] == [
                "kind": "auth_failure", "outcome": "failure", "user": "root", "tty": "ssh:notty",
                "domain": "scanner.example.net", "time": "2026-03-07T16:13:21.000000Z", "time_source": "explicit",
                "pid": "901",
            ])
    }

    @Test func emptySlotsAreNonEventsAndCorruptTypesAreRejected() throws {
        var parser = UtmpParser()
        var context = ParserHarness.context()
        let empty = Self.record(type: 0, seconds: 0)
        #expect(try ParserHarness.parse(record: empty, with: &parser, context: &context) == nil)
        let corrupt = Self.record(type: 99, user: "x", seconds: Self.t0)
        #expect(throws: LineRejection.invalidField(atColumn: 0)) {
            try ParserHarness.parse(record: corrupt, with: &parser, context: &context)
        }
        let badMicros = Self.record(type: 7, user: "x", seconds: Self.t0, micros: 2_000_000)
        #expect(throws: LineRejection.invalidField(atColumn: 344)) {
            try ParserHarness.parse(record: badMicros, with: &parser, context: &context)
        }
    }

    /// Detected by content: the same records under names that say nothing, and a text file named `wtmp`.
    @Test(arguments: ["wtmp", "wtmp.1", "logins.bin", "auth.log", "evidence-0042"])
    func detectedByContentWhateverTheName(_ name: String) {
        let sample = DetectionSample(prefix: Self.wtmp, path: "host/var/log/\(name)")
        let id = Registry.detect(sample)
        #expect(id.flatMap(Registry.descriptor)?.name == "wtmp", "\(name)")
    }

    @Test func textNamedWtmpIsNotReadAsRecords() {
        let text = Array(String(repeating: "Mar  3 04:12:09 h sshd[1]: Invalid user a from 203.0.113.9\n", count: 20).utf8)
        let id = Registry.detect(DetectionSample(prefix: text, path: "host/var/log/wtmp"))
        #expect(id.flatMap(Registry.descriptor)?.name == "syslog")
    }

    @Test func truncatedLastRecordIsReportedAndTheRestKept() throws {
        let cut = Self.wtmp + Array(Self.record(type: 7, user: "late", seconds: Self.t0 + 300).prefix(100))
        let run = Fixture.ingest(bytes: cut, name: "records.dat", options: IngestOptions(jobs: 1))
        let stats = run.stats
        #expect(stats.format == "wtmp")
        #expect(stats.parsed == 5)
        #expect(run.jsonl.split(separator: "\n").count == 5)
        let issue = try #require(stats.issues.first { $0.kind == .truncatedRecord }, "\(stats.issues)")
        #expect(issue.offset == 5 * 384)
        #expect(issue.message.contains("100 of 384 bytes"))
        #expect(!run.jsonl.contains("\"late\""))
    }
}
