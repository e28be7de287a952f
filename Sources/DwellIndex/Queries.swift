import DwellCore

/// Queries over the store for pivots, timelines and histograms. They read only the store's public columns,
/// postings and bucket directory, so they answer the same over the store in memory and over a case's store
/// mapped in place (`EventColumns`).
extension EventColumns {
    /// Every indicator an event carries, in a fixed order (source then destination address, user, target user,
    /// host, path, user agent, domain, hash, command), without repeats.
    /// - Complexity: O(1).
    public func indicators(of i: Int) -> [IndicatorKey<UInt32>] {
        var out: [IndicatorKey<UInt32>] = []
        out.reserveCapacity(6)
        func add(_ type: IndicatorType, _ v: UInt32) {
            if v != 0, !out.contains(IndicatorKey(type, v)) { out.append(IndicatorKey(type, v)) }
        }
        add(.ip, sourceIP[i])
        add(.ip, destinationIP[i])
        add(.user, user[i])
        add(.user, targetUser[i])
        add(.host, host[i])
        add(.path, path[i])
        add(.userAgent, userAgent[i])
        add(.domain, domain[i])
        add(.hash, fileHash[i])
        add(.command, command[i])
        return out
    }

    /// Positions of events in `[from, to)` for any bounds (`distantPast`/`distantFuture` included): the bounds are
    /// clamped to the stored times first, so the bucket arithmetic cannot overflow. - Complexity: O(log n).
    public func events(from: Timestamp, to: Timestamp) -> Range<Int> {
        guard let bounds = timeBounds, from < to else { return 0..<0 }
        let (first, last) = (bounds.first, bounds.last)
        let a = max(from.microseconds, first)
        let b = min(to.microseconds, last == Int64.max ? last : last + 1)
        guard a < b else { return 0..<0 }
        return range(from: Timestamp(microseconds: a), to: Timestamp(microseconds: b))
    }

    /// The index of the first of `positions` (event positions in time order) whose event is at or after `t`
    /// (`positions.endIndex` if none), for both stores. - Complexity: O(log p).
    @inlinable public func firstPosition<C: RandomAccessCollection>(in positions: C, atOrAfter t: Int64) -> C.Index
    where C.Element: BinaryInteger {
        var lo = positions.startIndex
        var n = positions.count
        while n > 0 {
            let half = n / 2
            let mid = positions.index(lo, offsetBy: half)
            if time[Int(positions[mid])] < t {
                lo = positions.index(after: mid)
                n -= half + 1
            } else {
                n = half
            }
        }
        return lo
    }
}

extension EventStore {
    /// Positions of an indicator's events in `[from, to)`, by binary search in its postings.
    /// - Complexity: O(log p) to find the bounds, p = the indicator's event count.
    public func positions(_ key: IndicatorKey<UInt32>, from: Timestamp, to: Timestamp) -> ArraySlice<Int32> {
        let p = positions(key)
        let a = firstPosition(in: p, atOrAfter: from.microseconds)
        return p[a..<max(a, firstPosition(in: p, atOrAfter: to.microseconds))]
    }
}

extension EventColumns {
    /// Keys of an indicator type whose text equals `text`, or (with `substring`) contains it, ignoring ASCII
    /// case. Only values that occur as that type are returned, sorted by key.
    /// - Complexity: O(1) for an exact match of an address or symbol; O(symbols · length) for a substring.
    public func keys(_ type: IndicatorType, matching text: String, substring: Bool) -> [IndicatorKey<UInt32>] {
        if let k = key(type, text), !positions(k).isEmpty { return [k] }
        guard substring, type != .ip, !text.isEmpty else { return [] }
        let needle = Array(text.utf8.map(Self.lowerASCII))
        var out: [IndicatorKey<UInt32>] = []
        for id in 1..<UInt32(max(symbolCount, 1)) where !positions(IndicatorKey(type, id)).isEmpty {
            let found = withSymbolBytes(id) { hay -> Bool in
                guard hay.count >= needle.count else { return false }
                for start in 0...(hay.count - needle.count) {
                    var k = 0
                    while k < needle.count && Self.lowerASCII(hay[start + k]) == needle[k] { k += 1 }
                    if k == needle.count { return true }
                }
                return false
            }
            if found { out.append(IndicatorKey(type, id)) }
        }
        return out
    }

