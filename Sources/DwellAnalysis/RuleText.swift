import DwellCore

/// The titles, explanations and severities of the rules that both engines evaluate: the detectors over the store
/// (`Detectors`) and partial mode over merged summaries (`PartialsInvestigation`). One place per rule, so a wording or
/// a severity changed here changes both reports. Each engine counts with what it has (events, or failures per minute)
/// and passes its own note (what it did not count, or that it counted per minute).
enum RuleText {
    /// The brute-force title by the evidence in the window: the rule's own (SSH) when no failure is a Windows logon,
    /// Windows logons when all are, both when both are in the window.
    static func bruteForceTitle(_ r: Rule, windowsFailures: Int, of total: Int) -> String {
        if windowsFailures == 0 { return r.title }
        return windowsFailures == total ? "Windows logon brute force" : "Brute force (SSH and Windows logons)"
    }

    /// `within`: the window and the threshold it crossed (the rule's, or its burst parameters').
    static func bruteForceWhy(
        count: Int64, source: String, within: String, first: Timestamp, last: Timestamp, total: Int64, note: String
    ) -> String {
        "\(count) failed logins from \(source) within \(within), \(second(first)) to \(second(last)); \(total) in all\(note)"
    }

    static func bruteForceWithin(_ r: Rule) -> String { "\(r.windowText) (threshold \(r.threshold))" }

    static func sprayingWhy(
        _ r: Rule, accounts: Int64, source: String, first: Timestamp, last: Timestamp, note: String = ""
    ) -> String {
        "\(accounts) distinct accounts failed from \(source) within \(r.windowText) (threshold \(r.threshold)), \(second(first)) to \(second(last))\(note)"
    }

    static func enumerationWhy(_ r: Rule, accounts: Int64, source: String, note: String = "") -> String {
        "\(accounts) distinct non-existent accounts tried from \(source) within \(r.windowText) (threshold \(r.threshold))\(note)"
    }

    /// `span` and `needed`: the window the failures were counted in and its threshold (the rule's, or its long
    /// window's).
    static func successAfterFailuresWhy(
        user: String, source: String, failures: Int64, span: String, needed: Int64, firstFailure: Timestamp,
        note: String = ""
    ) -> String {
        "login of \(user) accepted from \(source) after \(failures) failures from it in the \(span) before (threshold \(needed)), first at \(second(firstFailure))\(note)"
    }

    static func webshellWhy(
        path: String, maxSources: Int64, status: Int64, parameter: String, value: Substring, source: String,
        note: String = ""
    ) -> String {
        "\(path) (requested by at most \(maxSources) sources) answered \(status) to \(parameter)=\(value.prefix(80)) from \(source)\(note)"
    }

    static func scannerWhy(_ r: Rule, tool: String, requests: Int64, source: String) -> String {
        let loud = r.parameter("scan_requests")
        return
            "user agent names the attack tool '\(tool)' (rule list 'agents'); \(requests) request\(requests == 1 ? "" : "s") from \(source) with such agents (\(loud) make a scan, fewer a passing probe: low)"
    }

    /// A tool's passing probe (a few requests, the Internet's background) is low; a scan is the rule's level.
    static func scannerSeverity(_ r: Rule, requests: Int64) -> Severity {
        requests >= r.parameter("scan_requests") ? r.severity : .low
    }

    static func second(_ t: Timestamp) -> String { t.iso8601(fractionDigits: 0) }
}
