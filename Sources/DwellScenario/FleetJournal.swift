/// Which Linux hosts of an `image` fleet keep their auth history in the systemd journal instead of auth.log
/// (`dwell-scenario --journald none|some|all`).
public enum FleetJournald: String, Sendable, CaseIterable {
    /// Every host writes `var/log/auth.log*` (the default; the output is as before the option existed).
    case none
    /// About half the Linux hosts (every other one, which half depends on the seed) use journald.
    case some
    /// Every Linux host uses journald.
    case all

    /// Indices of the hosts that use journald, in host order.
    func hosts(of fleet: Fleet, seed: UInt64) -> [Int] {
        switch self {
        case .none: return []
        case .all: return fleet.linuxHosts
        case .some:
            return fleet.linuxHosts.enumerated().filter { (k, _) in (UInt64(k) &+ seed) % 2 == 0 }.map(\.element)
        }
    }

    /// The one journald host whose older file was closed uncleanly (`system@….journal~`), chosen by the seed.
    static func dirtyHost(_ hosts: [Int], seed: UInt64) -> Int? {
        hosts.isEmpty ? nil : hosts[Int(seed % UInt64(hosts.count))]
    }
}

/// One host's auth history as journald keeps it: `HOST/var/log/journal/MACHINE-ID/system@….journal` (archived,
/// every day but the last) and `system.journal` (the last day, state OFFLINE: journald was stopped cleanly when
/// the image was taken).
///
/// Each auth record `host program[pid]: message` becomes one entry with the fields journald adds for a syslog
/// client (`_TRANSPORT=syslog`, `SYSLOG_IDENTIFIER`, `SYSLOG_PID`, `_PID`, `_UID`, `_GID`, `_COMM`, `_EXE`,
/// `_SYSTEMD_UNIT`, `_BOOT_ID`, `_MACHINE_ID`, `_HOSTNAME`, `_SOURCE_REALTIME_TIMESTAMP`); systemd-logind's use
/// the native protocol (`_TRANSPORT=journal`). `__REALTIME_TIMESTAMP` is when journald received the line (a few
/// hundred µs later, never going back); `_SOURCE_REALTIME_TIMESTAMP` is the record's time, which the ground truth
/// cites. On odd-numbered hosts sshd's per-connection process is `sshd-session` (OpenSSH 10, Debian 13).
///
/// The dirty host: the machine crashed at the last midnight, so its older file is `system@….journal~` in state
/// ONLINE with its last two entries written but not linked (no entry array, no header count), and
/// `system.journal` belongs to a new boot. dwell must still read every entry.
final class JournaldLog {
    let host: String
    let hostIndex: Int
    let root: String?
    let windowStart: Micros
    let rotation: Micros
    let dirty: Bool
    let machineID: [UInt8]
    let seqnumID: [UInt8]
    let bootIDs: [[UInt8]]
    let bootTimes: [Micros]
    let sshdSession: Bool
    var directory: String { host + "/var/log/journal/" + hex(machineID) }
    private var random: ScenarioRandom
    private var writer: JournalFileWriter?
    private var relativePath = ""
    private var part = -1
    private var ordinal = 0
    private var seqnum: UInt64
    private var lastRealtime: UInt64 = 0
    private var held: [(seqnum: UInt64, realtime: UInt64, monotonic: UInt64, boot: [UInt8], payloads: [[UInt8]])] =
        []
    private(set) var written: [WrittenFile] = []

    init(host: String, hostIndex: Int, root: String?, seed: UInt64, windowStart: Micros, days: Int, dirty: Bool) {
        self.host = host
        self.hostIndex = hostIndex
        self.root = root
        self.windowStart = windowStart
        rotation = windowStart + Micros(days - 1) * microsPerDay
        self.dirty = dirty
        var r = ScenarioRandom(seed, 0x10A1, Identifiers.fnv(host))
        func id128() -> [UInt8] {
            var b: [UInt8] = (0..<16).map { _ in UInt8(truncatingIfNeeded: r.next()) }
            b[6] = b[6] & 0x0F | 0x40  // a version 4 (random) id, as systemd makes them
            b[8] = b[8] & 0x3F | 0x80
            return b
        }
        machineID = id128()
        seqnumID = id128()
        bootIDs = [id128(), id128()]
        bootTimes = [windowStart - Micros(r.int(3_600...400_000)) * microsPerSecond, rotation]
        seqnum = UInt64(r.int(1...90_000))
        sshdSession = hostIndex % 2 == 1
        random = r
    }

