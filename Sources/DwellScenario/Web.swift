/// One HTTP request of a visit.
struct WebRequest {
    var offset: Micros
    var method: String
    var uri: String
    var status: Int
    var bytes: Int
    var referrer: String
    var mime: StaticString
    var requestBytes = 0
}

/// The shop served by web01 (plain HTTP on port 80): its pages, and the clients that visit it.
enum Site {
    static let pages: [(String, Int)] = [
        ("/", 18_420), ("/index.php", 18_420), ("/about.php", 9_812), ("/contact.php", 7_455),
        ("/login.php", 5_230), ("/cart.php", 6_102), ("/search.php?q=boots", 12_877), ("/search.php?q=jacket", 13_041),
        ("/search.php?q=tent", 11_560), ("/category.php?c=outdoor", 16_233), ("/category.php?c=sale", 15_120),
    ]
    static let assets: [(String, Int, StaticString)] = [
        ("/static/css/main.css", 48_211, "text/css"), ("/static/js/app.js", 91_304, "application/javascript"),
        ("/static/js/vendor.min.js", 187_552, "application/javascript"), ("/static/img/logo.png", 7_412, "image/png"),
        ("/static/img/hero.jpg", 142_880, "image/jpeg"), ("/favicon.ico", 1_150, "image/x-icon"),
    ]
    static let browsers = [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:123.0) Gecko/20100101 Firefox/123.0",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Safari/605.1.15",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.6261.105 Mobile Safari/537.36",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36 Edg/122.0.0.0",
    ]
    static let crawlers: [(String, IPv4, Int)] = [
        ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", IPv4(66, 249, 66, 0), 250),
        ("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", IPv4(157, 55, 39, 0), 250),
        ("Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)", IPv4(5, 255, 231, 0), 200),
    ]
    /// Paths that scanners and bots try; almost all are 404 here.
    static let probePaths = [
        "/.env", "/.git/HEAD", "/.git/config", "/wp-login.php", "/wp-admin/", "/xmlrpc.php", "/phpmyadmin/",
        "/pma/", "/admin/", "/admin.php", "/administrator/", "/backup.zip", "/backup.sql", "/db.sql", "/dump.sql",
        "/config.php.bak", "/config.bak", "/.htaccess", "/.htpasswd", "/server-status", "/cgi-bin/test.cgi",
        "/cgi-bin/php", "/shell.php", "/cmd.php", "/test.php", "/info.php", "/phpinfo.php",
        "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php",
        "/solr/admin/", "/actuator/health", "/api/v1/pods", "/console/", "/manager/html", "/jmx-console/",
        "/.aws/credentials", "/.DS_Store", "/web.config", "/WEB-INF/web.xml", "/login.action", "/user/login",
        "/install.php", "/setup.php", "/upgrade.php", "/old/", "/new/", "/tmp/", "/logs/", "/log.txt", "/debug.log",
        "/error_log", "/readme.html", "/license.txt", "/sitemap.xml.gz", "/crossdomain.xml", "/clientaccesspolicy.xml",
        "/.svn/entries", "/.hg/", "/CVS/Root", "/owa/", "/ecp/", "/remote/login", "/dana-na/",
        "/boaform/admin/formLogin",
        "/HNAP1/", "/cgi-bin/luci", "/index.php.bak", "/index.php~", "/.well-known/security.txt", "/api/", "/graphql",
        "/swagger-ui.html", "/v2/api-docs", "/uploads/", "/files/", "/images/", "/includes/", "/lib/", "/src/",
        "/composer.json", "/composer.lock", "/package.json", "/yarn.lock", "/Dockerfile", "/docker-compose.yml",
    ]
    static let publicFirstOctets = [
        23, 31, 37, 45, 46, 62, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95,
        109, 141, 151, 176, 178, 185, 188, 193, 194, 195, 212, 213, 217, 24, 50, 64, 67, 68, 71, 73, 96, 98, 99,
    ]

    /// A public client address (never one of the documentation ranges the story uses).
    static func publicAddress(_ random: inout ScenarioRandom) -> IPv4 {
        IPv4(random.pick(publicFirstOctets), random.int(0...255), random.int(0...255), random.int(1...254))
    }

    static func mime(for uri: String) -> StaticString {
        if uri.hasSuffix(".css") { return "text/css" }
        if uri.hasSuffix(".js") { return "application/javascript" }
        if uri.hasSuffix(".png") { return "image/png" }
        if uri.hasSuffix(".jpg") { return "image/jpeg" }
        if uri.hasSuffix(".ico") { return "image/x-icon" }
        if uri.hasSuffix(".xml") { return "application/xml" }
        if uri.hasSuffix(".txt") { return "text/plain" }
        return "text/html"
    }
}

extension Emitter {
    /// A client's visit over one keep-alive connection: nginx lines on web01, and Zeek's conn and http records.
    mutating func webVisit(
        client: IPv4, clientPort: Int, start: Micros, requests: [WebRequest], userAgent: String, flags: UInt8 = 0,
        random: inout ScenarioRandom
    ) {
        guard let web = topology.index("web01") else { return }
        let server = topology.hosts[web].address
        let uid = Identifiers.zeekUID(&random)
        var last = start
        var bytesIn = 0
        var bytesOut = 0
        for (i, r) in requests.enumerated() {
            let t = start + r.offset
            let responseMicros = Micros(random.int(800...(r.bytes > 50_000 ? 180_000 : 40_000)))
            accessLine(
                time: t + responseMicros, client: client, method: r.method, uri: r.uri, status: r.status,
                bytes: r.bytes, referrer: r.referrer, userAgent: userAgent, flags: flags)
            if Net.sensorSees(client, server) {
                httpRecord(
                    uid: uid, time: t, from: client, clientPort, to: server, 80, depth: i + 1, method: r.method,
                    host: Net.siteName, uri: r.uri, referrer: r.referrer, userAgent: userAgent,
                    requestBytes: r.requestBytes, responseBytes: r.bytes, status: r.status, mime: r.mime, flags: flags,
                    random: &random)
            }
            last = max(last, t + responseMicros)
            bytesOut += 380 + r.uri.utf8.count + userAgent.utf8.count + r.requestBytes
            bytesIn += r.bytes + 240
        }
        if Net.sensorSees(client, server) {
            let connStart = start - Micros(random.int(300...3_000))
            conn(
                uid: uid, time: connStart, from: client, clientPort, to: server, 80, proto: "tcp", service: "http",
                duration: last - connStart + Micros(random.int(5_000...2_000_000)), bytesOut: bytesOut,
                bytesIn: bytesIn, state: "SF", history: "ShADadFf", flags: flags)
        }
    }
}
