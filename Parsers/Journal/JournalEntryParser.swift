import DwellCore

/// Turns one systemd journal entry (its `NAME=value` fields, read by `JournalReader`) into an event, through the
/// same message parsers as syslog lines.
///
///     _HOSTNAME=web01  SYSLOG_IDENTIFIER=sshd  _PID=2211  MESSAGE=Accepted password for root from 203.0.113.9 port 50122 ssh2
///
/// is the same `authSuccess` event as `Mar  3 04:12:09 web01 sshd[2211]: Accepted password …` in auth.log.
/// - Time: `_SOURCE_REALTIME_TIMESTAMP` (when the program logged) when present and a number, else the entry's
///   `__REALTIME_TIMESTAMP` (when journald received it). Both are µs since the epoch, UTC: no year or zone is
///   inferred (`TimeSource.explicit`); `usedSourceTime` says which one the last entry used.
/// - Host `_HOSTNAME`; program `SYSLOG_IDENTIFIER`, else `_COMM`; pid `SYSLOG_PID`, else `_PID`.
/// - Kernel entries (`_TRANSPORT=kernel`) are read for netfilter `LOG` messages (`NetfilterMessage`).
/// - An entry without `MESSAGE` is still a `.generic` event (program, pid). An entry with no usable time is
///   rejected as `.badTimestamp`.
/// - Payload: the fields may be ranges of the whole file (read in place): every scan is bounded by its field, and
///   the message parsers see a copy of the program name and the message only (`scratch`), so that no scan of theirs
///   runs on into the rest of the file.
/// - Complexity: O(total field bytes); no allocation once the symbol table and the scratch buffer are warm.
public struct JournalEntryParser {
    /// Whether the last entry parsed took its time from `_SOURCE_REALTIME_TIMESTAMP`.
    public private(set) var usedSourceTime = false
    /// The program name and the message of the current entry, side by side, for the message parsers.
    var scratch: [UInt8] = []

    public init() {}

    /// The fields the parser reads, as ranges of their values in the entry's payload.
    public struct Fields {
        public var message: Range<Int>?
        public var hostname: Range<Int>?
        public var identifier: Range<Int>?
        public var comm: Range<Int>?
        public var pid: Range<Int>?
        public var syslogPID: Range<Int>?
        public var sourceRealtime: Range<Int>?
        public var transport: Range<Int>?

        /// Picks the known fields out of `payload` (first occurrence of each name wins). A field is looked at only
        /// within its range: its name is the bytes before its first `=`, so a field is `_PID` exactly when it starts
        /// with `_PID=`; the first byte picks the few names to compare.
        public init(_ payload: Span<UInt8>, fields: [Range<Int>]) {
            for r in fields {
                guard r.lowerBound >= 0, r.upperBound <= payload.count, r.count >= 5 else { continue }
                let a = r.lowerBound
                let n = r.count
                switch payload[a] {
                case UInt8(ascii: "M"):
                    if message == nil, n >= 8 && payload.matches("MESSAGE=", at: a) {
                        message = (a + 8)..<r.upperBound
                    }
                case UInt8(ascii: "S"):
                    if syslogPID == nil, n >= 11 && payload.matches("SYSLOG_PID=", at: a) {
                        syslogPID = (a + 11)..<r.upperBound
                    } else if identifier == nil, n >= 18 && payload.matches("SYSLOG_IDENTIFIER=", at: a) {
                        identifier = (a + 18)..<r.upperBound
                    }
                case UInt8(ascii: "_"):
                    switch payload[a + 1] {
                    case UInt8(ascii: "P"):
                        if pid == nil, n >= 5 && payload.matches("_PID=", at: a) { pid = (a + 5)..<r.upperBound }
                    case UInt8(ascii: "C"):
                        if comm == nil, n >= 6 && payload.matches("_COMM=", at: a) { comm = (a + 6)..<r.upperBound }
                    case UInt8(ascii: "H"):
                        if hostname == nil, n >= 10 && payload.matches("_HOSTNAME=", at: a) {
                            hostname = (a + 10)..<r.upperBound
                        }
                    case UInt8(ascii: "T"):
                        if transport == nil, n >= 11 && payload.matches("_TRANSPORT=", at: a) {
                            transport = (a + 11)..<r.upperBound
                        }
                    case UInt8(ascii: "S"):
                        if sourceRealtime == nil, n >= 27 && payload.matches("_SOURCE_REALTIME_TIMESTAMP=", at: a) {
                            sourceRealtime = (a + 27)..<r.upperBound
                        }
                    default: continue
                    }
                default: continue
                }
            }
        }
    }

    /// The values (the bytes after `NAME=`) of the fields the parser reads, each bounded to its field.
    public struct Values {
        public var message: UnsafeBufferPointer<UInt8>?
        public var hostname: UnsafeBufferPointer<UInt8>?
        public var identifier: UnsafeBufferPointer<UInt8>?
        public var comm: UnsafeBufferPointer<UInt8>?
        public var pid: UnsafeBufferPointer<UInt8>?
        public var syslogPID: UnsafeBufferPointer<UInt8>?
        public var sourceRealtime: UnsafeBufferPointer<UInt8>?
        public var transport: UnsafeBufferPointer<UInt8>?