    func write(_ r: Record, arena: [UInt8], tracker: inout EvidenceTracker) throws(ScenarioError) {
        let p = r.time >= rotation ? 1 : 0
        let time = UInt64(max(1, r.time))
        let realtime = max(lastRealtime + 1, time + UInt64(random.int(40...400)))
        seqnum += 1
        if p != part || writer == nil {
            try close()
            part = p
            open(firstSeqnum: seqnum, firstRealtime: realtime)
        }
        lastRealtime = realtime
        let boot = dirty && part == 1 ? 1 : 0
        let monotonic = UInt64(max(1, Micros(realtime) - bootTimes[boot]))
        let payloads = fields(of: arena[r.start..<(r.start + r.length)], time: time, boot: bootIDs[boot])
        let entry = (seqnum, realtime, monotonic, bootIDs[boot], payloads)
        if dirty && part == 0 {
            // The last two entries before the crash stay unlinked: hold two back until the file closes.
            held.append(entry)
            if held.count > 2 {
                let e = held.removeFirst()
                writer?.append(seqnum: e.0, realtime: e.1, monotonic: e.2, bootID: e.3, payloads: e.4)
            }
        } else {
            writer?.append(seqnum: entry.0, realtime: entry.1, monotonic: entry.2, bootID: entry.3, payloads: entry.4)
        }
        ordinal += 1
        if r.flags != 0 { tracker.saw(r.flags, visible: r.time, file: relativePath, line: ordinal) }
    }

    func open(firstSeqnum: UInt64, firstRealtime: UInt64) {
        writer = JournalFileWriter(fileID: fileID(), machineID: machineID, seqnumID: seqnumID)
        ordinal = 0
        var name: [UInt8] = []
        if part == 1 {
            name.put("system.journal")
        } else if dirty {
            // journald's name for a file it found unclean: the time it noticed and a random 64-bit number.
            name.put("system@")
            putHex64(&name, UInt64(rotation + 2 * microsPerSecond))
            name.append(UInt8(ascii: "-"))
            putHex64(&name, random.next())
            name.put(".journal~")
        } else {
            // An archived file: its seqnum id, first sequence number and first realtime.
            name.put("system@")
            name.put(hex(seqnumID))
            name.append(UInt8(ascii: "-"))
            putHex64(&name, firstSeqnum)
            name.append(UInt8(ascii: "-"))
            putHex64(&name, firstRealtime)
            name.put(".journal")
        }
        relativePath = directory + "/" + String(decoding: name, as: UTF8.self)
    }

    func fileID() -> [UInt8] {
        (0..<16).map { _ in UInt8(truncatingIfNeeded: random.next()) }
    }

    func close() throws(ScenarioError) {
        guard var w = writer else { return }
        writer = nil
        for e in held {
            w.appendUnlinked(seqnum: e.seqnum, realtime: e.realtime, monotonic: e.monotonic, bootID: e.boot, payloads: e.payloads)
        }
        held.removeAll()
        let state: JournalFileWriter.State = part == 1 ? .offline : (dirty ? .online : .archived)
        let bytes = w.finish(state: state)
        if let root { try makeDirectories(root + "/" + directory) }
        let f = try OutputFile(
            path: root.map { $0 + "/" + relativePath }, relativePath: relativePath, gzipLevel: nil, gzipMTime: 0)
        f.buffer = bytes
        let mtime = Micros(lastRealtime) / microsPerSecond
        try f.close(mtime: mtime)
        written.append(
            WrittenFile(path: relativePath, uncompressedBytes: Int64(bytes.count), lines: ordinal, mtime: mtime))
    }