    @inline(__always) static func lowerASCII(_ b: UInt8) -> UInt8 { b >= 65 && b <= 90 ? b + 32 : b }

    /// The sorted union of several indicators' positions (events counted once).
    /// - Complexity: O(p log k) for k indicators with p positions in all.
    public func positions(anyOf keys: [IndicatorKey<UInt32>]) -> [Int32] {
        if keys.count == 1, let k = keys.first { return positions(k) }
        var all: [Int32] = []
        for k in keys { all += positions(k) }
        all.sort()
        var out: [Int32] = []
        out.reserveCapacity(all.count)
        for p in all where out.last != p { out.append(p) }
        return out
    }

    /// Counts per host and per event kind over a list of positions (a pivot's breakdown).
    /// - Complexity: O(p).
    public func breakdown<S: Sequence>(_ positions: S) -> (byHost: [UInt32: Int], byKind: [EventKind: Int])
    where S.Element == Int32 {
        var byHost: [UInt32: Int] = [:]
        var byKind: [EventKind: Int] = [:]
        for p in positions {
            byHost[host[Int(p)], default: 0] += 1
            byKind[kind[Int(p)], default: 0] += 1
        }
        return (byHost, byKind)
    }

}

extension EventStore {
    /// The same breakdown over a posting list (the pivot's case), without hashing per event for kinds and with
    /// one table sized for the hosts. - Complexity: O(p).
    public func breakdown(_ positions: ArraySlice<Int32>) -> (byHost: [UInt32: Int], byKind: [EventKind: Int]) {
        var kinds = [Int](repeating: 0, count: 256)
        var hosts: [UInt32: Int] = [:]
        var lastHost: UInt32 = 0
        var lastCode = CodedColumn.escape
        var run = 0
        let table = host.table
        host.codes.withUnsafeBufferPointer { hc in
            kind.withUnsafeBufferPointer { k in
                positions.withUnsafeBufferPointer { ps in
                    for p in ps {
                        // Positions index the store's events, and both columns hold one entry per event.
                        let i = Int(p)
                        kinds[Int(k[i].rawValue)] += 1
                        // Events of one indicator come in runs from the same host: count runs, not events, and
                        // compare the hosts' 16-bit codes (an escaped code is compared by value).
                        let c = hc[i]
                        if c == lastCode && c != CodedColumn.escape {
                            run += 1
                            continue
                        }
                        let h = c == CodedColumn.escape ? host.escaped[i] : table[Int(c)]
                        lastCode = c
                        if h == lastHost {
                            run += 1
                        } else {
                            if run > 0 { hosts[lastHost, default: 0] += run }
                            lastHost = h
                            run = 1
                        }
                    }
                }
            }
        }
        if run > 0 { hosts[lastHost, default: 0] += run }
        var byKind: [EventKind: Int] = [:]
        for (raw, n) in kinds.enumerated() where n > 0 {
            if let k = EventKind(rawValue: UInt8(raw)) { byKind[k] = n }
        }
        return (hosts, byKind)
    }

    /// One indicator seen together with another: how often, and when first and last (positions).
    public struct CoOccurrence: Sendable, Equatable {
        public var key: IndicatorKey<UInt32>
        public var count: Int
        public var first: Int
        public var last: Int
    }

}

extension EventColumns {
    /// Indicators that occur in the same events as `positions`, most frequent first (ties by key), leaving out
    /// `excluding`. - Complexity: O(p log p).
    public func related<S: Sequence>(_ positions: S, excluding: Set<IndicatorKey<UInt32>>) -> [EventStore.CoOccurrence]
    where S.Element == Int32 {
        typealias CoOccurrence = EventStore.CoOccurrence
        var seen: [IndicatorKey<UInt32>: CoOccurrence] = [:]
        for p in positions {
            let i = Int(p)
            for k in indicators(of: i) where !excluding.contains(k) {
                if var c = seen[k] {
                    c.count += 1
                    c.last = i
                    seen[k] = c
                } else {
                    seen[k] = CoOccurrence(key: k, count: 1, first: i, last: i)
                }
            }
        }
        return seen.values.sorted { $0.count != $1.count ? $0.count > $1.count : $0.key < $1.key }
    }

}

