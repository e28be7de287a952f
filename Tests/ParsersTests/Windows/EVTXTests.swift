import DwellCore
import DwellTestSupport
import Foundation
import Parsers
import Testing

/// The real EVTX files of `../shared/realdata/windows` (their README rows list the facts checked here), cut and
/// flipped copies of them, and the differential test against PyPI's `evtx` (the Rust evtx crate) when installed.
@Suite struct EVTXTests {
    static var windowsDir: URL? { Fixture.realData?.appendingPathComponent("windows") }
    static var hasCorpus: Bool { windowsDir != nil }

    static func path(_ name: String) -> String {
        let dir = name.hasPrefix("Security_short") ? "evtx-omerbenamram-evtx-samples" : "evtx-mdecrevoisier-evtx-to-mitre-attack"
        return windowsDir?.appendingPathComponent(dir).appendingPathComponent(name).path ?? name
    }

    /// Record counts (README), and the host every record names.
    static let known: [(file: String, records: Int, host: String)] = [
        ("ID104-1102-Event log cleared.evtx", 91, "FS03.offsec.lan"),
        ("ID4624-Success login with Golden ticket.evtx", 10, "fs02.offsec.lan"),
        ("ID4625-failed login with denied access due to account restriction.evtx", 2, "FS03.offsec.lan"),
        ("ID4656, 5145, 4674-Impacket secret dump via SMB.evtx", 41, "fs03vuln.offsec.lan"),
        ("ID4688,4674-DCOMexec process spawned.evtx", 12, "srvdefender01.offsec.lan"),
        ("ID4688-4648 Lateral movement with net use.evtx", 2, "FS03.offsec.lan"),
        ("ID4720-Local user created.evtx", 2, "jump01.offsec.lan"),
        ("ID4732-User added to local admin groups.evtx", 3, "jump01.offsec.lan"),
        ("Security_short_selected.evtx", 7, "temporal"),
    ]

    struct Parsed {
        var events: [Event] = []
        var rejected: [FramedRecordRef] = []
        var raws: [String] = []
        var problems: [FramedProblem] = []
        var context = ParseContext()
        func text(_ s: Symbol) -> String { context.symbols.string(s) }
    }

    static func parse(_ bytes: [UInt8]) -> Parsed {
        var out = Parsed()
        var p = EVTXParser()
        var context = ParseContext()
        var events: [Event] = []
        var raws: [String] = []
        var rejected: [FramedRecordRef] = []
        out.problems = bytes.withUnsafeBufferPointer { file in
            p.parse(
                file: file, context: &context,
                emit: { e, ref, raw, _ in
                    var ev = e
                    ev.source = SourceRef(fileID: 0, line: ref.number, offset: ref.offset)
                    events.append(ev)
                    raws.append(String(decoding: raw, as: UTF8.self))
                },
                reject: { _, ref, _ in rejected.append(ref) })
        }
        out.events = events
        out.raws = raws
        out.rejected = rejected
        out.context = context
        return out
    }

