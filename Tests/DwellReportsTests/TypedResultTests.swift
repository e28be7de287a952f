@testable import DwellAnalysis
import DwellCore
import DwellIndex
@testable import DwellReports
import Testing

/// #24: the analysis result is typed, and the renderers read the types, not the text.
@Suite struct TypedResultTests {
    /// Every indicator type's written form (report.json, the case file) reads back to the same typed value.
    @Test(arguments: IndicatorType.allCases)
    func writtenIndicatorsReadBackTyped(type: IndicatorType) throws {
        let i = Indicator(type, "a:b/ c\u{1b}")
        let back = try #require(Indicator(text: i.description))
        #expect(back == i)
        #expect(i.description.hasPrefix(Indicator.prefix(type) + ":"))
    }

    /// One key type at every layer: the store's (by id, ordered by type then id) and the text one, with one type.
    @Test(arguments: IndicatorType.allCases)
    func theStoreKeyAndTheTextIndicatorShareTheirType(type: IndicatorType) {
        #expect(IndicatorType(name: type.name) == type)
        let stored = IndicatorKey<UInt32>(type, 7)
        let text = Indicator(type, "x")
        #expect(stored.type == text.type)
        #expect(IndicatorKey<UInt32>(type, 6) < stored)
        if let next = IndicatorType(rawValue: type.rawValue + 1) { #expect(stored < IndicatorKey<UInt32>(next, 0)) }
    }

    @Test func textIndicatorsRankInTheirWrittenOrder() {
        // `ua:` before `url:` before `user:`, though a user is declared first.
        let list: [Indicator] = [.user("a"), .url("/a"), .ua("a"), .ip("10.0.0.2"), .ip("10.0.0.10")]
        #expect(list.sorted(by: Indicator.writtenOrder).map(\.description) == [
            "ip:10.0.0.10", "ip:10.0.0.2", "ua:a", "url:/a", "user:a",
        ])
        #expect(IndicatorType(name: "address") == nil)
    }

    @Test func textWithNoKnownTypeIsNoIndicator() {
        #expect(Indicator(text: "address:10.0.0.1") == nil)
        #expect(Indicator(text: "10.0.0.1") == nil)
        #expect(Indicator(text: "ip:fe80::1")?.address == IPAddress("fe80::1"))
    }

    @Test(arguments: [
        ("T1136.001", TechniqueMeaning.accountCreated), ("T1098", .accountChanged), ("T1048.003", .exfiltration),
        ("T1567.002", .exfiltration), ("T1505.003", .serverComponent), ("T1190", .publicExploit), ("T1110.001", .other),
        ("", .other),
    ])
    func techniquesMeanWhatTheNextStepsNeed(technique: String, meaning: TechniqueMeaning) {
        #expect(TechniqueMeaning(technique: technique) == meaning)
    }

    /// The terminal summary puts log-integrity caveats first by their kind: a caveat about an input file whose name
    /// starts with `integrity.` (attacker-chosen text) is not one.
    @Test func summaryOrdersCaveatsByKindNotByText() throws {
        var inv = Investigation()
        inv.caveats = [
            "integrity.log: 3 event times inferred (year from file mtime)",
            Caveat(.hostAddress, "host address learned: web01 = 10.0.0.1"),
            Caveat(.logIntegrity, "integrity.log_gap (T1070.002): no lines for 3 hours on db01"),
        ]
        let text = Summary.render(inv)
        let lines = text.split(separator: "\n").filter { $0.hasPrefix("  - ") }.map { String($0.dropFirst(4)) }
        #expect(lines.count == 3)
        #expect(lines.first?.hasPrefix("integrity.log_gap") == true, "\(lines)")
        #expect(lines.dropFirst().first?.hasPrefix("integrity.log:") == true, "\(lines)")
    }

    /// iocs.txt lists a web shell by the finding's rule, and its paths from the typed indicators.
    @Test func webShellPathsComeFromTypedIndicators() {
        var inv = Investigation()
        let t = Timestamp(seconds: 1_773_256_901)
        inv.sourceIPs = [
            ScopeItem(type: .ip, value: "203.0.113.45", reason: "seed", firstSeen: t, lastSeen: t, count: 1, evidence: nil)
        ]
        inv.findings = [
            Finding(
                rule: RuleID(written: RuleIDs.webShell, technique: "T1505.003"), title: "Web shell command", technique: "T1505.003", severity: .critical, time: t,
                host: "web01", indicators: [.ip("203.0.113.45"), .url("/uploads/x.php"), .user("ip:10.0.0.9")],
                why: "answered", evidence: [], seeds: true)
        ]
        let shells = AttackerIndicators.collect(inv).filter { $0.kind == .webShell }.map(\.value)
        #expect(shells == ["/uploads/x.php"])
        #expect(!AttackerIndicators.collect(inv).contains { $0.value == "10.0.0.9" })
    }

    /// The next steps follow a finding's rule (its `RuleID.meaning`, read from the table's technique when the finding
    /// was made), never the technique text the finding prints: a finding whose text names T1136 under a rule that is
    /// no account creation lists no created account, and the account-creation rule's finding does.
    @Test("#24: a report takes a finding's meaning from its rule, not from the technique text")
    func nextStepsFollowTheRuleNotTheTechniqueText() {
        var inv = Investigation()
        let t = Timestamp(seconds: 1_773_256_901)
        inv.accounts = [
            ScopeItem(type: .user, value: "backdoor", reason: "r", firstSeen: t, lastSeen: t, count: 1, evidence: nil),
            ScopeItem(type: .user, value: "deploy", reason: "r", firstSeen: t, lastSeen: t, count: 1, evidence: nil),
        ]
        func finding(_ rule: RuleID, technique: String, user: String) -> Finding {
            Finding(
                rule: rule, title: "t", technique: technique, severity: .medium, time: t, host: "db01",
                indicators: [.user(user), .host("db01")], why: "w", evidence: [], seeds: false, role: .context)
        }
        inv.findings = [
            finding("auth.new_source", technique: "T1136.001", user: "deploy"),
            finding("persist.account_created", technique: "T1078", user: "backdoor"),
        ]
        #expect(inv.findings.map(\.meaning) == [.other, .accountCreated])
        #expect(ReportDigest.createdAccounts(inv).map(\.account) == ["backdoor"])
    }
}
