import DwellCore

/// The web exploit needles of the rules table as one automaton: a request's decoded text is read once, and every
/// kind of pattern it holds comes out as a bit of a mask.
///
/// Built once per run from `web.exploit_attempt`'s lists (one kind per list, at most 64): a byte-level
/// Aho–Corasick automaton turned into a full transition table (256 entries per state), so a scan is one table
/// read per byte, whatever the number of needles.
/// - Complexity: building O(*m* · 256) for *m* needle bytes; a scan O(*n*) in the text.
struct WebPatternMatcher {
    /// The kind (list name) of each bit.
    let kinds: [String]
    /// Each needle's kind and text (lower-cased).
    let needles: [(kind: Int, text: [UInt8])]
    private var next: [Int32] = []
    /// Kinds whose needles end at each state (its own and its suffixes').
    private var output: [UInt64] = []

    init(lists: [PatternList]) {
        let used = lists.prefix(64)
        kinds = used.map(\.name)
        needles = used.enumerated().flatMap { k, l in
            l.values.map { (k, Array($0.lowercased().utf8)) }.filter { !$0.1.isEmpty }
        }
        // The trie, as a transition table filled in below.
        next = [Int32](repeating: -1, count: 256)
        output = [0]
        for (kind, text) in needles {
            var state = 0
            for b in text {
                let slot = state * 256 + Int(b)
                if next[slot] < 0 {
                    next[slot] = Int32(output.count)
                    output.append(0)
                    next += [Int32](repeating: -1, count: 256)
                }
                state = Int(next[slot])
            }
            output[state] |= 1 << UInt64(kind)
        }
        // Breadth first: each state's missing transitions are its failure state's.
        var failure = [Int](repeating: 0, count: output.count)
        var queue: [Int] = []
        for b in 0..<256 {
            if next[b] < 0 {
                next[b] = 0
            } else {
                queue.append(Int(next[b]))
            }
        }
        var head = 0
        while head < queue.count {
            let state = queue[head]
            head += 1
            output[state] |= output[failure[state]]
            for b in 0..<256 {
                let slot = state * 256 + b
                let fallback = Int(next[failure[state] * 256 + b])
                if next[slot] < 0 {
                    next[slot] = Int32(fallback)
                } else {
                    let child = Int(next[slot])
                    failure[child] = fallback
                    queue.append(child)
                }
            }
        }
    }

    /// The kinds (bits) whose needles occur in `text` (already decoded and lower-cased).
    func kinds(in text: [UInt8]) -> UInt64 {
        var mask: UInt64 = 0
        var state = 0
        next.withUnsafeBufferPointer { table in
            output.withUnsafeBufferPointer { out in
                // Bounds: every state is below `out.count` and every slot below `table.count` (256 per state).
                for b in text {
                    state = Int(table[state &* 256 &+ Int(b)])
                    mask |= out[state]
                }
            }
        }
        return mask
    }

    /// The first needle of `kind` found in `text`, for explanations.
    func needle(ofKind kind: Int, in text: [UInt8]) -> String {
        for (k, n) in needles where k == kind && Self.contains(text, n) { return ByteText.string(n) }
        return kinds[kind]
    }

    static func contains(_ text: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= text.count else { return needle.isEmpty }
        var i = 0
        while i + needle.count <= text.count {
            if text[i] == needle[0] && text[i..<i + needle.count].elementsEqual(needle) { return true }
            i += 1
        }
        return false
    }
}

/// Turns attacker-controlled web text into what the patterns are written for.
enum WebDecoding {
    /// Percent-decoded twice (double encoding), `+` as a space, lower-cased (ASCII), then with Log4j's lookups
    /// that only spell letters resolved (`${lower:j}`, `${upper:N}`, `${::-j}`, `${env:X:-j}`, `${date:'j'}`), so
    /// that `${${lower:j}ndi:` reads `${jndi:`.
    static func decode(_ raw: some Collection<UInt8>) -> [UInt8] {
        var text = percentDecoded(percentDecoded(Array(raw)))
        for k in text.indices where text[k] >= 65 && text[k] <= 90 { text[k] |= 0x20 }
        if contains(text, Self.lookupOpen) { text = resolvingLookups(text) }
        return text
    }

    static let lookupOpen: [UInt8] = Array("${".utf8)

    static func percentDecoded(_ b: [UInt8]) -> [UInt8] {
        guard b.contains(UInt8(ascii: "%")) || b.contains(UInt8(ascii: "+")) else { return b }
        var out: [UInt8] = []
        out.reserveCapacity(b.count)
        var i = 0
        while i < b.count {
            if b[i] == UInt8(ascii: "%"), i + 2 < b.count, let h = Detectors.hex(b[i + 1]), let l = Detectors.hex(b[i + 2]) {
                out.append(h << 4 | l)
                i += 3
            } else {
                out.append(b[i] == UInt8(ascii: "+") ? UInt8(ascii: " ") : b[i])
                i += 1
            }
        }
        return out
    }

    static func contains(_ text: [UInt8], _ needle: [UInt8]) -> Bool { WebPatternMatcher.contains(text, needle) }

    /// Replaces innermost `${…}` lookups other than `jndi:` by the text they stand for when that text is short
    /// (a default after `:-`, the argument of `lower:`/`upper:`, a quoted `date:` pattern); repeated until
    /// nothing changes (at most 16 rounds: nested obfuscation is shallow).
    static func resolvingLookups(_ input: [UInt8]) -> [UInt8] {
        var text = input
        for _ in 0..<16 {
            var out: [UInt8] = []
            out.reserveCapacity(text.count)
            var changed = false
            var i = 0
            while i < text.count {
                // An innermost lookup: `${` with no `${` or `}` before its closing `}`.
                if text[i] == UInt8(ascii: "$"), i + 1 < text.count, text[i + 1] == UInt8(ascii: "{"),
                    let close = innermostClose(text, from: i + 2),
                    let value = lookupValue(Array(text[(i + 2)..<close]))
                {
                    out += value
                    i = close + 1
                    changed = true
                } else {
                    out.append(text[i])
                    i += 1
                }
            }
            text = out
            if !changed { break }
        }
        return text
    }

    static func innermostClose(_ t: [UInt8], from: Int) -> Int? {
        var k = from
        while k < t.count {
            if t[k] == UInt8(ascii: "}") { return k }
            if t[k] == UInt8(ascii: "$"), k + 1 < t.count, t[k + 1] == UInt8(ascii: "{") { return nil }
            k += 1
        }
        return nil
    }

    /// What a lookup body stands for, or `nil` to leave it (a `jndi:` lookup, or one that names no short text).
    static func lookupValue(_ body: [UInt8]) -> [UInt8]? {
        if body.starts(with: Array("jndi:".utf8)) { return nil }
        var value: [UInt8]? = nil
        // `a:b:-x` → x (the default of any lookup, `${::-j}` included).
        var k = 0
        while k + 1 < body.count {
            if body[k] == UInt8(ascii: ":") && body[k + 1] == UInt8(ascii: "-") {
                value = Array(body[(k + 2)...])
                break
            }
            k += 1
        }
        if value == nil {
            for prefix in ["lower:", "upper:", "date:"] where body.starts(with: Array(prefix.utf8)) {
                value = Array(body[prefix.utf8.count...]).filter { $0 != UInt8(ascii: "'") }
            }
        }
        guard let v = value, v.count <= 8 else { return nil }
        return v
    }
}
