import DwellAnalysis
import DwellCore

/// The lateral-movement graph of report.html as inline SVG, laid out by dwell (no script): hosts are boxes in
/// columns by the order in which the attacker reached them (the attacker's addresses on the left, the entry point
/// next, each hop one column further), and every hop is an arrow labelled with its time, account and method.
///
/// Edges between the same two hosts are drawn once, labelled with the first hop and the count; hovering shows all.
/// Deterministic; host names, accounts and methods are escaped with `HTMLText.escape`.
enum SVGLateralGraph {
    static let nodeWidth = 140.0
    static let nodeHeight = 42.0
    static let columnWidth = 280.0
    static let rowHeight = 86.0
    static let margin = 24.0
    static let attackerNode = "\u{0}attacker"

    struct Node {
        var name: String
        var layer: Int
        var reached: Timestamp
        var compromised: Bool
    }

    struct Link {
        var from: String
        var to: String
        var first: Timestamp
        var hops: [LateralEdge]
        var derived: String?
    }

    /// The SVG, or nil when there is no hop to draw.
    static func render(_ inv: Investigation) -> String? {
        guard !inv.edges.isEmpty else { return nil }
        let (nodes, links) = layout(inv)
        var columns: [[Node]] = []
        for node in nodes {
            while columns.count <= node.layer { columns.append([]) }
            columns[node.layer].append(node)
        }
        var position: [String: (x: Double, y: Double)] = [:]
        for (c, column) in columns.enumerated() {
            for (r, node) in column.enumerated() {
                position[node.name] = (margin + Double(c) * columnWidth, margin + 20 + Double(r) * rowHeight)
            }
        }
        let width = margin * 2 + Double(max(columns.count - 1, 0)) * columnWidth + nodeWidth
        let rows = columns.map(\.count).max() ?? 1
        let curvesBelow = links.contains { l in
            guard let a = position[l.from], let b = position[l.to] else { return false }
            return b.x <= a.x
        }
        let height = margin * 2 + 20 + Double(rows - 1) * rowHeight + nodeHeight + (curvesBelow ? 70 : 0)

        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" role=\"img\" aria-labelledby=\"lm-title\" "
        s +=
            "viewBox=\"0 0 \(coord(width)) \(coord(height))\" width=\"\(coord(width))\" height=\"\(coord(height))\" font-family=\"sans-serif\" font-size=\"12\">"
        s +=
            "<title id=\"lm-title\">Lateral movement: \(inv.edges.count) \(plural(inv.edges.count, "hop")) between hosts</title>"
        s +=
            "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"8\" markerHeight=\"8\" orient=\"auto-start-reverse\">"
        s += "<path d=\"M0 0L10 5L0 10Z\" fill=\"#444\"/></marker></defs>"
        // Column captions.
        let hasAttacker = nodes.contains { $0.name == attackerNode }
        for c in columns.indices {
            let caption =
                hasAttacker
                ? (c == 0 ? "attacker" : c == 1 ? "entry" : "hop \(c - 1)") : (c == 0 ? "start" : "hop \(c)")
            s +=
                "<text x=\"\(coord(margin + Double(c) * columnWidth + nodeWidth / 2))\" y=\"\(coord(margin + 4))\" text-anchor=\"middle\" fill=\"#777\" font-size=\"11\">\(caption)</text>"
        }
        // Links first, so boxes cover the line ends.
        for link in links {
            guard let a = position[link.from], let b = position[link.to] else { continue }
            s += arrow(link, from: a, to: b)
        }
        for node in nodes {
            guard let p = position[node.name] else { continue }
            s += box(node, at: p, inv: inv)
        }
        s += "</svg>"
        return s
    }

    /// Nodes with their column, and the links between them. The attacker node appears when the investigation names
    /// an entry point; its link to each entry point is derived from the entry host's first compromise.
    static func layout(_ inv: Investigation) -> ([Node], [Link]) {
        let edges = inv.edges.sorted { ($0.time, $0.from, $0.to, $0.account) < ($1.time, $1.from, $1.to, $1.account) }
        let compromised = Set(inv.hosts.map(\.host))
        var layer: [String: Int] = [:]
        var reached: [String: Timestamp] = [:]
        var order: [String] = []
        func add(_ name: String, _ l: Int, _ t: Timestamp) {
            guard layer[name] == nil else { return }
            layer[name] = l
            reached[name] = t
            order.append(name)
        }
        var links: [Link] = []
        let entries = inv.entryPoints.filter { e in
            inv.hosts.contains { $0.host == e } || edges.contains { $0.from == e }
        }
        let base = entries.isEmpty ? 0 : 1
        if !entries.isEmpty {
            add(attackerNode, 0, inv.firstSeen ?? .zero)
            for e in entries {
                let h = inv.hosts.first { $0.host == e }
                let t = h?.firstCompromise ?? edges.first { $0.from == e }?.time ?? .zero
                add(e, 1, t)
                links.append(Link(from: attackerNode, to: e, first: t, hops: [], derived: h?.reason ?? "entry point"))
            }
        }
        // Sources never reached by a hop start at the entry column, in time order.
        let targets = Set(edges.map(\.to))
        for e in edges where !targets.contains(e.from) {
            add(e.from, base, inv.hosts.first { $0.host == e.from }?.firstCompromise ?? e.time)
        }
        // Each host joins the column after the host it was first reached from.
        var pending = edges
        var progress = true
        while progress && !pending.isEmpty {
            progress = false
            pending = pending.filter { e in
                guard let l = layer[e.from] else { return true }
                add(e.to, l + 1, e.time)
                progress = true
                return false
            }
        }
        for e in pending {  // cycles without an entry: place what is left in time order
            add(e.from, base, e.time)
            add(e.to, (layer[e.from] ?? base) + 1, e.time)
        }
        var grouped: [String: Int] = [:]
        for e in edges {
            let key = e.from + "\u{0}" + e.to
            if let i = grouped[key] {
                links[i].hops.append(e)
            } else {
                grouped[key] = links.count
                links.append(Link(from: e.from, to: e.to, first: e.time, hops: [e], derived: nil))
            }
        }
        let nodes = order.map {
            Node(
                name: $0, layer: layer[$0] ?? base, reached: reached[$0] ?? .zero, compromised: compromised.contains($0)
            )
        }.sorted { ($0.layer, $0.reached, $0.name) < ($1.layer, $1.reached, $1.name) }
        return (nodes, links)
    }

