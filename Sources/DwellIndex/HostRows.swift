import Foundation

/// The positions of the hosts asked about, found once each from the store's host column (`EventStore.hostsPosted`).
/// Shared by the copies of one store (the detectors' threads ask side by side), hence the lock.
final class HostRows: @unchecked Sendable {
    private let lock = NSLock()
    private var rows: [UInt32: [Int32]] = [:]

    func positions(of host: UInt32, find: () -> [Int32]) -> [Int32] {
        if let held = lock.withLock({ rows[host] }) { return held }
        let found = find()
        return lock.withLock {
            if let held = rows[host] { return held }
            rows[host] = found
            return found
        }
    }
}