        /// The values an entry's reader named (`JournalEntry.value`); `bytes` are the entry's field bytes.
        @inlinable
        public init(_ entry: borrowing JournalEntry, bytes p: UnsafeBufferPointer<UInt8>) {
            if entry.namedFields == 0 { return }
            message = entry.value(.message, in: p)
            hostname = entry.value(.hostname, in: p)
            identifier = entry.value(.syslogIdentifier, in: p)
            comm = entry.value(.comm, in: p)
            pid = entry.value(.pid, in: p)
            syslogPID = entry.value(.syslogPID, in: p)
            sourceRealtime = entry.value(.sourceRealtime, in: p)
            transport = entry.value(.transport, in: p)
        }

        /// The values of `fields`, ranges of `p` (checked by `Fields`).
        init(_ f: Fields, bytes p: UnsafeBufferPointer<UInt8>) {
            func view(_ r: Range<Int>?) -> UnsafeBufferPointer<UInt8>? {
                r.map { UnsafeBufferPointer(rebasing: p[$0]) }
            }
            message = view(f.message)
            hostname = view(f.hostname)
            identifier = view(f.identifier)
            comm = view(f.comm)
            pid = view(f.pid)
            syslogPID = view(f.syslogPID)
            sourceRealtime = view(f.sourceRealtime)
            transport = view(f.transport)
        }
    }

    /// Fills `event` from one entry. `payload` and `fields` are the entry's (see `JournalEntry`);
    /// `realtimeMicroseconds` its `__REALTIME_TIMESTAMP`.
    /// - Returns: `true` (every readable entry is an event).
    /// - Throws: `.badTimestamp(atColumn: 0)` when neither time is usable.
    public mutating func parse(
        payload s: Span<UInt8>, fields list: [Range<Int>], realtimeMicroseconds: UInt64,
        into event: inout Event,
        context c: inout ParseContext
    ) throws(LineRejection) -> Bool {
        let f = Fields(s, fields: list)
        let values = s.withUnsafeBufferPointer { Values(f, bytes: $0) }
        return try parse(values, realtimeMicroseconds: realtimeMicroseconds, into: &event, context: &c)
    }

    /// Fills `event` from an entry as the reader hands it over: the fields it named (`JournalEntry.value`), read
    /// where they are (the file, the entry's payload, or the reader's table of shared DATA objects).
    public mutating func parse(_ entry: JournalEntry, into event: inout Event, context c: inout ParseContext)
        throws(LineRejection) -> Bool
    {
        let parsed = entry.withFieldBytes { p -> Result<Bool, LineRejection> in
            do throws(LineRejection) {
                return .success(
                    try parse(
                        Values(entry, bytes: p), realtimeMicroseconds: entry.realtimeMicroseconds, into: &event,
                        context: &c))
            } catch {
                return .failure(error)
            }
        }
        return try parsed.get()
    }

    /// Fills `event` from the values of one entry's fields and its `__REALTIME_TIMESTAMP`.
    public mutating func parse(
        _ f: Values, realtimeMicroseconds: UInt64, into event: inout Event, context c: inout ParseContext
    ) throws(LineRejection) -> Bool {
        var micros = realtimeMicroseconds
        usedSourceTime = false
        if let r = f.sourceRealtime, let base = r.baseAddress, let v = DecimalDigits.parseUInt(base, r.count), v > 0,
            v <= UInt64(Int64.max)
        {
            micros = v
            usedSourceTime = true
        }
        guard micros > 0, micros <= UInt64(Int64.max) else { throw .badTimestamp(atColumn: 0) }
        event.reset(time: Timestamp(microseconds: Int64(micros)), kind: .generic)
        event.timeSource = .explicit
        if let h = f.hostname, !h.isEmpty, !Self.equals(h, "localhost") {
            event.host = c.symbols.intern(h)
        } else {
            event.host = c.defaultHost
        }
        if let p = f.syslogPID ?? f.pid, let base = p.baseAddress, let v = DecimalDigits.parseUInt(base, p.count),
            v <= UInt64(Int32.max)
        {
            event.pid = Int32(v)
        }
        let program = f.identifier ?? f.comm
        guard let message = f.message else {
            if let program, !program.isEmpty { event.program = c.symbols.intern(program) }
            return true
        }
        var hi = message.count
        while hi > 0, message[hi - 1] == UInt8(ascii: " ") || message[hi - 1] == 0x0a || message[hi - 1] == 0x0d {
            hi -= 1
        }
        // The message parsers scan forward within the message; they see a copy of the program and the message only.
        scratch.removeAll(keepingCapacity: true)
        if let program { scratch.append(contentsOf: program) }
        scratch.append(contentsOf: UnsafeBufferPointer(rebasing: message[0..<hi]))
        let kernel = f.transport.map { Self.equals($0, "kernel") } ?? false
        let programBytes = program?.count ?? 0
        let p = 0..<programBytes
        let m = programBytes..<scratch.count
        scratch.withUnsafeBufferPointer { b in
            let t = b.span
            if kernel {
                if !p.isEmpty { event.program = c.symbols.intern(t, p) }
                if !m.isEmpty {
                    _ = NetfilterMessage.parse(t, from: m.lowerBound, into: &event, context: &c)
                }
            } else {
                AuthMessage.structure(t, program: p, message: m, into: &event, context: &c)
            }
        }
        return true
    }

    /// Whether `bytes` are exactly `literal`.
    @inline(__always)
    static func equals(_ bytes: UnsafeBufferPointer<UInt8>, _ literal: StaticString) -> Bool {
        let n = literal.utf8CodeUnitCount
        guard bytes.count == n else { return false }
        let k = literal.utf8Start
        var i = 0
        while i < n {
            if bytes[i] != k[i] { return false }
            i &+= 1
        }
        return true
    }
}
