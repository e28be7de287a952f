/// A named number a rule reads besides its threshold and window (`recurring_logins`, `history_factor`, ...).
public struct RuleParameter: Sendable, Equatable {
    public var name: String
    public var value: Int64
    public var description: String

    public init(_ name: String, _ value: Int64, _ description: String) {
        self.name = name
        self.value = value
        self.description = description
    }
}

/// A named list of patterns a rule matches (user agents, accounts, exploit needles, ...).
public struct PatternList: Sendable, Equatable {
    public var name: String
    public var values: [String]
    public var description: String

    public init(_ name: String, _ values: [String], _ description: String) {
        self.name = name
        self.values = values
        self.description = description
    }
}

/// One detection rule: what it looks for, how loud it is, and every number and pattern its detector reads.
///
/// The shape follows Sigma where the two meet (`id`, `title`, `description`, `level`, `tags: attack.tNNNN`,
/// and a correlation's count over a `timespan`), so a Sigma subset can be loaded into the same table later.
public struct Rule: Sendable, Equatable {
    public var id: String
    /// What its findings can be in the correlation (`RuleRole`); a finding's role is never above it.
    public var role: RuleRole
    public var title: String
    /// MITRE ATT&CK technique id (`T1110.001`).
    public var technique: String
    public var severity: Severity
    public var enabled: Bool
    /// The count (or byte size) the detector must reach; its meaning is `unit`.
    public var threshold: Int64
    /// What `threshold` counts: `failures`, `bytes`, `distinct paths`, ...
    public var unit: String
    /// The window the count is taken over, in seconds; 0 for rules that look at single events.
    public var windowSeconds: Int64
    public var description: String
    public var parameters: [RuleParameter]
    public var lists: [PatternList]

    public init(
        id: String, role: RuleRole, title: String, technique: String, severity: Severity, enabled: Bool = true, threshold: Int64 = 1,
        unit: String = "events", windowSeconds: Int64 = 0, description: String, parameters: [RuleParameter] = [],
        lists: [PatternList] = []
    ) {
        self.id = id
        self.role = role
        self.title = title
        self.technique = technique
        self.severity = severity
        self.enabled = enabled
        self.threshold = threshold
        self.unit = unit
        self.windowSeconds = windowSeconds
        self.description = description
        self.parameters = parameters
        self.lists = lists
    }

    /// The value of a parameter; every parameter a detector reads is declared in the standard table.
    public func parameter(_ name: String) -> Int64 {
        guard let p = parameters.first(where: { $0.name == name }) else {
            preconditionFailure("rule \(id) declares no parameter \(name)")
        }
        return p.value
    }

    /// The values of a list; every list a detector reads is declared in the standard table.
    public func list(_ name: String) -> [String] {
        guard let l = lists.first(where: { $0.name == name }) else {
            preconditionFailure("rule \(id) declares no list \(name)")
        }
        return l.values
    }

    /// The window in words for explanations: `10 min`, `1 h`, `45 s`.
    public var windowText: String { RuleSet.durationText(windowSeconds) }

    var windowMicros: Int64 { windowSeconds.saturatingTimes(1_000_000) }
}

/// The rules table: every threshold, window, severity and pattern the detectors use.
///
/// `RuleSet.standard` is the built-in table; `RuleFile` overrides it from a YAML file (`--rules FILE`), and
/// `dwell rules --output yaml` prints it as such a file.
public struct RuleSet: Sendable, Equatable {
    public var rules: [Rule]

    public init(rules: [Rule]) { self.rules = rules }

    /// The rule with this id. Detectors ask only for ids of the standard table, which every set keeps.
    public func rule(_ id: String) -> Rule {
        guard let r = rules.first(where: { $0.id == id }) else { preconditionFailure("no rule \(id) in the table") }
        return r
    }

    public func isEnabled(_ id: String) -> Bool { rules.first { $0.id == id }?.enabled ?? false }

    /// `3600` → `1h`, `600` → `10m`, `45` → `45s`, `0` → `0s` (Sigma's timespan syntax).
    public static func timespan(_ seconds: Int64) -> String {
        if seconds > 0 && seconds % 86_400 == 0 { return "\(seconds / 86_400)d" }
        if seconds > 0 && seconds % 3_600 == 0 { return "\(seconds / 3_600)h" }
        if seconds > 0 && seconds % 60 == 0 { return "\(seconds / 60)m" }
        return "\(seconds)s"
    }

    /// `3600` → `1 h`, `5400` → `1 h 30 min`, `600` → `10 min`, `45` → `45 s` (whole minutes above an hour).
    public static func durationText(_ seconds: Int64) -> String {
        if seconds >= 3_600 {
            let minutes = (seconds % 3_600) / 60
            return minutes == 0 ? "\(seconds / 3_600) h" : "\(seconds / 3_600) h \(minutes) min"
        }
        if seconds >= 60 { return seconds % 60 == 0 ? "\(seconds / 60) min" : "\(seconds / 60) min \(seconds % 60) s" }
        return "\(seconds) s"
    }

