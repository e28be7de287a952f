import DwellAnalysis
import DwellCore
import Foundation

/// The outputs `dwell investigate --formats` can write.
public enum ReportFormat: String, CaseIterable, Sendable {
    case md, html, json, csv, jsonl, dot, stix, iocs, sigma

    /// What the format writes, for `--help` and the list printed at the end of a run.
    public var summary: String {
        switch self {
        case .md: "report.md: the report to read (Markdown)"
        case .html: "report.html: the same, self-contained HTML with pictures"
        case .json: "report.json: the machine contract (docs/report.schema.json)"
        case .csv: "timeline.csv: Timesketch CSV (or timeline.l2tcsv.csv with --timeline-style l2tcsv)"
        case .jsonl: "timeline.jsonl: Timesketch JSONL"
        case .dot: "lateral.dot: the lateral-movement graph (Graphviz)"
        case .stix: "iocs.stix.json: STIX 2.1 bundle of the attacker's indicators"
        case .iocs: "iocs.txt: the attacker's indicators, one per line"
        case .sigma: "sigma/*.yml: Sigma rules that watch for the attacker's return"
        }
    }

    /// Parses a comma-separated list (`md,json`, `all`); duplicates are dropped, order follows `allCases`.
    /// - Throws: `UnknownFormat` naming the first unknown name.
    public static func parseList(_ text: String) throws(UnknownFormat) -> [ReportFormat] {
        var chosen = Set<ReportFormat>()
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let name = part.trimmingCharacters(in: .whitespaces).lowercased()
            if name == "all" {
                chosen.formUnion(allCases)
                continue
            }
            guard let f = ReportFormat(rawValue: name) else { throw UnknownFormat(name: String(part)) }
            chosen.insert(f)
        }
        return allCases.filter(chosen.contains)
    }

    public struct UnknownFormat: Error, Sendable, CustomStringConvertible {
        public var name: String
        public var description: String {
            "unknown format '\(name)'; choose from \(ReportFormat.allCases.map(\.rawValue).joined(separator: ",")) (or all)"
        }
    }
}

/// How timeline.csv is laid out.
public enum TimelineStyle: String, CaseIterable, Sendable {
    /// Timesketch's CSV import form (`message`, `datetime`, `timestamp`, `timestamp_desc`, dwell's fields).
    case timesketch
    /// plaso's 17-column l2tcsv.
    case l2tcsv
}

/// One file to write, relative to `--out` (`sigma/dwell_sshd_attacker_logins.yml`).
public struct ReportFile: Sendable, Equatable {
    public var path: String
    public var bytes: [UInt8]
    public init(path: String, bytes: [UInt8]) {
        self.path = path
        self.bytes = bytes
    }
}

/// The dispatch from formats to renderers: pure, deterministic (same input → same files, same bytes, same order).
/// The renderers share nothing but the input they read: they run side by side, and their files are joined in the
/// formats' fixed order.
public enum ReportSet {
    public static func render(
        _ input: ReportInput, formats: [ReportFormat] = ReportFormat.allCases,
        timelineStyle: TimelineStyle = .timesketch
    ) -> [ReportFile] {
        let chosen = ReportFormat.allCases.filter { formats.contains($0) }
        let results = ResultSlots<[ReportFile]>(repeating: [], count: chosen.count)
        DispatchQueue.concurrentPerform(iterations: chosen.count) { k in
            results.store(k, files(chosen[k], input, timelineStyle: timelineStyle))
        }
        return results.values.flatMap { $0 }
    }

    /// The file (or files, for Sigma) of one format.
    static func files(_ format: ReportFormat, _ input: ReportInput, timelineStyle: TimelineStyle) -> [ReportFile] {
        switch format {
        case .md: return [ReportFile(path: "report.md", bytes: MarkdownReport.render(input))]
        case .html: return [ReportFile(path: "report.html", bytes: HTMLReport.render(input))]
        case .json:
            let j = ReportJSON.render(
                input.investigation, files: input.files, discoveryIssues: input.discoveryIssues,
                generated: input.generated)
            return [ReportFile(path: "report.json", bytes: j)]
        case .csv:
            switch timelineStyle {
            case .timesketch: return [ReportFile(path: "timeline.csv", bytes: TimelineCSV.render(input))]
            case .l2tcsv: return [ReportFile(path: "timeline.l2tcsv.csv", bytes: TimelineL2TCSV.render(input))]
            }
        case .jsonl: return [ReportFile(path: "timeline.jsonl", bytes: TimelineJSONL.render(input))]
        case .dot: return [ReportFile(path: "lateral.dot", bytes: LateralDOT.render(input.investigation))]
        case .stix: return [ReportFile(path: "iocs.stix.json", bytes: STIXBundle.render(input))]
        case .iocs: return [ReportFile(path: "iocs.txt", bytes: IOCText.render(input))]
        case .sigma: return SigmaRules.render(input).map { ReportFile(path: "sigma/" + $0.name, bytes: $0.bytes) }
        }
    }
}
