import Dispatch
import DwellAnalysis
import DwellCore
import DwellIndex
import DwellIngest

/// report.json: the machine contract of DESIGN.md, versioned with `schema_version`.
public enum ReportJSON {
    public static let schemaVersion = 1

    public static func render(_ inv: Investigation, files: [FileStats], discoveryIssues: [EvidenceIssue], generated: Timestamp?)
        -> [UInt8]
    {
        var j = JSONBuffer(capacity: 1 << 16)
        j.beginObject()
        j.key("schema_version"); j.int(schemaVersion)
        j.key("tool"); j.string("dwell")
        if let generated { j.key("generated"); j.time(generated, fractionDigits: 0) }
        j.key("attack"); j.beginObject()
        if let a = inv.firstSeen, let b = inv.lastSeen {
            j.key("first_seen"); j.time(a, fractionDigits: 0)
            j.key("last_seen"); j.time(b, fractionDigits: 0)
            j.key("duration_seconds"); j.int(inv.durationSeconds ?? 0)
            j.key("first_evidence"); evidence(inv.firstEvidence, &j)
            j.key("last_evidence"); evidence(inv.lastEvidence, &j)
        } else {
            j.key("first_seen"); j.null()
            j.key("last_seen"); j.null()
            j.key("duration_seconds"); j.null()
        }
        j.key("severity"); j.string(inv.severity.name)
        j.key("entry_points"); strings(inv.entryPoints, &j)
        j.key("seeds"); strings(inv.seeds, &j)
        j.key("growth"); j.string(inv.growth)
        j.endObject()

        j.key("scope"); j.beginObject()
        j.key("hosts"); hosts(inv.hosts, &j)
        j.key("accounts"); items(inv.accounts, &j)
        j.key("source_ips"); items(inv.sourceIPs, &j)
        j.key("data_touched"); items(inv.dataTouched, &j)
        j.key("at_risk"); j.beginArray()
        for r in inv.atRisk {
            j.beginObject()
            j.key("from"); j.string(r.from)
            j.key("to"); j.string(r.to)
            j.key("account"); j.string(r.account)
            j.key("count"); j.int(r.count)
            j.key("first_seen"); j.time(r.firstSeen, fractionDigits: 0)
            j.key("last_seen"); j.time(r.lastSeen, fractionDigits: 0)
            j.key("reason"); j.string(r.reason)
            j.key("evidence"); evidence(r.evidence, &j)
            j.endObject()
        }
        j.endArray()
        j.endObject()

        j.key("lateral_movement"); j.beginObject()
        j.key("edges"); j.beginArray()
        for e in inv.edges { edge(e, &j) }
        j.endArray()
        j.key("paths"); paths(inv.paths, &j)
        j.endObject()

        j.key("timeline"); j.beginArray()
        for t in inv.timeline {
            j.beginObject()
            j.key("time"); j.time(t.time)
            j.key("host"); j.string(t.host)
            j.key("phase"); j.string(t.phase.rawValue)
            j.key("kind"); j.string(t.kind)
            j.key("summary"); j.string(t.summary)
            j.key("evidence"); evidence(t.evidence, &j)
            j.endObject()
        }
        j.endArray()

        j.key("indicators"); j.beginArray()
        for i in inv.indicators {
            j.beginObject()
            j.key("type"); j.string(i.type.name)
            j.key("value"); j.string(i.value)
            j.key("first_seen"); j.time(i.firstSeen, fractionDigits: 0)
            j.key("last_seen"); j.time(i.lastSeen, fractionDigits: 0)
            j.key("count"); j.int(i.count)
            j.key("reason"); j.string(i.reason)
            j.endObject()
        }
        j.endArray()

        j.key("findings"); j.beginArray()
        for f in inv.findings {
            j.beginObject()
            j.key("rule"); j.string(f.rule.name)
            j.key("title"); j.string(f.title)
            j.key("technique"); j.string(f.technique)
            j.key("severity"); j.string(f.severity.name)
            j.key("time"); j.time(f.time, fractionDigits: 0)
            j.key("host"); j.string(f.host)
            j.key("indicators"); strings(f.indicators.map(\.description), &j)
            j.key("why"); j.string(f.why)
            j.key("role"); j.string(f.role.rawValue)
            j.key("count"); j.int(f.count)
            if let last = f.lastTime { j.key("last_time"); j.time(last, fractionDigits: 0) }
            j.key("evidence"); j.beginArray()
            for e in f.evidence { evidence(e, &j) }
            j.endArray()
            j.endObject()
        }
        j.endArray()

        j.key("hostile_background"); j.raw(backgroundArray(inv.background))

        j.key("caveats"); strings(inv.caveats.map(\.text), &j)
        j.key("evidence"); j.beginObject()
        j.key("events"); j.int(inv.eventCount)
        j.key("files"); j.beginArray()
        for f in files { f.appendJSON(to: &j) }
        j.endArray()
        j.key("discovery_errors"); j.beginArray()
        for i in discoveryIssues { i.appendJSON(to: &j) }
        j.endArray()
        j.endObject()
        j.endObject()
        j.newline()
        return j.bytes
    }