extension EventStore {
    /// Event counts per kind in `[from, to)`: whole buckets from the bucket counts, the two edge buckets by scan.
    /// - Complexity: O(log n + buckets in range · kinds + events in the two edge buckets).
    public func kindCounts(from: Timestamp, to: Timestamp) -> [EventKind: Int] {
        var out: [EventKind: Int] = [:]
        let r = events(from: from, to: to)
        guard !r.isEmpty, let firstTime = time.first, let lastTime = time.last else { return out }
        let from = Timestamp(microseconds: max(from.microseconds, firstTime))
        let to = Timestamp(microseconds: min(to.microseconds, lastTime + 1))
        let b = buckets
        let size = b.bucketMicros
        // Buckets entirely inside [from, to).
        let firstFull = Int((from.microseconds - b.originMicros + size - 1) / size)
        let endFull = Int((to.microseconds - b.originMicros) / size)  // exclusive
        let lo = max(firstFull, 0)
        let hi = min(endFull, b.bucketCount)
        if lo < hi {
            for bucket in lo..<hi {
                for kind in EventKind.allCases {
                    let c = b.counts[bucket * TimeBucketDirectory.kinds + Int(kind.rawValue)]
                    if c > 0 { out[kind, default: 0] += Int(c) }
                }
            }
            let fullStart = Int(b.starts[lo])
            let fullEnd = Int(b.starts[hi])
            for i in r.lowerBound..<max(r.lowerBound, min(fullStart, r.upperBound)) { out[kind[i], default: 0] += 1 }
            for i in max(fullEnd, r.lowerBound)..<r.upperBound { out[kind[i], default: 0] += 1 }
        } else {
            for i in r { out[kind[i], default: 0] += 1 }
        }
        return out
    }

    /// An activity histogram of one kind: (bucket start, count) for the buckets that overlap `[from, to)`,
    /// from the bucket counts without scanning events (edge buckets count whole).
    /// - Complexity: O(buckets in range).
    public func histogram(_ kind: EventKind, from: Timestamp, to: Timestamp) -> [(start: Timestamp, count: Int)] {
        let b = buckets
        guard b.bucketCount > 0, from < to, let firstTime = time.first, let lastTime = time.last else { return [] }
        let from = Timestamp(microseconds: max(from.microseconds, firstTime))
        let to = Timestamp(microseconds: min(to.microseconds, lastTime + 1))
        guard from < to else { return [] }
        let size = b.bucketMicros
        let lo = max(Int((max(from.microseconds, b.originMicros) - b.originMicros) / size), 0)
        let hi = min(Int((to.microseconds - 1 - b.originMicros) / size) + 1, b.bucketCount)
        guard lo < hi, to.microseconds > b.originMicros else { return [] }
        return (lo..<hi).map { bucket in
            (
                Timestamp(microseconds: b.originMicros + Int64(bucket) * size),
                Int(b.counts[bucket * TimeBucketDirectory.kinds + Int(kind.rawValue)])
            )
        }
    }

    /// Whether event `a` comes before event `b` in the store's order: time, then file, then line.
    public func precedes(_ a: Int, _ b: Int) -> Bool {
        (time[a], fileID[a], line[a]) < (time[b], fileID[b], line[b])
    }

}

extension EventColumns {
    /// A one-line description of an event's fields (`auth_success success user=root src=10.0.0.5 ...`).
    /// Values are attacker-controlled text: escape them for the output they go to.
    public func summary(_ i: Int) -> String {
        var parts: [String] = [kind[i].name]
        if outcome[i] != .unknown, let o = outcome[i].name { parts.append(o) }
        if user[i] != 0 { parts.append("user=\(string(user[i]))") }
        if targetUser[i] != 0 { parts.append("target=\(string(targetUser[i]))") }
        if sourceIP[i] != 0 { parts.append("src=\(address(sourceIP[i])?.description ?? "")") }
        if destinationIP[i] != 0 {
            parts.append("dst=\(address(destinationIP[i])?.description ?? ""):\(destinationPort[i])")
        }
        if httpMethod[i] != 0 { parts.append(string(httpMethod[i])) }
        if path[i] != 0 { parts.append(string(path[i]) + (query[i] != 0 ? "?" + string(query[i]) : "")) }
        if httpStatus[i] >= 0 { parts.append("status=\(httpStatus[i])") }
        if command[i] != 0 { parts.append("command=\(string(command[i]))") }
        if bytesOut[i] >= 0 && kind[i] == .flow { parts.append("bytes_out=\(bytesOut[i])") }
        return parts.joined(separator: " ")
    }
}
