import DwellCore
import DwellIndex
import Foundation

/// A set of positions in a log source's event list, one bit each. An empty set holds no words (most tests match
/// nothing, and a source keeps every test's result: a word array per test cost a bit per event each).
package struct Bitset {
    /// The bits, or no words at all when the set is empty.
    package private(set) var words: [UInt64]
    package let count: Int

    package init(count: Int, all: Bool = false) {
        self.count = count
        words = all && count > 0 ? [UInt64](repeating: ~0, count: (count + 63) / 64) : []
        if all { trim() }
    }

    private mutating func trim() {
        let extra = words.count * 64 - count
        if extra > 0, !words.isEmpty { words[words.count - 1] &= ~0 >> UInt64(extra) }
    }

    package mutating func set(_ i: Int) {
        if words.isEmpty { words = [UInt64](repeating: 0, count: (count + 63) / 64) }
        words[i >> 6] |= 1 << UInt64(i & 63)
    }
    package func contains(_ i: Int) -> Bool { !words.isEmpty && words[i >> 6] & (1 << UInt64(i & 63)) != 0 }
    package var isEmpty: Bool { !words.contains { $0 != 0 } }

    package mutating func formIntersection(_ o: Bitset) {
        guard !words.isEmpty else { return }
        guard !o.words.isEmpty else {
            words = []
            return
        }
        for k in words.indices { words[k] &= o.words[k] }
    }
    package mutating func formUnion(_ o: Bitset) {
        guard !o.words.isEmpty else { return }
        guard !words.isEmpty else {
            words = o.words
            return
        }
        for k in words.indices { words[k] |= o.words[k] }
    }
    package mutating func invert() {
        if words.isEmpty {
            self = Bitset(count: count, all: true)
            return
        }
        for k in words.indices { words[k] = ~words[k] }
        trim()
    }

    package func forEachSet(_ body: (Int) -> Void) {
        for (k, w) in words.enumerated() where w != 0 {
            var x = w
            while x != 0 {
                body(k * 64 + x.trailingZeroBitCount)
                x &= x - 1
            }
        }
    }
}

/// How a `DwellField` is read from the store: a 64-bit key per event (a symbol or address id, a number, or
/// `absent`), and the key's text and number, computed once per distinct key.
enum FieldAccess {
    static let absent = UInt64.max

    static func sym(_ v: UInt32) -> UInt64 { v == 0 ? absent : UInt64(v) }

    static func key(_ s: EventStore, _ f: DwellField, _ i: Int) -> UInt64 {
        switch f {
        case .host: sym(s.host[i])
        case .sourceIP: sym(s.sourceIP[i])
        case .destinationIP: sym(s.destinationIP[i])
        case .sourcePort: s.sourcePort.hasValue(at: i) ? UInt64(s.sourcePort[i]) : absent
        case .destinationPort: s.destinationPort.hasValue(at: i) ? UInt64(s.destinationPort[i]) : absent
        case .user: sym(s.user[i])
        case .targetUser: sym(s.targetUser[i])
        case .authMethod: sym(s.authMethod[i])
        case .program: sym(s.program[i])
        case .pid: s.pid[i] < 0 ? absent : UInt64(s.pid[i])
        case .command: sym(s.command[i])
        case .httpMethod: sym(s.httpMethod[i])
        case .path: sym(s.path[i])
        case .query: sym(s.query[i])
        case .httpStatus: s.httpStatus[i] < 0 ? absent : UInt64(s.httpStatus[i])
        case .bytesIn: s.bytesIn[i] < 0 ? absent : UInt64(s.bytesIn[i])
        case .bytesOut: s.bytesOut[i] < 0 ? absent : UInt64(s.bytesOut[i])
        case .userAgent: sym(s.userAgent[i])
        case .domain: sym(s.domain[i])
        case .service: sym(s.service[i])
        case .detail: sym(s.detail[i])
        case .fileHash: sym(s.fileHash[i])
        case .signature, .eventID: sym(s.signature[i])
        case .uri:
            s.path[i] == 0 && s.query[i] == 0 ? absent : UInt64(s.path[i]) | UInt64(s.query[i]) << 32
        case .rawLine, .record: absent  // record fields are read back by `SourceRun.loadRecords`
        }
    }

