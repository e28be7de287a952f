import DwellCore

/// One Windows event as name/value pairs: the field model every Windows reader fills (binary EVTX, JSON exports,
/// XML), and that `WindowsEventMapper` turns into an `Event`.
///
/// Names and values are byte ranges into one buffer (`bytes`) that is reused from record to record, so a warm
/// record costs no allocation. Values are the real text (XML and JSON escapes undone), UTF-8.
///
/// The System part is kept under the element or attribute names that Windows uses: `EventID`, `Channel`,
/// `Computer`, `EventRecordID`, `SystemTime` (TimeCreated), `Provider` (Provider's `Name`), `UserID`,
/// `ProcessID`; EventData `<Data Name="X">` under `X`; UserData leaves under their element name.
public struct WindowsRecord {
    public var bytes: [UInt8] = []
    public var fields: [(name: Range<Int>, value: Range<Int>)] = []

    public init() {
        bytes.reserveCapacity(4096)
        fields.reserveCapacity(64)
    }

    public mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        fields.removeAll(keepingCapacity: true)
    }

    /// Adds a field whose name and value are given as bytes.
    public mutating func append(name: some Collection<UInt8>, value: some Collection<UInt8>) {
        let n0 = bytes.count
        bytes.append(contentsOf: name)
        let v0 = bytes.count
        bytes.append(contentsOf: value)
        fields.append((n0..<v0, v0..<bytes.count))
    }

    static let providerKey: [UInt8] = Array("Provider".utf8)
    static let dataKey: [UInt8] = Array("Data".utf8)

    /// Keeps an element without child elements as a field: named by its `Name` attribute when it has one
    /// (`<Data Name="TargetUserName">`), Provider's `Name` as `Provider`, else by the element's name. Empty
    /// elements other than `Data` (`<Opcode/>`-like markers) carry nothing. `value` is a range of `bytes`.
    public mutating func addLeaf<Name: Collection<UInt8>>(
        element: Name, nameAttribute: Range<Int>?, value: Range<Int>, empty: Bool
    ) {
        // Lengths first: most elements are neither `Provider` nor `Data`.
        let length = element.count
        if let n = nameAttribute, length == 8, element.elementsEqual(Self.providerKey) {
            let n0 = bytes.count
            bytes.append(contentsOf: Self.providerKey)
            fields.append((n0..<bytes.count, n))
            return
        }
        if let n = nameAttribute {
            fields.append((n, value))
            return
        }
        if empty && !(length == 4 && element.elementsEqual(Self.dataKey)) { return }
        let n0 = bytes.count
        bytes.append(contentsOf: element)
        fields.append((n0..<bytes.count, value))
    }

    /// The value of the first field named `name`, or `nil`.
    /// - Complexity: O(fields × name length).
    public func range(_ name: StaticString) -> Range<Int>? {
        let n = name.utf8CodeUnitCount
        return name.withUTF8Buffer { key -> Range<Int>? in
            for f in fields where f.name.count == n {
                var same = true
                var k = 0
                while k < n {
                    if bytes[f.name.lowerBound + k] != key[k] {
                        same = false
                        break
                    }
                    k += 1
                }
                if same { return f.value }
            }
            return nil
        }
    }

    /// The value of the last field named `name` (EventData and UserData come after System, and UserData may
    /// repeat a System name such as `Channel`).
    public func lastValue(_ name: StaticString) -> ArraySlice<UInt8>? {
        let key = name.withUTF8Buffer { Array($0) }
        for f in fields.reversed() where f.name.count == key.count && bytes[f.name].elementsEqual(key) {
            return bytes[f.value]
        }
        return nil
    }

    /// The value's bytes, or `nil` when absent.
    public func value(_ name: StaticString) -> ArraySlice<UInt8>? { range(name).map { bytes[$0] } }

    /// The value as text (cold paths and tests).
    public func string(_ name: StaticString) -> String? {
        value(name).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Every field as (name, value) strings, in order (tests and the oracle comparison).
    public var pairs: [(String, String)] {
        fields.map { (String(decoding: bytes[$0.name], as: UTF8.self), String(decoding: bytes[$0.value], as: UTF8.self)) }
    }

    /// The value as a decimal or `0x` hexadecimal integer.
    public func integer(_ name: StaticString) -> Int64? {
        guard let v = value(name) else { return nil }
        return WindowsRecord.integer(v)
    }

    static func integer(_ v: ArraySlice<UInt8>) -> Int64? {
        var i = v.startIndex
        while i < v.endIndex, v[i] == 0x20 { i += 1 }
        var base: Int64 = 10
        if v.endIndex - i > 2, v[i] == 0x30, v[i + 1] | 0x20 == 0x78 {
            base = 16
            i += 2
        }
        guard i < v.endIndex else { return nil }
        var n: Int64 = 0
        while i < v.endIndex {
            let b = v[i]
            let d: Int64
            switch b {
            case 0x30...0x39: d = Int64(b - 0x30)
            case 0x61...0x66 where base == 16: d = Int64(b - 0x61 + 10)
            case 0x41...0x46 where base == 16: d = Int64(b - 0x41 + 10)
            default: return nil
            }
            let (m, o1) = n.multipliedReportingOverflow(by: base)
            let (s, o2) = m.addingReportingOverflow(d)
            // Hex values such as keywords fill all 64 bits: keep their bit pattern.
            if o1 || o2 {
                guard base == 16 else { return nil }
                n = Int64(bitPattern: UInt64(bitPattern: n) &<< 4 | UInt64(d))
            } else {
                n = s
            }
            i += 1
        }
        return n
    }

    /// A slice read with indices from 0 (no copy).
    struct IndexedFromZero {
        let slice: ArraySlice<UInt8>
        init(_ s: ArraySlice<UInt8>) { slice = s }
        var count: Int { slice.count }
        subscript(_ i: Int) -> UInt8 { slice[slice.startIndex + i] }
    }

    /// The event id (`EventID`; Winlogbeat's `event_id`; ECS `code`).
    public var eventID: Int64? { integer("EventID") ?? integer("event_id") ?? integer("EventId") }

    /// The record's time: `SystemTime`, else `@timestamp` (exports), parsed as ISO 8601 (UTC when no zone).
    public var time: Timestamp? {
        // In order, each looked up only when the one before gives no time.
        if let r = range("SystemTime"), let t = WindowsRecord.isoTime(bytes[r]) { return t }
        if let r = range("@timestamp"), let t = WindowsRecord.isoTime(bytes[r]) { return t }
        if let r = range("TimeCreated"), let t = WindowsRecord.isoTime(bytes[r]) { return t }
        if let r = range("UtcTime"), let t = WindowsRecord.isoTime(bytes[r]) { return t }
        return nil
    }

    /// `2021-10-25T18:09:51.1234567Z`, `2020-08-06T05:20:14.617Z`, `2020-08-06 05:20:14.617` (UTC), with an
    /// optional `+hh:mm` offset. Fractions beyond microseconds are cut.
    public static func isoTime(_ s: ArraySlice<UInt8>) -> Timestamp? {
        let b = IndexedFromZero(s)
        guard b.count >= 19 else { return nil }
        func num(_ at: Int, _ n: Int) -> Int? {
            var v = 0
            for k in at..<at + n {
                guard b[k] >= 0x30, b[k] <= 0x39 else { return nil }
                v = v * 10 + Int(b[k] - 0x30)
            }
            return v
        }
        guard let y = num(0, 4), b[4] == 0x2d, let mo = num(5, 2), b[7] == 0x2d, let d = num(8, 2),
            b[10] == 0x54 || b[10] == 0x20, let h = num(11, 2), b[13] == 0x3a, let mi = num(14, 2), b[16] == 0x3a,
            let sec = num(17, 2), mo >= 1, mo <= 12, d >= 1, d <= 31, h < 24, mi < 60, sec < 61
        else { return nil }
        var i = 19
        var micros = 0
        if i < b.count, b[i] == 0x2e {
            i += 1
            var digits = 0
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
                if digits < 6 {
                    micros = micros * 10 + Int(b[i] - 0x30)
                    digits += 1
                }
                i += 1
            }
            while digits < 6 {
                micros *= 10
                digits += 1
            }
        }
        var offset = 0
        if i < b.count, b[i] == 0x2b || b[i] == 0x2d, b.count >= i + 6, let oh = num(i + 1, 2), let om = num(i + 4, 2) {
            offset = (oh * 3600 + om * 60) * (b[i] == 0x2d ? -1 : 1)
        }
        let days = CivilDate.days(year: y, month: mo, day: d)
        let seconds = days * 86_400 + Int64(h * 3600 + mi * 60 + sec - offset)
        return Timestamp(microseconds: seconds * 1_000_000 + Int64(micros))
    }
}
