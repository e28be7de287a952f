import Crypto
import DwellCore
import Foundation

/// What earlier sweeps read, per file, so the next run reads only what is new (`--state FILE`).
///
/// A file is known by its identity (device and inode, size, SHA-256 of its first bytes, up to 4 KiB of decompressed
/// content) and by how far it was swept (`offset`, in decompressed bytes, always at a line end, with the line count
/// there and the SHA-256 of the 4 KiB before it). On the next run:
/// - same content head and the bytes before `offset` unchanged → resume at `offset` (a file that grew; a rotation
///   renamed in place, `auth.log` → `auth.log.1`, keeps its inode and is recognised);
/// - a gzip rotation (`auth.log.1` → `auth.log.2.gz`, a new inode) is recognised by its decompressed head: it is
///   inflated, the bytes already swept are skipped unread by the matcher, and only what follows is swept. Once read
///   to its end a gzip file is `complete`: while its device, inode and size stay the same it is not opened again;
/// - a file whose head or pre-offset bytes changed, or that is shorter than `offset` (copytruncate), is swept from
///   the start.
/// The file is JSON, written atomically (temporary file in the same directory, fsync, rename).
public struct SweepState: Codable, Sendable {
    public static let currentVersion = 1

    public struct Entry: Codable, Sendable, Equatable {
        public var path: String
        public var device: UInt64
        public var inode: UInt64
        /// Size on disk when swept.
        public var size: Int64
        /// `none` or `gzip`.
        public var compression: String
        /// Bytes of decompressed content hashed into `headSHA256` (4096, or less for a shorter file).
        public var headLength: Int
        public var headSHA256: String
        /// Decompressed bytes swept (at a line end).
        public var offset: UInt64
        /// Lines before `offset` (so line numbers stay those of the whole file).
        public var lines: UInt64
        /// SHA-256 of the (up to) 4096 bytes before `offset`.
        public var tailLength: Int
        public var tailSHA256: String
        /// A gzip file read to its end: not read again while device, inode and size are unchanged.
        public var complete: Bool
        /// When it was last swept (ISO 8601).
        public var swept: String

        public init(
            path: String, device: UInt64, inode: UInt64, size: Int64, compression: String, headLength: Int,
            headSHA256: String, offset: UInt64, lines: UInt64, tailLength: Int, tailSHA256: String, complete: Bool,
            swept: String
        ) {
            self.path = path
            self.device = device
            self.inode = inode
            self.size = size
            self.compression = compression
            self.headLength = headLength
            self.headSHA256 = headSHA256
            self.offset = offset
            self.lines = lines
            self.tailLength = tailLength
            self.tailSHA256 = tailSHA256
            self.complete = complete
            self.swept = swept
        }
    }

    public var version: Int
    public var tool: String
    public var files: [Entry]

    public init(files: [Entry] = []) {
        version = Self.currentVersion
        tool = "dwell sweep"
        self.files = files
    }

    public static let headBytes = 4096
    public static let tailBytes = 4096

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var path: String
        public var message: String
        public var description: String { "\(path): \(message)" }
    }

    /// Reads a state file; a missing file is an empty state.
    /// - Throws: `Failure` when the file exists but is not a state file dwell wrote (with what to do).
    public static func load(path: String) throws(Failure) -> SweepState {
        guard FileManager.default.fileExists(atPath: path) else { return SweepState() }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Failure(path: path, message: "cannot read the state file; check its permissions")
        }
        let state: SweepState
        do {
            state = try JSONDecoder().decode(SweepState.self, from: data)
        } catch {
            throw Failure(
                path: path,
                message:
                    "the state file is corrupt or not a dwell sweep state (\(Self.describe(error))). Nothing was swept. Run again with --reset-state to sweep every file from the start and write a new state, or restore the file")
        }
        guard state.version == currentVersion, state.tool == "dwell sweep" else {
            throw Failure(
                path: path,
                message:
                    "state version \(state.version) of '\(state.tool)' is not one this dwell reads (\(currentVersion)); run with --reset-state to start over")
        }
        return state
    }

    static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let c): return "invalid JSON: \(c.debugDescription)"
        case DecodingError.keyNotFound(let k, _): return "missing \(k.stringValue)"
        case DecodingError.typeMismatch(_, let c): return "wrong type at \(c.codingPath.map(\.stringValue).joined(separator: "."))"
        case DecodingError.valueNotFound(_, let c): return "missing value at \(c.codingPath.map(\.stringValue).joined(separator: "."))"
        default: return "\(error)"
        }
    }

    /// Writes the state atomically: a temporary file beside it, flushed to disk, then renamed over it.
    public func save(path: String) throws(Failure) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data: Data
        do { data = try encoder.encode(self) } catch { throw Failure(path: path, message: "cannot encode state: \(error)") }
        let dir = (path as NSString).deletingLastPathComponent
        let base = (path as NSString).lastPathComponent
        let tmp = (dir.isEmpty ? "" : dir + "/") + ".\(base).tmp.\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw Failure(path: path, message: "cannot write the state (\(String(cString: strerror(errno)))) in \(dir.isEmpty ? "." : dir); check the directory's permissions")
        }
        let ok = data.withUnsafeBytes { p -> Bool in
            var off = 0
            while off < p.count {
                let n = write(fd, p.baseAddress.map { $0 + off }, p.count - off)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return false }
                off += n
            }
            return fsync(fd) == 0
        }
        let err = errno
        close(fd)
        guard ok, rename(tmp, path) == 0 else {
            let e = ok ? errno : err
            unlink(tmp)
            throw Failure(path: path, message: "cannot write the state (\(String(cString: strerror(e)))); the previous state is unchanged")
        }
        // Make the rename itself durable.
        let dfd = open(dir.isEmpty ? "." : dir, O_RDONLY | O_CLOEXEC)
        if dfd >= 0 {
            fsync(dfd)
            close(dfd)
        }
    }

    static func sha256(_ bytes: some Collection<UInt8>) -> String {
        var h = SHA256()
        h.update(data: Array(bytes))
        return h.finalize().map { String($0, radix: 16).leftPadded2 }.joined()
    }
}

extension String {
    var leftPadded2: String { count >= 2 ? self : "0" + self }
}
