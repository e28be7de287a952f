import DwellCore
import DwellIndex

/// Windows detections that read a sequence of records rather than one: RDP from a new address, a service or
/// scheduled task made by a remote logon's session, an account created and then made an administrator, and
/// explicit credentials followed by remote execution.
extension Detectors {
    func windowsSequenceFindings() -> [Finding] {
        let rdpNew = enabled("win.rdp_new_source")
        let remoteService = enabled("win.remote_service")
        let remoteTask = enabled("win.remote_task")
        let createdAdmin = enabled("win.account_created_admin")
        let explicitExec = enabled("win.explicit_then_exec")
        guard [rdpNew, remoteService, remoteTask, createdAdmin, explicitExec].contains(where: { $0 != nil }) else {
            return []
        }
        let adminGroups = Set(rules.rule("win.admin_group_add").list("groups").map { $0.lowercased() })
        var ids: [UInt32: Int] = [:]
        var out: [Finding] = []
        var hostFirst: [UInt32: Int64] = [:]
        var loggedOnFrom: Set<UInt32> = []
        var rdpReported: Set<String> = []
        /// Remote logons (type 3 or 10 from another address) by (host, logon id) and by (host, account).
        struct Key: Hashable { var host: UInt32; var value: UInt32 }
        var remoteByLogon: [Key: Int] = [:]
        var remoteByUser: [Key: Int] = [:]
        /// Accounts created per host: (position, name, SID).
        var created: [UInt32: [(i: Int, name: String, sid: String)]] = [:]
        var createdReported: Set<Int> = []
        /// Explicit credentials (4648) still open: position, host, target server's short name, accounts.
        var explicit: [(i: Int, host: UInt32, server: String, user: UInt32, target: UInt32)] = []
        var explicitReported: Set<Int> = []
        let execTools = explicitExec.map { $0.list("commands") } ?? []

        func short(_ name: String) -> String {
            (name.split(separator: ".").first.map(String.init) ?? name).lowercased()
        }
        func isPerson(_ user: String) -> Bool {
            !user.isEmpty && !user.hasSuffix("$") && !user.uppercased().hasSuffix("ANONYMOUS LOGON")
                && !user.uppercased().hasSuffix("\\SYSTEM")
        }
        /// The remote logon a change on `host` by `user` in logon `logon` belongs to, within `window` before `t`.
        func remoteLogon(host: UInt32, user: UInt32, logon: UInt32, before t: Int64, window: Int64) -> Int? {
            if logon != 0, let j = remoteByLogon[Key(host: host, value: logon)] { return j }
            if user != 0, let j = remoteByUser[Key(host: host, value: user)], t - store.time[j] <= window { return j }
            return nil
        }
        /// An explicit-credential use this execution on `host` (at `i`) follows, within the rule's window.
        func explicitBefore(_ i: Int, onTarget host: String, orSource source: UInt32, by user: UInt32) -> Int? {
            guard let r = explicitExec else { return nil }
            let t = store.time[i]
            return explicit.last { e in
                guard t >= store.time[e.i], t - store.time[e.i] <= r.windowMicros else { return false }
                if !e.server.isEmpty && short(host) == e.server { return true }
                return e.host == source && user != 0 && (e.user == user || e.target == user)
            }?.i
        }
        func reportExplicit(_ e: Int, _ i: Int, how: String) {
            guard let r = explicitExec, explicitReported.insert(e).inserted else { return }
            let user = text(store.user[e])
            let target = text(store.targetUser[e])
            out.append(
                finding(
                    r, at: e,
                    indicators: [.host("\(hostOf(e))"), .host("\(hostOf(i))")] + (user.isEmpty ? [] : [.user("\(user)")])
                        + (target.isEmpty ? [] : [.user("\(target)")]),
                    why: "\(user) on \(hostOf(e)) used the explicit credentials of \(target) for \(text(store.domain[e])) (4648) at \(store.timestamp(e).iso8601(fractionDigits: 0)), and within \(r.windowText) \(how) at \(store.timestamp(i).iso8601(fractionDigits: 0))",
                    evidence: [e, i], role: .attempt))
        }

        for i in 0..<store.count {
            let h = store.host[i]
            if h != 0, hostFirst[h] == nil { hostFirst[h] = store.time[i] }
            guard let id = windowsEventID(i, &ids) else { continue }
            let t = store.time[i]
            let host = hostOf(i)
            let user = text(store.user[i])
            switch id {
            case 4624, 1149:
                let src = store.sourceIP[i]
                guard store.kind[i] == .authSuccess, src != 0, let a = store.address(src), !a.isLoopback else {
                    continue
                }
                let service = text(store.service[i])
                if service == "rdp" || service == "network", isPerson(user) {
                    if store.sessionID[i] != 0 { remoteByLogon[Key(host: h, value: store.sessionID[i])] = i }
                    if store.user[i] != 0 { remoteByUser[Key(host: h, value: store.user[i])] = i }
                }
                defer { loggedOnFrom.insert(src) }
                guard let r = rdpNew, service == "rdp", !loggedOnFrom.contains(src),
                    t - (hostFirst[h] ?? t) >= r.parameter("learn_seconds") * 1_000_000,
                    rdpReported.insert("\(host)|\(a)").inserted
                else { continue }
                out.append(
                    finding(
                        r, at: i, indicators: [.ip("\(a)"), .host("\(host)")] + (user.isEmpty ? [] : [.user("\(user)")]),
                        why: "RDP logon of \(user) on \(host) from \(a) (event \(id)), an address that never logged on to any host in the evidence before (the first \(RuleSet.durationText(r.parameter("learn_seconds"))) of each host's evidence only learns)",
                        evidence: [i], role: .context))
            case 4697, 4698:
                let r = id == 4697 ? remoteService : remoteTask
                if let e = explicitBefore(i, onTarget: host, orSource: 0, by: 0) {
                    reportExplicit(e, i, how: id == 4697 ? "a service was installed on \(host)" : "a task was scheduled on \(host)")
                }
                guard let r,
                    let j = remoteLogon(
                        host: h, user: store.user[i], logon: store.sessionID[i], before: t, window: r.windowMicros)
                else { continue }
                let what = text(store.service[i])
                let command = text(store.command[i])
                let from = store.address(store.sourceIP[j]).map { "\($0)" } ?? "?"
                out.append(
                    finding(
                        r, at: i,
                        indicators: [.host("\(host)"), .user("\(user)")] + (command.isEmpty ? [] : [.command("\(command)")]),
                        why: (id == 4697 ? "service '\(what)' installed" : "scheduled task '\(what)' created")
                            + " on \(host) by \(user) (event \(id)) in the \(text(store.service[j])) logon from \(from) at \(store.timestamp(j).iso8601(fractionDigits: 0))"
                            + (store.sessionID[i] != 0 && store.sessionID[i] == store.sessionID[j] ? " (same logon id)" : " (within \(r.windowText))"),
                        evidence: [j, i], role: .context))
            case 7045:
                if let e = explicitBefore(i, onTarget: host, orSource: 0, by: 0) {
                    reportExplicit(e, i, how: "a service was installed on \(host)")
                }
            case 4688, 1:
                let c = text(store.command[i]).lowercased()
                guard explicitExec != nil, execTools.contains(where: { c.contains($0) }),
                    let e = explicitBefore(i, onTarget: "", orSource: h, by: store.user[i])
                else { continue }
                reportExplicit(e, i, how: "\(user) ran \(text(store.command[i])) on \(host)")
            case 4648:
                let server = text(store.domain[i])
                guard explicitExec != nil, !server.isEmpty, server != "localhost", short(server) != short(host) else {
                    continue
                }
                explicit.append((i, h, short(server), store.user[i], store.targetUser[i]))
            case 4720:
                guard createdAdmin != nil else { continue }
                let name = text(store.targetUser[i])
                created[h, default: []].append((i, name, text(store.detail[i])))
            case 4728, 4732, 4756:
                guard let r = createdAdmin, adminGroups.contains(text(store.detail[i]).lowercased()) else { continue }
                let member = text(store.targetUser[i])
                let bare = member.split(separator: "\\").last.map(String.init) ?? member
                guard
                    let c = created[h]?.last(where: { c in
                        guard t - store.time[c.i] <= r.windowMicros else { return false }
                        let createdBare = c.name.split(separator: "\\").last.map(String.init) ?? c.name
                        return (!c.sid.isEmpty && member == c.sid) || member.lowercased() == c.name.lowercased()
                            || bare.lowercased() == createdBare.lowercased()
                            || member.lowercased().hasPrefix("cn=\(createdBare.lowercased()),")
                    }), createdReported.insert(c.i).inserted
                else { continue }
                let creator = text(store.user[c.i])
                var f = finding(
                    r, at: i, indicators: [.host("\(host)"), .user("\(c.name)")] + (creator.isEmpty ? [] : [.user("\(creator)")]),
                    why: "\(creator) created \(c.name) on \(host) (4720) and \(user) added it to \(text(store.detail[i])) (event \(id)) within \(r.windowText)",
                    evidence: [c.i, i])
                f.role = .compromise
                f.seeds = true
                f.implies = [.compromisedHost(name: host, address: nil)] + (creator.isEmpty ? [] : [.compromisedAccount(creator)])
                out.append(f)
            default:
                continue
            }
        }
        return out
    }
}
