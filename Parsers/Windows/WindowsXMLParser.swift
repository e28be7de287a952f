import DwellCore

/// Parses Windows events written as XML `<Event>` documents, one per line (`wevtutil qe … /f:xml`, Get-WinEvent's
/// `ToXml()`, and dwell's own raw evidence of EVTX records), into the `WindowsRecord` field model.
///
///     <Event xmlns="…"><System><Provider Name="Microsoft-Windows-Security-Auditing"/><EventID>4624</EventID>…
///     <TimeCreated SystemTime="2021-04-26T15:16:03.9789958Z"/>…<Computer>srv1</Computer></System><EventData>
///     <Data Name="TargetUserName">admmig</Data>…</EventData></Event>
///
/// Fields follow the EVTX reader's rules (a `Data` element by its `Name`, other leaves by element name,
/// attributes by attribute name). Entities (`&amp;`, `&#10;`, `&#x41;`) are decoded. Lines that hold no `<Event`
/// (an `<?xml …?>` declaration, `<Events>` wrappers) are non-events; an event split over several lines is not
/// read (the lines are rejected). An `<Events>` document with every event on one line gives only its first event.
/// - Complexity: O(*n*) in the line.
public struct WindowsXMLParser: LineParser {
    /// The last parsed record's fields (the Sigma engine reads fields the index does not keep from here).
    public private(set) var record = WindowsRecord()
    var mapper = WindowsEventMapper()

    struct Frame {
        var name: [UInt8]
        var nameAttribute: Range<Int>?
        var textStart: Int
        var hasChildren = false
    }

    public init() {}

    public mutating func parse(
        _ line: Span<UInt8>, into event: inout Event, context: inout ParseContext
    ) throws(LineRejection) -> Bool {
        guard let start = Self.find(line, "<Event ", from: 0) ?? Self.find(line, "<Event>", from: 0) else {
            var i = 0
            while i < line.count, line[i] == 0x20 || line[i] == 0x09 { i += 1 }
            if i == line.count || line[i] == 0x3c { return false }  // declarations, wrappers, blank lines
            throw .unexpectedByte(line[i], atColumn: i)
        }
        record.removeAll()
        var frames: [Frame] = []
        var i = start
        var sawEvent = false
        while i < line.count {
            let b = line[i]
            if b != 0x3c {
                var j = i
                while j < line.count, line[j] != 0x3c { j += 1 }
                if !frames.isEmpty { decode(line, i..<j) }
                i = j
                continue
            }
            guard i + 1 < line.count else { throw .truncated(atColumn: i) }
            let next = line[i + 1]
            if next == 0x3f || next == 0x21 {  // <? … ?>, <!-- … -->
                guard let e = Self.find(line, next == 0x21 && i + 3 < line.count && line[i + 2] == 0x2d ? "-->" : ">", from: i + 2)
                else { throw .truncated(atColumn: i) }
                i = e + (next == 0x21 && line[i + 2] == 0x2d ? 3 : 1)
                continue
            }
            if next == 0x2f {  // end tag
                guard let e = Self.find(line, ">", from: i + 2) else { throw .truncated(atColumn: i) }
                guard let f = frames.popLast() else { throw .unexpectedByte(next, atColumn: i + 1) }
                if !f.hasChildren {
                    record.addLeaf(
                        element: f.name, nameAttribute: f.nameAttribute, value: f.textStart..<record.bytes.count,
                        empty: false)
                }
                i = e + 1
                if frames.isEmpty && sawEvent { break }
                continue
            }
            // Start tag: name, attributes, `>` or `/>`.
            var j = i + 1
            while j < line.count, !Self.isSpace(line[j]), line[j] != 0x3e, line[j] != 0x2f { j += 1 }
            var name: [UInt8] = []
            for k in (i + 1)..<j { name.append(line[k]) }
            if let colon = name.firstIndex(of: 0x3a) { name.removeSubrange(...colon) }  // a namespace prefix
            if !frames.isEmpty { frames[frames.count - 1].hasChildren = true }
            sawEvent = true
            var frame = Frame(name: name, nameAttribute: nil, textStart: 0)
            var empty = false
            while true {
                while j < line.count, Self.isSpace(line[j]) { j += 1 }
                guard j < line.count else { throw .truncated(atColumn: j) }
                if line[j] == 0x3e {
                    j += 1
                    break
                }
                if line[j] == 0x2f {
                    guard j + 1 < line.count, line[j + 1] == 0x3e else { throw .unexpectedByte(line[j], atColumn: j) }
                    empty = true
                    j += 2
                    break
                }
                let a0 = j
                while j < line.count, line[j] != 0x3d, !Self.isSpace(line[j]), line[j] != 0x3e { j += 1 }
                let attribute = a0..<j
                while j < line.count, Self.isSpace(line[j]) { j += 1 }
                guard j + 1 < line.count, line[j] == 0x3d else { throw .unexpectedByte(j < line.count ? line[j] : 0, atColumn: j) }
                j += 1
                while j < line.count, Self.isSpace(line[j]) { j += 1 }
                guard j < line.count, line[j] == 0x22 || line[j] == 0x27 else { throw .truncated(atColumn: j) }
                let quote = line[j]
                var e = j + 1
                while e < line.count, line[e] != quote { e += 1 }
                guard e < line.count else { throw .truncated(atColumn: j) }
                let v0 = record.bytes.count
                decode(line, (j + 1)..<e)
                let value = v0..<record.bytes.count
                j = e + 1
                if Self.equals(line, attribute, "Name") {
                    frame.nameAttribute = value
                } else if !Self.equals(line, attribute, "xmlns") {
                    let n0 = record.bytes.count
                    for k in attribute { record.bytes.append(line[k]) }
                    record.fields.append((n0..<record.bytes.count, value))
                }
            }
            if empty {
                record.addLeaf(
                    element: frame.name, nameAttribute: frame.nameAttribute, value: record.bytes.count..<record.bytes.count,
                    empty: true)
            } else {
                frame.textStart = record.bytes.count
                frames.append(frame)
            }
            i = j
        }
        guard frames.isEmpty else { throw .truncated(atColumn: line.count) }
        try mapper.map(record, into: &event, context: &context)
        return true
    }

