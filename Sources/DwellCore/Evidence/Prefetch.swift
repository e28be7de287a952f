import Foundation

/// Decompression on its own thread, ahead of the parser: a producer thread inflates into large blocks (1 MiB)
/// and hands them over through a short queue, so inflating one block overlaps with framing and parsing the
/// previous one. The consumer sees an ordinary `read(into:)`.
///
/// The producer owns the decompressor and the raw file until it has finished or been cancelled; `settle()`
/// (called before the decompressor's issues are read or the file is drained and hashed) waits for that.
final class Prefetcher: @unchecked Sendable {
    static let blockBytes = 1 << 20
    static let queueDepth = 4

    private final class Shared: @unchecked Sendable {
        let condition = NSCondition()
        var ready: [[UInt8]] = []
        var spare: [[UInt8]] = []
        var finished = false
        var cancelled = false
    }

    private let shared = Shared()
    private var current: [UInt8] = []
    private var position = 0
    private var settled = false

    /// Starts the producer: `fill` is called on the producer thread until it returns 0 or the consumer cancels.
    /// Nil when no thread could be started (the caller then reads directly).
    init?(fill: @escaping @Sendable (UnsafeMutableRawBufferPointer) -> Int) {
        let shared = self.shared
        let blockBytes = Self.blockBytes
        let queueDepth = Self.queueDepth
        let body: @Sendable () -> Void = {
            while true {
                shared.condition.lock()
                while shared.ready.count >= queueDepth && !shared.cancelled { shared.condition.wait() }
                if shared.cancelled {
                    shared.finished = true
                    shared.condition.broadcast()
                    shared.condition.unlock()
                    return
                }
                var block = shared.spare.popLast() ?? [UInt8](repeating: 0, count: blockBytes)
                shared.condition.unlock()
                // Fill the block (several reads: the decompressor may return less than asked).
                var have = 0
                block.withUnsafeMutableBytes { b in
                    while have < b.count {
                        let n = fill(UnsafeMutableRawBufferPointer(rebasing: b[have...]))
                        if n == 0 { break }
                        have += n
                    }
                }
                shared.condition.lock()
                if have > 0 {
                    if have < block.count { block.removeSubrange(have...) }
                    shared.ready.append(block)
                }
                if have < blockBytes { shared.finished = true }
                shared.condition.broadcast()
                let done = shared.finished
                shared.condition.unlock()
                if done { return }
            }
        }
        // A plain POSIX thread (detached): it owns only `shared` and `fill`, never this object.
        let context = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        var thread = pthread_t()
        let rc = pthread_create(&thread, &attributes, { raw in
            let body = Unmanaged<ThreadBody>.fromOpaque(raw!).takeRetainedValue()
            body.run()
            return nil
        }, context)
        pthread_attr_destroy(&attributes)
        if rc != 0 {
            Unmanaged<ThreadBody>.fromOpaque(context).release()
            shared.finished = true
            return nil
        }
    }

    deinit {
        let shared = self.shared
        shared.condition.lock()
        shared.cancelled = true
        shared.condition.broadcast()
        while !shared.finished { shared.condition.wait() }
        shared.condition.unlock()
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        if position == current.count {
            shared.condition.lock()
            while shared.ready.isEmpty && !shared.finished { shared.condition.wait() }
            if shared.ready.isEmpty {
                shared.condition.unlock()
                return 0
            }
            let next = shared.ready.removeFirst()
            if current.count == Self.blockBytes { shared.spare.append(current) }
            current = next
            position = 0
            shared.condition.broadcast()
            shared.condition.unlock()
        }
        let n = min(buffer.count, current.count - position)
        current.withUnsafeBytes { c in
            buffer.baseAddress!.copyMemory(from: c.baseAddress! + position, byteCount: n)
        }
        position += n
        return n
    }

    /// Stops the producer (if it is still running) and waits until it no longer touches the decompressor.
    func cancelAndWait() {
        if settled { return }
        shared.condition.lock()
        shared.cancelled = true
        shared.condition.broadcast()
        while !shared.finished { shared.condition.wait() }
        shared.condition.unlock()
        settled = true
    }
}

private final class ThreadBody: @unchecked Sendable {
    let run: @Sendable () -> Void
    init(_ run: @escaping @Sendable () -> Void) { self.run = run }
}
