import DwellCore

/// Why a BinXML fragment could not be rendered. Positions are offsets in the chunk.
public enum BinXMLError: Error, Equatable, Sendable {
    case outOfBounds(at: Int)
    case badToken(UInt8, at: Int)
    case tooDeep(at: Int)
    case badValue(at: Int)

    public var offset: Int {
        switch self {
        case .outOfBounds(let a), .badToken(_, let a), .tooDeep(let a), .badValue(let a): a
        }
    }
}

/// Renders the BinXML of EVTX records into one line of XML and fills a `WindowsRecord` on the way.
///
/// BinXML (libyal's "Windows XML Event Log (EVTX) format", §Binary XML) is a token stream: fragment header,
/// open/close element, attribute, value, substitution, character and entity references, CDATA, processing
/// instructions and template instances. Names are offsets of counted UTF-16 strings in the chunk; templates are
/// token streams in the chunk whose substitution tokens take the instance's typed values (strings, integers,
/// SIDs, GUIDs, FILETIME/SYSTEMTIME, binary, nested BinXML, arrays).
///
/// The XML has no line breaks (newlines, tabs and other control characters inside values are written as
/// character references) so that the record is one line of evidence. It is written only when `wantsXML` is set:
/// the fields alone (what the events are structured from) are the same either way.
///
/// Costs: names are decoded once per chunk into one arena and found again by offset through a small open-addressing
/// table (a chunk's templates and names are shared by its records); every value is written once into
/// `record.bytes` (UTF-16 converted in bulk, integers without a `String`) and, for the XML, escaped from there in
/// runs. Open elements, attributes and substitution values are plain integers: no reference counting per element.
/// - Complexity: O(*n*) in the rendered output; recursion is bounded (`maxDepth`).
public struct BinXMLRenderer {
    /// The chunk: 64 KiB of the file (fewer when the file is cut).
    var chunk: UnsafeBufferPointer<UInt8> = UnsafeBufferPointer(start: nil, count: 0)
    /// Whether the XML is written (the fields always are).
    var wantsXML = true
    /// Names decoded in this chunk (UTF-8, one after another).
    var nameArena: [UInt8] = []
    /// Open addressing by chunk offset: `nameKeys[slot]` is the offset + 1 (0 for an empty slot), `nameSlots[slot]`
    /// the name's place in `nameArena`.
    var nameKeys: [Int32] = []
    var nameSlots: [NameRef] = []
    var namesStored = 0
    /// Substitution values of the template instances being rendered (a stack shared by nested instances).
    var values: [(type: UInt8, start: Int, size: Int)] = []
    /// Open elements.
    var frames: [Frame] = []
    /// An attribute whose value is being written: its name and where its value starts in `record.bytes`.
    var attribute: (name: NameRef, start: Int)? = nil
    /// Where the attribute being written starts in the XML, and whether an optional substitution gave it nothing
    /// (Windows then leaves the attribute out, as `<Security/>` for a record without a user).
    var attributeXMLStart = 0
    var attributeOptionalEmpty = false
    static let maxDepth = 64
    var depth = 0

    /// A name's place in `nameArena`.
    struct NameRef: Equatable {
        var start: Int32
        var count: Int32
        var range: Range<Int> { Int(start)..<Int(start) + Int(count) }
    }

    struct Frame {
        var name: NameRef
        var nameAttribute: Range<Int>? = nil
        var textStart = 0
        var hasChildren = false
    }

    public init() {}

    /// Starts a new chunk (names of the previous one are forgotten).
    mutating func begin(chunk: UnsafeBufferPointer<UInt8>) {
        self.chunk = chunk
        nameArena.removeAll(keepingCapacity: true)
        if nameKeys.isEmpty {
            nameKeys = Array(repeating: 0, count: 512)
            nameSlots = Array(repeating: NameRef(start: 0, count: 0), count: 512)
        } else if namesStored > 0 {
            for i in nameKeys.indices { nameKeys[i] = 0 }
        }
        namesStored = 0
    }

    /// Forgets the record being rendered (buffers keep their capacity).
    mutating func reset() {
        frames.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
        attribute = nil
        valueBase = 0
        valueCount = 0
        depth = 0
    }

    // MARK: Reading

