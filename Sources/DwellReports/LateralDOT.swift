import DwellAnalysis
import DwellCore

/// The lateral-movement graph in Graphviz DOT: one node per compromised host, one edge per hop.
///
///     digraph lateral_movement {
///       n1 [label="web01\n10.0.20.11\nfirst 2026-03-11T19:47:47Z\nENTRY", peripheries=2, ...];
///       n1 -> n2 [label="1. 2026-03-11T20:05:13Z\ndeploy via ssh", tooltip="web01/var/log/auth.log:812 ..."];
///     }
///
/// Entry hosts have a double border; hops on a time-respecting path from an entry are bold, other hops dashed.
/// Hops are numbered in time order and labelled with time, account and method; each edge's tooltip is its
/// evidence (file, line, raw line). Every text from the logs is escaped for DOT (quotes, backslashes, control
/// characters and newlines shown as `\xNN`, `<`, `>` and `&` as entities), so a hostile host or account name
/// cannot break out of its string. Node ids are generated (`n1`, `n2`, …), never taken from the logs.
/// Output is deterministic: hosts by first compromise then name, hops by time, then from, to, account.
public enum LateralDOT {
    public static func render(_ inv: Investigation) -> [UInt8] {
        var o = "// dwell lateral movement: \(inv.hosts.count) host(s), \(inv.edges.count) hop(s)\n"
        o += "digraph lateral_movement {\n"
        var title = "dwell: lateral movement"
        if let a = inv.firstSeen, let b = inv.lastSeen {
            title += "\\nattack \(a.iso8601(fractionDigits: 0)) → \(b.iso8601(fractionDigits: 0))"
        }
        o += "  graph [rankdir=LR, labelloc=t, fontname=\"Helvetica\", label=\"\(title)\"];\n"
        o += "  node [shape=box, style=\"rounded\", fontname=\"Helvetica\"];\n"
        o += "  edge [fontname=\"Helvetica\", fontsize=10];\n"

        // Nodes: compromised hosts, then any host that only appears on an edge.
        struct Node {
            var name: String
            var host: HostScope?
        }
        var nodes = inv.hosts.sorted { ($0.firstCompromise, $0.host) < ($1.firstCompromise, $1.host) }.map {
            Node(name: $0.host, host: $0)
        }
        var known = Set(nodes.map(\.name))
        for name in inv.edges.flatMap({ [$0.from, $0.to] }).sorted() where !known.contains(name) {
            known.insert(name)
            nodes.append(Node(name: name, host: nil))
        }
        var id: [String: String] = [:]
        let entries = Set(inv.entryPoints)
        for (k, n) in nodes.enumerated() {
            let nodeID = "n\(k + 1)"
            id[n.name] = nodeID
            var lines = [escape(n.name)]
            if let h = n.host {
                if !h.addresses.isEmpty { lines.append(escape(h.addresses.joined(separator: ", "))) }
                lines.append("first \(h.firstCompromise.iso8601(fractionDigits: 0))")
                lines.append("last \(h.lastActivity.iso8601(fractionDigits: 0))")
            }
            var attrs = ""
            if entries.contains(n.name) {
                lines.append("ENTRY")
                attrs = ", peripheries=2, color=\"firebrick\", penwidth=2"
            }
            let tip = n.host.map { escape($0.reason) } ?? "not in scope"
            o += "  \(nodeID) [label=\"\(lines.joined(separator: "\\n"))\", tooltip=\"\(tip)\"\(attrs)];\n"
        }

        // Edges, numbered in time order; those on a path from an entry are bold.
        var onPath: Set<LateralEdge> = []
        for p in inv.paths { for e in p { onPath.insert(withoutRaw(e)) } }
        let edges = inv.edges.sorted {
            ($0.time, $0.from, $0.to, $0.account, $0.method) < ($1.time, $1.from, $1.to, $1.account, $1.method)
        }
        for (k, e) in edges.enumerated() {
            guard let a = id[e.from], let b = id[e.to] else { continue }
            let label = "\(k + 1). \(e.time.iso8601(fractionDigits: 0))\\n\(escape(e.account)) via \(escape(e.method))"
            let tip =
                escape("\(e.evidence.file):\(e.evidence.line)  ") + escape(ByteText.string(e.evidence.raw.prefix(400)))
            let style = onPath.contains(withoutRaw(e)) ? "penwidth=2" : "style=dashed"
            o += "  \(a) -> \(b) [label=\"\(label)\", tooltip=\"\(tip)\", \(style)];\n"
        }
        o += "}\n"
        return Array(o.utf8)
    }

    /// The same hop with its raw line dropped (paths and edges carry the same hop, perhaps filled differently).
    static func withoutRaw(_ e: LateralEdge) -> LateralEdge {
        var x = e
        x.evidence.raw = []
        return x
    }

    /// Text from the logs, safe inside a DOT double-quoted string and shown literally by Graphviz.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "\u{00}"..."\u{1f}", "\u{7f}"..."\u{9f}", "\u{202a}"..."\u{202e}", "\u{2066}"..."\u{2069}":
                // Newlines and other controls would break or reorder the label: show them as \xNN (a literal backslash).
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out += "\\\\x" + (hex.count < 2 ? "0" + hex : hex)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
