import DwellAnalysis
import DwellCase
import DwellCore
import DwellIndex
import DwellIngest
import DwellPipeline
import DwellReports
import DwellScenario
import DwellTestSupport
import Foundation
import Testing

/// A case written and opened again answers as the evidence does: the same report.json, byte for byte.
@Suite struct CaseTests {
    static let options = IngestOptions(jobs: 2)
    static let sampleRoot = Fixture.packageRoot.appendingPathComponent("SampleLogs/incident-2026-03").path

    /// The investigation of `root` and the case written from it into a fresh directory.
    static func investigate(_ root: String, seeds: [Seed] = []) throws -> (InvestigationRun.Result, Case, URL) {
        let found = Discovery().discover([root])
        let result = InvestigationRun.run(
            files: found.files, discoveryIssues: found.issues, options: options, seeds: seeds)
        let dir = try Fixture.temporaryDirectory("dwell-case")
        let c = Case.from(
            run: result, evidence: found.files, directory: dir.path, inputs: [root], seeds: seeds, rulesFile: nil,
            rulesText: nil)
        try c.write()
        return (result, c, dir)
    }

    static func reportJSON(_ inv: Investigation, files: [FileStats], issues: [EvidenceIssue], inputs: [String])
        -> [UInt8]
    {
        let input = ReportInput(
            investigation: inv, files: files, discoveryIssues: issues, generated: nil, inputs: inputs,
            rules: RuleSet.standard.rules, outputDirectory: "out")
        return ReportSet.render(input, formats: [.json]).first?.bytes ?? []
    }

