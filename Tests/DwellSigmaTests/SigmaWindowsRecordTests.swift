import DwellSigma
import DwellTestSupport
import Foundation
import Testing

/// Windows rules read every field of the record (EventData and System), not only what the index keeps: the fields
/// are read back from the record's raw evidence for the events a rule can match.
@Suite struct SigmaWindowsRecordTests {
    /// Windows events exported as flat JSON (one object a line), line n at minute n.
    static func export(_ events: [[String: String]]) -> String {
        events.enumerated().map { n, e in
            var all = e
            all["@timestamp"] = "2026-03-10T10:\(String(format: "%02d", n)):00Z"
            let body = all.keys.sorted().map { k in
                var v = ""
                for u in all[k]!.unicodeScalars {
                    switch u {
                    case "\\": v += "\\\\"
                    case "\"": v += "\\\""
                    case _ where u.value < 0x20: v += String(format: "\\u%04x", u.value)
                    default: v.unicodeScalars.append(u)
                    }
                }
                return k == "EventID" ? "\"\(k)\":\(v)" : "\"\(k)\":\"\(v)\""
            }
            return "{" + body.joined(separator: ",") + "}"
        }.joined(separator: "\n") + "\n"
    }

    static func rule(_ title: String, service: String, _ detection: String) -> String {
        """
        title: \(title)
        id: \(title.lowercased().replacingOccurrences(of: " ", with: "-"))
        level: high
        logsource:
            product: windows
            service: \(service)
        detection:
        \(detection)
        """
    }

    static let events: [[String: String]] = [
        // line 1: an admin share opened from a workstation
        [
            "EventID": "5145", "Channel": "Security", "Hostname": "FS01", "ShareName": "\\\\*\\ADMIN$",
            "RelativeTargetName": "PSEXESVC.exe", "SubjectUserName": "bob", "SubjectDomainName": "CORP",
            "IpAddress": "10.0.7.21", "AccessMask": "0x2",
        ],
        // line 2: an ordinary share
        [
            "EventID": "5145", "Channel": "Security", "Hostname": "FS01", "ShareName": "\\\\*\\Public",
            "RelativeTargetName": "report.docx", "SubjectUserName": "alice", "SubjectDomainName": "CORP",
            "IpAddress": "10.0.7.22", "AccessMask": "0x1",
        ],
        // line 3: a service installed (System, provider named)
        [
            "EventID": "7045", "Channel": "System", "Hostname": "FS01", "ProviderName": "Service Control Manager",
            "ServiceName": "PSEXESVC", "ImagePath": "%SystemRoot%\\PSEXESVC.exe", "AccountName": "LocalSystem",
        ],
        // line 4: the same id from another provider
        [
            "EventID": "7045", "Channel": "System", "Hostname": "FS01", "ProviderName": "Some Other Provider",
            "ServiceName": "PSEXESVC", "ImagePath": "%SystemRoot%\\PSEXESVC.exe",
        ],
        // line 5: a failed logon with a status the index keeps only inside a detail text
        [
            "EventID": "4625", "Channel": "Security", "Hostname": "DC01", "TargetUserName": "administrator",
            "TargetDomainName": "CORP", "Status": "0xc000006d", "SubStatus": "0xc0000072", "LogonType": "3",
            "IpAddress": "-",
        ],
    ]

    @Test func eventDataAndSystemFieldsTheIndexDoesNotKeepAreMatched() throws {
        let h = try SigmaHarness(["fs01/events.jsonl": Self.export(Self.events)])
        let set = SigmaHarness.rules(
            Self.rule(
                "Admin Share", service: "security",
                """
                    selection:
                        EventID: 5145
                        ShareName|endswith: '\\ADMIN$'
                        SubjectUserName|startswith: 'bo'
                    condition: selection
                """) + "\n---\n"
                + Self.rule(
                    "PsExec Service", service: "system",
                    """
                        selection:
                            Provider_Name: 'Service Control Manager'
                            EventID: 7045
                            ServiceName: 'PSEXESVC'
                        condition: selection
                    """) + "\n---\n"
                + Self.rule(
                    "Disabled Account Logon", service: "security",
                    """
                        selection:
                            EventID: 4625
                            SubStatus: '0xC0000072'
                            IpAddress: '-'
                            LogonType: 3
                        condition: selection
                    """))
        #expect(set.loadedCount == 3, "\(set.statuses.map(\.state))")
        let lines = h.matchedLines(set)
        #expect(lines["Admin Share"] == [1])
        #expect(lines["PsExec Service"] == [3])
        #expect(lines["Disabled Account Logon"] == [5])
    }

