/// The web-to-windows story: one incident across Linux and Windows.
extension FleetStory {
    /// A web shell on a Linux web server; the site's configuration holds a domain service account's password;
    /// WinRM with it from the web server into the terminal server (4624 type 3 NTLM, WinRM 91); there, the
    /// explicit credentials of a backup administrator (4648 naming the database server) and RDP onward (1149,
    /// 4624 type 10, 4672, 21); on the database server a service installed (4697, 7045), a local account created
    /// and added to Administrators (4720, 4732); exfiltration to a second address in the sensor's flows; logoffs
    /// (4647, 4634) with the logon ids of the logons they end.
    static func webToWindows(
        r: inout ScenarioRandom, fleet: Fleet, dayStart: Micros, a1: IPv4, a2: IPv4, e: inout FleetEmitter
    ) -> FleetFacts {
        var facts = FleetFacts()
        let web = r.pick(fleet.webs)
        guard let ts = fleet.host(named: "ts01"), let sql = fleet.host(named: "sql01") else { return facts }
        var t = (dayStart + seconds(&r, (10 * 3_600)...(15 * 3_600))).snappedMidSecond(&r)
        var browser = AttackerBrowser.arrive(web: web, from: a1, at: t, fleet: fleet, facts: &facts, e: &e, r: &r)
        func get(
            _ uri: String, _ status: Int, _ bytes: Int, method: String = "GET", e: inout FleetEmitter,
            r: inout ScenarioRandom
        ) { browser.get(uri, status, bytes, method: method, at: t, e: &e, r: &r) }
        for w in ["admin", "uploads", "backup", "api", ".env", "old", "panel", "wp-admin", "config", "static"] {
            t += Micros(r.int(200_000...1_500_000))
            let found = w == "admin" || w == "uploads" || w == "static"
            get("/" + w + (found ? "/" : ""), found ? 403 : 404, found ? 153 : 162, e: &e, r: &r)
        }
        t = (t + seconds(&r, 60...300)).snappedMidSecond(&r)
        uploadWebShell(at: &t, web: web, browser: &browser, fleet: fleet, facts: &facts, e: &e, r: &r)
        let shell = "/uploads/" + r.pick(["thumb", "img", "cache"]) + "_" + String(r.int(4_096...65_535), radix: 16) + ".php"
        for c in ["id", "cat+../config/ldap.ini", "getent+hosts+ts01", "python3+-m+pip+list"] {
            t += seconds(&r, 5...40)
            get(shell + "?c=" + c, 200, r.int(20...3_000), e: &e, r: &r)
        }
        facts.timeline.append((t, "ldap.ini on \(fleet.hosts[web].name) holds CORP\\svc-web's password"))

        // Times, planned first (a logon's records include its logoff).
        let reverseStart = t + Micros(r.int(100_000...600_000))
        let hop1 = (reverseStart + seconds(&r, 60...400)).snappedMidSecond(&r)
        let explicitAt = hop1 + seconds(&r, 60...300)
        let hop2 = (explicitAt + seconds(&r, 5...30)).snappedMidSecond(&r)
        let serviceAt = hop2 + seconds(&r, 40...200)
        let createAt = serviceAt + seconds(&r, 30...200)
        let exfilEnd = exfiltrate(
            from: sql, to: a2, port: 443, at: createAt + seconds(&r, 60...300), seconds: seconds(&r, 300...1_200),
            fleet: fleet, facts: &facts, e: &e, r: &r)
        let sqlEnd = (exfilEnd + seconds(&r, 20...200)).snappedMidSecond(&r)
        let tsEnd = (sqlEnd + seconds(&r, 10...120)).snappedMidSecond(&r)
        reverseShell(web: web, to: a1, at: reverseStart, until: tsEnd, fleet: fleet, facts: &facts, e: &e, r: &r)

        // WinRM from the web server into the terminal server with the service account's password.
        let tsLogon = e.windowsLogon(
            host: ts, user: "svc-web", from: fleet.hosts[web].address, port: port(&r), rdp: false, ntlm: true,
            winrm: true, admin: false, workstation: fleet.hosts[web].name.uppercased(), at: hop1, until: tsEnd,
            flags: a, random: &r)
        windowsHop(fleet.hosts[web].name, to: ts, account: "CORP\\svc-web", method: "winrm", at: hop1, fleet, &facts)
        // Explicit credentials of the backup administrator, for the database server (mstsc /v:sql01).
        e.windows(
            ts, explicitAt, 4648,
            [
                "SubjectUserName": "svc-web", "SubjectDomainName": "CORP", "SubjectLogonId": tsLogon,
                "TargetUserName": "adm-backup", "TargetDomainName": "CORP", "TargetServerName": "sql01",
                "ProcessName": "C:\\Windows\\System32\\mstsc.exe", "IpAddress": "-",
            ], flags: a)
        facts.timeline.append((explicitAt, "Explicit credentials of CORP\\adm-backup used on ts01 for sql01 (4648)"))
        let sqlLogon = e.windowsLogon(
            host: sql, user: "adm-backup", from: fleet.hosts[ts].address, port: port(&r), rdp: true, admin: true,
            workstation: "TS01", at: hop2, until: sqlEnd, flags: a, random: &r)
        windowsHop("ts01", to: sql, account: "CORP\\adm-backup", method: "rdp", at: hop2, fleet, &facts)
        // Persistence on the database server: a service and a local administrator.
        let service = r.pick(["WinSvcUpd", "SqlTelemetry2", "MsDtcHelper"])
        let image = "C:\\ProgramData\\" + service.lowercased() + ".exe"
        e.windows(
            sql, serviceAt, 4697,
            [
                "SubjectUserName": "adm-backup", "SubjectDomainName": "CORP", "SubjectLogonId": sqlLogon,
                "ServiceName": service, "ServiceFileName": image, "ServiceType": "0x10", "ServiceStartType": "2",
                "ServiceAccount": "LocalSystem",
            ], flags: a)
        e.windows(
            sql, serviceAt + 2_000, 7045, channel: "System",
            ["ServiceName": service, "ImagePath": image, "ServiceType": "user mode service", "StartType": "auto start",
             "AccountName": "LocalSystem"], flags: RecordFlag.attacker)
        facts.timeline.append((serviceAt, "Service \(service) installed on sql01 (4697, 7045)"))
        let persist = r.pick(persistNames)
        let sid = "S-1-5-21-3541430928-2051711210-1391384369-\(1_100 + r.int(0...80))"
        e.windows(
            sql, createAt, 4720,
            [
                "SubjectUserName": "adm-backup", "SubjectDomainName": "CORP", "SubjectLogonId": sqlLogon,
                "TargetUserName": persist, "TargetDomainName": "SQL01", "TargetSid": sid,
            ], flags: a)
        e.windows(
            sql, createAt + seconds(&r, 3...20), 4732,
            [
                "SubjectUserName": "adm-backup", "SubjectDomainName": "CORP", "SubjectLogonId": sqlLogon,
                "MemberName": "-", "MemberSid": sid, "TargetUserName": "Administrators", "TargetDomainName": "Builtin",
            ], flags: a)
        facts.persistence.append(("sql01", "SQL01\\" + persist, "Administrators", createAt))
        facts.timeline.append((createAt, "Persistence: local account \(persist) created on sql01, added to Administrators"))
        facts.timeline.append((tsEnd, "The attacker logs off ts01"))
        facts.accounts = ["CORP\\svc-web", "CORP\\adm-backup", "SQL01\\" + persist]
        facts.attackerAddresses = [a1, a2]
        facts.reservedAccounts = ["svc-web", "adm-backup"]
        facts.hops.sort { $0.time < $1.time }
        return facts
    }

    static func windowsHop(
        _ from: String, to: Int, account: String, method: String, at time: Micros, _ fleet: Fleet,
        _ facts: inout FleetFacts
    ) {
        facts.hops.append(FleetHop(from: from, to: fleet.hosts[to].name, time: time, account: account, auth: .password, method: method))
        if facts.compromisedAt[to] == nil { facts.compromisedAt[to] = time }
        facts.timeline.append((time, "Lateral movement: \(method) \(from) → \(fleet.hosts[to].name) as \(account)"))
    }
}
