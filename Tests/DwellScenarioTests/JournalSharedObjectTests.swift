import DwellCore
import DwellScenario
import DwellTestSupport
import Foundation
import Testing

/// The journal reader's table of shared DATA objects (#19's speed work): a DATA object that several entries cite is
/// read and checked once, and later citations are served from the table. These tests hold the reading with the table
/// to what was written (the generator's journal writer, no external tool needed), and check that damage is never
/// served from the table.
@Suite struct JournalSharedObjectTests {
    static func id(_ k: UInt8) -> [UInt8] { (0..<16).map { UInt8($0) &* 13 &+ k } }

    /// `count` entries sharing a host and a unit, with `pids` distinct shared pid objects (more than the table's
    /// first capacity holds at half load when `pids` is large, so it grows mid-file), values a slot keeps (a pid, a
    /// uid) and values it does not (7 bytes and more), a name that only starts like a known one (`_PIDX`), and a
    /// unique message each.
    static func entries(count: Int, pids: Int) -> [[[UInt8]]] {
        (0..<count).map { k in
            let pid = 1_000 + (k &* 7_919) % pids
            var p: [[UInt8]] = [
                Array("_HOSTNAME=web01".utf8), Array("_TRANSPORT=syslog".utf8), Array("_PID=\(pid)".utf8),
                Array("SYSLOG_PID=\(pid)".utf8), Array("SYSLOG_IDENTIFIER=sshd".utf8),
                Array("_COMM=sshd-session-1234".utf8), Array("_PIDX=\(k % 3)".utf8), Array("_UID=0".utf8),
                Array("MESSAGE=Failed password for user\(k % 11) from 198.51.100.\(k % 250) port \(k) ssh2".utf8),
                Array("_SOURCE_REALTIME_TIMESTAMP=\(1_773_000_000_000_000 + UInt64(k))".utf8),
            ]
            if k % 4 == 0 { p.swapAt(0, 8) }  // field order differs between entries
            return p
        }
    }

    static func write(_ entries: [[[UInt8]]]) -> [UInt8] {
        var w = JournalFileWriter(fileID: id(1), machineID: id(2), seqnumID: id(3), expectedEntries: entries.count)
        for (k, p) in entries.enumerated() {
            w.append(
                seqnum: UInt64(k + 1), realtime: 1_773_000_000_000_000 + UInt64(k) * 1_000,
                monotonic: 5_000_000 + UInt64(k) * 1_000, bootID: id(4), payloads: p)
        }
        return w.finish(state: .archived)
    }

    /// Each entry's fields in one order (the writer, like journald, lists an entry's items by object offset).
    static func sorted(_ entries: [[[UInt8]]]) -> [[[UInt8]]] {
        entries.map { $0.sorted { $0.lexicographicallyPrecedes($1) } }
    }

    /// The value of the first field of `fields` whose bytes start with `NAME=`, found the slow way.
    static func firstValue(_ fields: [[UInt8]], _ f: JournalField) -> [UInt8]? {
        let key = Array(UnsafeBufferPointer(start: f.key.utf8Start, count: f.keyBytes))
        return fields.first { $0.starts(with: key) }.map { Array($0[key.count...]) }
    }

    /// Every entry's fields, and each named value as `JournalEntry.value` gives it next to the slow way's.
    static func read(_ bytes: [UInt8])
        -> (fields: [[[UInt8]]], named: [[[UInt8]?]], slow: [[[UInt8]?]], reader: JournalReader)
    {
        var reader = JournalReader(bytes: bytes, displayPath: "t.journal")
        var fields: [[[UInt8]]] = []
        var named: [[[UInt8]?]] = []
        var slow: [[[UInt8]?]] = []
        reader.forEachEntry { e in
            let f = e.fields.map { e.bytes(of: $0) }
            fields.append(f)
            e.withFieldBytes { p in named.append(JournalField.allCases.map { e.value($0, in: p).map { Array($0) } }) }
            slow.append(JournalField.allCases.map { firstValue(f, $0) })
        }
        return (fields, named, slow, reader)
    }

