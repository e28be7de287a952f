import DwellCore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Why a case cannot be opened or written: what happened, to which file, and what to do.
public struct CaseError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// One file of a persistent case: a 32-byte header, then the payload (docs/DESIGN.md, "The case on disk").
///
///     0  magic        8 bytes  "DWELLCAS"
///     8  version      u32      the case format version (3)
///    12  kind         4 bytes  MANI, STOR, ANLY or LINE
///    16  length       u64      payload bytes (the file is exactly 32 + length bytes)
///    24  checksum     u32      CRC-32 (IEEE) of the payload (of the store's trailer: see `sectioned`)
///    28  byte order   u32      0x01020304 as written: the payload's arrays are in the writer's byte order
///
/// Integers are little-endian. A file with another magic, version, kind or byte order, a length that is not the
/// file's, or a checksum that does not match is refused with a message that says which and what to do.
public enum CaseFile {
    public static let magic: [UInt8] = Array("DWELLCAS".utf8)
    public static let formatVersion: UInt32 = 3
    static let headerBytes = 32
    static let byteOrderMark: UInt32 = 0x0102_0304

    public enum Kind: String, CaseIterable, Sendable {
        case manifest = "MANI", store = "STOR", analysis = "ANLY", lines = "LINE"

        /// The file's name inside the case directory.
        public var fileName: String {
            switch self {
            case .manifest: "manifest.dwell"
            case .store: "store.dwell"
            case .analysis: "analysis.dwell"
            case .lines: "lines.dwell"
            }
        }
    }

    static func crc(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var c: UInt32 = 0
        var at = 0
        // zlib's crc32 takes a 32-bit length: feed it 1 GiB at a time.
        while at < bytes.count {
            let n = min(bytes.count - at, 1 << 30)
            c = CRC32Checksum.update(
                c, UnsafeRawBufferPointer(rebasing: bytes[at..<(at + n)]).bindMemory(to: UInt8.self))
            at += n
        }
        return c
    }

    /// Bytes per checked chunk of the store stream (`MappedEventStore` checks a chunk when a read first touches it).
    public static let chunkBytes = 1 << 16

    /// A store payload's trailer, written after the stream: the section count and where each section ends (section
    /// k is the k-th array and the scalars before it), the chunk count and the `SectionHash` of each 64 KiB chunk
    /// of the stream, and last the stream's length (where the trailer starts). The header's CRC-32 covers only the
    /// trailer; a reader checks a chunk when it first reads from it. The stream is not copied: `write` writes it
    /// and the trailer one after the other (appending the trailer to it copied the whole store, twice its memory).
    public static func trailer(of stream: [UInt8], ends marked: [Int]) -> [UInt8] {
        var ends = marked
        if ends.last != stream.count { ends.append(stream.count) }
        let chunks = (stream.count + chunkBytes - 1) / chunkBytes
        var w = BinaryWriter(capacity: 24 + ends.count * 8 + chunks * 8)
        w.u64(UInt64(ends.count))
        for e in ends { w.u64(UInt64(e)) }
        w.u64(UInt64(chunks))
        stream.withUnsafeBytes { b in
            for c in 0..<chunks {
                let from = c * chunkBytes
                w.u64(SectionHash.of(UnsafeRawBufferPointer(rebasing: b[from..<min(from + chunkBytes, b.count)])))
            }
        }
        w.u64(UInt64(stream.count))
        return w.take()
    }

