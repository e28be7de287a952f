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
    /// `releaseFreePages()` hands the free heap back once the store is built.
    ///
    /// One arena for every thread: glibc gives each thread that meets a locked arena one of its own (up to eight
    /// per core), and a block freed in one arena is never reused by another, so the detectors' families, run side
    /// by side, each grew their own heap: about 10% of the peak resident memory of `investigate` on 1 GB of noisy
    /// evidence (651-669 MB with the default, 597-608 MB with one arena, two runs each; the CPU time the same
    /// within the runs' spread, so the threads seldom wait on the shared lock).
    ///
    /// Called by the store build (`InvestigationRun.read`) before its threads start (a thread started earlier keeps
    /// the arena it has); the settings are process-wide and stay.
    public static func preferReuse() {
        #if canImport(Glibc)
            typealias SetOption = @convention(c) (Int32, Int32) -> Int32
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
            let mallopt = unsafeBitCast(symbol, to: SetOption.self)
            let trimThreshold: Int32 = -1  // M_TRIM_THRESHOLD
            let mmapThreshold: Int32 = -3  // M_MMAP_THRESHOLD
            let arenaMax: Int32 = -8  // M_ARENA_MAX
            _ = mallopt(mmapThreshold, 8 << 20)
            _ = mallopt(trimThreshold, 128 << 20)
            _ = mallopt(arenaMax, 1)
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
