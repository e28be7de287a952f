import DwellCore
import DwellTestSupport
import Testing

/// The per-line shortcuts of `ParseContext` (the resolved minute, the recent-symbols cache) and the byte helpers
/// give exactly what the slow paths give.
@Suite struct ParseContextTests {
    /// Deterministic generator for the tables below.
    struct LCG {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
    }

    /// Clocks whose decisions change inside a minute or a day: the New Year rollover limit (reference time + 2 days)
    /// falls at second 30 of a minute; a reference in a non-leap year (Feb 29 rolls back); `--year`; a fixed zone.
    static func clock(_ index: Int) -> FileClock {
        switch index {
        case 0: FileClock(referenceTime: Timestamp(seconds: 1_767_225_600 + 30))  // 2026-01-01T00:00:30Z
        case 1: FileClock(referenceTime: Timestamp(seconds: 1_774_000_000))  // 2026-03-20
        case 2: FileClock(referenceTime: Timestamp(seconds: 1_774_000_000), userYear: 2024)
        default:
            FileClock(
                referenceTime: Timestamp(seconds: 1_774_000_000), zone: LocalZone(fixedOffsetSeconds: -18_000),
                zoneSource: .user)
        }
    }

    @Test(arguments: 0..<4)
    func minuteShortcutAgreesWithTheClock(clockIndex: Int) {
        let clock = Self.clock(clockIndex)
        var context = ParseContext(clock: clock)
        var r = LCG(state: UInt64(clockIndex + 1))
        // Runs of lines in the same minute, around the rollover limit (Jan 2-3), Feb 28/29 and ordinary days.
        let days = [(1, 2), (1, 3), (2, 28), (2, 29), (3, 1), (12, 31), (6, 15)]
        for _ in 0..<4000 {
            let (month, day) = days[r.next(days.count)]
            let hour = r.next(2) == 0 ? 0 : r.next(24)
            let minute = r.next(2) == 0 ? 0 : r.next(60)
            for _ in 0..<r.next(4) + 1 {
                var civil = CivilTime(
                    year: r.next(5) == 0 ? 2025 : nil, month: month, day: day, hour: hour, minute: minute,
                    second: r.next(10) == 0 ? 60 : r.next(60), microsecond: r.next(1_000_000))
                if r.next(6) == 0 { civil.utcOffsetSeconds = [3600, -19_800, 0][r.next(3)] }
                if r.next(50) == 0 { civil.microsecond = 1_000_000 }  // invalid: must stay rejected
                let expected = clock.resolve(civil)
                let got = context.timestamp(for: civil)
                #expect(got?.0 == expected?.0 && got?.1 == expected?.1, "\(civil)")
            }
        }
    }

    @Test func changingTheClockForgetsTheMinute() throws {
        var context = ParseContext(clock: FileClock(referenceTime: Timestamp(seconds: 1_774_000_000)))
        let civil = CivilTime(year: nil, month: 3, day: 3, hour: 4, minute: 12, second: 9)
        let first = context.timestamp(for: civil)
        let before = try #require(first)
        context.clock.userYear = 2020
        let second = context.timestamp(for: civil)
        let after = try #require(second)
        #expect(after.0 == context.clock.resolve(civil)?.0)
        #expect(after.0 != before.0)
        #expect(after.1.year == .user)
    }

    /// The recent-values cache of a symbol table never changes what interning gives: each byte string keeps one
    /// id, and an id always names its bytes, also across a replaced table.
    @Test func internedShortValuesKeepOneIdAndTheirBytes() {
        var context = ParseContext()
        var ids: [[UInt8]: Symbol] = [:]
        var r = LCG(state: 99)
        let words = (0..<300).map { k -> [UInt8] in
            let n = 1 + k % 20
            return (0..<n).map { i in UInt8(ascii: "a") + UInt8((k * 7 + i * 13) % 26) }
        }
        for round in 0..<20_000 {
            if round % 5000 == 4999 {
                context.symbols = SymbolTable()  // as `dwell sweep` does past its budget
                ids.removeAll()
            }
            let w = words[r.next(r.next(2) == 0 ? 8 : words.count)]
            let symbol = w.withUnsafeBufferPointer { context.symbols.intern($0.span, 0..<w.count) }
            #expect(Array(context.symbols.bytes(symbol)) == w)
            #expect(ids[w, default: symbol] == symbol)
            ids[w] = symbol
            #expect(context.symbols.lookup(String(decoding: w, as: UTF8.self)) == symbol)
        }
        #expect(Set(ids.values).count == ids.count)
    }

    /// The word-at-a-time and anchored searches agree with a byte-by-byte reading.
    @Test func byteHelpersAgreeWithNaiveScans() {
        var r = LCG(state: 5)
        let alphabet = Array(" fromport:1.".utf8)
        func naiveFind(_ hay: [UInt8], _ needle: [UInt8], from: Int, to: Int) -> Int? {
            var i = from
            while i + needle.count <= to {
                if Array(hay[i..<i + needle.count]) == needle { return i }
                i += 1
            }
            return nil
        }
        for _ in 0..<3000 {
            let hay = (0..<r.next(40)).map { _ in alphabet[r.next(alphabet.count)] }
            let a = hay.isEmpty ? 0 : r.next(hay.count)
            let b = min(hay.count, a + r.next(hay.count + 1))
            hay.withUnsafeBufferPointer { p in
                let s = p.span
                #expect(s.find(" from ", from: a, to: b) == naiveFind(hay, Array(" from ".utf8), from: a, to: b))
                #expect(s.find("port", from: a, to: b) == naiveFind(hay, Array("port".utf8), from: a, to: b))
                var last: Int? = nil
                var i = a
                while let j = naiveFind(hay, Array(" from ".utf8), from: i, to: b) {
                    last = j
                    i = j + 1
                }
                #expect(s.findLast(" from ", before: b, notBefore: a) == last)
                for lit in 0..<hay.count {
                    let expected = Array(hay[lit...]).starts(with: Array(" from ".utf8))
                    #expect(s.matches(" from ", at: lit) == expected)
                    #expect(s.matches("po", at: lit) == Array(hay[lit...]).starts(with: Array("po".utf8)))
                    #expect(
                        s.matches("1.1.1.1:11", at: lit) == Array(hay[lit...]).starts(with: Array("1.1.1.1:11".utf8)))
                }
            }
        }
        let digits = Array("18446744073709551615 18446744073709551616 0042 1x".utf8)
        digits.withUnsafeBufferPointer { p in
            let s = p.span
            #expect(s.parseUInt(0..<20) == UInt64.max)
            #expect(s.parseUInt(21..<41) == nil)
            #expect(s.parseUInt(42..<46) == 42)
            #expect(s.parseUInt(47..<49) == nil)
            #expect(s.twoDigits(at: 42) == 0 && s.twoDigits(at: 44) == 42 && s.twoDigits(at: 47) == nil)
            #expect(s.twoDigits(at: 48) == nil)
        }
    }
}

@Suite struct EventResetTests {
    /// `reset` writes every field in place; an event with every field set, once reset, equals a new one.
    @Test func resetEqualsANewEvent() {
        for kind in [EventKind.generic, .webRequest, .flow] {
            var e = ParserHarness.staleEvent
            e.reset(time: Timestamp(seconds: 1_773_000_000), kind: kind)
            #expect(e == Event(time: Timestamp(seconds: 1_773_000_000), kind: kind))
            var f = ParserHarness.staleEvent
            f.reset()
            #expect(f == Event())
        }
    }
}
