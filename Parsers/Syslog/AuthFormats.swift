import DwellCore

/// Auth-family formats: syslog (RFC 3164/3339/5424) with its program parsers, and binary login records.
public enum AuthFormats {
    public static let all: [FormatDescriptor] = [
        FormatDescriptor(
            name: "syslog", family: "auth",
            detection: "syslog header (RFC 3164 `Mmm dd hh:mm:ss host prog[pid]: msg`, RFC 3339 or RFC 5424) on most sample lines",
            sample: "Mar  3 04:12:09 web01 sshd[2211]: Failed password for invalid user admin from 203.0.113.9 port 50122 ssh2",
            priority: 10,
            make: { _ in .lines(SyslogParser()) }),
        FormatDescriptor(
            name: "wtmp", family: "auth",
            detection: "384-byte glibc utmp records (types 0-9, plausible times, NUL-padded text) at the start of the file",
            sample: "binary utmp/wtmp records: logins, logouts, boots, shutdowns",
            priority: 60,
            detect: { sample in UtmpParser.detectionScore(sample.prefix) },
            make: { _ in .records(UtmpParser()) }),
        FormatDescriptor(
            name: "btmp", family: "auth",
            detection: "utmp records in a file whose name starts with `btmp`: every login record is a failed login",
            sample: "binary btmp records: failed logins",
            priority: 61,
            detect: { sample in
                isBtmpPath(sample.path) ? UtmpParser.detectionScore(sample.prefix) : 0
            },
            make: { _ in .records(UtmpParser(failedLogins: true)) }),
    ]

    /// Whether the path's last component starts with `btmp` (`btmp`, `btmp.1`, `btmp-20260301.gz`).
    static func isBtmpPath(_ path: String) -> Bool {
        let name = path.split(separator: "/").last ?? Substring(path)
        return name.hasPrefix("btmp")
    }
}
