import Foundation
import DwellCore
import Testing

@Suite struct ModelTests {
    @Test func timestampFormatsISO8601() {
        let t = Timestamp(microseconds: 1_773_324_131_123_456)
        #expect(t.iso8601() == "2026-03-12T14:02:11.123456Z")
        #expect(t.iso8601(fractionDigits: 0) == "2026-03-12T14:02:11Z")
        #expect(Timestamp(iso8601: "2026-03-12T15:02:11.123456+01:00") == t)
        #expect(Timestamp(iso8601: "1969-12-31T23:59:59Z")?.microseconds == -1_000_000)
        #expect(Timestamp(microseconds: -1).iso8601() == "1969-12-31T23:59:59.999999Z")
        #expect(Timestamp(iso8601: "2026-02-30T00:00:00Z") == nil)
    }

    /// `timeline --help`'s example gives minutes without seconds (`--from 2026-03-11T19:00Z`), as ISO 8601 allows.
    @Test func timestampReadsMinutesWithoutSeconds() {
        let t = Timestamp(iso8601: "2026-03-11T19:00:00Z")
        #expect(t != nil)
        #expect(Timestamp(iso8601: "2026-03-11T19:00Z") == t)
        #expect(Timestamp(iso8601: "2026-03-11T19:00") == t)
        #expect(Timestamp(iso8601: "2026-03-11 20:00+01:00") == t)
        #expect(Timestamp(iso8601: "2026-03-11T19:60Z") == nil)
        #expect(Timestamp(iso8601: "2026-03-11T19:0Z") == nil)
    }

    @Test(arguments: [
        ("10.0.1.10", "10.0.1.10"), ("2001:DB8:0:0:0:0:0:1", "2001:db8::1"), ("::ffff:1.2.3.4", "1.2.3.4"),
        ("fe80::1%eth0", "fe80::1"), ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"), ("::1", "::1"),
        ("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"),
    ])
    func addressesPrintCanonically(input: String, canonical: String) throws {
        let ip = try #require(IPAddress(input))
        #expect(ip.description == canonical)
    }

