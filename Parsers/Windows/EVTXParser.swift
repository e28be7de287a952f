import DwellCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads binary Windows event logs (`.evtx`) from their bytes, recovering every record that can be read.
///
///     file header (4096 bytes): "ElfFile\0", first/last chunk (8+8), next record id (8), header size (4),
///         minor/major version (2+2), header block size (2), chunk count (2), …, flags (4, at 120: 1 dirty,
///         2 full), CRC32 of bytes 0..<120 (4, at 124)
///     chunks of 64 KiB: "ElfChnk\0", first/last record number (8+8), first/last record id (8+8), header size (4),
///         last record offset (4), free space offset (4, at 48), CRC32 of the records (4, at 52), …,
///         CRC32 of bytes 0..<120 and 128..<512 (4, at 124); string and template offset tables; records from 512
///     record: "**\0\0", size (4), record id (8), written FILETIME (8), BinXML, size again (4)
///
/// Damaged files: a bad file header, a bad chunk checksum or signature, a cut chunk, bytes that are no record,
/// records beyond a chunk header's last record and chunks beyond the header's count are reported as
/// `FramedProblem`s, and every record that validates on its own (signature, size, trailing size copy, BinXML that
/// renders) is still read. A record whose BinXML does not render is rejected with its offset.
/// - Complexity: O(*n*) in the file; one pass; allocation only while names, fields and XML buffers grow.
public struct EVTXParser: FramedRecordParser {
    public static let chunkBytes = 65_536
    public static let headerBlockBytes = 4_096
    var renderer = BinXMLRenderer()
    public var record = WindowsRecord()
    public var xml: [UInt8] = []
    var mapper = WindowsEventMapper()

    public init() { xml.reserveCapacity(8192) }

    /// Whether the bytes start like an EVTX file (`ElfFile\0`).
    public static func isEVTX(_ prefix: [UInt8]) -> Bool {
        prefix.count >= 8 && Array(prefix[0..<8]) == Array("ElfFile\0".utf8)
    }

    /// Reads every record. With `wantsRaw` false the records are not rendered as XML (the fields, and so the
    /// events, are the same): `emit` gets an empty raw text, and only a rejected record is rendered again, with its
    /// XML, for the manifest's samples. `rawRecords` renders the XML of the cited records when a report needs it.
    public mutating func parse(
        file: UnsafeBufferPointer<UInt8>, wantsRaw: Bool, context: inout ParseContext,
        emit: (inout Event, FramedRecordRef, UnsafeBufferPointer<UInt8>, inout ParseContext) -> Void,
        reject: (LineRejection, FramedRecordRef, UnsafeBufferPointer<UInt8>) -> Void
    ) -> [FramedProblem] {
        var event = Event()
        var mapper = self.mapper
        defer {
            self.mapper = mapper
            renderer.wantsXML = true
        }
        renderer.wantsXML = wantsRaw
        return walk(file: file) { ref, rendered, writtenMicros, parser in
            var failure: LineRejection? = rendered ? nil : .invalidField(atColumn: 0)
            if failure == nil {
                do throws(LineRejection) {
                    try mapper.map(parser.record, into: &event, fallbackTime: writtenMicros, context: &context)
                } catch {
                    failure = error
                }
            }
            if let failure {
                if !wantsRaw { parser.renderAgainWithXML() }
                parser.xml.withUnsafeBufferPointer { reject(failure, ref, $0) }
                return
            }
            parser.xml.withUnsafeBufferPointer { emit(&event, ref, $0, &context) }
        }
    }

    public mutating func rawRecords(file: UnsafeBufferPointer<UInt8>, numbers: Set<UInt64>) -> [UInt64: [UInt8]] {
        var out: [UInt64: [UInt8]] = [:]
        _ = walk(file: file) { ref, _, _, parser in
            if numbers.contains(ref.number) && out[ref.number] == nil { out[ref.number] = parser.xml }
        }
        return out
    }

