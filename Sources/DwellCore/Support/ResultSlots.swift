import Foundation

/// One result slot per task of a parallel loop, filled from any thread, read once every task is done: results
/// come back in task order, whatever order the threads finished in.
public final class ResultSlots<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [T]

    public init(repeating value: T, count: Int) { slots = Array(repeating: value, count: count) }

    public func store(_ k: Int, _ value: T) { lock.withLock { slots[k] = value } }

    public var values: [T] { lock.withLock { slots } }
}
