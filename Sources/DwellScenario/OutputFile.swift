import CZlib

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why writing the scenario failed.
public struct ScenarioError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// One output file: plain or gzip (zlib deflate, streamed), written in large blocks.
///
/// Lines are appended to `buffer`; once it holds `blockBytes` it is written (or deflated and written).
/// `close(mtime:)` finishes the gzip member and sets the file's access and modification times.
/// In counting mode (`path == nil`) nothing is written: only the uncompressed bytes are counted.
final class OutputFile {
    static let blockBytes = 1 << 20
    let path: String?
    let relativePath: String
    private var fd: Int32 = -1
    var buffer: [UInt8] = []
    private(set) var uncompressedBytes: Int64 = 0
    private(set) var lines = 0
    private var stream: UnsafeMutablePointer<z_stream>?
    private var header: UnsafeMutablePointer<gz_header>?
    private var out: [UInt8] = []
    private var isGzip = false

    /// - Parameters:
    ///   - path: absolute path, or `nil` to count only.
    ///   - gzipLevel: `nil` for a plain file, else the deflate level (1...9).
    ///   - gzipMTime: the gzip header's MTIME (seconds since the epoch), as gzip sets it from the source file.
    init(path: String?, relativePath: String, gzipLevel: Int32?, gzipMTime: Int64) throws(ScenarioError) {
        self.path = path
        self.relativePath = relativePath
        buffer.reserveCapacity(Self.blockBytes + 64 * 1024)
        guard let path else { return }
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if fd < 0 { throw ScenarioError("cannot create \(path): errno \(errno)") }
        if let level = gzipLevel {
            let s = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
            s.initialize(to: z_stream())
            guard czlib_deflate_init_gzip(s, level) == Z_OK else {
                s.deallocate()
                throw ScenarioError("zlib deflateInit2 failed for \(path)")
            }
            let h = UnsafeMutablePointer<gz_header>.allocate(capacity: 1)
            h.initialize(to: gz_header())
            h.pointee.time = uLong(max(0, gzipMTime))
            h.pointee.os = 3  // Unix, as gzip on Linux writes it
            deflateSetHeader(s, h)
            stream = s
            header = h
            isGzip = true
            out = [UInt8](repeating: 0, count: Self.blockBytes + 4096)
        }
    }

    deinit {
        if let s = stream {
            deflateEnd(s)
            s.deallocate()
        }
        header?.deallocate()
        if fd >= 0 { Glibc.close(fd) }
    }

    @inline(__always) func endLine() {
        buffer.append(0x0A)
        lines += 1
        if buffer.count >= Self.blockBytes { try? flush() }
    }

    private(set) var failure: ScenarioError?

    func flush(finish: Bool = false) throws(ScenarioError) {
        uncompressedBytes += Int64(buffer.count)
        defer { buffer.removeAll(keepingCapacity: true) }
        guard path != nil else { return }
        if let s = stream {
            let count = buffer.count
            var result: Int32 = Z_OK
            buffer.withUnsafeMutableBufferPointer { input in
                s.pointee.next_in = input.baseAddress
                s.pointee.avail_in = uInt(count)
                repeat {
                    let produced: Int = out.withUnsafeMutableBufferPointer { output in
                        s.pointee.next_out = output.baseAddress
                        s.pointee.avail_out = uInt(output.count)
                        result = deflate(s, finish ? Z_FINISH : Z_NO_FLUSH)
                        return output.count - Int(s.pointee.avail_out)
                    }
                    if produced > 0 { writeAll(out, count: produced) }
                } while result == Z_OK && (s.pointee.avail_in > 0 || s.pointee.avail_out == 0 || finish)
                s.pointee.next_in = nil
            }
            if finish ? result != Z_STREAM_END : (result != Z_OK && result != Z_BUF_ERROR) {
                failure = ScenarioError("zlib deflate returned \(result) for \(relativePath)")
            }
        } else {
            writeAll(buffer, count: buffer.count)
        }
        if let failure { throw failure }
    }

    private func writeAll(_ bytes: [UInt8], count: Int) {
        bytes.withUnsafeBytes { raw in
            var done = 0
            while done < count {
                guard let base = raw.baseAddress else { return }
                let n = write(fd, base + done, count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = ScenarioError("cannot write \(path ?? relativePath): errno \(errno)")
                    return
                }
                done += n
            }
        }
    }

    /// Flushes, finishes the gzip member, closes the file and sets its times to `mtime` (seconds).
    func close(mtime: Int64) throws(ScenarioError) {
        try flush(finish: stream != nil)
        guard let path else { return }
        if isGzip && fd >= 0 {
            // The header went out with the first block; its MTIME (bytes 4–7, little-endian) is set now that
            // the time of the last line is known.
            var stamp = UInt32(truncatingIfNeeded: max(0, mtime)).littleEndian
            let written = withUnsafeBytes(of: &stamp) { pwrite(fd, $0.baseAddress, 4, 4) }
            if written != 4 { throw ScenarioError("cannot set the gzip MTIME of \(path): errno \(errno)") }
        }
        if fd >= 0 {
            Glibc.close(fd)
            fd = -1
        }
        var times = [timeval(tv_sec: Int(mtime), tv_usec: 0), timeval(tv_sec: Int(mtime), tv_usec: 0)]
        if utimes(path, &times) != 0 { throw ScenarioError("cannot set the times of \(path): errno \(errno)") }
    }
}

/// Creates a directory and its parents (mkdir -p).
func makeDirectories(_ path: String) throws(ScenarioError) {
    var current = ""
    for component in path.split(separator: "/", omittingEmptySubsequences: false) {
        if component.isEmpty {
            if current.isEmpty { current = "/" }
            continue
        }
        current += (current.isEmpty || current.hasSuffix("/") ? "" : "/") + component
        if mkdir(current, 0o755) != 0 && errno != EEXIST {
            throw ScenarioError("cannot create directory \(current): errno \(errno)")
        }
    }
}
