import DwellAnalysis
import DwellCore
import DwellIngest
import DwellPipeline
import DwellTestSupport
import Foundation
import Testing

/// A cloud jump host reached straight from the Internet, whose people work from home: each gets a new address from
/// their ISP's pool every day and goes on from the jump host to the servers. The sensor sees the jump host only
/// from inside (its onward connections); sshd logs no address of its own. An attacker with carol's password logs in
/// from a VPS, goes on to db-1, becomes root, creates an account and carries a database out to the VPS; the next
/// day the attacker comes back from a neighbouring address. Meanwhile carol keeps working as every day.
///
/// Written by hand, not by dwell's generator (evidence found on a generator of the lead's that writes RHEL `secure`
/// files and Zeek JSON): before these rules dwell said "No attack found" on it, then, once the jump host's address
/// was learned, took carol's own next home address for the attacker's and her day's hops for lateral movement.
@Suite struct RoamingOwnerTests {
    static let attacker = "45.142.121.77"
    static let attackerReturn = "45.142.121.80"
    /// 2026-03-09T00:00:00Z.
    static let day0: Int64 = 1_773_014_400

    struct Evidence {
        var auth: [(Int64, String)] = []
        var conn: [(Int64, String)] = []
        var pid = 4000
        var port = 40000

        static func stamp(_ t: Int64) -> String {
            let d = Date(timeIntervalSince1970: TimeInterval(t))
            var cal = Calendar(identifier: .gregorian)
            cal.timeZone = TimeZone(identifier: "UTC")!
            let c = cal.dateComponents([.day, .hour, .minute, .second], from: d)
            return String(format: "Mar %2d %02d:%02d:%02d", c.day!, c.hour!, c.minute!, c.second!)
        }

        mutating func line(_ t: Int64, _ host: String, _ program: String, _ pid: Int, _ message: String) {
            auth.append((t, "\(Self.stamp(t)) \(host) \(program)[\(pid)]: \(message)"))
        }

        mutating func flow(_ t: Int64, _ from: String, _ port: Int, _ to: String, _ toPort: Int, sent: Int) {
            conn.append(
                (
                    t,
                    #"{"ts":\#(t).0,"uid":"C\#(conn.count)","id.orig_h":"\#(from)","id.orig_p":\#(port),"id.resp_h":"\#(to)","id.resp_p":\#(toPort),"proto":"tcp","duration":60.0,"orig_bytes":\#(sent),"resp_bytes":4000,"conn_state":"SF"}"#
                ))
        }

        /// A login by `user` from `source` (a flow when the source is inside), its sudo commands, its close.
        mutating func login(
            _ t: Int64, _ host: String, _ hostAddress: String?, _ user: String, _ source: String, method: String = "publickey",
            sudo: [String] = [], length: Int64 = 1200
        ) {
            pid += 7
            port += 13
            let p = pid
            if let hostAddress { flow(t - 1, source, port, hostAddress, 22, sent: 40_000) }
            line(t, host, "sshd", p, "Accepted \(method) for \(user) from \(source) port \(port) ssh2")
            line(t, host, "sshd", p, "pam_unix(sshd:session): session opened for user \(user)(uid=1000) by (uid=0)")
            for (k, command) in sudo.enumerated() {
                line(
                    t + 30 + Int64(k) * 40, host, "sudo", p + 1,
                    "  \(user) : TTY=pts/1 ; PWD=/home/\(user) ; USER=root ; COMMAND=\(command)")
            }
            line(t + length, host, "sshd", p, "Received disconnect from \(source) port \(port):11: disconnected by user")
            line(t + length, host, "sshd", p, "pam_unix(sshd:session): session closed for user \(user)")
        }
    }

    static let addresses = ["db-1": "10.20.1.21", "web-1": "10.20.0.11", "app-1": "10.20.1.31"]
    static let jumpInside = "10.20.0.5"

