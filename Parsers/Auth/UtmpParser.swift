import DwellCore

/// Parses glibc x86-64 `utmp`/`wtmp`/`btmp` login records (384 bytes each, little-endian).
///
///     offset  0  ut_type  Int16 (+2 padding)    4 ut_pid Int32       8 ut_line [32]   40 ut_id [4]
///            44  ut_user  [32]                 76 ut_host [256]    332 ut_exit (2 × Int16)
///           336  ut_session Int32             340 ut_tv (Int32 seconds, Int32 µs)
///           348  ut_addr_v6 [4 × UInt32, network order]            364 reserved [20]
///
/// Records: `USER_PROCESS` (7) is a login (`auth_success`), or a failed login (`auth_failure`) when the file is a
/// btmp (`failedLogins`, chosen by the format descriptor from the file name); `DEAD_PROCESS` (8) a logout;
/// `BOOT_TIME` (2) a boot and `RUN_LVL` (1) a runlevel change or shutdown (`boot`); `NEW_TIME`/`OLD_TIME` (3, 4)
/// a clock change, `INIT_PROCESS`/`LOGIN_PROCESS`/`ACCOUNTING` (5, 6, 9) `generic` (detail names the type).
/// `EMPTY` (0) slots are non-events (`nil`). Any other type is a corrupt record: `.invalidField(atColumn: 0)`.
///
/// Fields: `user`, `tty` (ut_line), `pid`, `sourceIP` (ut_addr_v6, else ut_host when it is an address), `domain`
/// (ut_host when it is a host name, or the X display), `detail`; times are UTC (`explicit`), microseconds kept.
/// - Complexity: O(1) per record; no allocation once the symbol table is warm.
public struct UtmpParser: RecordParser {
    public static let recordSize = 384
    public var recordBytes: Int { Self.recordSize }
    /// A btmp file: its `USER_PROCESS` records are failed logins.
    public var failedLogins: Bool

    public init(failedLogins: Bool = false) { self.failedLogins = failedLogins }

    public mutating func parse(
        record r: Span<UInt8>, into e: inout Event, context: inout ParseContext
    ) throws(LineRejection) -> Bool {
        guard r.count >= Self.recordSize else { throw .truncated(atColumn: r.count) }
        let type = Self.int16(r, 0)
        guard type >= 0, type <= 9 else { throw .invalidField(atColumn: 0) }
        if type == 0 { return false }
        let seconds = Int64(Self.int32(r, 340))
        let micros = Int64(Self.int32(r, 344))
        guard micros >= 0, micros < 1_000_000 else { throw .invalidField(atColumn: 344) }
        e = Event(time: Timestamp(microseconds: seconds * 1_000_000 + micros), kind: .generic)
        e.timeSource = .explicit
        e.pid = Self.int32(r, 4)
        let line = Self.string(r, 8, 32)
        let user = Self.string(r, 44, 32)
        let host = Self.string(r, 76, 256)
        switch type {
        case 7:
            e.kind = failedLogins ? .authFailure : .authSuccess
            e.outcome = failedLogins ? .failure : .success
            e.user = context.symbols.intern(r, user)
            e.tty = context.symbols.intern(r, line)
            address(r, host, &e, &context)
        case 8:
            e.kind = .logout
            e.tty = context.symbols.intern(r, line)
            e.user = context.symbols.intern(r, user)
        case 2:
            e.kind = .boot
            e.detail = context.symbols.intern(literal: "boot")
        case 1:
            e.kind = .boot
            let shutdown = user.count == 8 && r.matches("shutdown", at: user.lowerBound)
            e.detail = shutdown ? context.symbols.intern(literal: "shutdown") : context.symbols.intern(literal: "runlevel")
        case 3: e.detail = context.symbols.intern(literal: "clock_changed_new_time")
        case 4: e.detail = context.symbols.intern(literal: "clock_changed_old_time")
        case 5:
            e.detail = context.symbols.intern(literal: "init_process")
            e.tty = context.symbols.intern(r, line)
        case 6:
            e.detail = context.symbols.intern(literal: "login_process")
            e.tty = context.symbols.intern(r, line)
            e.user = context.symbols.intern(r, user)
        default:
            e.detail = context.symbols.intern(literal: "accounting")
        }
        return true
    }

