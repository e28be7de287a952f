import DwellAnalysis
import DwellCore

/// One row of the exported timeline: an attack-timeline entry or a finding, with its evidence.
///
/// Rows are built from the `Investigation` only. For a timeline entry, the user, source and destination come
/// from the leading `key=value` fields of its summary (never from the free text after them, which holds
/// attacker-controlled paths), and a lateral-movement edge with the same evidence line adds the two hosts, the
/// account and the method; a finding on the same line adds its rule and technique.
public struct TimelineRow: Sendable, Equatable {
    public enum Record: String, Sendable { case timeline, finding }

    public var record: Record
    public var time: Timestamp
    public var message: String
    public var host: String
    public var kind: String
    public var phase: String = ""
    public var user: String = ""
    public var targetUser: String = ""
    public var sourceIP: String = ""
    public var destination: String = ""
    public var sourceHost: String = ""
    public var destinationHost: String = ""
    public var method: String = ""
    public var url: String = ""
    public var userAgent: String = ""
    public var rule: String = ""
    public var technique: String = ""
    public var severity: String = ""
    public var file: String = ""
    public var line: UInt64 = 0
    public var offset: UInt64 = 0
    public var raw: [UInt8] = []

    /// What the timestamp means (Timesketch's `timestamp_desc`): the time written in the log line.
    public static let timestampDescription = "Log Time"
}

/// The rows of timeline.jsonl / timeline.csv / timeline l2tcsv, in one deterministic order.
public enum TimelineRows {
    /// Timeline entries and findings, sorted by time, then timeline before finding, then file, line, message.
    public static func rows(_ inv: Investigation) -> [TimelineRow] {
        var edgeByLine: [EvidenceKey: LateralEdge] = [:]
        for e in inv.edges {
            let k = EvidenceKey(e.evidence)
            if edgeByLine[k] == nil { edgeByLine[k] = e }
        }
        var findingByLine: [EvidenceKey: Finding] = [:]
        for f in inv.findings {
            guard let e = f.evidence.first else { continue }
            let k = EvidenceKey(e)
            if let old = findingByLine[k], old.severity >= f.severity { continue }
            findingByLine[k] = f
        }
        var out: [TimelineRow] = []
        out.reserveCapacity(inv.timeline.count + inv.findings.count)
        for t in inv.timeline {
            var r = TimelineRow(
                record: .timeline, time: t.time, message: t.summary, host: t.host, kind: t.kind)
            r.phase = t.phase.rawValue
            for (key, value) in leadingFields(t.summary) {
                switch key {
                case "user": r.user = value
                case "target": r.targetUser = value
                case "src": r.sourceIP = value
                case "dst": r.destination = value
                default: break
                }
            }
            let k = EvidenceKey(t.evidence)
            if let e = edgeByLine[k] {
                r.sourceHost = e.from
                r.destinationHost = e.to
                r.method = e.method
                if r.user.isEmpty { r.user = e.account }
            }
            if let f = findingByLine[k] {
                r.rule = f.rule.name
                r.technique = f.technique
                r.severity = f.severity.name
            }
            cite(t.evidence, in: &r)
            out.append(r)
        }
        for f in inv.findings {
            var r = TimelineRow(
                record: .finding, time: f.time, message: "\(f.title): \(f.why)", host: f.host,
                kind: "finding")
            r.rule = f.rule.name
            r.technique = f.technique
            r.severity = f.severity.name
            for ind in f.indicators {
                let value = ind.value
                switch ind.type {
                case .ip where r.sourceIP.isEmpty: r.sourceIP = value
                case .ip where r.destination.isEmpty: r.destination = value
                case .user where r.user.isEmpty: r.user = value
                case .path where r.url.isEmpty: r.url = value
                case .userAgent where r.userAgent.isEmpty: r.userAgent = value
                default: break
                }
            }
            if let e = f.evidence.first { cite(e, in: &r) }
            out.append(r)
        }
        out.sort { a, b in
            if a.time != b.time { return a.time < b.time }
            if a.record != b.record { return a.record == .timeline }
            if a.file != b.file { return a.file < b.file }
            if a.line != b.line { return a.line < b.line }
            if a.rule != b.rule { return a.rule < b.rule }
            return a.message < b.message
        }
        return out
    }