    @inline(__always) func u8(_ o: Int) throws(BinXMLError) -> UInt8 {
        guard o >= 0, o < chunk.count else { throw .outOfBounds(at: o) }
        return chunk[o]
    }

    @inline(__always) func u16(_ o: Int) throws(BinXMLError) -> UInt16 {
        guard o >= 0, o + 2 <= chunk.count else { throw .outOfBounds(at: o) }
        return UInt16(chunk[o]) | UInt16(chunk[o + 1]) << 8
    }

    @inline(__always) func u32(_ o: Int) throws(BinXMLError) -> UInt32 {
        guard o >= 0, o + 4 <= chunk.count else { throw .outOfBounds(at: o) }
        return UInt32(chunk[o]) | UInt32(chunk[o + 1]) << 8 | UInt32(chunk[o + 2]) << 16 | UInt32(chunk[o + 3]) << 24
    }

    @inline(__always) func u64(_ o: Int) throws(BinXMLError) -> UInt64 {
        UInt64(try u32(o)) | UInt64(try u32(o + 4)) << 32
    }

    /// The name at `offset`: next-offset (4), hash (2), count (2), UTF-16 characters, NUL.
    mutating func name(at offset: Int) throws(BinXMLError) -> NameRef {
        // Offsets inside a chunk are below 2^16: the table is keyed by them exactly.
        let key = Int32(truncatingIfNeeded: offset &+ 1)
        let mask = nameKeys.count - 1
        var slot = Int((UInt32(truncatingIfNeeded: offset) &* 0x9E37_79B1) >> 16) & mask
        if offset >= 0 && offset < chunk.count {
            while true {
                let k = nameKeys[slot]
                if k == key { return nameSlots[slot] }
                if k == 0 { break }
                slot = (slot + 1) & mask
            }
        }
        let count = Int(try u16(offset + 6))
        guard offset + 8 + count * 2 <= chunk.count else { throw .outOfBounds(at: offset) }
        let start = nameArena.count
        BinXMLRenderer.utf16(chunk, offset + 8, count * 2, into: &nameArena)
        let ref = NameRef(start: Int32(start), count: Int32(nameArena.count - start))
        // At most half full: past that, the name is decoded again each time (no chunk holds that many names).
        if namesStored < nameKeys.count / 2 {
            nameKeys[slot] = key
            nameSlots[slot] = ref
            namesStored += 1
        }
        return ref
    }

    /// Size of a name structure written in place.
    func inlineNameSize(at offset: Int) throws(BinXMLError) -> Int { 8 + Int(try u16(offset + 6)) * 2 + 2 }