    /// report.json from the evidence and from the reopened case, for the same seeds.
    static func checkSameReport(_ root: String, seeds: [Seed] = []) throws {
        let (result, _, dir) = try investigate(root)
        defer { try? FileManager.default.removeItem(at: dir) }
        let opened = try Case.open(dir.path)
        #expect(opened.store.count == result.store.count)
        let fromCase = try opened.investigate(seeds: seeds.isEmpty ? nil : seeds).investigation
        var evidence = result.investigation
        if !seeds.isEmpty {
            let found = Discovery().discover([root])
            evidence =
                InvestigationRun.run(
                    files: found.files, discoveryIssues: found.issues, options: options, seeds: seeds
                ).investigation
        }
        let a = reportJSON(evidence, files: result.files, issues: result.discoveryIssues, inputs: [root])
        let b = reportJSON(fromCase, files: opened.stats, issues: opened.discoveryIssues, inputs: opened.inputs)
        try #require(a.count > 1000)
        if a != b {
            // Name the first line that differs rather than printing both reports.
            let la = String(decoding: a, as: UTF8.self).split(separator: ",")
            let lb = String(decoding: b, as: UTF8.self).split(separator: ",")
            let k = (0..<min(la.count, lb.count)).first { la[$0] != lb[$0] } ?? min(la.count, lb.count)
            Issue.record(
                "report.json from the case differs at field \(k): \(la.dropFirst(k).prefix(3)) vs \(lb.dropFirst(k).prefix(3))"
            )
        }
        #expect(
            !fromCase.caveats.contains { $0.text.contains("neither in the case") }, "every cited line came from the case")
        // #22: the same seeds correlated over the store read in place (what `investigate --case` and `lateral --case`
        // do) write the same report.
        let index = try CaseIndex.open(dir.path)
        let inPlace = try #require(try index.investigate(seeds: seeds.isEmpty ? nil : seeds))
        let m = index.manifest
        let c = reportJSON(inPlace, files: m.stats, issues: m.discoveryIssues, inputs: m.inputs)
        #expect(c == a, "report.json from the case read in place equals the evidence run's")
    }

    @Test func sampleLogsReportFromACaseIsByteIdentical() throws {
        try Self.checkSameReport(Self.sampleRoot)
    }

    @Test func sampleLogsReseededFromACaseMatchesTheEvidenceReseeded() throws {
        try Self.checkSameReport(Self.sampleRoot, seeds: [Seed(type: .user, value: "deploy", reason: "test")])
    }

    @Test func sampleLogsReseededByAnAddressFromACaseMatchesTheEvidenceReseeded() throws {
        try Self.checkSameReport(Self.sampleRoot, seeds: [Seed(type: .ip, value: "203.0.113.45", reason: "test")])
    }

    /// #22: a case only indexed has no findings to correlate: the in-place path declines, and the case is opened
    /// whole for the detectors.
    @Test func anIndexedOnlyCaseIsNotInvestigatedInPlace() throws {
        let (result, c, dir) = try Self.investigate(Self.sampleRoot)
        defer { try? FileManager.default.removeItem(at: dir) }
        var indexed = c
        indexed.analysed = false
        indexed.analysis = InvestigationRun.StoredAnalysis()
        try indexed.write()
        #expect(try CaseIndex.open(dir.path).investigate() == nil)
        #expect(result.store.count > 0)
    }

    /// #22: a column the correlator reads in place that does not match its checksum refuses the answer.
    @Test func aDamagedColumnRefusesTheInPlaceInvestigation() throws {
        let dir = try Self.sampleCase()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("store.dwell")
        var data = try [UInt8](Data(contentsOf: url))
        let layout = try CaseIndex.open(dir.path)
        #expect(try layout.investigate() != nil)
        let kindSections = try #require(layout.store.sections(of: "kind"))
        data[32 + Int(layout.store.sectionEnd(kindSections.upperBound - 1)) - 3] ^= 0x5A
        try Data(data).write(to: url)
        var why = ""
        do { _ = try CaseIndex.open(dir.path).investigate() } catch { why = error.description }
        #expect(why.contains("kind"))
    }

    /// #22: the columns the correlator reads (program, pid, service, signature, session id) read in place as in
    /// memory, on every event, and the postings as slices.
    @Test func theCorrelatorsColumnsReadInPlaceAsInMemory() throws {
        let (result, _, dir) = try Self.investigate(Self.sampleRoot)
        defer { try? FileManager.default.removeItem(at: dir) }
        let m = try CaseIndex.open(dir.path).store
        let s = result.store
        var differing = 0
        var present = (pid: 0, program: 0)
        for i in 0..<s.count {
            if m.program[i] != s.program[i] || m.pid[i] != s.pid[i] || m.service[i] != s.service[i]
                || m.signature[i] != s.signature[i] || m.sessionID[i] != s.sessionID[i]
            {
                differing += 1
            }
            if s.pid[i] >= 0 { present.pid += 1 }
            if s.program[i] != 0 { present.program += 1 }
        }
        #expect(differing == 0)
        #expect(present.pid > 0 && present.program > 0, "the sample has sshd pids and programs to compare")
        #expect(m.addressCount == s.addresses.count)
        for key in s.indicatorKeys.prefix(200) {
            #expect(Array(m.postingSlice(key)) == Array(s.postingSlice(key)))
            #expect(Array(m.postingSlice(key)) == Array(s.postingSlice(key)), "a list kept from the first read")
        }
        for a in s.addresses.prefix(50) { #expect(m.addressID(of: a) == s.addressID(of: a)) }
        let absent = try #require(IPAddress("192.0.2.255"))
        #expect(m.addressID(of: absent) == s.addressID(of: absent))
    }

    @Test(arguments: [UInt64(7), 42])
    func generatedIncidentReportFromACaseIsByteIdentical(seed: UInt64) throws {
        let dir = try Fixture.temporaryDirectory("dwell-case-scenario")
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try ScenarioGenerator.generate(
            ScenarioOptions(seed: seed, outputDirectory: dir.path, name: "incident", days: 2, backgroundScale: 0.05))
        try Self.checkSameReport(dir.appendingPathComponent("incident").path)
    }

    @Test func storeWrittenAndReadBackWritesTheSameBytes() throws {
        let (store, _) = InvestigationRun.buildStore(
            files: Discovery().discover([Self.sampleRoot]).files, options: Self.options)
        var w = BinaryWriter()
        store.write(to: &w)
        let bytes = w.take()
        let again = try bytes.withUnsafeBytes { buf in
            var r = BinaryReader(buf)
            let s = try EventStore(reading: &r)
            #expect(r.isAtEnd)
            return s
        }
        var w2 = BinaryWriter()
        again.write(to: &w2)
        #expect(w2.take() == bytes)
        // Queries answer the same.
        let key = try #require(store.key(.ip, "203.0.113.45"))
        #expect(again.positions(key) == store.positions(key))
        #expect(again.summary(17) == store.summary(17))
    }

    // MARK: Refusing damaged and foreign cases

    static func sampleCase() throws -> URL {
        let (_, _, dir) = try investigate(Self.sampleRoot)
        return dir
    }

    static func patch(_ url: URL, at offset: Int, _ bytes: [UInt8]) throws {
        var data = try [UInt8](Data(contentsOf: url))
        for (k, b) in bytes.enumerated() { data[offset + k] = b }
        try Data(data).write(to: url)
    }

    static func refusal(_ dir: URL) -> String? {
        do {
            _ = try Case.open(dir.path)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func aCaseOfAnotherFormatVersionIsRefused() throws {
        let dir = try Self.sampleCase()
        defer { try? FileManager.default.removeItem(at: dir) }
        let other = CaseFile.formatVersion + 1
        try Self.patch(dir.appendingPathComponent("store.dwell"), at: 8, [UInt8(other), 0, 0, 0])
        let why = try #require(Self.refusal(dir))
        #expect(
            why.contains("store.dwell: case format version \(other), but this dwell reads version \(CaseFile.formatVersion)"))
        #expect(throws: CaseError.self) { try CaseIndex.open(dir.path) }
    }

    /// #22: version 3 narrowed the store's arrays; a case written by a dwell of version 2 is refused, whole and in
    /// place, with what to do.
    @Test func aCaseOfFormatVersion2IsRefusedWithTheMessageToRebuild() throws {
        #expect(CaseFile.formatVersion == 3)
        let dir = try Self.sampleCase()
        defer { try? FileManager.default.removeItem(at: dir) }
        for kind in CaseFile.Kind.allCases {
            try Self.patch(dir.appendingPathComponent(kind.fileName), at: 8, [2, 0, 0, 0])
        }
        let why = try #require(Self.refusal(dir))
        #expect(why.contains("case format version 2, but this dwell reads version 3"))
        #expect(why.contains("rebuild the case with `dwell index EVIDENCE... --case \(dir.path)`"))
        var inPlace = ""
        do { _ = try CaseIndex.open(dir.path) } catch { inPlace = error.description }
        #expect(inPlace.contains("case format version 2, but this dwell reads version 3"))
    }

    @Test func aDamagedCaseIsRefusedByItsChecksum() throws {
        let dir = try Self.sampleCase()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("store.dwell")
        let size = try [UInt8](Data(contentsOf: url)).count
        try Self.patch(url, at: size / 2, [0xA5])
        let why = try #require(Self.refusal(dir))
        #expect(why.contains("store.dwell"))
        #expect(why.contains("do not match their checksum"))
        #expect(why.contains("damaged"))
    }

    @Test func aDamagedSectionTableIsRefusedByTheHeaderChecksum() throws {
        let dir = try Self.sampleCase()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("store.dwell")
        let size = try [UInt8](Data(contentsOf: url)).count
        try Self.patch(url, at: size - 12, [0xA5])  // inside the trailer's last section hash
        #expect(Self.refusal(dir)?.contains("store.dwell: checksum") == true)
        #expect(throws: CaseError.self) { try CaseIndex.open(dir.path) }
    }

    /// A case opened in place checks a chunk of the store when a query first reads it: damage where the query does
    /// not read goes unnoticed by that query (and the answer is right), damage where it reads is refused before
    /// the answer is given.
    @Test func aDamagedColumnIsFoundWhenAQueryFirstReadsIt() throws {
        let dir = try Self.sampleCase()
        defer { try? FileManager.default.removeItem(at: dir) }
        let whole = try Case.open(dir.path)
        let url = dir.appendingPathComponent("store.dwell")
        let original = try [UInt8](Data(contentsOf: url))
        // The user column's present values: flip a byte of the section that holds them.
        let layout = try CaseIndex.open(dir.path)
        let userSections = try #require(layout.store.sections(of: "user"))
        let damagedAt = 32 + Int(layout.store.sectionEnd(userSections.upperBound - 1)) - 9
        var data = original
        data[damagedAt] ^= 0x5A
        try Data(data).write(to: url)
        let c = try CaseIndex.open(dir.path)
        let key = try #require(c.store.key(.ip, "203.0.113.45"))
        #expect(c.store.positions(key) == whole.store.positions(key))
        #expect(c.store.timestamp(Int(c.store.positions(key)[0])) == whole.store.timestamp(Int(whole.store.positions(key)[0])))
        try c.checkIntact()
        for i in 0..<c.store.count { _ = c.store.user[i] }
        #expect(throws: CaseError.self) { try c.checkIntact() }
        #expect(Self.refusal(dir)?.contains("user") == true)
    }

    /// #22: a damaged chunk is named by where it starts in the file (its header included), not "at byte 0", both
    /// when a query reads it in place and when the whole case is opened.
    @Test func aDamagedChunkIsNamedByItsOffsetInTheFile() throws {
        let dir = try Self.sampleCase()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("store.dwell")
        var data = try [UInt8](Data(contentsOf: url))
        let layout = try CaseIndex.open(dir.path)
        let userSections = try #require(layout.store.sections(of: "user"))
        let damagedAt = 32 + Int(layout.store.sectionEnd(userSections.upperBound - 1)) - 9
        data[damagedAt] ^= 0x5A
        try Data(data).write(to: url)
        let chunkStart = 32 + (damagedAt - 32) / CaseFile.chunkBytes * CaseFile.chunkBytes
        #expect(chunkStart > 0 && damagedAt - chunkStart < CaseFile.chunkBytes)
        let c = try CaseIndex.open(dir.path)
        for i in 0..<c.store.count { _ = c.store.user[i] }
        var why = ""
        do { try c.checkIntact() } catch { why = error.description }
        #expect(why.contains("user"))
        #expect(why.contains("at byte \(chunkStart) "))
        #expect(!why.contains("at byte 0 "))
        #expect(Self.refusal(dir)?.contains("at byte \(chunkStart) ") == true)
    }

    /// The in-place store answers every query as the store in memory does, on every event.
    @Test func aCaseReadInPlaceAnswersAsTheStoreInMemory() throws {
        let (result, _, dir) = try Self.investigate(Self.sampleRoot)
        defer { try? FileManager.default.removeItem(at: dir) }
        let c = try CaseIndex.open(dir.path)
        let s = result.store
        let m = c.store
        #expect(m.count == s.count)
        var differing = 0
        for i in 0..<s.count {
            if m.time[i] != s.time[i] || m.fileID[i] != s.fileID[i] || m.line[i] != s.line[i]
                || m.offset[i] != s.offset[i] || m.host[i] != s.host[i] || m.summary(i) != s.summary(i)
                || m.indicators(of: i) != s.indicators(of: i)
            {
                differing += 1
            }
        }
        #expect(differing == 0)
        for key in s.indicatorKeys {
            #expect(m.key(key.type, s.text(key)) == key || key.type != .ip && s.text(key).isEmpty)
            #expect(m.positions(key) == s.positions(key))
        }
        let p = s.positions(try #require(s.key(.ip, "203.0.113.45")))
        #expect(m.related(p, excluding: []) == s.related(p, excluding: []))
        #expect(m.breakdown(p).byHost == s.breakdown(p).byHost)
        #expect(m.keys(.userAgent, matching: "curl", substring: true) == s.keys(.userAgent, matching: "curl", substring: true))
        let first = try #require(s.time.first)
        for hours in [0, 5, 30, 1000] {
            let from = Timestamp(microseconds: first + Int64(hours) * 3_600_000_000)
            let to = Timestamp(microseconds: from.microseconds + 3_600_000_000)
            #expect(m.events(from: from, to: to) == s.events(from: from, to: to))
        }
        #expect(m.events(from: .distantPast, to: .distantFuture) == 0..<s.count)
        try c.checkIntact()
    }

    @Test func aTruncatedOrMissingOrForeignFileIsRefused() throws {
        let dir = try Self.sampleCase()
        defer { try? FileManager.default.removeItem(at: dir) }
        let lines = dir.appendingPathComponent("lines.dwell")
        let data = try Data(contentsOf: lines)
        try data.prefix(data.count - 10).write(to: lines)
        #expect(Self.refusal(dir)?.contains("truncated") == true)
        try Data("not a case".utf8).write(to: lines)
        #expect(Self.refusal(dir)?.contains("shorter than a case file's header") == true)
        try Data(repeating: 0x41, count: 64).write(to: lines)
        #expect(Self.refusal(dir)?.contains("not a dwell case file") == true)
        try FileManager.default.removeItem(at: lines)
        #expect(Self.refusal(dir)?.contains("cannot open") == true)
    }

    /// Damage that passes the checksum (a faulty writer): every byte position tried throws or opens, never traps.
    @Test func damageBehindAValidChecksumNeverTraps() async throws {
        await #expect(processExitsWith: .success) {
            try CaseTests.openDamagedCopies(count: 60)
        }
    }

    /// Flips bytes of a sample case's store, fixes the checksum, and opens it (and asks it a few questions).
    static func openDamagedCopies(count: Int) throws {
        let dir = try sampleCase()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("store.dwell")
        let original = try [UInt8](Data(contentsOf: url))
        var state: UInt64 = 2026
        for _ in 0..<count {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            var data = original
            let at = 32 + Int(state >> 33) % (data.count - 32)
            data[at] ^= UInt8(truncatingIfNeeded: state >> 13) | 1
            reseal(&data)
            try Data(data).write(to: url)
            if let c = try? Case.open(dir.path) {
                // Whatever opened must answer without trapping.
                _ = c.store.indicatorKeys.prefix(50).map { c.store.positions($0).count }
                _ = c.store.range(from: .zero, to: .distantFuture)
            }
            if let c = try? CaseIndex.open(dir.path) {
                // Read in place, every column of every event, and the postings of the first values.
                let m = c.store
                for i in 0..<m.count { _ = (m.summary(i), m.indicators(of: i), m.time[i], m.fileID[i], m.offset[i]) }
                for id in 0..<UInt32(50) {
                    _ = m.positions(IndicatorKey(.ip, id)) + m.positions(IndicatorKey(.user, id))
                    _ = m.text(IndicatorKey(.user, id))
                }
                _ = m.events(from: .distantPast, to: .distantFuture)
                _ = m.keys(.userAgent, matching: "a", substring: true)
            }
        }
    }

    /// Rewrites a store file's section hashes and header checksum over its (damaged) bytes, as a faulty writer
    /// would have written them. A trailer that no longer parses is left as it is.
    static func reseal(_ data: inout [UInt8]) {
        func u64(_ at: Int) -> Int {
            data[at..<(at + 8)].reversed().reduce(0) { $0 << 8 | Int($1) }
        }
        func put(_ v: UInt64, at: Int) { for k in 0..<8 { data[at + k] = UInt8(truncatingIfNeeded: v >> (8 * k)) } }
        let payload = 32
        let start = u64(data.count - 8)
        guard start >= 0, payload + start + 8 <= data.count else { return }
        let n = u64(payload + start)
        guard n >= 0, n < data.count, payload + start + 24 + 8 * n <= data.count else { return }
        let chunks = u64(payload + start + 8 + 8 * n)
        guard chunks >= 0, chunks < data.count, payload + start + 24 + 8 * n + 8 * chunks == data.count else { return }
        let size = CaseFile.chunkBytes
        for k in 0..<chunks {
            let from = payload + k * size
            let to = min(from + size, payload + start)
            guard from <= to else { return }
            let h = data[from..<to].withUnsafeBytes { SectionHash.of($0) }
            put(h, at: payload + start + 16 + 8 * n + 8 * k)
        }
        let crc = data[(payload + start)...].withUnsafeBufferPointer { CRC32Checksum.update(0, $0) }
        withUnsafeBytes(of: crc.littleEndian) { for k in 0..<4 { data[24 + k] = $0[k] } }
    }

    // MARK: Verify

    @Test func verifyNamesGrownChangedMissingRotatedAndNewFiles() throws {
        let evidence = try Fixture.temporaryDirectory("dwell-case-evidence")
        defer { try? FileManager.default.removeItem(at: evidence) }
        let logs = evidence.appendingPathComponent("web01/var/log")
        try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
        func line(_ s: Int) -> String {
            "Mar 11 10:00:\(String(format: "%02d", s)) web01 sshd[1]: Failed password for root from 203.0.113.9 port 4\(s) ssh2\n"
        }
        _ = try Fixture.write((0..<5).map(line).joined(), to: logs.appendingPathComponent("auth.log"))
        _ = try Fixture.write((5..<9).map(line).joined(), to: logs.appendingPathComponent("secure"))
        _ = try Fixture.write((9..<12).map(line).joined(), to: logs.appendingPathComponent("other.log"))
        let (_, c, dir) = try Self.investigate(evidence.path)
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(c.verify().isIntact)
        // Grown, rotated (auth.log → auth.log.1 with a fresh auth.log), changed.
        let handle = try FileHandle(forWritingTo: logs.appendingPathComponent("secure"))
        handle.seekToEndOfFile()
        handle.write(Data(line(30).utf8))
        try handle.close()
        try FileManager.default.moveItem(
            at: logs.appendingPathComponent("auth.log"), to: logs.appendingPathComponent("auth.log.1"))
        _ = try Fixture.write(line(40), to: logs.appendingPathComponent("auth.log"))
        _ = try Fixture.write(line(50), to: logs.appendingPathComponent("other.log"))
        let v = try Case.open(dir.path).verify()
        #expect(!v.isIntact)
        func state(_ name: String) -> CaseVerification.State? {
            v.entries.first { $0.file.path.hasSuffix("/" + name) }?.state
        }
        #expect(state("secure") == .grown(bytes: UInt64(line(30).utf8.count)))
        if case .changed = state("other.log") {
        } else {
            Issue.record("other.log should be changed: \(String(describing: state("other.log")))")
        }
        if case .changed = state("auth.log") {} else { Issue.record("auth.log now holds other lines") }
        let rotated = try #require(v.newFiles.first { $0.file.path.hasSuffix("auth.log.1") })
        #expect(rotated.sameAs?.hasSuffix("auth.log") == true)
    }

    /// `dwell index` on a case whose evidence rotated and grew: rotated files are kept without reading, the new
    /// file is read, and the case then reports as a fresh run over the evidence now.
    @Test func updatingACaseWithRotatedAndNewFilesReportsAsAFreshRun() throws {
        let root = try Fixture.temporaryDirectory("dwell-case-rotation")
        defer { try? FileManager.default.removeItem(at: root) }
        _ = try ScenarioGenerator.generate(
            ScenarioOptions(seed: 5, outputDirectory: root.path, name: "incident", days: 2, backgroundScale: 0.05))
        let evidence = root.appendingPathComponent("incident").path
        let first = Discovery().discover([evidence])
        let built = InvestigationRun.index(files: first.files, options: Self.options)
        let dir = root.appendingPathComponent("case").path
        let indexed = Case(
            directory: dir, inputs: [evidence], evidence: first.files, stats: built.stats,
            discoveryIssues: first.issues, seeds: [], rulesFile: nil, rulesText: nil, analysed: false,
            store: built.store, analysis: built.analysis, lines: CaseLines())
        try indexed.write()
        // Rotate web01's auth.log (auth.log.1 → .2, auth.log → .1) and start a new one.
        let logs = root.appendingPathComponent("incident/web01/var/log")
        let fm = FileManager.default
        try #require(fm.fileExists(atPath: logs.appendingPathComponent("auth.log.1").path))
        try fm.moveItem(at: logs.appendingPathComponent("auth.log.1"), to: logs.appendingPathComponent("auth.log.2"))
        try fm.moveItem(at: logs.appendingPathComponent("auth.log"), to: logs.appendingPathComponent("auth.log.1"))
        let tail = try String(contentsOf: logs.appendingPathComponent("auth.log.1"), encoding: .utf8)
            .split(separator: "\n").suffix(3).map { $0.replacingOccurrences(of: "sshd[", with: "sshd[9") + "\n" }
            .joined()
        _ = try Fixture.write(tail, to: logs.appendingPathComponent("auth.log"))
        let now = Discovery().discover([evidence])
        let (updated, u) = try Case.open(dir).updated(with: now, inputs: [evidence], options: Self.options)
        #expect(u.read.count == 1 && u.read[0].hasSuffix("web01/var/log/auth.log"))
        #expect(u.kept.contains { $0.was.hasSuffix("auth.log") && $0.now.hasSuffix("auth.log.1") })
        #expect(u.dropped.isEmpty)
        try updated.write()
        let fromCase = try Case.open(dir).investigate().investigation
        let fresh = InvestigationRun.run(
            files: now.files, discoveryIssues: now.issues, options: Self.options, seeds: [])
        let a = Self.reportJSON(fresh.investigation, files: fresh.files, issues: now.issues, inputs: [evidence])
        let b = Self.reportJSON(fromCase, files: updated.stats, issues: updated.discoveryIssues, inputs: [evidence])
        #expect(fresh.store.count == updated.store.count)
        #expect(a == b, "the updated case reports as a fresh run")
    }

    // MARK: SQL

    @Test func sqliteExportHoldsEveryEventAndItsViewsRead() throws {
        let (result, c, dir) = try Self.investigate(Self.sampleRoot)
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("case.sqlite").path
        let e = try CaseSQLite.export(c, investigation: result.investigation, to: db)
        #expect(e.events == result.store.count)
        func scalar(_ sql: String) throws -> String? {
            try CaseSQLite.query(sql, database: db).rows.first?.first ?? nil
        }
        #expect(try scalar("SELECT count(*) FROM events") == String(result.store.count))
        let logins = (0..<result.store.count).filter {
            ["auth_success", "auth_failure", "invalid_user", "session_open", "logout", "ntlm", "kerberos", "rdp"]
                .contains(result.store.kind[$0].name)
        }.count
        #expect(try scalar("SELECT count(*) FROM logins") == String(logins))
        let ip = try #require(result.store.key(.ip, "203.0.113.45"))
        #expect(
            try scalar("SELECT count(*) FROM events_text WHERE src_ip = '203.0.113.45' OR dst_ip = '203.0.113.45'")
                == String(result.store.positions(ip).count))
        #expect(try scalar("SELECT count(*) FROM findings") == String(result.investigation.findings.count))
        #expect(try scalar("SELECT count(*) FROM attack_timeline") == String(result.investigation.timeline.count))
        #expect(try Int(scalar("SELECT count(*) FROM web_requests") ?? "") ?? 0 > 0)
        #expect(try Int(scalar("SELECT count(*) FROM connections") ?? "") ?? 0 > 0)
        let plan = try CaseSQLite.query("EXPLAIN QUERY PLAN SELECT * FROM events WHERE time_us > 5", database: db)
        #expect(plan.rows.contains { $0.contains { $0?.contains("events_time") == true } })
        // Read-only: a query cannot change the case.
        #expect(throws: CaseError.self) { try CaseSQLite.query("DELETE FROM events", database: db) }
    }

    /// The views read as the store answers: every row of `logins`, `web_requests` and `connections` is the store's
    /// own event with its text (host, users, addresses, paths…), and the indicator columns count what the store's
    /// columns hold, so an export that stores the text another way must still give the same rows.
    @Test func sqliteViewsAnswerAsTheStoreDoes() throws {
        let (result, c, dir) = try Self.investigate(Self.sampleRoot)
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("case.sqlite").path
        _ = try CaseSQLite.export(c, investigation: result.investigation, to: db)
        let s = result.store
        func text(_ id: UInt32) -> String? { id == 0 ? nil : s.string(id) }
        func ip(_ id: UInt32) -> String? { id == 0 ? nil : s.address(id)?.description }
        func port(_ col: SparseColumn<UInt16>, _ i: Int) -> String? { col.hasValue(at: i) ? String(col[i]) : nil }
        func number<T: BinaryInteger>(_ present: Bool, _ v: T) -> String? { present ? String(v) : nil }
        // The views show times as SQLite's strftime does, to the millisecond, rounded through a double: take its
        // text for each time, after checking it is the time's millisecond or the next.
        var shown: [Int64: String] = [:]
        for row in try CaseSQLite.query(
            "SELECT time_us, strftime('%Y-%m-%dT%H:%M:%fZ', time_us / 1000000.0, 'unixepoch') FROM (SELECT time_us FROM events UNION SELECT time_us FROM timeline)",
            database: db
        ).rows {
            let us = try #require(Int64(row[0] ?? ""))
            let text = try #require(row[1])
            let ms = us >= 0 ? us / 1000 : (us - 999) / 1000
            let near = [ms, ms + 1].map { Timestamp(microseconds: $0 * 1000).iso8601(fractionDigits: 3) }
            #expect(near.contains(text), "\(us) shown as \(text)")
            shown[us] = text
        }
        func time(_ i: Int) -> String? { shown[s.time[i]] }
        func file(_ i: Int) -> String { c.evidence[Int(s.fileID[i])].displayPath }
        func rows(_ sql: String) throws -> [[String?]] {
            try CaseSQLite.query(sql, database: db).rows.sorted { $0.description < $1.description }
        }
        /// The first row where two sorted row lists differ, for the failure message.
        func firstDifference(_ a: [[String?]], _ b: [[String?]]) -> String {
            guard let k = a.indices.first(where: { $0 < b.count && a[$0] != b[$0] }) else { return "counts \(a.count) and \(b.count)" }
            return "SQL \(a[k]) store \(b[k])"
        }
        func expected(_ kinds: Set<String>, _ row: (Int) -> [String?]) -> [[String?]] {
            (0..<s.count).filter { kinds.contains(s.kind[$0].name) }.map(row).sorted { $0.description < $1.description }
        }
        let loginKinds: Set = ["auth_success", "auth_failure", "invalid_user", "session_open", "logout", "ntlm", "kerberos", "rdp"]
        let logins = expected(loginKinds) { i in
            [time(i), text(s.host[i]), s.kind[i].name, s.outcome[i].name, text(s.user[i]), text(s.targetUser[i]),
             text(s.authMethod[i]), ip(s.sourceIP[i]), port(s.sourcePort, i), text(s.program[i]), file(i),
             String(s.line[i])]
        }
        #expect(!logins.isEmpty)
        let sqlLogins = try rows("SELECT * FROM logins")
        #expect(sqlLogins == logins, "\(firstDifference(sqlLogins, logins))")
        let web = expected(["web_request"]) { i in
            [time(i), text(s.host[i]), ip(s.sourceIP[i]), text(s.httpMethod[i]), text(s.path[i]), text(s.query[i]),
             number(s.httpStatus.hasValue(at: i), s.httpStatus[i]), number(s.bytesOut.hasValue(at: i), s.bytesOut[i]),
             text(s.userAgent[i]), text(s.user[i]), file(i), String(s.line[i])]
        }
        #expect(!web.isEmpty)
        #expect(try rows("SELECT * FROM web_requests") == web)
        let connectionKinds: Set = ["flow", "firewall", "connect", "disconnect", "ssh_session", "smb", "rdp", "rpc", "dns", "http", "tls", "alert"]
        let connections = expected(connectionKinds) { i in
            [time(i), text(s.host[i]), s.kind[i].name, ip(s.sourceIP[i]), port(s.sourcePort, i),
             ip(s.destinationIP[i]), port(s.destinationPort, i), text(s.service[i]),
             number(s.bytesOut.hasValue(at: i), s.bytesOut[i]), number(s.bytesIn.hasValue(at: i), s.bytesIn[i]),
             s.outcome[i].name, text(s.signature[i]), text(s.domain[i]), file(i), String(s.line[i])]
        }
        #expect(!connections.isEmpty)
        let sqlConnections = try rows("SELECT * FROM connections")
        #expect(sqlConnections == connections, "\(firstDifference(sqlConnections, connections))")
        // Each indicator column, through its index: the events holding each value, as the store counts them.
        let columns: [(String, SparseColumn<UInt32>, Bool)] = [
            ("src_ip", s.sourceIP, true), ("dst_ip", s.destinationIP, true), ("user", s.user, false),
            ("target_user", s.targetUser, false), ("path", s.path, false), ("user_agent", s.userAgent, false),
            ("domain", s.domain, false), ("command", s.command, false), ("file_hash", s.fileHash, false),
        ]
        for (name, column, isAddress) in columns {
            var counts: [String: Int] = [:]
            for i in 0..<s.count where column[i] != 0 {
                counts[(isAddress ? ip(column[i]) : text(column[i])) ?? "", default: 0] += 1
            }
            let fromStore = counts.map { [$0.key, String($0.value)] }.sorted { $0.description < $1.description }
            let fromSQL = try rows("SELECT \(name), count(*) FROM events_text WHERE \(name) IS NOT NULL GROUP BY 1")
            #expect(fromSQL == fromStore, "\(name)")
        }
        let hosts = try rows("SELECT host, count(*) FROM events_text GROUP BY 1")
        #expect(hosts.reduce(0) { $0 + (Int($1[1] ?? "") ?? 0) } == s.count)
        // The lateral edges and the attack timeline are the investigation's.
        #expect(try rows("SELECT from_host, to_host, time_us FROM lateral_edges").count == result.investigation.edges.count)
        let timeline = result.investigation.timeline.map {
            [shown[$0.time.microseconds], $0.host,
             $0.phase.rawValue, $0.summary]
        }.sorted { $0.description < $1.description }
        let sqlTimeline = try rows("SELECT time, host, phase, summary FROM attack_timeline")
        #expect(sqlTimeline == timeline, "\(firstDifference(sqlTimeline, timeline))")
    }

    /// The events' pages, written by dwell rather than by SQLite, are SQLite's own: `PRAGMA integrity_check` walks
    /// every tree (pages used once, keys in order, every leaf at one depth) and checks each index against the rows.
    /// Pages of 512 bytes make the trees of the sample several levels deep, and 64 KiB pages shallow. The pages
    /// go to the writer's thread three at a time, so many blocks are written while the next are built (#22).
    @Test(arguments: [512, 1024, 4096, 65536])
    func sqliteExportPassesIntegrityCheck(pageSize: Int) throws {
        let (result, c, dir) = try Self.investigate(Self.sampleRoot)
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("case.sqlite").path
        _ = try CaseSQLite.export(
            c, investigation: result.investigation, to: db, pageSize: pageSize, blockBytes: 3 * pageSize)
        func rows(_ sql: String) throws -> [[String?]] { try CaseSQLite.query(sql, database: db).rows }
        #expect(try rows("PRAGMA integrity_check") == [["ok"]])
        #expect(try rows("PRAGMA page_size") == [[String(pageSize)]])
        let s = result.store
        #expect(try rows("SELECT count(*), min(id), max(id) FROM events") == [["\(s.count)", "0", "\(s.count - 1)"]])
        // Each index read on its own (INDEXED BY) gives the store's values in the index's order.
        let ids = try rows("SELECT id FROM events INDEXED BY events_time ORDER BY time_us").map { $0[0] ?? "" }
        #expect(ids == (0..<s.count).map { String($0) })
        let byHost = try rows("SELECT id FROM events INDEXED BY events_host ORDER BY host, time_us").map { Int($0[0] ?? "") }
        #expect(byHost.count == s.count)
        let sources = try rows("SELECT src_ip, id FROM events INDEXED BY events_src_ip WHERE src_ip IS NOT NULL")
        let expected = (0..<s.count).filter { s.sourceIP[$0] != 0 }.sorted {
            (s.sourceIP[$0], $0) < (s.sourceIP[$1], $1)
        }.map { [String(s.sourceIP[$0]), String($0)] }
        #expect(sources == expected)
        // A row read back has the event's values, NULL where it has none.
        let i = try #require((0..<s.count).first { s.destinationPort.hasValue(at: $0) && s.sourceIP[$0] != 0 })
        let row = try rows("SELECT time_us, src_ip, dst_port, path FROM events WHERE id = \(i)")
        #expect(row == [[String(s.time[i]), String(s.sourceIP[i]), String(s.destinationPort[i]), s.path[i] == 0 ? nil : String(s.path[i])]])
    }

    /// A query through a view on an address finds the address by its index, then its events by theirs (no scan).
    @Test func sqliteViewQueryOnAnAddressUsesTheIndexes() throws {
        let (result, c, dir) = try Self.investigate(Self.sampleRoot)
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("case.sqlite").path
        _ = try CaseSQLite.export(c, investigation: result.investigation, to: db)
        let plan = try CaseSQLite.query(
            "EXPLAIN QUERY PLAN SELECT * FROM web_requests WHERE src_ip = '203.0.113.45'", database: db
        ).rows.compactMap { $0.last ?? nil }
        #expect(plan.contains { $0.contains("addresses_ip") }, "\(plan)")
        #expect(plan.contains { $0.contains("events_src_ip") }, "\(plan)")
        #expect(!plan.contains { $0.hasPrefix("SCAN") && $0.contains("events") }, "\(plan)")
    }
}
