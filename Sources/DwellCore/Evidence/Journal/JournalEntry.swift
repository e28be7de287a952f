/// One entry of a journal file as the reader hands it over: where it is, its header fields, and its fields'
/// payloads (`NAME=value`, decompressed) as ranges (`fields`) of the bytes that `withFieldBytes` shows: the file
/// itself where every DATA object of the entry is stored uncompressed (read in place, nothing copied), else the
/// entry's own `payload`, where they were copied and decompressed.
///
/// The reader reuses one value for every entry (the arrays keep their capacity); the file's bytes are valid during
/// the reader's call only, so copy what must outlive it (a copy kept afterwards must have its `fields` emptied).
public struct JournalEntry: @unchecked Sendable {
    /// 1-based position in reading order: the entry's "line number" in dwell's provenance.
    public var ordinal: UInt64 = 0
    /// Byte offset of the ENTRY object in the file.
    public var offset: UInt64 = 0
    public var seqnum: UInt64 = 0
    /// `__REALTIME_TIMESTAMP`: µs since the epoch, UTC, when journald received the entry.
    public var realtimeMicroseconds: UInt64 = 0
    /// `__MONOTONIC_TIMESTAMP`: µs since the boot `bootID`.
    public var monotonicMicroseconds: UInt64 = 0
    public var bootID = JournalID(high: 0, low: 0)
    public var xorHash: UInt64 = 0
    /// The `NAME=value` bytes of every field of an entry with a compressed DATA object, concatenated (empty when
    /// `fieldsInFile`).
    public var payload: [UInt8] = []
    /// Each field's `NAME=value` bytes, in the entry's item order: ranges of the file (`fieldsInFile`) or of
    /// `payload`. Read them through `withFieldBytes`.
    public var fields: [Range<Int>] = []
    /// Whether `fields` are ranges of the file's bytes (no DATA object of the entry was compressed).
    public internal(set) var fieldsInFile = false
    /// The file's bytes, set by the reader for the duration of its call.
    var file = UnsafeRawBufferPointer(start: nil, count: 0)
    /// Items of this entry whose DATA object could not be read (bad offset, wrong type, failed decompression).
    public var unreadableFields = 0
    /// Which `JournalField`s the entry has (bit `rawValue`), each its first field of that name: set by the reader,
    /// which names each field once, from its table of shared DATA objects or from the payload's first bytes.
    public internal(set) var namedFields: UInt32 = 0
    /// For each named field, its index in `fields`.
    @usableFromInline var namedIndex = InlineArray<17, Int32>(repeating: -1)
    /// For each named field, where its value is when the reader knows it without the entry's `payload`: a copy in
    /// the reader's table (a short value of a shared DATA object, which is then not touched at all) or the file
    /// (an uncompressed DATA object); else `nil` (a compressed one), and the value is found through `namedIndex`.
    @usableFromInline var namedValue = InlineArray<17, UnsafeRawPointer?>(repeating: nil)
    @usableFromInline var namedValueBytes = InlineArray<17, Int32>(repeating: 0)

    public init() {}

