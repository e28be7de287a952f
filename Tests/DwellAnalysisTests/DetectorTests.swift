import DwellAnalysis
import DwellCore
import DwellIndex
import Testing

/// Hand-built events for the detectors: one call per event, times in seconds after 2026-03-09T00:00:00Z.
struct EventsBuilder {
    static let epoch: Int64 = 1_773_014_400
    var symbols = SymbolTable()
    var events: [Event] = []
    var lines: [UInt32: UInt64] = [:]
    /// Evidence file names by file id (integrity rules group streams by file name).
    var files = [
        "bastion/var/log/auth.log", "web01/var/log/nginx/access.log", "sensor/zeek/conn.log", "app01/var/log/auth.log",
    ]

    mutating func sym(_ s: String?) -> Symbol { s.map { symbols.intern($0) } ?? .none }

    mutating func add(
        _ seconds: Int64, _ kind: EventKind, host: String = "bastion", file: UInt32 = 0, outcome: Outcome = .unknown,
        src: String? = nil, dst: String? = nil, dstPort: UInt16 = 0, user: String? = nil, target: String? = nil,
        method: String? = nil, program: String? = nil, pid: Int32 = -1, command: String? = nil, http: String? = nil,
        path: String? = nil, query: String? = nil, status: Int32 = -1, bytesOut: Int64 = -1, agent: String? = nil,
        signature: String? = nil, severity: Int32 = -1, detail: String? = nil, domain: String? = nil,
        service: String? = nil, session: String? = nil
    ) {
        var e = Event(time: Timestamp(seconds: Self.epoch + seconds), kind: kind)
        let line = (lines[file] ?? 0) + 1
        lines[file] = line
        e.source = SourceRef(fileID: file, line: line, offset: line * 100)
        e.outcome = outcome
        e.host = sym(host)
        if let src, let a = IPAddress(src) { e.sourceIP = a }
        if let dst, let a = IPAddress(dst) { e.destinationIP = a }
        e.destinationPort = dstPort
        e.hasDestinationPort = dstPort != 0
        e.user = sym(user)
        e.targetUser = sym(target)
        e.authMethod = sym(method)
        e.program = sym(program)
        e.pid = pid
        e.command = sym(command)
        e.httpMethod = sym(http)
        e.path = sym(path)
        e.query = sym(query)
        e.httpStatus = status
        e.bytesOut = bytesOut
        e.userAgent = sym(agent)
        e.signature = sym(signature)
        e.severity = severity
        e.detail = sym(detail)
        e.domain = sym(domain)
        e.service = sym(service)
        e.sessionID = sym(session)
        events.append(e)
    }

    /// An sshd "Failed password" line (the attempt itself).
    mutating func failed(_ t: Int64, from: String, user: String = "root", host: String = "bastion", pid: Int32 = 100) {
        add(
            t, .authFailure, host: host, outcome: .failure, src: from, user: user, method: "password", program: "sshd",
            pid: pid)
    }

    mutating func accepted(
        _ t: Int64, from: String, user: String, host: String = "bastion", pid: Int32 = 200, file: UInt32 = 0
    ) {
        add(
            t, .authSuccess, host: host, file: file, outcome: .success, src: from, user: user, method: "password",
            program: "sshd", pid: pid)
    }

    mutating func request(
        _ t: Int64, from: String, path: String, query: String? = nil, status: Int32 = 200, bytes: Int64 = 1_000,
        method: String = "GET", agent: String = "Mozilla/5.0", kind: EventKind = .webRequest, host: String = "web01",
        dst: String? = nil
    ) {
        add(
            t, kind, host: host, file: kind == .http ? 2 : 1, src: from, dst: dst, dstPort: dst == nil ? 0 : 80,
            http: method, path: path, query: query, status: status, bytesOut: bytes, agent: agent)
    }

    mutating func flow(
        _ t: Int64, from: String, to: String, port: UInt16, bytesOut: Int64 = 500, kind: EventKind = .flow
    ) {
        add(t, kind, host: "sensor", file: 2, src: from, dst: to, dstPort: port, bytesOut: bytesOut)
    }

    func findings(_ rules: RuleSet = .standard) -> [Finding] {
        var b = EventStore.Builder()
        b.add(events: events, symbols: symbols)
        return Detectors(store: b.build(), filePaths: files, rules: rules).run()
    }
}

/// One row of the per-detector table: the events, the rule, and what must (or must not) come out.
struct DetectorCase: Sendable, CustomTestStringConvertible {
    var name: String
    var rule: String
    /// How many findings of `rule`; 0 for a negative case.
    var count: Int
    var severity: Severity? = nil
    /// Text the first finding's explanation must contain.
    var why: [String] = []
    /// The first finding's title, when it depends on the evidence.
    var title: String? = nil
    var build: @Sendable (inout EventsBuilder) -> Void

