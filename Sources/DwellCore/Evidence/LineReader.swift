#if canImport(Glibc)
import Glibc
#endif

/// Where one line sits in the decompressed stream.
public struct LineInfo: Sendable, Equatable {
    /// 1-based.
    public var number: UInt64
    /// Byte offset of the line's first byte.
    public var offset: UInt64
    /// The line holds at least one NUL byte.
    public var hasNUL: Bool

    @inlinable public init(number: UInt64, offset: UInt64, hasNUL: Bool) {
        self.number = number
        self.offset = offset
        self.hasNUL = hasNUL
    }
}

/// Frames a byte stream into lines with one reusable buffer.
///
/// The partial tail of each read is moved to the front and never scanned again; `\n` ends a line and a
/// `\r` before it is dropped (CRLF). A line longer than `maxLineBytes` is not delivered: it is counted in
/// `longLines` and reading resumes after its newline. NUL bytes are found per block (one `memchr` per read)
/// and flagged on the lines that hold them.
/// - Complexity: O(n) in the bytes read; one `memchr` pass for newlines and one for NULs.
public struct LineReader {
    public struct LongLine: Sendable, Equatable {
        public var line: UInt64
        public var offset: UInt64
        public var bytes: UInt64

        @inlinable public init(line: UInt64, offset: UInt64, bytes: UInt64) {
            self.line = line
            self.offset = offset
            self.bytes = bytes
        }
    }

    @usableFromInline var buffer: UnsafeMutableRawBufferPointer
    @usableFromInline var start = 0
    @usableFromInline var end = 0
    @usableFromInline var bufferOffset: UInt64 = 0  // stream offset of buffer[0]
    @usableFromInline var sawEOF = false
    public let maxLineBytes: Int
    public var lineCount: UInt64 = 0
    public var nulLineCount: UInt64 = 0
    public var firstNULLine: LineInfo?
    public var longLines: [LongLine] = []
    public var longLineCount: UInt64 = 0
    /// The stream's last line had no newline (a log cut mid-write, or simply a file without a final newline).
    public var endsWithoutNewline = false
    /// Whether `takeAll` stopped at its limit with more of the stream left.
    public var stoppedAtLimit = false
    public var totalBytes: UInt64 = 0

    public static let defaultCapacity = 1 << 18
    public static let defaultMaxLineBytes = 1 << 20

