/// The one-line rendering of a journal entry that dwell cites as the entry's raw evidence.
///
///     2023-12-16T01:25:35.000123Z fink pkexec[2216] {_UID=1000 _COMM=pkexec _TRANSPORT=syslog cursor=s=…;i=7dd;…}: user1: Executing command …
///
/// Like `journalctl -o short-iso` (time, `_HOSTNAME`, `SYSLOG_IDENTIFIER` or `_COMM`, pid, `MESSAGE`), with the
/// fields an analyst asks for next and the journal cursor between braces, so that
/// `journalctl --file F --cursor C` shows the same entry. Control bytes, `\` and `"` in values are escaped
/// (`\n`, `\t`, `\xNN`, `\\`, `\"`); a value holding a space, `{` or `}` is quoted. Other bytes are copied
/// (reports escape them as they do any raw line). The message comes last and runs to the end of the line.
extension JournalEntry {
    /// Fields shown between the braces, in this order, when present.
    public static let renderedFields = renderedOrder.map {
        Array(UnsafeBufferPointer(start: $0.key.utf8Start, count: $0.keyBytes))
    }
    static let renderedOrder: [JournalField] = [
        .uid, .gid, .comm, .exe, .cmdline, .systemdUnit, .transport, .priority, .syslogFacility, .auditSession,
        .auditLoginUID, .sourceRealtime,
    ]
    static let cursorKey = Array("cursor=".utf8)

    /// Writes the rendering into `out` (replacing its contents).
    /// - Returns: the column where the message starts.
    public func render(into out: inout [UInt8], seqnumID: JournalID) -> Int {
        withFieldBytes { p in render(p, into: &out, seqnumID: seqnumID) }
    }

    /// One pass names the entry's fields (`JournalField.classify`, first of each name kept, as `value(key:)`
    /// finds it); each value shown is then found by name without comparing it with every field.
    func render(_ p: UnsafeBufferPointer<UInt8>, into out: inout [UInt8], seqnumID: JournalID) -> Int {
        withUnsafeTemporaryAllocation(of: Int.self, capacity: JournalField.allCases.count) { first in
            first.initialize(repeating: -1)
            for (k, r) in fields.enumerated() {
                // `fields` are ranges of `p` (the reader's, or checked by the caller that built them).
                guard r.lowerBound >= 0, r.upperBound <= p.count,
                    let f = JournalField.classify(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: p[r]))),
                    first[Int(f.rawValue)] < 0
                else { continue }
                first[Int(f.rawValue)] = k
            }
            func value(_ f: JournalField) -> Range<Int>? {
                let k = first[Int(f.rawValue)]
                guard k >= 0 else { return nil }
                return (fields[k].lowerBound + f.keyBytes)..<fields[k].upperBound
            }
            return render(p, into: &out, seqnumID: seqnumID, value: value)
        }
    }

    func render(
        _ p: UnsafeBufferPointer<UInt8>, into out: inout [UInt8], seqnumID: JournalID,
        value: (JournalField) -> Range<Int>?
    ) -> Int {
        out.removeAll(keepingCapacity: true)
        Timestamp(microseconds: Int64(truncatingIfNeeded: realtimeMicroseconds)).appendISO8601(to: &out)
        out.append(UInt8(ascii: " "))
        if let host = value(.hostname), !host.isEmpty {
            appendEscaped(p[host], to: &out, quoteSpaces: false)
        } else {
            out.append(UInt8(ascii: "-"))
        }
        out.append(UInt8(ascii: " "))
        if let ident = value(.syslogIdentifier) ?? value(.comm) {
            appendEscaped(p[ident], to: &out, quoteSpaces: false)
        } else {
            out.append(UInt8(ascii: "-"))
        }
        if let pid = value(.syslogPID) ?? value(.pid) {
            out.append(UInt8(ascii: "["))
            appendEscaped(p[pid], to: &out, quoteSpaces: false)
            out.append(UInt8(ascii: "]"))
        }
        out += [UInt8(ascii: " "), UInt8(ascii: "{")]
        for (name, f) in zip(Self.renderedFields, Self.renderedOrder) {
            guard let r = value(f) else { continue }
            out += name
            appendEscaped(p[r], to: &out, quoteSpaces: true)
            out.append(UInt8(ascii: " "))
        }
        if unreadableFields > 0 { out += Array("unreadable_fields=\(unreadableFields) ".utf8) }
        out += Self.cursorKey
        appendCursor(to: &out, seqnumID: seqnumID)
        out += [UInt8(ascii: "}"), UInt8(ascii: ":"), UInt8(ascii: " ")]
        let column = out.count
        if let m = value(.message) {
            appendEscaped(p[m], to: &out, quoteSpaces: false)
        }
        return column
    }

    /// Appends `bytes` escaped: runs of bytes that need no escape are copied whole.
    func appendEscaped(_ bytes: Slice<UnsafeBufferPointer<UInt8>>, to out: inout [UInt8], quoteSpaces: Bool) {
        let quote =
            quoteSpaces
            && bytes.contains { $0 == 0x20 || $0 == UInt8(ascii: "{") || $0 == UInt8(ascii: "}") }
        if quote { out.append(UInt8(ascii: "\"")) }
        var run = bytes.startIndex
        var i = run
        while i < bytes.endIndex {
            let b = bytes[i]
            if b >= 0x20 && b != 0x7f && b != 0x5c && (b != UInt8(ascii: "\"") || !quote) {
                i += 1
                continue
            }
            out.append(contentsOf: bytes[run..<i])
            out.append(0x5c)
            switch b {
            case 0x0a: out.append(UInt8(ascii: "n"))
            case 0x09: out.append(UInt8(ascii: "t"))
            case 0x0d: out.append(UInt8(ascii: "r"))
            case 0x5c, UInt8(ascii: "\""): out.append(b)
            default:
                out.append(UInt8(ascii: "x"))
                out.append(Self.hexDigit(b >> 4))
                out.append(Self.hexDigit(b & 15))
            }
            i += 1
            run = i
        }
        out.append(contentsOf: bytes[run..<i])
        if quote { out.append(UInt8(ascii: "\"")) }
    }

    static func hexDigit(_ v: UInt8) -> UInt8 {
        v < 10 ? UInt8(ascii: "0") + v : UInt8(ascii: "a") + v - 10
    }
}

