/// The two hash functions of systemd's journal file format, written from their published definitions.
///
/// - `sipHash24`: SipHash-2-4 with a 128-bit key; the hash of DATA and FIELD objects when the header has
///   `HEADER_INCOMPATIBLE_KEYED_HASH` (the key is the file id).
/// - `jenkins64`: Bob Jenkins' lookup3 `hashlittle2` with both seeds 0, as `(c << 32) | b`; the hash of an
///   ENTRY's `xor_hash` in every file (the format keeps it unkeyed so that it is the same across files).
public enum JournalHash {
    @inline(__always) static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
    @inline(__always) static func rotl(_ x: UInt32, _ k: UInt32) -> UInt32 { (x << k) | (x >> (32 - k)) }

    /// SipHash-2-4 of `bytes` under `key` (16 bytes; missing bytes count as 0).
    public static func sipHash24(_ bytes: some Collection<UInt8>, key: [UInt8]) -> UInt64 {
        func word(_ b: [UInt8], _ at: Int) -> UInt64 {
            var v: UInt64 = 0
            for k in 0..<8 where at + k < b.count { v |= UInt64(b[at + k]) << (8 * UInt64(k)) }
            return v
        }
        let k0 = word(key, 0)
        let k1 = word(key, 8)
        var v0 = k0 ^ 0x736f_6d65_7073_6575
        var v1 = k1 ^ 0x646f_7261_6e64_6f6d
        var v2 = k0 ^ 0x6c79_6765_6e65_7261
        var v3 = k1 ^ 0x7465_6462_7974_6573
        func round() {
            v0 &+= v1
            v1 = rotl(v1, 13)
            v1 ^= v0
            v0 = rotl(v0, 32)
            v2 &+= v3
            v3 = rotl(v3, 16)
            v3 ^= v2
            v0 &+= v3
            v3 = rotl(v3, 21)
            v3 ^= v0
            v2 &+= v1
            v1 = rotl(v1, 17)
            v1 ^= v2
            v2 = rotl(v2, 32)
        }
        var m: UInt64 = 0
        var filled: UInt64 = 0
        var length: UInt64 = 0
        for b in bytes {
            m |= UInt64(b) << (8 * filled)
            filled += 1
            length &+= 1
            if filled == 8 {
                v3 ^= m
                round()
                round()
                v0 ^= m
                m = 0
                filled = 0
            }
        }
        let last = m | (length << 56)
        v3 ^= last
        round()
        round()
        v0 ^= last
        v2 ^= 0xff
        round()
        round()
        round()
        round()
        return v0 ^ v1 ^ v2 ^ v3
    }

    /// lookup3 `hashlittle2(bytes, count, &c, &b)` with `c = b = 0`, returned as `(c << 32) | b`.
    public static func jenkins64(_ bytes: some Collection<UInt8>) -> UInt64 {
        let input = Array(bytes)
        var a = 0xdead_beef &+ UInt32(truncatingIfNeeded: input.count)
        var b = a
        var c = a
        func mix() {
            a &-= c
            a ^= rotl(c, 4)
            c &+= b
            b &-= a
            b ^= rotl(a, 6)
            a &+= c
            c &-= b
            c ^= rotl(b, 8)
            b &+= a
            a &-= c
            a ^= rotl(c, 16)
            c &+= b
            b &-= a
            b ^= rotl(a, 19)
            a &+= c
            c &-= b
            c ^= rotl(b, 4)
            b &+= a
        }
        func final() {
            c ^= b
            c &-= rotl(b, 14)
            a ^= c
            a &-= rotl(c, 11)
            b ^= a
            b &-= rotl(a, 25)
            c ^= b
            c &-= rotl(b, 16)
            a ^= c
            a &-= rotl(c, 4)
            b ^= a
            b &-= rotl(a, 14)
            c ^= b
            c &-= rotl(b, 24)
        }
        /// The little-endian 32-bit word at `at`, zero-padded past `end`.
        func word(_ at: Int, _ end: Int) -> UInt32 {
            var v: UInt32 = 0
            for k in 0..<4 where at + k < end { v |= UInt32(input[at + k]) << (8 * UInt32(k)) }
            return v
        }
        var at = 0
        var left = input.count
        while left > 12 {
            a &+= word(at, input.count)
            b &+= word(at + 4, input.count)
            c &+= word(at + 8, input.count)
            mix()
            left -= 12
            at += 12
        }
        if left > 0 {
            // The last 1...12 bytes, zero-padded, as lookup3's byte-wise tail switch adds them.
            a &+= word(at, input.count)
            b &+= word(at + 4, input.count)
            c &+= word(at + 8, input.count)
            final()
        }
        return UInt64(c) << 32 | UInt64(b)
    }
}
