/// Benign activity: the admins' days (planned up front, as logind numbers their sessions), and the
/// hour-by-hour background (monitoring, cron, web visitors, DNS, NTP, apt, internal services).
enum Background {
    /// An admin's command under sudo, planned inside one of their sessions.
    struct PlannedSudo {
        var host: Int
        var time: Micros
        var user: String
        var tty: Int
        var command: String
    }

    struct DayPlan {
        var sessions: [SSHSession] = []
        var sudos: [PlannedSudo] = []
        var lookalike: LateralHop?
    }

    static let sudoCommands: [String: [String]] = [
        "web01": [
            "/usr/bin/systemctl reload nginx", "/usr/bin/tail -n 200 /var/log/nginx/error.log",
            "/usr/bin/apt-get update", "/usr/bin/systemctl status php8.2-fpm",
        ],
        "app01": [
            "/usr/bin/apt-get update", "/usr/bin/systemctl restart shop-api",
            "/usr/bin/journalctl -u shop-api --since today",
        ],
        "app02": [
            "/usr/bin/apt-get update", "/usr/bin/systemctl restart shop-worker",
            "/usr/bin/journalctl -u shop-worker --since today",
        ],
        "db01": ["/usr/bin/du -sh /var/lib/mysql", "/usr/bin/mysqladmin processlist", "/usr/bin/apt-get update"],
        "backup01": ["/usr/bin/df -h", "/usr/bin/apt-get update"],
        "bastion": ["/usr/bin/apt-get update", "/usr/bin/apt-get upgrade -y"],
    ]

