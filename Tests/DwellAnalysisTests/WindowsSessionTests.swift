import DwellAnalysis
import DwellCore
import DwellIngest
import DwellPipeline
import DwellTestSupport
import Foundation
import Testing

/// A Windows logon (4624) and its logoff (4634/4647) with the same `TargetLogonId` on the same computer give the
/// session's end: the attacker's presence on the host, which decides whether a later login out of it is theirs.
@Suite struct WindowsSessionTests {
    static let attacker = "203.0.113.9"

    /// One flat-JSON record (the shape of public research exports).
    /// `minute` is below 60.
    static func record(_ minute: Int, _ id: Int, host: String, _ fields: [String: String]) -> String {
        let time = String(format: "2026-03-10T10:%02d:00.000Z", minute)
        var parts = [
            "\"@timestamp\":\"\(time)\"", "\"EventID\":\(id)", "\"Hostname\":\"\(host)\"", "\"Channel\":\"Security\"",
        ]
        for (k, v) in fields.sorted(by: { $0.key < $1.key }) { parts.append("\"\(k)\":\"\(v)\"") }
        return "{" + parts.joined(separator: ",") + "}"
    }

    static func logon(_ minute: Int, on host: String, user: String, from ip: String, type: Int, logonID: String)
        -> String
    {
        record(
            minute, 4624, host: host,
            [
                "TargetUserName": user, "TargetDomainName": "CORP", "IpAddress": ip, "IpPort": "50123",
                "LogonType": String(type), "AuthenticationPackageName": "Negotiate", "TargetLogonId": logonID,
                "WorkstationName": "-",
            ])
    }

    static func logoff(_ minute: Int, _ id: Int = 4634, on host: String, user: String, logonID: String) -> String {
        record(minute, id, host: host, ["TargetUserName": user, "TargetDomainName": "CORP", "TargetLogonId": logonID])
    }

    /// The attacker RDPs into SRV1 (10.0.5.11) as CORP\eve and logs off at minute 20; at minute 40 bob logs on
    /// from SRV1 to SRV2, a route never taken before. `closing` is the logon id the logoff names.
    static func investigate(closing logoffID: String, logoffEvent: Int = 4634) throws -> Investigation {
        let dir = try Fixture.temporaryDirectory("windows-sessions")
        let lines = [
            logon(1, on: "SRV1", user: "alice", from: "10.0.8.20", type: 10, logonID: "0x1a2b"),
            logoff(5, on: "SRV1", user: "alice", logonID: "0x1a2b"),
            logon(10, on: "SRV1", user: "eve", from: attacker, type: 10, logonID: "0x3e4f5"),
            logoff(20, logoffEvent, on: "SRV1", user: "eve", logonID: logoffID),
            logon(40, on: "SRV2", user: "bob", from: "10.0.5.11", type: 3, logonID: "0x77aa"),
        ]
        let file = dir.appendingPathComponent("security.jsonl")
        try (lines.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        let hosts = [HostMapEntry(address: try #require(IPAddress("10.0.5.11")), host: "SRV1")]
        return InvestigationRun.run(
            paths: [file.path], options: IngestOptions(jobs: 1), seeds: [try #require(Seed(parsing: attacker))],
            hostEntries: hosts
        ).investigation
    }

    @Test func logoffWithTheSameLogonIdEndsTheAttackersPresence() throws {
        for event in [4634, 4647] {
            let inv = try Self.investigate(closing: "0x3e4f5", logoffEvent: event)
            #expect(inv.hosts.map(\.host) == ["SRV1"])
            #expect(inv.edges.isEmpty)
            let risk = try #require(inv.atRisk.first { $0.account == "CORP\\bob" })
            #expect(risk.from == "SRV1" && risk.to == "SRV2")
            #expect(risk.reason.contains("outside the attacker's presence"))
            // The window ends at the logoff: the session's last event.
            #expect(inv.lastSeen?.iso8601(fractionDigits: 0) == "2026-03-10T10:20:00Z")
        }
    }

    @Test func logoffOfAnotherLogonLeavesTheSessionOpen() throws {
        // The logoff names another logon id: eve's session stays open (four hours), so bob's first-ever route out
        // of SRV1 while the attacker is there is stolen credentials.
        let inv = try Self.investigate(closing: "0x99999")
        #expect(Set(inv.hosts.map(\.host)) == ["SRV1", "SRV2"])
        #expect(inv.edges.map { "\($0.from)>\($0.to):\($0.account):\($0.method)" } == ["SRV1>SRV2:CORP\\bob:network"])
        #expect(inv.atRisk.isEmpty)
    }
}
