import DwellAnalysis
import DwellCore
import DwellIngest
import DwellPipeline
import DwellTestSupport
import Foundation
import Testing

/// An attacker with a root shell on a host holds every account change made there while the shell is open. Fleet
/// configuration management can roll out an agent's account on every host at that moment, through its own session
/// and sudo: that account is no persistence of the attacker's. The same change logged on other hosts the attacker
/// never reached tells a rollout; the attacker's own account, created only where the attacker is, stays in scope.
@Suite struct RolloutAccountTests {
    static func lines(rolloutElsewhere: Bool, elsewhereDaysBefore: Int = 0) -> [String] {
        var out: [String] = []
        // The way in: guessing, then a password accepted, then a root shell.
        for k in 0..<12 {
            let s = String(format: "%02d", k)
            out.append(
                "Mar  9 10:00:\(s) bastion01 sshd[\(100 + k)]: Failed password for support from 198.51.100.7 port \(50000 + k) ssh2")
        }
        out += [
            "Mar  9 10:13:15 bastion01 sshd[9170]: Accepted password for support from 198.51.100.7 port 59609 ssh2",
            "Mar  9 10:13:15 bastion01 sshd[9170]: pam_unix(sshd:session): session opened for user support(uid=1090) by (uid=0)",
            "Mar  9 10:16:00 bastion01 sudo:  support : TTY=pts/5 ; PWD=/home/support ; USER=root ; COMMAND=/bin/bash",
            "Mar  9 10:16:00 bastion01 sudo[55945]: pam_unix(sudo:session): session opened for user root(uid=0) by support(uid=1090)",
            // The attacker's own account, 2 min 17 s into the root shell.
            "Mar  9 10:18:17 bastion01 useradd[31176]: new group: name=svc-backup, GID=1176",
            "Mar  9 10:18:17 bastion01 useradd[31176]: new user: name=svc-backup, UID=1176, GID=1176, home=/home/svc-backup, shell=/bin/bash, from=none",
        ]
        // Configuration management: its session and sudo on each host, and the agent's account.
        let hosts = rolloutElsewhere ? ["bastion01", "dns01", "mon01", "ci01"] : ["bastion01"]
        for (k, host) in hosts.enumerated() {
            let m = String(format: "%02d", 33 + k)
            // The other hosts on the same morning, or (a slow rollout) days before.
            let day = "Mar  \(9 - elsewhereDaysBefore * k)"
            out += [
                "\(day) 10:\(m):06 \(host) sshd[\(13_688 + k)]: Accepted publickey for ansible from 10.0.4.20 port \(47_181 + k) ssh2",
                "\(day) 10:\(m):10 \(host) sudo:  ansible : PWD=/home/ansible ; USER=root ; COMMAND=/bin/sh -c echo BECOME-SUCCESS-f4hrjj ; /usr/bin/python3 /home/ansible/.ansible/tmp/AnsiballZ_apt.py",
                "\(day) 10:\(m):57 \(host) useradd[30997]: new group: name=node_exporter, GID=997",
                "\(day) 10:\(m):57 \(host) useradd[30997]: new user: name=node_exporter, UID=997, GID=997, home=/home/node_exporter, shell=/bin/bash, from=none",
            ]
        }
        out.append(
            "Mar  9 11:06:43 bastion01 sshd[9170]: pam_unix(sshd:session): session closed for user support")
        return out.sorted()
    }

    static func investigate(_ lines: [String]) throws -> Investigation {
        let dir = try Fixture.temporaryDirectory("rollout-account")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("auth.log")
        _ = try Fixture.write(lines.joined(separator: "\n") + "\n", to: file)
        return InvestigationRun.run(paths: [file.path], options: IngestOptions(jobs: 1, year: 2026), seeds: [])
            .investigation
    }

    @Test func anAgentAccountRolledOutAcrossTheFleetIsNotTheAttackers() throws {
        let inv = try Self.investigate(Self.lines(rolloutElsewhere: true))
        let accounts = Set(inv.accounts.map(\.value))
        #expect(accounts == ["support", "svc-backup"], "\(accounts.sorted())")
        #expect(Set(inv.hosts.map(\.host)) == ["bastion01"])
    }

    /// A slow rollout: the agent's account reached the other hosts days before, a host every other day.
    @Test func anAgentAccountRolledOutOverDaysIsNotTheAttackers() throws {
        let inv = try Self.investigate(Self.lines(rolloutElsewhere: true, elsewhereDaysBefore: 2))
        let accounts = Set(inv.accounts.map(\.value))
        #expect(accounts == ["support", "svc-backup"], "\(accounts.sorted())")
    }

    /// The same account created on the held host alone, during the root shell, is the attacker's as before: only a
    /// change seen on hosts the attacker does not hold is called a rollout.
    @Test func anAccountCreatedOnlyWhereTheAttackerIsStaysInScope() throws {
        let inv = try Self.investigate(Self.lines(rolloutElsewhere: false))
        let accounts = Set(inv.accounts.map(\.value))
        #expect(accounts == ["node_exporter", "support", "svc-backup"], "\(accounts.sorted())")
    }
}
