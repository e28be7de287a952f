/// A 64-bit checksum of a section of a persistent case, fast enough to check a column when it is first used
/// (several GB/s on one core, where zlib's CRC-32 reads a few hundred MB/s on these machines).
///
/// Representation: four lanes, each takes every fourth 8-byte word as `lane = (lane ^ word) * oddConstant`
/// followed by an xor-shift (both steps are bijections, so a changed word always changes its lane); the lanes,
/// the tail bytes and the length are then folded in order through the same mix. It detects damage (any changed
/// byte, truncation, a shifted section), not tampering: it is no cryptographic hash.
/// - Complexity: O(n), no allocation.
public enum SectionHash {
    @inline(__always) static func mix(_ h: UInt64, _ w: UInt64, _ k: UInt64) -> UInt64 {
        let m = (h ^ w) &* k
        return m ^ (m >> 29)
    }

    public static func of(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        let n = bytes.count
        var a: UInt64 = 0x243F_6A88_85A3_08D3
        var b: UInt64 = 0x1319_8A2E_0370_7344
        var c: UInt64 = 0xA409_3822_299F_31D0
        var d: UInt64 = 0x082E_FA98_EC4E_6C89
        var i = 0
        if let base = bytes.baseAddress {
            // i + 32 <= n: the four loads lie inside the buffer.
            while i + 32 <= n {
                a = mix(a, base.loadUnaligned(fromByteOffset: i, as: UInt64.self), 0x9E37_79B9_7F4A_7C15)
                b = mix(b, base.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self), 0xBF58_476D_1CE4_E5B9)
                c = mix(c, base.loadUnaligned(fromByteOffset: i + 16, as: UInt64.self), 0x94D0_49BB_1331_11EB)
                d = mix(d, base.loadUnaligned(fromByteOffset: i + 24, as: UInt64.self), 0xD6E8_FEB8_6659_FD93)
                i += 32
            }
        }
        let k: UInt64 = 0xFF51_AFD7_ED55_8CCD
        var h = mix(mix(mix(mix(UInt64(truncatingIfNeeded: n), a, k), b, k), c, k), d, k)
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < n {
            tail |= UInt64(bytes[i]) << shift
            shift += 8
            i += 1
            if shift == 64 {
                h = mix(h, tail, k)
                tail = 0
                shift = 0
            }
        }
        return mix(mix(h, tail, k), 0x5851_F42D_4C95_7F2D, k)
    }
}
