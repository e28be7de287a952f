/// Detector thresholds and windows, in one declarative table (listed by `dwell rules`).
public struct Rule: Sendable {
    public var id: String
    public var title: String
    public var technique: String
    public var severity: Severity
    /// Threshold (count) and window (seconds), where the rule counts.
    public var threshold: Int
    public var windowSeconds: Int64
    public var description: String
}

public enum Rules {
    public static let all: [Rule] = [
        Rule(id: "auth.bruteforce", title: "SSH brute force", technique: "T1110.001", severity: .medium, threshold: 20,
             windowSeconds: 3600, description: "failed logins from one source within the window"),
        Rule(id: "auth.spraying", title: "Password spraying", technique: "T1110.003", severity: .medium, threshold: 10,
             windowSeconds: 3600, description: "distinct accounts failing from one source within the window"),
        Rule(id: "auth.success_after_failures", title: "Successful login after failures from the same source",
             technique: "T1110 → T1078", severity: .high, threshold: 5, windowSeconds: 3600,
             description: "failures from the source in the window before a success"),
        Rule(id: "auth.system_account_login", title: "Interactive login to a system account", technique: "T1078.003",
             severity: .high, threshold: 1, windowSeconds: 0, description: "a login to an account that should not log in"),
        Rule(id: "priv.sudo_failure", title: "Failed privilege escalation", technique: "T1548.003", severity: .medium,
             threshold: 1, windowSeconds: 0, description: "sudo/su refused: not in sudoers, incorrect passwords"),
        Rule(id: "persist.account_created", title: "Account created", technique: "T1136.001", severity: .medium,
             threshold: 1, windowSeconds: 0, description: "useradd/adduser"),
        Rule(id: "persist.privileged_group", title: "Account added to a privileged group", technique: "T1098",
             severity: .high, threshold: 1, windowSeconds: 0, description: "usermod/gpasswd adding to sudo, wheel, adm, root"),
        Rule(id: "web.exploit_attempt", title: "Web exploit pattern", technique: "T1190", severity: .medium, threshold: 1,
             windowSeconds: 0, description: "SQLi, XSS, traversal, command injection, JNDI/OGNL in the decoded request"),
        Rule(id: "web.exploit_success", title: "Web exploit pattern answered 2xx", technique: "T1190", severity: .high,
             threshold: 1, windowSeconds: 0, description: "an exploit pattern the server answered with success"),
        Rule(id: "web.webshell", title: "Web shell command", technique: "T1505.003", severity: .critical, threshold: 1,
             windowSeconds: 0, description: "a script path answering 2xx to command parameters (cmd=, exec=, ...)"),
        Rule(id: "web.scanner_agent", title: "Scanner user agent", technique: "T1595", severity: .medium, threshold: 1,
             windowSeconds: 0, description: "a known attack tool in the user agent"),
        Rule(id: "web.404_burst", title: "Burst of 404s across many paths", technique: "T1595.003", severity: .medium,
             threshold: 20, windowSeconds: 600, description: "distinct paths answered 404 to one source within the window"),
        Rule(id: "net.large_outbound", title: "Large outbound transfer", technique: "T1048", severity: .high,
             threshold: 100_000_000, windowSeconds: 0, description: "bytes sent from an internal host to an external address in one connection"),
        Rule(id: "net.port_scan", title: "Port or host scan", technique: "T1046", severity: .medium, threshold: 50,
             windowSeconds: 600, description: "distinct destination ports or hosts from one source within the window"),
        Rule(id: "ids.alert", title: "IDS alert", technique: "T1190", severity: .medium, threshold: 1, windowSeconds: 0,
             description: "Suricata alert, severity 1 = high, 2 = medium, 3 = low"),
    ]

    public static func rule(_ id: String) -> Rule {
        all.first { $0.id == id } ?? Rule(id: id, title: id, technique: "", severity: .low, threshold: 1, windowSeconds: 0, description: "")
    }

    /// Accounts that should not log in interactively.
    public static let systemAccounts: Set<String> = [
        "daemon", "bin", "sys", "sync", "games", "man", "lp", "mail", "news", "uucp", "proxy", "www-data", "backup",
        "list", "irc", "gnats", "nobody", "systemd-network", "systemd-resolve", "messagebus", "sshd", "mysql",
        "postgres", "nginx", "apache", "redis", "_apt",
    ]

    public static let privilegedGroups: Set<String> = ["sudo", "wheel", "adm", "root", "admin", "docker", "lxd"]

    /// Known attack tools, matched case-insensitively in user agents.
    public static let scannerAgents = [
        "nikto", "sqlmap", "nmap", "masscan", "zgrab", "gobuster", "dirbuster", "dirb/", "wpscan", "nuclei", "acunetix",
        "nessus", "openvas", "w3af", "hydra", "fuzz faster u fool", "ffuf", "feroxbuster", "wfuzz", "havij", "jaeles",
        "commix", "arachni", "skipfish", "netsparker", "burp",
    ]

    /// Query parameters that carry shell commands to a web shell.
    public static let webshellParameters = ["cmd=", "exec=", "command=", "c=", "execute=", "shell=", "run="]

    /// First words of commands sent to web shells.
    public static let shellCommands: Set<String> = [
        "id", "whoami", "uname", "cat", "ls", "pwd", "wget", "curl", "bash", "sh", "nc", "ncat", "python", "python3",
        "perl", "php", "echo", "ps", "netstat", "ss", "ifconfig", "ip", "hostname", "base64", "chmod", "find", "grep",
        "tar", "zip", "mysql", "mysqldump", "env", "crontab", "rm", "mv", "cp", "touch", "sudo", "su", "w", "who", "last",
        "dir", "type", "net", "ipconfig", "systeminfo", "powershell", "cmd", "cmd.exe", "certutil",
    ]

    /// Exploit patterns on the lower-cased, percent-decoded request (path + query).
    public static let exploitPatterns: [(name: String, needle: String)] = [
        ("sql-injection", "union select"), ("sql-injection", "union all select"), ("sql-injection", "' or '1'='1"),
        ("sql-injection", "' or 1=1"), ("sql-injection", "sleep("), ("sql-injection", "benchmark("),
        ("sql-injection", "information_schema"), ("sql-injection", "extractvalue("), ("sql-injection", "waitfor delay"),
        ("xss", "<script"), ("xss", "javascript:"), ("xss", "onerror="), ("xss", "onload="), ("xss", "<svg"),
        ("path-traversal", "../"), ("path-traversal", "..\\"), ("path-traversal", "/etc/passwd"),
        ("path-traversal", "win.ini"), ("command-injection", ";cat "), ("command-injection", "|cat "),
        ("command-injection", "$(curl"), ("command-injection", "`id`"), ("command-injection", ";id;"),
        ("command-injection", "wget http"), ("command-injection", "curl http"), ("command-injection", "/bin/sh"),
        ("command-injection", "/bin/bash"), ("command-injection", "nc -e"), ("log4shell", "${jndi:"),
        ("ognl", "%{(#"), ("ognl", "${(#"), ("ognl", "ognlcontext"), ("php", "php://input"), ("php", "allow_url_include"),
        ("shellshock", "() {"), ("spring4shell", "class.module.classloader"),
    ]
}
