import DwellCore

/// Parses Zeek logs written as JSON, one object per line (`LogAscii::use_json`, json-streaming-logs, zed exports).
///
///     {"_path":"dns","ts":"2018-03-24T17:15:20.865716Z","uid":"CqKst53mF3det3eDV9","id.orig_h":"10.47.1.100",…}
///     {"@stream":"conn","@system":"nsm1","ts":1588316619.797806,"uid":"CyLse01Jig9yHofDXc","id_orig_h":"10.0.1.5",…}
///
/// Both key styles (`id.orig_h` and `id_orig_h`) and a nested `"id":{"orig_h":…}` are read. The log comes from
/// `_path`/`@stream`, else from a key only that log has (`conn_state`, `qtype_name`, …), else from the previous
/// line. `ts` may be epoch seconds or ISO 8601. Arrays (`answers`, `tx_hosts`) contribute their first element.
/// The sensor (`@system`, `_system_name`) goes to `host` when present. Events and field mapping as for
/// `ZeekTSVParser` (see `ZeekRecord`). A pretty-printed array of objects is also read (`JSONRecordAssembler`).
/// Lines starting with `#` are non-events.
/// - Complexity: O(*n*) in the line length; no allocation once warm.
public struct ZeekJSONParser: JSONObjectLineParser {
    var assembler = JSONRecordAssembler()
    var members: [(key: Range<Int>, value: JSONValue)] = []
    var scratch: [UInt8] = []
    var lastLog: ZeekLog?

    public init() {
        members.reserveCapacity(48)
        scratch.reserveCapacity(256)
    }

    public mutating func parse(
        _ line: Span<UInt8>, into event: inout Event, context: inout ParseContext
    ) throws(LineRejection) -> Bool {
        try parseJSONLine(line, into: &event, context: &context)
    }

    mutating func parseObject(
        _ s: Span<UInt8>, at start: Int, into event: inout Event, context: inout ParseContext
    ) throws(LineRejection) -> Bool {
        members.removeAll(keepingCapacity: true)
        var cursor = JSONMemberCursor(objectAt: start)
        var named: ZeekLog?
        var pathValue: Range<Int>?
        var hinted: ZeekLog?
        while let (key, value) = try cursor.next(s) {
            if value.kind == .string && (s.equals(key, "_path") || s.equals(key, "@stream")) {
                named = ZeekLog.named(s, value.range)
                pathValue = value.range
            } else if hinted == nil {
                hinted = ZeekField.logHint(s, key)
            }
            members.append((key, value))
        }
        let log = named ?? hinted ?? lastLog ?? .other
        lastLog = log
        event.reset(kind: log.kind)
        var sawTime = false
        for k in 0..<members.count {
            let (key, value) = members[k]
            if value.kind == .object && s.equals(key, "id") {
                var sub = JSONMemberCursor(objectAt: value.range.lowerBound)
                while let (subKey, subValue) = try sub.next(s) {
                    let field: ZeekField =
                        s.equals(subKey, "orig_h")
                        ? .origH
                        : s.equals(subKey, "orig_p")
                            ? .origP
                            : s.equals(subKey, "resp_h") ? .respH : s.equals(subKey, "resp_p") ? .respP : .ignore
                    if field != .ignore { try set(field, s, subValue, into: &event, context: &context) }
                }
                continue
            }
            let field = ZeekField.named(s, key, in: log)
            if field == .ignore { continue }
            if field == .ts { sawTime = true }
            try set(field, s, value, into: &event, context: &context)
        }
        guard sawTime else { throw .badTimestamp(atColumn: start) }
        if log == .other, let p = pathValue { event.detail = context.symbols.intern(s, p) }
        return true
    }

    mutating func set(
        _ field: ZeekField, _ s: Span<UInt8>, _ value: JSONValue, into event: inout Event, context: inout ParseContext
    ) throws(LineRejection) {
        switch value.kind {
        case .null, .object:
            return
        case .array:
            var elements = JSONElementCursor(arrayAt: value.range.lowerBound)
            if let first = try elements.next(s), first.kind != .array {
                try set(field, s, first, into: &event, context: &context)
            }
        case .string where value.hasEscapes:
            var buffer: [UInt8] = []
            swap(&buffer, &scratch)
            defer { swap(&buffer, &scratch) }
            buffer.removeAll(keepingCapacity: true)
            JSONScanner.unescape(s, value.range, into: &buffer)
            try buffer.withUnsafeBufferPointer { p throws(LineRejection) in
                try ZeekRecord.set(
                    field, p.span, 0..<p.count, setSeparator: 0, into: &event, context: &context)
            }
        default:
            try ZeekRecord.set(
                field, s, value.range, setSeparator: 0, into: &event, context: &context)
        }
    }
}