    /// The key's text as Sigma compares it, or `nil` when the field is absent.
    static func text(_ s: EventStore, _ f: DwellField, _ k: UInt64) -> [UInt8]? {
        guard k != absent else { return nil }
        switch f {
        case .sourceIP, .destinationIP:
            return s.address(UInt32(k)).map { Array($0.description.utf8) }
        case .sourcePort, .destinationPort, .pid, .httpStatus, .bytesIn, .bytesOut:
            return Array(String(k).utf8)
        case .uri:
            var out = Array(s.symbols.bytes(Symbol(id: UInt32(k & 0xffff_ffff))))
            let q = UInt32(k >> 32)
            if q != 0 { out += [0x3f] + s.symbols.bytes(Symbol(id: q)) }
            return out
        case .rawLine, .record: return nil
        default:
            return Array(s.symbols.bytes(Symbol(id: UInt32(k))))
        }
    }

    static func number(_ s: EventStore, _ f: DwellField, _ k: UInt64) -> Int64? {
        guard k != absent else { return nil }
        switch f {
        case .sourcePort, .destinationPort, .pid, .httpStatus, .bytesIn, .bytesOut: return Int64(k)
        default: return text(s, f, k).flatMap { Int64(String(decoding: $0, as: UTF8.self)) }
        }
    }

    /// Text for a report (`-` when absent; not escaped: the renderers escape).
    static func display(_ s: EventStore, _ f: DwellField, _ k: UInt64) -> String {
        text(s, f, k).map { ByteText.string($0) } ?? "-"
    }
}

/// One log source's events during a run: each field's keys read once, each test's result a bitset.
struct SourceRun {
    let store: EventStore
    let positions: [Int]
    /// Per field read so far: each event's key as its index in `distinct` (1, 2 or 4 bytes per event, where the
    /// keys themselves take 8), so a test marks the distinct values it matches in a small table and looks each event up
    /// there.
    var ordinals: [DwellField: OrdinalColumn] = [:]
    /// Per field read so far: its distinct keys, ascending (`FieldAccess.absent`, when present, last).
    var distinct: [DwellField: [UInt64]] = [:]
    var results: [SigmaFieldTest: Bitset] = [:]
    /// Keyword tests' results (from the raw lines).
    var keywordResults: [SigmaFieldTest: Bitset] = [:]

    /// Windows record fields read back (`loadRecords`): per Sigma field name, a key per event (an index into
    /// `recordValues`, or `FieldAccess.absent`).
    var recordKeys: [String: [UInt64]] = [:]
    var recordValues: [[UInt8]] = []

    /// A key's text: a record field's value, or the store's (`FieldAccess.text`).
    func text(_ f: DwellField, _ k: UInt64) -> [UInt8]? {
        if case .record = f { return k == FieldAccess.absent ? nil : recordValues[Int(k)] }
        return FieldAccess.text(store, f, k)
    }

    /// A key's value as an integer (decimal or `0x` hexadecimal text for record fields), or `nil`.
    func number(_ f: DwellField, _ k: UInt64) -> Int64? {
        guard case .record = f else { return FieldAccess.number(store, f, k) }
        guard let t = text(f, k) else { return nil }
        let s = String(decoding: t, as: UTF8.self)
        if s.hasPrefix("0x") || s.hasPrefix("0X") { return Int64(s.dropFirst(2), radix: 16) }
        return Int64(s)
    }

    /// Text for a report (`-` when absent; not escaped: the renderers escape).
    func display(_ f: DwellField, _ k: UInt64) -> String { text(f, k).map { ByteText.string($0) } ?? "-" }

    init(store: EventStore, positions: [Int]) {
        self.store = store
        self.positions = positions
    }

    /// Keys below this are symbol or address ids (or small numbers): sets of them are bitmaps, not hash sets.
    var denseBound: Int { max(store.symbols.count, store.addresses.count + 1, 65_536) }

    /// Each event's key for `f` (read once per field; see `ordinals`).
    mutating func keys(_ f: DwellField) -> [UInt64] {
        let o = ordinals(f)
        let values = distinct[f] ?? []
        return (0..<o.count).map { values[o[$0]] }
    }