    /// The entry's fields, from an auth record `host program[pid]: message`.
    func fields(of line: ArraySlice<UInt8>, time: UInt64, boot: [UInt8]) -> [[UInt8]] {
        var i = line.startIndex
        while i < line.endIndex && line[i] != 0x20 { i += 1 }
        let programStart = min(i + 1, line.endIndex)
        var j = programStart
        while j < line.endIndex && line[j] != UInt8(ascii: "[") && line[j] != UInt8(ascii: ":") { j += 1 }
        var program = Array(line[programStart..<j])
        var pid: [UInt8]?
        if j < line.endIndex && line[j] == UInt8(ascii: "[") {
            var k = j + 1
            while k < line.endIndex && line[k] != UInt8(ascii: "]") { k += 1 }
            pid = Array(line[(j + 1)..<k])
            j = min(k + 1, line.endIndex)
        }
        let messageStart = min(j + 2, line.endIndex)  // past ": "
        let message = line[messageStart...]
        let logind = program.elementsEqual("systemd-logind".utf8)
        if sshdSession, program.elementsEqual("sshd".utf8), pid != nil { program = Array("sshd-session".utf8) }
        let pidBytes = pid ?? Array(String(random.int(2_000...60_000)).utf8)
        var comm = program
        var exe = "/usr/bin/" + String(decoding: program, as: UTF8.self)
        var unit: String?
        switch String(decoding: program, as: UTF8.self) {
        case "sshd":
            exe = "/usr/sbin/sshd"
            unit = "ssh.service"
        case "sshd-session":
            exe = "/usr/lib/openssh/sshd-session"
            unit = "ssh.service"
        case "CRON":
            comm = Array("cron".utf8)
            exe = "/usr/sbin/cron"
            unit = "cron.service"
        case "systemd-logind":
            exe = "/usr/lib/systemd/systemd-logind"
            unit = "systemd-logind.service"
        case "useradd", "usermod", "groupadd": exe = "/usr/sbin/" + String(decoding: program, as: UTF8.self)
        default: break
        }
        func field(_ name: String, _ value: some Sequence<UInt8>) -> [UInt8] {
            var b = Array(name.utf8)
            b.append(UInt8(ascii: "="))
            b.append(contentsOf: value)
            return b
        }
        var out: [[UInt8]] = [
            field("_TRANSPORT", (logind ? "journal" : "syslog").utf8),
            field("PRIORITY", "6".utf8),
            field("SYSLOG_FACILITY", (logind ? "4" : "10").utf8),
            field("SYSLOG_IDENTIFIER", program),
        ]
        if !logind, pid != nil { out.append(field("SYSLOG_PID", pidBytes)) }
        out.append(field("MESSAGE", message))
        out.append(field("_PID", pidBytes))
        out.append(field("_UID", "0".utf8))
        out.append(field("_GID", "0".utf8))
        out.append(field("_COMM", comm))
        out.append(field("_EXE", exe.utf8))
        if let unit { out.append(field("_SYSTEMD_UNIT", unit.utf8)) }
        out.append(field("_BOOT_ID", hex(boot).utf8))
        out.append(field("_MACHINE_ID", hex(machineID).utf8))
        out.append(field("_HOSTNAME", line[line.startIndex..<i]))
        out.append(field("_SOURCE_REALTIME_TIMESTAMP", String(time).utf8))
        return out
    }
}

/// Lower-case hex of `bytes`, in order (how systemd prints 128-bit ids).
func hex(_ bytes: [UInt8]) -> String {
    var out: [UInt8] = []
    for b in bytes {
        out.append(hexDigit(b >> 4))
        out.append(hexDigit(b & 15))
    }
    return String(decoding: out, as: UTF8.self)
}

func hexDigit(_ v: UInt8) -> UInt8 { v < 10 ? 48 + v : 87 + v }

/// `%016llx`.
func putHex64(_ out: inout [UInt8], _ v: UInt64) {
    for k in stride(from: 60, through: 0, by: -4) { out.append(hexDigit(UInt8(truncatingIfNeeded: v >> UInt64(k)) & 15)) }
}