    var testDescription: String { "\(rule): \(name)" }
}

let authCases: [DetectorCase] = [
    DetectorCase(
        name: "20 failures in 30 min", rule: "auth.bruteforce", count: 1, severity: .medium,
        why: ["20 failed logins from 192.0.2.9 within 1 h", "threshold 20"], title: "SSH brute force"
    ) { b in for k in 0..<20 { b.failed(Int64(k) * 90, from: "192.0.2.9", pid: Int32(k)) } },
    DetectorCase(name: "19 failures", rule: "auth.bruteforce", count: 0) { b in
        for k in 0..<19 { b.failed(Int64(k) * 90, from: "192.0.2.9", pid: Int32(k)) }
    },
    DetectorCase(name: "25 failures spread over 2 h", rule: "auth.bruteforce", count: 0) { b in
        for k in 0..<25 { b.failed(Int64(k) * 300, from: "192.0.2.9", pid: Int32(k)) }
    },
    DetectorCase(
        name: "#7: an attempt logged as Invalid user, PAM failure, Failed password and max-attempts counts once",
        rule: "auth.bruteforce", count: 0
    ) { b in
        // 12 attempts, each logged four ways: 48 failure lines, 12 attempts, under the threshold of 20.
        for k in 0..<12 {
            let t = Int64(k) * 60
            let pid = Int32(1_000 + k)
            b.add(t, .invalidUser, outcome: .failure, src: "192.0.2.9", user: "oracle", program: "sshd", pid: pid)
            b.add(t, .authFailure, outcome: .failure, src: "192.0.2.9", program: "sshd", pid: pid)
            b.add(
                t + 1, .authFailure, outcome: .failure, src: "192.0.2.9", user: "oracle", method: "password",
                program: "sshd", pid: pid)
            b.add(
                t + 2, .authFailure, outcome: .failure, src: "192.0.2.9", user: "oracle", program: "sshd", pid: pid,
                detail: "max_auth_attempts")
        }
    },
    DetectorCase(
        name: "#7: max-attempts summaries are named but not counted", rule: "auth.bruteforce", count: 1,
        why: ["20 failed logins", "20 in all", "5 summary lines"]
    ) { b in
        for k in 0..<20 { b.failed(Int64(k) * 30, from: "192.0.2.9", pid: Int32(k / 4)) }
        for k in 0..<5 {
            b.add(
                Int64(k) * 120 + 100, .authFailure, outcome: .failure, src: "192.0.2.9", user: "root", program: "sshd",
                pid: Int32(k), detail: "max_auth_attempts")
        }
    },
    DetectorCase(
        name: "10 accounts from one source", rule: "auth.spraying", count: 1,
        why: ["10 distinct accounts", "threshold 10"]
    ) { b in for k in 0..<10 { b.failed(Int64(k) * 60, from: "192.0.2.9", user: "user\(k)", pid: Int32(k)) } },
    DetectorCase(name: "9 accounts", rule: "auth.spraying", count: 0) { b in
        for k in 0..<9 { b.failed(Int64(k) * 60, from: "192.0.2.9", user: "user\(k)", pid: Int32(k)) }
    },
    DetectorCase(
        name: "10 invalid users", rule: "auth.user_enumeration", count: 1, severity: .low,
        why: ["10 distinct non-existent"]
    ) { b in
        for k in 0..<10 {
            b.add(
                Int64(k) * 30, .invalidUser, outcome: .failure, src: "192.0.2.9", user: "u\(k)", program: "sshd",
                pid: Int32(k))
        }
    },
    DetectorCase(name: "the same invalid user 15 times", rule: "auth.user_enumeration", count: 0) { b in
        for k in 0..<15 {
            b.add(
                Int64(k) * 30, .invalidUser, outcome: .failure, src: "192.0.2.9", user: "admin", program: "sshd",
                pid: Int32(k))
        }
    },
    DetectorCase(
        name: "5 failures then success", rule: "auth.success_after_failures", count: 1, severity: .high,
        why: ["after 5 failures", "threshold 5"]
    ) { b in
        for k in 0..<5 { b.failed(Int64(k) * 60, from: "198.51.100.7", user: "deploy", pid: Int32(k)) }
        b.accepted(400, from: "198.51.100.7", user: "deploy")
    },
    DetectorCase(name: "an admin's 2 typos then success", rule: "auth.success_after_failures", count: 0) { b in
        b.failed(0, from: "10.8.0.14", user: "alice")
        b.failed(5, from: "10.8.0.14", user: "alice")
        b.accepted(12, from: "10.8.0.14", user: "alice")
    },
    DetectorCase(name: "5 failures 2 h before the success", rule: "auth.success_after_failures", count: 0) { b in
        for k in 0..<5 { b.failed(Int64(k) * 60, from: "198.51.100.7", user: "deploy", pid: Int32(k)) }
        b.accepted(7_600, from: "198.51.100.7", user: "deploy")
    },
    DetectorCase(
        name: "a single success from a new address is low context", rule: "auth.new_source", count: 1, severity: .low,
        why: ["never seen for this account"]
    ) { b in
        b.accepted(0, from: "10.8.0.14", user: "alice")
        b.accepted(2 * 86_400, from: "203.0.113.99", user: "alice")
    },
    DetectorCase(name: "a known address after learning", rule: "auth.new_source", count: 0) { b in
        b.accepted(0, from: "10.8.0.14", user: "alice")
        b.accepted(2 * 86_400, from: "10.8.0.14", user: "alice")
    },
    DetectorCase(name: "new addresses while learning", rule: "auth.new_source", count: 0) { b in
        b.accepted(0, from: "10.8.0.14", user: "alice")
        b.accepted(3_600, from: "10.8.0.99", user: "alice")
    },
    DetectorCase(name: "www-data logs in", rule: "auth.system_account_login", count: 1, severity: .high) { b in
        b.accepted(0, from: "203.0.113.5", user: "www-data")
    },
    DetectorCase(
        name: "backup's nightly pull is a routine job", rule: "auth.system_account_login", count: 1, severity: .low,
        why: ["recurrently (3 times"]
    ) { b in for day in 0..<3 { b.accepted(Int64(day) * 86_400, from: "10.0.3.31", user: "backup", host: "db01") } },
    DetectorCase(name: "an ordinary account", rule: "auth.system_account_login", count: 0) { b in
        b.accepted(0, from: "10.8.0.14", user: "alice")
    },
]