    /// Appends the text of `range` with entities decoded.
    mutating func decode(_ s: Span<UInt8>, _ range: Range<Int>) {
        var i = range.lowerBound
        while i < range.upperBound {
            let b = s[i]
            guard b == 0x26, let semi = Self.find(s, ";", from: i + 1), semi < range.upperBound, semi - i <= 10 else {
                record.bytes.append(b)
                i += 1
                continue
            }
            let name = (i + 1)..<semi
            var code: UInt32?
            if Self.equals(s, name, "amp") { code = 0x26 }
            else if Self.equals(s, name, "lt") { code = 0x3c }
            else if Self.equals(s, name, "gt") { code = 0x3e }
            else if Self.equals(s, name, "quot") { code = 0x22 }
            else if Self.equals(s, name, "apos") { code = 0x27 }
            else if name.count >= 2, s[name.lowerBound] == 0x23 {
                var v: UInt32 = 0
                var k = name.lowerBound + 1
                let hex = s[k] | 0x20 == 0x78
                if hex { k += 1 }
                var ok = k < name.upperBound
                while k < name.upperBound, ok {
                    let c = s[k]
                    let d: UInt32
                    switch c {
                    case 0x30...0x39: d = UInt32(c - 0x30)
                    case 0x61...0x66 where hex: d = UInt32(c - 0x61 + 10)
                    case 0x41...0x46 where hex: d = UInt32(c - 0x41 + 10)
                    default: ok = false; d = 0
                    }
                    v = v &* (hex ? 16 : 10) &+ d
                    if v > 0x10ffff { ok = false }
                    k += 1
                }
                if ok && !(v >= 0xd800 && v < 0xe000) { code = v }
            }
            if let c = code {
                BinXMLRenderer.appendUTF8(c, to: &record.bytes)
                i = semi + 1
            } else {
                record.bytes.append(b)
                i += 1
            }
        }
    }

    static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0d || b == 0x0a }

    static func equals(_ s: Span<UInt8>, _ r: Range<Int>, _ literal: StaticString) -> Bool {
        guard r.count == literal.utf8CodeUnitCount else { return false }
        return literal.withUTF8Buffer { b in
            var k = 0
            while k < b.count {
                if s[r.lowerBound + k] != b[k] { return false }
                k += 1
            }
            return true
        }
    }

    static func find(_ s: Span<UInt8>, _ needle: StaticString, from: Int) -> Int? {
        let n = needle.utf8CodeUnitCount
        return needle.withUTF8Buffer { b -> Int? in
            guard n > 0 else { return nil }
            var i = max(from, 0)
            while i + n <= s.count {
                if s[i] == b[0] {
                    var k = 1
                    while k < n, s[i + k] == b[k] { k += 1 }
                    if k == n { return i }
                }
                i += 1
            }
            return nil
        }
    }

    /// Scores a sample: lines holding an `<Event` with an `<EventID`.
    public static func detectionScore(_ sample: DetectionSample) -> Int {
        var score = 0
        for line in sample.lines where ByteSearch.contains(line, "<Event") && ByteSearch.contains(line, "<EventID") {
            score += 3
        }
        return score
    }
}
