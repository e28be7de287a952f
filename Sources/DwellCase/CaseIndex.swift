import DwellCore
import DwellIndex

/// A case opened for queries (`pivot`, `timeline`): the manifest and the cited lines read, the store mapped and
/// read in place (`MappedEventStore`). Nothing of the store is copied, and a column's sections are checked when
/// the query first reads the column, so a pivot on one address costs its postings and its rows, not the store.
///
/// Opening checks every file's header, the manifest's and the lines' checksums and the store's trailer (the
/// sections' bounds and checksums); a damaged column is found when first read: `checkIntact()` says so before a
/// command prints an answer.
public struct CaseIndex {
    /// The manifest as a case without store, findings or lines (evidence, stats, seeds, phases…).
    public var manifest: Case
    public var store: MappedEventStore
    public var lines: CaseLines
    /// The store's stream (the payload before its trailer), mapped.
    var stream: UnsafeRawBufferPointer
    var mappings: [MappedCaseFile]

    public var directory: String { manifest.directory }
    public var paths: [String] { manifest.paths }

    public static func open(_ directory: String) throws(CaseError) -> CaseIndex {
        let (c, manifestFile) = try Case.readManifest(directory)
        let storeFile = try CaseFile.open(.store, in: directory)
        let (stream, sections) = try storeSections(storeFile, directory: directory)
        let store: MappedEventStore
        do {
            store = try MappedEventStore(stream: stream, sections: sections, owner: storeFile)
        } catch {
            throw Case.damaged(directory, .store, error)
        }
        let linesFile = try CaseFile.open(.lines, in: directory)
        var lr = linesFile.reader()
        let lines: CaseLines
        do { lines = try CaseLines(reading: &lr) } catch { throw Case.damaged(directory, .lines, error) }
        return CaseIndex(
            manifest: c, store: store, lines: lines, stream: stream, mappings: [manifestFile, storeFile, linesFile])
    }

    /// The stream and the section table of a store file (`CaseFile.sectioned`), whose trailer `CaseFile.open`
    /// checked against the header's CRC-32.
    static func storeSections(_ file: MappedCaseFile, directory: String) throws(CaseError)
        -> (UnsafeRawBufferPointer, MappedEventStore.Sections)
    {
        let p = file.payload
        let path = directory + "/" + CaseFile.Kind.store.fileName
        func bad(_ what: String) -> CaseError {
            CaseError("\(path): \(what); the case is damaged: rebuild it with `dwell index EVIDENCE... --case \(directory)`")
        }
        guard p.count >= 16, let base = p.baseAddress, Int(bitPattern: base) % 8 == 0 else {
            throw bad("no section table")
        }
        let start = Int(clamping: UInt64(littleEndian: p.loadUnaligned(fromByteOffset: p.count - 8, as: UInt64.self)))
        guard p.count >= 24, start % 8 == 0, start <= p.count - 24 else { throw bad("a section table past the end") }
        let sectionCount = UInt64(littleEndian: p.load(fromByteOffset: start, as: UInt64.self))
        // The trailer: the section count and ends, the chunk count and hashes, the start.
        guard sectionCount <= UInt64(p.count - start - 24) / 8 else { throw bad("a section table past the end") }
        let n = Int(sectionCount)
        let chunkCount = UInt64(littleEndian: p.load(fromByteOffset: start + 8 + 8 * n, as: UInt64.self))
        guard chunkCount <= UInt64(p.count - start) / 8, 24 + 8 * n + 8 * Int(chunkCount) == p.count - start else {
            throw bad("a section table that does not fill the trailer")
        }
        let c = Int(chunkCount)
        let ends = UnsafeBufferPointer(start: (base + start + 8).bindMemory(to: UInt64.self, capacity: n), count: n)
        let hashes = UnsafeBufferPointer(
            start: (base + start + 16 + 8 * n).bindMemory(to: UInt64.self, capacity: c), count: c)
        var previous: UInt64 = 0
        for e in ends {
            guard e >= previous, e <= UInt64(start) else { throw bad("sections out of order") }
            previous = e
        }
        guard n > 0, ends[n - 1] == UInt64(start) else { throw bad("sections that do not cover the store") }
        return (UnsafeRawBufferPointer(rebasing: p[..<start]), MappedEventStore.Sections(ends: ends, hashes: hashes))
    }

    /// Throws when a column the queries read did not match its checksum (call before printing an answer).
    public func checkIntact() throws(CaseError) {
        do { try store.checkIntact() } catch { throw Case.damaged(directory, .store, error) }
    }

    /// The evidence file with this id when it is still at its path with the recorded size and modification time.
    public func unchangedEvidence(_ id: Int) -> EvidenceFile? { Case.unchanged(manifest.evidence, id) }
}
