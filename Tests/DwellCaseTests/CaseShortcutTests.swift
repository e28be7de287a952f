import DwellAnalysis
import DwellCase
import DwellCore
import DwellIndex
import Foundation
import Testing

/// #22: the shortcuts `investigate --case --seed` takes over the store read in place answer as the long way round:
/// each test compares a shortcut with what it replaced, so a shortcut that changes an answer fails here.
@Suite struct CaseShortcutTests {
    /// The kinds the correlator indexes (logins, session ends, account changes), and a few more.
    static let kindSets: [[EventKind]] = [
        [.authSuccess], [.sessionClose, .disconnect, .logout],
        [.accountCreate, .accountModify, .passwordChange, .accountDelete], [.generic], [.webRequest, .flow],
        EventKind.allCases, [],
    ]

    /// `positions(ofKinds:)`, one pass over the kind column's bytes, finds the events that testing every event's
    /// kind finds, in the mapped store and in memory.
    @Test func positionsOfKindsAreTheEventsOfThoseKinds() throws {
        let (result, _, dir) = try CaseTests.investigate(CaseTests.sampleRoot)
        defer { try? FileManager.default.removeItem(at: dir) }
        let m = try CaseIndex.open(dir.path).store
        let s = result.store
        for kinds in Self.kindSets {
            let expected = (0..<s.count).filter { kinds.contains(s.kind[$0]) }.map(Int32.init)
            #expect(s.positions(ofKinds: kinds) == expected, "in memory: \(kinds)")
            #expect(m.positions(ofKinds: kinds) == expected, "in place: \(kinds)")
        }
        #expect(!s.positions(ofKinds: [.authSuccess]).isEmpty, "the sample has logins to find")
        #expect(m.damage == nil)
    }

    /// A kind byte no dwell writes, behind a valid checksum (a faulty writer): the scan records it as reading the
    /// event's kind does, counts the event as `.generic`, and the case refuses to answer.
    @Test func anUnknownKindByteIsRecordedByTheScanAsByAKindRead() throws {
        let dir = try CaseTests.sampleCase()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("store.dwell")
        var data = try [UInt8](Data(contentsOf: url))
        let layout = try CaseIndex.open(dir.path).store
        let sections = try #require(layout.sections(of: "kind"))
        // The kind column's section: its byte count (8 bytes), then one byte per event; the first is event 0's.
        let at = 32 + Int(layout.sectionEnd(sections.lowerBound - 1)) + 8
        let first = layout.kind[0]
        try #require(data[at] == first.rawValue, "the byte patched is event 0's kind")
        data[at] = 0xEE
        CaseTests.reseal(&data)
        try Data(data).write(to: url)

        let scanned = try CaseIndex.open(dir.path).store
        #expect(scanned.positions(ofKinds: [.generic]).first == 0, "the unknown value reads as .generic")
        #expect(scanned.damage?.contains("unknown value 238") == true)
        let notGeneric = try CaseIndex.open(dir.path).store
        #expect(!notGeneric.positions(ofKinds: EventKind.allCases.filter { $0 != .generic }).contains(0))
        #expect(notGeneric.damage?.contains("unknown value 238") == true, "recorded even when .generic is not asked")
        let read = try CaseIndex.open(dir.path).store
        #expect(read.kind[0] == .generic)
        #expect(read.damage == scanned.damage)
        #expect(throws: CaseError.self) { try CaseIndex.open(dir.path).investigate() }
    }

    /// `positions` keeps the lists it decoded: a second request answers the same list, and `postingSlice` is a
    /// slice of it.
    @Test func decodedPostingsAreKeptAndAnswerTheSame() throws {
        let (result, _, dir) = try CaseTests.investigate(CaseTests.sampleRoot)
        defer { try? FileManager.default.removeItem(at: dir) }
        let m = try CaseIndex.open(dir.path).store
        let s = result.store
        for key in s.indicatorKeys.prefix(300) {
            let first = m.positions(key)
            #expect(first == s.positions(key))
            #expect(m.positions(key) == first)
            #expect(Array(m.postingSlice(key)) == first)
        }
    }

    /// `Indicator.writtenOrder` compares types and values without building the written forms: it orders every pair
    /// as comparing the written forms does, values with combining marks, non-ASCII and empty values included.
    @Test func writtenOrderIsTheOrderOfTheWrittenForms() {
        let values = [
            "", "a", "b", "ab", "a:b", "203.0.113.45", "203.0.113.5", "2001:db8::1", "deploy", "root", "/x.php",
            "\u{301}a", "e\u{301}", "\u{e9}", "é", "Z", "~", "\u{0}", "ip:x", "url:", "ua", "ümlaut", "日本",
        ]
        var all: [Indicator] = []
        for t in IndicatorType.allCases { for v in values { all.append(Indicator(t, v)) } }
        var wrong = 0
        for a in all {
            for b in all where Indicator.writtenOrder(a, b) != (a.description < b.description) { wrong += 1 }
        }
        #expect(wrong == 0)
        #expect(all.sorted(by: Indicator.writtenOrder).map(\.description) == all.map(\.description).sorted())
    }
}

/// `ByteText.string` on bytes in place (a case file's strings, mapped symbols) reads ASCII as it is and sends other
/// bytes through the validation: the text the generic path makes, for ASCII, UTF-8 and invalid bytes alike.
@Suite struct ByteTextShortcutTests {
    @Test func bytesInPlaceReadAsTheGenericPathReadsThem() {
        let samples: [[UInt8]] = [
            [], Array("deploy".utf8), Array("203.0.113.45".utf8), [0], [0x7F], Array("é".utf8), Array("日本".utf8),
            [0xC3], [0xFF, 0x41], Array("ok".utf8) + [0x80], [0xE2, 0x82], Array("a\u{301}".utf8),
            Array(repeating: 0x41, count: 300) + [0xF0, 0x9F, 0x98, 0x80],
        ]
        for s in samples {
            let generic = ByteText.string(s)
            let typed = s.withUnsafeBufferPointer { ByteText.string($0) }
            let raw = s.withUnsafeBytes { ByteText.string($0) }
            #expect(typed == generic && raw == generic, "\(s)")
            #expect(Array(typed.utf8) == Array(generic.utf8), "the same bytes, not only equal text: \(s)")
        }
    }
}