    /// Visits every record: its place, whether its BinXML rendered (into `record` and `xml`), and its written time.
    public mutating func walk(
        file: UnsafeBufferPointer<UInt8>, visit: (FramedRecordRef, Bool, Int64, inout EVTXParser) -> Void
    ) -> [FramedProblem] {
        var problems: [FramedProblem] = []
        var headerChunks = -1
        if file.count >= 128 && Self.matches(file, 0, "ElfFile\0") {
            if CRC32.checksum(file, 0..<120) != Self.u32(file, 124) {
                problems.append(FramedProblem(kind: .fileHeaderChecksum, offset: 124, isLoss: false))
            }
            if Self.u32(file, 120) & 1 != 0 { problems.append(FramedProblem(kind: .dirty, offset: 120, isLoss: false)) }
            headerChunks = Int(Self.u16(file, 42))
        } else if file.count > 0 {
            problems.append(FramedProblem(kind: .badFileHeader, offset: 0, isLoss: false))
        }
        var chunkOffset = Self.headerBlockBytes
        var index = 0
        var beyondChunks = 0
        while chunkOffset < file.count {
            defer {
                chunkOffset += Self.chunkBytes
                index += 1
            }
            let available = min(Self.chunkBytes, file.count - chunkOffset)
            let chunk = UnsafeBufferPointer(rebasing: file[chunkOffset..<chunkOffset + available])
            if chunk.allSatisfy({ $0 == 0 }) { continue }  // an unused chunk slot
            if headerChunks >= 0 && index >= headerChunks { beyondChunks += 1 }
            if available < Self.chunkBytes {
                problems.append(
                    FramedProblem(
                        kind: .truncatedChunk, offset: UInt64(chunkOffset), count: Self.chunkBytes - available,
                        isLoss: true))
            }
            var freeOffset = available
            var lastRecordID = UInt64.max
            if available >= 512 && Self.matches(chunk, 0, "ElfChnk\0") {
                var crc = CRC32()
                crc.update(chunk, 0..<120)
                crc.update(chunk, 128..<512)
                if crc.value != Self.u32(chunk, 124) {
                    problems.append(
                        FramedProblem(kind: .chunkHeaderChecksum, offset: UInt64(chunkOffset + 124), isLoss: true))
                }
                let free = Int(Self.u32(chunk, 48))
                if free >= 512 && free <= available {
                    freeOffset = free
                    if CRC32.checksum(chunk, 512..<free) != Self.u32(chunk, 52) {
                        problems.append(
                            FramedProblem(kind: .chunkDataChecksum, offset: UInt64(chunkOffset + 512), isLoss: true))
                    }
                }
                lastRecordID = Self.u64(chunk, 32)
            } else {
                problems.append(FramedProblem(kind: .chunkSignature, offset: UInt64(chunkOffset), isLoss: true))
            }
            guard available > 512 else { continue }
            renderer.begin(chunk: chunk)
            var pos = 512
            var beyond = 0
            var stale = 0
            var previousID = UInt64.max
            var badStart = -1
            func flushBad(_ at: Int) {
                if badStart >= 0 && badStart < freeOffset {
                    problems.append(
                        FramedProblem(
                            kind: .badRecord, offset: UInt64(chunkOffset + badStart), count: min(at, freeOffset) - badStart,
                            isLoss: true))
                }
                badStart = -1
            }
            while pos + 28 <= available {
                if chunk[pos] == 0x2a, chunk[pos + 1] == 0x2a, chunk[pos + 2] == 0, chunk[pos + 3] == 0 {
                    let size = Int(Self.u32(chunk, pos + 4))
                    if size >= 28, pos + size <= available, Int(Self.u32(chunk, pos + size - 4)) == size {
                        flushBad(pos)
                        let id = Self.u64(chunk, pos + 8)
                        // Past the free-space offset, only records continuing the chunk's sequence were written
                        // after the header (a dirty file); others are stale leftovers of earlier data.
                        if pos >= freeOffset && (previousID == .max || id != previousID &+ 1) {
                            stale += 1
                            pos += size
                            continue
                        }
                        previousID = id
                        let written = BinXMLRenderer.micros(fileTime: Self.u64(chunk, pos + 16))
                        if lastRecordID != .max && id > lastRecordID { beyond += 1 }
                        lastRecord = (pos + 24)..<(pos + size - 4)
                        let ok = render(from: pos + 24, to: pos + size - 4)
                        visit(FramedRecordRef(number: id, offset: UInt64(chunkOffset + pos)), ok, written, &self)
                        pos += size
                        continue
                    }
                }
                // Not a record here. Before the free-space offset these bytes are damage (reported as a bad run);
                // in free space they are zeros or leftovers, never reported. Either way the next record can only
                // start at a `*`: jump there with memchr (a chunk's free space is most of a small log).
                if badStart < 0 && pos < freeOffset { badStart = pos }
                pos = Self.nextStar(chunk, from: pos + 1, before: available - 27)
            }
            flushBad(pos)
            if stale > 0 {
                problems.append(
                    FramedProblem(kind: .staleRecords, offset: UInt64(chunkOffset + freeOffset), count: stale, isLoss: false))
            }
            if beyond > 0 {
                problems.append(
                    FramedProblem(kind: .recordsBeyondHeader, offset: UInt64(chunkOffset + 32), count: beyond, isLoss: false))
            }
        }
        if beyondChunks > 0 {
            problems.append(
                FramedProblem(kind: .chunksBeyondHeader, offset: 42, count: beyondChunks, isLoss: false))
        }
        return problems
    }