    /// The admins' sessions over all days, the look-alike hop among them, and the nightly backup pull.
    static func plan(seed: UInt64, windowStart: Micros, days: Int, topology: Topology, story: StoryPlan) -> DayPlan {
        var plan = DayPlan()
        guard let bastion = topology.index("bastion") else { return plan }
        let bastionAddress = topology.hosts[bastion].address
        let people: [(String, [String])] = [
            ("alice", topology.hosts.map(\.name).filter { $0 != "bastion" }),
            ("bob", ["web01", "web01", "app01", "app02"].filter { topology.index($0) != nil }),
            ("carol", ["db01"]),
        ]
        for day in 0..<days {
            let dayStart = windowStart + Micros(day) * microsPerDay
            let weekday = Calendar0.weekday(days: Int(dayStart / microsPerDay))
            let weekend = weekday == 0 || weekday == 6
            for (personIndex, (user, targets)) in people.enumerated() {
                var r = ScenarioRandom(seed, 20, UInt64(day), UInt64(personIndex))
                let lookalikeToday = user == "alice" && day == story.lookalikeDay
                guard lookalikeToday || r.chance(weekend ? 0.2 : 0.95) else { continue }
                let login =
                    dayStart + Micros(r.int((7 * 3_600 + 1_800)...(9 * 3_600 + 1_800))) * microsPerSecond
                    + Micros(r.int(0...999_999))
                let logout =
                    dayStart + Micros(r.int((16 * 3_600 + 1_800)...(18 * 3_600 + 2_400))) * microsPerSecond
                    + Micros(r.int(0...999_999))
                let vpn = Net.vpnClients[user] ?? IPv4(10, 8, 0, 99)
                plan.sessions.append(
                    SSHSession(
                        host: bastion, user: user, source: vpn, sourcePort: r.int(40_000...60_999), start: login,
                        end: logout,
                        method: .publickey(key: user + "@laptop")))
                let hops = r.int(1...3)
                var tty = 1
                for _ in 0..<hops {
                    let target = r.pick(targets)
                    guard let host = topology.index(target) else { continue }
                    let start =
                        login + Micros(r.int(600...max(601, Int((logout - login) / microsPerSecond) - 5_400)))
                        * microsPerSecond + Micros(r.int(0...999_999))
                    let end = start + Micros(r.int(240...3_600)) * microsPerSecond + Micros(r.int(0...999_999))
                    plan.sessions.append(
                        SSHSession(
                            host: host, user: user, source: bastionAddress, sourcePort: r.int(40_000...60_999),
                            start: start,
                            end: end, method: .publickey(key: user + "@laptop")))
                    tty = r.int(0...3)
                    for _ in 0..<r.int(0...2) {
                        let at =
                            start + Micros(r.int(20...max(21, Int((end - start) / microsPerSecond) - 30)))
                            * microsPerSecond + Micros(r.int(0...999_999))
                        plan.sudos.append(
                            PlannedSudo(
                                host: host, time: at, user: user, tty: tty,
                                command: r.pick(sudoCommands[target] ?? ["/usr/bin/apt-get update"])))
                    }
                }
                if lookalikeToday, let web = topology.index("web01"), let app = topology.index("app01") {
                    // alice hops bastion → web01, then web01 → app01 with her forwarded key: the same two hosts
                    // as the attacker's first hop, days earlier, and benign.
                    let onWeb = story.lookalikeStart
                    let toApp = onWeb + Micros(r.int(120...600)) * microsPerSecond + Micros(r.int(0...999_999))
                    let leaveApp = toApp + Micros(r.int(300...1_500)) * microsPerSecond + Micros(r.int(0...999_999))
                    let leaveWeb = leaveApp + Micros(r.int(60...600)) * microsPerSecond + Micros(r.int(0...999_999))
                    plan.sessions.append(
                        SSHSession(
                            host: web, user: "alice", source: bastionAddress, sourcePort: r.int(40_000...60_999),
                            start: onWeb,
                            end: leaveWeb, method: .publickey(key: "alice@laptop")))
                    plan.sessions.append(
                        SSHSession(
                            host: app, user: "alice", source: topology.hosts[web].address,
                            sourcePort: r.int(40_000...60_999),
                            start: toApp, end: leaveApp, method: .publickey(key: "alice@laptop")))
                    let sudoTime = toApp + Micros(r.int(30...200)) * microsPerSecond + Micros(r.int(0...999_999))
                    plan.sudos.append(
                        PlannedSudo(
                            host: app, time: sudoTime, user: "alice", tty: 1, command: "/usr/bin/apt-get update"))
                    plan.lookalike = LateralHop(
                        from: "web01", to: "app01", time: toApp, account: "alice", method: "ssh")
                }
            }
            if let backup = topology.index("backup01"), let db = topology.index("db01") {
                var r = ScenarioRandom(seed, 21, UInt64(day))
                let start =
                    dayStart + Micros(2 * 3_600 + 30 * 60 + r.int(0...40)) * microsPerSecond
                    + Micros(r.int(0...999_999))
                plan.sessions.append(
                    SSHSession(
                        host: db, user: "backup", source: topology.hosts[backup].address,
                        sourcePort: r.int(40_000...60_999),
                        start: start, end: start + Micros(r.int(60...400)) * microsPerSecond,
                        method: .publickey(key: "backup@backup01"),
                        bytesOut: 9_000, bytesIn: r.int(40_000_000...90_000_000)))
            }
        }
        return plan
    }

    /// The lookalike's Accepted time is only known once emitted; the plan's hop time is the session start.
    static func emitPlanned(_ plan: DayPlan, seed: UInt64, emitter e: inout Emitter) -> Micros? {
        var r = ScenarioRandom(seed, 22)
        var lookalikeAccepted: Micros?
        for s in plan.sessions {
            e.sshSession(s, random: &r)
            if let look = plan.lookalike, s.user == look.account, s.host == e.topology.index("app01"),
                e.topology.index("web01").map({ e.topology.hosts[$0].address == s.source }) == true
            {
                lookalikeAccepted = e.lastAccepted
            }
        }
        for s in plan.sudos {
            e.sudo(
                host: s.host, s.time, user: s.user, tty: s.tty, pwd: "/home/\(s.user)", command: s.command,
                durationMicros: Micros(r.int(300_000...40_000_000)), random: &r)
        }
        return lookalikeAccepted
    }

