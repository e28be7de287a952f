import DwellCore

/// One file's events as columns, filled by a sink while the file is read (about half the memory of `[Event]`),
/// then added to the store with `EventStore.Builder.add(chunk:symbols:)`. Symbol ids are the file's own table's;
/// addresses are numbered in the chunk's own list.
///
/// The columns most events lack are filled through `SparseColumnBuilder`s: the presence bits of the current 64
/// events stay in one word until it is full, so a present value costs one append (a `SparseColumn` would also
/// read, modify and write its last word, with the array's uniqueness check, for every value).
public struct EventChunk: Sendable {
    var time: [Int64] = []
    var fileID = CodedColumn()
    var line: [UInt32] = []
    var offset = WideColumn()
    var kind: [EventKind] = []
    var outcome: [Outcome] = []
    var format: [UInt16] = []
    var host = CodedColumn()
    var timeSource: [TimeSource] = []
    var addresses: [IPAddress] = []
    var addressIndex = ChunkAddressIndex()
    var sourceIP = SparseColumnBuilder<UInt32>()
    var destinationIP = SparseColumnBuilder<UInt32>()
    var sourcePort = SparseColumnBuilder<UInt16>()
    var destinationPort = SparseColumnBuilder<UInt16>()
    var user = SparseColumnBuilder<UInt32>()
    var targetUser = SparseColumnBuilder<UInt32>()
    var authMethod = SparseColumnBuilder<UInt32>()
    var program = SparseColumnBuilder<UInt32>()
    var pid = SparseColumnBuilder<Int32>()
    var command = SparseColumnBuilder<UInt32>()
    var httpMethod = SparseColumnBuilder<UInt32>()
    var path = SparseColumnBuilder<UInt32>()
    var query = SparseColumnBuilder<UInt32>()
    var httpStatus = SparseColumnBuilder<Int16>()
    var bytesOutLow = SparseColumnBuilder<UInt32>()
    var bytesOutHigh = SparseColumnBuilder<UInt32>()
    var bytesInLow = SparseColumnBuilder<UInt32>()
    var bytesInHigh = SparseColumnBuilder<UInt32>()
    var userAgent = SparseColumnBuilder<UInt32>()
    var domain = SparseColumnBuilder<UInt32>()
    var service = SparseColumnBuilder<UInt32>()
    var signature = SparseColumnBuilder<UInt32>()
    var severity = SparseColumnBuilder<Int8>()
    var detail = SparseColumnBuilder<UInt32>()
    var sessionID = SparseColumnBuilder<UInt32>()
    var fileHash = SparseColumnBuilder<UInt32>()
    var referer = SparseColumnBuilder<UInt32>()
    var forwardedFor = SparseColumnBuilder<UInt32>()
    var repeatCount = SparseColumnBuilder<Int32>()
    var locality = SparseColumnBuilder<UInt8>()

    public init() {}

    public var count: Int { time.count }

    /// Room for `events` more events (a journal's header counts its entries), so that no column grows by copying
    /// while the file is read: growing by doubling copied every column and faulted in twice its pages (#19, 7% of
    /// a 1 M-entry journal's ingest). Sparse columns reserve their presence bits and a value per event, as the
    /// store's own reservation does, since capacity that is never written is never resident.
    public mutating func reserve(events: Int) {
        guard events > 0 else { return }
        let n = count + events
        time.reserveCapacity(n)
        fileID.reserveCapacity(n)
        line.reserveCapacity(n)
        offset.reserveCapacity(n)
        kind.reserveCapacity(n)
        outcome.reserveCapacity(n)
        format.reserveCapacity(n)
        host.reserveCapacity(n)
        timeSource.reserveCapacity(n)
        sourceIP.reserve(n)
        destinationIP.reserve(n)
        sourcePort.reserve(n)
        destinationPort.reserve(n)
        user.reserve(n)
        targetUser.reserve(n)
        authMethod.reserve(n)
        program.reserve(n)
        pid.reserve(n)
        command.reserve(n)
        httpMethod.reserve(n)
        path.reserve(n)
        query.reserve(n)
        httpStatus.reserve(n)
        bytesOutLow.reserve(n)
        bytesOutHigh.reserve(n)
        bytesInLow.reserve(n)
        bytesInHigh.reserve(n)
        userAgent.reserve(n)
        domain.reserve(n)
        service.reserve(n)
        signature.reserve(n)
        severity.reserve(n)
        detail.reserve(n)
        sessionID.reserve(n)
        fileHash.reserve(n)
        referer.reserve(n)
        forwardedFor.reserve(n)
        repeatCount.reserve(n)
        locality.reserve(n)
    }