    /// Writes `payload` (then `trailer`, when given) under its header into `directory`, through a temporary file
    /// renamed into place, so a reader never sees half a file. The header's checksum covers the trailer when there
    /// is one (a store's), else the payload.
    public static func write(_ payload: [UInt8], trailer: [UInt8] = [], kind: Kind, in directory: String)
        throws(CaseError)
    {
        var header = BinaryWriter(capacity: headerBytes)
        for b in magic { header.u8(b) }
        header.u32(formatVersion)
        for b in kind.rawValue.utf8 { header.u8(b) }
        header.u64(UInt64(payload.count + trailer.count))
        header.u32((trailer.isEmpty ? payload : trailer).withUnsafeBytes { crc($0) })
        header.u32(byteOrderMark)
        let dest = directory + "/" + kind.fileName
        let temp = directory + "/." + kind.fileName + ".tmp-\(getpid())"
        let fd = Glibc.open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw CaseError("cannot create \(temp): \(String(cString: strerror(errno)))") }
        func all(_ bytes: [UInt8]) -> Bool {
            bytes.withUnsafeBytes { buf in
                var done = 0
                while done < buf.count {
                    let n = Glibc.write(fd, buf.baseAddress.map { $0 + done }, buf.count - done)
                    if n < 0 {
                        if errno == EINTR { continue }
                        return false
                    }
                    done += n
                }
                return true
            }
        }
        let ok = all(header.take()) && all(payload) && all(trailer) && fsync(fd) == 0
        let why = String(cString: strerror(errno))
        close(fd)
        guard ok else {
            unlink(temp)
            throw CaseError("writing \(temp) failed: \(why); check the free space of the case directory")
        }
        guard rename(temp, dest) == 0 else {
            let why = String(cString: strerror(errno))
            unlink(temp)
            throw CaseError("cannot rename into \(dest): \(why)")
        }
    }

    /// Maps one file of the case and checks its header and checksum.
    public static func open(_ kind: Kind, in directory: String) throws(CaseError) -> MappedCaseFile {
        let path = directory + "/" + kind.fileName
        let file = try MappedCaseFile(path: path)
        let b = file.whole
        let rebuild = "rebuild the case with `dwell index EVIDENCE... --case \(directory)`"
        guard b.count >= headerBytes else {
            throw CaseError(
                "\(path): \(b.count) bytes, shorter than a case file's header; the case is damaged: \(rebuild)")
        }
        guard Array(b[0..<8]) == magic else {
            throw CaseError("\(path) is not a dwell case file (no DWELLCAS magic); give the directory `--case` wrote")
        }
        var r = BinaryReader(UnsafeRawBufferPointer(rebasing: b[8..<headerBytes]))
        // The header is 24 bytes after the magic, so these reads cannot fail.
        let version = (try? r.u32()) ?? 0
        let kindBytes = Array(b[12..<16])
        _ = try? r.u32()
        let length = (try? r.u64()) ?? 0
        let checksum = (try? r.u32()) ?? 0
        let order = (try? r.u32()) ?? 0
        guard version == formatVersion else {
            throw CaseError(
                "\(path): case format version \(version), but this dwell reads version \(formatVersion); open it with the dwell that wrote it, or \(rebuild)"
            )
        }
        guard kindBytes == Array(kind.rawValue.utf8) else {
            throw CaseError(
                "\(path): holds a \(ByteText.string(kindBytes)) section where \(kind.rawValue) belongs; the case is damaged: \(rebuild)"
            )
        }
        guard order == byteOrderMark else {
            throw CaseError("\(path): written on a machine of the other byte order; \(rebuild) on this machine")
        }
        guard length == UInt64(b.count - headerBytes) else {
            throw CaseError(
                "\(path): the header says \(length) bytes follow, the file holds \(b.count - headerBytes); the file is truncated or damaged: \(rebuild)"
            )
        }
        let payload = UnsafeRawBufferPointer(rebasing: b[headerBytes...])
        var checked = payload
        if kind == .store {
            // The trailer's start is the payload's last 8 bytes; the header's checksum covers the trailer.
            guard payload.count >= 16 else {
                throw CaseError("\(path): \(payload.count) bytes, too short for a store; the case is damaged: \(rebuild)")
            }
            let start = UInt64(littleEndian: payload.loadUnaligned(fromByteOffset: payload.count - 8, as: UInt64.self))
            guard start <= UInt64(payload.count - 16) else {
                throw CaseError("\(path): the trailer's start \(start) is past the file's end; the file is damaged: \(rebuild)")
            }
            checked = UnsafeRawBufferPointer(rebasing: payload[Int(start)...])
        }
        let actual = crc(checked)
        guard actual == checksum else {
            throw CaseError(
                "\(path): checksum \(String(checksum, radix: 16)) in the header, \(String(actual, radix: 16)) in the data; the file is damaged: \(rebuild)"
            )
        }
        file.payload = payload
        return file
    }
}

/// A case file mapped read-only; the mapping lives as long as this object.
public final class MappedCaseFile: @unchecked Sendable {
    let base: UnsafeMutableRawPointer?
    let size: Int
    /// The bytes after the header, once checked.
    public internal(set) var payload = UnsafeRawBufferPointer(start: nil, count: 0)

    var whole: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: size) }

    init(path: String) throws(CaseError) {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let why = String(cString: strerror(errno))
            throw CaseError(
                "cannot open \(path): \(why); is it a case directory written by `dwell index` or `dwell investigate --case`?"
            )
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw CaseError("cannot stat \(path): \(String(cString: strerror(errno)))") }
        size = Int(st.st_size)
        if size == 0 {
            base = nil
            return
        }
        let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let p, p != MAP_FAILED else { throw CaseError("cannot map \(path): \(String(cString: strerror(errno)))") }
        base = p
    }

    public func reader() -> BinaryReader { BinaryReader(payload) }

    deinit { if let base { munmap(base, size) } }
}
