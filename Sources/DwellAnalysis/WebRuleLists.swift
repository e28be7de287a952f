/// How the web rules that both engines evaluate read their lists: the detectors over the store (`Detectors`) and
/// partial mode over merged summaries (`dwell summarize`'s `PartialsSink`, `PartialsInvestigation`). One place per
/// list, so a `--rules` file changes both alike.

/// `web.scanner_agent`'s `agents`: tool names searched in a user agent, case-insensitively (ASCII bytes, as the
/// lists are written).
public struct ScannerAgents: Sendable {
    /// The tool names as the rule lists them (what an explanation quotes).
    public let names: [String]
    let needles: [[UInt8]]

    public init(_ rule: Rule?) {
        names = rule?.list("agents") ?? []
        needles = names.map { Array($0.lowercased().utf8) }
    }

    /// The index in `names` of the first tool the agent names, or `nil` (an empty agent names none).
    public func tool(inAgent agent: String) -> Int? {
        guard !agent.isEmpty else { return nil }
        let lower = Array(agent.lowercased().utf8)
        return needles.firstIndex { WebPatternMatcher.contains(lower, $0) }
    }
}

/// `web.webshell`'s `script_suffixes`: a path runs code when it ends in one of them, case-insensitively.
public struct ScriptSuffixes: Sendable {
    let needles: [[UInt8]]

    public init(_ rule: Rule?) {
        needles = (rule?.list("script_suffixes") ?? []).map { Array($0.lowercased().utf8) }
    }

    /// Whether the lower-cased bytes of a path end in a script suffix.
    public func runsCode(lowercasedPath raw: [UInt8]) -> Bool {
        needles.contains { raw.count >= $0.count && raw.suffix($0.count).elementsEqual($0) }
    }

    public func runsCode(path: String) -> Bool { runsCode(lowercasedPath: Array(path.lowercased().utf8)) }
}
