import DwellAnalysis
import DwellCore

/// The activity timeline of report.html as inline SVG: one row per host with a tick where the attacker was active,
/// the attack window shaded, and each finding marked in its severity's colour (hover shows its title and why).
///
/// Laid out by dwell, deterministic (integer-rounded coordinates, no dictionary order). Host names and finding texts
/// are escaped with `HTMLText.escape`.
enum SVGActivityTimeline {
    static let width = 1000.0
    static let labelWidth = 130.0
    static let rightMargin = 20.0
    static let rowHeight = 26.0
    static let axisHeight = 34.0
    static let binPixels = 3.0

    /// The SVG, or nil when there is nothing to draw (no attack and no finding).
    static func render(_ inv: Investigation) -> String? {
        guard let range = timeRange(inv) else { return nil }
        let hosts = rowHosts(inv, range)
        guard !hosts.isEmpty else { return nil }
        let plotLeft = labelWidth
        let plotWidth = width - labelWidth - rightMargin
        let height = axisHeight + Double(hosts.count) * rowHeight + 44
        let span = Double(max(1, range.1.microseconds - range.0.microseconds))
        func x(_ t: Timestamp) -> Double { plotLeft + Double(t.microseconds - range.0.microseconds) / span * plotWidth }
        func rowY(_ i: Int) -> Double { axisHeight + Double(i) * rowHeight }

        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" role=\"img\" aria-labelledby=\"tl-title\" "
        s +=
            "viewBox=\"0 0 \(coord(width)) \(coord(height))\" width=\"\(coord(width))\" height=\"\(coord(height))\" font-family=\"sans-serif\" font-size=\"11\">"
        s +=
            "<title id=\"tl-title\">Attacker activity per host, \(ReportDigest.time(range.0)) to \(ReportDigest.time(range.1)) UTC</title>"
        // Row bands and labels.
        for (i, h) in hosts.enumerated() {
            let y = rowY(i)
            if i % 2 == 0 {
                s +=
                    "<rect x=\"0\" y=\"\(coord(y))\" width=\"\(coord(width))\" height=\"\(coord(rowHeight))\" fill=\"#f3f5f8\"/>"
            }
            let label = h.count > 18 ? String(h.prefix(17)) + "…" : h
            s +=
                "<text x=\"\(coord(labelWidth - 8))\" y=\"\(coord(y + rowHeight / 2 + 4))\" text-anchor=\"end\" fill=\"#222\">"
            s += "<title>\(HTMLText.escape(h))</title>\(HTMLText.escape(label))</text>"
        }
        // The attack window.
        if let a = inv.firstSeen, let b = inv.lastSeen {
            let x0 = x(a)
            let w = max(2, x(b) - x0)
            s +=
                "<rect x=\"\(coord(x0))\" y=\"\(coord(axisHeight - 6))\" width=\"\(coord(w))\" height=\"\(coord(Double(hosts.count) * rowHeight + 6))\" "
            s +=
                "fill=\"#d93025\" fill-opacity=\"0.12\" stroke=\"#d93025\" stroke-opacity=\"0.5\" stroke-dasharray=\"4 3\">"
            s += "<title>Attack window \(ReportDigest.time(a)) to \(ReportDigest.time(b))</title></rect>"
        }
        // Axis.
        s += axis(range, plotLeft: plotLeft, plotWidth: plotWidth, bottom: axisHeight + Double(hosts.count) * rowHeight)
        // Activity ticks: timeline entries binned per host.
        let bins = Int(plotWidth / binPixels)
        let index = Dictionary(uniqueKeysWithValues: hosts.enumerated().map { ($1, $0) })
        var counts = [[Int]](repeating: [Int](repeating: 0, count: bins + 1), count: hosts.count)
        for t in inv.timeline {
            guard let row = index[t.host], t.time >= range.0, t.time <= range.1 else { continue }
            let b = Int((x(t.time) - plotLeft) / binPixels)
            counts[row][min(max(b, 0), bins)] += 1
        }
        let peak = counts.joined().max() ?? 1
        for (row, bin) in counts.enumerated() {
            for (i, c) in bin.enumerated() where c > 0 {
                // Height grows with the count (square root), so a single event still shows.
                let fraction = min(1, (Double(c) / Double(max(peak, 1))).squareRoot() * 0.7 + 0.3)
                let h = (rowHeight - 8) * fraction
                let y = rowY(row) + rowHeight - 4 - h
                s +=
                    "<rect x=\"\(coord(plotLeft + Double(i) * binPixels))\" y=\"\(coord(y))\" width=\"\(coord(binPixels - 0.6))\" height=\"\(coord(h))\" fill=\"#3b6ea8\">"
                s += "<title>\(HTMLText.escape(hosts[row])): \(c) \(plural(c, "event"))</title></rect>"
            }
        }
        // Findings.
        var outside = 0
        for f in inv.findings {
            guard let row = index[f.host], f.time >= range.0, f.time <= range.1 else {
                outside += 1
                continue
            }
            let cx = x(f.time)
            let cy = rowY(row) + rowHeight / 2
            let r = f.severity >= .high ? 6.0 : 4.5
            s +=
                "<path d=\"M\(coord(cx)) \(coord(cy - r))L\(coord(cx + r)) \(coord(cy))L\(coord(cx)) \(coord(cy + r))L\(coord(cx - r)) \(coord(cy))Z\" "
            s += "fill=\"\(color(f.severity))\" stroke=\"#fff\" stroke-width=\"1\">"
            s += "<title>[\(f.severity.name)] \(ReportDigest.time(f.time)) \(HTMLText.escape(f.host)): "
            s +=
                "\(HTMLText.escape(f.title)) (\(HTMLText.escape(f.technique))): \(HTMLText.escape(f.why))</title></path>"
        }
        // Legend.
        let ly = height - 14
        var lx = plotLeft
        s +=
            "<rect x=\"\(coord(lx))\" y=\"\(coord(ly - 9))\" width=\"18\" height=\"10\" fill=\"#d93025\" fill-opacity=\"0.12\" stroke=\"#d93025\" stroke-dasharray=\"4 3\"/>"
        s += "<text x=\"\(coord(lx + 24))\" y=\"\(coord(ly))\" fill=\"#333\">attack window</text>"
        lx += 120
        s += "<rect x=\"\(coord(lx))\" y=\"\(coord(ly - 10))\" width=\"3\" height=\"10\" fill=\"#3b6ea8\"/>"
        s += "<text x=\"\(coord(lx + 9))\" y=\"\(coord(ly))\" fill=\"#333\">attacker activity</text>"
        lx += 120
        for sev in Severity.allCases.reversed() {
            s +=
                "<path d=\"M\(coord(lx)) \(coord(ly - 10))L\(coord(lx + 5)) \(coord(ly - 5))L\(coord(lx)) \(coord(ly))L\(coord(lx - 5)) \(coord(ly - 5))Z\" fill=\"\(color(sev))\"/>"
            s += "<text x=\"\(coord(lx + 9))\" y=\"\(coord(ly))\" fill=\"#333\">\(sev.name)</text>"
            lx += 72
        }
        if outside > 0 {
            s += "<text x=\"\(coord(width - rightMargin))\" y=\"\(coord(ly))\" text-anchor=\"end\" fill=\"#555\">"
            s += "\(outside) \(plural(outside, "finding")) outside this range or host set: see Findings</text>"
        }
        s += "</svg>"
        return s
    }