    /// The loud, failing brute force from 192.0.2.200 against bastion.
    static func emitDecoy(_ story: StoryPlan, seed: UInt64, emitter e: inout Emitter) -> Int {
        guard let bastion = e.topology.index("bastion") else { return 0 }
        var r = ScenarioRandom(seed, 23)
        let invalid = [
            "oracle", "admin", "test", "ubuntu", "postgres", "git", "user", "ftpuser", "guest", "pi", "deployer",
            "support", "jenkins", "hadoop", "minecraft", "teamspeak",
        ]
        var t = story.decoyStart
        var port = r.int(30_000...40_000)
        var failures = 0
        for _ in 0..<story.decoyConnections {
            let root = r.chance(0.4)
            let attempts = r.int(1...3)
            e.sshFailures(
                host: bastion, user: root ? "root" : r.pick(invalid), validUser: root, source: Net.decoyBruteForce,
                sourcePort: port, start: t, attempts: attempts, client: "SSH-2.0-libssh_0.9.6", random: &r)
            failures += attempts
            port += r.int(1...4)
            t += Micros(r.int(3_000_000...20_000_000))
        }
        return failures
    }

    // MARK: Hourly background

    /// Everything benign that happens in `[start, start + 1 h)`, at `scale` times the base rates for the
    /// volume-bearing parts (web, DNS, internal services, Internet noise); cron and monitoring do not scale.
    static func hour(_ hour: Int, start: Micros, seed: UInt64, scale: Double, emitter e: inout Emitter) {
        let end = start + microsPerHour
        let c = Calendar0.civil(start)
        let topo = e.topology
        for host in topo.hosts.indices {
            var r = ScenarioRandom(seed, 30, UInt64(hour), UInt64(host))
            // Monitoring: nagios runs its checks over ssh.
            var k = e.nagiosCount(host: host, before: start)
            while true {
                let t = e.nagiosStart(host: host, k: k)
                if t >= end { break }
                var session = SSHSession(
                    host: host, user: "nagios", source: Net.monitoring, sourcePort: r.int(32_768...60_999), start: t,
                    end: t + Micros(r.int(250_000...1_800_000)), method: .publickey(key: "nagios@mon01"))
                session.bytesOut = 3_100
                session.bytesIn = 4_800
                e.sshSession(session, random: &r)
                k += 1
            }
            // Cron.
            let name = topo.hosts[host].name
            e.cron(
                host: host, start + 17 * microsPerMinute + Micros(r.int(1_000_000...1_400_000)),
                command: "   cd / && run-parts --report /etc/cron.hourly",
                durationMicros: Micros(r.int(20_000...300_000)))
            if c.hour == 6 {
                e.cron(
                    host: host, start + 25 * microsPerMinute + Micros(r.int(1_000_000...1_400_000)),
                    command: "test -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.daily; }",
                    durationMicros: Micros(r.int(2_000_000...40_000_000)))
            }
            if name == "web01" {
                for minute in [9, 39] {
                    e.cron(
                        host: host, start + Micros(minute) * microsPerMinute + Micros(r.int(1_000_000...1_300_000)),
                        command:
                            "[ -x /usr/lib/php/sessionclean ] && if [ ! -d /run/systemd/system ]; then /usr/lib/php/sessionclean; fi",
                        durationMicros: Micros(r.int(5_000...50_000)))
                }
            }
            if name == "db01" && c.hour == 2 {
                e.cron(
                    host: host, start + 15 * microsPerMinute + Micros(r.int(1_000_000...1_300_000)),
                    command: "/usr/local/sbin/db-backup >/dev/null 2>&1",
                    durationMicros: Micros(r.int(60_000_000...240_000_000)))
            }
            // Internet noise against the bastion: a few guesses from scattered addresses.
            if name == "bastion" {
                for _ in 0..<r.poisson(mean: 0.6 * scale) {
                    let t = start + Micros(r.int(0...3_599)) * microsPerSecond + Micros(r.int(0...999_999))
                    let root = r.chance(0.6)
                    e.sshFailures(
                        host: host, user: root ? "root" : r.pick(["admin", "user", "test", "ubuntu"]), validUser: root,
                        source: Site.publicAddress(&r), sourcePort: r.int(32_768...60_999), start: t,
                        attempts: r.int(1...2),
                        client: r.pick(["SSH-2.0-Go", "SSH-2.0-libssh2_1.10.0", "SSH-2.0-paramiko_3.4.0"]), random: &r)
                }
            }
            // NTP (systemd-timesyncd) and DNS lookups of the host's own.
            let address = topo.hosts[host].address
            var ntp = start + Micros(r.int(0...2_047)) * microsPerSecond
            while ntp < end {
                e.conn(
                    uid: Identifiers.zeekUID(&r), time: ntp, from: address, r.int(32_768...60_999),
                    to: r.pick(Net.ntpServers), 123,
                    proto: "udp", service: "ntp", duration: Micros(r.int(8_000...60_000)), bytesOut: 48, bytesIn: 48,
                    state: "SF",
                    history: "Dd")
                ntp += 2_048 * microsPerSecond
            }
            for _ in 0..<r.poisson(mean: 3 * scale) {
                let t = start + Micros(r.int(0...3_599)) * microsPerSecond + Micros(r.int(0...999_999))
                let (query, answers) = r.pick(dnsNames(name))
                e.dns(time: t, from: address, query: query, answers: answers, random: &r)
            }
            if c.hour == 6 {
                apt(
                    host: host, start: start + Micros(r.int(30 * 60...55 * 60)) * microsPerSecond, emitter: &e,
                    random: &r)
            }
        }
        var r = ScenarioRandom(seed, 31, UInt64(hour))
        web(hour: c.hour, start: start, scale: scale, emitter: &e, random: &r)
        internalServices(start: start, scale: scale, emitter: &e, random: &r)
    }