    /// Each event's key for `f` as its index in `distinct[f]`, computed on first use: the keys are read from the
    /// store once to find the distinct ones, and again to number them (through a table for keys below
    /// `denseBound`, a dictionary above it).
    mutating func ordinals(_ f: DwellField) -> OrdinalColumn {
        if let o = ordinals[f] { return o }
        var values: [UInt64]
        var numbered: OrdinalColumn
        if case .record(let name) = f {
            let k = recordKeys[name] ?? [UInt64](repeating: FieldAccess.absent, count: positions.count)
            values = Set(k).sorted()
            // Record keys are indices into `recordValues` or `absent` (numbered last): a table, no hashing per event.
            var table = [UInt32](repeating: 0, count: recordValues.count)
            for (o, v) in values.enumerated() where v < UInt64(recordValues.count) { table[Int(v)] = UInt32(o) }
            let absentOrdinal = UInt32(max(values.count - 1, 0))
            numbered = OrdinalColumn(count: k.count, distinct: values.count) {
                k[$0] < UInt64(table.count) ? table[Int(k[$0])] : absentOrdinal
            }
        } else {
            // Locals, not `self`'s properties: inside the closure below, reading `self.store` copied the store (a
            // retain per column) for every event.
            let store = self.store
            let positions = self.positions
            var seen = KeySet(bound: denseBound)
            for p in positions { seen.insert(FieldAccess.key(store, f, p)) }
            values = seen.sorted()
            // Keys below the bound are numbered through a table as long as the largest such key (at most
            // `denseBound` entries), the others through a dictionary.
            let bound = UInt64(denseBound)
            let dense = values.last { $0 < bound }.map { Int($0) + 1 } ?? 0
            var table = [UInt32](repeating: 0, count: dense)
            var ordinalOf: [UInt64: UInt32] = [:]
            for (o, v) in values.enumerated() {
                if v < bound { table[Int(v)] = UInt32(o) } else { ordinalOf[v] = UInt32(o) }
            }
            numbered = OrdinalColumn(count: positions.count, distinct: values.count) { n in
                let v = FieldAccess.key(store, f, positions[n])
                return v < bound ? table[Int(v)] : ordinalOf[v] ?? 0
            }
        }
        ordinals[f] = numbered
        distinct[f] = values
        return numbered
    }

    mutating func evaluate(_ node: SigmaNode, rule: SigmaCompiledRule) -> Bitset {
        switch node {
        case .constant(let b): return Bitset(count: positions.count, all: b)
        case .test(let t): return result(rule.tests[t])
        case .not(let x):
            var b = evaluate(x, rule: rule)
            b.invert()
            return b
        case .and(let xs):
            var acc = Bitset(count: positions.count, all: true)
            for x in xs {
                acc.formIntersection(evaluate(x, rule: rule))
                if acc.isEmpty { break }
            }
            return acc
        case .or(let xs):
            var acc = Bitset(count: positions.count)
            for x in xs { acc.formUnion(evaluate(x, rule: rule)) }
            return acc
        }
    }

    mutating func result(_ t: SigmaFieldTest) -> Bitset {
        if t.field == .rawLine, let r = keywordResults[t] { return r }
        if let r = results[t] { return r }
        let r = compute(t)
        results[t] = r
        return r
    }

    mutating func compute(_ t: SigmaFieldTest) -> Bitset {
        var out = Bitset(count: positions.count)
        if t.field == .rawLine { return out }  // keywords not searched (no raw lines): nothing matches
        if case .fieldref(let other, let mode, let cased) = t.check {
            let a = ordinals(t.field)
            let b = ordinals(other)
            let aValues = distinct[t.field] ?? []
            let bValues = distinct[other] ?? []
            for n in positions.indices {
                guard var x = text(t.field, aValues[a[n]]), var y = text(other, bValues[b[n]]) else { continue }
                if !cased {
                    x = x.map(SigmaPattern.foldByte)
                    y = y.map(SigmaPattern.foldByte)
                }
                let hit: Bool
                switch mode {
                case 1: hit = y.isEmpty || x.withUnsafeBufferPointer { SigmaPattern.find(y, in: $0, from: 0) != nil }
                case 2: hit = x.starts(with: y)
                case 3: hit = x.count >= y.count && x.suffix(y.count).elementsEqual(y)
                default: hit = x == y
                }
                if hit { out.set(n) }
            }
            return out
        }
        let k = ordinals(t.field)
        let values = distinct[t.field] ?? []
        // Per distinct value (by its index in `values`): whether the test holds.
        var matched = [Bool](repeating: false, count: values.count)
        var anyMatched = false
        var regexes: [NSRegularExpression] = []
        if case .regex(let sources, _, let options) = t.check {
            regexes = sources.compactMap { try? NSRegularExpression(pattern: $0, options: .init(rawValue: options)) }
        }
        var nets: [IPNetwork] = []
        if case .cidr(let list, _) = t.check { nets = list.compactMap(IPNetwork.init) }
        var folded: [UInt8] = []
        for (o, key) in values.enumerated() {
            let text = self.text(t.field, key)
            var hit = false
            switch t.check {
            case .null: hit = text?.isEmpty ?? true
            case .exists(let b): hit = (text != nil) == b
            case .patterns(let ps, let all):
                guard let text else { break }
                let cased = ps.first?.cased ?? false
                if !cased { text.withUnsafeBufferPointer { SigmaPattern.fold($0, into: &folded) } }
                let subject = cased ? text : folded
                hit = subject.withUnsafeBufferPointer { b in all ? ps.allSatisfy { $0.matches(b) } : ps.contains { $0.matches(b) } }
            case .regex(_, let all, _):
                guard let text else { break }
                let s = String(decoding: text, as: UTF8.self)
                let range = NSRange(s.startIndex..., in: s)
                let one = { (r: NSRegularExpression) in r.firstMatch(in: s, range: range) != nil }
                hit = all ? regexes.allSatisfy(one) : regexes.contains(where: one)
            case .cidr(_, let all):
                guard let text, let ip = IPAddress(String(decoding: text, as: UTF8.self)) else { break }
                hit = all ? nets.allSatisfy { $0.contains(ip) } : nets.contains { $0.contains(ip) }
            case .compare(let op, let values):
                guard let n = number(t.field, key) else { break }
                hit = values.contains { SigmaComparison(op: op, value: $0).holds(n) }
            case .fieldref: break
            }
            if hit {
                matched[o] = true
                anyMatched = true
            }
        }
        guard anyMatched else { return out }
        k.forEach(where: matched) { out.set($0) }
        return out
    }

