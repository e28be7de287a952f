import DwellCore
import DwellIngest
import Foundation

/// A progress bar on stderr for work longer than about a second, only when stderr is a terminal.
final class ProgressBar: @unchecked Sendable {
    let progress = IngestProgress()
    private let totalBytes: UInt64
    private let totalFiles: Int
    private let enabled: Bool
    private let lock = NSLock()
    private var running = true
    private var drawn = false
    private let start = Date()
    private var thread: Thread?

    /// The bar for reading every file `discovery` found (sizes on disk; gzip files count compressed).
    convenience init(for discovery: Discovery.Result, quiet: Bool) {
        self.init(
            totalBytes: UInt64(discovery.files.reduce(0) { $0 + max($1.sizeBytes, 0) }), totalFiles: discovery.files.count,
            quiet: quiet)
    }

    init(totalBytes: UInt64, totalFiles: Int, quiet: Bool) {
        self.totalBytes = totalBytes
        self.totalFiles = totalFiles
        enabled = !quiet && isatty(2) == 1
        guard enabled else { return }
        let t = Thread { [weak self] in self?.loop() }
        thread = t
        t.start()
    }

    private func loop() {
        Thread.sleep(forTimeInterval: 1.0)
        while lock.withLock({ running }) {
            draw()
            Thread.sleep(forTimeInterval: 0.2)
        }
    }

    private func draw() {
        let (bytes, files) = progress.snapshot
        let elapsed = max(Date().timeIntervalSince(start), 0.001)
        let mb = Double(bytes) / 1e6
        var line = String(format: "\r%@ %.1f MB read, %.0f MB/s, files %d/%d", bar(files), mb, mb / elapsed, files, totalFiles)
        line += "   "
        lock.withLock {
            drawn = true
            FileHandle.standardError.write(Data(line.utf8))
        }
    }

    private func bar(_ files: Int) -> String {
        let width = 24
        let filled = totalFiles == 0 ? 0 : min(width, files * width / totalFiles)
        return "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]"
    }

    /// Stops drawing and clears the line.
    func finish() {
        lock.withLock {
            running = false
            if drawn { FileHandle.standardError.write(Data("\r\u{1b}[K".utf8)) }
        }
    }
}
