/// Where the attacker's lines landed, for the ground truth.
struct EvidenceTracker {
    struct Place {
        var file: String
        var line: Int
        var time: Micros
    }
    var first: Place?
    var last: Place?
    var final: Place?
    var attackerLines = 0

    /// `visible` is the time the line shows (to the second for RFC 3164 and nginx, to the microsecond otherwise).
    mutating func saw(_ flags: UInt8, visible: Micros, file: String, line: Int) {
        guard flags & RecordFlag.attacker != 0 else { return }
        attackerLines += 1
        let place = Place(file: file, line: line, time: visible)
        if first.map({ visible < $0.time }) ?? true { first = place }
        if flags & RecordFlag.naming != 0, last.map({ visible >= $0.time }) ?? true { last = place }
        if flags & RecordFlag.final != 0 { final = place }
    }
}

/// Summary of one written file.
public struct WrittenFile: Sendable, Equatable {
    public var path: String
    public var uncompressedBytes: Int64
    public var lines: Int
    public var mtime: Int64
}

/// A daily-rotated log (auth.log or nginx access.log): `name`, `name.1`, `name.2.gz`, ... with the current
/// day in `name`. Auth members 0 and 1 use RFC 3339 stamps in the host's zone, older ones RFC 3164 in UTC.
final class RotatingLog {
    let relativeBase: String
    let root: String?
    let days: Int
    let windowStart: Micros
    let isAuth: Bool
    let clock: HostClock
    let gzipLevel: Int32
    private var day = -1
    private var file: OutputFile?
    private var lastTime: Micros = 0
    private var member = 0
    private(set) var written: [WrittenFile] = []

    init(
        relativeBase: String, root: String?, days: Int, windowStart: Micros, isAuth: Bool, clock: HostClock,
        gzipLevel: Int32
    ) {
        self.relativeBase = relativeBase
        self.root = root
        self.days = days
        self.windowStart = windowStart
        self.isAuth = isAuth
        self.clock = clock
        self.gzipLevel = gzipLevel
    }

    func write(_ r: Record, arena: [UInt8], tracker: inout EvidenceTracker) throws(ScenarioError) {
        let d = Int(Calendar0.floorDiv(r.time - windowStart, microsPerDay))
        if d != day || file == nil {
            try close()
            day = d
            member = days - 1 - d
            let name = member == 0 ? relativeBase : (member == 1 ? relativeBase + ".1" : relativeBase + ".\(member).gz")
            file = try OutputFile(
                path: root.map { $0 + "/" + name }, relativePath: name, gzipLevel: member >= 2 ? gzipLevel : nil,
                gzipMTime: 0)
        }
        guard let f = file else { return }
        var visible = r.time
        if isAuth {
            if member <= 1 {
                f.buffer.putRFC3339(r.time, offsetSeconds: clock.offsetSeconds(at: r.time))
            } else {
                f.buffer.putRFC3164(r.time)
                visible = Calendar0.floorDiv(r.time, microsPerSecond) * microsPerSecond
            }
            f.buffer.append(0x20)
        }
        f.buffer.append(contentsOf: arena[r.start..<(r.start + r.length)])
        f.endLine()
        lastTime = r.time
        if r.flags != 0 { tracker.saw(r.flags, visible: visible, file: f.relativePath, line: f.lines) }
    }

    func close() throws(ScenarioError) {
        guard let f = file else { return }
        let mtime = Calendar0.floorDiv(lastTime, microsPerSecond)
        try f.close(mtime: mtime)
        written.append(
            WrittenFile(path: f.relativePath, uncompressedBytes: f.uncompressedBytes, lines: f.lines, mtime: mtime))
        file = nil
    }
}

/// One Zeek log (conn, ssh, dns or http) rotated hourly into `sensor/zeek/DAY/KIND.HH:00:00-HH:00:00.log.gz`.
final class ZeekLog {
    let kind: String
    let fields: String
    let types: String
    let root: String?
    let gzipLevel: Int32
    private var hourStart: Micros = -1
    private var file: OutputFile?
    private(set) var written: [WrittenFile] = []

    init(kind: String, fields: String, types: String, root: String?, gzipLevel: Int32) {
        self.kind = kind
        self.fields = fields
        self.types = types
        self.root = root
        self.gzipLevel = gzipLevel
    }