    /// The events where some rule's outcome depends on its keywords: each condition is evaluated with the keyword
    /// tests unknown (Kleene's three-valued logic over bitsets: definitely true, definitely false), and where a rule
    /// is neither, its keywords must be searched. Elsewhere the keywords cannot change any rule's result (a
    /// `selection and keywords` rule needs the raw line only where `selection` holds), so those lines are not
    /// searched. Only the non-keyword tests are computed here (and kept for `evaluate`).
    mutating func keywordNeeded(_ rules: [SigmaCompiledRule]) -> Bitset {
        var needed = Bitset(count: positions.count)
        for r in rules where r.tests.contains(where: { $0.field == .rawLine }) {
            var open = bounds(r.root, rule: r)
            open.known.invert()
            needed.formUnion(open.known)
        }
        return needed
    }

    /// `known`: the events where the node's value does not depend on keyword tests; `holds`: those where it is
    /// true (a subset of `known`).
    mutating func bounds(_ node: SigmaNode, rule: SigmaCompiledRule) -> (holds: Bitset, known: Bitset) {
        switch node {
        case .constant(let b): return (Bitset(count: positions.count, all: b), Bitset(count: positions.count, all: true))
        case .test(let t):
            let test = rule.tests[t]
            guard test.field != .rawLine else { return (Bitset(count: positions.count), Bitset(count: positions.count)) }
            return (result(test), Bitset(count: positions.count, all: true))
        case .not(let x):
            var (holds, known) = bounds(x, rule: rule)
            holds.invert()
            holds.formIntersection(known)
            return (holds, known)
        case .and(let xs), .or(let xs):
            let isAnd = if case .and = node { true } else { false }
            // and: true where all are true; false (known) where some is known false. or: the mirror image.
            var allHold = Bitset(count: positions.count, all: true)  // every part known and true (and) / known false (or)
            var decided = Bitset(count: positions.count)  // some part known false (and) / known true (or)
            for x in xs {
                let (holds, known) = bounds(x, rule: rule)
                var fails = known
                if isAnd {
                    var falseHere = holds
                    falseHere.invert()
                    fails.formIntersection(falseHere)
                    decided.formUnion(fails)
                    allHold.formIntersection(holds)
                } else {
                    var falseHere = holds
                    falseHere.invert()
                    fails.formIntersection(falseHere)
                    decided.formUnion(holds)
                    allHold.formIntersection(fails)
                }
            }
            var known = allHold
            known.formUnion(decided)
            // and: holds where every part holds; or: holds where some part holds.
            return (isAnd ? allHold : decided, known)
        }
    }

