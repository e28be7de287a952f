import DwellCore
import DwellIndex
import Foundation

/// What became of one rule document: it runs, or why not.
public struct SigmaRuleStatus: Sendable {
    public enum State: Sendable, Equatable {
        case loaded
        case unsupported(String)
        case notApplicable(String)
    }
    public var file: String
    public var document: Int
    public var id: String
    public var title: String
    public var logSource: String
    public var state: State
    /// Whether the rule's log source is one dwell reads (the coverage figure's denominator); `false` only when
    /// the log source itself is not applicable (auditd, Linux process creation, …), not for a missing field.
    public var sourceRead = true
}

/// A runnable rule: a detection compiled for one log source, or a correlation over such rules.
public enum SigmaRunnable: Sendable {
    case detection(SigmaCompiledRule)
    case correlation(SigmaResolvedCorrelation)

    public var rule: SigmaRule {
        switch self {
        case .detection(let c): c.rule
        case .correlation(let c): c.rule
        }
    }
}

/// A correlation with its referenced rules found and its fields mapped per referenced rule.
public struct SigmaResolvedCorrelation: Sendable {
    public var rule: SigmaRule
    public var correlation: SigmaCorrelation
    /// Indices of the referenced rules in `SigmaRuleSet.runnable`.
    public var refs: [Int]
    /// Per referenced rule: its group-by fields and (value_count) counted field.
    public var groupFields: [[DwellField]]
    public var valueField: [DwellField?]
}

/// Loaded Sigma rules: what runs, and a status for every document read (nothing is dropped silently).
public struct SigmaRuleSet: Sendable {
    public var runnable: [SigmaRunnable] = []
    public var statuses: [SigmaRuleStatus] = []
    public var files = 0
    /// Runnable rules that a correlation uses and that do not report on their own (`generate: false`).
    public var quiet: Set<Int> = []

    public init() {}

    public static func load(paths: [String]) -> SigmaRuleSet {
        let loaded = SigmaLoader.load(paths: paths)
        var set = build(loaded.rules)
        set.files = loaded.files
        set.record(loaded.errors)
        return set
    }

    /// Documents that could not be read as rules: unsupported, with the reason.
    public mutating func record(_ errors: [SigmaLoadError]) {
        for e in errors {
            statuses.append(
                SigmaRuleStatus(file: e.file, document: e.document, id: "", title: "", logSource: "", state: .unsupported(e.reason)))
        }
        statuses.sort { ($0.file, $0.document) < ($1.file, $1.document) }
    }

