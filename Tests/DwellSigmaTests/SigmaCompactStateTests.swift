import DwellCore
import DwellSigma
import Foundation
import Testing

/// The engine's compact state (#21: the peak with rules): narrow line masks, tests' bitsets that hold no words when
/// empty, field keys as 1/2/4-byte ordinals, a match's positions with the first inline, and one selection pass for
/// every log source. Each must give exactly what the plain representation gives.
@Suite struct SigmaCompactStateTests {
    /// A small deterministic generator (the same numbers on every run).
    struct Numbers {
        var seed: UInt64
        mutating func next(_ n: Int) -> Int {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((seed >> 33) % UInt64(n))
        }
    }

    /// Masks of up to 8 sources stay one byte per line; the ninth source widens them, and every bit set before and
    /// after reads back as a plain table of 64-bit masks says.
    @Test(arguments: [1, 8, 9, 40, 64])
    func lineMasksReadBackEveryBitAcrossWidening(sources: Int) {
        var random = Numbers(seed: UInt64(sources))
        var masks = LineMasks()
        var plain: [Int: UInt64] = [:]
        // Sources touch the file in order (as the keyword pass numbers them), lines in any order, some repeated.
        for bit in 0..<sources {
            for _ in 0..<(1 + random.next(300)) {
                let line = random.next(5_000)
                masks.insert(bit: bit, line: line)
                plain[line, default: 0] |= 1 << UInt64(bit)
            }
        }
        var read: [(Int, UInt64)] = []
        masks.forEachLine { read.append(($0, $1)) }
        #expect(read.map(\.0) == plain.keys.sorted())
        #expect(read.map(\.1) == plain.keys.sorted().map { plain[$0] ?? 0 })
    }

    /// Set algebra over bitsets, some of them empty (no words), agrees with the same operations on sets of
    /// integers, for sizes around word boundaries.
    @Test(arguments: [0, 1, 63, 64, 65, 200])
    func bitsetsWithoutWordsAgreeWithPlainSets(count: Int) {
        var random = Numbers(seed: UInt64(count) + 7)
        func make(_ density: Int) -> (Bitset, Set<Int>) {
            var b = Bitset(count: count)
            var s = Set<Int>()
            for i in 0..<count where density > 0 && random.next(density) == 0 {
                b.set(i)
                s.insert(i)
            }
            return (b, s)
        }
        func members(_ b: Bitset) -> Set<Int> {
            var out = Set<Int>()
            b.forEachSet { out.insert($0) }
            return out
        }
        let all = Set(0..<count)
        for round in 0..<40 {
            var (a, sa) = make(round % 4 == 0 ? 0 : 1 + round % 5)
            let (b, sb) = make(round % 3 == 0 ? 0 : 1 + round % 7)
            #expect(a.isEmpty == sa.isEmpty)
            switch round % 4 {
            case 0:
                a.formUnion(b)
                sa.formUnion(sb)
            case 1:
                a.formIntersection(b)
                sa.formIntersection(sb)
            case 2:
                a.invert()
                sa = all.subtracting(sa)
            default:
                a.invert()
                a.formIntersection(b)
                sa = all.subtracting(sa).intersection(sb)
            }
            #expect(members(a) == sa, "round \(round)")
            #expect(a.isEmpty == sa.isEmpty)
            for i in 0..<count { #expect(a.contains(i) == sa.contains(i)) }
        }
        #expect(Bitset(count: count).words.isEmpty)
        #expect(members(Bitset(count: count, all: true)) == all)
    }

    /// Ordinals take the narrowest width for the number of distinct keys (256 fit a byte, 257 need two) and read
    /// back as given; `forEach(where:)` visits exactly the events whose ordinal is marked.
    @Test(arguments: [1, 256, 257, 65_536, 65_537])
    func ordinalColumnsKeepEveryOrdinalInTheNarrowestWidth(distinct: Int) {
        var random = Numbers(seed: UInt64(distinct))
        let count = 3_000
        let given = (0..<count).map { n in n < 2 ? (n == 0 ? 0 : distinct - 1) : random.next(distinct) }
        let column = OrdinalColumn(count: count, distinct: distinct) { UInt32(given[$0]) }
        switch column {
        case .narrow: #expect(distinct <= 256)
        case .medium: #expect(distinct > 256 && distinct <= 65_536)
        case .wide: #expect(distinct > 65_536)
        }
        #expect(column.count == count)
        #expect((0..<count).map { column[$0] } == given)
        let matched = (0..<distinct).map { _ in random.next(3) == 0 }
        var visited: [Int] = []
        column.forEach(where: matched) { visited.append($0) }
        #expect(visited == (0..<count).filter { matched[given[$0]] })
    }

    /// A match's positions read back as the array they were made from, the first one inline.
    @Test func matchPositionsReadBackAsGiven() {
        #expect(Array(SigmaPositions(7)) == [7])
        #expect(SigmaPositions(7).count == 1)
        #expect(Array(SigmaPositions([4, 9, 2, 11])) == [4, 9, 2, 11])
        #expect(Array(SigmaPositions([4, 9, 2, 11]).reversed()) == [11, 2, 9, 4])
        #expect(SigmaPositions([]).isEmpty)
        #expect(SigmaPositions([0]).first == 0)
    }

    /// Selecting every log source in one pass over the store (sources that select alike sharing one list) gives
    /// each source what selecting it alone gives, on a store holding syslog and web events.
    @Test func selectingAllSourcesTogetherEqualsSelectingEachAlone() throws {
        var text = ""
        let programs = ["sshd", "CRON", "sudo", "kernel", "cron", "systemd"]
        for n in 0..<600 {
            text += "Mar 10 10:\(String(format: "%02d", n / 60 % 60)):\(String(format: "%02d", n % 60)) web01 \(programs[n % programs.count])[\(100 + n)]: message \(n)\n"
        }
        let web = accessLog((0..<50).map { ("203.0.113.\($0 % 9)", "GET /p\($0) HTTP/1.1", 200, "agent") })
        let h = try SigmaHarness(["auth.log": text, "access.log": web])
        let sources: [(String?, String?, String?)] = [
            ("linux", nil, nil), ("linux", nil, "auth"), ("linux", nil, "syslog"), ("linux", nil, "sshd"),
            ("linux", nil, "cron"), (nil, "webserver", nil), ("linux", nil, "sudo"), ("linux", nil, "auth"),
        ]
        let mappings: [SigmaSourceMapping?] = sources.map { s in
            if case .success(let m) = SigmaFieldMap.mapping(product: s.0, category: s.1, service: s.2) { return m }
            return nil
        } + [nil]
        let engine = SigmaEngine(store: h.store, lineReader: nil, threads: 1)
        let together = engine.select(mappings)
        #expect(together.count == mappings.count)
        #expect(together.last?.isEmpty == true)
        for (g, m) in mappings.enumerated() {
            guard let m else { continue }
            #expect(together[g] == engine.select(m), "\(m.name)")
        }
        // The three sources that read every syslog event hold all 600 of them; sshd a sixth; cron a third; the web 50.
        #expect(together[0].count == 600 && together[1] == together[0] && together[2] == together[0])
        #expect(together[3].count == 100)
        #expect(together[4].count == 200)
        #expect(together[5].count == 50)
    }
}