    func write(_ r: Record, arena: [UInt8], tracker: inout EvidenceTracker) throws(ScenarioError) {
        let h = Calendar0.floorDiv(r.time, microsPerHour) * microsPerHour
        if h != hourStart || file == nil {
            try close()
            hourStart = h
            let c = Calendar0.civil(h)
            var name: [UInt8] = Array("sensor/zeek/".utf8)
            name.putDate(c)
            name.append(UInt8(ascii: "/"))
            name.put(kind)
            name.append(UInt8(ascii: "."))
            name.putPadded(c.hour, width: 2)
            name.put(":00:00-")
            name.putPadded((c.hour + 1) % 24, width: 2)
            name.put(":00:00.log.gz")
            let relative = String(decoding: name, as: UTF8.self)
            if let root {
                var dir: [UInt8] = Array("\(root)/sensor/zeek/".utf8)
                dir.putDate(c)
                try makeDirectories(String(decoding: dir, as: UTF8.self))
            }
            let f = try OutputFile(
                path: root.map { $0 + "/" + relative }, relativePath: relative, gzipLevel: gzipLevel, gzipMTime: 0)
            f.buffer.put("#separator \\x09")
            f.endLine()
            f.buffer.put("#set_separator\t,")
            f.endLine()
            f.buffer.put("#empty_field\t(empty)")
            f.endLine()
            f.buffer.put("#unset_field\t-")
            f.endLine()
            f.buffer.put("#path\t")
            f.buffer.put(kind)
            f.endLine()
            f.buffer.put("#open\t")
            f.buffer.putZeekStamp(h)
            f.endLine()
            f.buffer.put("#fields\t")
            f.buffer.put(fields)
            f.endLine()
            f.buffer.put("#types\t")
            f.buffer.put(types)
            f.endLine()
            file = f
        }
        guard let f = file else { return }
        f.buffer.append(contentsOf: arena[r.start..<(r.start + r.length)])
        f.endLine()
        if r.flags != 0 { tracker.saw(r.flags, visible: r.time, file: f.relativePath, line: f.lines) }
    }

    func close() throws(ScenarioError) {
        guard let f = file else { return }
        let closeTime = hourStart + microsPerHour
        f.buffer.put("#close\t")
        f.buffer.putZeekStamp(closeTime)
        f.endLine()
        let mtime = closeTime / microsPerSecond
        try f.close(mtime: mtime)
        written.append(
            WrittenFile(path: f.relativePath, uncompressedBytes: f.uncompressedBytes, lines: f.lines, mtime: mtime))
        file = nil
    }

    static func all(root: String?, gzipLevel: Int32) -> [Int32: ZeekLog] {
        [
            StreamID.zeekConn: ZeekLog(
                kind: "conn",
                fields:
                    "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents",
                types:
                    "time\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]",
                root: root, gzipLevel: gzipLevel),
            StreamID.zeekSSH: ZeekLog(
                kind: "ssh",
                fields:
                    "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tversion\tauth_success\tauth_attempts\tdirection\tclient\tserver\tcipher_alg\tmac_alg\tcompression_alg\tkex_alg\thost_key_alg\thost_key",
                types:
                    "time\tstring\taddr\tport\taddr\tport\tcount\tbool\tcount\tenum\tstring\tstring\tstring\tstring\tstring\tstring\tstring\tstring",
                root: root, gzipLevel: gzipLevel),
            StreamID.zeekDNS: ZeekLog(
                kind: "dns",
                fields:
                    "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\ttrans_id\trtt\tquery\tqclass\tqclass_name\tqtype\tqtype_name\trcode\trcode_name\tAA\tTC\tRD\tRA\tZ\tanswers\tTTLs\trejected",
                types:
                    "time\tstring\taddr\tport\taddr\tport\tenum\tcount\tinterval\tstring\tcount\tstring\tcount\tstring\tcount\tstring\tbool\tbool\tbool\tbool\tcount\tvector[string]\tvector[interval]\tbool",
                root: root, gzipLevel: gzipLevel),
            StreamID.zeekHTTP: ZeekLog(
                kind: "http",
                fields:
                    "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\ttrans_depth\tmethod\thost\turi\treferrer\tversion\tuser_agent\torigin\trequest_body_len\tresponse_body_len\tstatus_code\tstatus_msg\tinfo_code\tinfo_msg\ttags\tusername\tpassword\tproxied\torig_fuids\torig_filenames\torig_mime_types\tresp_fuids\tresp_filenames\tresp_mime_types",
                types:
                    "time\tstring\taddr\tport\taddr\tport\tcount\tstring\tstring\tstring\tstring\tstring\tstring\tstring\tcount\tcount\tcount\tstring\tcount\tstring\tset[enum]\tstring\tstring\tset[string]\tvector[string]\tvector[string]\tvector[string]\tvector[string]\tvector[string]\tvector[string]",
                root: root, gzipLevel: gzipLevel),
        ]
    }
}
