import DwellAnalysis
import DwellCore

/// The terminal summary of an investigation: window, duration, entry point, hosts, accounts, paths.
/// Every attacker-controlled string goes through `TerminalText.safe`.
public enum Summary {
    public static func render(_ inv: Investigation) -> String {
        func s(_ t: String) -> String { TerminalText.safe(t) }
        func ev(_ e: EvidenceRef?) -> String {
            guard let e else { return "" }
            return "\n      \(s(e.file)):\(e.line)  \(s(ByteText.string(e.raw.prefix(200))))"
        }
        var o = ""
        guard let first = inv.firstSeen, let last = inv.lastSeen else {
            let critical = inv.findings.filter { $0.severity == .critical }.count
            o +=
                critical > 0
                ? "ATTACK SUSPECTED: \(critical) critical finding(s), but no window could be built (\(inv.growth)); read them below.\n"
                : "No attack found: \(inv.growth).\n"
            if !inv.findings.isEmpty {
                o += "\nFindings (\(inv.findings.count)):\n"
                for f in inv.findings.prefix(20) { o += "  [\(f.severity.name)] \(f.time.iso8601(fractionDigits: 0)) \(s(f.host)) \(f.title) (\(f.technique)): \(s(f.why))\n" }
            }
            return o + caveats(inv)
        }
        let d = inv.durationSeconds ?? 0
        o += "ATTACK WINDOW  \(first.iso8601(fractionDigits: 0)) → \(last.iso8601(fractionDigits: 0))  (dwell \(duration(d)), severity \(inv.severity.name))\n"
        o += "  first:\(ev(inv.firstEvidence))\n  last:\(ev(inv.lastEvidence))\n"
        o += "ENTRY          \(inv.entryPoints.map(s).joined(separator: ", "))\n"
        o += "HOSTS          \(inv.hosts.map { "\(s($0.host)) (from \($0.firstCompromise.iso8601(fractionDigits: 0)))" }.joined(separator: ", "))\n"
        o += "ACCOUNTS       \(inv.accounts.map { s($0.value) }.joined(separator: ", "))\n"
        o += "ATTACKER IPS   \(inv.sourceIPs.prefix(20).map { s($0.value) }.joined(separator: ", "))\(inv.sourceIPs.count > 20 ? " (+\(inv.sourceIPs.count - 20) more)" : "")\n"
        if !inv.paths.isEmpty {
            o += "LATERAL PATHS\n"
            for p in inv.paths {
                o += "  " + ([s(p.first?.from ?? "")] + p.map { "→[\($0.time.iso8601(fractionDigits: 0)) \(s($0.account)) \(s($0.method))]→ \(s($0.to))" }).joined(separator: " ") + "\n"
            }
        }
        let top = inv.intrusionFindings.filter { $0.severity >= .high }
        if !top.isEmpty {
            o += "FINDINGS (high and above, tied to the intrusion: \(top.count) of \(inv.findings.count))\n"
            for f in top.prefix(15) {
                o += "  [\(f.severity.name)] \(f.time.iso8601(fractionDigits: 0)) \(s(f.host)) \(f.title) (\(f.technique)): \(s(f.why))\n"
            }
        }
        let other = inv.otherFindings
        if !other.isEmpty {
            o += "OTHER          \(other.count) finding(s) not tied to the intrusion nor background (\(other.filter { $0.severity >= .high }.count) high or above): administration, log gaps, first-time logins; in the report\n"
        }
        if !inv.background.isEmpty {
            let hits = inv.background.reduce(0) { $0 + $1.hits }
            let shown = inv.background.prefix(3).map { "\(s($0.address)) (\($0.hits))" }.joined(separator: ", ")
            o += "BACKGROUND     \(inv.background.count) source(s), \(hits) attempt(s) that led nowhere, not in the window: \(shown)\(inv.background.count > 3 ? ", ..." : "")\n"
        }
        if !inv.atRisk.isEmpty {
            o += "AT RISK        \(inv.atRisk.count) login route(s) out of held hosts not attributed to the attacker: \(inv.atRisk.prefix(3).map { "\(s($0.account))@\(s($0.from))→\(s($0.to))" }.joined(separator: ", "))\(inv.atRisk.count > 3 ? ", ..." : "")\n"
        }
        o += "SEEDS          \(inv.seeds.prefix(5).map(s).joined(separator: "; "))\(inv.seeds.count > 5 ? " (+\(inv.seeds.count - 5) more)" : "")\n"
        o += "GROWTH         \(s(inv.growth))\n"
        o += caveats(inv)
        return o
    }

    /// Log gaps, inferred times and unreadable input limit what the window can claim: say so on the terminal too.
    static func caveats(_ inv: Investigation) -> String {
        guard !inv.caveats.isEmpty else { return "" }
        let integrity = inv.caveats.filter { $0.kind == .logIntegrity }
        let shown = (integrity + inv.caveats.filter { $0.kind != .logIntegrity }).prefix(5)
        var o = "CAVEATS        \(inv.caveats.count) (all in the report's Method and caveats)\n"
        for c in shown { o += "  - \(TerminalText.safe(String(c.text.prefix(300))))\n" }
        if inv.caveats.count > shown.count { o += "  ... \(inv.caveats.count - shown.count) more\n" }
        return o
    }

    public static func duration(_ seconds: Int64) -> String {
        let h = seconds / 3600
        let m = seconds / 60 % 60
        let sec = seconds % 60
        if h >= 24 { return "\(h / 24)d \(h % 24)h \(m)m" }
        return h > 0 ? "\(h)h \(m)m \(sec)s" : "\(m)m \(sec)s"
    }
}
