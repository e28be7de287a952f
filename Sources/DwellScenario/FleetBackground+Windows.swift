/// The Windows servers' background (fleets with `windowsLogs`): domain logons from the workstations all day
/// (4624 type 3 Kerberos and their 4634), RDP password guessing from the Internet against the exposed terminal
/// server (4625, bad user and bad password), administrators working over RDP from the VPN (1149, 4624 type 10,
/// 4672, 21, 4647, 4634), and nightly updates installing services and scheduled tasks (7045, 4697, 4698).
extension FleetBackground {
    mutating func windowsHour(_ hour: Int, start: Micros, e: inout FleetEmitter) {
        guard fleet.windowsLogs, let ts = fleet.host(named: "ts01") else { return }
        let shape = Self.dayShape[hour % 24]
        var r = ScenarioRandom(seed, 0xE1, UInt64(hour))
        // Domain logons: a workstation's user reaches the DC, the file server or the database server.
        let targets = fleet.windows.filter { $0 != ts }
        for _ in 0..<r.poisson(mean: 80 * scale * shape + 6) {
            let ws = r.pick(fleet.workstations)
            let person = r.pick(fleet.users)
            let target = r.pick(targets)
            let t = start + Micros(r.int(0...3_599_000_000))
            let end = t + Micros(r.int(1...180)) * microsPerSecond
            e.windowsLogon(
                host: target, user: person.name, from: ws.address, port: Self.port(&r), rdp: false, admin: false,
                at: t, until: end < windowEnd ? end : nil, random: &r)
            noteBenign(person.name, on: target, at: t)
        }
        // RDP password guessing from the Internet against the terminal server: nobody gets in.
        var g = ScenarioRandom(seed, 0xE2, UInt64(hour))
        guard g.chance(0.6) else { return }
        let names = ["administrator", "admin", "user", "test", "rdp", "guest", "backup", "scanner", "support"]
        for _ in 0..<g.int(1...2) {
            let source = internet(&g)
            notes.bruteForceSources.insert(source)
            var t = start + Micros(g.int(0...3_000_000_000))
            let workstation = "WIN-" + String(g.int(0x10_0000...0xFF_FFFF), radix: 16).uppercased()
            for _ in 0..<g.int(25...70) {
                let user = g.pick(names)
                let port = Self.port(&g)
                e.conn(
                    t - Micros(g.int(100_000...400_000)), from: source, port, to: fleet.hosts[ts].address, 3389,
                    duration: Micros(g.int(200_000...2_000_000)), bytesOut: g.int(1_500...4_000),
                    bytesIn: g.int(1_500...5_000), random: &g)
                e.windows(
                    ts, t, 4625,
                    [
                        "SubjectUserSid": "S-1-0-0", "SubjectLogonId": "0x0", "TargetUserName": user,
                        "TargetDomainName": "", "Status": "0xc000006d",
                        "SubStatus": user == "administrator" ? "0xc000006a" : "0xc0000064", "LogonType": "3",
                        "LogonProcessName": "NtLmSsp ", "AuthenticationPackageName": "NTLM",
                        "WorkstationName": workstation, "KeyLength": "0", "IpAddress": source.description,
                        "IpPort": String(port),
                    ])
                notes.bruteForceConnections += 1
                t += Micros(g.int(1_000_000...40_000_000))
            }
        }
    }

    /// Once a day: administrators over RDP from the VPN, and updates installing services and tasks at night.
    mutating func windowsDay(_ day: Int, dayStart: Micros, weekend: Bool, e: inout FleetEmitter) {
        guard fleet.windowsLogs, let ts = fleet.host(named: "ts01"), let sql = fleet.host(named: "sql01") else {
            return
        }
        for (i, user) in fleet.users.enumerated() where user.isAdmin {
            var r = ScenarioRandom(seed, 0xE3, UInt64(day), UInt64(i))
            guard r.chance(weekend ? 0.05 : 0.4) else { continue }
            let host = r.chance(0.3) ? sql : ts
            let t = dayStart + Micros(r.int((8 * 3_600)...(18 * 3_600))) * microsPerSecond + Micros(r.int(0...999_999))
            let end = t + Micros(r.int(600...7_200)) * microsPerSecond
            e.windowsLogon(
                host: host, user: user.name, from: user.vpnAddress, port: Self.port(&r), rdp: true, admin: true,
                workstation: "LAPTOP-" + user.name.uppercased(), at: t, until: end < windowEnd ? end : nil, random: &r)
            noteBenign(user.name, on: host, at: t)
        }
        var r = ScenarioRandom(seed, 0xE4, UInt64(day))
        let updates = [
            ("edgeupdate", "\"C:\\Program Files (x86)\\Microsoft\\EdgeUpdate\\MicrosoftEdgeUpdate.exe\" /svc"),
            ("MicrosoftEdgeElevationService", "\"C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\elevation_service.exe\""),
            ("WdNisSvc", "\"C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.24090-11\\NisSrv.exe\""),
        ]
        let tasks = [
            "\\Microsoft\\Windows\\UpdateOrchestrator\\Schedule Scan",
            "\\MicrosoftEdgeUpdateTaskMachineCore", "\\Microsoft\\Windows\\WindowsUpdate\\Scheduled Start",
        ]
        for h in fleet.windows where r.chance(0.5) {
            let t = dayStart + Micros(r.int((2 * 3_600)...(5 * 3_600))) * microsPerSecond + Micros(r.int(0...999_999))
            let machine = fleet.hosts[h].name.uppercased() + "$"
            let (name, image) = r.pick(updates)
            e.windows(
                h, t, 4697,
                [
                    "SubjectUserName": machine, "SubjectDomainName": "CORP", "SubjectLogonId": "0x3e7",
                    "ServiceName": name, "ServiceFileName": image, "ServiceType": "0x10", "ServiceStartType": "2",
                    "ServiceAccount": "LocalSystem",
                ])
            e.windows(
                h, t + 1_500, 7045, channel: "System",
                ["ServiceName": name, "ImagePath": image, "ServiceType": "user mode service", "StartType": "auto start",
                 "AccountName": "LocalSystem"])
            e.windows(
                h, t + Micros(r.int(5...90)) * microsPerSecond, 4698,
                ["SubjectUserName": machine, "SubjectDomainName": "CORP", "SubjectLogonId": "0x3e7", "TaskName": r.pick(tasks)])
        }
    }

    /// A benign logon to a host the attacker holds, after its compromise: the ground truth names the account.
    mutating func noteBenign(_ user: String, on host: Int, at t: Micros) {
        if let fell = facts.compromisedAt[host], t > fell { notes.benignAccountsAfterCompromise.insert("CORP\\" + user) }
    }
}