    static func dnsNames(_ host: String) -> [(String, [IPv4])] {
        var names: [(String, [IPv4])] = [
            ("deb.debian.org", Net.debianMirrors), ("security.debian.org", [IPv4(151, 101, 194, 132)]),
            ("2.debian.pool.ntp.org", Net.ntpServers), ("mon01.corp.internal", [Net.monitoring]),
        ]
        switch host {
        case "web01":
            names += [
                ("app01.corp.internal", [IPv4(10, 0, 2, 20)]), ("www.google-analytics.com", [IPv4(142, 250, 185, 78)]),
            ]
        case "app01", "app02":
            names += [("db01.corp.internal", [IPv4(10, 0, 3, 30)]), ("api.stripe.com", [IPv4(54, 187, 216, 72)])]
        default: break
        }
        return names
    }

    /// The daily apt run: DNS, then HTTP to the Debian mirror.
    static func apt(host: Int, start: Micros, emitter e: inout Emitter, random r: inout ScenarioRandom) {
        let address = e.topology.hosts[host].address
        let mirror = r.pick(Net.debianMirrors)
        e.dns(time: start, from: address, query: "deb.debian.org", answers: Net.debianMirrors, random: &r)
        let uid = Identifiers.zeekUID(&r)
        let port = r.int(32_768...60_999)
        let t = start + Micros(r.int(5_000...40_000))
        let agent = "Debian APT-HTTP/1.3 (2.6.1)"
        let uris = [
            "/debian/dists/bookworm/InRelease", "/debian/dists/bookworm-updates/InRelease",
            "/debian-security/dists/bookworm-security/InRelease",
        ]
        var bytes = 0
        for (i, uri) in uris.enumerated() {
            let changed = r.chance(0.15)
            let size = changed ? r.int(40_000...160_000) : 0
            bytes += size
            e.httpRecord(
                uid: uid, time: t + Micros(i * 30_000), from: address, port, to: mirror, 80, depth: i + 1,
                method: "GET",
                host: "deb.debian.org", uri: uri, referrer: "", userAgent: agent, requestBytes: 0, responseBytes: size,
                status: changed ? 200 : 304, mime: "text/plain", flags: 0, random: &r)
        }
        e.conn(
            uid: uid, time: t - 2_000, from: address, port, to: mirror, 80, proto: "tcp", service: "http",
            duration: Micros(r.int(200_000...3_000_000)), bytesOut: 700, bytesIn: bytes + 1_200, state: "SF",
            history: "ShADadFf")
    }

