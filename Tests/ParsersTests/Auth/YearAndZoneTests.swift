import DwellCore
import DwellIngest
import DwellTestSupport
import Foundation
import Parsers
import Testing

/// Years and zones of auth logs: the year from the file's modification time, rollover across New Year, `--year`,
/// the zone from `--tz` and per-path overrides, explicit offsets winning, and the time source of every event.
@Suite("Syslog years and zones")
struct YearAndZoneTests {
    static func seconds(_ iso: String) throws -> Timestamp {
        let f = ISO8601DateFormatter()
        let d = try #require(f.date(from: iso))
        return Timestamp(seconds: Int64(d.timeIntervalSince1970))
    }

    /// Parses lines with one parser and the given clock; returns (time, time source) per line.
    static func run(_ lines: [String], clock: FileClock) throws -> [(String, String)] {
        var parser = SyslogParser()
        var context = ParseContext(clock: clock)
        return try lines.map { line in
            let e = try #require(try ParserHarness.parse(Array(line.utf8), with: &parser, context: &context))
            return (e.time.description, e.timeSource.name)
        }
    }

    @Test func yearComesFromTheFileModificationTime() throws {
        let clock = FileClock(referenceTime: try Self.seconds("2025-03-10T12:00:00Z"))
        let r = try Self.run(
            ["Mar 10 11:59:00 h sshd[1]: x", "Mar 12 13:00:00 h sshd[1]: x", "Feb 29 00:00:00 h sshd[1]: x"],
            clock: clock)
        #expect(r[0] == ("2025-03-10T11:59:00.000000Z", "year=file-mtime,zone=assumed-utc"))
        // More than two days after the file's last write: last year's line.
        #expect(r[1] == ("2024-03-12T13:00:00.000000Z", "year=rollover,zone=assumed-utc"))
        // 2025 has no Feb 29: the line belongs to 2024, and says so.
        #expect(r[2] == ("2024-02-29T00:00:00.000000Z", "year=rollover,zone=assumed-utc"))
    }

