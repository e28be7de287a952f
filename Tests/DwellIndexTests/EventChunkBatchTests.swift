import DwellCore
import Testing

@testable import DwellIndex

/// `EventChunk.append(contentsOf:)` (batches, column by column, address lookups overlapped) fills a chunk exactly
/// as `append(_:)` one event at a time does: every column, every presence bit, the same address ids.
@Suite struct EventChunkBatchTests {
    /// Events with every column the chunk fills, present or absent at random, with the edge cases of each column:
    /// thousands of distinct IPv4 addresses in random order (the address table grows several times), IPv6
    /// addresses, IPv4 addresses that equal an IPv6 one in their low 32 bits, offsets past 4 GiB, and (when
    /// `hosts` is large) more distinct hosts than a coded column has codes.
    static func events(count: Int, hosts: Int, seed: UInt64) -> [Event] {
        var r = ColumnTests.Random(x: seed)
        var symbols = SymbolTable()
        var out: [Event] = []
        for k in 0..<count {
            var e = Event(
                time: Timestamp(microseconds: 1_773_000_000_000_000 + Int64(r.below(86_400)) * 1_000_000),
                kind: [.flow, .webRequest, .authSuccess, .authFailure, .generic][r.below(5)])
            func maybe(_ percent: Int) -> Bool { r.below(100) < percent }
            let offset = maybe(10) ? UInt64(k) &* 9_000_000_000 : UInt64(k) * 700
            e.source = SourceRef(fileID: UInt32(r.below(3)), line: UInt64(k + 1), offset: offset)
            e.host = symbols.intern("host\(r.below(hosts))")
            e.format = FormatID(UInt16(r.below(5)))
            e.timeSource = maybe(50) ? .explicit : e.timeSource
            func address() -> IPAddress {
                switch r.below(10) {
                case 0: return IPAddress(high: 0x2001_0db8_0000_0000, low: UInt64(r.below(300)))
                case 1: return IPAddress(high: 0, low: UInt64(0x0A00_0000 | UInt32(r.below(40))))  // not IPv4-mapped
                case 2: return IPAddress(v4: 0)  // 0.0.0.0
                default: return IPAddress(v4: 0x0A00_0000 | UInt32(r.below(6_000)))
                }
            }
            if maybe(80) { e.sourceIP = address() }
            if maybe(60) { e.destinationIP = maybe(50) ? e.sourceIP : address() }
            if maybe(50) { e.setSourcePort([0, 1, 22, 65535][r.below(4)]) }
            if maybe(50) {
                e.destinationPort = [0, 443, 65535][r.below(3)]
                e.hasDestinationPort = true
            }
            if maybe(30) { e.user = symbols.intern("user\(r.below(50))") }
            if maybe(10) { e.targetUser = symbols.intern("root") }
            if maybe(10) { e.authMethod = symbols.intern("password") }
            if maybe(70) { e.program = symbols.intern("sshd") }
            if maybe(60) { e.pid = [0, 1, Int32.max, 4242][r.below(4)] }
            if maybe(5) { e.command = symbols.intern("id; uname -a") }
            if maybe(30) { e.httpMethod = symbols.intern("GET") }
            if maybe(30) { e.path = symbols.intern("/p/\(r.below(20))") }
            if maybe(10) { e.query = symbols.intern("q=\(r.below(20))") }
            if maybe(40) { e.httpStatus = [0, 200, 404, 599, 70_000][r.below(5)] }
            if maybe(50) { e.bytesOut = [0, 1, 4_294_967_296, 5_000_000_000, Int64.max, Int64.min][r.below(6)] }
            if maybe(40) { e.bytesIn = [0, 4_294_967_295, 1 << 40, -2][r.below(4)] }
            if maybe(10) { e.userAgent = symbols.intern("agent \(r.below(4))") }
            if maybe(5) { e.domain = symbols.intern("example.org") }
            if maybe(5) { e.service = symbols.intern("ssh") }
            if maybe(5) { e.signature = symbols.intern("ET SCAN") }
            if maybe(10) { e.severity = [0, 1, 3, 300][r.below(4)] }
            if maybe(5) { e.detail = symbols.intern("detail \(r.below(3))") }
            if maybe(5) { e.sessionID = symbols.intern("c\(r.below(9))") }
            if maybe(3) { e.fileHash = symbols.intern("abc") }
            if maybe(3) { e.referer = symbols.intern("http://x/") }
            if maybe(3) { e.forwardedFor = symbols.intern("198.51.100.7") }
            if maybe(10) { e.repeatCount = [0, 2, 1_000][r.below(3)] }
            if maybe(10) { e.locality = UInt8(1 + r.below(3)) }
            out.append(e)
        }
        return out
    }

    static func same<E>(_ a: SparseColumnBuilder<E>, _ b: SparseColumnBuilder<E>) -> Bool {
        a.words == b.words && a.pending == b.pending && a.stored == b.stored && a.length == b.length
    }