    /// Four days; the attack on `attackDay` (the third by default; the first leaves nothing before it to learn carol's
    /// habits from), the return the next day. `ownerBeforeAttacker`: carol's own login twenty minutes before the
    /// attacker's, with her hop to db-1 still open when the attacker acts there.
    static func evidence(ownerBeforeAttacker: Bool, attackDay: Int = 2) -> Evidence {
        var e = Evidence()
        let people: [(String, String, [String])] = [
            ("alice", "81.2", ["web-1", "app-1"]), ("bob", "94.14", ["db-1", "app-1"]),
            ("carol", "176.58", ["web-1", "db-1", "app-1"]),
        ]
        for d in 0..<4 {
            for (n, (user, pool, usual)) in people.enumerated() {
                let home = "\(pool).\(30 + d * 17 + n).\(10 + d)"
                for (k, start) in [9 * 3600 + n * 600, 16 * 3600 + n * 900].enumerated() {
                    let t = day0 + Int64(d * 86_400 + start)
                    e.login(t, "jump", nil, user, home, length: 3000)
                    for (h, host) in usual.enumerated() where (h + k + d) % 2 == 0 || h == 0 {
                        e.login(
                            t + 60 + Int64(h) * 120, host, addresses[host], user, jumpInside,
                            sudo: (d + h) % 3 == 0 ? ["/bin/bash"] : ["/usr/bin/systemctl status app"], length: 900)
                    }
                }
            }
        }
        // The attack, at 14:00.
        let t = day0 + Int64(attackDay) * 86_400 + 14 * 3600
        if ownerBeforeAttacker {
            e.login(t - 1200, "jump", nil, "carol", "176.58.99.12", length: 3600)
            e.login(t - 1100, "db-1", addresses["db-1"], "carol", jumpInside, sudo: ["/bin/bash"], length: 2400)
        }
        e.login(t, "jump", nil, "carol", attacker, method: "password", length: 2400)
        e.login(t + 95, "db-1", addresses["db-1"], "carol", jumpInside, method: "password", sudo: ["/bin/bash"], length: 1800)
        e.line(t + 400, "db-1", "useradd", 9001, "new group: name=backup2, GID=1502")
        e.line(
            t + 400, "db-1", "useradd", 9001,
            "new user: name=backup2, UID=1502, GID=1502, home=/home/backup2, shell=/bin/bash, from=/dev/pts/2")
        e.flow(t + 800, addresses["db-1"]!, 51000, attacker, 22, sent: 1_200_000_000)
        // The return, the next evening; and carol, that day, from her ISP's next lease.
        e.login(t + 86_400 + 3 * 3600, "jump", nil, "carol", attackerReturn, method: "password", length: 300)
        return e
    }

    static func investigate(_ e: Evidence) throws -> Investigation {
        let dir = try Fixture.temporaryDirectory("roaming-owner")
        defer { try? FileManager.default.removeItem(at: dir) }
        let auth = dir.appendingPathComponent("secure")
        let conn = dir.appendingPathComponent("conn.log")
        _ = try Fixture.write(e.auth.sorted { $0.0 < $1.0 }.map(\.1).joined(separator: "\n") + "\n", to: auth)
        _ = try Fixture.write(e.conn.sorted { $0.0 < $1.0 }.map(\.1).joined(separator: "\n") + "\n", to: conn)
        return InvestigationRun.run(
            paths: [auth.path, conn.path], options: IngestOptions(jobs: 1, year: 2026), seeds: []
        ).investigation
    }

    @Test func theJumpHostsInsideAddressIsLearnedFromTheLoginsMadeOutOfIt() throws {
        let inv = try Self.investigate(Self.evidence(ownerBeforeAttacker: false))
        let binding = inv.hostAddresses.first { $0.address == Self.jumpInside }
        #expect(binding?.host == "jump")
        #expect(binding?.source.contains("while the account held a session on jump") == true)
        // The hop names the jump host, not its address.
        #expect(inv.edges.map { "\($0.from)>\($0.to) \($0.account)" } == ["jump>db-1 carol"])
    }

    @Test(arguments: [2, 0])
    func aStolenPasswordUsedThroughTheJumpHostIsFoundAndTheOwnersLeasesAreNotTheAttackers(attackDay: Int) throws {
        for ownerFirst in [false, true] {
            let inv = try Self.investigate(Self.evidence(ownerBeforeAttacker: ownerFirst, attackDay: attackDay))
            #expect(Set(inv.hosts.map(\.host)) == ["jump", "db-1"], "owner first: \(ownerFirst)")
            #expect(Set(inv.sourceIPs.map(\.value)) == [Self.attacker, Self.attackerReturn], "owner first: \(ownerFirst)")
            #expect(Set(inv.accounts.map(\.value)) == ["carol", "backup2"], "owner first: \(ownerFirst)")
            let start = Self.day0 + Int64(attackDay) * 86_400 + 14 * 3600
            #expect(inv.firstSeen.map { $0.microseconds / 1_000_000 } ?? 0 >= start - 1, "owner first: \(ownerFirst)")
            #expect(
                inv.lastSeen.map { $0.microseconds / 1_000_000 } == start + 86_400 + 3 * 3600 + 300,
                "owner first: \(ownerFirst)")
        }
    }
}
