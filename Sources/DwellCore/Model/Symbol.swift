/// An interned string: user names, host names, programs, paths, user agents, domains.
/// `Symbol.none` (0) means "absent". Ids are local to the `SymbolTable` that issued them.
public struct Symbol: Hashable, Comparable, Sendable {
    public var id: UInt32
    @inlinable public init(id: UInt32) { self.id = id }
    public static let none = Symbol(id: 0)
    @inlinable public var isNone: Bool { id == 0 }
    @inlinable public static func < (a: Symbol, b: Symbol) -> Bool { a.id < b.id }
}

/// Interns byte strings. Each distinct byte sequence is stored once in one arena and named by a `Symbol`.
///
/// Lookups hash the bytes (FNV-1a) and probe an open-addressing table: no allocation once the table is warm.
/// Bytes that are not valid UTF-8 are kept as they are; `string(_:)` shows them escaped as `\xNN`.
/// A table belongs to one task (one file's worker); tables are merged with `merge(_:)`, which returns a remap.
/// - Complexity: `intern` is O(n) in the length of the bytes, amortised.
public struct SymbolTable: Sendable {
    @usableFromInline var arena: [UInt8] = []
    @usableFromInline var starts: [Int] = [0, 0]  // starts[id]..<starts[id+1] once sealed; id 0 is empty
    @usableFromInline var hashes: [UInt32] = [0]
    @usableFromInline var slots: [UInt32]  // 0 = empty, else symbol id
    @usableFromInline var mask: Int
    /// Recently interned short values: repeated hosts, programs and keywords skip hashing (see `RecentSymbols`).
    @usableFromInline var recent = RecentSymbols()
    /// Recently interned longer values (user agents, paths), keyed by their first and last eight bytes and their
    /// length: a hit is confirmed by comparing the bytes with the table's, which costs less than hashing them.
    @usableFromInline var recentLong = RecentSymbols()

    public init(capacity: Int = 1024) {
        var c = 64
        while c < capacity * 2 { c <<= 1 }
        slots = [UInt32](repeating: 0, count: c)
        mask = c - 1
    }

    /// Number of symbols, `none` included.
    @inlinable public var count: Int { hashes.count }
    /// Bytes held by the arena.
    @inlinable public var arenaBytes: Int { arena.count }

