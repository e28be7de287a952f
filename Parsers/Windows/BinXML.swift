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
/// character references) so that the record is one line of evidence. Names are decoded once per chunk.
/// - Complexity: O(*n*) in the rendered output; recursion is bounded (`maxDepth`).
public struct BinXMLRenderer {
    /// The chunk: 64 KiB of the file (fewer when the file is cut).
    var chunk: UnsafeBufferPointer<UInt8> = UnsafeBufferPointer(start: nil, count: 0)
    /// Names decoded in this chunk, by offset.
    var names: [Int: [UInt8]] = [:]
    /// Substitution values of the template instances being rendered (a stack shared by nested instances).
    var values: [(type: UInt8, start: Int, size: Int)] = []
    /// Open elements.
    var frames: [Frame] = []
    /// An attribute whose value is being written: its name and where its value starts in `record.bytes`.
    var attribute: (name: [UInt8], start: Int)? = nil
    /// Where the attribute being written starts in the XML, and whether an optional substitution gave it nothing
    /// (Windows then leaves the attribute out, as `<Security/>` for a record without a user).
    var attributeXMLStart = 0
    var attributeOptionalEmpty = false
    static let maxDepth = 64
    var depth = 0

    struct Frame {
        var name: [UInt8]
        var nameAttribute: Range<Int>? = nil
        var textStart = 0
        var hasChildren = false
    }

    public init() {}