    /// Visitors, crawlers, bots and the health check, on web01.
    static func web(hour: Int, start: Micros, scale: Double, emitter e: inout Emitter, random r: inout ScenarioRandom) {
        // Nagios's check_http every five minutes (its default check_interval) from the monitoring host.
        for minute in stride(from: 0, to: 60, by: 5) {
            let t = start + Micros(minute) * microsPerMinute + Micros(r.int(2_000_000...2_300_000))
            e.webVisit(
                client: Net.monitoring, clientPort: r.int(32_768...60_999), start: t,
                requests: [
                    WebRequest(
                        offset: 0, method: "GET", uri: "/healthz", status: 200, bytes: 2, referrer: "",
                        mime: "text/plain")
                ],
                userAgent: "check_http/v2.3.3 (monitoring-plugins 2.3.3)", random: &r)
        }
        let diurnal = [
            0.25, 0.18, 0.12, 0.1, 0.1, 0.15, 0.3, 0.55, 0.8, 0.95, 1.0, 1.0, 0.95, 0.95, 1.0, 1.0, 0.95, 0.9, 0.95,
            1.0, 0.9, 0.75, 0.55, 0.35,
        ]
        for _ in 0..<r.poisson(mean: 60 * diurnal[hour] * scale) {
            let t = start + Micros(r.int(0...3_599)) * microsPerSecond + Micros(r.int(0...999_999))
            let (page, size) = r.pick(Site.pages)
            let referrer = r.chance(0.4) ? "https://www.google.com/" : ""
            var requests = [
                WebRequest(
                    offset: 0, method: "GET", uri: page, status: 200, bytes: size + r.int(-40...40), referrer: referrer,
                    mime: "text/html")
            ]
            var offset: Micros = Micros(r.int(50_000...300_000))
            let pageURL = "http://\(Net.siteName)\(page)"
            if r.chance(0.7) {
                for (asset, bytes, mime) in Site.assets where r.chance(0.8) {
                    let cached = r.chance(0.3)
                    requests.append(
                        WebRequest(
                            offset: offset, method: "GET", uri: asset, status: cached ? 304 : 200,
                            bytes: cached ? 0 : bytes, referrer: pageURL, mime: mime))
                    offset += Micros(r.int(5_000...120_000))
                }
            }
            for _ in 0..<r.int(0...4) {
                offset += Micros(r.int(3...90)) * microsPerSecond
                let (next, nextSize) = r.pick(Site.pages)
                let missing = r.chance(0.03)
                requests.append(
                    WebRequest(
                        offset: offset, method: "GET", uri: missing ? next + "/old" : next, status: missing ? 404 : 200,
                        bytes: missing ? 153 : nextSize, referrer: pageURL, mime: "text/html"))
            }
            if r.chance(0.05) {
                offset += Micros(r.int(5...60)) * microsPerSecond
                requests.append(
                    WebRequest(
                        offset: offset, method: "POST", uri: "/cart.php", status: 302, bytes: 0, referrer: pageURL,
                        mime: "text/html", requestBytes: r.int(40...200)))
            }
            e.webVisit(
                client: Site.publicAddress(&r), clientPort: r.int(1_024...65_000), start: t, requests: requests,
                userAgent: r.pick(Site.browsers), random: &r)
        }
        for _ in 0..<r.poisson(mean: 6 * scale) {
            let (agent, net, span) = r.pick(Site.crawlers)
            let client = IPv4(value: net.value + UInt32(r.int(1...span)))
            let t = start + Micros(r.int(0...3_599)) * microsPerSecond
            var requests: [WebRequest] = []
            if r.chance(0.3) {
                requests.append(
                    WebRequest(
                        offset: 0, method: "GET", uri: "/robots.txt", status: 200, bytes: 67, referrer: "",
                        mime: "text/plain"))
            }
            var offset: Micros = 0
            for _ in 0..<r.int(1...5) {
                offset += Micros(r.int(1...30)) * microsPerSecond
                let (page, size) = r.pick(Site.pages + [("/sitemap.xml", 4_210)])
                requests.append(
                    WebRequest(
                        offset: offset, method: "GET", uri: page, status: 200, bytes: size, referrer: "",
                        mime: Site.mime(for: page)))
            }
            e.webVisit(
                client: client, clientPort: r.int(1_024...65_000), start: t, requests: requests, userAgent: agent,
                random: &r)
        }
        // Opportunistic bots: a few probes each, all 404.
        for _ in 0..<r.poisson(mean: 0.5 * scale) {
            let t = start + Micros(r.int(0...3_599)) * microsPerSecond
            var requests: [WebRequest] = []
            var offset: Micros = 0
            for _ in 0..<r.int(1...6) {
                requests.append(
                    WebRequest(
                        offset: offset, method: "GET", uri: r.pick(Site.probePaths), status: 404, bytes: 153,
                        referrer: "", mime: "text/html"))
                offset += Micros(r.int(100_000...2_000_000))
            }
            let agent = r.pick([
                "Mozilla/5.0 zgrab/0.x", "python-requests/2.28.1", "Go-http-client/1.1",
                "Mozilla/5.0 (compatible; CensysInspect/1.1; +https://about.censys.io/)",
            ])
            e.webVisit(
                client: Site.publicAddress(&r), clientPort: r.int(1_024...65_000), start: t, requests: requests,
                userAgent: agent, random: &r)
        }
    }

