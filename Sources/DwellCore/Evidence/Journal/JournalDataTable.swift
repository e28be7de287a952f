import CJournalCodecs

#if canImport(Glibc)
    import Glibc
#endif

/// The DATA objects of one journal file that the reader has already checked and that several entries cite, by
/// their byte offset: a flat open-addressing table (linear probing, power-of-two capacity, 16-byte slots).
///
/// An entry cites each of its fields by the offset of a DATA object, and most fields of most entries are objects
/// that many entries share (`_HOSTNAME`, `_UID`, a unit, a pid). Reading a shared object again means a cache and
/// TLB miss anywhere in the file (the pids: 116 000 objects in the benchmark's 675 MB file, reached in random
/// order). A slot keeps what the reader learnt from the object the first time: its payload's length, which field
/// it is (`JournalField`, or none) and, for a known field whose value is at most 6 bytes (a pid, a uid), the value
/// itself. A later citation of the same offset is served from the slot without touching the object.
///
/// Only objects that were read and found sound are stored (type DATA, inside the file, uncompressed): a damaged
/// object is never in the table, so every citation of it reads it again and is counted as damage, as before; nor is
/// an object past 4 GiB (offsets are kept in 32 bits; files read whole are at most 2 GiB by default). The
/// file is mapped read-only or held in memory, so the object at an offset cannot change while the table lives.
/// Objects cited by one entry only (a message, a timestamp: the DATA object's `n_entries` says so) are not
/// stored. The table grows (doubling, rehashed) only between entries, when it is half full, up to a capacity
/// sized to the file; once there it stops taking objects (the others are read from the file as before).
/// - Complexity: O(1) expected per lookup and insertion; memory 16 bytes per slot, at most `maxCapacity` slots.
struct JournalDataTable {
    /// One checked DATA object. `offset` 0 marks an empty slot (no object lies at 0: the header does).
    struct Slot {
        var offset: UInt32 = 0
        /// Bytes of the payload (`NAME=value`), which starts at the object's offset + 64 (72 compact).
        var payloadBytes: UInt32 = 0
        /// `JournalField.rawValue`, or `JournalDataTable.otherField`.
        var field: UInt8 = 0
        /// Bytes of `value` in use, or `JournalDataTable.notInline` when the value is not kept here.
        var valueBytes: UInt8 = 0
        /// The value (after `NAME=`) of a known field, when it is at most 6 bytes.
        var value: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0)
    }

    static let otherField: UInt8 = 0xff
    /// Where `Slot.value` lies in a slot (a test checks it against `MemoryLayout`).
    @inline(__always) static var valueOffset: Int { 10 }
    static let notInline: UInt8 = 0xff
    static let inlineValueBytes = 6
    static let initialCapacity = 1 << 12

    private(set) var slots: UnsafeMutablePointer<Slot>
    private(set) var capacity: Int
    private(set) var count = 0
    /// The largest offset stored: an object past it is not in the table, which `find` then answers without
    /// touching a slot. In a journal the objects an entry cites first were written just before it, past
    /// every object stored for the entries before, so an entry's new objects (its message, its timestamps) cost
    /// no probe of a random slot.
    private(set) var largestOffset: UInt64 = 0
    /// The table never grows beyond this many slots (a power of two).
    let maxCapacity: Int
    private var shift: UInt64
    /// Bytes allocated with `mmap` (0: allocated with `allocate`).
    private var mappedBytes: Int

    /// A table for a file of `fileBytes` bytes: it may grow to one slot per 64 bytes of file (a DATA object takes
    /// at least 64), at most 2^22 slots (64 MiB).
    init(fileBytes: Int, initialCapacity: Int = Self.initialCapacity) {
        var cap = Self.initialCapacity
        while cap < (1 << 22), cap < fileBytes / 64 { cap <<= 1 }
        maxCapacity = cap
        capacity = min(max(Self.roundedUp(initialCapacity), 16), max(cap, 16))
        (slots, mappedBytes) = Self.allocate(capacity)
        shift = UInt64(64 - capacity.trailingZeroBitCount)
    }

    static func roundedUp(_ n: Int) -> Int {
        var c = 1
        while c < n { c <<= 1 }
        return c
    }

    /// Zeroed slots. Tables of 2 MiB or more are mapped with transparent huge pages asked for, so that random
    /// lookups do not also miss the TLB.
    static func allocate(_ n: Int) -> (UnsafeMutablePointer<Slot>, Int) {
        let bytes = n * MemoryLayout<Slot>.stride
        if bytes >= 2 << 20 {
            let p = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
            if let p, p != MAP_FAILED {
                _ = madvise(p, bytes, MADV_HUGEPAGE)
                return (p.bindMemory(to: Slot.self, capacity: n), bytes)
            }
        }
        let p = UnsafeMutablePointer<Slot>.allocate(capacity: n)
        p.initialize(repeating: Slot(), count: n)
        return (p, 0)
    }

    static func free(_ p: UnsafeMutablePointer<Slot>, mappedBytes: Int, count: Int) {
        if mappedBytes > 0 {
            munmap(UnsafeMutableRawPointer(p), mappedBytes)
        } else {
            p.deallocate()
        }
    }

    /// Frees the slots; the table is unusable afterwards.
    mutating func deallocate() {
        Self.free(slots, mappedBytes: mappedBytes, count: capacity)
        capacity = 0
        count = 0
    }

    @inline(__always)
    func index(_ offset: UInt64) -> Int {
        Int(truncatingIfNeeded: (offset &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    /// The slot of the object at `offset`, or `nil` when it was not stored.
    @inline(__always)
    func find(_ offset: UInt64) -> UnsafeMutablePointer<Slot>? {
        // Only offsets that fit in 32 bits are stored (largestOffset is one): a larger one must not match its
        // truncation.
        guard offset != 0, offset <= largestOffset else { return nil }
        let key = UInt32(truncatingIfNeeded: offset)
        let mask = capacity - 1
        var i = index(offset)
        while true {
            let s = slots + i
            let o = s.pointee.offset
            if o == key { return s }
            if o == 0 { return nil }
            i = (i + 1) & mask
        }
    }

    /// Asks the CPU for the slot where `offset` would be (a hint).
    @inline(__always)
    func prefetch(_ offset: UInt64) {
        // Also past `largestOffset`: a new object that other entries cite too is stored into this slot next.
        cjournal_prefetch(UnsafeRawPointer(slots + index(offset)))
    }

    /// Stores a checked object, unless the table is half full at its largest. Returns the slot (valid until the
    /// table next grows, which `reserve` does only between entries), or `nil` when it was not stored.
    @discardableResult
    mutating func insert(offset: UInt64, payloadBytes: Int, field: JournalField?, value: UnsafeRawBufferPointer?)
        -> UnsafeMutablePointer<Slot>?
    {
        guard offset != 0, offset <= UInt64(UInt32.max), payloadBytes >= 0, payloadBytes <= Int(UInt32.max),
            count < capacity / 2
        else {
            return nil
        }
        let key = UInt32(offset)
        let mask = capacity - 1
        var i = index(offset)
        while slots[i].offset != 0 {
            if slots[i].offset == key { return slots + i }
            i = (i + 1) & mask
        }
        var slot = Slot(offset: key, payloadBytes: UInt32(payloadBytes), field: field?.rawValue ?? Self.otherField)
        slot.valueBytes = Self.notInline
        if let value, value.count <= Self.inlineValueBytes {
            slot.valueBytes = UInt8(value.count)
            withUnsafeMutableBytes(of: &slot.value) { $0.copyMemory(from: value) }
        }
        slots[i] = slot
        count += 1
        largestOffset = max(largestOffset, offset)
        return slots + i
    }

    /// Grows the table (doubling) when `more` insertions could take it past half full; call between entries only,
    /// since slot pointers handed out before do not survive it.
    mutating func reserve(_ more: Int) {
        let more = min(more, 4096)  // an entry with more items than that fills the rest without growing
        while count + more > capacity / 2, capacity < maxCapacity {
            let old = slots
            let oldCapacity = capacity
            let oldMapped = mappedBytes
            capacity <<= 1
            shift -= 1
            (slots, mappedBytes) = Self.allocate(capacity)
            let mask = capacity - 1
            for k in 0..<oldCapacity where old[k].offset != 0 {
                var i = index(UInt64(old[k].offset))
                while slots[i].offset != 0 { i = (i + 1) & mask }
                slots[i] = old[k]
            }
            Self.free(old, mappedBytes: oldMapped, count: oldCapacity)
        }
    }
}