    /// Starts a new chunk (names of the previous one are forgotten).
    mutating func begin(chunk: UnsafeBufferPointer<UInt8>) {
        self.chunk = chunk
        names.removeAll(keepingCapacity: true)
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
    mutating func name(at offset: Int) throws(BinXMLError) -> [UInt8] {
        if let n = names[offset] { return n }
        let count = Int(try u16(offset + 6))
        guard offset + 8 + count * 2 <= chunk.count else { throw .outOfBounds(at: offset) }
        var out: [UInt8] = []
        BinXMLRenderer.utf16(chunk, offset + 8, count * 2, into: &out)
        names[offset] = out
        return out
    }

    /// Size of a name structure written in place.
    func inlineNameSize(at offset: Int) throws(BinXMLError) -> Int { 8 + Int(try u16(offset + 6)) * 2 + 2 }

    /// Appends UTF-8 for `bytes` bytes of UTF-16LE at `start`; stops at a NUL. Unpaired surrogates become U+FFFD.
    static func utf16(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ bytes: Int, into out: inout [UInt8]) {
        var i = start
        let end = min(start + bytes, p.count)
        while i + 1 < end {
            var c = UInt32(p[i]) | UInt32(p[i + 1]) << 8
            i += 2
            if c == 0 { break }
            if c >= 0xd800 && c < 0xdc00 {
                if i + 1 < end {
                    let d = UInt32(p[i]) | UInt32(p[i + 1]) << 8
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
            appendUTF8(c, to: &out)
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
                xml.append(0x3c)
                xml.append(contentsOf: name)
                frames.append(Frame(name: name))
                pos = p
            case 0x02:  // close start element
                finishAttribute(record: &record, xml: &xml)
                xml.append(0x3e)
                if !frames.isEmpty { frames[frames.count - 1].textStart = record.bytes.count }
                pos += 1
            case 0x03:  // close empty element
                finishAttribute(record: &record, xml: &xml)
                xml.append(0x2f)
                xml.append(0x3e)
                if let f = frames.popLast() { leaf(f, record: &record, empty: true) }
                pos += 1
            case 0x04:  // end element
                finishAttribute(record: &record, xml: &xml)
                if let f = frames.popLast() {
                    xml.append(0x3c)
                    xml.append(0x2f)
                    xml.append(contentsOf: f.name)
                    xml.append(0x3e)
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
                xml.append(0x20)
                xml.append(contentsOf: name)
                xml.append(0x3d)
                xml.append(0x22)
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
                var tmp: [UInt8] = []
                BinXMLRenderer.appendUTF8(c, to: &tmp)
                write(tmp[...], record: &record, xml: &xml)
                pos += 3
            case 0x09, 0x49:  // entity reference
                let nameOffset = Int(try u32(pos + 1))
                var p = pos + 5
                if nameOffset == p { p += try inlineNameSize(at: p) }
                let name = try self.name(at: nameOffset)
                let real: [UInt8]
                switch String(decoding: name, as: UTF8.self) {
                case "amp": real = [0x26]
                case "lt": real = [0x3c]
                case "gt": real = [0x3e]
                case "quot": real = [0x22]
                case "apos": real = [0x27]
                default: real = name
                }
                write(real[...], record: &record, xml: &xml)
                pos = p
            case 0x0a:  // processing instruction target
                let nameOffset = Int(try u32(pos + 1))
                var p = pos + 5
                if nameOffset == p { p += try inlineNameSize(at: p) }
                xml.append(contentsOf: Array("<?".utf8))
                xml.append(contentsOf: try self.name(at: nameOffset))
                pos = p
            case 0x0b:  // processing instruction data
                let count = Int(try u16(pos + 1))
                guard pos + 3 + count * 2 <= chunk.count else { throw .outOfBounds(at: pos) }
                xml.append(0x20)
                BinXMLRenderer.utf16(chunk, pos + 3, count * 2, into: &xml)
                xml.append(contentsOf: Array("?>".utf8))
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

    /// Writes one typed value as text.
    mutating func value(type: UInt8, start s: Int, size n: Int, record: inout WindowsRecord, xml: inout [UInt8]) throws(BinXMLError) {
        var t: [UInt8] = []
        switch type {
        case 0x01:
            text(utf16At: s, bytes: n, record: &record, xml: &xml)
            return
        case 0x02:
            var e = s
            while e < s + n, chunk[e] != 0 { e += 1 }
            t = Array(chunk[s..<e])
        case 0x03: t = Array(String(Int8(bitPattern: try u8(s))).utf8)
        case 0x04: t = Array(String(try u8(s)).utf8)
        case 0x05: t = Array(String(Int16(bitPattern: try u16(s))).utf8)
        case 0x06: t = Array(String(try u16(s)).utf8)
        case 0x07: t = Array(String(Int32(bitPattern: try u32(s))).utf8)
        case 0x08: t = Array(String(try u32(s)).utf8)
        case 0x09: t = Array(String(Int64(bitPattern: try u64(s))).utf8)
        case 0x0a: t = Array(String(try u64(s)).utf8)
        case 0x0b: t = Array(String(Float(bitPattern: try u32(s))).utf8)
        case 0x0c: t = Array(String(Double(bitPattern: try u64(s))).utf8)
        case 0x0d: t = Array((try u32(s) != 0 ? "true" : "false").utf8)
        case 0x0e:
            Self.hex(chunk, s, n, into: &t)
        case 0x0f:
            guard n >= 16 else { throw .badValue(at: s) }
            t = Array(Self.guid(chunk, s).utf8)
        case 0x10:
            t = Array(("0x" + String(n == 8 ? try u64(s) : UInt64(try u32(s)), radix: 16)).utf8)
        case 0x11:
            Self.fileTime(try u64(s), into: &t)
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
            Timestamp(microseconds: micros).appendISO8601(to: &t, fractionDigits: 3)
        case 0x13:
            t = Array(try Self.sid(chunk, s, n).utf8)
        case 0x14: t = Array(("0x" + String(try u32(s), radix: 16)).utf8)
        case 0x15: t = Array(("0x" + String(try u64(s), radix: 16)).utf8)
        case 0x21:
            _ = try render(from: s, to: s + n, record: &record, xml: &xml)
            return
        case 0x81:  // array of strings: NUL-separated UTF-16
            var i = s
            var first = true
            while i + 1 < s + n {
                var e = i
                while e + 1 < s + n, chunk[e] != 0 || chunk[e + 1] != 0 { e += 2 }
                if !first { write([0x2c][...], record: &record, xml: &xml) }
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
                    Self.hex(chunk, s, n, into: &t)
                    break
                }
                var i = s
                while i + element <= s + n {
                    if i > s { write([0x2c][...], record: &record, xml: &xml) }
                    try value(type: type & 0x7f, start: i, size: element, record: &record, xml: &xml)
                    i += element
                }
                return
            }
            Self.hex(chunk, s, n, into: &t)  // an unknown type keeps its bytes, as hex
        }
        write(t[...], record: &record, xml: &xml)
    }

    static func hex(_ p: UnsafeBufferPointer<UInt8>, _ s: Int, _ n: Int, into t: inout [UInt8]) {
        let digits: [UInt8] = Array("0123456789ABCDEF".utf8)
        for i in s..<min(s + n, p.count) {
            t.append(digits[Int(p[i] >> 4)])
            t.append(digits[Int(p[i] & 15)])
        }
    }

    static func guid(_ p: UnsafeBufferPointer<UInt8>, _ s: Int) -> String {
        func h(_ v: UInt64, _ w: Int) -> String {
            let x = String(v, radix: 16, uppercase: true)
            return String(repeating: "0", count: max(0, w - x.count)) + x
        }
        let d1 = UInt64(p[s]) | UInt64(p[s + 1]) << 8 | UInt64(p[s + 2]) << 16 | UInt64(p[s + 3]) << 24
        let d2 = UInt64(p[s + 4]) | UInt64(p[s + 5]) << 8
        let d3 = UInt64(p[s + 6]) | UInt64(p[s + 7]) << 8
        var tail = ""
        for k in 8..<16 {
            if k == 10 { tail += "-" }
            tail += h(UInt64(p[s + k]), 2)
        }
        return "{\(h(d1, 8))-\(h(d2, 4))-\(h(d3, 4))-\(tail)}"
    }

    static func sid(_ p: UnsafeBufferPointer<UInt8>, _ s: Int, _ n: Int) throws(BinXMLError) -> String {
        guard n >= 8 else { throw .badValue(at: s) }
        let count = Int(p[s + 1])
        guard 8 + count * 4 <= n else { throw .badValue(at: s) }
        var authority: UInt64 = 0
        for k in 2..<8 { authority = authority << 8 | UInt64(p[s + k]) }
        var out = "S-\(p[s])-\(authority)"
        for k in 0..<count {
            let o = s + 8 + k * 4
            let v = UInt32(p[o]) | UInt32(p[o + 1]) << 8 | UInt32(p[o + 2]) << 16 | UInt32(p[o + 3]) << 24
            out += "-\(v)"
        }
        return out
    }

    /// FILETIME (100 ns since 1601) as ISO 8601 with seven fraction digits, as Windows writes it.
    /// A FILETIME past 9999-12-31 (damage) is written as its hexadecimal value.
    static func fileTime(_ ft: UInt64, into t: inout [UInt8]) {
        guard ft <= 2_650_467_743_999_999_999 else {
            t.append(contentsOf: Array(("0x" + String(ft, radix: 16)).utf8))
            return
        }
        // Whole seconds since 1601 and the 7-digit fraction, converted with floor arithmetic from the civil epoch.
        let seconds = Int64(ft / 10_000_000) - 11_644_473_600
        let fraction = Int(ft % 10_000_000)
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secOfDay = Int(seconds - days * 86_400)
        let (y, m, d) = CivilDate.civil(fromDays: days)
        func pad(_ v: Int, _ w: Int) {
            var digits: [UInt8] = []
            var x = v
            repeat {
                digits.append(UInt8(ascii: "0") + UInt8(x % 10))
                x /= 10
            } while x > 0
            while digits.count < w { digits.append(UInt8(ascii: "0")) }
            t.append(contentsOf: digits.reversed())
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
        BinXMLRenderer.escape(record.bytes[start...], into: &xml)
    }

    mutating func write(_ t: ArraySlice<UInt8>, record: inout WindowsRecord, xml: inout [UInt8]) {
        record.bytes.append(contentsOf: t)
        BinXMLRenderer.escape(t, into: &xml)
    }

    /// XML-escapes `t` into `out`: `& < > "` and every control character as a reference (one line per record).
    static func escape(_ t: ArraySlice<UInt8>, into out: inout [UInt8]) {
        // Most text needs no escape: append runs of plain bytes at once.
        var runStart = t.startIndex
        var i = t.startIndex
        while i < t.endIndex {
            let b = t[i]
            if b >= 0x20 && b != 0x26 && b != 0x3c && b != 0x3e && b != 0x22 && b != 0x7f {
                i += 1
                continue
            }
            if runStart < i { out.append(contentsOf: t[runStart..<i]) }
            escapeByte(b, into: &out)
            i += 1
            runStart = i
        }
        if runStart < t.endIndex { out.append(contentsOf: t[runStart..<t.endIndex]) }
    }

    static func escapeByte(_ b: UInt8, into out: inout [UInt8]) {
        do {
            switch b {
            case 0x26: out.append(contentsOf: [0x26, 0x61, 0x6d, 0x70, 0x3b])
            case 0x3c: out.append(contentsOf: [0x26, 0x6c, 0x74, 0x3b])
            case 0x3e: out.append(contentsOf: [0x26, 0x67, 0x74, 0x3b])
            case 0x22: out.append(contentsOf: [0x26, 0x71, 0x75, 0x6f, 0x74, 0x3b])
            case 0..<0x20, 0x7f:
                out.append(contentsOf: [0x26, 0x23])
                if b >= 100 { out.append(0x30 + b / 100) }
                if b >= 10 { out.append(0x30 + b / 10 % 10) }
                out.append(0x30 + b % 10)
                out.append(0x3b)
            default: out.append(b)
            }
        }
    }

    /// Ends an attribute being written: closes its quote and keeps its value as a field.
    mutating func finishAttribute(record: inout WindowsRecord, xml: inout [UInt8]) {
        guard let a = attribute else { return }
        attribute = nil
        let value = a.start..<record.bytes.count
        if value.isEmpty && attributeOptionalEmpty {
            xml.removeSubrange(attributeXMLStart...)
            return
        }
        xml.append(0x22)
        guard !frames.isEmpty else { return }
        if a.name == Self.nameKey {
            frames[frames.count - 1].nameAttribute = value
            return
        }
        // System attributes worth a field (SystemTime, UserID, ProcessID, ThreadID, Qualifiers, Guid...).
        let n0 = record.bytes.count
        record.bytes.append(contentsOf: a.name)
        record.fields.append((n0..<record.bytes.count, value))
    }

    static let nameKey: [UInt8] = Array("Name".utf8)

    /// An element with no child elements closes: its text becomes a field (see `WindowsRecord.addLeaf`).
    mutating func leaf(_ f: Frame, record: inout WindowsRecord, empty: Bool) {
        let value = empty ? record.bytes.count..<record.bytes.count : f.textStart..<record.bytes.count
        record.addLeaf(element: f.name, nameAttribute: f.nameAttribute, value: value, empty: empty)
    }
}
