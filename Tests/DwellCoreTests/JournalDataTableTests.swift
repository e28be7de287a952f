import Testing

@testable import DwellCore

/// The journal reader's table of checked, shared DATA objects (`JournalDataTable`), on its own: lookups after
/// collisions and growth, the half-full limit at the largest size, and offsets never stored.
@Suite struct JournalDataTableTests {
    @Test func everyStoredOffsetIsFoundAfterCollisionsAndGrowthAndNoOtherIs() {
        // 16 slots to start: the first eight offsets already collide; growth rehashes them while more arrive.
        var t = JournalDataTable(fileBytes: 64 << 20, initialCapacity: 16)
        defer { t.deallocate() }
        #expect(t.capacity == 16)
        var stored: [UInt64] = []
        var x: UInt64 = 0x1234_5678
        for k in 0..<20_000 {
            x = x &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let offset = ((x >> 20) % (64 << 20)) & ~7 | 8  // 8-aligned and never 0
            t.reserve(1)
            let value = Array("v\(k)".utf8)
            let slot = value.withUnsafeBytes {
                t.insert(offset: offset, payloadBytes: 100 + k, field: k % 2 == 0 ? .pid : nil, value: $0)
            }
            #expect(slot != nil)
            if slot?.pointee.payloadBytes == UInt32(100 + k) { stored.append(offset) }
        }
        #expect(t.capacity > 16)
        #expect(t.count == stored.count)
        for offset in stored {
            #expect(t.find(offset)?.pointee.offset == UInt32(offset))
        }
        // Offsets never stored: 0, one past the file, and odd ones (no object starts there).
        #expect(t.find(0) == nil)
        #expect(t.find(UInt64(64 << 20) + 8) == nil)
        #expect(stored.prefix(100).allSatisfy { t.find($0 + 1) == nil })
    }

    @Test("#19: an offset past the largest stored is answered without a probe; lower ones are still found")
    func offsetsPastTheLargestStoredAreNotFound() {
        var t = JournalDataTable(fileBytes: 1 << 20, initialCapacity: 16)
        defer { t.deallocate() }
        #expect(t.find(64) == nil)
        t.insert(offset: 4096, payloadBytes: 10, field: nil, value: nil)
        #expect(t.largestOffset == 4096)
        // Stored below the largest (a shared object an entry cites after a newer one): found, largest unchanged.
        t.insert(offset: 512, payloadBytes: 11, field: nil, value: nil)
        #expect(t.largestOffset == 4096)
        #expect(t.find(512)?.pointee.payloadBytes == 11)
        #expect(t.find(4096)?.pointee.payloadBytes == 10)
        #expect(t.find(4104) == nil)
        #expect(t.find(1 << 40) == nil)
        t.insert(offset: 8192, payloadBytes: 12, field: nil, value: nil)
        #expect(t.largestOffset == 8192)
        #expect(t.find(8192)?.pointee.payloadBytes == 12)
        #expect(t.find(4104) == nil)
    }

    @Test func aSlotKeepsTheNameAndShortValuesOnly() {
        var t = JournalDataTable(fileBytes: 1 << 20)
        defer { t.deallocate() }
        let short = Array("123456".utf8)  // 6 bytes: kept
        let long = Array("1234567".utf8)  // 7: not kept
        let a = short.withUnsafeBytes { t.insert(offset: 64, payloadBytes: 21, field: .pid, value: $0) }
        let b = long.withUnsafeBytes { t.insert(offset: 128, payloadBytes: 22, field: .pid, value: $0) }
        let c = t.insert(offset: 192, payloadBytes: 9, field: nil, value: nil)
        #expect(a?.pointee.field == JournalField.pid.rawValue)
        #expect(a?.pointee.valueBytes == 6)
        let valueAt = MemoryLayout<JournalDataTable.Slot>.offset(of: \JournalDataTable.Slot.value)
        #expect(valueAt == JournalDataTable.valueOffset)
        #expect(MemoryLayout<JournalDataTable.Slot>.stride == 16)
        if let a {
            let kept = UnsafeRawBufferPointer(start: UnsafeRawPointer(a) + JournalDataTable.valueOffset, count: 6)
            #expect(Array(kept) == short)
        }
        #expect(b?.pointee.valueBytes == JournalDataTable.notInline)
        #expect(c?.pointee.field == JournalDataTable.otherField)
        #expect(t.insert(offset: 0, payloadBytes: 1, field: nil, value: nil) == nil)
        // Offsets past 4 GiB are never stored, and never match the slot of their low 32 bits.
        #expect(t.insert(offset: (1 << 32) + 64, payloadBytes: 1, field: nil, value: nil) == nil)
        #expect(t.find((1 << 32) + 64) == nil)
        #expect(t.find(64)?.pointee.payloadBytes == 21)
    }

    @Test func atItsLargestTheTableStopsTakingObjectsWhenHalfFull() {
        // A small file: the table may not grow past 4096 slots, so it takes 2048 objects and then refuses.
        var t = JournalDataTable(fileBytes: 1 << 16)
        defer { t.deallocate() }
        #expect(t.maxCapacity == 4096)
        var taken = 0
        for k in 1...5_000 {
            t.reserve(1)
            if t.insert(offset: UInt64(k) * 64, payloadBytes: 1, field: nil, value: nil) != nil { taken += 1 }
        }
        #expect(taken == 2048)
        #expect(t.capacity == 4096)
        #expect(t.find(64)?.pointee.offset == 64)
        #expect(t.find(UInt64(4_000) * 64) == nil)
    }

    @Test func theEntryNamesEveryJournalField() {
        // JournalEntry keeps one place per JournalField (InlineArray<17, …>).
        #expect(JournalField.allCases.count == 17)
    }
}
