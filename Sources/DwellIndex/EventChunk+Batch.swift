import DwellCore

extension EventChunk {
    /// Appends `events` in order, column by column: the same chunk as `append(_:)` one event at a time, at a
    /// fraction of the cost (one array uniqueness and capacity check per column per batch instead of per event, and
    /// the batch's address lookups overlapped, `ChunkAddressIndex.ids`). For sinks that collect events in batches
    /// of some dozens to some hundreds (`StoreSink`).
    /// - Complexity: O(`events.count`); two temporary buffers of `events.count` words on the stack.
    public mutating func append(contentsOf events: UnsafeBufferPointer<Event>) {
        let n = events.count
        guard n > 0 else { return }
        Self.fill(&time, events) { $0.time.microseconds }
        fileID.append(events) { $0.source.fileID }
        Self.fill(&line, events) { UInt32(clamping: $0.source.line) }
        offset.append(events) { $0.source.offset }
        Self.fill(&kind, events) { $0.kind }
        Self.fill(&outcome, events) { $0.outcome }
        Self.fill(&format, events) { $0.format.rawValue }
        host.append(events) { $0.host.id }
        Self.fill(&timeSource, events) { $0.timeSource }
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: n) { source in
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: n) { destination in
                source.initialize(repeating: 0)
                destination.initialize(repeating: 0)
                addressIndex.ids(events, source: source, destination: destination, addingTo: &addresses)
                sourceIP.append(events) { _, k in (source[k], source[k] != 0) }
                destinationIP.append(events) { _, k in (destination[k], destination[k] != 0) }
            }
        }
        sourcePort.append(events) { e, _ in (e.sourcePort, e.hasSourcePort) }
        destinationPort.append(events) { e, _ in (e.destinationPort, e.hasDestinationPort) }
        user.append(events) { e, _ in (e.user.id, e.user.id != 0) }
        targetUser.append(events) { e, _ in (e.targetUser.id, e.targetUser.id != 0) }
        authMethod.append(events) { e, _ in (e.authMethod.id, e.authMethod.id != 0) }
        program.append(events) { e, _ in (e.program.id, e.program.id != 0) }
        pid.append(events) { e, _ in (e.pid, e.pid != -1) }
        command.append(events) { e, _ in (e.command.id, e.command.id != 0) }
        httpMethod.append(events) { e, _ in (e.httpMethod.id, e.httpMethod.id != 0) }
        path.append(events) { e, _ in (e.path.id, e.path.id != 0) }
        query.append(events) { e, _ in (e.query.id, e.query.id != 0) }
        httpStatus.append(events) { e, _ in
            let status = Int16(clamping: e.httpStatus)
            return (status, status != -1)
        }
        bytesOutLow.append(events) { e, _ in (UInt32(truncatingIfNeeded: e.bytesOut), e.bytesOut != -1) }
        bytesOutHigh.append(events) { e, _ in Self.high(e.bytesOut) }
        bytesInLow.append(events) { e, _ in (UInt32(truncatingIfNeeded: e.bytesIn), e.bytesIn != -1) }
        bytesInHigh.append(events) { e, _ in Self.high(e.bytesIn) }
        userAgent.append(events) { e, _ in (e.userAgent.id, e.userAgent.id != 0) }
        domain.append(events) { e, _ in (e.domain.id, e.domain.id != 0) }
        service.append(events) { e, _ in (e.service.id, e.service.id != 0) }
        signature.append(events) { e, _ in (e.signature.id, e.signature.id != 0) }
        severity.append(events) { e, _ in
            let level = Int8(clamping: e.severity)
            return (level, level != -1)
        }
        detail.append(events) { e, _ in (e.detail.id, e.detail.id != 0) }
        sessionID.append(events) { e, _ in (e.sessionID.id, e.sessionID.id != 0) }
        fileHash.append(events) { e, _ in (e.fileHash.id, e.fileHash.id != 0) }
        referer.append(events) { e, _ in (e.referer.id, e.referer.id != 0) }
        forwardedFor.append(events) { e, _ in (e.forwardedFor.id, e.forwardedFor.id != 0) }
        repeatCount.append(events) { e, _ in (e.repeatCount, e.repeatCount != 1) }
        locality.append(events) { e, _ in (e.locality, e.locality != 0) }
    }

    /// A byte count's high half as `append(_:low:high:)` stores it: present when the count is and the half is not 0.
    @inline(__always)
    static func high(_ value: Int64) -> (UInt32, Bool) {
        let h = UInt32(truncatingIfNeeded: UInt64(bitPattern: value) &>> 32)
        return (h, value != -1 && h != 0)
    }

    /// Appends one value per event to a dense column, written into a stack buffer first (one append of the batch).
    @inline(__always)
    static func fill<T>(
        _ column: inout [T], _ events: UnsafeBufferPointer<Event>, _ value: (borrowing Event) -> T
    ) {
        withUnsafeTemporaryAllocation(of: T.self, capacity: events.count) { b in
            for k in events.indices { b.initializeElement(at: k, to: value(events[k])) }
            column.append(contentsOf: UnsafeBufferPointer(b))
            _ = b.deinitialize()  // nothing to do for the plain values the columns hold
        }
    }
}

extension SparseColumnBuilder {
    /// Appends one value per event (`value` gives it and whether it is present, from the event and its index in
    /// the batch), as `append(_:present:)` one by one would: the present values go through a stack buffer.
    @inline(__always)
    mutating func append(_ events: UnsafeBufferPointer<Event>, _ value: (borrowing Event, Int) -> (Element, Bool)) {
        withUnsafeTemporaryAllocation(of: Element.self, capacity: events.count) { b in
            var kept = 0
            var bits = pending
            var n = length
            for k in events.indices {
                let (v, present) = value(events[k], k)
                if present {
                    bits |= UInt64(1) &<< UInt64(n & 63)
                    b.initializeElement(at: kept, to: v)
                    kept &+= 1
                }
                n &+= 1
                if n & 63 == 0 {
                    words.append(bits)
                    bits = 0
                }
            }
            pending = bits
            length = n
            if kept > 0 { stored.append(contentsOf: UnsafeBufferPointer(rebasing: b[0..<kept])) }
        }
    }
}

extension CodedColumn {
    /// Appends one value per event, as `append(_:)` one by one would.
    @inline(__always)
    mutating func append(_ events: UnsafeBufferPointer<Event>, _ value: (borrowing Event) -> UInt32) {
        var escapes = false
        withUnsafeTemporaryAllocation(of: UInt16.self, capacity: events.count) { b in
            for k in events.indices {
                let c = code(value(events[k]))
                escapes = escapes || c == Self.escape
                b.initializeElement(at: k, to: c)
            }
            if !escapes {
                codes.append(contentsOf: UnsafeBufferPointer(b))
                escaped.appendAbsent(events.count)
                return
            }
            for k in events.indices {
                codes.append(b[k])
                escaped.append(value(events[k]), present: b[k] == Self.escape)
            }
        }
    }
}

extension WideColumn {
    /// Appends one value per event, as `append(_:)` one by one would.
    @inline(__always)
    mutating func append(_ events: UnsafeBufferPointer<Event>, _ value: (borrowing Event) -> UInt64) {
        var wide = false
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: events.count) { b in
            for k in events.indices {
                let v = value(events[k])
                wide = wide || v > UInt64(UInt32.max)
                b.initializeElement(at: k, to: UInt32(truncatingIfNeeded: v))
            }
            if !wide {
                low.append(contentsOf: UnsafeBufferPointer(b))
                high.appendAbsent(events.count)
                return
            }
            for k in events.indices { append(value(events[k])) }
        }
    }
}
