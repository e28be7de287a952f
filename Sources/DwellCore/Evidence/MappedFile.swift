import CMapGuard
import Crypto

#if canImport(Glibc)
import Glibc
#endif

/// A regular evidence file mapped read-only (`PROT_READ`, `MAP_PRIVATE`): formats read whole (systemd journals) view
/// their objects in place instead of copying the file into memory. The evidence is never written: the pages cannot
/// be written through this mapping at all.
///
/// The mapping covers the bytes there when the file was opened (`RawFile.sizeAtOpen`); growth after that is
/// reported by `RawFile` as usual. A file truncated by another process while it is mapped would make a read of the
/// lost pages fault (SIGBUS) and end the run; the mapping is registered with `CMapGuard`, which puts a zero page
/// over each lost page instead and records the first lost offset (`firstLostOffset`), as systemd's own reader does.
/// `RawFile.consume` then hashes only the bytes still there and reports the file as shrunk; the reader sees zeros
/// past the cut and reports the objects there as damaged.
public final class MappedFile: @unchecked Sendable {
    /// The file's bytes; valid as long as this object lives.
    public let bytes: UnsafeRawBufferPointer
    let base: UnsafeMutableRawPointer
    let guardSlot: Int32

    /// Maps the first `count` bytes of `fd`, prefaulted (`MAP_POPULATE`: one call instead of a page fault per
    /// 4 KiB); `nil` when the system refuses or every guard slot is taken (the caller then reads the file the
    /// ordinary way).
    init?(fd: Int32, count: Int) {
        guard count > 0 else { return nil }
        let p = mmap(nil, count, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0)
        guard let p, p != MAP_FAILED else { return nil }
        let slot = cmapguard_register(p, count)
        guard slot >= 0 else {
            munmap(p, count)
            return nil
        }
        base = p
        guardSlot = slot
        bytes = UnsafeRawBufferPointer(start: p, count: count)
    }

    /// The offset of the first page the file lost while mapped (truncated by another process; those pages read as
    /// zeros), or `nil`.
    public var firstLostOffset: Int? {
        let lost = cmapguard_first_lost(guardSlot)
        return lost < 0 ? nil : Int(lost)
    }

    deinit {
        cmapguard_unregister(guardSlot)
        munmap(base, bytes.count)
    }
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
    ///
    /// If the file lost pages while mapped (`MappedFile.firstLostOffset`), the zeros that stand for them are never
    /// hashed: the hash covers the bytes up to the file's size after the cut, and the file is reported as shrunk.
    public func consume(_ mapping: MappedFile, upTo end: Int) {
        let stop = UInt64(min(max(end, 0), mapping.bytes.count))
        guard !shrank, bytesRead < stop else { return }
        let from = Int(bytesRead)
        let before = hasher
        if hashing { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: mapping.bytes[from..<Int(stop)])) }
        bytesRead = stop
        guard let lost = mapping.firstLostOffset, lost < Int(stop) else { return }
        // Hash again from `from`, up to what is still in the file (the page holding the new end is still mapped).
        hasher = before
        var status = stat()
        let sizeNow = fstat(fd, &status) == 0 ? Int(status.st_size) : lost
        let real = max(min(lost, sizeNow), from)
        if hashing, real > from {
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: mapping.bytes[from..<real]))
        }
        bytesRead = UInt64(real)
        shrank = true
        atEnd = true  // nothing more to read: `read` would start again from the descriptor's own position
    }
}