    public mutating func append(_ e: Event) {
        time.append(e.time.microseconds)
        fileID.append(e.source.fileID)
        line.append(UInt32(clamping: e.source.line))
        offset.append(e.source.offset)
        kind.append(e.kind)
        outcome.append(e.outcome)
        format.append(e.format.rawValue)
        host.append(e.host.id)
        timeSource.append(e.timeSource)
        let source = addressIndex.id(of: e.sourceIP, source: true, addingTo: &addresses)
        sourceIP.append(source, present: source != 0)
        let destination = addressIndex.id(of: e.destinationIP, source: false, addingTo: &addresses)
        destinationIP.append(destination, present: destination != 0)
        sourcePort.append(e.sourcePort, present: e.hasSourcePort)
        destinationPort.append(e.destinationPort, present: e.hasDestinationPort)
        user.append(e.user)
        targetUser.append(e.targetUser)
        authMethod.append(e.authMethod)
        program.append(e.program)
        pid.append(e.pid, present: e.pid != -1)
        command.append(e.command)
        httpMethod.append(e.httpMethod)
        path.append(e.path)
        query.append(e.query)
        let status = Int16(clamping: e.httpStatus)
        httpStatus.append(status, present: status != -1)
        Self.append(e.bytesOut, low: &bytesOutLow, high: &bytesOutHigh)
        Self.append(e.bytesIn, low: &bytesInLow, high: &bytesInHigh)
        userAgent.append(e.userAgent)
        domain.append(e.domain)
        service.append(e.service)
        signature.append(e.signature)
        let level = Int8(clamping: e.severity)
        severity.append(level, present: level != -1)
        detail.append(e.detail)
        sessionID.append(e.sessionID)
        fileHash.append(e.fileHash)
        referer.append(e.referer)
        forwardedFor.append(e.forwardedFor)
        repeatCount.append(e.repeatCount, present: e.repeatCount != 1)
        locality.append(e.locality, present: e.locality != 0)
    }

    /// A byte count (-1: none) as `SparseInt64Column` holds it: the low half when present, the high half when
    /// present and not zero.
    @inline(__always)
    static func append(
        _ value: Int64, low: inout SparseColumnBuilder<UInt32>, high: inout SparseColumnBuilder<UInt32>
    ) {
        let bits = UInt64(bitPattern: value)
        let present = value != -1
        low.append(UInt32(truncatingIfNeeded: bits), present: present)
        let h = UInt32(truncatingIfNeeded: bits &>> 32)
        high.append(h, present: present && h != 0)
    }

    /// The chunk as an (unsorted, unindexed) store of its own, for `EventStore.appendChunk`.
    consuming func sealed() -> EventStore {
        var s = EventStore()
        s.unsortedTime = time
        s.fileID = fileID
        s.line = line
        s.offset = offset
        s.kind = kind
        s.outcome = outcome
        s.format = format
        s.host = host
        s.timeSource = timeSource
        s.addresses = addresses
        s.sourceIP = sourceIP.column(absent: 0)
        s.destinationIP = destinationIP.column(absent: 0)
        s.sourcePort = sourcePort.column(absent: 0)
        s.destinationPort = destinationPort.column(absent: 0)
        s.user = user.column(absent: 0)
        s.targetUser = targetUser.column(absent: 0)
        s.authMethod = authMethod.column(absent: 0)
        s.program = program.column(absent: 0)
        s.pid = pid.column(absent: -1)
        s.command = command.column(absent: 0)
        s.httpMethod = httpMethod.column(absent: 0)
        s.path = path.column(absent: 0)
        s.query = query.column(absent: 0)
        s.httpStatus = httpStatus.column(absent: -1)
        s.bytesOut = SparseInt64Column(
            absent: -1, low: bytesOutLow.column(absent: 0), high: bytesOutHigh.column(absent: 0))
        s.bytesIn = SparseInt64Column(absent: -1, low: bytesInLow.column(absent: 0), high: bytesInHigh.column(absent: 0))
        s.userAgent = userAgent.column(absent: 0)
        s.domain = domain.column(absent: 0)
        s.service = service.column(absent: 0)
        s.signature = signature.column(absent: 0)
        s.severity = severity.column(absent: -1)
        s.detail = detail.column(absent: 0)
        s.sessionID = sessionID.column(absent: 0)
        s.fileHash = fileHash.column(absent: 0)
        s.referer = referer.column(absent: 0)
        s.forwardedFor = forwardedFor.column(absent: 0)
        s.repeatCount = repeatCount.column(absent: 1)
        s.locality = locality.column(absent: 0)
        return s
    }
}

/// A `SparseColumn` being filled one event at a time: the presence bits of the current 64 events are kept in
/// `pending` and written once the word is full; ranks are computed once, by `column(absent:)`.
struct SparseColumnBuilder<Element: BitwiseCopyable & Equatable & Sendable>: Sendable {
    var words: [UInt64] = []
    var pending: UInt64 = 0
    var stored: [Element] = []
    var length = 0

    @inline(__always) mutating func append(_ value: Element, present: Bool) {
        if present {
            pending |= UInt64(1) &<< UInt64(length & 63)
            stored.append(value)
        }
        length &+= 1
        if length & 63 == 0 {
            words.append(pending)
            pending = 0
        }
    }

    /// Room for `n` events in all: their presence bits and a value each.
    mutating func reserve(_ n: Int) {
        words.reserveCapacity((n + 63) >> 6)
        stored.reserveCapacity(n)
    }

    func column(absent: Element) -> SparseColumn<Element> {
        var c = SparseColumn(absent: absent)
        c.words = words
        if length & 63 != 0 { c.words.append(pending) }
        c.ranks = [UInt32](repeating: 0, count: c.words.count)
        var rank = 0
        for w in c.words.indices {
            c.ranks[w] = UInt32(truncatingIfNeeded: rank)
            rank += c.words[w].nonzeroBitCount
        }
        c.stored = stored
        c.length = length
        return c
    }
}

extension SparseColumnBuilder<UInt32> {
    /// A symbol's id, present unless it is 0 (none).
    @inline(__always) mutating func append(_ symbol: Symbol) { append(symbol.id, present: symbol.id != 0) }
}