let privilegeCases: [DetectorCase] = [
    DetectorCase(
        name: "NOT in sudoers", rule: "priv.sudo_failure", count: 1, severity: .medium, why: ["refused for deploy"]
    ) { b in
        b.add(
            0, .privilege, outcome: .failure, user: "deploy", target: "root", program: "sudo", detail: "not_in_sudoers")
    },
    DetectorCase(name: "a successful sudo", rule: "priv.sudo_failure", count: 0) { b in
        b.add(
            0, .privilege, outcome: .success, user: "alice", target: "root", program: "sudo",
            command: "/usr/bin/apt-get update")
    },
    DetectorCase(name: "sudo /bin/bash", rule: "priv.root_shell", count: 1, severity: .medium, why: ["'/bin/bash'"]) {
        b in
        b.add(0, .privilege, outcome: .success, user: "deploy", target: "root", program: "sudo", command: "/bin/bash")
    },
    DetectorCase(name: "su to root", rule: "priv.root_shell", count: 1) { b in
        b.add(0, .privilege, outcome: .success, user: "bob", target: "root", program: "su")
    },
    DetectorCase(name: "an admin's routine sudo", rule: "priv.root_shell", count: 0) { b in
        b.add(
            0, .privilege, outcome: .success, user: "alice", target: "root", program: "sudo",
            command: "/usr/bin/apt-get update")
        b.add(
            9, .privilege, outcome: .success, user: "alice", target: "postgres", program: "sudo", command: "/bin/bash")
    },
    DetectorCase(
        name: "useradd's group and user lines are one named finding", rule: "persist.account_created", count: 1,
        why: ["account sysupdate created on app01"]
    ) { b in
        b.add(0, .accountCreate, host: "app01", program: "useradd", pid: 31)
        b.add(0, .accountCreate, host: "app01", target: "sysupdate", program: "useradd", pid: 31)
    },
    DetectorCase(name: "no account change", rule: "persist.account_created", count: 0) { b in
        b.add(0, .cron, host: "app01", user: "root", program: "CRON")
    },
    DetectorCase(
        name: "added to sudo (group and gshadow lines)", rule: "persist.privileged_group", count: 1, severity: .high
    ) { b in
        b.add(0, .accountModify, host: "app01", target: "sysupdate", program: "usermod", detail: "sudo")
        b.add(0, .accountModify, host: "app01", target: "sysupdate", program: "usermod", detail: "sudo")
    },
    DetectorCase(name: "added to an ordinary group", rule: "persist.privileged_group", count: 0) { b in
        b.add(0, .accountModify, host: "app01", target: "alice", program: "usermod", detail: "developers")
    },
    DetectorCase(name: "passwd", rule: "persist.password_change", count: 1, severity: .low) { b in
        b.add(0, .passwordChange, host: "app01", target: "sysupdate", program: "passwd")
    },
    DetectorCase(name: "a shell change is not a password change", rule: "persist.password_change", count: 0) { b in
        b.add(0, .accountModify, host: "app01", target: "alice", program: "usermod", detail: "shell")
    },
]