    /// The attack window with a margin on both sides; without an attack, the span of the findings.
    static func timeRange(_ inv: Investigation) -> (Timestamp, Timestamp)? {
        var a: Int64
        var b: Int64
        if let first = inv.firstSeen, let last = inv.lastSeen {
            a = first.microseconds
            b = last.microseconds
        } else {
            guard let lo = inv.findings.map(\.time).min(), let hi = inv.findings.map(\.time).max() else { return nil }
            a = lo.microseconds
            b = hi.microseconds
        }
        let margin = max((b - a) / 20, 60_000_000)
        a -= margin
        b += margin
        return (Timestamp(microseconds: a), Timestamp(microseconds: b))
    }

    /// Compromised hosts first (in order of compromise), then the other hosts with activity or findings in range.
    static func rowHosts(_ inv: Investigation, _ range: (Timestamp, Timestamp)) -> [String] {
        var rows = ReportDigest.unique(inv.hosts.map(\.host))
        var others = Set<String>()
        for t in inv.timeline where t.time >= range.0 && t.time <= range.1 { others.insert(t.host) }
        for f in inv.findings where f.time >= range.0 && f.time <= range.1 { others.insert(f.host) }
        rows += others.subtracting(rows).sorted()
        return rows
    }

    static func axis(_ range: (Timestamp, Timestamp), plotLeft: Double, plotWidth: Double, bottom: Double) -> String {
        let a = range.0.seconds
        let b = range.1.seconds
        let steps: [Int64] = [
            60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400, 172_800, 604_800,
        ]
        let step = steps.first { (b - a) / $0 <= 10 } ?? max(1, (b - a) / 10)
        var s =
            "<line x1=\"\(coord(plotLeft))\" y1=\"\(coord(axisHeight - 8))\" x2=\"\(coord(plotLeft + plotWidth))\" y2=\"\(coord(axisHeight - 8))\" stroke=\"#888\"/>"
        var tick = (a / step + 1) * step
        var lastDay: Int64 = .min
        while tick < b {
            let x = plotLeft + Double(tick - a) / Double(max(1, b - a)) * plotWidth
            let iso = Timestamp(seconds: tick).iso8601(fractionDigits: 0)  // 2026-03-11T19:30:00Z
            let day = tick >= 0 ? tick / 86_400 : (tick - 86_399) / 86_400
            let clock = String(iso.dropFirst(11).prefix(5))
            // The first tick's day is in the corner label; a later day change shows its date (`03-12 00:00`).
            let label = day != lastDay && lastDay != .min ? String(iso.dropFirst(5).prefix(5)) + " " + clock : clock
            lastDay = day
            s +=
                "<line x1=\"\(coord(x))\" y1=\"\(coord(axisHeight - 12))\" x2=\"\(coord(x))\" y2=\"\(coord(bottom))\" stroke=\"#ccc\" stroke-width=\"0.6\"/>"
            s +=
                "<text x=\"\(coord(x))\" y=\"\(coord(axisHeight - 16))\" text-anchor=\"middle\" fill=\"#444\">\(label)</text>"
            tick += step
        }
        let date = String(Timestamp(seconds: a).iso8601(fractionDigits: 0).prefix(10))
        s += "<text x=\"8\" y=\"\(coord(axisHeight - 16))\" fill=\"#444\">\(date) UTC</text>"
        return s
    }

    static func color(_ s: Severity) -> String {
        switch s {
        case .critical: "#8e0019"
        case .high: "#d93025"
        case .medium: "#f29900"
        case .low: "#7cb342"
        case .info: "#90a4ae"
        }
    }
}

/// A coordinate with one decimal, printed the same on every platform (`12`, `12.5`, `-3.2`).
func coord(_ value: Double) -> String {
    let tenths = Int64((value * 10).rounded())
    let sign = tenths < 0 ? "-" : ""
    let a = abs(tenths)
    return a % 10 == 0 ? "\(sign)\(a / 10)" : "\(sign)\(a / 10).\(a % 10)"
}