    static func bytes(_ name: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path(name)))) }

    @Test(.enabled(if: hasCorpus, "../shared/realdata/windows is absent"), arguments: known)
    func realFileRecordsAllReadWithTheirHost(_ k: (file: String, records: Int, host: String)) throws {
        let r = Self.parse(try Self.bytes(k.file))
        #expect(r.events.count == k.records, "\(k.file)")
        #expect(r.rejected.isEmpty, "\(k.file): \(r.rejected)")
        #expect(r.events.allSatisfy { r.text($0.host) == k.host }, "\(k.file)")
        #expect(!r.problems.contains { $0.isLoss }, "\(k.file): \(r.problems)")
        // The raw evidence is one line of XML per record.
        for raw in r.raws {
            #expect(raw.hasPrefix("<Event xmlns=") && raw.hasSuffix("</Event>") && !raw.contains("\n"))
        }
    }

    @Test(.enabled(if: hasCorpus, "../shared/realdata/windows is absent"))
    func goldenTicketLogonsAreNetworkKerberosFromOneAddress() throws {
        let r = Self.parse(try Self.bytes("ID4624-Success login with Golden ticket.evtx"))
        #expect(r.events.allSatisfy { $0.kind == .authSuccess && $0.ruleID == 4624 })
        #expect(r.events.allSatisfy { $0.sourceIP.description == "10.23.23.9" && r.text($0.service) == "network" })
        #expect(r.events.allSatisfy { r.text($0.authMethod) == "Kerberos" })
        #expect(r.text(r.events[0].user) == "OFFSEC\\not_existing_user")
        #expect(r.events.dropFirst().allSatisfy { r.text($0.user) == "OFFSEC\\admmig" })
        #expect(r.events[0].time.iso8601(fractionDigits: 0) == "2020-08-20T15:41:58Z")
    }

    @Test(.enabled(if: hasCorpus, "../shared/realdata/windows is absent"))
    func failedRDPLogonsKeepStatusAndLogonType() throws {
        let r = Self.parse(try Self.bytes("ID4625-failed login with denied access due to account restriction.evtx"))
        #expect(r.events.count == 2)
        for e in r.events {
            #expect(e.kind == .authFailure && e.outcome == .failure)
            #expect(e.sourceIP.description == "10.23.23.9" && r.text(e.service) == "rdp")
            #expect(r.text(e.detail).contains("Status=0xc000006e"))
            #expect(r.text(e.detail).contains("LogonProcess=User32"))
        }
        let s = Self.parse(try Self.bytes("Security_short_selected.evtx"))
        let rdp = try #require(s.events.first { $0.ruleID == 4625 })
        #expect(rdp.sourceIP.description == "23.94.153.202" && s.text(rdp.user) == "TEMPORAL\\Administrator")
        #expect(s.text(rdp.detail).contains("SubStatus=0xc000006a"))
    }

    @Test(.enabled(if: hasCorpus, "../shared/realdata/windows is absent"))
    func logClearedUserAndGroupChangesAndExplicitCredentials() throws {
        let cleared = Self.parse(try Self.bytes("ID104-1102-Event log cleared.evtx"))
        #expect(cleared.events.filter { $0.ruleID == 104 }.count == 90)
        #expect(cleared.events.filter { $0.ruleID == 1102 }.count == 1)
        #expect(cleared.events.allSatisfy { cleared.text($0.user) == "OFFSEC\\admmig" })

        let groups = Self.parse(try Self.bytes("ID4732-User added to local admin groups.evtx"))
        #expect(groups.events.map { groups.text($0.detail) } == ["Users", "Administrators", "Backup Operators"])
        #expect(groups.events.allSatisfy { $0.kind == .accountModify && groups.text($0.targetUser).hasSuffix("-1001") })
        // The third record's TimeCreated is zero (1601): its written time stands in.
        #expect(groups.events.allSatisfy { $0.time.microseconds > 0 })

        let created = Self.parse(try Self.bytes("ID4720-Local user created.evtx"))
        #expect(created.events.first?.kind == .accountCreate)
        #expect(created.events.first.map { created.text($0.targetUser) } == "JUMP01\\hacking-local-acct")

        let netUse = Self.parse(try Self.bytes("ID4688-4648 Lateral movement with net use.evtx"))
        let explicit = try #require(netUse.events.first { $0.ruleID == 4648 })
        #expect(netUse.text(explicit.targetUser) == "OFFSEC.LAN\\hack1")
        #expect(netUse.text(explicit.domain) == "fs03vuln.offsec.lan")
        let command = try #require(netUse.events.first { $0.ruleID == 4688 })
        #expect(netUse.text(command.command) == "net  use m: \\\\fs03vuln\\c$ /USER:offsec\\hack1")
    }

    @Test(.enabled(if: hasCorpus, "../shared/realdata/windows is absent"))
    func secretsdumpShareAccessAndNTLMLogon() throws {
        let r = Self.parse(try Self.bytes("ID4656, 5145, 4674-Impacket secret dump via SMB.evtx"))
        let logons = r.events.filter { $0.ruleID == 4624 }
        #expect(logons.count == 3)
        let ntlm = try #require(logons.first { r.text($0.authMethod) == "NTLM" })
        #expect(ntlm.sourceIP.description == "10.23.123.11" && r.text(ntlm.detail).contains("KeyLength=0"))
        let shares = r.events.filter { $0.kind == .smb && $0.sourceIP.description == "10.23.123.11" }.map { r.text($0.path) }
        #expect(shares.contains { $0.hasSuffix("\\winreg") } && shares.contains { $0.hasSuffix("\\svcctl") })
        #expect(shares.contains { $0.uppercased().contains("ADMIN$") && $0.hasSuffix(".tmp") })
    }

    // MARK: Damaged copies

    @Test(.enabled(if: hasCorpus, "../shared/realdata/windows is absent"))
    func cutCopiesKeepTheWholeRecordsBeforeTheCut() throws {
        let whole = try Self.bytes("ID104-1102-Event log cleared.evtx")
        let all = Self.parse(whole)
        for cut in [0, 7, 100, 4096, 4100, 4700, 20_000, 40_000, whole.count - 1] {
            let r = Self.parse(Array(whole.prefix(cut)))
            #expect(r.events.count <= all.events.count)
            // Every record read from the cut copy is one of the whole file's, unchanged.
            for (k, e) in r.events.enumerated() { #expect(e == all.events[k], "cut \(cut)") }
            let complete = all.events.filter { $0.source.offset + 65_536 <= UInt64(cut) }.count
            #expect(r.events.count >= min(complete, all.events.count), "cut \(cut)")
            if cut > 4096 && cut < whole.count {
                #expect(r.problems.contains { $0.kind == .truncatedChunk && $0.offset == 4096 }, "cut \(cut)")
            }
        }
    }

    @Test(.enabled(if: hasCorpus, "../shared/realdata/windows is absent"))
    func flippedBytesAreLocatedAndTheOtherRecordsKept() throws {
        let whole = try Self.bytes("ID4656, 5145, 4674-Impacket secret dump via SMB.evtx")
        // A flipped byte in the chunk header's checksummed area: reported, every record still read.
        var header = whole
        header[4096 + 8] ^= 0xff
        let h = Self.parse(header)
        #expect(h.problems.contains { $0.kind == .chunkHeaderChecksum && $0.offset == 4096 + 124 })
        #expect(h.events.count == 41)
        // A flipped record signature: that record is skipped and located, the others kept.
        var record = whole
        let second = Self.parse(whole).events[1].source.offset
        record[Int(second)] ^= 0xff
        let r = Self.parse(record)
        #expect(r.events.count == 40)
        #expect(r.problems.contains { $0.kind == .badRecord && $0.offset == second })
        #expect(r.problems.contains { $0.kind == .chunkDataChecksum })
        // A dirty flag and a bad file-header checksum are notes.
        var dirty = whole
        dirty[120] |= 1
        let d = Self.parse(dirty)
        #expect(d.problems.contains { $0.kind == .dirty })
        var header2 = whole
        header2[30] ^= 0x10
        #expect(Self.parse(header2).problems.contains { $0.kind == .fileHeaderChecksum })
        #expect(d.events.count == 41)
    }

    @Test(.enabled(if: hasCorpus, "../shared/realdata/windows is absent"))
    func randomFlipsNeverCrash() async throws {
        await #expect(processExitsWith: .success) {
            EVTXTests.flipSweep()
        }
    }

    static func flipSweep() {
        do {
            guard let dir = Fixture.realData?.appendingPathComponent("windows/evtx-mdecrevoisier-evtx-to-mitre-attack"),
                let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path)
            else { return }
            var seed: UInt64 = 0x9e37_79b9_7f4a_7c15
            func next() -> Int {
                seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return Int(truncatingIfNeeded: seed >> 33)
            }
            for name in names.sorted() {
                guard let data = try? Data(contentsOf: dir.appendingPathComponent(name)) else { continue }
                let whole = Array(data)
                for _ in 0..<120 {
                    var b = whole
                    for _ in 0..<(1 + next() % 64) { b[next() % b.count] ^= UInt8(truncatingIfNeeded: 1 + next() % 255) }
                    let r = EVTXTests.parse(Array(b.prefix(4096 + next() % (b.count - 4096))))
                    for p in r.problems where p.offset > UInt64(b.count) { fatalError("problem outside the file: \(p)") }
                }
            }
        }
    }

    @Test func emptyAndNonEVTXBytesGiveNoEventsAndSayWhy() {
        #expect(Self.parse([]).events.isEmpty)
        let junk = Self.parse(Array(repeating: 0x41, count: 70_000))
        #expect(junk.events.isEmpty)
        #expect(junk.problems.contains { $0.kind == .badFileHeader })
        #expect(junk.problems.contains { $0.kind == .chunkSignature && $0.offset == 4096 })
        #expect(EVTXParser.isEVTX(Array("ElfFile\0".utf8)) && !EVTXParser.isEVTX(Array("ElfChnk\0".utf8)))
    }

    // MARK: Oracle

    static let oracleAvailable: Bool = {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", "import evtx"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }()

    static let oracleScript = """
        import sys, json, evtx
        for r in evtx.PyEvtxParser(sys.argv[1]).records_json():
            ev = json.loads(r['data'])['Event']
            sy = ev['System']
            eid = sy['EventID']
            eid = eid['#text'] if isinstance(eid, dict) else eid
            flat = {}
            def leaves(d):
                for k, v in d.items():
                    if k.startswith('#'): continue
                    if isinstance(v, dict): leaves(v)
                    elif not isinstance(v, list): flat.setdefault(k, v)
            for part in ('EventData', 'UserData'):
                if isinstance(ev.get(part), dict): leaves(ev[part])
            print(json.dumps({'id': r['event_record_id'], 'eid': eid, 'time': sy['TimeCreated']['#attributes']['SystemTime'],
                              'computer': sy.get('Computer'), 'data': flat}))
        """

    static func normalised(_ s: String) -> String {
        var t = s.trimmingCharacters(in: .whitespaces)
        if t.hasPrefix("{") && t.hasSuffix("}") && t.count == 38 { t = String(t.dropFirst().dropLast()) }
        return t.lowercased()
    }

    @Test(.enabled(if: hasCorpus && oracleAvailable, "../shared/realdata/windows or the `evtx` Python package is absent"), arguments: known)
    func agreesWithTheEvtxOracle(_ k: (file: String, records: Int, host: String)) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", Self.oracleScript, Self.path(k.file)]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let oracle = String(decoding: out, as: UTF8.self).split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        // Walk the file the way the reader does, keeping each record's fields.
        var parser = EVTXParser()
        var mine: [(id: UInt64, fields: [(String, String)])] = []
        let bytes = try Self.bytes(k.file)
        _ = bytes.withUnsafeBufferPointer { file in
            parser.walk(file: file) { ref, ok, _, p in if ok { mine.append((ref.number, p.record.pairs)) } }
        }
        #expect(mine.count == oracle.count, "\(k.file): record count")
        var compared = 0
        for (m, o) in zip(mine, oracle) {
            #expect(Int(m.id) == (o["id"] as? Int), "\(k.file): record id")
            let f = Dictionary(m.fields.map { ($0.0, $0.1) }, uniquingKeysWith: { a, _ in a })
            let last = Dictionary(m.fields.map { ($0.0, $0.1) }, uniquingKeysWith: { _, b in b })
            #expect(f["EventID"] == "\(o["eid"] ?? "")", "\(k.file) record \(m.id): event id")
            #expect(f["Computer"] == o["computer"] as? String, "\(k.file) record \(m.id): computer")
            let ot = (o["time"] as? String).flatMap { WindowsRecord.isoTime(Array($0.utf8)[...]) }
            let mt = f["SystemTime"].flatMap { WindowsRecord.isoTime(Array($0.utf8)[...]) }
            #expect(ot == mt, "\(k.file) record \(m.id): time \(f["SystemTime"] ?? "-") vs \(o["time"] ?? "-")")
            for (key, value) in (o["data"] as? [String: Any]) ?? [:] {
                let expected: String
                switch value {
                case is NSNull: expected = ""
                case let n as NSNumber: expected = n.stringValue
                default: expected = "\(value)"
                }
                #expect(
                    Self.normalised(last[key] ?? "<absent>") == Self.normalised(expected),
                    "\(k.file) record \(m.id): \(key) = \(last[key] ?? "<absent>") vs \(expected)")
                compared += 1
            }
        }
        #expect(compared > 0 || oracle.isEmpty)
    }
}