    /// The columns of two chunks that differ (empty: the same chunk).
    static func differences(_ a: EventChunk, _ b: EventChunk) -> [String] {
        var out: [String] = []
        func check(_ name: String, _ same: Bool) { if !same { out.append(name) } }
        check("time", a.time == b.time)
        check("fileID", Array(a.fileID) == Array(b.fileID) && a.fileID.codes == b.fileID.codes)
        check("line", a.line == b.line)
        check("offset", Array(a.offset) == Array(b.offset))
        check("kind", a.kind == b.kind)
        check("outcome", a.outcome == b.outcome)
        check("format", a.format == b.format)
        check("host", Array(a.host) == Array(b.host) && a.host.codes == b.host.codes)
        check("timeSource", a.timeSource == b.timeSource)
        check("addresses", a.addresses == b.addresses)
        check("sourceIP", same(a.sourceIP, b.sourceIP))
        check("destinationIP", same(a.destinationIP, b.destinationIP))
        check("sourcePort", same(a.sourcePort, b.sourcePort))
        check("destinationPort", same(a.destinationPort, b.destinationPort))
        check("user", same(a.user, b.user))
        check("targetUser", same(a.targetUser, b.targetUser))
        check("authMethod", same(a.authMethod, b.authMethod))
        check("program", same(a.program, b.program))
        check("pid", same(a.pid, b.pid))
        check("command", same(a.command, b.command))
        check("httpMethod", same(a.httpMethod, b.httpMethod))
        check("path", same(a.path, b.path))
        check("query", same(a.query, b.query))
        check("httpStatus", same(a.httpStatus, b.httpStatus))
        check("bytesOut", same(a.bytesOutLow, b.bytesOutLow) && same(a.bytesOutHigh, b.bytesOutHigh))
        check("bytesIn", same(a.bytesInLow, b.bytesInLow) && same(a.bytesInHigh, b.bytesInHigh))
        check("userAgent", same(a.userAgent, b.userAgent))
        check("domain", same(a.domain, b.domain))
        check("service", same(a.service, b.service))
        check("signature", same(a.signature, b.signature))
        check("severity", same(a.severity, b.severity))
        check("detail", same(a.detail, b.detail))
        check("sessionID", same(a.sessionID, b.sessionID))
        check("fileHash", same(a.fileHash, b.fileHash))
        check("referer", same(a.referer, b.referer))
        check("forwardedFor", same(a.forwardedFor, b.forwardedFor))
        check("repeatCount", same(a.repeatCount, b.repeatCount))
        check("locality", same(a.locality, b.locality))
        return out
    }

    @Test(arguments: [
        (count: 5_000, hosts: 3, batch: 128), (count: 5_000, hosts: 3, batch: 1), (count: 5_000, hosts: 3, batch: 0),
        (count: 100_000, hosts: 1_000_000, batch: 128), (count: 300, hosts: 2, batch: 1_000),
    ])
    func batchesFillTheSameChunkAsSingleEvents(count: Int, hosts: Int, batch: Int) {
        let events = Self.events(count: count, hosts: hosts, seed: UInt64(count + hosts + batch))
        var one = EventChunk()
        for e in events { one.append(e) }
        // batch 0: batches of random sizes, 1 to 300 events.
        var r = ColumnTests.Random(x: 7)
        var batched = EventChunk()
        var start = 0
        while start < events.count {
            let n = min(batch == 0 ? 1 + r.below(300) : batch, events.count - start)
            events[start..<(start + n)].withUnsafeBufferPointer { batched.append(contentsOf: $0) }
            start += n
        }
        batched.append(contentsOf: UnsafeBufferPointer(start: nil, count: 0))
        #expect(batched.count == events.count)
        #expect(Self.differences(one, batched) == [])
        // Each address got the id of its first sighting, and every IPv4 address went through the IPv4 table.
        #expect(Set(one.addresses).count == one.addresses.count)
        #expect(one.addresses.count > 6_000 || count < 10_000)
        #expect(batched.addressIndex.v4Count == one.addresses.filter(\.isV4).count)
        if hosts > 65_535 { #expect(one.host.escaped.presentCount > 0) }
    }

    /// An IPv4 address and an IPv6 address with the same low 32 bits, and 0.0.0.0, get ids of their own.
    @Test func addressesThatShareTheirLowBitsGetTheirOwnIDs() {
        var index = ChunkAddressIndex()
        var addresses: [IPAddress] = []
        let v4 = IPAddress(v4: 0xC000_0201)
        let v6 = IPAddress(high: 0x2001_0db8_0000_0000, low: 0xC000_0201)
        let unmapped = IPAddress(high: 0, low: 0xC000_0201)
        let zero = IPAddress(v4: 0)
        let ids = [v4, v6, unmapped, zero, v4, v6, unmapped, zero].map { index.id(of: $0, addingTo: &addresses) }
        #expect(ids == [1, 2, 3, 4, 1, 2, 3, 4])
        #expect(addresses == [v4, v6, unmapped, zero])
        #expect(index.id(of: .none, source: true, addingTo: &addresses) == 0)
    }
}
