/// The field names that dwell reads from a journal entry: the ones `JournalEntryParser` structures and the ones
/// `JournalEntry.render` shows. `render` names each field once (`classify`) and then finds every value it shows
/// by name in constant time, instead of comparing each name it shows with every field of the entry.
public enum JournalField: UInt8, CaseIterable, Sendable {
    case message, hostname, syslogIdentifier, comm, pid, syslogPID, sourceRealtime, transport
    case uid, gid, exe, cmdline, systemdUnit, priority, syslogFacility, auditSession, auditLoginUID

    /// `NAME=` as the journal writes it (a literal: reading it costs no lazy global).
    @inlinable
    public var key: StaticString {
        switch self {
        case .message: "MESSAGE="
        case .hostname: "_HOSTNAME="
        case .syslogIdentifier: "SYSLOG_IDENTIFIER="
        case .comm: "_COMM="
        case .pid: "_PID="
        case .syslogPID: "SYSLOG_PID="
        case .sourceRealtime: "_SOURCE_REALTIME_TIMESTAMP="
        case .transport: "_TRANSPORT="
        case .uid: "_UID="
        case .gid: "_GID="
        case .exe: "_EXE="
        case .cmdline: "_CMDLINE="
        case .systemdUnit: "_SYSTEMD_UNIT="
        case .priority: "PRIORITY="
        case .syslogFacility: "SYSLOG_FACILITY="
        case .auditSession: "_AUDIT_SESSION="
        case .auditLoginUID: "_AUDIT_LOGINUID="
        }
    }

    /// The length of `NAME=`.
    @inlinable public var keyBytes: Int { key.utf8CodeUnitCount }

    /// Which of these fields the payload `NAME=value` is, or `nil`. A field is `_PID` exactly when its bytes start
    /// with `_PID=` (the name ends at the first `=`), as `JournalEntry.value(key:)` finds it; the first bytes pick
    /// the one name to compare.
    /// - Complexity: O(1): at most one comparison of at most 27 bytes.
    static func classify(_ bytes: UnsafeRawBufferPointer) -> JournalField? {
        let n = bytes.count
        guard n >= 4, let p = bytes.baseAddress else { return nil }
        let a = p.load(as: UInt8.self)
        let b = p.load(fromByteOffset: 1, as: UInt8.self)
        let candidate: JournalField?
        switch a {
        case UInt8(ascii: "M"): candidate = .message
        case UInt8(ascii: "P"): candidate = .priority
        case UInt8(ascii: "S"):
            switch p.load(fromByteOffset: min(n - 1, 7), as: UInt8.self) {
            case UInt8(ascii: "P"): candidate = .syslogPID  // SYSLOG_PID: byte 7 is P
            case UInt8(ascii: "I"): candidate = .syslogIdentifier
            case UInt8(ascii: "F"): candidate = .syslogFacility
            default: candidate = nil
            }
        case UInt8(ascii: "_"):
            switch b {
            case UInt8(ascii: "H"): candidate = .hostname
            case UInt8(ascii: "C"):
                candidate = n >= 3 && p.load(fromByteOffset: 2, as: UInt8.self) == UInt8(ascii: "O") ? .comm : .cmdline
            case UInt8(ascii: "P"): candidate = .pid
            case UInt8(ascii: "S"):
                candidate =
                    n >= 3 && p.load(fromByteOffset: 2, as: UInt8.self) == UInt8(ascii: "O") ? .sourceRealtime : .systemdUnit
            case UInt8(ascii: "T"): candidate = .transport
            case UInt8(ascii: "U"): candidate = .uid
            case UInt8(ascii: "G"): candidate = .gid
            case UInt8(ascii: "E"): candidate = .exe
            case UInt8(ascii: "A"):
                candidate =
                    n >= 8 && p.load(fromByteOffset: 7, as: UInt8.self) == UInt8(ascii: "S") ? .auditSession : .auditLoginUID
            default: candidate = nil
            }
        default: candidate = nil
        }
        guard let f = candidate else { return nil }
        let key = f.key
        let length = key.utf8CodeUnitCount
        guard n >= length else { return nil }
        let k = key.utf8Start
        var i = 0
        while i < length {
            if p.load(fromByteOffset: i, as: UInt8.self) != k[i] { return nil }
            i &+= 1
        }
        return f
    }
}