    /// Calls `body` with the bytes that `fields` index (the file's or `payload`), valid during the call only.
    @inlinable
    public func withFieldBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if fieldsInFile { return body(fieldFileBytes) }
        return payload.withUnsafeBufferPointer { body($0) }
    }

    @usableFromInline var fieldFileBytes: UnsafeBufferPointer<UInt8> { file.assumingMemoryBound(to: UInt8.self) }

    /// The value (the bytes after `NAME=`) of the entry's first field named `field`, or `nil` when it has none.
    /// `bytes` are the ones `withFieldBytes` shows; the result is valid during the reader's call only.
    /// - Complexity: O(1): the reader named the fields as it read them.
    @inlinable @inline(__always)
    public func value(_ field: JournalField, in bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8>? {
        let k = Int(field.rawValue)
        // A copy kept past the reader's call has its `fields` emptied (see the type's notes): it names nothing.
        guard namedFields & (1 << UInt32(k)) != 0, Int(namedIndex[k]) < fields.count else { return nil }
        if let p = namedValue[k] {
            return UnsafeBufferPointer(start: p.assumingMemoryBound(to: UInt8.self), count: Int(namedValueBytes[k]))
        }
        return lookUpNamed(k, in: bytes, keyBytes: field.keyBytes)
    }

    @usableFromInline
    func lookUpNamed(_ k: Int, in bytes: UnsafeBufferPointer<UInt8>, keyBytes: Int) -> UnsafeBufferPointer<UInt8>? {
        let i = Int(namedIndex[k])
        guard i >= 0, i < fields.count else { return nil }
        let r = fields[i]
        // The reader named the field from these bytes, so the range holds at least `NAME=`.
        guard r.lowerBound >= 0, r.upperBound <= bytes.count, r.count >= keyBytes else { return nil }
        return UnsafeBufferPointer(rebasing: bytes[(r.lowerBound + keyBytes)..<r.upperBound])
    }

    /// Records that `fields[index]` is the entry's first field named `field` (a later one of the same name is not).
    /// `value`: its value's bytes when held outside the fields' bytes (the reader's table), else `nil`.
    @inline(__always)
    mutating func name(_ field: UInt8, index: Int, value: UnsafeRawPointer?, valueBytes: Int) {
        guard field < 17 else { return }
        let bit = UInt32(1) << UInt32(field)
        guard namedFields & bit == 0 else { return }
        namedFields |= bit
        let k = Int(field)
        namedIndex[k] = Int32(truncatingIfNeeded: index)
        namedValue[k] = value
        namedValueBytes[k] = Int32(truncatingIfNeeded: valueBytes)
    }

    /// Records that `fields[index]`, whose `NAME=value` bytes lie in `file` at `start` (an uncompressed DATA
    /// object), is the entry's first field named `field`: its value is found there, whether the entry's fields
    /// are read in place or copied to `payload` (the same bytes; the file outlives the reader's call).
    @inline(__always)
    mutating func name(
        _ field: UInt8, index: Int, payloadAt start: Int, payloadBytes: Int, in file: UnsafeRawBufferPointer
    ) {
        guard let f = JournalField(rawValue: field), let base = file.baseAddress else { return }
        // The reader named the field from these bytes (`JournalField.classify`): they hold at least `NAME=`.
        let key = f.keyBytes
        guard payloadBytes >= key else { return }
        name(field, index: index, value: base + start + key, valueBytes: payloadBytes - key)
    }

    /// The bytes of one field (`NAME=value`), copied.
    public func bytes(of field: Range<Int>) -> [UInt8] {
        withFieldBytes { Array($0[field]) }
    }

    /// Copies the fields read in place into `payload` (the entry then holds one base for all its ranges).
    mutating func moveFieldsToPayload(from file: UnsafeRawBufferPointer) {
        payload.removeAll(keepingCapacity: true)
        for k in fields.indices {
            let r = fields[k]
            let begin = payload.count
            payload.append(contentsOf: UnsafeRawBufferPointer(rebasing: file[r]))
            fields[k] = begin..<payload.count
        }
        fieldsInFile = false
    }

    /// The value of the first field named `name` (without `=`), as a range into `payload`.
    public func value(of name: String) -> Range<Int>? {
        value(key: Array(name.utf8) + [UInt8(ascii: "=")])
    }

    /// The value of the first field whose payload starts with `key` (a name followed by `=`).
    /// - Complexity: O(total field bytes compared); fields are few.
    public func value(key: [UInt8]) -> Range<Int>? {
        withFieldBytes { p in
            key.withUnsafeBufferPointer { k in
                for r in fields where r.count >= k.count {
                    var same = true
                    var i = 0
                    while i < k.count {
                        if p[r.lowerBound &+ i] != k[i] {
                            same = false
                            break
                        }
                        i &+= 1
                    }
                    if same { return (r.lowerBound + k.count)..<r.upperBound }
                }
                return nil
            }
        }
    }

    /// The journal cursor (`s=…;i=…;b=…;m=…;t=…;x=…`) that `journalctl --file F --cursor C` accepts.
    public func cursor(seqnumID: JournalID) -> String {
        var out: [UInt8] = []
        appendCursor(to: &out, seqnumID: seqnumID)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the cursor's bytes (no `String` per entry): written into a buffer on the stack, appended at once.
    public func appendCursor(to out: inout [UInt8], seqnumID: JournalID) {
        // s= 32 hex, ;i= ≤16, ;b= 32, ;m= ≤16, ;t= ≤16, ;x= ≤16: at most 143 bytes.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 160) { b in
            var n = 0
            func key(_ a: UInt8, first: Bool = false) {
                if !first {
                    b[n] = UInt8(ascii: ";")
                    n += 1
                }
                b[n] = a
                b[n + 1] = UInt8(ascii: "=")
                n += 2
            }
            func digit(_ v: UInt64) {
                let d = UInt8(truncatingIfNeeded: v & 15)
                b[n] = d < 10 ? UInt8(ascii: "0") + d : UInt8(ascii: "a") - 10 + d
                n += 1
            }
            func id(_ x: JournalID) {
                for w in 0..<2 {
                    let word = w == 0 ? x.high : x.low
                    for k in 0..<8 {
                        let byte = word >> (8 * UInt64(k))
                        digit(byte >> 4)
                        digit(byte)
                    }
                }
            }
            func hex(_ v: UInt64) {
                var digits = max(1, (64 - v.leadingZeroBitCount + 3) / 4)
                while digits > 0 {
                    digits -= 1
                    digit(v >> (4 * UInt64(digits)))
                }
            }
            key(UInt8(ascii: "s"), first: true)
            id(seqnumID)
            key(UInt8(ascii: "i"))
            hex(seqnum)
            key(UInt8(ascii: "b"))
            id(bootID)
            key(UInt8(ascii: "m"))
            hex(monotonicMicroseconds)
            key(UInt8(ascii: "t"))
            hex(realtimeMicroseconds)
            key(UInt8(ascii: "x"))
            hex(xorHash)
            out.append(contentsOf: UnsafeBufferPointer(rebasing: b[0..<n]))
        }
    }
}