extension JournalReader {
    /// The renderings (`JournalEntry.render`) of the entries with these ordinals, each cut at `maxBytes`: how
    /// reports read a journal entry's raw evidence back.
    public mutating func renderedLines(_ ordinals: Set<UInt64>, maxBytes: Int = 4096) -> [UInt64:
        [UInt8]]
    {
        guard let seqnumID = header?.seqnumID, let last = ordinals.max() else { return [:] }
        var out: [UInt64: [UInt8]] = [:]
        var line: [UInt8] = []
        // Only the cited entries' DATA objects are read; the others are counted, so the ordinals are ingest's.
        forEachEntry(fieldsOf: { $0 <= last && ordinals.contains($0) }) { entry in
            guard entry.ordinal <= last, ordinals.contains(entry.ordinal) else { return }
            _ = entry.render(into: &line, seqnumID: seqnumID)
            out[entry.ordinal] = Array(line.prefix(maxBytes))
        }
        return out
    }
}

extension LineReader {
    /// When the stream is a systemd journal, the renderings of the entries with the wanted ordinals (the "lines"
    /// that events cite), read whole from `source`; `nil` (nothing consumed but a peek) when it is not a journal.
    public mutating func journalLines<S: ByteSource>(
        _ wanted: Set<UInt64>, from source: inout S, displayPath: String, sizeHint: Int64 = 0
    ) -> [UInt64: [UInt8]]? {
        guard JournalHeader.hasSignature(peek(8, from: &source)) else { return nil }
        var journal = JournalReader(
            bytes: takeAll(from: &source, sizeHint: Int(clamping: max(sizeHint, 0))),
            displayPath: displayPath)
        return journal.renderedLines(wanted)
    }
}
