import DwellCore
import DwellIndex
import Foundation
import Yams

/// One Sigma rule (or Sigma 2 correlation rule) as written: what it is, where it applies, what it looks for.
///
/// The loader keeps the detection as parsed YAML (`SigmaValue`); `SigmaCompiler` turns it into a matcher against
/// dwell's events, or says why it cannot.
public struct SigmaRule: Sendable {
    public var id: String
    public var name: String?
    public var title: String
    public var level: String
    public var status: String
    public var author: String
    public var tags: [String]
    public var product: String?
    public var category: String?
    public var service: String?
    /// Search identifiers in file order (`selection`, `filter_*`, `keywords`, ...).
    public var detection: [(name: String, value: SigmaValue)]
    public var condition: [String]
    public var timeframeSeconds: Int64?
    public var correlation: SigmaCorrelation?
    /// The file, and the document's position in it (1-based; multi-document files hold several rules).
    public var file: String
    public var document: Int

    /// `attack.t1110.001` → `T1110.001`, the first technique tag (empty when none).
    public var technique: String {
        for t in tags {
            let l = t.lowercased()
            guard l.hasPrefix("attack.t"), l.count > 9 else { continue }
            let rest = l.dropFirst("attack.".count)
            guard rest.dropFirst().first?.isNumber == true else { continue }
            return rest.uppercased()
        }
        return ""
    }

    /// The log source as Sigma writes it (`product:linux service:sshd`).
    public var logSource: String {
        [product.map { "product:\($0)" }, category.map { "category:\($0)" }, service.map { "service:\($0)" }]
            .compactMap { $0 }.joined(separator: " ")
    }
}

/// A Sigma 2 correlation: over the matches of other rules, grouped, within a time span.
public struct SigmaCorrelation: Sendable {
    public enum Kind: String, Sendable { case eventCount = "event_count", valueCount = "value_count", temporal }
    public var kind: Kind
    /// Referenced rules, by `id` or `name`.
    public var rules: [String]
    public var groupBy: [String]
    public var timespanSeconds: Int64
    public var comparison: SigmaComparison
    /// `value_count`: the field whose distinct values are counted.
    public var field: String?
    /// Whether the referenced rules also report on their own (`generate: true`).
    public var generate = false
}

/// `gte: 10`, `gt`, `lt`, `lte`, `eq` (as in a correlation's condition or an aggregation's `> 10`).
public struct SigmaComparison: Sendable, Equatable {
    public enum Op: String, Sendable { case gt, gte, lt, lte, eq }
    public var op: Op
    public var value: Int64
    public init(op: Op, value: Int64) {
        self.op = op
        self.value = value
    }
    public func holds(_ n: Int64) -> Bool {
        switch op {
        case .gt: n > value
        case .gte: n >= value
        case .lt: n < value
        case .lte: n <= value
        case .eq: n == value
        }
    }
}

/// Parsed YAML of a detection: scalars keep their text as written (Sigma compares text; `4624` and `'4624'` are
/// the same value), `null` is its own case.
public indirect enum SigmaValue: Sendable {
    case null
    case scalar(String)
    case list([SigmaValue])
    case map([(key: String, value: SigmaValue)])

    init(_ node: Node) {
        switch node {
        case .scalar(let s):
            self = node.null != nil && s.style == .plain ? .null : .scalar(s.string)
        case .sequence(let seq): self = .list(seq.map(SigmaValue.init))
        case .mapping(let m): self = .map(m.map { (key: $0.key.string ?? "", value: SigmaValue($0.value)) })
        case .alias: self = .null
        }
    }
}

/// Why a rule file could not become rules at all (bad YAML, not a Sigma rule).
public struct SigmaLoadError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var document: Int
    public var reason: String
    public var description: String { "\(file)#\(document): \(reason)" }
}

/// Reads Sigma rules from files and directories (walked recursively, `.yml`/`.yaml`, in sorted order).
public enum SigmaLoader {
    public struct Loaded: Sendable {
        public var rules: [SigmaRule] = []
        /// Documents that are not rules dwell can read, with the reason (never dropped silently).
        public var errors: [SigmaLoadError] = []
        public var files = 0
    }

