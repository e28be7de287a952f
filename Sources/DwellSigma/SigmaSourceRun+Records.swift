import DwellCore
import DwellIndex
import Parsers

/// The Windows record fields a compiled rule reads (`DwellField.record`), by Sigma name.
extension SigmaCompiledRule {
    var recordFieldNames: Set<String> {
        var out = Set<String>()
        func add(_ f: DwellField?) { if case .record(let n)? = f { out.insert(n) } }
        for t in tests {
            add(t.field)
            if case .fieldref(let other, _, _) = t.check { add(other) }
        }
        add(groupField)
        add(countField)
        return out
    }

    /// The Windows event ids outside which the rule cannot match (`nil`: any id may match): an `EventID` test of
    /// plain numbers gives its ids, `and` keeps what every constrained part allows, `or` the union when every
    /// branch is constrained. Records outside these ids are not read back.
    var requiredEventIDs: Set<Int>? { Self.requiredEventIDs(root, tests) }

    static func requiredEventIDs(_ node: SigmaNode, _ tests: [SigmaFieldTest]) -> Set<Int>? {
        switch node {
        case .constant(let b): return b ? nil : []
        case .not: return nil
        case .test(let i):
            let t = tests[i]
            guard t.field == .eventID, case .patterns(let ps, let all) = t.check, !all || ps.count == 1 else { return nil }
            var ids = Set<Int>()
            for p in ps {
                guard p.pieces.count == 1, case .literal(let l) = p.pieces[0], !l.isEmpty, l.count < 10,
                    l.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 })
                else { return nil }
                // Digits only: the store keeps the id as its decimal text, so a leading zero could never match.
                guard let n = Int(String(decoding: l, as: UTF8.self)), String(n).utf8.count == l.count else { return nil }
                ids.insert(n)
            }
            return ids
        case .and(let xs):
            var acc: Set<Int>?
            for x in xs {
                guard let s = requiredEventIDs(x, tests) else { continue }
                acc = acc.map { $0.intersection(s) } ?? s
            }
            return acc
        case .or(let xs):
            var acc = Set<Int>()
            for x in xs {
                guard let s = requiredEventIDs(x, tests) else { return nil }
                acc.formUnion(s)
            }
            return acc
        }
    }
}

extension SourceRun {
    /// Reads back the Windows record fields that `rules` ask for, for the events they can match (by event id):
    /// each event's raw record (EVTX rendered as XML, or the export's JSON or XML line) is parsed again into its
    /// name/value pairs, and each wanted field's value is kept once per distinct value. Returns a note when some
    /// records could not be read back or parsed (their fields count as absent).
    /// - Complexity: one pass per file holding candidate events (the EVTX reader renders the file's records).
    /// `everyEvent`: read every event's record, not only those of the ids the rules can match (the oracle's rows).
    mutating func loadRecords(_ rules: [SigmaCompiledRule], reader: SigmaLineReader?, everyEvent: Bool = false) -> String? {
        var names = Set<String>()
        var ids = Set<Int>()
        var anyID = everyEvent
        for r in rules {
            let n = r.recordFieldNames
            guard !n.isEmpty else { continue }
            names.formUnion(n)
            if let s = r.requiredEventIDs { ids.formUnion(s) } else { anyID = true }
        }
        guard !names.isEmpty, !positions.isEmpty else { return nil }
        let ordered = names.sorted()
        var columns = [[UInt64]](repeating: [UInt64](repeating: FieldAccess.absent, count: positions.count), count: ordered.count)
        defer { for (k, n) in ordered.enumerated() { recordKeys[n] = columns[k] } }
        // Events by file, in line order, restricted to the ids some rule can match.
        var idOf: [UInt32: Int] = [:]
        var byFile: [UInt32: [(line: UInt64, n: Int)]] = [:]
        for (n, p) in positions.enumerated() {
            if !anyID {
                let s = store.signature[p]
                let id: Int
                if let known = idOf[s] { id = known } else {
                    id = Int(store.string(s)) ?? -1
                    idOf[s] = id
                }
                guard ids.contains(id) else { continue }
            }
            byFile[store.fileID[p], default: []].append((UInt64(store.line[p]), n))
        }
        guard !byFile.isEmpty else { return nil }
        guard let reader else { return "Windows record fields not read: the records were not available" }
        // Each wanted field's lookup names (`Provider_Name` is `Provider`), as bytes.
        let lookups: [[[UInt8]]] = ordered.map { SigmaFieldMap.recordNames($0).map { Array($0.utf8) } }
        var valueIDs: [[UInt8]: UInt64] = [:]
        var fields = WindowsFieldReader()
        var unread = 0
        var unparsed = 0
        for fileID in byFile.keys.sorted() {
            guard let events = byFile[fileID]?.sorted(by: { ($0.line, $0.n) < ($1.line, $1.n) }), let first = events.first
            else { continue }
            let format = Int(store.format[positions[first.n]])
            let json = format >= 1 && format <= Registry.formats.count && Registry.formats[format - 1].name == "windows-json"
            var wanted: [UInt64] = []
            for e in events where wanted.last != e.line { wanted.append(e.line) }
            var next = 0
            var seen = 0
            let ok = reader(fileID, wanted) { line, bytes in
                while next < events.count && events[next].line < line { next += 1 }
                guard next < events.count, events[next].line == line else { return }
                var end = next
                while end < events.count && events[end].line == line { end += 1 }
                defer {
                    seen += end - next
                    next = end
                }
                guard let record = fields.parse(bytes, json: json) else {
                    unparsed += end - next
                    return
                }
                for (k, names) in lookups.enumerated() {
                    // An empty value is absent, as the index's empty fields are (Sigma `null` matches both).
                    guard let r = record.firstRange(namedAny: names), !r.isEmpty else { continue }
                    let value = Array(record.bytes[r])
                    let id: UInt64
                    if let known = valueIDs[value] { id = known } else {
                        id = UInt64(recordValues.count)
                        recordValues.append(value)
                        valueIDs[value] = id
                    }
                    for m in next..<end { columns[k][events[m].n] = id }
                }
            }
            unread += ok ? events.count - seen : events.count
        }
        var notes: [String] = []
        if unread > 0 { notes.append("\(unread) Windows events' records could not be read back (their record fields count as absent)") }
        if unparsed > 0 { notes.append("\(unparsed) Windows records read back did not parse again (their record fields count as absent)") }
        return notes.isEmpty ? nil : notes.joined(separator: "; ")
    }
}

/// Parses a Windows record's raw evidence again into its name/value pairs: XML (`<Event …>`, as dwell renders an
/// EVTX record and as `windows-xml` lines are) or a JSON export line.
struct WindowsFieldReader {
    var xml = WindowsXMLParser()
    var json = WindowsJSONParser()
    var context = ParseContext()
    var event = Event()

    /// The record's fields, or `nil` when the bytes are not a Windows record.
    mutating func parse(_ bytes: UnsafeBufferPointer<UInt8>, json isJSON: Bool) -> WindowsRecord? {
        do {
            if isJSON {
                guard try json.parse(bytes.span, into: &event, context: &context) else { return nil }
                return json.record
            }
            guard try xml.parse(bytes.span, into: &event, context: &context) else { return nil }
            return xml.record
        } catch {
            return nil
        }
    }
}

extension WindowsRecord {
    /// The value range of the first field with one of `names` (tried in order), or `nil`.
    func firstRange(namedAny names: [[UInt8]]) -> Range<Int>? {
        for key in names {
            for f in fields where f.name.count == key.count && bytes[f.name].elementsEqual(key) { return f.value }
        }
        return nil
    }
}
