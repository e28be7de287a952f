import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A private copy of the bytes read from standard input, so that the lines an investigation cites can be read
/// again after analysis, as a file's are (stdin itself can be read only once).
///
/// The copy is the raw bytes as they arrived (gzip stays gzip), written as `RawFile` reads them, into a temporary
/// file created with mode 0600 in `$TMPDIR` (else `/tmp`) and unlinked at once: it has no name in any directory,
/// so it is never inside the evidence or `--out`, and the system frees it when the process ends, crashed or not.
/// It is read again through `/proc/self/fd/N`. At most `maxBytes` are kept; past them (or when the disk refuses a
/// write) the copy stops, `cut` says so, and the lines after it are cited without their text.
///
/// Nothing is created until the first byte is read from stdin.
/// - Complexity: one `write` per block read from stdin; no per-line work.
public final class StdinSpool: @unchecked Sendable {
    /// 2 GiB: the copy of a larger stream keeps its first 2 GiB.
    public static let defaultMaxBytes: UInt64 = 2 << 30

    public let maxBytes: UInt64
    let directory: String
    let lock = NSLock()
    var fd: Int32 = -1
    var opened = false
    var _bytesKept: UInt64 = 0
    var _cut = false
    var _problem: String?

    /// - Parameters:
    ///   - maxBytes: the most bytes kept.
    ///   - directory: where the (at once unlinked) file is created; `nil` = `$TMPDIR`, else `/tmp`.
    public init(maxBytes: UInt64 = StdinSpool.defaultMaxBytes, directory: String? = nil) {
        self.maxBytes = maxBytes
        self.directory = directory ?? ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
    }

    deinit { if fd >= 0 { close(fd) } }

    /// How many bytes were kept.
    public var bytesKept: UInt64 { lock.withLock { _bytesKept } }
    /// Whether stdin went on past what was kept (past `maxBytes`, or after a failed write).
    public var cut: Bool { lock.withLock { _cut } }
    /// Why nothing or not everything was kept, when the system refused (cannot create, disk full).
    public var problem: String? { lock.withLock { _problem } }

    /// The path that reads the kept bytes again from the start (`/proc/self/fd/N`), or `nil` when none were kept.
    public var readPath: String? { lock.withLock { fd >= 0 && _bytesKept > 0 ? "/proc/self/fd/\(fd)" : nil } }

    /// Keeps `bytes` (read from stdin), as far as `maxBytes` allows.
    package func append(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0, let base = bytes.baseAddress else { return }
        lock.lock()
        defer { lock.unlock() }
        if _cut { return }
        if !opened {
            opened = true
            openFile()
        }
        guard fd >= 0 else {
            _cut = true
            return
        }
        let room = maxBytes - _bytesKept
        let n = Int(min(UInt64(bytes.count), room))
        var done = 0
        while done < n {
            let w = write(fd, base + done, n - done)
            if w < 0 {
                if errno == EINTR { continue }
                _problem = "writing the copy of stdin failed after \(_bytesKept + UInt64(done)) bytes (\(String(cString: strerror(errno))))"
                break
            }
            done += w
        }
        _bytesKept += UInt64(done)
        if done < bytes.count { _cut = true }
    }

    func openFile() {
        var template = Array((directory + "/dwell-stdin-XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { p -> Int32 in
            guard let base = p.baseAddress else { return -1 }
            return mkstemp(base)
        }
        guard made >= 0 else {
            _problem = "cannot create a copy of stdin in \(directory) (\(String(cString: strerror(errno)))); set TMPDIR to a writable directory"
            return
        }
        // No name: the copy cannot be found, read or left behind by anyone else.
        template.withUnsafeBufferPointer { p in if let base = p.baseAddress { _ = unlink(base) } }
        _ = fcntl(made, F_SETFD, FD_CLOEXEC)
        fd = made
    }
}
