import Foundation

/// Jobs run side by side on up to `threads` threads, each job once, taken in the order given (longest first
/// balances the threads best). Shared with the other modules of the package (the Sigma engine's log sources and
/// rule files).
package final class JobQueue: @unchecked Sendable {
    private let lock = NSLock()
    private let jobs: [() -> Void]
    private var next = 0

    package init(_ jobs: [() -> Void]) { self.jobs = jobs }

    package func run(threads: Int) {
        let workers = min(max(threads, 1), jobs.count)
        guard workers > 1 else { return jobs.forEach { $0() } }
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while let job = take() { job() }
        }
    }

    private func take() -> (() -> Void)? {
        lock.withLock {
            guard next < jobs.count else { return nil }
            defer { next += 1 }
            return jobs[next]
        }
    }
}

/// One value handed to one job and back: a job reads and writes only its own boxes, never the store, so no two
/// threads touch the same memory (a method called through a shared pointer to the store may copy the whole store,
/// reading every column while other jobs replace theirs).
final class Box<T>: @unchecked Sendable {
    var value: T
    init(_ value: T) { self.value = value }
}