    /// The byte parser agrees with the C library's inet_pton on every shape of IPv6 text.
    @Test(arguments: [
        "2001:db8::", "::2:3:4:5:6:7:8", "1:2:3:4:5:6:7::", "1::8", "1:2::7:8", "fe80::a:b:c:d", "::ffff:10.0.0.1",
        "64:ff9b::192.0.2.33", "1:2:3:4:5:6:1.2.3.4", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "0:0:0:0:0:0:0:2",
    ])
    func ipv6AgreesWithInetPton(_ text: String) throws {
        var raw = in6_addr()
        #expect(inet_pton(AF_INET6, text, &raw) == 1)
        let bytes = withUnsafeBytes(of: raw) { Array($0) }
        let high = bytes[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let low = bytes[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let ip = try #require(IPAddress(text))
        #expect(ip.high == high && ip.low == low)
    }

    @Test(arguments: ["1.2.3", "256.1.1.1", "1.2.3.4.5", "::", "1::2::3", "12345::", "abc", "", "1.2.3.4 "])
    func malformedAddressesAreRejected(input: String) {
        #expect(IPAddress(input) == nil)
    }

    @Test func networksContainTheirAddresses() throws {
        let net = try #require(IPNetwork("10.0.0.0/8"))
        #expect(net.contains(try #require(IPAddress("10.200.1.1"))))
        #expect(!net.contains(try #require(IPAddress("11.0.0.1"))))
        let v6 = try #require(IPNetwork("2001:db8::/32"))
        #expect(v6.contains(try #require(IPAddress("2001:db8:ffff::1"))))
        #expect(IPNetwork("10.0.0.0/33") == nil)
    }

    @Test func symbolsInternOnceAndMerge() {
        var a = SymbolTable(capacity: 2)
        let x = a.intern("deploy")
        #expect(a.intern("deploy") == x)
        var names: [Symbol] = []
        for i in 0..<5000 { names.append(a.intern("user\(i)")) }
        #expect(a.string(names[4321]) == "user4321")
        var b = SymbolTable()
        _ = b.intern("other")
        let remap = b.merge(a)
        #expect(b.string(Symbol(id: remap[Int(x.id)])) == "deploy")
        #expect(a.lookup("user17") == names[17])
        #expect(a.lookup("absent") == nil)
    }

    @Test func yearInferenceRollsBackAcrossNewYear() throws {
        // File modified 2026-01-02: a "Dec 31" line belongs to 2025, a "Jan  1" line to 2026.
        var clock = FileClock(referenceTime: try #require(Timestamp(iso8601: "2026-01-02T00:00:00Z")))
        let dec = try #require(clock.resolve(CivilTime(year: nil, month: 12, day: 31, hour: 23, minute: 0, second: 0)))
        #expect(dec.0 == Timestamp(iso8601: "2025-12-31T23:00:00Z"))
        #expect(dec.1.year == .rollover)
        let jan = try #require(clock.resolve(CivilTime(year: nil, month: 1, day: 1, hour: 1, minute: 0, second: 0)))
        #expect(jan.0 == Timestamp(iso8601: "2026-01-01T01:00:00Z"))
        #expect(jan.1 == TimeSource(year: .fileMTime, zone: .assumedUTC))
        clock.userYear = 2020
        #expect(clock.resolve(CivilTime(year: nil, month: 1, day: 1, hour: 0, minute: 0, second: 0))?.1.year == .user)
    }

    @Test func zonesApplyToZonelessLinesOnly() throws {
        let berlin = try #require(ZoneSettings.zone("Europe/Berlin"))
        var clock = FileClock(referenceTime: Timestamp(iso8601: "2026-12-01T00:00:00Z"), zone: berlin, zoneSource: .user)
        let summer = try #require(clock.resolve(CivilTime(year: 2026, month: 7, day: 1, hour: 12, minute: 0, second: 0)))
        #expect(summer.0 == Timestamp(iso8601: "2026-07-01T10:00:00Z"))
        #expect(summer.1.zone == .user)
        let winter = try #require(clock.resolve(CivilTime(year: 2026, month: 1, day: 1, hour: 12, minute: 0, second: 0)))
        #expect(winter.0 == Timestamp(iso8601: "2026-01-01T11:00:00Z"))
        let explicit = try #require(
            clock.resolve(CivilTime(year: 2026, month: 1, day: 1, hour: 12, minute: 0, second: 0, utcOffsetSeconds: -18000)))
        #expect(explicit.0 == Timestamp(iso8601: "2026-01-01T17:00:00Z"))
        #expect(explicit.1.zone == .explicit)
        #expect(ZoneSettings.zone("+05:30").map { $0.offsetSeconds(forLocalMicroseconds: 0) } == 19800)
        #expect(ZoneSettings.zone("Mars/Olympus") == nil)
        let settings = try ZoneSettings(values: ["UTC", "web01/*=America/New_York"])
        #expect(settings.zone(forPath: "incident/web01/var/log/auth.log").0.name == "America/New_York")
        #expect(settings.zone(forPath: "incident/db01/var/log/auth.log").0.name != "America/New_York")
    }

    @Test func terminalTextNeutralisesControls() {
        #expect(TerminalText.safe("a\u{1b}[31mred\u{7}") == "a\\x1B[31mred\\x07")
        #expect(TerminalText.safe("x\u{9b}2J") == "x\\u{9b}2J")
    }

    @Test func rotationNamesOrderOldestFirst() {
        #expect(RotationName(path: "a/auth.log.4.gz").age == 4)
        #expect(RotationName(path: "a/auth.log.4.gz").setName == "a/auth.log")
        #expect(RotationName(path: "a/auth.log").age == 0)
        let older = RotationName(path: "a/secure-20260301.gz")
        let newer = RotationName(path: "a/secure-20260308")
        #expect(older.setName == "a/secure" && newer.setName == "a/secure")
        #expect(older.age > newer.age)
        #expect(newer.age > 0)
    }
}

/// The analysis loops' integer table must agree with a dictionary, keep keys in insertion order, and grow.
@Suite struct IntegerTableTests {
    @Test func agreesWithADictionaryAndKeepsInsertionOrder() {
        var table = IntegerTable<Int>(capacity: 4)
        var reference: [UInt64: Int] = [:]
        var order: [UInt64] = []
        var x: UInt64 = 0x9E37_79B9_7F4A_7C15
        for step in 0..<50_000 {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17
            // Keys that collide in their low bits, keys that differ only high up, 0 and the largest value.
            let key: UInt64 = [x % 5_000, (x % 64) << 40, 0, UInt64.max, x][step % 5]
            let k = table.index(of: key, inserting: 0)
            table.values[k] += 1
            if reference[key] == nil { order.append(key) }
            reference[key, default: 0] += 1
        }
        #expect(table.count == reference.count)
        #expect(table.keys == order)
        for (key, n) in reference { #expect(table[key] == n) }
        for absent in [5_000, 5_001, 1 << 39, UInt64.max - 1] as [UInt64] where reference[absent] == nil {
            #expect(table[absent] == nil && table.index(of: absent) == nil)
        }
    }
}

/// Long values go through a cache keyed by their first and last eight bytes and their length: values that share
/// those but differ in the middle must still get their own ids, and repeats their first id.
@Suite struct SymbolCacheTests {
    @Test func longValuesThatLookAlikeAtTheEndsKeepTheirOwnIds() {
        var t = SymbolTable()
        let a = "Mozilla/5.0 (X11; Linux x86_64) AAAA Gecko/20100101 Firefox/120.0"
        let b = "Mozilla/5.0 (X11; Linux x86_64) BBBB Gecko/20100101 Firefox/120.0"
        let c = "Mozilla/5.0 (X11; Linux x86_64) AAAA Gecko/20100101 Firefox/120.0 "
        var ids: [String: UInt32] = [:]
        for round in 0..<3 {
            for s in [a, b, a, c, b, "short", String(repeating: "x", count: 17), String(repeating: "x", count: 16)] {
                let id = t.intern(s).id
                if let first = ids[s] { #expect(first == id, "round \(round): \(s)") } else { ids[s] = id }
                #expect(t.string(Symbol(id: id)) == s)
            }
        }
        #expect(Set(ids.values).count == ids.count, "distinct values, distinct ids")
        // A table's hash and its caches agree with a fresh table's lookups.
        for (s, id) in ids { #expect(t.lookup(s)?.id == id) }
    }
}
