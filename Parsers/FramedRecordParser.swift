import DwellCore

/// Where one record of a record-framed file sits: its number (cited as the line) and its byte offset.
public struct FramedRecordRef: Sendable, Equatable {
    public var number: UInt64
    public var offset: UInt64

    public init(number: UInt64, offset: UInt64) {
        self.number = number
        self.offset = offset
    }
}

/// A problem with the structure of a record-framed file: what, where, and how much was skipped.
/// The reader that knows the file turns it into a manifest issue (parsers format no messages).
public struct FramedProblem: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case badFileHeader  // no `ElfFile` signature: chunks are looked for anyway
        case fileHeaderChecksum  // the header's CRC32 does not match
        case dirty  // the header says the file was not closed cleanly (not itself a loss)
        case chunkSignature  // a chunk slot without `ElfChnk` that is not empty
        case chunkHeaderChecksum  // a chunk header's CRC32 does not match; its records were still tried
        case chunkDataChecksum  // the CRC32 of a chunk's records does not match; its records were still tried
        case truncatedChunk  // the file ends inside a chunk
        case badRecord  // bytes in a chunk that are not a valid record: skipped up to the next record signature
        case recordsBeyondHeader  // records past the chunk header's last record (a dirty file): read
        case chunksBeyondHeader  // chunks past the file header's chunk count: read
        case staleRecords  // records in a chunk's free space that do not continue its sequence: left unread
    }

    public var kind: Kind
    /// Byte offset in the file.
    public var offset: UInt64
    /// Bytes skipped (bad records, cut chunk), or records/chunks concerned.
    public var count: Int
    /// Whether evidence may be lost (a note otherwise).
    public var isLoss: Bool

    public init(kind: Kind, offset: UInt64, count: Int = 0, isLoss: Bool) {
        self.kind = kind
        self.offset = offset
        self.count = count
        self.isLoss = isLoss
    }
}

/// Parses a whole file whose records are framed by the format itself (not by newlines or a fixed size), such as
/// EVTX. The file is given whole; each record becomes an event with its raw evidence (the record rendered as one
/// line of text), or a rejection.
public protocol FramedRecordParser {
    /// Reads every record it can. `emit` gets each event (provenance not yet set) with its place, raw text and the context back;
    /// `reject` each record that cannot be read. Returns the file's structural problems, in file order.
    /// With `wantsRaw` false the caller does not read the events' raw text (it may be empty, and is built later by
    /// `rawRecords` for the records a report cites); a rejected record's raw text is always given.
    mutating func parse(
        file: UnsafeBufferPointer<UInt8>, wantsRaw: Bool, context: inout ParseContext,
        emit: (inout Event, FramedRecordRef, UnsafeBufferPointer<UInt8>, inout ParseContext) -> Void,
        reject: (LineRejection, FramedRecordRef, UnsafeBufferPointer<UInt8>) -> Void
    ) -> [FramedProblem]

    /// The raw evidence text of the records whose numbers are in `numbers` (for reports citing them).
    mutating func rawRecords(file: UnsafeBufferPointer<UInt8>, numbers: Set<UInt64>) -> [UInt64: [UInt8]]
}

extension FramedRecordParser {
    /// Reads every record with its raw text.
    public mutating func parse(
        file: UnsafeBufferPointer<UInt8>, context: inout ParseContext,
        emit: (inout Event, FramedRecordRef, UnsafeBufferPointer<UInt8>, inout ParseContext) -> Void,
        reject: (LineRejection, FramedRecordRef, UnsafeBufferPointer<UInt8>) -> Void
    ) -> [FramedProblem] {
        parse(file: file, wantsRaw: true, context: &context, emit: emit, reject: reject)
    }
}
