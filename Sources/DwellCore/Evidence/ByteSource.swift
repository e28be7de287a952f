import CZlib
import Crypto

#if canImport(Glibc)
import Glibc
#endif

/// A stream of decompressed evidence bytes.
public protocol ByteSource {
    /// Fills as much of `buffer` as it can; returns 0 at the end. Problems are recorded, not thrown:
    /// what was read before a problem is kept, and the source ends.
    mutating func read(into buffer: UnsafeMutableRawBufferPointer) -> Int
}

/// The raw bytes of one file (or stdin), read once: counted and hashed (SHA-256) as they pass.
/// Opened read-only, with `O_NOATIME` where permitted, so reading leaves the evidence as it was.
public final class RawFile {
    public let path: String
    let fd: Int32
    let ownsFD: Bool
    var hasher = SHA256()
    public private(set) var bytesRead: UInt64 = 0
    public private(set) var readError: Int32 = 0
    public private(set) var atEnd = false
    /// Linux `O_NOATIME` (not exported without _GNU_SOURCE): reading does not update the access time.
    static let noATime: Int32 = 0o1000000

    /// Opens a file for reading. Throws the errno on failure.
    public init(path: String) throws(OpenError) {
        self.path = path
        var fd = open(path, O_RDONLY | O_CLOEXEC | RawFile.noATime | O_NOCTTY | O_NONBLOCK)
        if fd < 0 && errno == EPERM { fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK) }
        guard fd >= 0 else { throw OpenError(errno: errno) }
        // Non-blocking only to not hang on a FIFO at open; reads of regular files block as usual.
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK)
        self.fd = fd
        ownsFD = true
    }

    /// Wraps standard input.
    public init(standardInput: Void) {
        path = "-"
        fd = 0
        ownsFD = false
    }

    deinit { if ownsFD { close(fd) } }

    /// Reads raw bytes into `buffer`, hashing them. 0 at the end or after an error (see `readError`).
    public func read(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        guard !atEnd, let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        while true {
            let n = Glibc.read(fd, base, buffer.count)
            if n > 0 {
                hasher.update(bufferPointer: UnsafeRawBufferPointer(start: base, count: n))
                bytesRead += UInt64(n)
                return n
            }
            if n == 0 {
                atEnd = true
                return 0
            }
            if errno == EINTR { continue }
            readError = errno
            atEnd = true
            return 0
        }
    }

    /// Reads the rest of the file only to hash it (after a decompression error stopped the parsing).
    public func drain() {
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 18, alignment: 16)
        defer { scratch.deallocate() }
        while read(into: scratch) > 0 {}
    }

    /// The SHA-256 of every byte read, as lower-case hex. Call once, after the end.
    public func finalizeHash() -> String {
        let digest = hasher.finalize()
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(64)
        for b in digest {
            out.append(hex[Int(b >> 4)])
            out.append(hex[Int(b & 0xf)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

public struct OpenError: Error, Sendable {
    public var errno: Int32
    public var message: String { String(cString: strerror(errno)) }
}

/// A plain (uncompressed) file as a byte source; may start with bytes already read for detection.
public struct PlainSource: ByteSource {
    let raw: RawFile
    var pending: [UInt8]
    var pendingOffset = 0

    public init(raw: RawFile, prefix: [UInt8]) {
        self.raw = raw
        pending = prefix
    }

    public mutating func read(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        if pendingOffset < pending.count {
            let n = min(buffer.count, pending.count - pendingOffset)
            pending.withUnsafeBytes { p in
                buffer.baseAddress?.copyMemory(from: p.baseAddress! + pendingOffset, byteCount: n)
            }
            pendingOffset += n
            if pendingOffset == pending.count { pending = [] ; pendingOffset = 0 }
            return n
        }
        return raw.read(into: buffer)
    }
}

/// Wraps zlib's `inflate`: streams gzip (every member of a multi-member file) into the caller's buffer.
///
/// Input is read in blocks of 256 KiB. After a member ends, further gzip members are inflated in turn;
/// anything else after a member is reported as trailing garbage with its offset. A truncated or corrupt
/// member is reported with the compressed offset where it failed; every byte inflated before it is kept.
public final class GzipSource: ByteSource {
    let raw: RawFile
    let stream: UnsafeMutablePointer<z_stream>
    let input: UnsafeMutableRawBufferPointer
    var inputCount = 0  // valid bytes in `input`
    /// Offset in the file of input[0].
    var inputFileOffset: UInt64 = 0
    var initialised = false
    var finished = false
    public private(set) var members = 0
    public private(set) var issues: [EvidenceIssue] = []
    public private(set) var decompressedBytes: UInt64 = 0
    let displayPath: String

    public static let inputBlockBytes = 1 << 18

    public init(raw: RawFile, prefix: [UInt8], displayPath: String) {
        self.raw = raw
        self.displayPath = displayPath
        stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        input = UnsafeMutableRawBufferPointer.allocate(byteCount: max(Self.inputBlockBytes, prefix.count), alignment: 16)
        prefix.withUnsafeBytes { p in
            if let b = p.baseAddress, !prefix.isEmpty { input.baseAddress?.copyMemory(from: b, byteCount: prefix.count) }
        }
        inputCount = prefix.count
    }

    deinit {
        if initialised { inflateEnd(stream) }
        stream.deinitialize(count: 1)
        stream.deallocate()
        input.deallocate()
    }

    /// Offset in the file of the next byte zlib will consume.
    var consumedFileOffset: UInt64 {
        inputFileOffset + UInt64(inputCount - Int(stream.pointee.avail_in))
    }

    func refill() -> Bool {
        // Keep unconsumed input at the front.
        let left = Int(stream.pointee.avail_in)
        let consumed = inputCount - left
        if left > 0, consumed > 0, let base = input.baseAddress, let next = stream.pointee.next_in {
            memmove(base, next, left)
        }
        inputFileOffset += UInt64(consumed)
        inputCount = left
        let n = raw.read(into: UnsafeMutableRawBufferPointer(rebasing: input[left...]))
        inputCount += n
        stream.pointee.next_in = input.baseAddress?.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_in = uInt(inputCount)
        return n > 0
    }

    func fail(_ kind: EvidenceIssue.Kind, _ message: String, at offset: UInt64) {
        issues.append(EvidenceIssue(kind: kind, path: displayPath, offset: offset, message: message))
        finished = true
        raw.drain()
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        guard !finished, let out = buffer.baseAddress, buffer.count > 0 else { return 0 }
        if !initialised {
            stream.pointee.next_in = input.baseAddress?.assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_in = uInt(inputCount)
            if inputCount == 0 { _ = refill() }
            guard czlib_inflate_init_gzip(stream) == Z_OK else {
                fail(.gzipCorrupt, "zlib could not start (out of memory?)", at: 0)
                return 0
            }
            initialised = true
            members = 1
        }
        stream.pointee.next_out = out.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = uInt(min(buffer.count, Int(UInt32.max)))
        while stream.pointee.avail_out > 0 {
            if stream.pointee.avail_in == 0 && !refill() {
                // End of file inside a member.
                let produced = buffer.count - Int(stream.pointee.avail_out)
                decompressedBytes += UInt64(produced)
                let offset = consumedFileOffset
                if raw.readError != 0 {
                    fail(.readError, "read error: \(String(cString: strerror(raw.readError))); the \(decompressedBytes) decompressed bytes before it were kept", at: offset)
                } else {
                    fail(
                        .gzipTruncated,
                        "gzip member \(members) truncated at byte \(offset) (file ends inside it); the \(decompressedBytes) decompressed bytes before it were kept",
                        at: offset)
                }
                return produced
            }
            let rc = inflate(stream, Z_NO_FLUSH)
            if rc == Z_STREAM_END {
                // Member done. Another member follows, or the file ends, or something else follows.
                if stream.pointee.avail_in < 2 { _ = refill() }
                if stream.pointee.avail_in == 0 {
                    finished = true
                    break
                }
                let memberEnd = consumedFileOffset
                if let p = stream.pointee.next_in, stream.pointee.avail_in >= 2, p[0] == 0x1f, p[1] == 0x8b {
                    inflateReset(stream)
                    members += 1
                    continue
                }
                let produced = buffer.count - Int(stream.pointee.avail_out)
                decompressedBytes += UInt64(produced)
                // Trailing bytes: zero padding (tape/dd blocks) is common and harmless; anything else is reported.
                var allZero = true
                repeat {
                    if let p = stream.pointee.next_in {
                        for k in 0..<Int(stream.pointee.avail_in) where p[k] != 0 {
                            allZero = false
                            break
                        }
                    }
                    stream.pointee.next_in = stream.pointee.next_in.map { $0 + Int(stream.pointee.avail_in) }
                    stream.pointee.avail_in = 0
                } while allZero && refill()
                finished = true
                raw.drain()
                let trailing = raw.bytesRead - memberEnd
                issues.append(
                    EvidenceIssue(
                        kind: .trailingGarbage, path: displayPath, offset: memberEnd,
                        message: allZero
                            ? "\(trailing) zero bytes of padding after gzip member \(members) (from byte \(memberEnd)); ignored"
                            : "\(trailing) bytes after gzip member \(members) (from byte \(memberEnd)) are not gzip; everything before them was kept",
                        isProblem: !allZero))
                return produced
            }
            if rc == Z_BUF_ERROR { continue }  // needs more input; loop refills
            if rc != Z_OK {
                let produced = buffer.count - Int(stream.pointee.avail_out)
                decompressedBytes += UInt64(produced)
                let what = rc == Z_DATA_ERROR ? "corrupt data (\(stream.pointee.msg.map { String(cString: $0) } ?? "data error"))" : "zlib error \(rc)"
                fail(
                    .gzipCorrupt,
                    "gzip member \(members): \(what) near byte \(consumedFileOffset); the \(decompressedBytes) decompressed bytes before it were kept",
                    at: consumedFileOffset)
                return produced
            }
        }
        let produced = buffer.count - Int(stream.pointee.avail_out)
        decompressedBytes += UInt64(produced)
        return produced
    }

    /// The gzip header's MTIME of the first member (seconds since the epoch; 0 = not set), read from the prefix.
    public static func headerModificationTime(_ prefix: [UInt8]) -> Int64? {
        guard prefix.count >= 10, prefix[0] == 0x1f, prefix[1] == 0x8b else { return nil }
        let t = UInt32(prefix[4]) | UInt32(prefix[5]) << 8 | UInt32(prefix[6]) << 16 | UInt32(prefix[7]) << 24
        return t == 0 ? nil : Int64(t)
    }
}

/// What the first bytes of a file say it is.
public enum Compression: String, Sendable {
    case none
    case gzip
    case bzip2
    case xz
    case zstd
    case lz4
    case zip

    public static func detect(_ prefix: [UInt8]) -> Compression {
        func starts(_ magic: [UInt8]) -> Bool { prefix.count >= magic.count && Array(prefix[0..<magic.count]) == magic }
        if starts([0x1f, 0x8b]) { return .gzip }
        if starts([0x42, 0x5a, 0x68]) { return .bzip2 }
        if starts([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]) { return .xz }
        if starts([0x28, 0xb5, 0x2f, 0xfd]) { return .zstd }
        if starts([0x04, 0x22, 0x4d, 0x18]) { return .lz4 }
        if starts([0x50, 0x4b, 0x03, 0x04]) { return .zip }
        return .none
    }

    /// How to read this compression with dwell today: decompress on the fly into stdin.
    public var advice: String {
        switch self {
        case .bzip2: "bzcat FILE | dwell parse -   (or bunzip2 -k into a working copy)"
        case .xz: "xzcat FILE | dwell parse -"
        case .zstd: "zstdcat FILE | dwell parse -"
        case .lz4: "lz4cat FILE | dwell parse -"
        case .zip: "unzip -p FILE | dwell parse -"
        case .none, .gzip: ""
        }
    }
}