    /// web01 → app01 API calls and app → db01 MySQL connections (conn.log and http.log only).
    static func internalServices(start: Micros, scale: Double, emitter e: inout Emitter, random r: inout ScenarioRandom)
    {
        let topo = e.topology
        guard let web = topo.index("web01"), let app = topo.index("app01"), let db = topo.index("db01") else { return }
        let apps = [app] + (topo.index("app02").map { [$0] } ?? [])
        for _ in 0..<r.poisson(mean: 12 * scale) {
            let t = start + Micros(r.int(0...3_599)) * microsPerSecond + Micros(r.int(0...999_999))
            let uid = Identifiers.zeekUID(&r)
            let port = r.int(32_768...60_999)
            let calls = r.int(1...6)
            var bytes = 0
            for i in 0..<calls {
                let size = r.int(300...9_000)
                bytes += size
                e.httpRecord(
                    uid: uid, time: t + Micros(i * r.int(5_000...400_000)), from: topo.hosts[web].address, port,
                    to: topo.hosts[app].address, 8080, depth: i + 1, method: "GET", host: "app01.corp.internal:8080",
                    uri: "/api/v1/products/\(r.int(1...2_400))", referrer: "", userAgent: "GuzzleHttp/7",
                    requestBytes: 0,
                    responseBytes: size, status: 200, mime: "application/json", flags: 0, random: &r)
            }
            e.conn(
                uid: uid, time: t - 1_000, from: topo.hosts[web].address, port, to: topo.hosts[app].address, 8080,
                proto: "tcp", service: "http", duration: Micros(calls) * 450_000 + Micros(r.int(0...5_000_000)),
                bytesOut: calls * 260, bytesIn: bytes + calls * 200, state: "SF", history: "ShADadFf")
        }
        for _ in 0..<r.poisson(mean: 4 * scale) {
            let t = start + Micros(r.int(0...3_599)) * microsPerSecond + Micros(r.int(0...999_999))
            let from = topo.hosts[r.pick(apps)].address
            e.conn(
                uid: Identifiers.zeekUID(&r), time: t, from: from, r.int(32_768...60_999), to: topo.hosts[db].address,
                3306,
                proto: "tcp", service: "mysql",
                duration: Micros(r.int(1...900)) * microsPerSecond + Micros(r.int(0...999_999)),
                bytesOut: r.int(2_000...400_000), bytesIn: r.int(5_000...4_000_000), state: "SF", history: "ShADadFf")
        }
    }
}
