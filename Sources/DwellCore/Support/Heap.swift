import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// How dwell asks glibc's allocator to treat its memory. The functions are looked up at run time: Swift's Glibc
/// module exports neither `mallopt` nor `malloc_trim`. On other C libraries both do nothing.
public enum Heap {
    /// Keeps blocks up to 8 MiB (a file's event chunk as it grows, a line buffer, a symbol table) in the heap when
    /// freed, for the next file to reuse, instead of glibc's default of returning any block from 128 KiB up to
    /// the system at once (and taking fresh zeroed pages, a page fault each, for the next one): about 7% of the
    /// CPU of `investigate` went to page faults. Heap tops up to 128 MiB are not trimmed after every free either.
    /// Larger blocks (the store's columns) still come from and go back to the system directly, and
    /// `releaseFreePages()` hands the free heap back once the store is built. Called by the store build
    /// (`InvestigationRun.read`); the setting is process-wide and stays.
    public static func preferReuse() {
        #if canImport(Glibc)
            typealias SetOption = @convention(c) (Int32, Int32) -> Int32
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
            let mallopt = unsafeBitCast(symbol, to: SetOption.self)
            let trimThreshold: Int32 = -1  // M_TRIM_THRESHOLD
            let mmapThreshold: Int32 = -3  // M_MMAP_THRESHOLD
            _ = mallopt(mmapThreshold, 8 << 20)
            _ = mallopt(trimThreshold, 128 << 20)
        #endif
    }

    /// Hands the free pages of the heap back to the system (glibc's `malloc_trim`): the files' chunks and the
    /// unsorted columns are freed once the store is built, and the analysis that follows should not carry them as
    /// resident memory.
    public static func releaseFreePages() {
        #if canImport(Glibc)
            typealias Trim = @convention(c) (Int) -> Int32
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return }
            _ = unsafeBitCast(symbol, to: Trim.self)(0)
        #endif
    }
}
