import DwellCore

/// Parses Windows events exported as JSON, one object per line, into the `WindowsRecord` field model.
///
///     Winlogbeat/Elastic: {"@timestamp":"…","winlog":{"event_id":4624,"computer_name":"WS1","channel":"Security",
///                          "event_data":{"TargetUserName":"bob","IpAddress":"10.0.0.5","LogonType":"3",…}},…}
///     flat (OTRF/Mordor, NXLog): {"@timestamp":"…","EventID":4624,"Hostname":"WS1","Channel":"Security",
///                          "TargetUserName":"bob",…}
///     evtx_dump -o jsonl:  {"Event":{"System":{"EventID":4624,"Computer":"WS1","TimeCreated":{"#attributes":
///                          {"SystemTime":"…"}},…},"EventData":{"TargetUserName":"bob",…}}}
///
/// Every leaf of the object becomes a field under its own key (nested objects are walked; `#text` takes its
/// parent's key, `#attributes` are flattened, Provider's `Name` becomes `Provider`); the first of a repeated key
/// wins. A line without an event id is rejected (`.unrecognized`).
/// - Complexity: O(*n*) in the line.
public struct WindowsJSONParser: LineParser {
    /// The last parsed record's fields (the Sigma engine reads fields the index does not keep from here).
    public private(set) var record = WindowsRecord()
    var mapper = WindowsEventMapper()
    var scratch: [UInt8] = []

    public init() {}

    public mutating func parse(
        _ line: Span<UInt8>, into event: inout Event, context: inout ParseContext
    ) throws(LineRejection) -> Bool {
        var i = 0
        while i < line.count, line[i] == 0x20 || line[i] == 0x09 { i += 1 }
        guard i < line.count, line[i] == 0x7b else { throw .unexpectedByte(i < line.count ? line[i] : 0, atColumn: i) }
        record.removeAll()
        try walk(line, objectAt: i, parent: 0..<0, depth: 0)
        try mapper.map(record, into: &event, context: &context)
        return true
    }

    static let textKey = Array("#text".utf8)
    static let attributesKey = Array("#attributes".utf8)
    static let providerKey = Array("Provider".utf8)
    static let nameKey = Array("Name".utf8)

    mutating func walk(_ s: Span<UInt8>, objectAt start: Int, parent: Range<Int>, depth: Int) throws(LineRejection) {
        guard depth < 16 else { throw .invalidField(atColumn: start) }
        var members = JSONMemberCursor(objectAt: start)
        while let (key, value) = try members.next(s) {
            var name = key
            if equals(s, key, Self.textKey) || (equals(s, key, Self.nameKey) && equals(s, parent, Self.providerKey)) {
                name = parent
            }
            switch value.kind {
            case .object:
                // `#attributes` belong to the parent element.
                let p = equals(s, key, Self.attributesKey) ? parent : key
                try walk(s, objectAt: value.range.lowerBound, parent: p, depth: depth + 1)
            case .array:
                continue
            default:
                if name.isEmpty { continue }
                let n0 = record.bytes.count
                for k in name { record.bytes.append(s[k]) }
                let v0 = record.bytes.count
                if value.kind == .string && value.hasEscapes {
                    JSONScanner.unescape(s, value.range, into: &record.bytes)
                } else if value.kind == .null {
                    // no value
                } else {
                    for k in value.range { record.bytes.append(s[k]) }
                }
                record.fields.append((n0..<v0, v0..<record.bytes.count))
            }
        }
    }

    func equals(_ s: Span<UInt8>, _ r: Range<Int>, _ key: [UInt8]) -> Bool {
        guard r.count == key.count else { return false }
        var k = 0
        while k < key.count {
            if s[r.lowerBound + k] != key[k] { return false }
            k += 1
        }
        return true
    }

    /// Scores a sample: lines that are JSON objects naming a Windows event id and a channel or computer.
    public static func detectionScore(_ sample: DetectionSample) -> Int {
        var score = 0
        for line in sample.lines {
            let t = String(decoding: line.prefix(1 << 16), as: UTF8.self)
            guard t.first == "{" else { continue }
            let hasID = t.contains("\"EventID\"") || t.contains("\"event_id\"")
            let hasWhere =
                t.contains("\"Channel\"") || t.contains("\"channel\"") || t.contains("\"Computer\"")
                || t.contains("\"computer_name\"") || t.contains("\"Hostname\"")
            if hasID && hasWhere { score += 3 }
        }
        return score
    }
}
