import CZlib

/// CRC-32 (IEEE 802.3, as gzip and EVTX use it). Wraps zlib's `crc32`, which is vectorised.
public enum CRC32Checksum {
    /// The CRC-32 of `bytes`, continuing from `initial` (0 for a new checksum).
    public static func update(_ initial: UInt32, _ bytes: UnsafeBufferPointer<UInt8>) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return initial }
        return UInt32(truncatingIfNeeded: crc32(UInt(initial), base, UInt32(bytes.count)))
    }
}