    /// Every rule file under `paths`, in a stable order.
    public static func ruleFiles(_ paths: [String]) -> (files: [String], errors: [SigmaLoadError]) {
        var out: [String] = []
        var errors: [SigmaLoadError] = []
        let fm = FileManager.default
        for p in paths {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: p, isDirectory: &isDir) else {
                errors.append(SigmaLoadError(file: p, document: 0, reason: "no such file or directory"))
                continue
            }
            if !isDir.boolValue {
                out.append(p)
                continue
            }
            var found: [String] = []
            if let e = fm.enumerator(atPath: p) {
                while let rel = e.nextObject() as? String {
                    let l = rel.lowercased()
                    if l.hasSuffix(".yml") || l.hasSuffix(".yaml") { found.append((p as NSString).appendingPathComponent(rel)) }
                }
            }
            out += found.sorted()
        }
        return (out, errors)
    }

    /// Reads and parses every rule file under `paths`, the files side by side on up to `threads` threads; the
    /// result is joined in the files' order, so it does not depend on the threads.
    public static func load(paths: [String], threads: Int = ProcessInfo.processInfo.activeProcessorCount) -> Loaded {
        let (files, errors) = ruleFiles(paths)
        var loaded = Loaded()
        loaded.errors = errors
        loaded.files = files.count
        let parsed = ResultSlots<(rules: [SigmaRule], errors: [SigmaLoadError])>(repeating: ([], []), count: files.count)
        JobQueue(files.indices.map { k in { parsed.store(k, loadFile(files[k])) } }).run(threads: threads)
        for r in parsed.values {
            loaded.rules += r.rules
            loaded.errors += r.errors
        }
        return loaded
    }

    /// The rules of one file, or why it could not be read.
    static func loadFile(_ f: String) -> (rules: [SigmaRule], errors: [SigmaLoadError]) {
        guard let data = FileManager.default.contents(atPath: f) else {
            return ([], [SigmaLoadError(file: f, document: 0, reason: "not readable")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            return ([], [SigmaLoadError(file: f, document: 0, reason: "not UTF-8 text")])
        }
        return parse(text: text, file: f)
    }

    /// The rules of one file's text (a file may hold several YAML documents).
    public static func parse(text: String, file: String) -> (rules: [SigmaRule], errors: [SigmaLoadError]) {
        var rules: [SigmaRule] = []
        var errors: [SigmaLoadError] = []
        var docs: [Node] = []
        do {
            // `.utf8` is what `Parser.Encoding.default` gives a Swift string; the default reads the whole process
            // environment (for `YAMS_DEFAULT_ENCODING`) on every call, once per rule file.
            let parser = try Parser(yaml: text, encoding: .utf8)
            while let node = try parser.nextRoot() { docs.append(node) }
        } catch {
            return ([], [SigmaLoadError(file: file, document: docs.count + 1, reason: "YAML: \(error)")])
        }
        if docs.isEmpty { return ([], [SigmaLoadError(file: file, document: 1, reason: "no YAML document")]) }
        for (n, doc) in docs.enumerated() {
            switch rule(doc, file: file, document: n + 1) {
            case .success(let r): rules.append(r)
            case .failure(let e): errors.append(e)
            }
        }
        return (rules, errors)
    }

    static func rule(_ doc: Node, file: String, document: Int) -> Result<SigmaRule, SigmaLoadError> {
        func fail(_ why: String) -> Result<SigmaRule, SigmaLoadError> {
            .failure(SigmaLoadError(file: file, document: document, reason: why))
        }
        guard let m = doc.mapping else { return fail("not a YAML mapping") }
        func str(_ k: String) -> String? { m.value(k)?.string }
        if let action = str("action") { return fail("multi-document rule collections (action: \(action)) are not supported") }
        let title = str("title") ?? ""
        var tags: [String] = []
        if let t = m.value("tags")?.sequence { tags = t.compactMap(\.string) }
        let ls = m.value("logsource")?.mapping
        var rule = SigmaRule(
            id: str("id") ?? "", name: str("name"), title: title, level: str("level") ?? "medium",
            status: str("status") ?? "", author: str("author") ?? "", tags: tags,
            product: ls?.value("product")?.string?.lowercased(), category: ls?.value("category")?.string?.lowercased(),
            service: ls?.value("service")?.string?.lowercased(), detection: [], condition: [], timeframeSeconds: nil,
            correlation: nil, file: file, document: document)
        if rule.id.isEmpty { rule.id = rule.name ?? "\(file)#\(document)" }
        if let c = m.value("correlation")?.mapping {
            guard let type = c.value("type")?.string, let kind = SigmaCorrelation.Kind(rawValue: type) else {
                return fail("correlation type '\(c.value("type")?.string ?? "")' is not supported (event_count, value_count, temporal)")
            }
            let refs = c.value("rules")?.sequence?.compactMap(\.string) ?? c.value("rules")?.string.map { [$0] } ?? []
            guard !refs.isEmpty else { return fail("correlation without rules") }
            let group = c.value("group-by")?.sequence?.compactMap(\.string) ?? c.value("group-by")?.string.map { [$0] } ?? []
            guard let span = c.value("timespan")?.string ?? c.value("timeframe")?.string, let seconds = timespan(span) else {
                return fail("correlation without a timespan dwell reads (e.g. 10m)")
            }
            var comparison = SigmaComparison(op: .gte, value: 1)
            var field: String?
            if let cond = c.value("condition")?.mapping {
                for (k, v) in cond {
                    guard let key = k.string else { continue }
                    if key == "field" {
                        field = v.string
                    } else if let op = SigmaComparison.Op(rawValue: key), let n = v.string.flatMap({ Int64($0) }) {
                        comparison = SigmaComparison(op: op, value: n)
                    } else {
                        return fail("correlation condition '\(key)' is not supported")
                    }
                }
            } else if kind != .temporal {
                return fail("correlation \(kind.rawValue) without a condition")
            }
            if kind == .valueCount && field == nil { return fail("value_count correlation without condition.field") }
            rule.correlation = SigmaCorrelation(
                kind: kind, rules: refs, groupBy: group, timespanSeconds: seconds, comparison: comparison, field: field,
                generate: c.value("generate")?.bool ?? false)
            return .success(rule)
        }
        guard let det = m.value("detection")?.mapping else { return fail("no detection") }
        for (k, v) in det {
            guard let key = k.string else { continue }
            switch key {
            case "condition":
                if let s = v.string {
                    rule.condition = [s]
                } else if let seq = v.sequence {
                    rule.condition = seq.compactMap(\.string)
                }
            case "timeframe":
                guard let s = v.string, let t = timespan(s) else { return fail("timeframe '\(v.string ?? "")' is not a time span") }
                rule.timeframeSeconds = t
            default:
                rule.detection.append((key, SigmaValue(v)))
            }
        }
        guard !rule.condition.isEmpty else { return fail("detection without a condition") }
        return .success(rule)
    }

    /// `30s`, `5m`, `1h`, `2d`, `1w` (Sigma's time spans) in seconds; `nil` for anything else or beyond 100 years
    /// (a span is later taken in microseconds, which must not overflow).
    public static func timespan(_ s: String) -> Int64? {
        guard let unit = s.last, let n = Int64(s.dropLast()), n >= 0 else { return nil }
        let scale: Int64
        switch unit {
        case "s": scale = 1
        case "m": scale = 60
        case "h": scale = 3600
        case "d": scale = 86400
        case "w": scale = 7 * 86400
        default: return nil
        }
        let (seconds, overflow) = n.multipliedReportingOverflow(by: scale)
        guard !overflow, seconds <= 100 * 366 * 86400 else { return nil }
        return seconds
    }
}

extension Node.Mapping {
    /// `self[key]` for a key that YAML resolves to a string (every key the loader reads: none of them is a null,
    /// bool, number, timestamp, merge or value in YAML 1.1): the value of the last pair whose key is a scalar of this
    /// text with the `str` tag. Yams' own subscript makes a fresh key node and resolves its tag with regular
    /// expressions on every look-up; here the text is compared first, and only a key of equal text has its tag
    /// resolved (once: Yams keeps the resolved tag in the key's node).
    func value(_ key: String) -> Node? {
        for (k, v) in reversed() {
            guard case .scalar(let s) = k, s.string == key else { continue }
            if k.tag == Tag(.str) { return v }
        }
        return nil
    }
}