    @Test func aFieldAbsentFromTheRecordMatchesOnlyNullAndNotExists() throws {
        let h = try SigmaHarness(["fs01/events.jsonl": Self.export(Self.events)])
        let set = SigmaHarness.rules(
            Self.rule(
                "No Share Name", service: "security",
                """
                    selection:
                        EventID:
                            - 5145
                            - 4625
                        ShareName: null
                    condition: selection
                """) + "\n---\n"
                + Self.rule(
                    "Access Mask Over One", service: "security",
                    """
                        selection:
                            AccessMask|gt: 1
                        filter:
                            RelativeTargetName|exists: false
                        condition: selection and not filter
                    """))
        let lines = h.matchedLines(set)
        #expect(lines["No Share Name"] == [5])
        #expect(lines["Access Mask Over One"] == [1])
    }

    @Test func keywordsSearchTheWindowsRecord() throws {
        let h = try SigmaHarness(["fs01/events.jsonl": Self.export(Self.events)])
        let set = SigmaHarness.rules(
            Self.rule(
                "PsExec Anywhere", service: "security",
                """
                    keywords:
                        - 'psexesvc'
                    condition: keywords
                """))
        #expect(set.loadedCount == 1, "\(set.statuses.map(\.state))")
        #expect(h.matchedLines(set)["PsExec Anywhere"] == [1])
    }

    @Test func hostileFieldValuesNeverCrashAndCompareAsBytes() throws {
        var e = Self.events[0]
        e["ShareName"] = "\\\\*\\ADMIN$\u{1b}[31m\u{0}"
        e["RelativeTargetName"] = String(repeating: "A", count: 20_000)
        let h = try SigmaHarness(["fs01/events.jsonl": Self.export([e])])
        let set = SigmaHarness.rules(
            Self.rule(
                "Long Target", service: "security",
                """
                    selection:
                        RelativeTargetName|endswith: 'AAAA'
                        ShareName|contains: 'ADMIN$'
                    condition: selection
                """))
        #expect(h.matchedLines(set)["Long Target"] == [1])
    }

    @Test(.enabled(if: SigmaHQCoverageTests.sigmaHQ != nil, "../shared/realdata/sigma is absent"))
    func atLeast95PercentOfTheRulesForLogSourcesDwellReadsRun() throws {
        let set = SigmaRuleSet.load(paths: [try #require(SigmaHQCoverageTests.sigmaHQ).path])
        // Measured at SigmaHQ 8eaafff: 363 of the 376 rules whose log source dwell reads run (96.5%); 222 are for
        // sources it does not read (auditd, Linux process creation, file and network events, Zeek x509).
        let share = Double(set.loadedOfSourceReadCount) / Double(set.sourceReadCount)
        #expect(share >= 0.95, "\(set.loadedOfSourceReadCount) of \(set.sourceReadCount)")
        #expect(set.sourceReadCount > 370)
        #expect(set.coverageText.hasPrefix("coverage: \(set.loadedOfSourceReadCount) of the \(set.sourceReadCount) rules"))
        #expect(set.coverageText.contains("not counted: \(set.statuses.count - set.sourceReadCount) rules for log sources"))
        // No rule whose log source dwell does not read is loaded.
        #expect(!set.statuses.contains { !$0.sourceRead && $0.state == .loaded })
    }
}