    @Test func decemberThenJanuaryRollsBackAcrossNewYear() throws {
        // Written from Dec 30 to Jan 2; the file was last modified on Jan 2, 2026.
        let clock = FileClock(referenceTime: try Self.seconds("2026-01-02T08:00:00Z"))
        let r = try Self.run(
            [
                "Dec 30 22:00:00 h sshd[1]: x", "Dec 31 23:59:59 h sshd[1]: x", "Jan  1 00:00:00 h sshd[1]: x",
                "Jan  2 07:59:00 h sshd[1]: x",
            ], clock: clock)
        #expect(r.map(\.0) == [
            "2025-12-30T22:00:00.000000Z", "2025-12-31T23:59:59.000000Z", "2026-01-01T00:00:00.000000Z",
            "2026-01-02T07:59:00.000000Z",
        ])
        #expect(r.map(\.1) == [
            "year=rollover,zone=assumed-utc", "year=rollover,zone=assumed-utc", "year=file-mtime,zone=assumed-utc",
            "year=file-mtime,zone=assumed-utc",
        ])
    }

    @Test func userYearOverridesTheFileTime() throws {
        let clock = FileClock(referenceTime: try Self.seconds("2026-01-02T08:00:00Z"), userYear: 2019)
        let r = try Self.run(["Dec 31 23:59:59 h sshd[1]: x", "2026-03-03T04:12:09Z h sshd[1]: x"], clock: clock)
        #expect(r[0] == ("2019-12-31T23:59:59.000000Z", "year=user,zone=assumed-utc"))
        // A line that carries its year keeps it.
        #expect(r[1] == ("2026-03-03T04:12:09.000000Z", "explicit"))
    }

    @Test func zoneAppliesToZonelessLinesAndExplicitOffsetsWin() throws {
        let zone = try #require(ZoneSettings.zone("America/New_York"))
        let clock = FileClock(
            referenceTime: try Self.seconds("2026-12-01T00:00:00Z"), zone: zone, zoneSource: .user)
        let r = try Self.run(
            [
                "Mar  3 04:12:09 h sshd[1]: x",  // EST, UTC-5
                "Jul  3 04:12:09 h sshd[1]: x",  // EDT, UTC-4
                "2026-07-03T04:12:09+01:00 h sshd[1]: x",  // its own offset
                "2026-07-03T04:12:09 h sshd[1]: x",  // a year, no offset: the zone applies
            ], clock: clock)
        #expect(r[0] == ("2026-03-03T09:12:09.000000Z", "year=file-mtime,zone=user"))
        #expect(r[1] == ("2026-07-03T08:12:09.000000Z", "year=file-mtime,zone=user"))
        #expect(r[2] == ("2026-07-03T03:12:09.000000Z", "explicit"))
        #expect(r[3] == ("2026-07-03T08:12:09.000000Z", "year=explicit,zone=user"))
    }

    @Test func fixedOffsetZone() throws {
        let zone = try #require(ZoneSettings.zone("+05:30"))
        let clock = FileClock(referenceTime: try Self.seconds("2026-12-01T00:00:00Z"), zone: zone, zoneSource: .user)
        let r = try Self.run(["Mar  3 04:12:09 h sshd[1]: x"], clock: clock)
        #expect(r[0] == ("2026-03-02T22:42:09.000000Z", "year=file-mtime,zone=user"))
    }

    /// End to end through the reader: files on disk with their modification times, `--tz` with a per-path
    /// override, and `--year`.
    @Test func ingestUsesFileTimesAndPerPathZones() throws {
        let dir = try Fixture.temporaryDirectory("dwell-auth-years")
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = "Dec 31 23:00:00 h sshd[1]: Invalid user a from 203.0.113.9\nJan  1 01:00:00 h sshd[1]: Invalid user b from 203.0.113.9\n"
        let mtime = Date(timeIntervalSince1970: TimeInterval(try Self.seconds("2026-01-01T12:00:00Z").microseconds / 1_000_000))
        try Fixture.write(text, to: dir.appendingPathComponent("web01/var/log/auth.log"), modificationTime: mtime)
        // Different bytes: an identical copy would be reported as a duplicate and read once.
        try Fixture.write(
            text.replacingOccurrences(of: "user b", with: "user c"), to: dir.appendingPathComponent("db01/var/log/auth.log"),
            modificationTime: mtime)

        let zones = try ZoneSettings(values: ["+01:00", "web01/*=America/New_York"])
        let run = Fixture.ingest([dir.path], options: IngestOptions(jobs: 1, zones: zones))
        let events = try Self.events(run.jsonl)
        let web = events.filter { ($0["file"] as? String)?.contains("web01") == true }
        let db = events.filter { ($0["file"] as? String)?.contains("db01") == true }
        #expect(web.map { $0["time"] as? String } == ["2026-01-01T04:00:00.000000Z", "2026-01-01T06:00:00.000000Z"])
        #expect(db.map { $0["time"] as? String } == ["2025-12-31T22:00:00.000000Z", "2026-01-01T00:00:00.000000Z"])
        #expect(
            web.map { $0["time_source"] as? String } == [
                "year=rollover,zone=user", "year=file-mtime,zone=user",
            ])

        let withYear = Fixture.ingest([dir.path], options: IngestOptions(jobs: 1, year: 2021))
        let y = try Self.events(withYear.jsonl)
        #expect(y.count == 4)
        #expect(y.allSatisfy { ($0["time_source"] as? String) == "year=user,zone=assumed-utc" })
        #expect(y.allSatisfy { ($0["time"] as? String)?.hasPrefix("2021-") == true })
    }

    static func events(_ jsonl: String) throws -> [[String: Any]] {
        try jsonl.split(separator: "\n").map { line in
            try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
    }
}