    public init(capacity: Int = LineReader.defaultCapacity, maxLineBytes: Int = LineReader.defaultMaxLineBytes) {
        buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(capacity, 1), alignment: 64)
        self.maxLineBytes = max(maxLineBytes, 1)
    }

    /// Releases the buffer. The reader is unusable afterwards.
    public mutating func deallocate() {
        buffer.deallocate()
        buffer = UnsafeMutableRawBufferPointer(start: nil, count: 0)
    }

    /// Reads until at least `bytes` are buffered (or the stream ends) and returns a copy of the buffered
    /// bytes, for format detection. The bytes are not consumed.
    public mutating func peek<S: ByteSource>(_ bytes: Int, from source: inout S) -> [UInt8] {
        while end - start < bytes && !sawEOF {
            if end == buffer.count { grow(to: max(buffer.count * 2, bytes)) }
            let n = source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[end...]))
            if n == 0 { sawEOF = true } else { end += n; totalBytes += UInt64(n) }
        }
        return Array(UnsafeRawBufferPointer(rebasing: buffer[start..<min(end, start + bytes)]))
    }

    /// Takes the buffered bytes and the rest of the stream, for formats read whole (systemd journals).
    /// Afterwards the reader is at the end of the stream, or past `limit` bytes of it (`stoppedAtLimit`).
    /// - Parameters:
    ///   - sizeHint: the expected total size, to reserve once (the file's size on disk).
    ///   - limit: at most this many bytes are taken, so that memory stays bounded (a huge file, a gzip bomb).
    public mutating func takeAll<S: ByteSource>(from source: inout S, sizeHint: Int = 0, limit: Int = .max) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(min(max(sizeHint, end - start), limit))
        out.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[start..<min(end, start + limit)]))
        if end - start > limit { stoppedAtLimit = true }
        bufferOffset += UInt64(end)
        start = 0
        end = 0
        while !sawEOF && !stoppedAtLimit {
            let n = source.read(into: buffer)
            if n == 0 {
                sawEOF = true
            } else {
                let keep = min(n, limit - out.count)
                out.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[0..<keep]))
                bufferOffset += UInt64(n)
                totalBytes += UInt64(n)
                if keep < n {
                    stoppedAtLimit = true
                } else if out.count == limit {
                    // Exactly at the limit: the stream's end decides whether anything was left out.
                    let more = source.read(into: buffer)
                    if more == 0 { sawEOF = true } else { stoppedAtLimit = true; bufferOffset += UInt64(more); totalBytes += UInt64(more) }
                }
            }
        }
        return out
    }

    @usableFromInline mutating func grow(to capacity: Int) {
        let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 64)
        if end > start, let dst = bigger.baseAddress, let src = buffer.baseAddress {
            dst.copyMemory(from: src + start, byteCount: end - start)
        }
        bufferOffset += UInt64(start)
        end -= start
        start = 0
        buffer.deallocate()
        buffer = bigger
    }

    /// Calls `body` for every line of the stream, in order.
    @inlinable
    public mutating func forEachLine<S: ByteSource>(
        from source: inout S, _ body: (Span<UInt8>, LineInfo) -> Void
    ) {
        var start = self.start
        var end = self.end
        var scan = start
        var lineNumber = lineCount
        var skipping = false
        var skipLine = LongLine(line: 0, offset: 0, bytes: 0)
        var nextNUL = Int.max  // buffer position of the next NUL at or after `start`, if any
        if end > start, let base = buffer.baseAddress, let hit = memchr(base + start, 0, end - start) {
            nextNUL = base.distance(to: hit)
        }
        while true {
            guard let base = buffer.baseAddress else { return }
            if scan < end, let hit = memchr(base + scan, 0x0a, end - scan) {
                let nl = base.distance(to: hit)
                lineNumber &+= 1
                if skipping {
                    skipping = false
                    skipLine.bytes += UInt64(nl - start)
                    recordLong(skipLine)
                } else if nl - start > maxLineBytes {
                    recordLong(LongLine(line: lineNumber, offset: bufferOffset + UInt64(start), bytes: UInt64(nl - start)))
                } else {
                    var lineEnd = nl
                    if lineEnd > start && base.load(fromByteOffset: lineEnd - 1, as: UInt8.self) == 0x0d { lineEnd -= 1 }
                    let hasNUL = nextNUL < nl
                    let info = LineInfo(number: lineNumber, offset: bufferOffset + UInt64(start), hasNUL: hasNUL)
                    if hasNUL {
                        nulLineCount += 1
                        if firstNULLine == nil { firstNULLine = info }
                    }
                    // Bounds: start <= lineEnd <= nl < end <= buffer.count.
                    let line = UnsafeBufferPointer(
                        start: (base + start).assumingMemoryBound(to: UInt8.self), count: lineEnd - start)
                    body(line.span, info)
                }
                start = nl + 1
                scan = start
                if nextNUL < start {
                    nextNUL = Int.max
                    if start < end, let z = memchr(base + start, 0, end - start) { nextNUL = base.distance(to: z) }
                }
                continue
            }
            // No newline in the buffered bytes.
            scan = end
            if skipping {
                skipLine.bytes += UInt64(end - start)
                start = end
                scan = end
                nextNUL = Int.max
            } else if end - start > maxLineBytes {
                skipping = true
                skipLine = LongLine(line: lineNumber + 1, offset: bufferOffset + UInt64(start), bytes: UInt64(end - start))
                start = end
                scan = end
                nextNUL = Int.max
            }
            if sawEOF {
                if skipping {
                    lineNumber &+= 1
                    recordLong(skipLine)
                    endsWithoutNewline = true
                } else if end > start {
                    lineNumber &+= 1
                    let info = LineInfo(number: lineNumber, offset: bufferOffset + UInt64(start), hasNUL: nextNUL < end)
                    if info.hasNUL {
                        nulLineCount += 1
                        if firstNULLine == nil { firstNULLine = info }
                    }
                    var lineEnd = end
                    if base.load(fromByteOffset: lineEnd - 1, as: UInt8.self) == 0x0d { lineEnd -= 1 }
                    let line = UnsafeBufferPointer(
                        start: (base + start).assumingMemoryBound(to: UInt8.self), count: lineEnd - start)
                    body(line.span, info)
                    endsWithoutNewline = true
                }
                start = end
                break
            }
            // Move the partial tail to the front; grow when one line fills the buffer.
            if start > 0 {
                if end > start { memmove(base, base + start, end - start) }
                bufferOffset += UInt64(start)
                end -= start
                scan -= start
                if nextNUL != Int.max { nextNUL -= start }
                start = 0
            }
            if end == buffer.count {
                self.start = start
                self.end = end
                grow(to: min(buffer.count * 2, max(buffer.count + 1, maxLineBytes + 1 + (1 << 16))))
                continue
            }
            let n = source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[end...]))
            if n == 0 {
                sawEOF = true
                continue
            }
            if nextNUL == Int.max, let z = memchr(base + end, 0, n) { nextNUL = base.distance(to: z) }
            end += n
            totalBytes += UInt64(n)
        }
        self.start = start
        self.end = end
        lineCount = lineNumber
    }

    @usableFromInline mutating func recordLong(_ l: LongLine) {
        longLineCount += 1
        if longLines.count < 20 { longLines.append(l) }
    }

    /// Calls `body` for every fixed-size record of the stream (binary login records). A short last record
    /// is not delivered; its size is returned.
    public mutating func forEachRecord<S: ByteSource>(
        size: Int, from source: inout S, _ body: (Span<UInt8>, LineInfo) -> Void
    ) -> Int {
        precondition(size > 0)
        if buffer.count < size * 2 { grow(to: max(size * 64, buffer.count)) }
        var number = lineCount
        while true {
            guard let base = buffer.baseAddress else { return 0 }
            while end - start >= size {
                number += 1
                let rec = UnsafeBufferPointer(start: (base + start).assumingMemoryBound(to: UInt8.self), count: size)
                body(rec.span, LineInfo(number: number, offset: bufferOffset + UInt64(start), hasNUL: false))
                start += size
            }
            if sawEOF { break }
            if start > 0 {
                if end > start { memmove(base, base + start, end - start) }
                bufferOffset += UInt64(start)
                end -= start
                start = 0
            }
            let n = source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[end...]))
            if n == 0 { sawEOF = true } else { end += n; totalBytes += UInt64(n) }
        }
        lineCount = number
        let leftover = end - start
        start = end
        return leftover
    }
}

/// Bytes in memory as a source, handed out at most `chunkBytes` at a time (tests, benchmarks, stdin replays).
public struct MemorySource: ByteSource {
    let bytes: [UInt8]
    var position = 0
    let chunkBytes: Int

    public init(_ bytes: [UInt8], chunkBytes: Int = .max) {
        self.bytes = bytes
        self.chunkBytes = max(chunkBytes, 1)
    }

    public mutating func read(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        let n = min(buffer.count, chunkBytes, bytes.count - position)
        guard n > 0, let dst = buffer.baseAddress else { return 0 }
        bytes.withUnsafeBytes { p in
            if let src = p.baseAddress { dst.copyMemory(from: src + position, byteCount: n) }
        }
        position += n
        return n
    }
}
