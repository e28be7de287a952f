import DwellCore

/// Address → id (index + 1 into the store's `addresses`): open addressing over a mix of the 128 bits, no
/// per-lookup hashing of the generic kind. The store maps each file chunk's address list through it (once per
/// distinct address), and a chunk numbers its non-IPv4 addresses with one while it fills (`ChunkAddressIndex`).
/// The table holds only ids; the addresses themselves are the owner's array.
struct AddressIndex: Sendable {
    var slots = [UInt32](repeating: 0, count: 1024)

    @inline(__always) static func hash(_ ip: IPAddress) -> Int {
        var h = (ip.high &* 0x9E37_79B9_7F4A_7C15) ^ ip.low
        h = (h ^ (h >> 31)) &* 0xFF51_AFD7_ED55_8CCD
        return Int(truncatingIfNeeded: h ^ (h >> 29))
    }

    /// The slot holding `ip`, or the empty slot where it would go.
    @inline(__always) func slot(of ip: IPAddress, in addresses: [IPAddress]) -> Int {
        let mask = slots.count - 1
        var slot = Self.hash(ip) & mask
        while true {
            let id = slots[slot]
            if id == 0 || addresses[Int(id) - 1] == ip { return slot }
            slot = (slot + 1) & mask
        }
    }

    func id(of ip: IPAddress, in addresses: [IPAddress]) -> UInt32? {
        let id = slots[slot(of: ip, in: addresses)]
        return id == 0 ? nil : id
    }

    /// The id of `ip`, appending it to `addresses` when new.
    mutating func id(of ip: IPAddress, addingTo addresses: inout [IPAddress]) -> UInt32 {
        let slot = slot(of: ip, in: addresses)
        if slots[slot] != 0 { return slots[slot] }
        addresses.append(ip)
        let id = UInt32(addresses.count)
        slots[slot] = id
        if addresses.count * 2 > slots.count { grow(addresses) }
        return id
    }

    mutating func grow(_ addresses: [IPAddress]) {
        let c = slots.count * 2
        var fresh = [UInt32](repeating: 0, count: c)
        for (i, ip) in addresses.enumerated() {
            var slot = Self.hash(ip) & (c - 1)
            while fresh[slot] != 0 { slot = (slot + 1) & (c - 1) }
            fresh[slot] = UInt32(i + 1)
        }
        slots = fresh
    }
}
