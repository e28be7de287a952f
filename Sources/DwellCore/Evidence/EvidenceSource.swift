import Foundation
/// An opened evidence file: its raw bytes (hashed as read) and the decompressed stream over them.
public struct EvidenceSource: ByteSource {
    enum Stream {
        case plain(PlainSource)
        case gzip(GzipSource)
        case none
    }

    public let file: EvidenceFile
    public let raw: RawFile
    public let compression: Compression
    /// The gzip header's modification time, when set (never the 1970 of a zero field).
    public let gzipModificationTime: Timestamp?
    var stream: Stream
    /// Inflating ahead on another thread (large gzip files only).
    var prefetch: Prefetcher?
    /// Problems found when opening (unsupported compression…).
    public private(set) var openIssues: [EvidenceIssue] = []

    /// Opens `file` read-only and detects its compression from its first bytes. Bytes read from stdin are also
    /// copied into `stdinSpool` when given, for the cited lines to be read again. `hashing: false` skips the
    /// SHA-256 (`finish()` then reports no meaningful digest): for reading a file again after it was hashed.
    public static func open(_ file: EvidenceFile, stdinSpool: StdinSpool? = nil, hashing: Bool = true)
        -> Result<EvidenceSource, EvidenceIssue>
    {
        let raw: RawFile
        if file.isStdin {
            raw = RawFile(standardInput: (), spool: stdinSpool)
        } else {
            do {
                raw = try RawFile(path: file.path)
                raw.hashing = hashing
            } catch {
                let kind: EvidenceIssue.Kind = error.errno == ENOENT ? .vanished : .unreadable
                let what =
                    error.errno == ENOENT
                    ? "vanished between listing and reading (\(error.message)); nothing read"
                    : "cannot open (\(error.message)); nothing read. Check permissions or run with access to the image"
                return .failure(EvidenceIssue(kind: kind, path: file.displayPath, message: what))
            }
        }
        return .success(EvidenceSource(file: file, raw: raw))
    }

    /// Opens bytes in memory as the evidence `file` (its `path` names them; nothing is read from disk).
    public static func open(bytes: [UInt8], as file: EvidenceFile) -> EvidenceSource {
        EvidenceSource(file: file, raw: RawFile(bytes: bytes, name: file.path))
    }

    init(file: EvidenceFile, raw: RawFile) {
        self.file = file
        self.raw = raw
        var prefix = [UInt8](repeating: 0, count: 16)
        var have = 0
        while have < prefix.count {
            let n = prefix.withUnsafeMutableBytes { p in raw.read(into: UnsafeMutableRawBufferPointer(rebasing: p[have...])) }
            if n == 0 { break }
            have += n
        }
        prefix.removeSubrange(have...)
        compression = Compression.detect(prefix)
        switch compression {
        case .none:
            stream = .plain(PlainSource(raw: raw, prefix: prefix))
            gzipModificationTime = nil
        case .gzip:
            let gzip = GzipSource(raw: raw, prefix: prefix, displayPath: file.displayPath)
            stream = .gzip(gzip)
            // Overlap inflating with parsing when the file is big enough to repay a thread.
            if file.sizeBytes >= Self.prefetchMinimumBytes {
                let box = UncheckedBox(gzip)
                prefetch = Prefetcher { box.value.read(into: $0) }
            }
            gzipModificationTime = GzipSource.headerModificationTime(prefix).map { Timestamp(seconds: $0) }
        default:
            stream = .none
            gzipModificationTime = nil
            raw.drain()
            openIssues.append(
                EvidenceIssue(
                    kind: .unsupportedCompression, path: file.displayPath, offset: 0,
                    message:
                        "\(compression.rawValue)-compressed (by its magic bytes); dwell reads plain and gzip only. Hashed but not parsed. Read it with: \(compression.advice.replacingFILE(with: file.path))"
                ))
        }
    }

    /// Compressed files at least this big are inflated on their own thread, ahead of the parser.
    public static let prefetchMinimumBytes: Int64 = 256 << 10

    public mutating func read(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        if let prefetch { return prefetch.read(into: buffer) }
        switch stream {
        case .plain(var s):
            stream = .none
            let n = s.read(into: buffer)
            stream = .plain(s)
            return n
        case .gzip(let g):
            return g.read(into: buffer)
        case .none:
            return 0
        }
    }

    /// Problems the decompressor found (truncation, corruption, trailing garbage), and read errors.
    public var streamIssues: [EvidenceIssue] {
        prefetch?.cancelAndWait()
        var out = openIssues
        if case .gzip(let g) = stream { out += g.issues }
        if raw.grewBytes > 0, let size = raw.sizeAtOpen {
            out.append(
                EvidenceIssue(
                    kind: .grewWhileRead, path: file.displayPath, offset: size,
                    message: "the file grew by \(raw.grewBytes) bytes while it was read (still being written?): the \(size) bytes there when it was opened were read and hashed, the rest was not",
                    isProblem: false))
        }
        if raw.shrank, let size = raw.sizeAtOpen {
            out.append(
                EvidenceIssue(
                    kind: .shrankWhileRead, path: file.displayPath, offset: raw.bytesRead,
                    message: "the file was truncated while it was read (\(size) bytes when opened, it ended at byte \(raw.bytesRead); copytruncate rotation?): what was read was kept, the rest is gone from this file"))
        }
        if raw.readError != 0, !out.contains(where: { $0.kind == .readError }) {
            out.append(
                EvidenceIssue(
                    kind: .readError, path: file.displayPath, offset: raw.bytesRead,
                    message: "read error after \(raw.bytesRead) bytes: \(String(cString: strerror(raw.readError))); what was read before was kept"))
        }
        return out
    }

    public var gzipMembers: Int {
        prefetch?.cancelAndWait()
        if case .gzip(let g) = stream { return g.members }
        return 0
    }

    /// Reads what is left of the raw file (so the hash covers all of it) and returns the SHA-256.
    public func finish() -> (sha256: String, rawBytes: UInt64) {
        prefetch?.cancelAndWait()
        raw.drain()
        return (raw.finalizeHash(), raw.bytesRead)
    }
}

#if canImport(Glibc)
import Glibc
#endif

extension String {
    func replacingFILE(with path: String) -> String {
        var out = ""
        var rest = Substring(self)
        while let r = rest.range(of: "FILE") {
            out += rest[..<r.lowerBound]
            out += "'" + path + "'"
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}

/// Hands a non-Sendable reference to the prefetch thread, which becomes its only user until it settles.
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