    /// The BinXML of the record last visited (offsets in its chunk).
    var lastRecord = 0..<0

    /// Renders the record last visited again, with its XML (a rejected record's raw text when the walk was
    /// reading without XML).
    mutating func renderAgainWithXML() {
        let saved = renderer.wantsXML
        renderer.wantsXML = true
        _ = render(from: lastRecord.lowerBound, to: lastRecord.upperBound)
        renderer.wantsXML = saved
    }

    /// The offset of the next `*` in `chunk[from..<before]`, or `before` when there is none.
    static func nextStar(_ chunk: UnsafeBufferPointer<UInt8>, from: Int, before: Int) -> Int {
        guard from < before, let base = chunk.baseAddress else { return max(from, before) }
        guard let hit = memchr(base + from, 0x2a, before - from) else { return before }
        return UnsafeRawPointer(base).distance(to: UnsafeRawPointer(hit))
    }

    /// Renders one record's BinXML into `record` and `xml`; `false` when it does not render.
    mutating func render(from start: Int, to end: Int) -> Bool {
        record.removeAll()
        xml.removeAll(keepingCapacity: true)
        renderer.reset()
        do {
            _ = try renderer.render(from: start, to: end, record: &record, xml: &xml)
            return true
        } catch {
            return false
        }
    }

    static func matches(_ p: UnsafeBufferPointer<UInt8>, _ at: Int, _ s: StaticString) -> Bool {
        let n = s.utf8CodeUnitCount
        guard at + n <= p.count else { return false }
        return s.withUTF8Buffer { b in (0..<n).allSatisfy { p[at + $0] == b[$0] } }
    }

    static func u16(_ p: UnsafeBufferPointer<UInt8>, _ o: Int) -> UInt16 {
        guard o + 2 <= p.count else { return 0 }
        return UInt16(p[o]) | UInt16(p[o + 1]) << 8
    }

    static func u32(_ p: UnsafeBufferPointer<UInt8>, _ o: Int) -> UInt32 {
        guard o + 4 <= p.count else { return 0 }
        return UInt32(p[o]) | UInt32(p[o + 1]) << 8 | UInt32(p[o + 2]) << 16 | UInt32(p[o + 3]) << 24
    }

    static func u64(_ p: UnsafeBufferPointer<UInt8>, _ o: Int) -> UInt64 {
        UInt64(u32(p, o)) | UInt64(u32(p, o + 4)) << 32
    }
}

/// CRC-32 over parts of a buffer (EVTX header and chunk checks), through `CRC32Checksum` (zlib's).
public struct CRC32 {
    public private(set) var value: UInt32 = 0

    public init() {}

    public mutating func update(_ p: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) {
        let r = range.clamped(to: 0..<p.count)
        value = CRC32Checksum.update(value, UnsafeBufferPointer(rebasing: p[r]))
    }

    public static func checksum(_ p: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> UInt32 {
        var c = CRC32()
        c.update(p, range)
        return c.value
    }
}
