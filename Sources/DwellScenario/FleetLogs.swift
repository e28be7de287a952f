/// A Zeek conn.log rotated daily on a collector: `conn.log` (the last day), `conn.log.1`, `conn.log.2.gz`, …,
/// each member with Zeek's full header and its `#close` line.
final class DailyZeekConnLog {
    let relativeBase: String
    let root: String?
    let days: Int
    let windowStart: Micros
    let gzipLevel: Int32
    private var day = -1
    private var file: OutputFile?
    private(set) var written: [WrittenFile] = []

    static let fields =
        "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents"
    static let types =
        "time\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]"

    init(relativeBase: String, root: String?, days: Int, windowStart: Micros, gzipLevel: Int32) {
        self.relativeBase = relativeBase
        self.root = root
        self.days = days
        self.windowStart = windowStart
        self.gzipLevel = gzipLevel
    }

    func write(_ r: Record, arena: [UInt8], tracker: inout EvidenceTracker) throws(ScenarioError) {
        let d = Int(Calendar0.floorDiv(r.time - windowStart, microsPerDay))
        if d != day || file == nil {
            try close()
            day = d
            let member = days - 1 - d
            let name = member == 0 ? relativeBase : (member == 1 ? relativeBase + ".1" : relativeBase + ".\(member).gz")
            let f = try OutputFile(
                path: root.map { $0 + "/" + name }, relativePath: name, gzipLevel: member >= 2 ? gzipLevel : nil,
                gzipMTime: 0)
            for line in ["#separator \\x09", "#set_separator\t,", "#empty_field\t(empty)", "#unset_field\t-"] {
                f.buffer.put(line)
                f.endLine()
            }
            f.buffer.put("#path\tconn")
            f.endLine()
            f.buffer.put("#open\t")
            f.buffer.putZeekStamp(windowStart + Micros(d) * microsPerDay)
            f.endLine()
            f.buffer.put("#fields\t" + Self.fields)
            f.endLine()
            f.buffer.put("#types\t" + Self.types)
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
        let closeTime = windowStart + Micros(day + 1) * microsPerDay
        f.buffer.put("#close\t")
        f.buffer.putZeekStamp(closeTime)
        f.endLine()
        let mtime = closeTime / microsPerSecond
        try f.close(mtime: mtime)
        written.append(
            WrittenFile(path: f.relativePath, uncompressedBytes: f.uncompressedBytes, lines: f.lines, mtime: mtime))
        file = nil
    }
}

/// One output of a fleet scenario, whatever its shape.
enum FleetLog {
    case rotating(RotatingLog)
    case hourlyZeek(ZeekLog)
    case dailyZeek(DailyZeekConnLog)
    case jsonLines(JSONLinesLog)
    case journal(JournaldLog)

    func write(_ r: Record, arena: [UInt8], tracker: inout EvidenceTracker) throws(ScenarioError) {
        switch self {
        case .jsonLines(let log): log.write(r, arena: arena, tracker: &tracker)
        case .rotating(let log): try log.write(r, arena: arena, tracker: &tracker)
        case .hourlyZeek(let log): try log.write(r, arena: arena, tracker: &tracker)
        case .dailyZeek(let log): try log.write(r, arena: arena, tracker: &tracker)
        case .journal(let log): try log.write(r, arena: arena, tracker: &tracker)
        }
    }

    func close() throws(ScenarioError) -> [WrittenFile] {
        switch self {
        case .rotating(let log):
            try log.close()
            return log.written
        case .hourlyZeek(let log):
            try log.close()
            return log.written
        case .dailyZeek(let log):
            try log.close()
            return log.written
        case .jsonLines(let log):
            try log.close()
            return log.written
        case .journal(let log):
            try log.close()
            return log.written
        }
    }
}
