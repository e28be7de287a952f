import DwellCore

/// Joins a JSON object written over several lines into one buffer, for files that hold one pretty-printed JSON
/// array (`jq .` output, some exports) instead of one object per line.
///
///     [
///       {
///         "timestamp": "2015-03-29T11:01:38.221126-0600",
///         ...
///       },
///     ]
///
/// The JSON parsers ask `lineRole` first: array punctuation lines are non-events; a line that opens an object but
/// does not close it starts collection; while collecting, every line is fed until the object closes, and the
/// event is reported on the object's last line. The buffer is reused (no allocation once warm) and bounded by
/// `maxBytes`; a longer object is rejected as truncated.
public struct JSONRecordAssembler {
    public static let maxBytes = 4 << 20

    /// The bytes of the object being collected (lines joined with `\n`).
    public var buffer: [UInt8] = []
    var depth = 0
    var inString = false
    var escape = false
    /// Set once a whole object was read from one line: the file is NDJSON, and a line that ends early is
    /// rejected as truncated instead of starting a collection that would swallow the next lines.
    public var oneObjectPerLine = false

    public init() {}

    public var isCollecting: Bool { !buffer.isEmpty }

    /// What a line outside any object is.
    public enum LineRole {
        case object  // starts with `{`: parse it (and collect if it does not close)
        case punctuation  // `[`, `]`, `],`, `,` or blank: a non-event
        case other  // anything else
    }

    /// Classifies a line that arrives while not collecting.
    public static func lineRole(_ s: Span<UInt8>) -> LineRole {
        var i = 0
        while i < s.count, s[i] == 0x20 || s[i] == 0x09 { i += 1 }
        if i == s.count { return .punctuation }
        let c = s[i]
        if c == UInt8(ascii: "{") { return .object }
        if c == UInt8(ascii: "[") {
            var j = i + 1
            while j < s.count, s[j] == 0x20 || s[j] == 0x09 { j += 1 }
            if j == s.count { return .punctuation }
            return s[j] == UInt8(ascii: "{") ? .other : .other
        }
        if c == UInt8(ascii: "]") || c == UInt8(ascii: ",") {
            var j = i + 1
            while j < s.count, s[j] == 0x20 || s[j] == 0x09 || s[j] == UInt8(ascii: ",") { j += 1 }
            return j == s.count ? .punctuation : .other
        }
        return .other
    }

    /// Adds a line to the object. Returns `true` when the object is complete (its bytes are in `buffer`).
    /// - Throws: `.lineTooLong` when the object outgrows `maxBytes` (collection is reset).
    public mutating func feed(_ s: Span<UInt8>) throws(LineRejection) -> Bool {
        if !buffer.isEmpty { buffer.append(0x0a) }
        var i = 0
        var closedAt: Int?
        while i < s.count {
            let c = s[i]
            if inString {
                if escape {
                    escape = false
                } else if c == UInt8(ascii: "\\") {
                    escape = true
                } else if c == UInt8(ascii: "\"") {
                    inString = false
                }
            } else if c == UInt8(ascii: "\"") {
                inString = true
            } else if c == UInt8(ascii: "{") || c == UInt8(ascii: "[") {
                depth += 1
            } else if c == UInt8(ascii: "}") || c == UInt8(ascii: "]") {
                depth -= 1
                if depth <= 0 {
                    closedAt = i + 1
                    break
                }
            }
            i += 1
        }
        let take = closedAt ?? s.count
        s.withUnsafeBufferPointer { buffer.append(contentsOf: UnsafeBufferPointer(rebasing: $0[0..<take])) }
        if buffer.count > Self.maxBytes {
            let n = buffer.count
            reset()
            throw .lineTooLong(bytes: n)
        }
        return closedAt != nil
    }

    /// Forgets the collected object, keeping the buffer's capacity.
    public mutating func reset() {
        buffer.removeAll(keepingCapacity: true)
        depth = 0
        inString = false
        escape = false
    }
}

/// A JSON object parser that can also read objects spread over several lines (see `JSONRecordAssembler`).
protocol JSONObjectLineParser: LineParser {
    var assembler: JSONRecordAssembler { get set }
    /// Parses the object that starts at `start` in `s` into `event` (with `LineParser`'s convention). Returns
    /// `false` for objects the format defines as non-events.
    mutating func parseObject(
        _ s: Span<UInt8>, at start: Int, into event: inout Event, context: inout ParseContext
    ) throws(LineRejection) -> Bool
}

extension JSONObjectLineParser {
    /// One object per line, or pretty-printed objects collected over lines.
    mutating func parseJSONLine(
        _ line: Span<UInt8>, into event: inout Event, context: inout ParseContext
    ) throws(LineRejection) -> Bool {
        if assembler.isCollecting {
            guard try assembler.feed(line) else { return false }
            return try parseCollected(into: &event, context: &context)
        }
        switch JSONRecordAssembler.lineRole(line) {
        case .punctuation:
            return false
        case .other:
            if line.count > 0, line[0] == UInt8(ascii: "#") { return false }
            var i = 0
            while i < line.count, line[i] == 0x20 || line[i] == 0x09 { i += 1 }
            throw .unexpectedByte(i < line.count ? line[i] : 0, atColumn: i)
        case .object:
            var start = 0
            while start < line.count, line[start] != UInt8(ascii: "{") { start += 1 }
            do {
                let isEvent = try parseObject(line, at: start, into: &event, context: &context)
                assembler.oneObjectPerLine = true
                return isEvent
            } catch {
                guard case .truncated = error, !assembler.oneObjectPerLine else { throw error }
                // The object continues on the next lines: collect it.
                if try assembler.feed(line) { return try parseCollected(into: &event, context: &context) }
                return false
            }
        }
    }

    private mutating func parseCollected(
        into event: inout Event, context: inout ParseContext
    ) throws(LineRejection) -> Bool {
        var bytes: [UInt8] = []
        swap(&bytes, &assembler.buffer)
        defer {
            swap(&bytes, &assembler.buffer)
            assembler.reset()
        }
        var start = 0
        while start < bytes.count, bytes[start] != UInt8(ascii: "{") { start += 1 }
        let s0 = start
        return try bytes.withUnsafeBufferPointer { p throws(LineRejection) -> Bool in
            try parseObject(p.span, at: s0, into: &event, context: &context)
        }
    }
}