    /// The remote address: ut_addr_v6 (an IPv4 address in the first word, the rest zero), else ut_host.
    func address(_ r: Span<UInt8>, _ host: Range<Int>, _ e: inout Event, _ c: inout ParseContext) {
        let w0 = Self.bigEndian32(r, 348)
        let w1 = Self.bigEndian32(r, 352)
        let w2 = Self.bigEndian32(r, 356)
        let w3 = Self.bigEndian32(r, 360)
        if w1 == 0 && w2 == 0 && w3 == 0 {
            if w0 != 0 { e.sourceIP = IPAddress(v4: w0) }
        } else {
            let ip = IPAddress(high: UInt64(w0) << 32 | UInt64(w1), low: UInt64(w2) << 32 | UInt64(w3))
            e.sourceIP = ip
        }
        guard !host.isEmpty else { return }
        if let ip = IPAddress.parse(r, host) {
            if e.sourceIP.isNone { e.sourceIP = ip }
        } else {
            e.domain = c.symbols.intern(r, host)
        }
    }

    @inline(__always) static func int16(_ r: Span<UInt8>, _ o: Int) -> Int16 {
        Int16(bitPattern: UInt16(r[o]) | UInt16(r[o + 1]) << 8)
    }

    @inline(__always) static func int32(_ r: Span<UInt8>, _ o: Int) -> Int32 {
        Int32(bitPattern: UInt32(r[o]) | UInt32(r[o + 1]) << 8 | UInt32(r[o + 2]) << 16 | UInt32(r[o + 3]) << 24)
    }

    @inline(__always) static func bigEndian32(_ r: Span<UInt8>, _ o: Int) -> UInt32 {
        UInt32(r[o]) << 24 | UInt32(r[o + 1]) << 16 | UInt32(r[o + 2]) << 8 | UInt32(r[o + 3])
    }

    /// The NUL-terminated string in the fixed field `offset..<offset+width`.
    @inline(__always) static func string(_ r: Span<UInt8>, _ offset: Int, _ width: Int) -> Range<Int> {
        var e = offset
        while e < offset + width, r[e] != 0 { e += 1 }
        return offset..<e
    }

    /// Scores a file's first bytes as utmp records: 0 when not, else high (binary records are unambiguous).
    ///
    /// A plausible record has a type 0…9; one of types 1…8 also a time after 1980, microseconds below 10⁶ and
    /// printable, NUL-terminated line, user and host fields. The first record must be plausible, at least one of
    /// the whole records in the prefix (up to 32) of type 1…8, and no more than half implausible (corrupt
    /// records, which the parser rejects one by one).
    public static func detectionScore(_ prefix: [UInt8]) -> Int {
        let n = min(prefix.count / recordSize, 32)
        guard n > 0 else { return 0 }
        return prefix.withUnsafeBufferPointer { p -> Int in
            let s = p.span
            var live = 0
            var bad = 0
            for k in 0..<n {
                let r = s.extracting(k * recordSize..<(k + 1) * recordSize)
                if plausible(r, live: &live) { continue }
                // The first record decides; a few corrupt ones later are tolerated (and rejected when parsed).
                if k == 0 { return 0 }
                bad += 1
            }
            return live > 0 && bad * 2 <= n ? 1000 : 0
        }
    }

    /// Whether one record looks like a utmp record; counts records of types 1…8 in `live`.
    static func plausible(_ r: Span<UInt8>, live: inout Int) -> Bool {
        let type = int16(r, 0)
        guard type >= 0, type <= 9, r[2] == 0, r[3] == 0 else { return false }
        if type == 0 || type == 9 { return true }
        let secs = int32(r, 340)
        let micros = int32(r, 344)
        guard secs >= 315_532_800, micros >= 0, micros < 1_000_000,
            printable(r, 8, 32), printable(r, 44, 32), printable(r, 76, 256)
        else { return false }
        live += 1
        return true
    }

    /// Whether the field holds printable bytes (or UTF-8) up to its first NUL.
    static func printable(_ r: Span<UInt8>, _ offset: Int, _ width: Int) -> Bool {
        var i = offset
        while i < offset + width, r[i] != 0 {
            if r[i] < 0x20 || r[i] == 0x7f { return false }
            i += 1
        }
        return true
    }
}
