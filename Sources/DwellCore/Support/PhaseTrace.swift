import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Phase timings and peak memory on stderr when `DWELL_TRACE` is set (for measuring; off by default).
public struct PhaseTrace {
    public static let isOn = ProcessInfo.processInfo.environment["DWELL_TRACE"] != nil
    let enabled = PhaseTrace.isOn

    public init() {}

    /// Runs `body` and, when tracing, writes how long it took under `name` (for parts run on other threads).
    public static func timed<T>(_ name: @autoclosure () -> String, _ body: () -> T) -> T {
        guard isOn else { return body() }
        let start = DispatchTime.now().uptimeNanoseconds
        let startCPU = threadCPUMicros()
        let value = body()
        let ms = (DispatchTime.now().uptimeNanoseconds - start) / 1_000_000
        let cpu = (threadCPUMicros() - startCPU) / 1000
        let memory = "RSS \(residentMiB()) MiB, peak \(usage().ru_maxrss / 1024) MiB"
        FileHandle.standardError.write(
            "dwell trace:   \(name()): \(ms) ms (thread CPU \(cpu) ms), \(memory)\n".data(using: .utf8)!)
        return value
    }

    /// The process's resident memory now, in MiB (the second field of `/proc/self/statm`, in pages); 0 where
    /// that file cannot be read. The peak alone hides which part raised it.
    static func residentMiB() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE))) / (1 << 20)
    }

    /// CPU time of the calling thread, in microseconds (a part's own cost, whatever else the machine runs).
    static func threadCPUMicros() -> Int {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return t.tv_sec * 1_000_000 + t.tv_nsec / 1000
    }

    var last = DispatchTime.now().uptimeNanoseconds
    var lastCPU = PhaseTrace.cpuMicros(PhaseTrace.usage())

    static func usage() -> rusage {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage
    }

    /// User and system CPU time of the process so far, in microseconds.
    static func cpuMicros(_ usage: rusage) -> Int {
        (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1_000_000 + Int(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec)
    }

    public mutating func mark(_ phase: String, detail: @autoclosure () -> String = "") {
        guard enabled else { return }
        let now = DispatchTime.now().uptimeNanoseconds
        let usage = Self.usage()
        let cpu = Self.cpuMicros(usage)
        let line = "dwell trace: \(phase): \((now - last) / 1_000_000) ms (CPU \((cpu - lastCPU) / 1000) ms), RSS \(Self.residentMiB()) MiB, peak RSS \(usage.ru_maxrss / 1024) MiB \(detail())\n"
        FileHandle.standardError.write(line.data(using: .utf8)!)
        last = now
        lastCPU = cpu
    }
}