let webCases: [DetectorCase] = [
    DetectorCase(
        name: "three WordPress plugin paths answered 404", rule: "web.probe_paths", count: 1, severity: .low,
        why: ["3 distinct probe paths"]
    ) { b in
        for (k, p) in ["/wp-content/plugins/a/x.php", "/wp-content/plugins/b/y.php", "/phpmyadmin/scripts/setup.php"]
            .enumerated()
        {
            b.request(Int64(k), from: "203.0.113.45", path: p, status: 404)
        }
    },
    DetectorCase(name: "plugin paths the site serves", rule: "web.probe_paths", count: 0) { b in
        for (k, p) in ["/wp-content/plugins/a/x.css", "/wp-content/plugins/b/y.js", "/wp-content/plugins/c/z.png"]
            .enumerated()
        {
            b.request(Int64(k), from: "198.51.100.4", path: p, status: 200)
        }
    },
    DetectorCase(
        name: "Apache encoded traversal to /bin/sh answered 200", rule: "web.cve_exploit", count: 1,
        severity: .critical, why: ["CVE-2021-41773", "the exploit worked"]
    ) { b in
        b.request(0, from: "172.17.0.1", path: "/cgi-bin/.%2e/%2e%2e/%2e%2e/bin/sh", method: "POST")
    },
    DetectorCase(name: "a CGI path without encoded dots", rule: "web.cve_exploit", count: 0) { b in
        b.request(0, from: "198.51.100.4", path: "/cgi-bin/status.cgi", query: "view=short")
    },
    DetectorCase(
        name: "SQL injection answered 500 with SQL Server's error text", rule: "web.sqli_error", count: 1,
        severity: .high, why: ["80040e14", "reached the database"]
    ) { b in
        b.request(
            0, from: "203.0.113.45", path: "/foo/bar/baz.asp",
            query: "ID=1'+or+1=@@version--|17|80040e14|Unclosed_quotation_mark_after_the_character_string_''.",
            status: 500)
    },
    DetectorCase(name: "SQL injection answered 500 without database text", rule: "web.sqli_error", count: 0) { b in
        b.request(0, from: "203.0.113.45", path: "/foo/bar/baz.asp", query: "ID=1'+or+1=@@version--", status: 500)
    },
    DetectorCase(
        name: "cmd=id on a script one source uses", rule: "web.webshell", count: 1, severity: .critical,
        why: ["answered 200 to cmd=id"]
    ) { b in b.request(0, from: "203.0.113.45", path: "/uploads/shell.php", query: "cmd=id") },
    DetectorCase(name: "c=blue is a colour, not a command", rule: "web.webshell", count: 0) { b in
        b.request(0, from: "203.0.113.45", path: "/search.php", query: "c=blue")
    },
    DetectorCase(name: "a popular path with cmd=", rule: "web.webshell", count: 0) { b in
        for k in 0..<5 { b.request(Int64(k), from: "198.51.100.\(k + 1)", path: "/tools.php", query: "cmd=ls") }
    },
    DetectorCase(name: "cmd=id answered 404", rule: "web.webshell", count: 0) { b in
        b.request(0, from: "203.0.113.45", path: "/shell.php", query: "cmd=id", status: 404)
    },
    DetectorCase(
        name: "union select answered 200 with a body", rule: "web.exploit_success", count: 1, severity: .high,
        why: ["sql-injection", "answered 200 with 5000 bytes"]
    ) { b in b.request(0, from: "203.0.113.45", path: "/item.php", query: "id=1%20UNION%20SELECT%201,2", bytes: 5_000)
    },
    DetectorCase(
        name: "union select answered 200 with no body ranks below", rule: "web.exploit_success", count: 1,
        severity: .medium
    ) { b in b.request(0, from: "203.0.113.45", path: "/item.php", query: "id=1+union+select+1", bytes: 0) },
    DetectorCase(name: "union select answered 404 is no success", rule: "web.exploit_success", count: 0) { b in
        b.request(0, from: "203.0.113.45", path: "/item.php", query: "id=1+union+select+1", status: 404)
    },
    DetectorCase(
        name: "traversal answered 404", rule: "web.exploit_attempt", count: 1, severity: .medium, why: ["answered 404"]
    ) { b in b.request(0, from: "203.0.113.45", path: "/static/..%2f..%2fetc/passwd", status: 404) },
    DetectorCase(name: "an ordinary shop request", rule: "web.exploit_attempt", count: 0) { b in
        b.request(0, from: "198.51.100.4", path: "/products/42", query: "ref=home&sort=price")
    },
    DetectorCase(
        name: "a Nikto scan", rule: "web.scanner_agent", count: 1, severity: .medium, why: ["'nikto'", "12 requests"]
    ) { b in
        for k in 0..<12 {
            b.request(
                Int64(k), from: "203.0.113.45", path: "/p\(k)", agent: "Mozilla/5.00 (Nikto/2.5.0) (Evasions:None)")
        }
    },
    DetectorCase(
        name: "zgrab's passing probe is low", rule: "web.scanner_agent", count: 1, severity: .low,
        why: ["1 request from"]
    ) { b in b.request(0, from: "198.51.100.9", path: "/", agent: "Mozilla/5.0 zgrab/0.x") },
    DetectorCase(name: "a browser", rule: "web.scanner_agent", count: 0) { b in
        b.request(0, from: "198.51.100.4", path: "/", agent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0")
    },
    DetectorCase(name: "20 distinct 404s in 10 min", rule: "web.404_burst", count: 1, why: ["20 distinct paths"]) { b in
        for k in 0..<20 { b.request(Int64(k) * 20, from: "203.0.113.45", path: "/probe\(k)", status: 404) }
    },
    DetectorCase(name: "the occasional 404s", rule: "web.404_burst", count: 0) { b in
        for k in 0..<30 { b.request(Int64(k) * 400, from: "198.51.100.4", path: "/old\(k)", status: 404) }
    },
    DetectorCase(name: "the same missing favicon 40 times", rule: "web.404_burst", count: 0) { b in
        for k in 0..<40 { b.request(Int64(k) * 5, from: "198.51.100.4", path: "/favicon.ico", status: 404) }
    },
    DetectorCase(name: "20 POSTs to wp-login.php", rule: "web.login_bruteforce", count: 1, why: ["20 POSTs"]) { b in
        for k in 0..<20 {
            b.request(Int64(k) * 10, from: "203.0.113.45", path: "/wp-login.php", status: 200, method: "POST")
        }
    },
    DetectorCase(name: "a customer logging in twice", rule: "web.login_bruteforce", count: 0) { b in
        b.request(0, from: "198.51.100.4", path: "/account/login", method: "POST")
        b.request(30, from: "198.51.100.4", path: "/account/login", method: "POST")
    },
]

let networkCases: [DetectorCase] = [
    DetectorCase(name: "50 ports in 10 min", rule: "net.port_scan", count: 1, why: ["50 distinct destination ports"]) {
        b in
        for k in 0..<50 { b.flow(Int64(k) * 5, from: "203.0.113.45", to: "10.0.1.10", port: UInt16(1_000 + k)) }
    },
    DetectorCase(name: "49 ports", rule: "net.port_scan", count: 0) { b in
        for k in 0..<49 { b.flow(Int64(k) * 5, from: "203.0.113.45", to: "10.0.1.10", port: UInt16(1_000 + k)) }
    },
    DetectorCase(name: "a busy client of one service", rule: "net.port_scan", count: 0) { b in
        for k in 0..<200 { b.flow(Int64(k), from: "10.0.1.10", to: "10.0.2.20", port: 8080) }
    },
    DetectorCase(
        name: "800 MB to the Internet", rule: "net.large_outbound", count: 1, severity: .high,
        why: ["800000000 bytes sent from 10.0.3.30 to external 198.51.100.77"]
    ) { b in b.flow(0, from: "10.0.3.30", to: "198.51.100.77", port: 443, bytesOut: 800_000_000) },
    DetectorCase(name: "50 MB to the Internet", rule: "net.large_outbound", count: 0) { b in
        b.flow(0, from: "10.0.3.30", to: "198.51.100.77", port: 443, bytesOut: 50_000_000)
    },
    DetectorCase(name: "800 MB between internal hosts", rule: "net.large_outbound", count: 0) { b in
        b.flow(0, from: "10.0.3.30", to: "10.0.3.31", port: 22, bytesOut: 800_000_000)
    },
    DetectorCase(name: "a nightly offsite backup of the usual size", rule: "net.large_outbound", count: 1) { b in
        // The first night has no history and is reported; the following nights are the host's habit.
        for day in 0..<4 {
            b.flow(
                Int64(day) * 86_400, from: "10.0.3.31", to: "192.0.2.50", port: 443, bytesOut: 400_000_000 + Int64(day))
        }
    },
    DetectorCase(
        name: "one host reaches 3 new hosts over ssh", rule: "net.lateral_fanout", count: 1,
        why: ["reached 3 internal hosts it never reached before"]
    ) { b in
        b.flow(0, from: "10.0.0.9", to: "10.0.1.10", port: 22)
        for (k, to) in ["10.0.2.20", "10.0.2.21", "10.0.3.30"].enumerated() {
            b.flow(2 * 86_400 + Int64(k) * 60, from: "10.0.1.10", to: to, port: 22)
        }
    },
    DetectorCase(name: "monitoring's usual rounds", rule: "net.lateral_fanout", count: 0) { b in
        for round in 0..<300 {
            for to in ["10.0.1.10", "10.0.2.20", "10.0.2.21", "10.0.3.30"] {
                b.flow(Int64(round) * 600, from: "10.0.0.9", to: to, port: 22)
            }
        }
    },
    DetectorCase(name: "severity 1 alert", rule: "ids.alert", count: 1, severity: .high, why: ["ET EXPLOIT"]) { b in
        b.add(
            0, .alert, host: "sensor", src: "203.0.113.45", dst: "10.0.1.10",
            signature: "ET EXPLOIT Apache Struts OGNL", severity: 1)
    },
    DetectorCase(name: "a sensor record that is no alert", rule: "ids.alert", count: 0) { b in
        b.add(0, .anomaly, host: "sensor", src: "198.51.100.4", dst: "10.0.1.10", signature: "bad_TCP_checksum")
    },
    DetectorCase(name: "severity 3 alert", rule: "ids.alert", count: 1, severity: .low) { b in
        b.add(
            0, .alert, host: "sensor", src: "198.51.100.4", dst: "10.0.1.10", signature: "ET INFO curl User-Agent",
            severity: 3)
    },
]

let integrityCases: [DetectorCase] = [
    DetectorCase(
        name: "4 h of silence in a 10-minute stream", rule: "integrity.log_gap", count: 1, severity: .medium,
        why: ["silent for 4 h 10 min", "usual gap is at most 10 min"]
    ) { b in
        for k in 0..<300 where !(100..<124).contains(k) { b.add(Int64(k) * 600, .cron, program: "CRON") }
    },
    DetectorCase(
        name: "a gap in one of two interleaved streams", rule: "integrity.log_gap", count: 1, severity: .medium,
        why: ["app01's auth log is silent for 4 h 10 min", "usual gap is at most 10 min"]
    ) { b in
        // Both hosts log every 10 minutes, their lines interleaved in time: only app01's silence is a gap, and the
        // busy bastion stream around it must not hide it (events are grouped per host and stream, not in order).
        for k in 0..<300 {
            b.add(Int64(k) * 600, .cron, program: "CRON")
            if !(100..<124).contains(k) { b.add(Int64(k) * 600 + 30, .cron, host: "app01", file: 3, program: "CRON") }
        }
    },
    DetectorCase(name: "a regular stream", rule: "integrity.log_gap", count: 0) { b in
        for k in 0..<300 { b.add(Int64(k) * 600, .cron, program: "CRON") }
    },
    DetectorCase(name: "a sparse, irregular stream", rule: "integrity.log_gap", count: 0) { b in
        // Gaps of 1 h to 5 h: silence is its habit, not a sign.
        var t: Int64 = 0
        for k in 0..<80 {
            t += Int64(3_600 + (k * 7_919) % 14_400)
            b.add(t, .cron, program: "CRON")
        }
    },
    DetectorCase(
        name: "bastion's log stops 8 h before the others", rule: "integrity.log_ends_early", count: 1,
        why: ["bastion's auth log ends at", "before the rest of the evidence ends"]
    ) { b in
        for k in 0..<300 { b.add(Int64(k) * 600, .cron, program: "CRON") }
        for k in 0..<348 { b.add(Int64(k) * 600, .cron, host: "app01", file: 3, program: "CRON") }
    },
    DetectorCase(name: "all logs end together", rule: "integrity.log_ends_early", count: 0) { b in
        for k in 0..<300 { b.add(Int64(k) * 600, .cron, program: "CRON") }
        for k in 0..<300 { b.add(Int64(k) * 600 + 30, .cron, host: "app01", file: 3, program: "CRON") }
    },
]

@Suite struct DetectorTests {
    func check(_ c: DetectorCase) throws {
        var b = EventsBuilder()
        c.build(&b)
        let all = b.findings()
        let found = all.filter { $0.rule.name == c.rule }
        #expect(found.count == c.count, "\(c.rule): \(found.map(\.why))")
        guard let first = found.first else { return }
        if let severity = c.severity { #expect(first.severity == severity) }
        for text in c.why { #expect(first.why.contains(text), "\(first.why)") }
        if let title = c.title { #expect(first.title == title) }
        // Every finding names its rule's technique (or a sub-technique of it) and cites at least one line.
        #expect(first.technique.hasPrefix(RuleSet.standard.rule(c.rule).technique))
        #expect(!first.evidence.isEmpty)
    }

    @Test(arguments: authCases) func auth(_ c: DetectorCase) throws { try check(c) }
    @Test(arguments: privilegeCases) func privilegeAndPersistence(_ c: DetectorCase) throws { try check(c) }
    @Test(arguments: webCases) func web(_ c: DetectorCase) throws { try check(c) }
    @Test(arguments: networkCases) func network(_ c: DetectorCase) throws { try check(c) }
    @Test(arguments: networkReconstructionCases) func networkReconstruction(_ c: DetectorCase) throws { try check(c) }
    @Test(arguments: integrityCases) func integrity(_ c: DetectorCase) throws { try check(c) }
    @Test(arguments: windowsCases) func windows(_ c: DetectorCase) throws { try check(c) }

    @Test func everyRuleOfTheTableHasAPositiveAndANegativeCase() {
        let cases =
            authCases + privilegeCases + webCases + networkCases + networkReconstructionCases + integrityCases
            + windowsCases
        for rule in RuleSet.standard.rules {
            #expect(cases.contains { $0.rule == rule.id && $0.count > 0 }, "no positive case for \(rule.id)")
            #expect(cases.contains { $0.rule == rule.id && $0.count == 0 }, "no negative case for \(rule.id)")
        }
    }

    /// The role each rule of the auth, privilege, web and integrity families gives (the correlator's contract):
    /// `nil` where it depends on the answer.
    static let roles: [String: FindingRole?] = [
        "auth.bruteforce": .attempt, "auth.spraying": .attempt, "auth.user_enumeration": .attempt,
        "auth.success_after_failures": .compromise, "auth.new_source": .context, "auth.system_account_login": .context,
        "priv.sudo_failure": .context, "priv.root_shell": .context, "persist.account_created": .context,
        "persist.privileged_group": .context, "persist.password_change": .context, "web.webshell": .compromise,
        "web.exploit_attempt": .attempt, "web.exploit_success": nil, "web.cve_exploit": nil,
        "web.sqli_error": .attempt, "web.scanner_agent": .attempt, "web.404_burst": .attempt,
        "web.login_bruteforce": .attempt, "web.probe_paths": .attempt, "integrity.log_gap": .context, "integrity.log_ends_early": .context,
    ]

    @Test("Every finding of the auth, privilege, web and integrity families has its role; only a compromise seeds")
    func findingsCarryTheirRole() {
        let cases = authCases + privilegeCases + webCases + integrityCases
        var checked = 0
        for c in cases where c.count > 0 {
            var b = EventsBuilder()
            c.build(&b)
            for f in b.findings() {
                guard let expected = Self.roles[f.rule.name] else { continue }
                if let expected { #expect(f.role == expected, "\(f.rule): \(f.why)") }
                #expect(f.seeds == (f.role == .compromise), "\(f.rule): \(f.why)")
                if f.role == .compromise {
                    #expect(f.implies.contains { if case .attackerAddress = $0 { true } else { false } })
                    #expect(f.implies.contains { if case .compromisedHost = $0 { true } else { false } })
                }
                if f.rule == "auth.success_after_failures" {
                    #expect(f.implies.contains { if case .compromisedAccount = $0 { true } else { false } })
                }
                checked += 1
            }
        }
        #expect(checked >= Self.roles.count)
    }

    @Test func aGapCitesTheLinesEitherSideOfIt() throws {
        var b = EventsBuilder()
        for k in 0..<300 where !(100..<124).contains(k) { b.add(Int64(k) * 600, .cron, program: "CRON") }
        let gap = try #require(b.findings().first { $0.rule == "integrity.log_gap" })
        #expect(gap.evidence.map(\.line) == [100, 101])
        #expect(gap.evidence.map(\.file) == ["bastion/var/log/auth.log", "bastion/var/log/auth.log"])
    }

    @Test func aDisabledRuleIsSilent() throws {
        var b = EventsBuilder()
        for k in 0..<30 { b.failed(Int64(k) * 10, from: "192.0.2.9", pid: Int32(k)) }
        var rules = RuleSet.standard
        let at = try #require(rules.rules.firstIndex { $0.id == "auth.bruteforce" })
        rules.rules[at].enabled = false
        #expect(b.findings().contains { $0.rule == "auth.bruteforce" })
        #expect(!b.findings(rules).contains { $0.rule == "auth.bruteforce" })
    }

    @Test func hugeNumbersFromARulesFileDoNotTrap() throws {
        var b = EventsBuilder()
        for k in 0..<300 { b.add(Int64(k) * 600, .cron, program: "CRON") }
        b.flow(0, from: "10.0.3.30", to: "198.51.100.77", port: 443, bytesOut: 800_000_000)
        b.flow(60, from: "10.0.3.30", to: "198.51.100.77", port: 443, bytesOut: 900_000_000)
        for k in 0..<30 { b.failed(Int64(k) * 10, from: "192.0.2.9", pid: Int32(k)) }
        let big = "9223372036854775807"
        var text = "rules:\n"
        for id in ["auth.bruteforce", "net.large_outbound", "integrity.log_gap", "net.lateral_fanout"] {
            text += "  - id: \(id)\n    timespan: \(big)\n"
        }
        text +=
            "  - id: integrity.log_ends_early\n    threshold: \(big)\n    parameters:\n      regularity_factor: \(big)\n"
        let rules = try RuleFile.load(path: "huge.yaml", text: text)
        let findings = b.findings(rules)
        #expect(findings.contains { $0.rule == "auth.bruteforce" })
        #expect(!findings.contains { $0.rule == "integrity.log_ends_early" })
    }

    @Test func aLoweredThresholdFiresEarlierAndSaysSo() throws {
        var b = EventsBuilder()
        for k in 0..<8 { b.failed(Int64(k) * 10, from: "192.0.2.9", pid: Int32(k)) }
        #expect(!b.findings().contains { $0.rule == "auth.bruteforce" })
        let rules = try RuleFile.load(
            path: "r.yaml", text: "rules:\n  - id: auth.bruteforce\n    threshold: 8\n    timespan: 5m\n")
        let f = try #require(b.findings(rules).first { $0.rule == "auth.bruteforce" })
        #expect(f.why.contains("8 failed logins from 192.0.2.9 within 5 min (threshold 8)"))
    }

    @Test("#7: a web shell seen by the sensor and the server is one finding on the server")
    func sensorCopyNamesTheServer()
        throws
    {
        var b = EventsBuilder()
        b.request(0, from: "203.0.113.45", path: "/uploads/shell.php", query: "cmd=id")
        b.request(
            0, from: "203.0.113.45", path: "/uploads/shell.php", query: "cmd=id", kind: .http, host: "sensor",
            dst: "10.0.1.10")
        let shells = b.findings().filter { $0.rule == "web.webshell" }
        #expect(shells.count == 1)
        #expect(shells.first?.host == "web01")
    }

    @Test("#7: a web shell seen only by the sensor names the server, not the sensor") func sensorOnlyNamesTheServer()
        throws
    {
        var b = EventsBuilder()
        b.request(
            0, from: "203.0.113.45", path: "/uploads/shell.php", query: "cmd=id", kind: .http, host: "sensor",
            dst: "10.0.1.10")
        #expect(b.findings().first { $0.rule == "web.webshell" }?.host == "10.0.1.10")
        // With the server's address learned from sshd's "Connection from A port N on B port 22", its name.
        b.add(-60, .connect, host: "web01", src: "10.0.0.5", dst: "10.0.1.10", dstPort: 22, program: "sshd")
        #expect(b.findings().first { $0.rule == "web.webshell" }?.host == "web01")
    }

    @Test func streamNamesDropRotationSuffixes() {
        #expect(Detectors.streamName("web01/var/log/auth.log.2.gz") == "auth")
        #expect(Detectors.streamName("sensor/zeek/2026-03-09/conn.14:00:00-15:00:00.log.gz") == "conn")
        #expect(Detectors.streamName("/var/log/secure-20260301") == "secure")
        #expect(Detectors.streamName("access.log") == "access")
        // journald's rotation: archived and dirty files continue system.journal (#19).
        #expect(Detectors.streamName("app03/var/log/journal/76218e65/system.journal") == "system")
        #expect(
            Detectors.streamName("j/system@7a985a9459e4478d883fb0cf86131357-0000000000015811-00064c9176630f64.journal")
                == "system")
        #expect(Detectors.streamName("j/system@00064cb4514ba480-4951d8ee0e3de9d5.journal~") == "system")
    }
}
