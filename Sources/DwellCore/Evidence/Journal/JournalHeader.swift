/// The header of a systemd journal file (systemd's "Journal File Format"), read from its first bytes.
///
/// Little-endian throughout. Fields past `tail_entry_monotonic` (offset 208 on) exist only when `headerSize`
/// says so (older writers wrote shorter headers); the reader needs none of them.
public struct JournalHeader: Sendable, Equatable {
    /// `LPKSHHRH`, the first eight bytes of every journal file.
    public static let signature: [UInt8] = Array("LPKSHHRH".utf8)
    /// The smallest header any systemd version wrote (up to `tail_entry_monotonic`).
    public static let minimumBytes = 208

    public struct IncompatibleFlags: OptionSet, Sendable, Equatable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        public static let compressedXZ = IncompatibleFlags(rawValue: 1 << 0)
        public static let compressedLZ4 = IncompatibleFlags(rawValue: 1 << 1)
        public static let keyedHash = IncompatibleFlags(rawValue: 1 << 2)
        public static let compressedZSTD = IncompatibleFlags(rawValue: 1 << 3)
        public static let compact = IncompatibleFlags(rawValue: 1 << 4)
        /// Every flag this reader understands.
        public static let known: IncompatibleFlags = [
            .compressedXZ, .compressedLZ4, .keyedHash, .compressedZSTD, .compact,
        ]
    }

    public enum State: UInt8, Sendable {
        case offline = 0
        case online = 1
        case archived = 2

        public var name: String {
            switch self {
            case .offline: "offline"
            case .online: "online"
            case .archived: "archived"
            }
        }
    }

    public var compatibleFlags: UInt32
    public var incompatibleFlags: IncompatibleFlags
    /// `nil` for a state byte no systemd writes.
    public var state: State?
    public var stateByte: UInt8
    public var fileID: JournalID
    public var machineID: JournalID
    public var tailEntryBootID: JournalID
    public var seqnumID: JournalID
    public var headerBytes: UInt64
    public var arenaBytes: UInt64
    public var tailObjectOffset: UInt64
    public var objectCount: UInt64
    public var entryCount: UInt64
    public var tailEntrySeqnum: UInt64
    public var headEntrySeqnum: UInt64
    public var entryArrayOffset: UInt64
    public var headEntryRealtime: Timestamp
    public var tailEntryRealtime: Timestamp
    public var tailEntryMonotonicMicroseconds: UInt64

    public var isCompact: Bool { incompatibleFlags.contains(.compact) }

    /// The compressions the header allows for DATA objects, by name (`xz`, `lz4`, `zstd`), or `none`.
    public var compressionName: String {
        var names: [String] = []
        if incompatibleFlags.contains(.compressedXZ) { names.append("xz") }
        if incompatibleFlags.contains(.compressedLZ4) { names.append("lz4") }
        if incompatibleFlags.contains(.compressedZSTD) { names.append("zstd") }
        return names.isEmpty ? "none" : names.joined(separator: "+")
    }

    /// Whether `prefix` starts with the journal signature.
    public static func hasSignature(_ prefix: some Collection<UInt8>) -> Bool {
        prefix.count >= 8 && prefix.prefix(8).elementsEqual(signature)
    }

    /// Reads the header from the start of a file.
    /// - Returns: `nil` when the signature is missing or fewer than `minimumBytes` bytes are present.
    public init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= Self.minimumBytes, Self.hasSignature(bytes) else { return nil }
        func u32(_ o: Int) -> UInt32 {
            UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: o, as: UInt32.self))
        }
        func u64(_ o: Int) -> UInt64 {
            UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: o, as: UInt64.self))
        }
        func id(_ o: Int) -> JournalID { JournalID(high: u64(o), low: u64(o + 8)) }
        compatibleFlags = u32(8)
        incompatibleFlags = IncompatibleFlags(rawValue: u32(12))
        stateByte = bytes[16]
        state = State(rawValue: stateByte)
        fileID = id(24)
        machineID = id(40)
        tailEntryBootID = id(56)
        seqnumID = id(72)
        headerBytes = u64(88)
        arenaBytes = u64(96)
        tailObjectOffset = u64(136)
        objectCount = u64(144)
        entryCount = u64(152)
        tailEntrySeqnum = u64(160)
        headEntrySeqnum = u64(168)
        entryArrayOffset = u64(176)
        headEntryRealtime = Timestamp(microseconds: Int64(truncatingIfNeeded: u64(184)))
        tailEntryRealtime = Timestamp(microseconds: Int64(truncatingIfNeeded: u64(192)))
        tailEntryMonotonicMicroseconds = u64(200)
    }
}

/// A 128-bit id (file, machine, boot, sequence-number id), kept as the bytes appear in the file.
public struct JournalID: Sendable, Hashable {
    /// The first eight bytes, read little-endian (only used to keep the bytes; see `hex`).
    public var high: UInt64
    public var low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// The 32 lower-case hex digits, bytes in file order, as journalctl prints ids in cursors and `_BOOT_ID`.
    public var hex: String {
        var out: [UInt8] = []
        appendHex(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    public func appendHex(to out: inout [UInt8]) {
        for word in [high, low] {
            for k in 0..<8 {
                let b = UInt8(truncatingIfNeeded: word >> (8 * UInt64(k)))
                out.append(Self.hexDigits[Int(b >> 4)])
                out.append(Self.hexDigits[Int(b & 15)])
            }
        }
    }

    static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
}