    /// Appends UTF-8 for `bytes` bytes of UTF-16LE at `start`; stops at a NUL. Unpaired surrogates become U+FFFD.
    /// The text is converted into a temporary buffer (on the stack when small; at most 3 bytes per UTF-16 unit) and
    /// appended with one copy.
    static func utf16(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ bytes: Int, into out: inout [UInt8]) {
        let end = min(start + bytes, p.count)
        guard start >= 0, end - start >= 2, let base = p.baseAddress else { return }
        let units = (end - start) / 2
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: units * 3) { o in
            // Bounds: `i + 1 < end <= p.count` for every read; each unit writes at most 3 bytes (a surrogate pair 4
            // for two units), so `n` stays within `units * 3`.
            guard let w = o.baseAddress else { return }
            var n = 0
            var i = start
            while i + 1 < end {
                var c = UInt32(base[i]) | UInt32(base[i + 1]) << 8
                i += 2
                if c < 0x80 {
                    if c == 0 { break }
                    w[n] = UInt8(truncatingIfNeeded: c)
                    n += 1
                    continue
                }
                if c >= 0xd800 && c < 0xdc00 {
                    if i + 1 < end {
                        let d = UInt32(base[i]) | UInt32(base[i + 1]) << 8
                        if d >= 0xdc00 && d < 0xe000 {
                            c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00)
                            i += 2
                        } else {
                            c = 0xfffd
                        }
                    } else {
                        c = 0xfffd
                    }
                } else if c >= 0xdc00 && c < 0xe000 {
                    c = 0xfffd
                }
                if c < 0x800 {
                    w[n] = UInt8(truncatingIfNeeded: 0xc0 | c >> 6)
                    w[n + 1] = UInt8(truncatingIfNeeded: 0x80 | c & 0x3f)
                    n += 2
                } else if c < 0x10000 {
                    w[n] = UInt8(truncatingIfNeeded: 0xe0 | c >> 12)
                    w[n + 1] = UInt8(truncatingIfNeeded: 0x80 | (c >> 6) & 0x3f)
                    w[n + 2] = UInt8(truncatingIfNeeded: 0x80 | c & 0x3f)
                    n += 3
                } else {
                    w[n] = UInt8(truncatingIfNeeded: 0xf0 | c >> 18)
                    w[n + 1] = UInt8(truncatingIfNeeded: 0x80 | (c >> 12) & 0x3f)
                    w[n + 2] = UInt8(truncatingIfNeeded: 0x80 | (c >> 6) & 0x3f)
                    w[n + 3] = UInt8(truncatingIfNeeded: 0x80 | c & 0x3f)
                    n += 4
                }
            }
            if n > 0 { out.append(contentsOf: UnsafeBufferPointer(start: w, count: n)) }
        }
    }

    @inline(__always) static func appendUTF8(_ c: UInt32, to out: inout [UInt8]) {
        if c < 0x80 {
            out.append(UInt8(c))
        } else if c < 0x800 {
            out.append(UInt8(0xc0 | c >> 6))
            out.append(UInt8(0x80 | c & 0x3f))
        } else if c < 0x10000 {
            out.append(UInt8(0xe0 | c >> 12))
            out.append(UInt8(0x80 | (c >> 6) & 0x3f))
            out.append(UInt8(0x80 | c & 0x3f))
        } else {
            out.append(UInt8(0xf0 | c >> 18))
            out.append(UInt8(0x80 | (c >> 12) & 0x3f))
            out.append(UInt8(0x80 | (c >> 6) & 0x3f))
            out.append(UInt8(0x80 | c & 0x3f))
        }
    }

    // MARK: Rendering

    /// Appends the name to the XML.
    @inline(__always) func appendName(_ n: NameRef, to xml: inout [UInt8]) {
        xml.append(contentsOf: nameArena[n.range])
    }

    /// Whether the name is `literal`.
    func nameIs(_ n: NameRef, _ literal: StaticString) -> Bool {
        guard Int(n.count) == literal.utf8CodeUnitCount else { return false }
        return literal.withUTF8Buffer { b in
            var k = 0
            while k < b.count {
                if nameArena[Int(n.start) + k] != b[k] { return false }
                k += 1
            }
            return true
        }
    }

    /// Renders the fragment at `start` (up to `end`) into `xml` and `record`; returns the offset after it.
    mutating func render(
        from start: Int, to end: Int, record: inout WindowsRecord, xml: inout [UInt8]
    ) throws(BinXMLError) -> Int {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { throw .tooDeep(at: start) }
        var pos = start
        while pos < end {
            let token = try u8(pos)
            switch token {
            case 0x00:  // end of fragment
                return pos + 1
            case 0x0f:  // fragment header: token, major, minor, flags
                pos += 4
            case 0x0c:
                pos = try templateInstance(at: pos, record: &record, xml: &xml)
            case 0x01, 0x41:
                finishAttribute(record: &record, xml: &xml)
                var p = pos + 1
                // The dependency identifier (2 bytes) is absent in some writers' nested fragments: the name offset
                // then sits 2 bytes earlier. Prefer the layout whose name offset points at or before this spot.
                var nameOffset = Int(try u32(p + 6))
                if nameOffset > p + 10 {
                    let alt = Int(try u32(p + 4))
                    if alt == p + 8 || alt < p { p -= 2; nameOffset = alt }
                }
                p += 10
                if nameOffset == p { p += try inlineNameSize(at: p) }
                if token == 0x41 { p += 4 }
                let name = try self.name(at: nameOffset)
                if !frames.isEmpty { frames[frames.count - 1].hasChildren = true }
                if wantsXML {
                    xml.append(0x3c)
                    appendName(name, to: &xml)
                }
                frames.append(Frame(name: name))
                pos = p
            case 0x02:  // close start element
                finishAttribute(record: &record, xml: &xml)
                if wantsXML { xml.append(0x3e) }
                if !frames.isEmpty { frames[frames.count - 1].textStart = record.bytes.count }
                pos += 1
            case 0x03:  // close empty element
                finishAttribute(record: &record, xml: &xml)
                if wantsXML {
                    xml.append(0x2f)
                    xml.append(0x3e)
                }
                if let f = frames.popLast() { leaf(f, record: &record, empty: true) }
                pos += 1
            case 0x04:  // end element
                finishAttribute(record: &record, xml: &xml)
                if let f = frames.popLast() {
                    if wantsXML {
                        xml.append(0x3c)
                        xml.append(0x2f)
                        appendName(f.name, to: &xml)
                        xml.append(0x3e)
                    }
                    if !f.hasChildren { leaf(f, record: &record, empty: false) }
                }
                pos += 1
            case 0x06, 0x46:  // attribute
                finishAttribute(record: &record, xml: &xml)
                let nameOffset = Int(try u32(pos + 1))
                var p = pos + 5
                if nameOffset == p { p += try inlineNameSize(at: p) }
                let name = try self.name(at: nameOffset)
                attributeXMLStart = xml.count
                attributeOptionalEmpty = false
                if wantsXML {
                    xml.append(0x20)
                    appendName(name, to: &xml)
                    xml.append(0x3d)
                    xml.append(0x22)
                }
                attribute = (name, record.bytes.count)
                pos = p
            case 0x05, 0x45:  // value: type, then a counted UTF-16 string
                let type = try u8(pos + 1)
                guard type == 0x01 else {
                    throw .badValue(at: pos)
                }
                let count = Int(try u16(pos + 2))
                guard pos + 4 + count * 2 <= chunk.count else { throw .outOfBounds(at: pos) }
                text(utf16At: pos + 4, bytes: count * 2, record: &record, xml: &xml)
                pos += 4 + count * 2
            case 0x0d, 0x0e:  // normal / optional substitution: id, type
                let id = Int(try u16(pos + 1))
                pos += 4
                try substitute(id, optional: token == 0x0e, record: &record, xml: &xml)
            case 0x07, 0x47:  // CDATA
                let count = Int(try u16(pos + 1))
                guard pos + 3 + count * 2 <= chunk.count else { throw .outOfBounds(at: pos) }
                text(utf16At: pos + 3, bytes: count * 2, record: &record, xml: &xml)
                pos += 3 + count * 2
            case 0x08, 0x48:  // character reference
                let c = UInt32(try u16(pos + 1))
                let v0 = record.bytes.count
                BinXMLRenderer.appendUTF8(c, to: &record.bytes)
                escapeValue(from: v0, record: record, xml: &xml)
                pos += 3
            case 0x09, 0x49:  // entity reference
                let nameOffset = Int(try u32(pos + 1))
                var p = pos + 5
                if nameOffset == p { p += try inlineNameSize(at: p) }
                let name = try self.name(at: nameOffset)
                let v0 = record.bytes.count
                if nameIs(name, "amp") { record.bytes.append(0x26) }
                else if nameIs(name, "lt") { record.bytes.append(0x3c) }
                else if nameIs(name, "gt") { record.bytes.append(0x3e) }
                else if nameIs(name, "quot") { record.bytes.append(0x22) }
                else if nameIs(name, "apos") { record.bytes.append(0x27) }
                else { record.bytes.append(contentsOf: nameArena[name.range]) }
                escapeValue(from: v0, record: record, xml: &xml)
                pos = p
            case 0x0a:  // processing instruction target
                let nameOffset = Int(try u32(pos + 1))
                var p = pos + 5
                if nameOffset == p { p += try inlineNameSize(at: p) }
                let name = try self.name(at: nameOffset)
                if wantsXML {
                    xml.append(0x3c)
                    xml.append(0x3f)
                    appendName(name, to: &xml)
                }
                pos = p
            case 0x0b:  // processing instruction data
                let count = Int(try u16(pos + 1))
                guard pos + 3 + count * 2 <= chunk.count else { throw .outOfBounds(at: pos) }
                if wantsXML {
                    xml.append(0x20)
                    BinXMLRenderer.utf16(chunk, pos + 3, count * 2, into: &xml)
                    xml.append(0x3f)
                    xml.append(0x3e)
                }
                pos += 3 + count * 2
            default:
                throw .badToken(token, at: pos)
            }
        }
        return pos
    }

    /// A template instance: token, 1 unknown byte, template id (4), definition offset (4); the definition in place
    /// when it points here (next offset 4, GUID 16, data size 4, then the body); then the values: count (4),
    /// `count` descriptors (size 2, type 1, 1 unused) and the value data.
    mutating func templateInstance(
        at pos: Int, record: inout WindowsRecord, xml: inout [UInt8]
    ) throws(BinXMLError) -> Int {
        let definition = Int(try u32(pos + 6))
        var p = pos + 10
        let bodySize = Int(try u32(definition + 20))
        let body = definition + 24
        guard body + bodySize <= chunk.count, bodySize >= 0 else { throw .outOfBounds(at: definition) }
        if definition == p { p = body + bodySize }
        let count = Int(try u32(p))
        guard count <= 4096 else { throw .badValue(at: p) }
        p += 4
        var data = p + count * 4
        guard data <= chunk.count else { throw .outOfBounds(at: p) }
        let base = values.count
        for k in 0..<count {
            let size = Int(try u16(p + k * 4))
            let type = try u8(p + k * 4 + 2)
            guard data + size <= chunk.count else { throw .outOfBounds(at: data) }
            values.append((type, data, size))
            data += size
        }
        let saved = (valueBase, valueCount)
        valueBase = base
        valueCount = count
        defer {
            (valueBase, valueCount) = saved
            values.removeSubrange(base...)
        }
        _ = try render(from: body, to: body + bodySize, record: &record, xml: &xml)
        return data
    }

    var valueBase = 0
    var valueCount = 0

    /// Renders substitution value `id` of the current template instance.
    mutating func substitute(_ id: Int, optional: Bool, record: inout WindowsRecord, xml: inout [UInt8]) throws(BinXMLError) {
        guard id < valueCount else { return }  // a substitution the instance gives no value for renders empty
        let v = values[valueBase + id]
        if v.type == 0 || v.size == 0 {
            if optional && attribute != nil { attributeOptionalEmpty = true }
            return
        }
        try value(type: v.type, start: v.start, size: v.size, record: &record, xml: &xml)
    }

    /// Writes one typed value as text: into `record.bytes` (the field), then escaped into the XML.
    mutating func value(type: UInt8, start s: Int, size n: Int, record: inout WindowsRecord, xml: inout [UInt8]) throws(BinXMLError) {
        let v0 = record.bytes.count
        switch type {
        case 0x01:
            text(utf16At: s, bytes: n, record: &record, xml: &xml)
            return
        case 0x02:
            var e = s
            while e < s + n, chunk[e] != 0 { e += 1 }
            record.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: chunk[s..<e]))
        case 0x03: Self.appendDecimal(Int64(Int8(bitPattern: try u8(s))), to: &record.bytes)
        case 0x04: Self.appendDecimal(Int64(try u8(s)), to: &record.bytes)
        case 0x05: Self.appendDecimal(Int64(Int16(bitPattern: try u16(s))), to: &record.bytes)
        case 0x06: Self.appendDecimal(Int64(try u16(s)), to: &record.bytes)
        case 0x07: Self.appendDecimal(Int64(Int32(bitPattern: try u32(s))), to: &record.bytes)
        case 0x08: Self.appendDecimal(Int64(try u32(s)), to: &record.bytes)
        case 0x09: Self.appendDecimal(Int64(bitPattern: try u64(s)), to: &record.bytes)
        case 0x0a: Self.appendDecimal(unsigned: try u64(s), to: &record.bytes)
        case 0x0b: record.bytes.append(contentsOf: String(Float(bitPattern: try u32(s))).utf8)
        case 0x0c: record.bytes.append(contentsOf: String(Double(bitPattern: try u64(s))).utf8)
        case 0x0d:
            if try u32(s) != 0 {
                record.bytes.append(contentsOf: [0x74, 0x72, 0x75, 0x65])  // true
            } else {
                record.bytes.append(contentsOf: [0x66, 0x61, 0x6c, 0x73, 0x65])  // false
            }
        case 0x0e:
            Self.hex(chunk, s, n, into: &record.bytes)
        case 0x0f:
            guard n >= 16 else { throw .badValue(at: s) }
            Self.guid(chunk, s, into: &record.bytes)
        case 0x10:
            Self.appendHex(n == 8 ? try u64(s) : UInt64(try u32(s)), to: &record.bytes)
        case 0x11:
            Self.fileTime(try u64(s), into: &record.bytes)
        case 0x12:
            guard n >= 16 else { throw .badValue(at: s) }
            let y = Int(try u16(s))
            let mo = Int(try u16(s + 2))
            let d = Int(try u16(s + 6))
            let h = Int(try u16(s + 8))
            let mi = Int(try u16(s + 10))
            let sec = Int(try u16(s + 12))
            let ms = Int(try u16(s + 14))
            guard y >= 1601, y <= 9999, mo >= 1, mo <= 12, d >= 1, d <= 31, h < 24, mi < 60, sec < 61, ms < 1000 else {
                throw .badValue(at: s)
            }
            let days = CivilDate.days(year: y, month: mo, day: d)
            let micros = (days * 86_400 + Int64(h * 3600 + mi * 60 + sec)) * 1_000_000 + Int64(ms) * 1000
            Timestamp(microseconds: micros).appendISO8601(to: &record.bytes, fractionDigits: 3)
        case 0x13:
            try Self.sid(chunk, s, n, into: &record.bytes)
        case 0x14: Self.appendHex(UInt64(try u32(s)), to: &record.bytes)
        case 0x15: Self.appendHex(try u64(s), to: &record.bytes)
        case 0x21:
            _ = try render(from: s, to: s + n, record: &record, xml: &xml)
            return
        case 0x81:  // array of strings: NUL-separated UTF-16
            var i = s
            var first = true
            while i + 1 < s + n {
                var e = i
                while e + 1 < s + n, chunk[e] != 0 || chunk[e + 1] != 0 { e += 2 }
                if !first {
                    record.bytes.append(0x2c)
                    if wantsXML { xml.append(0x2c) }
                }
                text(utf16At: i, bytes: e - i, record: &record, xml: &xml)
                first = false
                i = e + 2
            }
            return
        default:
            if type & 0x80 != 0 {
                let element: Int
                switch type & 0x7f {
                case 0x03, 0x04: element = 1
                case 0x05, 0x06: element = 2
                case 0x07, 0x08, 0x0b, 0x0d, 0x14: element = 4
                case 0x09, 0x0a, 0x0c, 0x11, 0x15: element = 8
                case 0x0f, 0x12: element = 16
                default: element = 0
                }
                guard element > 0 else {
                    Self.hex(chunk, s, n, into: &record.bytes)
                    break
                }
                var i = s
                while i + element <= s + n {
                    if i > s {
                        record.bytes.append(0x2c)
                        if wantsXML { xml.append(0x2c) }
                    }
                    try value(type: type & 0x7f, start: i, size: element, record: &record, xml: &xml)
                    i += element
                }
                return
            }
            Self.hex(chunk, s, n, into: &record.bytes)  // an unknown type keeps its bytes, as hex
        }
        escapeValue(from: v0, record: record, xml: &xml)
    }

    /// A signed decimal, straight into bytes.
    static func appendDecimal(_ v: Int64, to out: inout [UInt8]) {
        if v < 0 {
            out.append(0x2d)
            appendDecimal(unsigned: v.magnitude, to: &out)
        } else {
            appendDecimal(unsigned: UInt64(v), to: &out)
        }
    }

    static func appendDecimal(unsigned v: UInt64, to out: inout [UInt8]) {
        var divisor: UInt64 = 1
        while v / divisor >= 10 { divisor *= 10 }
        var rest = v
        while divisor > 0 {
            out.append(0x30 + UInt8(truncatingIfNeeded: rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }

    /// `0x` and lowercase hexadecimal digits, without leading zeros.
    static func appendHex(_ v: UInt64, to out: inout [UInt8]) {
        out.append(0x30)
        out.append(0x78)
        var shift = 60
        while shift > 0 && (v >> UInt64(shift)) & 15 == 0 { shift -= 4 }
        while shift >= 0 {
            out.append(lowerDigits[Int((v >> UInt64(shift)) & 15)])
            shift -= 4
        }
    }

    static let upperDigits: [UInt8] = Array("0123456789ABCDEF".utf8)
    static let lowerDigits: [UInt8] = Array("0123456789abcdef".utf8)

    static func hex(_ p: UnsafeBufferPointer<UInt8>, _ s: Int, _ n: Int, into t: inout [UInt8]) {
        guard s < min(s + n, p.count) else { return }
        for i in s..<min(s + n, p.count) {
            t.append(upperDigits[Int(p[i] >> 4)])
            t.append(upperDigits[Int(p[i] & 15)])
        }
    }

    /// `{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}`, uppercase; the first three groups little-endian.
    static func guid(_ p: UnsafeBufferPointer<UInt8>, _ s: Int, into t: inout [UInt8]) {
        func byte(_ k: Int) {
            t.append(upperDigits[Int(p[s + k] >> 4)])
            t.append(upperDigits[Int(p[s + k] & 15)])
        }
        t.append(0x7b)
        for k in [3, 2, 1, 0] { byte(k) }
        t.append(0x2d)
        byte(5)
        byte(4)
        t.append(0x2d)
        byte(7)
        byte(6)
        t.append(0x2d)
        byte(8)
        byte(9)
        t.append(0x2d)
        for k in 10..<16 { byte(k) }
        t.append(0x7d)
    }

    /// `S-revision-authority-subauthority…`, in decimal.
    static func sid(_ p: UnsafeBufferPointer<UInt8>, _ s: Int, _ n: Int, into t: inout [UInt8]) throws(BinXMLError) {
        guard n >= 8 else { throw .badValue(at: s) }
        let count = Int(p[s + 1])
        guard 8 + count * 4 <= n else { throw .badValue(at: s) }
        var authority: UInt64 = 0
        for k in 2..<8 { authority = authority << 8 | UInt64(p[s + k]) }
        t.append(0x53)
        t.append(0x2d)
        appendDecimal(unsigned: UInt64(p[s]), to: &t)
        t.append(0x2d)
        appendDecimal(unsigned: authority, to: &t)
        for k in 0..<count {
            let o = s + 8 + k * 4
            let v = UInt32(p[o]) | UInt32(p[o + 1]) << 8 | UInt32(p[o + 2]) << 16 | UInt32(p[o + 3]) << 24
            t.append(0x2d)
            appendDecimal(unsigned: UInt64(v), to: &t)
        }
    }

    /// FILETIME (100 ns since 1601) as ISO 8601 with seven fraction digits, as Windows writes it.
    /// A FILETIME past 9999-12-31 (damage) is written as its hexadecimal value.
    static func fileTime(_ ft: UInt64, into t: inout [UInt8]) {
        guard ft <= 2_650_467_743_999_999_999 else {
            appendHex(ft, to: &t)
            return
        }
        // Whole seconds since 1601 and the 7-digit fraction, converted with floor arithmetic from the civil epoch.
        let seconds = Int64(ft / 10_000_000) - 11_644_473_600
        let fraction = Int(ft % 10_000_000)
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secOfDay = Int(seconds - days * 86_400)
        let (y, m, d) = CivilDate.civil(fromDays: days)
        func pad(_ v: Int, _ w: Int) {
            // `v` is never negative here; digits beyond `w` are written too.
            var divisor = 1
            var width = 1
            while v / divisor >= 10 || width < w {
                divisor *= 10
                width += 1
            }
            var rest = v
            while divisor > 0 {
                t.append(0x30 + UInt8(truncatingIfNeeded: rest / divisor))
                rest %= divisor
                divisor /= 10
            }
        }
        pad(y, 4)
        t.append(0x2d)
        pad(m, 2)
        t.append(0x2d)
        pad(d, 2)
        t.append(0x54)
        pad(secOfDay / 3600, 2)
        t.append(0x3a)
        pad(secOfDay / 60 % 60, 2)
        t.append(0x3a)
        pad(secOfDay % 60, 2)
        t.append(0x2e)
        pad(fraction, 7)
        t.append(UInt8(ascii: "Z"))
    }

    /// Microseconds since the epoch of a FILETIME (saturating: damaged values stay representable).
    static func micros(fileTime ft: UInt64) -> Int64 {
        Int64(min(ft / 10, UInt64(Int64.max / 2))) - 11_644_473_600_000_000
    }

    // MARK: Text

    mutating func text(utf16At s: Int, bytes n: Int, record: inout WindowsRecord, xml: inout [UInt8]) {
        let start = record.bytes.count
        BinXMLRenderer.utf16(chunk, s, n, into: &record.bytes)
        escapeValue(from: start, record: record, xml: &xml)
    }

    /// Escapes the value bytes written since `start` into the XML (when it is wanted).
    @inline(__always) func escapeValue(from start: Int, record: borrowing WindowsRecord, xml: inout [UInt8]) {
        guard wantsXML, start < record.bytes.count else { return }
        record.bytes.withUnsafeBufferPointer { b in
            BinXMLRenderer.escape(UnsafeBufferPointer(rebasing: b[start...]), into: &xml)
        }
    }

    /// XML-escapes `t` into `out`: `& < > "` and every control character as a reference (one line per record).
    static func escape(_ t: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        // Most text needs no escape: append runs of plain bytes at once.
        var runStart = 0
        var i = 0
        let n = t.count
        while i < n {
            let b = t[i]
            if b >= 0x20 && b != 0x26 && b != 0x3c && b != 0x3e && b != 0x22 && b != 0x7f {
                i += 1
                continue
            }
            if runStart < i { out.append(contentsOf: UnsafeBufferPointer(rebasing: t[runStart..<i])) }
            escapeByte(b, into: &out)
            i += 1
            runStart = i
        }
        if runStart < n { out.append(contentsOf: UnsafeBufferPointer(rebasing: t[runStart..<n])) }
    }

    /// `escape` over an array slice (cold paths and tests).
    static func escape(_ t: ArraySlice<UInt8>, into out: inout [UInt8]) {
        t.withUnsafeBufferPointer { escape($0, into: &out) }
    }

    static func escapeByte(_ b: UInt8, into out: inout [UInt8]) {
        switch b {
        case 0x26: out.append(contentsOf: [0x26, 0x61, 0x6d, 0x70, 0x3b])
        case 0x3c: out.append(contentsOf: [0x26, 0x6c, 0x74, 0x3b])
        case 0x3e: out.append(contentsOf: [0x26, 0x67, 0x74, 0x3b])
        case 0x22: out.append(contentsOf: [0x26, 0x71, 0x75, 0x6f, 0x74, 0x3b])
        case 0..<0x20, 0x7f:
            out.append(0x26)
            out.append(0x23)
            if b >= 100 { out.append(0x30 + b / 100) }
            if b >= 10 { out.append(0x30 + b / 10 % 10) }
            out.append(0x30 + b % 10)
            out.append(0x3b)
        default: out.append(b)
        }
    }

    /// Ends an attribute being written: closes its quote and keeps its value as a field.
    mutating func finishAttribute(record: inout WindowsRecord, xml: inout [UInt8]) {
        guard let a = attribute else { return }
        attribute = nil
        let value = a.start..<record.bytes.count
        if value.isEmpty && attributeOptionalEmpty {
            if wantsXML { xml.removeSubrange(attributeXMLStart...) }
            return
        }
        if wantsXML { xml.append(0x22) }
        guard !frames.isEmpty else { return }
        if nameIs(a.name, "Name") {
            frames[frames.count - 1].nameAttribute = value
            return
        }
        // System attributes worth a field (SystemTime, UserID, ProcessID, ThreadID, Qualifiers, Guid...).
        let n0 = record.bytes.count
        record.bytes.append(contentsOf: nameArena[a.name.range])
        record.fields.append((n0..<record.bytes.count, value))
    }

    /// An element with no child elements closes: its text becomes a field (see `WindowsRecord.addLeaf`).
    mutating func leaf(_ f: Frame, record: inout WindowsRecord, empty: Bool) {
        let value = empty ? record.bytes.count..<record.bytes.count : f.textStart..<record.bytes.count
        record.addLeaf(element: nameArena[f.name.range], nameAttribute: f.nameAttribute, value: value, empty: empty)
    }
}
