import DwellCore
import DwellIndex

/// Windows event log detections (the `win.*` rules): each reads the Windows event id that the readers keep in
/// `signature` (`4624`, `7045`, …) together with the normalised fields.
extension Detectors {
    /// The Windows event id of event `i`, or `nil` for events of other formats.
    func windowsEventID(_ i: Int, _ cache: inout [UInt32: Int]) -> Int? {
        let s = store.signature[i]
        guard s != 0, store.kind[i] != .alert else { return nil }
        if let id = cache[s] { return id >= 0 ? id : nil }
        let id = Int(text(s)) ?? -1
        cache[s] = id
        return id >= 0 ? id : nil
    }

    func windowsFindings() -> [Finding] {
        let cleared = enabled("win.log_cleared")
        let service = enabled("win.service_installed")
        let psexec = enabled("win.psexec")
        let pth = enabled("win.pass_the_hash")
        let admin = enabled("win.admin_group_add")
        let explicit = enabled("win.explicit_credentials")
        let dcom = enabled("win.dcom_exec")
        let dump = enabled("win.secretsdump")
        guard [cleared, service, psexec, pth, admin, explicit, dcom, dump].contains(where: { $0 != nil }) else {
            return []
        }
        var ids: [UInt32: Int] = [:]
        var out: [Finding] = []
        var clearedAt: [String: (first: Int, all: [Int])] = [:]
        // Per (host, source address): the remote-service pipes and admin-share files touched (PsExec, secretsdump).
        struct Remote { var pipes = Set<String>(); var adminWrites: [Int] = []; var evidence: [Int] = [] }
        var remote: [String: Remote] = [:]
        var samAccess: [String: Int] = [:]
        func lower(_ id: UInt32) -> String { text(id).lowercased() }
        func hostImplication(_ i: Int) -> Implication { .compromisedHost(name: hostOf(i), address: nil) }
        for i in 0..<store.count {
            guard let id = windowsEventID(i, &ids) else { continue }
            let host = hostOf(i)
            let user = text(store.user[i])
            switch id {
            case 1102, 104:
                guard cleared != nil else { continue }
                if clearedAt[host] == nil { clearedAt[host] = (i, []) }
                clearedAt[host]?.all.append(i)
            case 7045, 4697:
                guard let r = service else { continue }
                let name = text(store.service[i])
                let image = text(store.command[i])
                let l = (name + " " + image).lowercased()
                let psexecLike = r.list("psexec_patterns").contains { l.contains($0) }
                var f = finding(
                    r, severity: psexecLike ? .high : nil, at: i,
                    indicators: [.host("\(host)")] + (image.isEmpty ? [] : [.command("\(image)")]),
                    why: "service '\(name)' installed on \(host) (event \(id)), binary \(image)"
                        + (psexecLike ? " (a remote-execution tool's pattern, rule list 'psexec_patterns')" : ""),
                    evidence: [i])
                // Updates and installers add services every week: only a remote-execution tool's service is a
                // compromise of the host; any other is context (win.remote_service ties one to a remote logon).
                f.role = psexecLike ? .compromise : .context
                f.implies = psexecLike ? [hostImplication(i)] : []
                out.append(f)
            case 4624:
                guard let r = pth else { continue }
                let d = text(store.detail[i])
                let src = store.sourceIP[i]
                guard store.service[i] != 0, text(store.service[i]) == "network",
                    lower(store.authMethod[i]) == "ntlm", d.contains("KeyLength=0"), src != 0,
                    let a = store.address(src), !a.isLoopback, !user.uppercased().hasSuffix("ANONYMOUS LOGON"),
                    !user.hasSuffix("$")
                else { continue }
                var f = finding(
                    r, at: i, indicators: [.ip("\(a)"), .user("\(user)"), .host("\(host)")],
                    why: "network logon of \(user) on \(host) from \(a) with NTLM and session key length 0 (\(d)): the shape of pass-the-hash",
                    evidence: [i])
                f.role = .compromise
                f.implies = [.compromisedAccount(user), hostImplication(i), .attackerAddress(a)]
                out.append(f)
            case 4728, 4732, 4756:
                guard let r = admin else { continue }
                let group = text(store.detail[i])
                guard r.list("groups").contains(where: { $0.lowercased() == group.lowercased() }) else { continue }
                let member = text(store.targetUser[i])
                var f = finding(
                    r, at: i, indicators: [.user("\(member)"), .host("\(host)")],
                    why: "\(member) added to \(group) on \(host) by \(user) (event \(id))", evidence: [i])
                f.role = .compromise
                f.implies = [hostImplication(i)] + (user.isEmpty ? [] : [.compromisedAccount(user)])
                out.append(f)
            case 4648:
                guard let r = explicit else { continue }
                let server = text(store.domain[i])
                let target = text(store.targetUser[i])
                let local = server.isEmpty || server.lowercased() == "localhost"
                    || host.lowercased().hasPrefix(server.lowercased().split(separator: ".").first.map(String.init) ?? "\u{0}")
                guard !local else { continue }
                var f = finding(
                    r, at: i, indicators: [.user("\(user)"), .user("\(target)"), .host("\(host)")],
                    why: "\(user) on \(host) used the explicit credentials of \(target) for \(server) (event 4648)",
                    evidence: [i])
                f.role = .attempt
                out.append(f)
            case 4688, 1:
                guard let r = dcom else { continue }
                let c = lower(store.command[i])
                guard r.list("commands").contains(where: { c.contains($0) }) else { continue }
                var f = finding(
                    r, at: i, indicators: [.host("\(host)"), .command("\(text(store.command[i]))")] + (user.isEmpty ? [] : [.user("\(user)")]),
                    why: "\(text(store.command[i])) started on \(host) as \(user): a COM object launched remotely (DCOM)",
                    evidence: [i])
                f.role = .compromise
                f.implies = [hostImplication(i)] + (user.isEmpty ? [] : [.compromisedAccount(user)])
                out.append(f)
            case 5140, 5145:
                guard psexec != nil || dump != nil, store.sourceIP[i] != 0, let a = store.address(store.sourceIP[i]),
                    !a.isLoopback
                else { continue }
                let p = lower(store.path[i])
                let key = "\(host)|\(a)"
                var rem = remote[key] ?? Remote()
                for pipe in ["svcctl", "winreg", "samr", "atsvc"] where p.hasSuffix("\\" + pipe) { rem.pipes.insert(pipe) }
                if p.hasPrefix("\\\\*\\admin$\\") || p.contains("admin$\\"), p.hasSuffix(".tmp") || p.hasSuffix(".exe") {
                    rem.adminWrites.append(i)
                }
                if rem.evidence.count < 8 { rem.evidence.append(i) }
                remote[key] = rem
            case 4656, 4663:
                if lower(store.path[i]).hasSuffix("\\sam") || text(store.detail[i]).uppercased().contains("\\SAM") {
                    samAccess[host] = samAccess[host] ?? i
                }
            default:
                continue
            }
        }
        if let r = cleared {
            for (host, c) in clearedAt.sorted(by: { $0.value.first < $1.value.first }) {
                let i = c.first
                var f = finding(
                    r, at: i, indicators: [.host("\(host)")] + (store.user[i] != 0 ? [.user("\(text(store.user[i]))")] : []),
                    why: "\(c.all.count) event log(s) cleared on \(host) by \(text(store.user[i])) (events 1102/104): evidence before \(store.timestamp(i).iso8601(fractionDigits: 0)) may be gone",
                    evidence: Array(c.all.prefix(5)))
                f.role = .compromise
                f.implies = [hostImplication(i)] + (store.user[i] != 0 ? [.compromisedAccount(text(store.user[i]))] : [])
                f.count = c.all.count
                out.append(f)
            }
        }
        for (key, rem) in remote.sorted(by: { $0.key < $1.key }) {
            let parts = key.split(separator: "|", maxSplits: 1).map(String.init)
            guard parts.count == 2, let first = rem.evidence.first, let a = store.address(store.sourceIP[first]) else {
                continue
            }
            let host = parts[0]
            if let r = dump, rem.pipes.contains("winreg"), !rem.adminWrites.isEmpty || samAccess[host] != nil {
                var f = finding(
                    r, at: first, indicators: [.ip("\(a)"), .host("\(host)")],
                    why: "\(a) opened the remote registry (winreg) on \(host) and "
                        + (rem.adminWrites.isEmpty ? "the SAM was accessed" : "wrote \(rem.adminWrites.count) file(s) to ADMIN$")
                        + ": registry hives dumped remotely (secretsdump)",
                    evidence: rem.evidence + rem.adminWrites.prefix(3) + (samAccess[host].map { [$0] } ?? []))
                f.role = .compromise
                f.implies = [.compromisedHost(name: host, address: nil), .attackerAddress(a)]
                out.append(f)
            } else if let r = psexec, rem.pipes.contains("svcctl"), !rem.adminWrites.isEmpty {
                var f = finding(
                    r, at: first, indicators: [.ip("\(a)"), .host("\(host)")],
                    why: "\(a) wrote \(rem.adminWrites.count) file(s) to ADMIN$ on \(host) and opened the service manager (svcctl): PsExec-style remote execution",
                    evidence: rem.evidence + rem.adminWrites.prefix(3))
                f.role = .compromise
                f.implies = [.compromisedHost(name: host, address: nil), .attackerAddress(a)]
                out.append(f)
            }
        }
        return out
    }
}