    /// A hash of the bytes, sixteen at a time in two independent lanes (a multiply-xorshift mix each, so the two
    /// multiplications overlap; ids never depend on the hash, only the table layout does).
    @inlinable static func hash(_ p: UnsafeBufferPointer<UInt8>) -> UInt32 {
        guard let base = p.baseAddress else { return 0 }
        let raw = UnsafeRawPointer(base)
        let n = p.count
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(truncatingIfNeeded: n)
        var g: UInt64 = 0x2545_F491_4F6C_DD1D
        var i = 0
        while i + 16 <= n {
            h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
            g = (g ^ raw.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self)) &* 0xC4CE_B9FE_1A85_EC53
            h ^= h >> 32
            g ^= g >> 29
            i += 16
        }
        h ^= (g &<< 21) | (g &>> 43)
        if i + 8 <= n {
            h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 32
            i += 8
        }
        if i < n {
            var w: UInt64 = 0
            var shift: UInt64 = 0
            while i < n {
                w |= UInt64(raw.load(fromByteOffset: i, as: UInt8.self)) << shift
                shift += 8
                i += 1
            }
            h = (h ^ w) &* 0xC4CE_B9FE_1A85_EC53
        }
        h ^= h >> 29
        h = h &* 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 32
        return UInt32(truncatingIfNeeded: h)
    }

    /// Interns the bytes of `span[range]`.
    @inlinable
    public mutating func intern(_ span: Span<UInt8>, _ range: Range<Int>) -> Symbol {
        guard !range.isEmpty, range.lowerBound >= 0, range.upperBound <= span.count else { return .none }
        return span.withUnsafeBufferPointer { p in
            intern(UnsafeBufferPointer(rebasing: p[range]))
        }
    }

    /// Interns a whole span.
    @inlinable public mutating func intern(_ span: Span<UInt8>) -> Symbol { intern(span, 0..<span.count) }

    /// Interns a `String`'s UTF-8 bytes.
    public mutating func intern(_ string: String) -> Symbol {
        var s = string
        return s.withUTF8 { intern($0) }
    }

    /// Interns raw bytes. Values of up to 16 bytes go through the `recent` cache first, longer ones through
    /// `recentLong` (whose hits are confirmed against the table's bytes).
    @inlinable
    public mutating func intern(_ p: UnsafeBufferPointer<UInt8>) -> Symbol {
        let n = p.count
        guard let base = p.baseAddress else { return internInTable(p) }
        // Both caches key on the first and last eight bytes (overlapping for 8...16 bytes) and the length.
        let key = RecentSymbols.pack(UnsafeRawPointer(base), min(n, 16))
        if n <= 16 {
            let slot = RecentSymbols.slot(key, n)
            if let id = recent.id(at: slot, key, n) { return Symbol(id: id) }
            let symbol = internInTable(p)
            recent.store(at: slot, key, n, id: symbol.id)
            return symbol
        }
        let longKey = (key.0, UnsafeRawPointer(base).loadUnaligned(fromByteOffset: n - 8, as: UInt64.self))
        let slot = RecentSymbols.slot(longKey, n)
        if let id = recentLong.id(at: slot, longKey, n), Int(id) < hashes.count, equals(Int(id), p) {
            return Symbol(id: id)
        }
        let symbol = internInTable(p)
        recentLong.store(at: slot, longKey, n, id: symbol.id)
        return symbol
    }

    /// Interns raw bytes through the hash table.
    @inlinable
    mutating func internInTable(_ p: UnsafeBufferPointer<UInt8>) -> Symbol {
        if p.isEmpty { return .none }
        return internInTable(p, hash: Self.hash(p))
    }

    /// Interns raw bytes whose hash (`hash(_:)`) is known: merging another table reuses the hashes it holds.
    @inlinable
    mutating func internInTable(_ p: UnsafeBufferPointer<UInt8>, hash h: UInt32) -> Symbol {
        if p.isEmpty { return .none }
        var slot = Int(h) & mask
        while true {
            let id = slots[slot]
            if id == 0 { break }
            if hashes[Int(id)] == h && equals(Int(id), p) { return Symbol(id: id) }
            slot = (slot + 1) & mask
        }
        let id = UInt32(hashes.count)
        arena.append(contentsOf: p)
        hashes.append(h)
        starts.append(arena.count)
        slots[slot] = id
        if hashes.count * 2 > slots.count { grow() }
        return Symbol(id: id)
    }

    @inlinable func equals(_ id: Int, _ p: UnsafeBufferPointer<UInt8>) -> Bool {
        let s = starts[id]
        let e = starts[id + 1]
        guard e - s == p.count else { return false }
        return arena.withUnsafeBufferPointer { a in
            guard let ab = a.baseAddress, let pb = p.baseAddress else { return p.isEmpty }
            return memcmp(ab + s, pb, p.count) == 0
        }
    }

    @usableFromInline mutating func grow() {
        let c = slots.count * 2
        var newSlots = [UInt32](repeating: 0, count: c)
        let m = c - 1
        for id in 1..<hashes.count {
            var slot = Int(hashes[id]) & m
            while newSlots[slot] != 0 { slot = (slot + 1) & m }
            newSlots[slot] = UInt32(id)
        }
        slots = newSlots
        mask = m
    }

    /// The bytes of a symbol.
    public func bytes(_ symbol: Symbol) -> ArraySlice<UInt8> {
        let id = Int(symbol.id)
        guard id > 0, id < hashes.count else { return [] }
        return arena[starts[id]..<starts[id + 1]]
    }

    /// Calls `body` with the bytes of a symbol, without copying.
    public func withBytes<R>(_ symbol: Symbol, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let id = Int(symbol.id)
        guard id > 0, id < hashes.count else { return try body(UnsafeBufferPointer(start: nil, count: 0)) }
        return try arena.withUnsafeBufferPointer { a in
            try body(UnsafeBufferPointer(rebasing: a[starts[id]..<starts[id + 1]]))
        }
    }

    /// The symbol as text. Invalid UTF-8 bytes appear as `\xNN`, never replaced silently.
    public func string(_ symbol: Symbol) -> String {
        if symbol.isNone { return "" }
        return ByteText.string(bytes(symbol))
    }

    /// The symbol for these bytes if already interned, without adding it.
    public func lookup(_ string: String) -> Symbol? {
        var s = string
        return s.withUTF8 { p -> Symbol? in
            if p.isEmpty { return Symbol.none }
            let h = Self.hash(p)
            var slot = Int(h) & mask
            while true {
                let id = slots[slot]
                if id == 0 { return nil }
                if hashes[Int(id)] == h && equals(Int(id), p) { return Symbol(id: id) }
                slot = (slot + 1) & mask
            }
        }
    }

    /// Adds every symbol of `other` and returns the remap table: `remap[otherID]` is the id here. The hashes
    /// `other` holds are reused, not computed again.
    public mutating func merge(_ other: SymbolTable) -> [UInt32] {
        var remap = [UInt32](repeating: 0, count: other.count)
        other.arena.withUnsafeBufferPointer { a in
            for id in 1..<other.count {
                let r = other.starts[id]..<other.starts[id + 1]
                remap[id] = internInTable(UnsafeBufferPointer(rebasing: a[r]), hash: other.hashes[id]).id
            }
        }
        return remap
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turning evidence bytes into text without losing anything.
public enum ByteText {
    /// UTF-8 text of the bytes; any invalid sequence is written as `\xNN` escapes for its bytes.
    public static func string<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 { validated(bytes) }

    /// The same for bytes in place (a case file's strings, a mapped symbol). ASCII, the usual case, is valid UTF-8
    /// and is read as it is; other bytes go through the validation above (whose generic metadata look-ups cost
    /// more than reading a short string).
    public static func string(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        var ascii = true
        for c in bytes where c >= 0x80 {
            ascii = false
            break
        }
        return ascii ? String(decoding: bytes, as: UTF8.self) : validated(bytes)
    }

    public static func string(_ bytes: UnsafeRawBufferPointer) -> String {
        string(bytes.assumingMemoryBound(to: UInt8.self))
    }

    static func validated<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        if let s = String(validating: bytes, as: UTF8.self) { return s }
        var out = ""
        // Decode sequence by sequence; a byte that starts no valid sequence is written escaped.
        let raw = Array(bytes)
        var i = 0
        let n = raw.count
        while i < n {
            let b = raw[i]
            let len: Int
            if b < 0x80 { len = 1 } else if b & 0xE0 == 0xC0 { len = 2 } else if b & 0xF0 == 0xE0 { len = 3 } else if b & 0xF8 == 0xF0 { len = 4 } else { len = 0 }
            if len > 0, i + len <= n, let s = String(validating: raw[i..<i + len], as: UTF8.self) {
                out += s
                i += len
            } else {
                out += "\\x" + String(b, radix: 16, uppercase: true).leftPadded(to: 2)
                i += 1
            }
        }
        return out
    }

    /// Whether the bytes are valid UTF-8.
    public static func isValidUTF8<C: Collection>(_ bytes: C) -> Bool where C.Element == UInt8 {
        String(validating: bytes, as: UTF8.self) != nil
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
