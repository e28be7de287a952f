/// A machine whose logs were collected (or, for the infrastructure, one that only appears in them).
public struct Host: Sendable, Equatable {
    public var name: String
    public var address: IPv4
    public var clock: HostClock
    /// sshd `LogLevel VERBOSE`: logs `Connection from A port P on B port 22 rdomain ""`.
    public var verboseSSHD: Bool
    /// Local accounts and their uids.
    public var users: [String: Int]
    /// First pids of the host's daemons (stable over the days) and of sessions.
    var logindPID: Int
    var pidBase: Int
    var sessionBase: Int
    var nagiosPhaseSeconds: Int

    func uid(_ user: String) -> Int { users[user] ?? 1000 }
}

/// The addresses of the incident: the constants of the story.
public enum Net {
    public static let attackerWeb = IPv4(203, 0, 113, 45)
    public static let attackerExfil = IPv4(198, 51, 100, 77)
    public static let decoyBruteForce = IPv4(192, 0, 2, 200)
    public static let dnsServer = IPv4(10, 0, 0, 2)
    public static let monitoring = IPv4(10, 0, 0, 9)
    public static let siteName = "shop.example.com"
    /// deb.debian.org (a CDN) and the NTP pool, as the hosts reach them.
    public static let debianMirrors = [IPv4(151, 101, 2, 132), IPv4(151, 101, 66, 132), IPv4(151, 101, 130, 132)]
    public static let ntpServers = [IPv4(162, 159, 200, 1), IPv4(185, 125, 190, 56), IPv4(91, 189, 91, 157)]
    public static let vpnClients: [String: IPv4] = [
        "alice": IPv4(10, 8, 0, 14), "bob": IPv4(10, 8, 0, 22), "carol": IPv4(10, 8, 0, 31),
    ]

    /// The sensor taps the router: it sees traffic between different /24s (and to and from the Internet),
    /// not traffic inside one subnet.
    public static func sensorSees(_ a: IPv4, _ b: IPv4) -> Bool { a.subnet24 != b.subnet24 }
}

/// The hosts of one scenario: the core four always, plus `app02` and `backup01` for some seeds.
public struct Topology: Sendable {
    public var hosts: [Host]

    public func host(_ name: String) -> Host? { hosts.first { $0.name == name } }
    public func index(_ name: String) -> Int? { hosts.firstIndex { $0.name == name } }

    static func make(random: inout ScenarioRandom, withApp02: Bool, withBackup: Bool) -> Topology {
        func host(_ name: String, _ address: IPv4, verbose: Bool, users: [String: Int], clock: HostClock = .utc) -> Host
        {
            Host(
                name: name, address: address, clock: clock, verboseSSHD: verbose, users: users,
                logindPID: random.int(480...720), pidBase: random.int(900...4000),
                sessionBase: random.int(1...400), nagiosPhaseSeconds: random.int(0...599))
        }
        var hosts = [
            host(
                "bastion", IPv4(10, 0, 0, 5), verbose: false,
                users: ["alice": 1000, "bob": 1001, "carol": 1002, "nagios": 110]),
            host(
                "web01", IPv4(10, 0, 1, 10), verbose: false,
                users: ["alice": 1000, "deploy": 1001, "bob": 1002, "nagios": 110]),
            host("app01", IPv4(10, 0, 2, 20), verbose: true, users: ["alice": 1000, "deploy": 1001, "nagios": 110]),
        ]
        if withApp02 {
            hosts.append(
                host("app02", IPv4(10, 0, 2, 21), verbose: true, users: ["alice": 1000, "deploy": 1001, "nagios": 110]))
        }
        var dbUsers = ["alice": 1000, "deploy": 1001, "carol": 1002, "nagios": 110]
        if withBackup { dbUsers["backup"] = 1003 }
        hosts.append(host("db01", IPv4(10, 0, 3, 30), verbose: true, users: dbUsers, clock: .europeBerlin))
        if withBackup {
            hosts.append(
                host(
                    "backup01", IPv4(10, 0, 3, 31), verbose: false,
                    users: ["alice": 1000, "backup": 1001, "nagios": 110]))
        }
        return Topology(hosts: hosts)
    }
}

/// Deterministic identifiers that look like the real ones.
enum Identifiers {
    static let base62 = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)
    static let base64 = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// A Zeek connection uid: `C` and 17 base62 characters.
    static func putZeekUID(_ out: inout [UInt8], prefix: UInt8, _ random: inout ScenarioRandom) {
        out.append(prefix)
        var bits = random.next()
        var more = random.next()
        for i in 0..<17 {
            if i == 10 { bits = more; more = 0 }
            out.append(base62[Int(bits % 62)])
            bits /= 62
        }
    }

    static func zeekUID(prefix: UInt8 = UInt8(ascii: "C"), _ random: inout ScenarioRandom) -> [UInt8] {
        var out: [UInt8] = []
        putZeekUID(&out, prefix: prefix, &random)
        return out
    }

    /// `SHA256:` and 43 base64 characters (an OpenSSH key fingerprint), fixed per key name.
    static func keyFingerprint(seed: UInt64, key: String) -> String {
        var random = ScenarioRandom(seed, 0xF1, fnv(key))
        var chars: [UInt8] = Array("SHA256:".utf8)
        for _ in 0..<43 { chars.append(base64[random.int(0..<64)]) }
        return String(decoding: chars, as: UTF8.self)
    }

    /// The MD5 host key fingerprint Zeek's ssh.log prints, fixed per host.
    static func hostKeyMD5(seed: UInt64, host: String) -> String {
        var random = ScenarioRandom(seed, 0xF2, fnv(host))
        let hex = Array("0123456789abcdef".utf8)
        var chars: [UInt8] = []
        for i in 0..<16 {
            if i > 0 { chars.append(UInt8(ascii: ":")) }
            let b = random.int(0..<256)
            chars.append(hex[b >> 4])
            chars.append(hex[b & 15])
        }
        return String(decoding: chars, as: UTF8.self)
    }

    static func fnv(_ text: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in text.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
        return h
    }
}
