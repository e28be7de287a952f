import CJournalCodecs
import DwellCore

/// Numbers a chunk's addresses while it is filled (id = index + 1 into the chunk's `addresses`, in order of first
/// sight), for `EventChunk`. Built and dropped with the chunk: the store builds its own `AddressIndex` when it takes
/// the chunk, so this table's layout is the chunk's business only.
///
/// IPv4 addresses, nearly all of them in logs, live in a table of 8-byte slots that holds the address itself beside
/// its id (`v4 << 32 | id`, 0 empty): a lookup touches one slot, where `AddressIndex` touches its slot and then the
/// address in `addresses` to compare it, two dependent cache misses when a file has tens of thousands of addresses
/// in random order (the `Journal` benchmark's corpus: 66 527). Batches (`ids(_:source:destination:)`) ask for
/// every slot they will read before reading any, so those misses overlap. Other addresses go to an `AddressIndex`.
/// - Complexity: O(1) expected per lookup; 8 bytes per slot, at most 3/4 full.
struct ChunkAddressIndex: Sendable {
    var v4Slots = [UInt64](repeating: 0, count: 1024)
    var v4Count = 0
    var shift: UInt64 = 54  // 64 - log2(v4Slots.count)
    var others = AddressIndex()
    /// The last source and destination address looked up, with their ids: a file's lines often repeat them (a
    /// server's own address, one client's burst of requests). The store's `AddressIndex` needs no such memory: it
    /// maps whole chunks' address lists, each address once.
    var recentSource: (ip: IPAddress, id: UInt32) = (.none, 0)
    var recentDestination: (ip: IPAddress, id: UInt32) = (.none, 0)

    @inline(__always) func v4Slot(_ v: UInt32) -> Int {
        Int(truncatingIfNeeded: (UInt64(v) &* 0x9E37_79B9_7F4A_7C15) &>> shift)
    }

    /// The id of `ip` (0 for none), remembering the last source or destination address.
    @inline(__always)
    mutating func id(of ip: IPAddress, source: Bool, addingTo addresses: inout [IPAddress]) -> UInt32 {
        if ip.isNone { return 0 }
        let recent = source ? recentSource : recentDestination
        if recent.ip == ip { return recent.id }
        let id = id(of: ip, addingTo: &addresses)
        if source { recentSource = (ip, id) } else { recentDestination = (ip, id) }
        return id
    }

    /// The id of `ip` (not none), appending it to `addresses` when new.
    mutating func id(of ip: IPAddress, addingTo addresses: inout [IPAddress]) -> UInt32 {
        guard ip.isV4 else { return others.id(of: ip, addingTo: &addresses) }
        let v = ip.v4Value
        let key = UInt64(v) &<< 32
        let mask = v4Slots.count - 1
        var i = v4Slot(v)
        while true {
            let s = v4Slots[i]
            if s == 0 { break }
            if s & 0xffff_ffff_0000_0000 == key { return UInt32(truncatingIfNeeded: s) }
            i = (i + 1) & mask
        }
        addresses.append(ip)
        let id = UInt32(truncatingIfNeeded: addresses.count)
        v4Slots[i] = key | UInt64(id)
        v4Count += 1
        if v4Count * 4 > v4Slots.count * 3 { growV4() }
        return id
    }

    mutating func growV4() {
        let c = v4Slots.count * 2
        shift -= 1
        var fresh = [UInt64](repeating: 0, count: c)
        for s in v4Slots where s != 0 {
            var i = v4Slot(UInt32(truncatingIfNeeded: s &>> 32))
            while fresh[i] != 0 { i = (i + 1) & (c - 1) }
            fresh[i] = s
        }
        v4Slots = fresh
    }

    /// The source and destination ids of `events`, in order, as `id(of:source:addingTo:)` would give them one
    /// event at a time (source first): the same ids, in the same order of first sight.
    mutating func ids(
        _ events: UnsafeBufferPointer<Event>, source: UnsafeMutableBufferPointer<UInt32>,
        destination: UnsafeMutableBufferPointer<UInt32>, addingTo addresses: inout [IPAddress]
    ) {
        // Ask for every IPv4 slot first (a hint: a slot moved by growth later is simply read again).
        v4Slots.withUnsafeBufferPointer { slots in
            guard let base = slots.baseAddress else { return }
            for e in events {
                if e.sourceIP.isV4 { cjournal_prefetch(base + v4Slot(e.sourceIP.v4Value)) }
                if e.destinationIP.isV4 { cjournal_prefetch(base + v4Slot(e.destinationIP.v4Value)) }
            }
        }
        for k in events.indices {
            source[k] = id(of: events[k].sourceIP, source: true, addingTo: &addresses)
            destination[k] = id(of: events[k].destinationIP, source: false, addingTo: &addresses)
        }
    }
}
