import DwellCore

/// Auth-family formats: syslog (RFC 3164/3339/5424) with its program parsers, and binary login records.
public enum AuthFormats {
    public static let all: [FormatDescriptor] = [
        FormatDescriptor(
            name: "syslog", family: "auth",
            detection: "RFC 3164 header (`Mmm dd hh:mm:ss host prog[pid]: msg`) on most sample lines",
            sample: "Mar  3 04:12:09 web01 sshd[2211]: Failed password for invalid user admin from 203.0.113.9 port 50122 ssh2",
            priority: 10,
            make: { _ in .lines(SyslogParser()) })
    ]
}