    static func cite(_ e: EvidenceRef, in r: inout TimelineRow) {
        r.file = e.file
        r.line = e.line
        r.offset = e.offset
        r.raw = e.raw
    }

    /// The `key=value` fields that open a summary (`auth_success success user=deploy src=203.0.113.45`):
    /// the kind, an optional outcome, then keyed fields; parsing stops at the first token without a known
    /// key, so text that an attacker controls (a path such as `/x user=root`) is never read as a field.
    static func leadingFields(_ summary: String) -> [(String, String)] {
        let keys: Set<Substring> = ["user", "target", "src", "dst"]
        var out: [(String, String)] = []
        for (n, token) in summary.split(separator: " ", omittingEmptySubsequences: false).enumerated() {
            if n == 0 { continue }
            if let eq = token.firstIndex(of: "="), keys.contains(token[..<eq]) {
                out.append((String(token[..<eq]), String(token[token.index(after: eq)...])))
            } else if n == 1 && !token.contains("=") {
                continue  // the outcome
            } else {
                break
            }
        }
        return out
    }

    struct EvidenceKey: Hashable {
        var fileID: UInt32
        var line: UInt64
        init(_ e: EvidenceRef) {
            fileID = e.fileID
            line = e.line
        }
    }
}

/// timeline.jsonl: one Timesketch event per line (`message`, `datetime` ISO 8601 with offset, `timestamp` in
/// microseconds, `timestamp_desc`), plus dwell's fields; empty fields are left out.
public enum TimelineJSONL {
    public static func render(_ input: ReportInput) -> [UInt8] {
        render(TimelineRows.rows(input.investigation))
    }

    public static func render(_ rows: [TimelineRow]) -> [UInt8] {
        var j = JSONBuffer(capacity: 256 * rows.count + 64)
        for r in rows {
            j.beginObject()
            j.key("message")
            j.string(r.message)
            j.key("datetime")
            datetime(r.time, &j)
            j.key("timestamp")
            j.int(r.time.microseconds)
            j.key("timestamp_desc")
            j.string(TimelineRow.timestampDescription)
            j.key("data_type")
            j.string("dwell:\(r.record.rawValue)")
            optional("host", r.host, &j)
            optional("kind", r.kind, &j)
            optional("phase", r.phase, &j)
            optional("user", r.user, &j)
            optional("target_user", r.targetUser, &j)
            optional("source_ip", r.sourceIP, &j)
            optional("destination", r.destination, &j)
            optional("source_host", r.sourceHost, &j)
            optional("destination_host", r.destinationHost, &j)
            optional("method", r.method, &j)
            optional("url", r.url, &j)
            optional("user_agent", r.userAgent, &j)
            optional("rule", r.rule, &j)
            optional("technique", r.technique, &j)
            optional("severity", r.severity, &j)
            j.key("file")
            j.string(r.file)
            j.key("line")
            j.int(r.line)
            j.key("offset")
            j.int(r.offset)
            j.key("raw")
            j.string(bytes: r.raw)
            j.endObject()
            j.newline()
        }
        return j.bytes
    }

    static func optional(_ key: StaticString, _ value: String, _ j: inout JSONBuffer) {
        guard !value.isEmpty else { return }
        j.key(key)
        j.string(value)
    }

    static func datetime(_ t: Timestamp, _ j: inout JSONBuffer) {
        var b: [UInt8] = []
        t.appendISO8601(to: &b, fractionDigits: 6, utcSuffix: "+00:00")
        j.string(bytes: b)
    }
}

/// timeline.csv: the same rows as timeline.jsonl, in Timesketch's CSV import form (header row; every column
/// always present). Cells are escaped by `CSVCell` (RFC 4180 quoting, formula neutralisation).
public enum TimelineCSV {
    public static let columns = [
        "message", "datetime", "timestamp", "timestamp_desc", "data_type", "host", "kind", "phase",
        "user",
        "target_user", "source_ip", "destination", "source_host", "destination_host", "method", "url",
        "user_agent",
        "rule", "technique", "severity", "file", "line", "offset", "raw",
    ]

    public static func render(_ input: ReportInput) -> [UInt8] {
        render(TimelineRows.rows(input.investigation))
    }

