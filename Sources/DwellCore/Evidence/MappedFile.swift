#if canImport(Glibc)
import Glibc
#endif

/// A regular evidence file mapped read-only (`PROT_READ`, `MAP_PRIVATE`): formats read whole (systemd journals) view
/// their objects in place instead of copying the file into memory. The evidence is never written: the pages cannot
/// be written through this mapping at all.
///
/// The mapping covers the bytes there when the file was opened (`RawFile.sizeAtOpen`); growth after that is
/// reported by `RawFile` as usual. Limitation: a file truncated by another process while it is mapped makes a
/// read of the lost pages fault (SIGBUS), as it does for journalctl; evidence on a mounted image or a copy is not
/// truncated under the reader, and a live journald never shrinks its files.
public final class MappedFile: @unchecked Sendable {
    /// The file's bytes; valid as long as this object lives.
    public let bytes: UnsafeRawBufferPointer
    let base: UnsafeMutableRawPointer

    /// Maps the first `count` bytes of `fd`, prefaulted (`MAP_POPULATE`: one call instead of a page fault per
    /// 4 KiB); `nil` when the system refuses (the caller then reads the file the ordinary way).
    init?(fd: Int32, count: Int) {
        guard count > 0 else { return nil }
        let p = mmap(nil, count, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0)
        guard let p, p != MAP_FAILED else { return nil }
        base = p
        bytes = UnsafeRawBufferPointer(start: p, count: count)
    }

    deinit { munmap(base, bytes.count) }
}

extension RawFile {
    /// Maps the whole file, as it was when opened, for a format read whole; `nil` for stdin, pipes, files of
    /// unknown size, or when the mapping fails. Hash the mapped bytes with `consume(_:upTo:)`, in order.
    public func mapped() -> MappedFile? {
        guard ownsFD, let size = sizeAtOpen, size > 0, size <= UInt64(Int.max) else { return nil }
        return MappedFile(fd: fd, count: Int(size))
    }

    /// Hashes and counts the mapped bytes from where reading got to (`bytesRead`: the bytes already read for
    /// detection were hashed then) up to `end`, as `read` would have. Call with growing `end`; the last call with
    /// `mapping.bytes.count` covers the file. Afterwards `read` goes on from the end of the mapping (and only
    /// notices growth), so `drain` and `finalizeHash` work as for a file read the ordinary way.
    /// - Complexity: O(`end` − `bytesRead`); SHA-256 of those bytes.
    public func consume(_ mapping: MappedFile, upTo end: Int) {
        let stop = UInt64(min(max(end, 0), mapping.bytes.count))
        guard bytesRead < stop else { return }
        let from = Int(bytesRead)
        hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: mapping.bytes[from..<Int(stop)]))
        bytesRead = stop
    }
}
