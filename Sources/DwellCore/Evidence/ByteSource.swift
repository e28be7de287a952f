import CIsal
import CZlib
import Crypto
import Foundation

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
    /// `false` when the bytes are read again after the file was hashed (cited lines, Sigma keywords): no SHA-256.
    public var hashing = true
    public internal(set) var bytesRead: UInt64 = 0
    public private(set) var readError: Int32 = 0
    public internal(set) var atEnd = false
    /// A regular file's size when it was opened: reading stops there, so a file still being written ends (`nil`
    /// for stdin, pipes, and files that report no size such as /proc's).
    public private(set) var sizeAtOpen: UInt64?
    /// By how much the file had grown past `sizeAtOpen` when reading reached it (0: it had not).
    public private(set) var grewBytes: UInt64 = 0
    /// Whether the file ended before `sizeAtOpen`: it was truncated while it was read.
    public internal(set) var shrank = false
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
        var st = stat()
        if fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG, st.st_size > 0 { sizeAtOpen = UInt64(st.st_size) }
        self.fd = fd
        ownsFD = true
        spool = nil
        memory = nil
    }

    /// Bytes in memory read as a file (tests, a caller that already holds the evidence): counted and hashed as
    /// a file's are; never mapped (a whole-file format copies them), and read again for zlib's second opinion.
    public init(bytes: [UInt8], name: String) {
        path = name
        fd = -1
        ownsFD = false
        spool = nil
        memory = bytes
    }

    /// Wraps standard input; what is read is also copied into `spool` when given (see `StdinSpool`).
    public init(standardInput: Void, spool: StdinSpool? = nil) {
        path = "-"
        fd = 0
        ownsFD = false
        self.spool = spool
        memory = nil
    }

    /// The bytes of a file in memory (`init(bytes:name:)`), else `nil`.
    let memory: [UInt8]?

    /// The same evidence opened again from its start, for reading it a second time; `nil` for stdin.
    func reopened() -> RawFile? {
        if let memory { return RawFile(bytes: memory, name: path) }
        guard ownsFD else { return nil }
        return try? RawFile(path: path)
    }

    /// The copy of stdin's bytes, kept for reading cited lines again.
    let spool: StdinSpool?

    deinit { if ownsFD { close(fd) } }

    /// Reads raw bytes into `buffer`, hashing them. 0 at the end or after an error (see `readError`).
    public func read(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        guard !atEnd, let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        var want = buffer.count
        if let limit = sizeAtOpen {
            guard bytesRead < limit else {
                atEnd = true
                var st = stat()
                if fstat(fd, &st) == 0, st.st_size > 0, UInt64(st.st_size) > limit { grewBytes = UInt64(st.st_size) - limit }
                return 0
            }
            want = Int(min(UInt64(want), limit - bytesRead))
        }
        if let memory {
            let n = min(want, memory.count - Int(bytesRead))
            guard n > 0 else {
                atEnd = true
                return 0
            }
            memory.withUnsafeBytes { p in
                let from = UnsafeRawBufferPointer(rebasing: p[Int(bytesRead)..<Int(bytesRead) + n])
                base.copyMemory(from: from.baseAddress!, byteCount: n)
                if hashing { hasher.update(bufferPointer: from) }
            }
            bytesRead += UInt64(n)
            return n
        }
        while true {
            let n = Glibc.read(fd, base, want)
            if n > 0 {
                if hashing { hasher.update(bufferPointer: UnsafeRawBufferPointer(start: base, count: n)) }
                spool?.append(UnsafeRawBufferPointer(start: base, count: n))
                bytesRead += UInt64(n)
                return n
            }
            if n == 0 {
                atEnd = true
                if let limit = sizeAtOpen, bytesRead < limit { shrank = true }
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

/// The library that inflates gzip. Both give the same bytes and the same problems at the same places (a corrupt
/// or truncated member is reported with the compressed offset where decoding stopped).
public enum InflateEngine: String, Sendable {
    /// Intel ISA-L (igzip): two to three times zlib's speed. Used where Debian's libisal-dev is installed.
    case isal
    case zlib

    /// ISA-L when it is installed, else zlib; `DWELL_INFLATE=zlib` in the environment forces zlib.
    public static let preferred: InflateEngine = {
        if let forced = ProcessInfo.processInfo.environment["DWELL_INFLATE"], forced == "zlib" { return .zlib }
        return isalAvailable ? .isal : .zlib
    }()

    public static var isalAvailable: Bool { dwell_isal_available() != 0 }
}

/// Streams gzip (every member of a multi-member file) into the caller's buffer, inflated by ISA-L or zlib.
///
/// Input is read in blocks of 256 KiB. After a member ends, further gzip members are inflated in turn;
/// anything else after a member is reported as trailing garbage with its offset. A truncated or corrupt
/// member is reported with the compressed offset where it failed; every byte inflated before it is kept.
public final class GzipSource: ByteSource {
    let raw: RawFile
    /// The engine asked for; once reading has started, the one in use (zlib where ISA-L could not be started).
    public private(set) var engine: InflateEngine
    var zlibStream: UnsafeMutablePointer<z_stream>?
    var isal: OpaquePointer?
    /// The current member's header, read here when ISA-L inflates (zlib reads its own).
    var header = GzipHeaderScanner()
    let input: UnsafeMutableRawBufferPointer
    /// Valid bytes in `input`, and the first of them the decoder has not consumed.
    var inputCount = 0
    var inputStart = 0
    /// Offset in the file of input[0].
    var inputFileOffset: UInt64 = 0
    var started = false
    var finished = false
    var ownMembers = 0
    var ownIssues: [EvidenceIssue] = []
    public private(set) var decompressedBytes: UInt64 = 0
    let displayPath: String
    /// Where ISA-L reported corrupt data in a file that can be opened again, zlib reads it again from the start,
    /// skips what was already delivered and goes on: a fast inflater's error gets a second opinion before it costs
    /// evidence. Its account of the file then stands.
    var secondOpinion: GzipSource?
    /// Tests only: ISA-L is made to fail once this many bytes have been inflated.
    var simulatedISALFailure: UInt64?

    public var members: Int { secondOpinion?.members ?? ownMembers }
    public var issues: [EvidenceIssue] { ownIssues + (secondOpinion?.issues ?? []) }

    public static let inputBlockBytes = 1 << 18

    public init(raw: RawFile, prefix: [UInt8], displayPath: String, engine: InflateEngine = .preferred) {
        self.raw = raw
        self.displayPath = displayPath
        self.engine = engine
        input = UnsafeMutableRawBufferPointer.allocate(byteCount: max(Self.inputBlockBytes, prefix.count), alignment: 16)
        prefix.withUnsafeBytes { p in
            if let b = p.baseAddress, !prefix.isEmpty { input.baseAddress?.copyMemory(from: b, byteCount: prefix.count) }
        }
        inputCount = prefix.count
    }

    deinit {
        if let zlibStream {
            inflateEnd(zlibStream)
            zlibStream.deinitialize(count: 1)
            zlibStream.deallocate()
        }
        if let isal { dwell_isal_destroy(isal) }
        input.deallocate()
    }

    /// Offset in the file of the next byte the decoder will consume.
    var consumedFileOffset: UInt64 { inputFileOffset + UInt64(inputStart) }

    /// Moves unconsumed input to the front and reads more behind it. False at the end of the file.
    func refill() -> Bool {
        let left = inputCount - inputStart
        if left > 0, inputStart > 0, let base = input.baseAddress { memmove(base, base + inputStart, left) }
        inputFileOffset += UInt64(inputStart)
        inputStart = 0
        inputCount = left
        guard left < input.count else { return true }
        let n = raw.read(into: UnsafeMutableRawBufferPointer(rebasing: input[left...]))
        inputCount += n
        return n > 0
    }

    func fail(_ kind: EvidenceIssue.Kind, _ message: String, at offset: UInt64) {
        ownIssues.append(EvidenceIssue(kind: kind, path: displayPath, offset: offset, message: message))
        finished = true
        raw.drain()
    }

    enum Step {
        case progress
        case memberEnd
        /// `trailerBytesRead`: for a CRC-32 or length mismatch, how many bytes of the 8-byte trailer the decoder had
        /// consumed (so both engines report the trailer's start); 0 for an error in the data.
        case failed(String, trailerBytesRead: Int)
    }

    /// Starts the decoder. False when it could not be (out of memory).
    func start() -> Bool {
        if engine == .isal, let inflater = dwell_isal_create() {
            isal = inflater
            return true
        }
        engine = .zlib
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        zlibStream = stream
        return czlib_inflate_init_gzip(stream) == Z_OK
    }

    func resetForNextMember() {
        if let isal {
            dwell_isal_reset(isal)
            header = GzipHeaderScanner()
        } else if let zlibStream {
            inflateReset(zlibStream)
        }
    }

    /// Inflates from the unconsumed input into `out`: how much was consumed and produced, and what happened.
    func step(into out: UnsafeMutableRawPointer, count outCount: Int) -> (consumed: Int, produced: Int, Step) {
        let inPointer = input.baseAddress! + inputStart
        let inCount = inputCount - inputStart
        if let isal {
            if header.phase != .done {
                let (consumed, outcome) = header.scan(UnsafeRawBufferPointer(start: inPointer, count: inCount))
                switch outcome {
                case .needMore, .done: return (consumed, 0, .progress)
                case .invalid(let why): return (consumed, 0, .failed(why, trailerBytesRead: 0))
                }
            }
            var consumed = 0
            var produced = 0
            let rc = dwell_isal_inflate(
                isal, inPointer.assumingMemoryBound(to: UInt8.self), inCount, out.assumingMemoryBound(to: UInt8.self),
                outCount, &consumed, &produced)
            if rc == Int32(DWELL_ISAL_MEMBER_END) { return (consumed, produced, .memberEnd) }
            if rc < 0 {
                let trailer = rc == Int32(DWELL_ISAL_BAD_TRAILER) ? 8 : 0
                return (consumed, produced, .failed(String(cString: dwell_isal_error(rc)), trailerBytesRead: trailer))
            }
            return (consumed, produced, .progress)
        }
        let stream = zlibStream!
        let inAvail = uInt(min(inCount, Int(UInt32.max)))
        let outAvail = uInt(min(outCount, Int(UInt32.max)))
        stream.pointee.next_in = inPointer.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_in = inAvail
        stream.pointee.next_out = out.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = outAvail
        let rc = inflate(stream, Z_NO_FLUSH)
        let consumed = Int(inAvail - stream.pointee.avail_in)
        let produced = Int(outAvail - stream.pointee.avail_out)
        switch rc {
        case Z_STREAM_END: return (consumed, produced, .memberEnd)
        case Z_OK, Z_BUF_ERROR: return (consumed, produced, .progress)
        case Z_DATA_ERROR:
            let message = stream.pointee.msg.map { String(cString: $0) } ?? "data error"
            // zlib checks the trailer's CRC-32 after its first 4 bytes and the length after all 8.
            let trailer = message == "incorrect data check" ? 4 : message == "incorrect length check" ? 8 : 0
            let what = trailer > 0 ? "incorrect CRC-32 or length in the gzip trailer" : message
            return (consumed, produced, .failed(what, trailerBytesRead: trailer))
        default: return (consumed, produced, .failed("zlib error \(rc)", trailerBytesRead: 0))
        }
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        if let secondOpinion {
            let n = secondOpinion.read(into: buffer)
            decompressedBytes += UInt64(n)
            return n
        }
        guard !finished, let out = buffer.baseAddress, buffer.count > 0 else { return 0 }
        if !started {
            started = true
            if inputCount == 0 { _ = refill() }
            guard start() else {
                fail(.gzipCorrupt, "the decompressor could not start (out of memory?)", at: 0)
                return 0
            }
            ownMembers = 1
        }
        var produced = 0
        var stalled = false
        // No more input: the decoder may still hold output (zlib keeps what did not fit the caller's last buffer),
        // so it is asked again until it gives nothing; only then is the member cut. #23's fuzzing found small reads
        // losing the last bytes of a truncated file.
        var exhausted = false
        while produced < buffer.count {
            if inputStart == inputCount || stalled {
                if !exhausted && refill() && !(stalled && inputStart == 0 && inputCount == input.count) {
                    stalled = false
                } else if !exhausted {
                    exhausted = true  // one more step without new input, and more while it gives output
                    stalled = false
                } else if stalled {
                    // End of file inside a member. ISA-L may hold back output zlib would give, or stop short of
                    // damage zlib finds just before the end (#23's fuzzing found both): zlib's account stands here too.
                    if isal != nil, raw.readError == 0,
                        let more = askZlib(delivered: produced, into: buffer, why: "the file ends inside a member")
                    {
                        return more
                    }
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
            }
            var (consumed, made, result) = step(into: out + produced, count: buffer.count - produced)
            if let limit = simulatedISALFailure, isal != nil, decompressedBytes + UInt64(produced + made) >= limit {
                result = .failed("simulated", trailerBytesRead: 0)
            }
            inputStart += consumed
            produced += made
            switch result {
            case .progress:
                // No progress with input and room left: the decoder needs more input than is buffered.
                stalled = consumed == 0 && made == 0
            case .memberEnd:
                // Member done. Another member follows, or the file ends, or something else follows.
                if inputCount - inputStart < 2 { _ = refill() }
                if inputStart == inputCount {
                    finished = true
                    decompressedBytes += UInt64(produced)
                    return produced
                }
                let memberEnd = consumedFileOffset
                if inputCount - inputStart >= 2, input[inputStart] == 0x1f, input[inputStart + 1] == 0x8b {
                    resetForNextMember()
                    ownMembers += 1
                    continue
                }
                decompressedBytes += UInt64(produced)
                // Trailing bytes: zero padding (tape/dd blocks) is common and harmless; anything else is reported.
                var allZero = true
                repeat {
                    for k in inputStart..<inputCount where input[k] != 0 {
                        allZero = false
                        break
                    }
                    inputStart = inputCount
                } while allZero && refill()
                // Bytes that are not gzip after a member ISA-L accepted (zero padding included): zlib may find the
                // member itself corrupt (ISA-L accepts some streams zlib rejects; #23's fuzzing found two), so zlib's
                // account is asked for, as after an ISA-L error, and both engines report the same at the same byte.
                if isal != nil {
                    decompressedBytes -= UInt64(produced)
                    if let more = askZlib(delivered: produced, into: buffer, why: nil) { return more }
                    decompressedBytes += UInt64(produced)
                }
                finished = true
                raw.drain()
                let trailing = raw.bytesRead - memberEnd
                ownIssues.append(
                    EvidenceIssue(
                        kind: .trailingGarbage, path: displayPath, offset: memberEnd,
                        message: allZero
                            ? "\(trailing) zero bytes of padding after gzip member \(members) (from byte \(memberEnd)); ignored"
                            : "\(trailing) bytes after gzip member \(members) (from byte \(memberEnd)) are not gzip; everything before them was kept",
                        isProblem: !allZero))
                return produced
            case .failed(let why, let trailerBytesRead):
                // A header dwell's scanner rejects gets zlib's reading as well, so both engines name the same byte.
                if isal != nil, let more = askZlib(delivered: produced, into: buffer, why: why) { return more }
                decompressedBytes += UInt64(produced)
                if trailerBytesRead > 0 {
                    let trailer = consumedFileOffset - UInt64(trailerBytesRead)
                    fail(
                        .gzipCorrupt,
                        "gzip member \(members): \(why) (trailer at byte \(trailer)): the data does not match what was compressed; the \(decompressedBytes) decompressed bytes were kept",
                        at: trailer)
                } else {
                    fail(
                        .gzipCorrupt,
                        "gzip member \(members): corrupt data (\(why)) near byte \(consumedFileOffset); the \(decompressedBytes) decompressed bytes before it were kept",
                        at: consumedFileOffset)
                }
                return produced
            }
        }
        decompressedBytes += UInt64(produced)
        return produced
    }

    /// After ISA-L failed: zlib reads the file again from the start, skips the bytes already returned to the caller
    /// and takes over for good, so its account stands: where ISA-L stopped without cause zlib reads on (the
    /// disagreement is noted, not a problem), and where ISA-L reported the damage later than zlib, after inflating
    /// bytes zlib rejects (a back-reference out of the window, #23's fuzzing found), those bytes are replaced by
    /// zlib's and the damage is reported where zlib finds it. Returns what zlib put into `buffer` (this call's bytes),
    /// or nil when the file cannot be read again (ISA-L's report then stands).
    func askZlib(delivered: Int, into buffer: UnsafeMutableRawBufferPointer, why: String?) -> Int? {
        guard let again = raw.reopened() else { return nil }
        let zlib = GzipSource(raw: again, prefix: [], displayPath: displayPath, engine: .zlib)
        var skip = decompressedBytes
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 18, alignment: 16)
        defer { scratch.deallocate() }
        while skip > 0 {
            let n = zlib.read(into: UnsafeMutableRawBufferPointer(rebasing: scratch[..<Int(min(skip, UInt64(scratch.count)))]))
            if n == 0 { break }
            skip -= UInt64(n)
        }
        let at = consumedFileOffset
        finished = true
        raw.drain()
        secondOpinion = zlib
        if skip > 0 {
            // zlib stops before what ISA-L already handed out: those bytes cannot be taken back; say so.
            ownIssues.append(
                EvidenceIssue(
                    kind: .inflaterDisagreement, path: displayPath, offset: at,
                    message: "ISA-L inflated \(skip) bytes past the point where zlib finds the data corrupt (see the next problem), and they were already read: they may not be genuine",
                    isProblem: true))
            return 0
        }
        let more = zlib.read(into: buffer)
        decompressedBytes += UInt64(more)
        // zlib's account stands either way; say so only where it reads on without a problem (where it stops too,
        // it says why, exactly as it would have alone).
        // `why` is nil where ISA-L reported no error (bytes after a member it accepted): zlib's account is the
        // whole story there, padding included.
        if let why, !zlib.issues.contains(where: \.isProblem) {
            ownIssues.append(
                EvidenceIssue(
                    kind: .inflaterDisagreement, path: displayPath, offset: at,
                    message: "ISA-L reported corrupt data (\(why)) near byte \(at), zlib read on without a problem; zlib's reading is used from there",
                    isProblem: false))
        }
        return more
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