    /// Compiles `rules` (the detections side by side on up to `threads` threads) and resolves the correlations.
    public static func build(_ rules: [SigmaRule], threads: Int = ProcessInfo.processInfo.activeProcessorCount) -> SigmaRuleSet {
        var set = SigmaRuleSet()
        let compiled = ResultSlots<Result<SigmaCompiledRule, SigmaStatusReason>?>(repeating: nil, count: rules.count)
        JobQueue(
            rules.indices.compactMap { k in
                rules[k].correlation == nil ? { compiled.store(k, SigmaCompiler.compile(rules[k])) } : nil
            }
        ).run(threads: threads)
        let compiledRules = compiled.values
        var byName: [String: Int] = [:]
        var failed: [String: SigmaStatusReason] = [:]
        var readsSource: [String: Bool] = [:]
        func status(_ r: SigmaRule, _ s: SigmaRuleStatus.State, sourceRead: Bool = true) {
            set.statuses.append(
                SigmaRuleStatus(
                    file: r.file, document: r.document, id: r.id, title: r.title, logSource: r.logSource, state: s,
                    sourceRead: sourceRead))
        }
        for (k, r) in rules.enumerated() where r.correlation == nil {
            let read: Bool
            if case .success = SigmaFieldMap.mapping(product: r.product, category: r.category, service: r.service) {
                read = true
            } else {
                read = false
            }
            readsSource[r.id] = read
            if let n = r.name { readsSource[n] = read }
            switch compiledRules[k] ?? SigmaCompiler.compile(r) {
            case .success(let c):
                byName[r.id] = set.runnable.count
                if let n = r.name { byName[n] = set.runnable.count }
                set.runnable.append(.detection(c))
                status(r, .loaded)
            case .failure(let why):
                failed[r.id] = why
                if let n = r.name { failed[n] = why }
                switch why {
                case .unsupported(let s): status(r, .unsupported(s), sourceRead: read)
                case .notApplicable(let s): status(r, .notApplicable(s), sourceRead: read)
                }
            }
        }
        for r in rules {
            guard let corr = r.correlation else { continue }
            var refs: [Int] = []
            var problem: SigmaRuleStatus.State?
            for name in corr.rules {
                if let i = byName[name] {
                    refs.append(i)
                } else if let why = failed[name] {
                    switch why {
                    case .unsupported(let s): problem = .unsupported("uses rule \(name), which is unsupported: \(s)")
                    case .notApplicable(let s): problem = .notApplicable("uses rule \(name), which is not applicable: \(s)")
                    }
                } else {
                    problem = .unsupported("uses rule \(name), which is not among the loaded rules")
                }
            }
            var groups: [[DwellField]] = []
            var values: [DwellField?] = []
            if problem == nil {
                do throws(SigmaStatusReason) {
                    for i in refs {
                        guard case .detection(let c) = set.runnable[i] else { continue }
                        var g: [DwellField] = []
                        for f in corr.groupBy { g.append(try SigmaCompiler.field(f, source: c.source)) }
                        let v = try corr.field.map { f throws(SigmaStatusReason) in try SigmaCompiler.field(f, source: c.source) }
                        for f in g + [v].compactMap({ $0 }) {
                            if case .record(let n) = f {
                                throw .unsupported("correlation over the Windows record field '\(n)' (dwell correlates on the fields its index keeps)")
                            }
                        }
                        groups.append(g)
                        values.append(v)
                    }
                } catch {
                    switch error {
                    case .unsupported(let s): problem = .unsupported(s)
                    case .notApplicable(let s): problem = .notApplicable(s)
                    }
                }
            }
            if let problem {
                status(r, problem, sourceRead: corr.rules.allSatisfy { readsSource[$0] ?? true })
                continue
            }
            if !corr.generate { set.quiet.formUnion(refs) }
            set.runnable.append(
                .correlation(SigmaResolvedCorrelation(rule: r, correlation: corr, refs: refs, groupFields: groups, valueField: values)))
            status(r, .loaded)
        }
        return set
    }

    public var loadedCount: Int { statuses.filter { $0.state == .loaded }.count }
    /// Rules whose log source dwell reads (loaded or not): the coverage figure's denominator.
    public var sourceReadCount: Int { statuses.filter(\.sourceRead).count }
    /// Loaded rules among those whose log source dwell reads.
    public var loadedOfSourceReadCount: Int { statuses.filter { $0.sourceRead && $0.state == .loaded }.count }

    /// The coverage figure as `dwell sigma check` prints it: the share of rules that run among those whose log
    /// source dwell reads, and how many rules the figure leaves out because dwell does not read their source.
    public var coverageText: String {
        let read = sourceReadCount
        let loaded = loadedOfSourceReadCount
        let share = read == 0 ? "-" : String(format: "%.1f%%", Double(loaded) * 100 / Double(read))
        let other = statuses.count - read
        return "coverage: \(loaded) of the \(read) rules for log sources dwell reads run (\(share)); not counted: "
            + "\(other) rule\(other == 1 ? "" : "s") for log sources dwell does not read (auditd, Linux process creation, …)"
    }
    public var unsupportedCount: Int { statuses.filter { if case .unsupported = $0.state { true } else { false } }.count }
    public var notApplicableCount: Int { statuses.filter { if case .notApplicable = $0.state { true } else { false } }.count }
}
