import DwellCore
import DwellIndex

/// The names the detectors give addresses: one place naming a host (the directory), with the two sightings that
/// name a server for the detectors only (they need no time range: a server keeps its address).
extension HostDirectory {
    /// The detectors' host names by address id: `stableNames`, then for an address they leave unnamed, sshd's
    /// `Connection from A port N on B port M` names B as the logging host, and a sensor's copy of an access-log
    /// request (same source, second and path) names its destination as that access log's host. Also returns those
    /// copies, so that web counts see each request once.
    /// - Complexity: O(*n*) in the events (the copies are matched in a sliding window of seconds).
    func detectorNames() -> (names: [UInt32: String], sensorCopies: EventBitmap) {
        var hostNames = stableNames
        var sensorCopies = EventBitmap()
        func text(_ id: UInt32) -> String { store.string(id) }
        for i in 0..<store.count where store.kind[i] == .connect && store.destinationIP[i] != 0 {
            if hostNames[store.destinationIP[i]] == nil { hostNames[store.destinationIP[i]] = text(store.host[i]) }
        }
        // Match the sensor's copy of each request with the server's log line: same source and path, a second
        // either way (the sensor stamps it when it sees it, the server when it logs it). Both lists are in time
        // order, so the candidates of each sensor record are a sliding window of the server's requests: linear,
        // no table of every request.
        // The sensor's records first: without any (no http log), the served requests are not gathered at all.
        // The served requests' second and (source, path) key are decoded once, in order, into plain arrays: the
        // window scan reads them many times, and the store's columns are compressed. Positions fit 32 bits (the
        // postings hold them so).
        var sensed: [Int32] = []
        for i in 0..<store.count where store.kind[i] == .http { sensed.append(Int32(i)) }
        guard !sensed.isEmpty else { return (hostNames, sensorCopies) }
        var servedIndex: [Int32] = []
        var servedSecond: [Int64] = []
        var servedKey: [UInt64] = []
        for i in 0..<store.count where store.kind[i] == .webRequest {
            servedIndex.append(Int32(i))
            servedSecond.append(store.time[i] / 1_000_000)
            servedKey.append(UInt64(store.sourceIP[i]) << 32 | UInt64(store.path[i]))
        }
        guard !servedIndex.isEmpty else { return (hostNames, sensorCopies) }
        // Addresses named already, by address id (slot 0: none): a dictionary lookup per sensor record cost more
        // than the matching.
        var named = [Bool](repeating: false, count: store.addresses.count + 1)
        for id in hostNames.keys where Int(id) < named.count { named[Int(id)] = true }
        // The served requests of the second before, the same second and the second after: [lo, same),
        // [same, after) and [after, hi). The bounds only move forward, as the sensor records' seconds do.
        var lo = 0
        var same = 0
        var after = 0
        var hi = 0
        for p in sensed {
            let i = Int(p)
            let second = store.time[i] / 1_000_000
            while lo < servedSecond.count && servedSecond[lo] < second - 1 { lo += 1 }
            same = max(same, lo)
            while same < servedSecond.count && servedSecond[same] < second { same += 1 }
            after = max(after, same)
            while after < servedSecond.count && servedSecond[after] <= second { after += 1 }
            hi = max(hi, after)
            while hi < servedSecond.count && servedSecond[hi] <= second + 1 { hi += 1 }
            let key = UInt64(store.sourceIP[i]) << 32 | UInt64(store.path[i])
            // Preference: the same second, then the second before, then the one after; the last such line wins.
            // Each second's requests are searched from the last back, so the first line met is the one.
            let match = servedKey.withUnsafeBufferPointer { keys -> Int? in
                func last(in range: Range<Int>) -> Int? {
                    var k = range.upperBound
                    while k > range.lowerBound {
                        k -= 1
                        if keys[k] == key { return k }
                    }
                    return nil
                }
                return last(in: same..<after) ?? last(in: lo..<same) ?? last(in: after..<hi)
            }
            guard let match else { continue }
            sensorCopies.insert(i)
            let destination = Int(store.destinationIP[i])
            if destination != 0 && destination < named.count && !named[destination] {
                named[destination] = true
                if hostNames[UInt32(destination)] == nil {
                    hostNames[UInt32(destination)] = text(store.host[Int(servedIndex[match])])
                }
            }
        }
        return (hostNames, sensorCopies)
    }
}