    /// Takes this source's keyword tests' results from the run's keyword pass (`SigmaKeywordPass`): a test holds
    /// at an event when it matched the event's raw line. `ids`: the source's keyword tests (numbers in `pass`);
    /// `found`: the pass's result by file id, `nil` when the raw lines were not available. Returns a note when some
    /// lines could not be read back.
    mutating func takeKeywordHits(_ ids: [Int32], of pass: SigmaKeywordPass, found: [SigmaKeywordPass.FileResult?]?) -> String? {
        guard !ids.isEmpty, !positions.isEmpty else { return nil }
        let tests = ids.map { pass.tests[Int($0)] }
        for t in tests { keywordResults[t] = Bitset(count: positions.count) }
        guard let found else { return "keywords not searched: the raw lines were not available" }
        var bits = [Bitset](repeating: Bitset(count: positions.count), count: ids.count)
        var localOf = [Int](repeating: -1, count: pass.tests.count)
        for (k, id) in ids.enumerated() { localOf[Int(id)] = k }
        var unread = 0
        // The current file's hits, fetched again only when the file changes (events of a file come in runs).
        var file = -1
        var hits = SigmaKeywordPass.FileHits()
        var isUnread = false
        var cursor = 0
        for (n, p) in positions.enumerated() {
            let f = Int(store.fileID[p])
            if f != file {
                file = f
                cursor = 0
                hits = SigmaKeywordPass.FileHits()
                isUnread = false
                switch f < found.count ? found[f] : nil {
                case .unread?: isUnread = true
                case .hits(let h)?: hits = h
                case nil: break
                }
            }
            if isUnread {
                unread += 1
                continue
            }
            let line = store.line[p]
            guard hits.hasHits(line) else { continue }
            for k in hits.range(of: line, cursor: &cursor) {
                let local = localOf[Int(hits.tests[k])]
                if local >= 0 { bits[local].set(n) }
            }
        }
        for (k, t) in tests.enumerated() { keywordResults[t] = bits[k] }
        return unread > 0 ? "\(unread) events' raw lines could not be read back (standard input): keywords not searched there" : nil
    }
}

/// Each event's key as an index into its field's distinct keys, one, two or four bytes each: the narrowest width
/// that holds the number of distinct keys (a method, a status or a host takes one byte per event).
package enum OrdinalColumn {
    case narrow([UInt8])
    case medium([UInt16])
    case wide([UInt32])

    /// `count` events whose ordinals are `ordinal(n)`, each below `distinct`.
    package init(count: Int, distinct: Int, _ ordinal: (Int) -> UInt32) {
        func fill<T: FixedWidthInteger>(_: T.Type) -> [T] {
            var out = [T](repeating: 0, count: count)
            out.withUnsafeMutableBufferPointer { o in for n in 0..<count { o[n] = T(truncatingIfNeeded: ordinal(n)) } }
            return out
        }
        if distinct <= 1 << 8 {
            self = .narrow(fill(UInt8.self))
        } else if distinct <= 1 << 16 {
            self = .medium(fill(UInt16.self))
        } else {
            self = .wide(fill(UInt32.self))
        }
    }

    package var count: Int {
        switch self {
        case .narrow(let a): a.count
        case .medium(let a): a.count
        case .wide(let a): a.count
        }
    }

    package subscript(n: Int) -> Int {
        switch self {
        case .narrow(let a): Int(a[n])
        case .medium(let a): Int(a[n])
        case .wide(let a): Int(a[n])
        }
    }

    /// Calls `body` with each event (ascending) whose ordinal is marked in `matched` (one flag per distinct key).
    package func forEach(where matched: [Bool], _ body: (Int) -> Void) {
        func scan<T: FixedWidthInteger>(_ a: [T]) {
            // Every ordinal is below the number of distinct keys, which is `matched.count`.
            matched.withUnsafeBufferPointer { m in
                a.withUnsafeBufferPointer { o in for n in 0..<o.count where m[Int(o[n])] { body(n) } }
            }
        }
        switch self {
        case .narrow(let a): scan(a)
        case .medium(let a): scan(a)
        case .wide(let a): scan(a)
        }
    }
}

/// A set of field keys: a bitmap for keys below `bound` (symbol and address ids, small numbers), a hash set above.
struct KeySet {
    var bits: [UInt64]
    var other = Set<UInt64>()
    var isEmpty = true
    let bound: UInt64

    init(bound: Int) {
        self.bound = UInt64(bound)
        bits = [UInt64](repeating: 0, count: bound / 64 + 1)
    }

    mutating func insert(_ k: UInt64) {
        isEmpty = false
        if k < bound { bits[Int(k >> 6)] |= 1 << (k & 63) } else { other.insert(k) }
    }

    func contains(_ k: UInt64) -> Bool {
        k < bound ? bits[Int(k >> 6)] & (1 << (k & 63)) != 0 : other.contains(k)
    }

    func sorted() -> [UInt64] {
        var out: [UInt64] = []
        for (w, word) in bits.enumerated() where word != 0 {
            var x = word
            while x != 0 {
                out.append(UInt64(w * 64 + x.trailingZeroBitCount))
                x &= x - 1
            }
        }
        return out + other.sorted()
    }
}