    public static func render(_ rows: [TimelineRow]) -> [UInt8] {
        var w = CSVWriter()
        w.bytes.reserveCapacity(256 * rows.count + 256)
        for c in columns { w.cell(c) }
        w.endRow()
        for r in rows {
            var dt: [UInt8] = []
            r.time.appendISO8601(to: &dt, fractionDigits: 6, utcSuffix: "+00:00")
            w.cell(r.message)
            w.cell(bytes: dt)
            w.number(r.time.microseconds)
            w.cell(TimelineRow.timestampDescription)
            w.cell("dwell:\(r.record.rawValue)")
            for v in [
                r.host, r.kind, r.phase, r.user, r.targetUser, r.sourceIP, r.destination, r.sourceHost,
                r.destinationHost, r.method, r.url, r.userAgent, r.rule, r.technique, r.severity, r.file,
            ] {
                w.cell(v)
            }
            w.number(r.line)
            w.number(r.offset)
            w.cell(bytes: r.raw)
            w.endRow()
        }
        return w.bytes
    }
}

/// plaso's l2tcsv (17 columns, version 2): `date,time,timezone,MACB,source,sourcetype,type,user,host,short,desc,
/// version,filename,inode,notes,format,extra`. Dates are `MM/DD/YYYY`, times `HH:MM:SS`, zone `UTC` (l2tcsv has
/// no sub-second field; the microseconds are in `extra`). MACB is `....`: a log time is none of the file-system
/// times. Cells are escaped like timeline.csv.
public enum TimelineL2TCSV {
    public static let columns = [
        "date", "time", "timezone", "MACB", "source", "sourcetype", "type", "user", "host", "short",
        "desc", "version",
        "filename", "inode", "notes", "format", "extra",
    ]

    public static func render(_ input: ReportInput) -> [UInt8] {
        render(TimelineRows.rows(input.investigation))
    }

    public static func render(_ rows: [TimelineRow]) -> [UInt8] {
        var w = CSVWriter()
        for c in columns { w.cell(c) }
        w.endRow()
        for r in rows {
            let iso = r.time.iso8601(fractionDigits: 6)  // 2026-03-11T19:21:41.000000Z
            let u = Array(iso.utf8)
            let date = String(decoding: u[5..<7] + [0x2f] + u[8..<10] + [0x2f] + u[0..<4], as: UTF8.self)
            let time = String(decoding: u[11..<19], as: UTF8.self)
            w.cell(date)
            w.cell(time)
            w.constant("UTC")
            w.constant("....")
            w.constant("LOG")
            if r.record == .finding { w.constant("dwell finding") } else { w.constant("dwell timeline") }
            w.cell(TimelineRow.timestampDescription)
            if r.user.isEmpty { w.constant("-") } else { w.cell(r.user) }
            if r.host.isEmpty { w.constant("-") } else { w.cell(r.host) }
            w.cell(short(r.message))
            w.cell(r.message)
            w.constant("2")
            w.cell(r.file)
            w.constant("-")
            if r.rule.isEmpty { w.constant("-") } else { w.cell("\(r.rule) \(r.technique)") }
            w.constant("dwell")
            var extra: [String] = ["timestamp: \(r.time.microseconds)", "kind: \(r.kind)"]
            if !r.phase.isEmpty { extra.append("phase: \(r.phase)") }
            if !r.severity.isEmpty { extra.append("severity: \(r.severity)") }
            if !r.sourceIP.isEmpty { extra.append("source_ip: \(r.sourceIP)") }
            if !r.destination.isEmpty { extra.append("destination: \(r.destination)") }
            if !r.sourceHost.isEmpty { extra.append("source_host: \(r.sourceHost)") }
            if !r.destinationHost.isEmpty { extra.append("destination_host: \(r.destinationHost)") }
            if !r.url.isEmpty { extra.append("url: \(r.url)") }
            if !r.userAgent.isEmpty { extra.append("user_agent: \(r.userAgent)") }
            extra.append("line: \(r.line)")
            extra.append("raw: \(ByteText.string(r.raw))")
            w.cell(extra.joined(separator: "; "))
            w.endRow()
        }
        return w.bytes
    }

    /// The `short` column: the message cut to 80 characters (on a character boundary).
    static func short(_ m: String) -> String {
        m.count <= 80 ? m : String(m.prefix(79)) + "…"
    }
}