    /// hostile_background's array. Noisy evidence has thousands of sources (a line of evidence each), the largest
    /// part of report.json: two halves are rendered side by side and joined, the bytes as one pass writes them.
    static func backgroundArray(_ sources: [BackgroundSource]) -> [UInt8] {
        let parts = sources.count < 1024 ? 1 : 2
        let size = (sources.count + parts - 1) / parts
        let slots = ResultSlots<[UInt8]>(repeating: [], count: parts)
        DispatchQueue.concurrentPerform(iterations: parts) { k in
            var j = JSONBuffer(capacity: 1 << 16)
            j.beginArray()
            for b in sources[min(k * size, sources.count)..<min((k + 1) * size, sources.count)] {
                backgroundSource(b, &j)
            }
            j.endArray()
            slots.store(k, j.bytes)
        }
        // Each half is `[...]`: their insides joined by a comma.
        var out: [UInt8] = [UInt8(ascii: "[")]
        for half in slots.values where half.count > 2 {
            if out.count > 1 { out.append(UInt8(ascii: ",")) }
            out += half[1..<(half.count - 1)]
        }
        out.append(UInt8(ascii: "]"))
        return out
    }

    static func backgroundSource(_ b: BackgroundSource, _ j: inout JSONBuffer) {
        j.beginObject()
        j.key("source_ip"); j.string(b.address)
        j.key("findings"); j.int(b.findings)
        j.key("hits"); j.int(b.hits)
        j.key("first_seen"); j.time(b.firstSeen, fractionDigits: 0)
        j.key("last_seen"); j.time(b.lastSeen, fractionDigits: 0)
        j.key("highest_severity"); j.string(b.highest.name)
        j.key("rules"); j.beginArray()
        for r in b.rules {
            j.beginObject()
            j.key("rule"); j.string(r.rule.name)
            j.key("hits"); j.int(r.hits)
            j.endObject()
        }
        j.endArray()
        j.key("reason"); j.string(b.reason)
        j.key("evidence"); evidence(b.evidence, &j)
        j.endObject()
    }

    // The pieces below are shared with `dwell lateral --output json`, so both write the same shapes.

    public static func strings(_ values: [String], _ j: inout JSONBuffer) {
        j.beginArray()
        for v in values { j.string(v) }
        j.endArray()
    }

    public static func evidence(_ e: EvidenceRef?, _ j: inout JSONBuffer) {
        guard let e else {
            j.null()
            return
        }
        j.beginObject()
        j.key("file"); j.string(e.file)
        j.key("line"); j.int(e.line)
        j.key("offset"); j.int(e.offset)
        j.key("raw"); j.string(bytes: e.raw)
        j.endObject()
    }

    public static func edge(_ e: LateralEdge, _ j: inout JSONBuffer) {
        j.beginObject()
        j.key("from"); j.string(e.from)
        j.key("to"); j.string(e.to)
        j.key("time"); j.time(e.time, fractionDigits: 0)
        j.key("account"); j.string(e.account)
        j.key("method"); j.string(e.method)
        j.key("evidence"); evidence(e.evidence, &j)
        if !e.corroboration.isEmpty {
            // Other lines of the same logon (an RDP 1149 beside its 4624); absent when there are none.
            j.key("corroboration"); j.beginArray()
            for c in e.corroboration { evidence(c, &j) }
            j.endArray()
        }
        j.endObject()
    }

    /// Compromised hosts: name, addresses, first compromise, last activity, why, evidence.
    public static func hosts(_ list: [HostScope], _ j: inout JSONBuffer) {
        j.beginArray()
        for h in list {
            j.beginObject()
            j.key("host"); j.string(h.host)
            j.key("addresses"); strings(h.addresses, &j)
            j.key("first_compromise"); j.time(h.firstCompromise, fractionDigits: 0)
            j.key("last_activity"); j.time(h.lastActivity, fractionDigits: 0)
            j.key("reason"); j.string(h.reason)
            j.key("evidence"); evidence(h.evidence, &j)
            j.endObject()
        }
        j.endArray()
    }

    /// Lateral paths: the hosts in order and each hop.
    public static func paths(_ list: [[LateralEdge]], _ j: inout JSONBuffer) {
        j.beginArray()
        for p in list {
            j.beginObject()
            j.key("hosts"); strings([p.first?.from ?? ""] + p.map(\.to), &j)
            j.key("hops"); j.beginArray()
            for e in p { edge(e, &j) }
            j.endArray()
            j.endObject()
        }
        j.endArray()
    }

    static func items(_ list: [ScopeItem], _ j: inout JSONBuffer) {
        j.beginArray()
        for i in list {
            j.beginObject()
            j.key("value"); j.string(i.value)
            j.key("first_seen"); j.time(i.firstSeen, fractionDigits: 0)
            j.key("last_seen"); j.time(i.lastSeen, fractionDigits: 0)
            j.key("count"); j.int(i.count)
            j.key("reason"); j.string(i.reason)
            j.key("evidence"); evidence(i.evidence, &j)
            j.endObject()
        }
        j.endArray()
    }
}