    public static let standard = RuleSet(rules: [
        // MARK: Authentication
        Rule(
            id: "auth.bruteforce", role: .background, title: "SSH brute force", technique: "T1110.001", severity: .medium, threshold: 20,
            unit: "failures", windowSeconds: 3_600,
            description:
                "failed logins from one source within the window, or burst_failures of them within burst_seconds (OpenSSH 8+ preauth endings of an authenticating or invalid user count for connections that log no failure line; summaries of failures already counted, such as 'maximum authentication attempts', are not counted again; rsyslog's repeated messages count their repeats)",
            parameters: [
                RuleParameter("burst_failures", 6, "failures that make a burst (a person does not fail this fast)"),
                RuleParameter("burst_seconds", 10, "the window of a burst, in seconds"),
            ]),
        Rule(
            id: "auth.spraying", role: .background, title: "Password spraying", technique: "T1110.003", severity: .medium, threshold: 10,
            unit: "distinct accounts", windowSeconds: 3_600,
            description: "distinct accounts failing from one source within the window"),
        Rule(
            id: "auth.user_enumeration", role: .background, title: "Invalid-user enumeration", technique: "T1110", severity: .low,
            threshold: 10, unit: "distinct invalid users", windowSeconds: 3_600,
            description: "distinct non-existent accounts tried from one source within the window"),
        Rule(
            id: "auth.success_after_failures", role: .seed, title: "Successful login after failures from the same source",
            technique: "T1078", severity: .high, threshold: 5, unit: "failures", windowSeconds: 3_600,
            description:
                "a login accepted from a source that failed at least the threshold within the window before it, or long_window_failures within long_window_seconds (a guesser that comes back once it has the password; T1110 then T1078)",
            parameters: [
                RuleParameter("long_window_failures", 20, "failures from the source over the long window that also make it a guesser"),
                RuleParameter("long_window_seconds", 86_400, "the long window, in seconds"),
            ]
        ),
        Rule(
            id: "auth.new_source", role: .context, title: "Login from a source never seen for the account", technique: "T1078",
            severity: .low, threshold: 1, unit: "logins", windowSeconds: 86_400,
            description:
                "context: an account logs in from an address it never used before; the first window of each host's evidence only learns",
            lists: [
                PatternList(
                    "ignored_accounts", ["root", "anonymous", "ftp"],
                    "accounts too common to report (cron, admins' su, anonymous FTP)")
            ]),
        Rule(
            id: "auth.system_account_login", role: .context, title: "Interactive login to a system account", technique: "T1078.003",
            severity: .high, threshold: 1, unit: "logins",
            description:
                "a login to an account that should not log in; one that recurs from the same source to the same host is a scheduled job and low",
            parameters: [
                RuleParameter(
                    "recurring_logins", 2, "logins of the same account, source and host that make it a routine job")
            ],
            lists: [
                PatternList(
                    "accounts",
                    [
                        "daemon", "bin", "sys", "sync", "games", "man", "lp", "mail", "news", "uucp", "proxy",
                        "www-data",
                        "backup", "list", "irc", "gnats", "nobody", "systemd-network", "systemd-resolve", "messagebus",
                        "sshd", "mysql", "postgres", "nginx", "apache", "redis", "_apt",
                    ], "accounts that should not log in interactively")
            ]),
        // MARK: Privilege and persistence
        Rule(
            id: "priv.sudo_failure", role: .context, title: "Failed privilege escalation", technique: "T1548.003", severity: .medium,
            unit: "refusals", description: "sudo/su refused: not in sudoers, incorrect passwords"),
        Rule(
            id: "priv.root_shell", role: .context, title: "Interactive root shell through sudo or su", technique: "T1548.003",
            severity: .medium, unit: "commands",
            description: "sudo or su to root running a shell rather than a command (sudo /bin/bash, sudo -i, su -)",
            lists: [
                PatternList(
                    "shells",
                    [
                        "/bin/bash", "/bin/sh", "/bin/dash", "/bin/zsh", "/usr/bin/bash", "/usr/bin/sh", "/usr/bin/zsh",
                        "bash", "sh",
                    ],
                    "commands that are shells (the first word of sudo's COMMAND)")
            ]),
        Rule(
            id: "persist.account_created", role: .context, title: "Account created", technique: "T1136.001", severity: .medium,
            unit: "accounts", description: "useradd/adduser/groupadd"),
        Rule(
            id: "persist.privileged_group", role: .context, title: "Account added to a privileged group", technique: "T1098",
            severity: .high, unit: "changes", description: "usermod/gpasswd adding an account to a privileged group",
            lists: [
                PatternList("groups", ["sudo", "wheel", "adm", "root", "admin", "docker", "lxd"], "privileged groups")
            ]),
        Rule(
            id: "persist.password_change", role: .context, title: "Password changed", technique: "T1098", severity: .low,
            unit: "changes", description: "passwd/chpasswd changed an account's password"),
        // MARK: Windows event logs
        Rule(
            id: "win.log_cleared", role: .seed, title: "Windows event log cleared", technique: "T1070.001", severity: .high,
            unit: "clearings", description: "Security log cleared (1102) or another channel cleared (104); one finding per host"),
        Rule(
            id: "win.service_installed", role: .seed, title: "Service installed", technique: "T1543.003", severity: .medium,
            unit: "services",
            description: "a service installed (7045, 4697); high when its name or binary matches a remote-execution tool",
            lists: [
                PatternList(
                    "psexec_patterns",
                    ["psexesvc", "paexec", "remcom", "csexec", "%comspec%", "cmd.exe /c", "cmd /c", "127.0.0.1\\admin$", "powershell"],
                    "service names or binaries of remote-execution tools (lower case)")
            ]),
        Rule(
            id: "win.psexec", role: .seed, title: "PsExec-style remote execution", technique: "T1569.002", severity: .high,
            unit: "sources",
            description: "one source writes an executable or file to ADMIN$ and opens the service control pipe (svcctl) on a host (5140/5145)"),
        Rule(
            id: "win.pass_the_hash", role: .seed, title: "Pass-the-hash logon shape", technique: "T1550.002", severity: .high,
            unit: "logons",
            description: "a network logon (4624 type 3) with NTLM and session key length 0 from another address, not anonymous or a machine account"),
        Rule(
            id: "win.admin_group_add", role: .seed, title: "Account added to a privileged Windows group", technique: "T1098",
            severity: .high, unit: "changes", description: "4728/4732/4756 adding a member to a privileged group",
            lists: [
                PatternList(
                    "groups",
                    ["Administrators", "Domain Admins", "Enterprise Admins", "Schema Admins", "Backup Operators",
                     "Account Operators", "Server Operators", "Remote Desktop Users", "Remote Management Users", "DnsAdmins"],
                    "privileged groups (compared without case)")
            ]),
        Rule(
            id: "win.explicit_credentials", role: .background, title: "Explicit credentials used toward another host", technique: "T1078",
            severity: .medium, unit: "uses",
            description: "4648: an account uses another account's credentials for a remote server (runas /netonly, net use /user)"),
        Rule(
            id: "win.dcom_exec", role: .seed, title: "DCOM remote execution", technique: "T1021.003", severity: .high,
            unit: "processes", description: "a process started by a COM server launched for a remote client (4688, Sysmon 1)",
            lists: [
                PatternList(
                    "commands", ["mmc.exe -embedding", "excel.exe -embedding", "/automation -embedding"],
                    "command lines of COM servers used for lateral movement (lower case)")
            ]),
        Rule(
            id: "win.secretsdump", role: .seed, title: "Remote registry hive dump (secretsdump)", technique: "T1003.002",
            severity: .critical, unit: "sources",
            description: "one source opens the remote registry pipe (winreg) and writes files to ADMIN$ or the SAM is opened (5145, 4656)"),
        Rule(
            id: "win.rdp_new_source", role: .context, title: "RDP logon from a new address", technique: "T1021.001", severity: .medium,
            unit: "sources",
            description:
                "context: an RDP logon (4624 type 10, RemoteConnectionManager 1149) from an address that never logged on to any host before; the first learn_seconds of each host's evidence only learn",
            parameters: [RuleParameter("learn_seconds", 86_400, "evidence of each host that only learns, in seconds")]),
        Rule(
            id: "win.remote_service", role: .context, title: "Service installed by a remote logon", technique: "T1543.003",
            severity: .high, unit: "services", windowSeconds: 3_600,
            description:
                "4697 made in the session of a remote logon (4624 type 3 or 10 from another address): the same logon id, else the same account within the window (7045 names no installer)"),
        Rule(
            id: "win.remote_task", role: .context, title: "Scheduled task created by a remote logon", technique: "T1053.005",
            severity: .high, unit: "tasks", windowSeconds: 3_600,
            description:
                "4698 made in the session of a remote logon (4624 type 3 or 10 from another address): the same logon id, else the same account within the window"),
        Rule(
            id: "win.account_created_admin", role: .seed, title: "Account created and made an administrator", technique: "T1136.001",
            severity: .high, unit: "accounts", windowSeconds: 3_600,
            description:
                "4720 creates an account and 4728/4732/4756 adds it (by SID or name) to a group of win.admin_group_add's list on the same host within the window"),
        Rule(
            id: "win.explicit_then_exec", role: .background, title: "Explicit credentials followed by remote execution", technique: "T1021",
            severity: .high, unit: "uses", windowSeconds: 600,
            description:
                "4648 toward a server, then within the window a service or task created on that server (4697, 7045, 4698) or a remote-execution tool run by the same account on the source (4688, Sysmon 1)",
            lists: [
                PatternList(
                    "commands",
                    ["psexec", "paexec", "wmic /node:", "wmic.exe /node:", "winrs ", "winrs.exe", "invoke-command",
                     "enter-pssession", "schtasks /create /s", "schtasks.exe /create /s", "sc \\\\", "sc.exe \\\\"],
                    "command lines of remote-execution tools (lower case)")
            ]),
        // MARK: Web
        Rule(
            id: "web.exploit_attempt", role: .background, title: "Web exploit pattern", technique: "T1190", severity: .medium,
            unit: "requests",
            description:
                "SQLi, XSS, traversal, command injection, JNDI/OGNL and other well-known patterns in the decoded request, not answered with success; once per source and kind",
            lists: [
                PatternList(
                    "sql-injection",
                    [
                        "union select", "union all select", "' or '1'='1", "' or 1=1", "sleep(", "benchmark(",
                        "information_schema", "extractvalue(", "waitfor delay", "' or 1=", "@@version", "xp_cmdshell",
                        "' and 1=", "or 1=1--", "' or 'a'='a", "updatexml(", "pg_sleep(",
                    ],
                    "needles on the lower-cased, twice percent-decoded request line, query, User-Agent, Referer and X-Forwarded-For (Log4j lookups that spell letters resolved)"
                ),
                PatternList(
                    "xss", ["<script", "javascript:", "onerror=", "onload=", "<svg", "<iframe", "<img src", "document.cookie", "alert("],
                    "cross-site scripting"),
                PatternList(
                    "path-traversal", ["../", "..\\", "/etc/passwd", "win.ini", "/etc/shadow", "boot.ini", "..;/"],
                    "path traversal"),
                PatternList(
                    "command-injection",
                    [
                        ";cat ", "|cat ", "$(curl", "`id`", ";id;", "wget http", "curl http", "/bin/sh", "/bin/bash",
                        "nc -e",
                    ],
                    "shell commands injected into parameters"),
                PatternList("log4shell", ["${jndi:", "jndi:ldap:", "jndi:rmi:", "jndi:dns:"], "Log4Shell JNDI lookups"),
                PatternList(
                    "ognl", ["%{(#", "${(#", "ognlcontext", "#_memberaccess", "@java.lang.runtime@", "(#context["],
                    "Struts OGNL injection"),
                PatternList("php", ["php://input", "allow_url_include"], "PHP wrappers and settings"),
                PatternList("shellshock", ["() {", "(){ :;}"], "Shellshock"),
                PatternList("spring4shell", ["class.module.classloader"], "Spring4Shell"),
            ]),
        Rule(
            id: "web.exploit_success", role: .seed, title: "Web exploit pattern answered with success", technique: "T1190",
            severity: .high, unit: "requests",
            description:
                "an exploit pattern (the lists of web.exploit_attempt) answered 2xx with a body of at least min_body_bytes; a smaller body is medium",
            parameters: [RuleParameter("min_body_bytes", 1, "bytes of response body that make a 2xx answer high")]),
        Rule(
            id: "web.cve_exploit", role: .seed, title: "Exploit of a named CVE", technique: "T1190", severity: .high,
            unit: "requests",
            description:
                "a pattern of a named CVE (kinds of web.exploit_attempt named in 'names'; Apache's encoded traversal in the raw path): critical and a compromise when answered 2xx by a path that runs code (the traversal CVEs, Shellshock on a CGI), high otherwise; once per source, kind and answer class",
            lists: [
                PatternList(
                    "names",
                    [
                        "log4shell=CVE-2021-44228", "shellshock=CVE-2014-6271", "spring4shell=CVE-2022-22965",
                        "apache-path-traversal=CVE-2021-41773", "apache-double-encoding=CVE-2021-42013",
                    ], "pattern kind = CVE id"),
                PatternList(
                    "apache-path-traversal", [".%2e/", "%2e%2e/", "%2e./", "%2e%2e%2f"],
                    "Apache 2.4.49 traversal: needles on the lower-cased raw (undecoded) path"),
                PatternList(
                    "apache-double-encoding", ["%%32%65", "%%32%45", "%2%65", "%%32e"],
                    "Apache 2.4.50 traversal with double-encoded dots: needles on the lower-cased raw path"),
                PatternList(
                    "apache_aliases", ["/cgi-bin/", "/icons/"],
                    "raw path prefixes (lower-cased) through which the Apache traversal CVEs reach files; elsewhere the same encoding is plain path traversal"),
                PatternList(
                    "code_paths", ["/cgi-bin/", "/bin/sh", "/bin/bash", ".cgi", ".sh", ".pl"],
                    "substrings of the lower-cased decoded path that run code: a 2xx answer there is a compromise"),
            ]),
        Rule(
            id: "web.sqli_error", role: .background, title: "SQL injection answered with a database error", technique: "T1190",
            severity: .high, unit: "requests",
            description:
                "a SQL injection pattern answered 5xx whose logged URL or query carries database error text (IIS appends it to cs-uri-query): the injection reached the database; once per source",
            lists: [
                PatternList(
                    "database_errors",
                    [
                        "80040e14", "80040e07", "unclosed_quotation_mark", "unclosed quotation mark", "sql_server",
                        "sql server", "odbc", "ole_db", "ole db", "ora-0", "sqlstate", "syntax_error",
                        "syntax error", "mysql_", "you_have_an_error_in_your_sql", "pg_query", "sqlite_error",
                        "incorrect_syntax", "incorrect syntax", "conversion_failed", "conversion failed",
                    ], "lower-cased text of database errors in the logged path and query"),
            ]),
        Rule(
            id: "web.webshell", role: .seed, title: "Web shell command", technique: "T1505.003", severity: .critical,
            unit: "requests",
            description: "a script path few sources request answering 2xx to a shell command in a parameter (cmd=id)",
            parameters: [RuleParameter("max_sources", 3, "distinct sources that may request the path")],
            lists: [
                PatternList(
                    "parameters", ["cmd", "exec", "command", "c", "execute", "shell", "run"],
                    "query parameters that carry commands"),
                PatternList(
                    "commands",
                    [
                        "id", "whoami", "uname", "cat", "ls", "pwd", "wget", "curl", "bash", "sh", "nc", "ncat",
                        "python",
                        "python3", "perl", "php", "echo", "ps", "netstat", "ss", "ifconfig", "ip", "hostname", "base64",
                        "chmod", "find", "grep", "tar", "zip", "mysql", "mysqldump", "env", "crontab", "rm", "mv", "cp",
                        "touch", "sudo", "su", "w", "who", "last", "dir", "type", "net", "ipconfig", "systeminfo",
                        "powershell", "cmd", "cmd.exe", "certutil", "nohup",
                    ], "first words of commands sent to web shells"),
                PatternList(
                    "script_suffixes", [".php", ".jsp", ".jspx", ".asp", ".aspx", ".cgi", ".pl", ".py", ".sh", ".cfm"],
                    "paths that run code"),
            ]),
        Rule(
            id: "web.scanner_agent", role: .background, title: "Scanner user agent", technique: "T1595", severity: .medium,
            unit: "requests",
            description:
                "a known attack tool in the user agent (case-insensitive); once per source, low when the source sent fewer than scan_requests such requests",
            parameters: [
                RuleParameter("scan_requests", 10, "requests with a tool's agent that make a scan, not a probe")
            ],
            lists: [
                PatternList(
                    "agents",
                    [
                        "nikto", "sqlmap", "nmap", "masscan", "zgrab", "gobuster", "dirbuster", "dirb/", "wpscan",
                        "nuclei", "acunetix", "nessus", "openvas", "w3af", "hydra", "fuzz faster u fool", "ffuf",
                        "feroxbuster", "wfuzz", "havij", "jaeles", "commix", "arachni", "skipfish", "netsparker",
                        "burp",
                    ], "tool names in user agents")
            ]),
        Rule(
            id: "web.404_burst", role: .background, title: "Burst of 404s across many paths", technique: "T1595.003", severity: .medium,
            threshold: 20, unit: "distinct paths", windowSeconds: 600,
            description: "distinct paths answered 404 to one source within the window"),
        Rule(
            id: "web.probe_paths", role: .background, title: "Probing for vulnerable applications", technique: "T1595.003",
            severity: .low, threshold: 3, unit: "distinct probe paths", windowSeconds: 600,
            description:
                "distinct well-known probe paths (CMS plugins, database admin tools, exposed configuration) answered 4xx to one source within the window: a scan for vulnerable software, the Internet's background unless it leads somewhere",
            lists: [
                PatternList(
                    "paths",
                    [
                        "/wp-content/plugins/", "/wp-admin/", "/wp-includes/", "phpmyadmin", "/pma/", "mysqladmin",
                        "/scripts/setup.php", "/.env", "/.git/", "/cgi-bin/php", "/solr/admin", "/hnap1", "/boaform",
                        "/vendor/phpunit", "/actuator/", "/manager/html", "timthumb.php", "azenv.php", "/roundcube",
                        "/.aws/", "/server-status", "/owa/auth", "/telescope/", "/wp-config.php",
                    ], "substrings of the lower-cased path that only scanners ask for where the software is absent"),
            ]),
        Rule(
            id: "web.login_bruteforce", role: .background, title: "Login form brute force", technique: "T1110.001", severity: .medium,
            threshold: 20, unit: "POSTs", windowSeconds: 600,
            description:
                "POSTs to login endpoints from one source within the window, or burst_posts of them within burst_seconds",
            parameters: [
                RuleParameter("burst_posts", 10, "POSTs to login endpoints that make a burst"),
                RuleParameter("burst_seconds", 1, "the window of a burst, in seconds"),
            ],
            lists: [
                PatternList(
                    "login_paths",
                    [
                        "login", "signin", "sign-in", "logon", "/auth", "wp-login.php", "xmlrpc.php", "/session",
                        "/admin", "j_security_check",
                    ],
                    "substrings of the lower-cased path that mark a login endpoint")
            ]),
        // MARK: Network
        Rule(
            id: "net.port_scan", role: .background, title: "Port or host scan", technique: "T1046", severity: .medium, threshold: 50,
            unit: "distinct ports or hosts", windowSeconds: 600,
            description: "distinct destination ports or hosts from one source within the window"),
        Rule(
            id: "net.lateral_fanout", role: .background, title: "Internal fan-out over remote-access services", technique: "T1021",
            severity: .medium, threshold: 3, unit: "new internal hosts", windowSeconds: 1_800,
            description:
                "one internal host reaching internal hosts it never reached before over ssh/rdp/smb/winrm within the window; the first learning_seconds of the evidence only learn",
            parameters: [
                RuleParameter("learning_seconds", 86_400, "start of the evidence that only learns the usual pairs")
            ],
            lists: [
                PatternList("ports", ["22", "3389", "445", "5985", "5986"], "remote-access destination ports")
            ]),
        Rule(
            id: "net.large_outbound", role: .background, title: "Large outbound transfer", technique: "T1048", severity: .high,
            threshold: 100_000_000, unit: "bytes",
            description:
                "bytes sent from an internal host to an external address in one connection, at least history_factor times the host's largest earlier one",
            parameters: [RuleParameter("history_factor", 10, "times the host's largest earlier outbound transfer")]),
        // Network-only reconstruction (#17): C2, payloads, admin-protocol hops, Kerberos, ssh.log, DNS, fast scans.
        Rule(
            id: "net.beacon", role: .seed, title: "Beaconing to a rare outside address", technique: "T1071", severity: .high,
            threshold: 8, unit: "regular connections", windowSeconds: 0,
            description:
                "connections from one internal host to an outside address that at most rare_sources internal hosts reach, at intervals within jitter_percent of their median (bursts closer than burst_seconds count once) for at least regular_percent of the intervals; T1573 when the channel is TLS",
            parameters: [
                RuleParameter("jitter_percent", 40, "how far an interval may stray from the median interval"),
                RuleParameter("regular_percent", 60, "share of intervals that must be regular"),
                RuleParameter("burst_seconds", 2, "connections closer than this are one callback"),
                RuleParameter("max_interval_seconds", 3_600, "longest median interval taken for a beacon"),
                RuleParameter("rare_sources", 2, "most internal hosts that may reach the address"),
            ],
            lists: [
                PatternList(
                    "ignored_ports", ["53", "123", "67", "68", "137", "138", "5353", "5355", "1900"],
                    "destination ports of periodic infrastructure (DNS, NTP, DHCP, NetBIOS, mDNS, LLMNR, SSDP)")
            ]),
        Rule(
            id: "net.payload_download", role: .seed, title: "Executable or script downloaded from a rare address",
            technique: "T1105",
            severity: .high, unit: "downloads",
            description:
                "an HTTP or file transfer of an executable or script (by MIME type or file name) from an address that at most rare_clients hosts reach, not a trusted update domain",
            parameters: [RuleParameter("rare_clients", 3, "most distinct hosts that may fetch from the address")],
            lists: [
                PatternList(
                    "mime_types",
                    [
                        "application/x-dosexec", "application/x-executable", "application/x-elf",
                        "application/x-mach-o",
                        "application/x-msdownload", "application/x-msi", "application/x-sh", "text/x-shellscript",
                        "application/x-powershell", "text/x-powershell", "application/hta", "application/x-python",
                        "text/x-python", "application/x-java-archive", "text/x-msdos-batch", "application/x-bat",
                    ], "MIME types of executables and scripts (exact, parameters ignored)"),
                PatternList(
                    "file_extensions",
                    [
                        ".exe", ".dll", ".scr", ".msi", ".ps1", ".psm1", ".bat", ".cmd", ".vbs", ".vbe", ".hta", ".jse",
                        ".wsf", ".sh", ".elf", ".py", ".jar", ".bin",
                    ],
                    "file name endings of executables and scripts"),
                PatternList(
                    "trusted_domains",
                    [
                        "windowsupdate.com", "update.microsoft.com", "download.microsoft.com",
                        "delivery.mp.microsoft.com", "archive.ubuntu.com", "security.ubuntu.com", "deb.debian.org",
                        "dl.google.com",
                    ],
                    "update domains (HTTP Host) whose downloads are routine"),
            ]),
        Rule(
            id: "net.admin_lateral", role: .seed, title: "Admin-protocol connection between internal hosts", technique: "T1021",
            severity: .medium, unit: "new admin pairs",
            description:
                "an internal host reaching another over WinRM, RDP, SSH, SMB with RPC, DCOM or service control for the first time (not a pair seen in the first learning_seconds, when the evidence spans at least twice that); high and a compromise when the source is already suspect (beacons, downloaded a payload, raised a high IDS alert)",
            parameters: [
                RuleParameter("learning_seconds", 86_400, "start of the evidence that learns routine admin pairs"),
                RuleParameter("smb_rpc_seconds", 120, "how close SMB and RPC must be to count as remote execution"),
                RuleParameter(
                    "account_seconds", 600, "how long before a hop a Kerberos ticket or NTLM login names its account"),
            ],
            lists: [
                PatternList(
                    "ports", ["5985:winrm", "5986:winrm", "3389:rdp", "22:ssh", "445:smb", "135:dcom"],
                    "destination port: method"),
                PatternList(
                    "rpc_endpoints",
                    [
                        "svcctl", "atsvc", "ITaskSchedulerService", "IWbemServices", "IWbemLevel1Login",
                        "IRemoteSCMActivator", "winreg",
                    ],
                    "DCE/RPC endpoints of remote execution (service control, tasks, WMI, DCOM, registry)"),
            ]),
        Rule(
            id: "net.kerberos_service", role: .seed, title: "Kerberos service ticket for another host", technique: "T1078",
            severity: .low, unit: "tickets",
            description:
                "a TGS request for a host service (service_classes) of another host: names the account and target of a hop; high and a compromise when the requesting host is already suspect",
            lists: [
                PatternList(
                    "service_classes", ["http", "cifs", "host", "rpcss", "termsrv", "wsman"],
                    "service principal classes of remote administration")
            ]),
        Rule(
            id: "net.ssh_reuse", role: .seed, title: "One client logs in to many SSH servers", technique: "T1078", severity: .high,
            threshold: 3, unit: "servers", windowSeconds: 3_600,
            description:
                "Zeek ssh.log auth_success from one client on new servers (not pairs seen in the first learning_seconds of a long enough evidence) within the window: credential reuse",
            parameters: [RuleParameter("learning_seconds", 86_400, "start of the evidence that learns routine pairs")]),
        Rule(
            id: "net.ssh_guessing", role: .background, title: "SSH password guessing seen on the wire", technique: "T1110",
            severity: .medium,
            threshold: 10, unit: "failed sessions", windowSeconds: 600,
            description: "Zeek ssh.log sessions from one client with auth_success false within the window"),
        Rule(
            id: "net.ssh_scanner", role: .background, title: "SSH scanner client", technique: "T1595", severity: .low, threshold: 5,
            unit: "sessions", windowSeconds: 60,
            description:
                "an SSH client string of a scanner (scanner_clients, any count) or a scripting library (library_clients, at least the threshold within the window)",
            lists: [
                PatternList(
                    "scanner_clients", ["nmap", "zgrab", "masscan", "openvas", "nessus"],
                    "client string substrings of scanners (lower-cased)"),
                PatternList(
                    "library_clients", ["libssh", "paramiko", "go", "asyncssh", "jsch", "twisted"],
                    "client string substrings of libraries, counted by rate (lower-cased)"),
            ]),
        Rule(
            id: "net.dns_entropy", role: .context, title: "High-entropy DNS names under a rare domain", technique: "T1568.002",
            severity: .medium, threshold: 5, unit: "distinct names", windowSeconds: 3_600,
            description:
                "distinct names whose first label is at least min_label characters with Shannon entropy of at least entropy_centibits/100 bits per character, under a domain at most rare_clients hosts query",
            parameters: [
                RuleParameter("min_label", 12, "shortest label judged"),
                RuleParameter("entropy_centibits", 350, "bits per character × 100"),
                RuleParameter("rare_clients", 2, "most distinct hosts that may query the domain"),
            ]),
        Rule(
            id: "net.dns_txt_burst", role: .seed, title: "Burst of DNS TXT queries", technique: "T1071.004", severity: .high,
            threshold: 30, unit: "distinct TXT names", windowSeconds: 60,
            description: "distinct TXT query names under one domain from one client within the window (DNS tunnelling)"),
        Rule(
            id: "net.fast_scan", role: .background, title: "Fast port or host scan", technique: "T1046", severity: .medium, threshold: 15,
            unit: "distinct ports or hosts", windowSeconds: 5,
            description:
                "distinct destination ports of one host, or hosts on one port, from one source within seconds (firewall logs or flows); net.port_scan covers slow scans"
        ),
        Rule(
            id: "ids.alert", role: .seed, title: "IDS alert", technique: "T1190", severity: .medium, unit: "alerts",
            description:
                "Suricata alert lifted with its signature; its severity 1 is high, 2 medium, 3 and above low (the rule's level applies when absent). Severity 1-2 alerts seed unless their signature is context or an attempt; the attacker is the source, or the destination for response and malware check-in signatures; well-known service addresses never become attackers",
            lists: [
                PatternList(
                    "context_prefixes",
                    [
                        "ET POLICY", "ET INFO", "ET DNS", "GPL ICMP_INFO", "GPL ICMP", "ET GAMES", "ET CHAT",
                        "GPL CHAT", "ET P2P", "GPL P2P", "GPL POLICY", "SURICATA",
                    ], "signature prefixes that are context, not attacks"),
                PatternList(
                    "context_categories",
                    [
                        "Potential Corporate Privacy Violation", "Not Suspicious Traffic", "Unknown Traffic",
                        "Misc activity", "Generic Protocol Command Decode", "Detection of a Network Scan",
                    ],
                    "alert categories that are context (a scan category is handled as an attempt by attempt_prefixes)"),
                PatternList(
                    "attempt_prefixes",
                    [
                        "ET SCAN", "GPL SCAN", "ET WEB_SCANNER", "ET DROP", "ET CINS", "ET COMPROMISED", "ET TOR",
                        "ET 3CORESec",
                    ], "signature prefixes of attempts and reputation (the source is hostile, nothing succeeded)"),
                PatternList(
                    "response_needles", [" response", "attack_response", "returned root", "command output"],
                    "signature substrings (lower-cased) of responses: the attacker is the destination"),
                PatternList(
                    "server_sent_needles", ["certificate", " cert "],
                    "signature substrings (lower-cased) of what a server sends about itself (a C2 handler's TLS certificate): the attacker is the source even in a response"
                ),
                PatternList(
                    "checkin_needles", ["et trojan", "et malware", "et cnc", "cnc", "checkin", "check-in", "beacon"],
                    "signature substrings (lower-cased) of malware calling out: the source is the victim, the destination the attacker"
                ),
                PatternList(
                    "well_known_networks",
                    [
                        "8.8.8.0/24", "8.8.4.0/24", "1.1.1.0/24", "1.0.0.0/24", "9.9.9.0/24", "149.112.112.0/24",
                        "208.67.222.0/24", "208.67.220.0/24",
                        "142.250.0.0/15", "172.217.0.0/16", "216.58.192.0/19", "74.125.0.0/16", "64.233.160.0/19",
                        "173.194.0.0/16",
                        "13.64.0.0/11", "20.33.0.0/16", "20.190.128.0/18", "40.64.0.0/10", "52.96.0.0/14",
                        "204.79.197.0/24", "13.107.0.0/16",
                        "23.0.0.0/12", "104.64.0.0/10", "184.24.0.0/13", "104.16.0.0/13", "172.64.0.0/13",
                        "151.101.0.0/16", "199.232.0.0/16",
                        "13.32.0.0/15", "52.84.0.0/15", "54.230.0.0/16", "99.84.0.0/16", "17.0.0.0/8", "31.13.24.0/21",
                        "157.240.0.0/16",
                    ],
                    "CDN, search engine, cloud and public resolver ranges: never an attacker from an informational alert, never a beacon or payload source"
                ),
            ]),
        // MARK: Log integrity
        Rule(
            id: "integrity.log_gap", role: .context, title: "Gap in a regular log stream", technique: "T1070.002", severity: .medium,
            threshold: 7_200, unit: "seconds of silence",
            description:
                "a host's log stream that is otherwise regular falls silent for at least the threshold and regularity_factor times its usual (99th percentile) gap, in hours of the day when it usually logs (its daily rhythm: a quiet night is no gap)",
            parameters: [
                RuleParameter("regularity_factor", 4, "times the stream's 99th-percentile gap"),
                RuleParameter("min_events", 50, "events a stream needs before its regularity is judged"),
                RuleParameter(
                    "usual_hours_in_gap", 3,
                    "whole silent hours in which the stream logs on at least half of its days; fewer, and the silence fits the host's rhythm"),
            ]),
        Rule(
            id: "integrity.log_ends_early", role: .context, title: "Log ends abruptly", technique: "T1070.002", severity: .medium,
            threshold: 7_200, unit: "seconds before the evidence ends",
            description:
                "a host's regular log stream stops at least the threshold (and regularity_factor times its usual gap) before the rest of the evidence ends",
            parameters: [
                RuleParameter("regularity_factor", 4, "times the stream's 99th-percentile gap"),
                RuleParameter("min_events", 50, "events a stream needs before its regularity is judged"),
            ]),
    ])
}

extension Int64 {
    /// The product, or `Int64.max` when it would overflow: numbers from a rules file never trap.
    func saturatingTimes(_ other: Int64) -> Int64 {
        let (v, overflow) = multipliedReportingOverflow(by: other)
        return overflow ? (self < 0) != (other < 0) ? .min : .max : v
    }
}