    @Test func everyFieldAndNamedValueIsAsWrittenWhenTheTableGrowsMidFile() {
        let written = Self.entries(count: 6_000, pids: 2_500)
        let r = Self.read(Self.write(written))
        #expect(r.reader.issues.isEmpty)
        #expect(r.fields.count == written.count)
        #expect(Self.sorted(r.fields) == Self.sorted(written))
        #expect(r.named == r.slow)
        // The named values are there: the pid comes from a shared object, the message from a unique one.
        #expect(r.named[1][Int(JournalField.pid.rawValue)] == Array("\(1_000 + 7_919 % 2_500)".utf8))
        #expect(r.named[2][Int(JournalField.message.rawValue)].map { $0.starts(with: Array("Failed".utf8)) } == true)
        #expect(r.named[0][Int(JournalField.exe.rawValue)] == nil)
        // A copy kept past the reading, with its fields emptied as JournalEntry asks, names nothing.
        var reader = JournalReader(bytes: Self.write(Array(written.prefix(3))), displayPath: "t.journal")
        var kept: [JournalEntry] = []
        reader.forEachEntry { e in
            var copy = e
            copy.fields = []
            kept.append(copy)
        }
        #expect(kept.count == 3)
        let none = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
        for k in kept {
            #expect(JournalField.allCases.allSatisfy { k.value($0, in: none) == nil })
        }
    }

    /// The offset of the DATA object whose payload is `payload` (regular layout: the payload starts at byte 64).
    static func object(_ bytes: [UInt8], payload: String) throws -> Int {
        // The payload follows n_entries, whose last byte is 0 (a small count): "_PID=" inside "SYSLOG_PID=" is not it.
        let at = try #require(bytes.firstRange(of: [0] + Array(payload.utf8))).lowerBound + 1
        #expect(bytes[at - 64] == 1)
        return at - 64
    }

    @Test func aSharedObjectWithItsTypeByteFlippedIsDamageForEveryEntryThatCitesIt() throws {
        let written = Self.entries(count: 600, pids: 40)
        var bytes = Self.write(written)
        #expect(Self.read(bytes).reader.issues.isEmpty)
        // The host, cited by all 600 entries, and one pid, cited by 15, stop being DATA objects.
        bytes[try Self.object(bytes, payload: "_HOSTNAME=web01")] = 7
        let pidText = "_PID=\(1_000 + 7_919 % 40)"
        let pidCiters = written.filter { $0.contains(Array(pidText.utf8)) }.count
        #expect(pidCiters == 15)
        bytes[try Self.object(bytes, payload: pidText)] ^= 0x40
        let r = Self.read(bytes)
        #expect(r.fields.count == written.count)
        for (k, f) in r.fields.enumerated() {
            let lost = written[k].contains(Array(pidText.utf8)) ? 2 : 1
            #expect(f.count == written[k].count - lost, "entry \(k + 1)")
            #expect(!f.contains(Array("_HOSTNAME=web01".utf8)))
            #expect(r.named[k][Int(JournalField.hostname.rawValue)] == nil)
        }
        let issue = try #require(r.reader.issues.first { $0.message.contains("does not point at a valid DATA") })
        #expect(issue.message.contains("(\(written.count + pidCiters) times"))
        #expect(r.named == r.slow)
    }

    @Test func aSharedObjectCitedOnceByItsCountIsStillReadRightEverywhere() throws {
        // n_entries is only a hint for the table: a wrong count (here 1, then 2^64-1) changes nothing read.
        let written = Self.entries(count: 300, pids: 20)
        for count in [UInt64(1), UInt64.max] {
            var bytes = Self.write(written)
            let o = try Self.object(bytes, payload: "_HOSTNAME=web01")
            withUnsafeBytes(of: count.littleEndian) { for k in 0..<8 { bytes[o + 56 + k] = $0[k] } }
            let r = Self.read(bytes)
            #expect(r.reader.issues.isEmpty)
            #expect(Self.sorted(r.fields) == Self.sorted(written))
            #expect(r.named == r.slow)
        }
    }

    @Test func anItemPointingPastTheEndOfTheFileIsDamageEachTime() throws {
        let written = Self.entries(count: 50, pids: 5)
        var bytes = Self.write(written)
        // Point the first item of every entry (regular layout: items of 16 bytes from byte 64) past the file.
        var r = JournalReader(bytes: bytes, displayPath: "t.journal")
        var entryOffsets: [Int] = []
        r.forEachEntry { entryOffsets.append(Int($0.offset)) }
        for o in entryOffsets {
            let past = UInt64(bytes.count + 4096)
            withUnsafeBytes(of: past.littleEndian) { for k in 0..<8 { bytes[o + 64 + k] = $0[k] } }
        }
        let read = Self.read(bytes)
        #expect(read.fields.count == written.count)
        #expect(read.fields.allSatisfy { $0.count == written[0].count - 1 })
        let issue = try #require(read.reader.issues.first { $0.message.contains("outside the file") })
        #expect(issue.message.contains("(50 times"))
        #expect(read.named == read.slow)
    }
}
