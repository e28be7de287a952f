import CZlib

#if canImport(Glibc)
import Glibc
#endif

/// Reads one gzip member header (RFC 1952, 2.3) from however many pieces of input it arrives in: the fixed ten
/// bytes, then the optional extra field, file name, comment and header CRC-16, as the flags say.
///
/// ISA-L is given only the deflate data that follows (zlib reads its own headers).
struct GzipHeaderScanner {
    enum Phase {
        case fixed, extraLength, extra, name, comment, headerCRC, done
    }

    enum Outcome {
        case needMore
        case done
        case invalid(String)
    }

    private(set) var phase = Phase.fixed
    private var seen = 0  // bytes of the current fixed-size part (fixed header, XLEN, CRC-16) seen so far
    private var flags: UInt8 = 0
    private var value = 0  // XLEN, then the remaining extra bytes; the stored CRC-16
    private var crc = crc32(0, nil, 0)

    static let fhcrc: UInt8 = 0x02
    static let fextra: UInt8 = 0x04
    static let fname: UInt8 = 0x08
    static let fcomment: UInt8 = 0x10

    /// Consumes header bytes from the start of `bytes`; stops at the end of the header (the rest is deflate data).
    mutating func scan(_ bytes: UnsafeRawBufferPointer) -> (consumed: Int, outcome: Outcome) {
        var i = 0
        while i < bytes.count {
            switch phase {
            case .done:
                return (i, .done)
            case .fixed:
                let b = bytes[i]
                switch seen {
                case 0 where b != 0x1f, 1 where b != 0x8b: return (i, .invalid("not a gzip header"))
                case 2 where b != 8: return (i, .invalid("unknown compression method \(b)"))
                case 3 where b & 0xe0 != 0: return (i, .invalid("reserved header flags set"))
                case 3: flags = b
                default: break
                }
                hash(bytes, i, 1)
                i += 1
                seen += 1
                if seen == 10 { advance(after: .fixed) }
            case .extraLength:
                value |= Int(bytes[i]) << (8 * seen)
                hash(bytes, i, 1)
                i += 1
                seen += 1
                if seen == 2 { value == 0 ? advance(after: .extra) : (phase = .extra) }
            case .extra:
                let n = min(value, bytes.count - i)
                hash(bytes, i, n)
                i += n
                value -= n
                if value == 0 { advance(after: .extra) }
            case .name, .comment:
                // A zero-terminated string.
                let start = bytes.baseAddress! + i
                if let zero = memchr(start, 0, bytes.count - i) {
                    let n = start.distance(to: UnsafeRawPointer(zero)) + 1
                    hash(bytes, i, n)
                    i += n
                    advance(after: phase)
                } else {
                    hash(bytes, i, bytes.count - i)
                    i = bytes.count
                }
            case .headerCRC:
                value |= Int(bytes[i]) << (8 * seen)
                i += 1
                seen += 1
                if seen == 2 {
                    guard UInt16(truncatingIfNeeded: value) == UInt16(truncatingIfNeeded: crc) else {
                        return (i, .invalid("header CRC-16 does not match the header"))
                    }
                    phase = .done
                }
            }
        }
        return (i, phase == .done ? .done : .needMore)
    }

    private mutating func hash(_ bytes: UnsafeRawBufferPointer, _ from: Int, _ count: Int) {
        guard count > 0 else { return }
        crc = crc32(crc, (bytes.baseAddress! + from).assumingMemoryBound(to: Bytef.self), uInt(count))
    }

    /// The next part the flags call for, after `part`.
    private mutating func advance(after part: Phase) {
        seen = 0
        value = 0
        let order: [(Phase, UInt8)] = [(.extraLength, Self.fextra), (.name, Self.fname), (.comment, Self.fcomment), (.headerCRC, Self.fhcrc)]
        let from: Int
        switch part {
        case .fixed: from = 0
        case .extraLength, .extra: from = 1
        case .name: from = 2
        case .comment: from = 3
        case .headerCRC, .done: from = 4
        }
        phase = order[from...].first { flags & $0.1 != 0 }?.0 ?? .done
    }
}