    static func box(_ node: Node, at p: (x: Double, y: Double), inv: Investigation) -> String {
        let isAttacker = node.name == attackerNode
        let fill = isAttacker ? "#fff" : node.compromised ? "#fde7e4" : "#eef2f7"
        let stroke = isAttacker || node.compromised ? "#b3261e" : "#5f6b7a"
        var s = "<g>"
        var full: String
        var label: String
        var sub: String
        if isAttacker {
            let ips = inv.sourceIPs.map(\.value)
            full = "attacker: " + ips.joined(separator: ", ")
            label = ips.first ?? "attacker"
            sub = ips.count > 1 ? "+\(ips.count - 1) more \(plural(ips.count - 1, "address", "addresses"))" : "attacker"
        } else {
            full = node.name
            label = node.name
            sub = "reached " + String(ReportDigest.time(node.reached).dropFirst(11).prefix(8))
        }
        if label.count > 18 { label = String(label.prefix(17)) + "…" }
        s += "<title>\(HTMLText.escape(full))</title>"
        s +=
            "<rect x=\"\(coord(p.x))\" y=\"\(coord(p.y))\" width=\"\(coord(nodeWidth))\" height=\"\(coord(nodeHeight))\" rx=\"6\" "
        s +=
            "fill=\"\(fill)\" stroke=\"\(stroke)\" stroke-width=\"1.5\"\(isAttacker ? " stroke-dasharray=\"5 3\"" : "")/>"
        s +=
            "<text x=\"\(coord(p.x + nodeWidth / 2))\" y=\"\(coord(p.y + 18))\" text-anchor=\"middle\" font-weight=\"bold\" fill=\"#111\">\(HTMLText.escape(label))</text>"
        s +=
            "<text x=\"\(coord(p.x + nodeWidth / 2))\" y=\"\(coord(p.y + 33))\" text-anchor=\"middle\" font-size=\"10\" fill=\"#555\">\(HTMLText.escape(sub))</text>"
        s += "</g>"
        return s
    }

    static func arrow(_ link: Link, from a: (x: Double, y: Double), to b: (x: Double, y: Double)) -> String {
        let forward = b.x > a.x
        let x1 = forward ? a.x + nodeWidth : a.x + nodeWidth / 2
        let y1 = forward ? a.y + nodeHeight / 2 : a.y + nodeHeight
        let x2 = forward ? b.x : b.x + nodeWidth / 2
        let y2 = forward ? b.y + nodeHeight / 2 : b.y + nodeHeight
        var d: String
        var lx: Double
        var ly: Double
        if forward && a.y == b.y {
            d = "M\(coord(x1)) \(coord(y1))L\(coord(x2)) \(coord(y2))"
            lx = (x1 + x2) / 2
            ly = y1 - 18
        } else {
            // A curve: bends down under the boxes when going back or within a column.
            let cx = (x1 + x2) / 2
            let cy = forward ? (y1 + y2) / 2 - 30 : max(y1, y2) + 50
            d = "M\(coord(x1)) \(coord(y1))Q\(coord(cx)) \(coord(cy)) \(coord(x2)) \(coord(y2))"
            lx = cx
            ly = forward ? (y1 + y2) / 2 - 26 : max(y1, y2) + 22
        }
        let time = String(ReportDigest.time(link.first).dropFirst(11).prefix(8))
        var line2: String
        var tooltip: String
        if let derived = link.derived {
            line2 = "entry"
            tooltip = "entry at \(ReportDigest.time(link.first)): \(derived)"
        } else {
            let first = link.hops[0]
            line2 = "\(first.account) · \(first.method)" + (link.hops.count > 1 ? " ×\(link.hops.count)" : "")
            tooltip = link.hops.map {
                "\(ReportDigest.time($0.time)) \($0.from) → \($0.to) as \($0.account) (\($0.method))"
            }.joined(separator: "; ")
        }
        if line2.count > 26 { line2 = String(line2.prefix(25)) + "…" }
        var s = "<g><title>\(HTMLText.escape(tooltip))</title>"
        s +=
            "<path d=\"\(d)\" fill=\"none\" stroke=\"#444\" stroke-width=\"1.6\"\(link.derived != nil ? " stroke-dasharray=\"5 3\"" : "") marker-end=\"url(#arrow)\"/>"
        s +=
            "<text x=\"\(coord(lx))\" y=\"\(coord(ly))\" text-anchor=\"middle\" font-size=\"11\" fill=\"#111\">\(time)</text>"
        s +=
            "<text x=\"\(coord(lx))\" y=\"\(coord(ly + 13))\" text-anchor=\"middle\" font-size=\"10\" fill=\"#444\">\(HTMLText.escape(line2))</text>"
        s += "</g>"
        return s
    }
}
