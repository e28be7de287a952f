/// How a fleet login authenticated, as sshd names it.
enum FleetAuth: Equatable {
    case password
    /// The key's owner (its fingerprint is fixed per owner and seed).
    case key(owner: String)

    var methodName: String {
        switch self {
        case .password: return "password"
        case .key: return "publickey"
        }
    }
}

/// Writes the fleet's events as log lines into a `RecordStore`: the host's auth.log line (`host prog[pid]: msg`,
/// the writer adds the time stamp), the web tier's access.log line and the sensor's conn.log line.
///
/// Streams depend on the layout: central puts every host's auth lines into stream 0 and the web tier into
/// stream 1; image gives each host its own auth stream (its index) and each web server its own access stream.
struct FleetEmitter {
    static let centralAuth: Int32 = 0
    static let centralAccess: Int32 = 1
    static let conn: Int32 = 2000
    static let attacker = RecordFlag.attacker | RecordFlag.naming

    let fleet: Fleet
    let layout: FleetLayout
    let seed: UInt64
    var store = RecordStore()
    var seq: Int64 = 0
    /// systemd-logind's session counter per host.
    var sessionNumbers: [Int]
    var fingerprints: [String: String] = [:]

    init(fleet: Fleet, layout: FleetLayout, seed: UInt64) {
        self.fleet = fleet
        self.layout = layout
        self.seed = seed
        var r = ScenarioRandom(seed, 0x5E55)
        sessionNumbers = fleet.hosts.map { _ in r.int(1...900) }
    }

    func authStream(_ host: Int) -> Int32 { layout == .central ? Self.centralAuth : Int32(host) }
    func accessStream(_ host: Int) -> Int32 { layout == .central ? Self.centralAccess : 1000 + Int32(host) }

    mutating func fingerprint(_ owner: String) -> String {
        if let f = fingerprints[owner] { return f }
        let f = Identifiers.keyFingerprint(seed: seed, key: "fleet:" + owner)
        fingerprints[owner] = f
        return f
    }

    mutating func end(stream: Int32, time: Micros, flags: UInt8, start: Int) {
        seq += 1
        store.add(stream: stream, time: time, seq: seq, flags: flags, start: start)
    }

    /// One auth.log line: `host program[pid]: ` and the body.
    mutating func auth(
        _ host: Int, _ time: Micros, _ program: StaticString, pid: Int?, flags: UInt8 = 0,
        _ body: (inout [UInt8]) -> Void
    ) {
        let start = store.arena.count
        store.arena.putAuthHeader(host: fleet.hosts[host].nameBytes, program: program, pid: pid)
        body(&store.arena)
        end(stream: authStream(host), time: time, flags: flags, start: start)
    }

    // MARK: Zeek

    /// A conn.log record (Zeek 6 fields); only flows that cross the sensor (between /24s or to the Internet).
    mutating func conn(
        _ time: Micros, from: IPv4, _ fromPort: Int, to: IPv4, _ toPort: Int, proto: StaticString = "tcp",
        service: StaticString = "-", duration: Micros, bytesOut: Int, bytesIn: Int, state: StaticString = "SF",
        history: StaticString = "ShADadfF", flags: UInt8 = 0, random: inout ScenarioRandom
    ) {
        guard Net.sensorSees(from, to) else { return }
        let start = store.arena.count
        store.arena.putEpochSeconds(time)
        store.arena.tab()
        Identifiers.putZeekUID(&store.arena, prefix: UInt8(ascii: "C"), &random)
        store.arena.tab()
        store.arena.putZeekConnID(from: from, fromPort, to: to, toPort)
        store.arena.putConnFields(
            proto: proto, service: service, duration: duration, bytesOut: bytesOut, bytesIn: bytesIn, state: state,
            from: from, to: to, history: history)
        end(stream: Self.conn, time: time, flags: flags, start: start)
    }

    // MARK: sshd

    /// A successful ssh login and, when `end` is inside the evidence, its logout: the sensor's flow (same
    /// source port, started a few hundred milliseconds before `Accepted`), `Accepted …`, the PAM session and
    /// logind's session, and at `end` the disconnect lines. sshd at LogLevel INFO: the host never logs its
    /// own address. Returns logind's session number.
    @discardableResult
    mutating func sshLogin(
        host: Int, user: String, from: IPv4, port: Int, auth method: FleetAuth, at accepted: Micros, until end: Micros,
        flags: UInt8 = 0, random: inout ScenarioRandom
    ) -> Int {
        let target = fleet.hosts[host]
        let flowStart = accepted - Micros(random.int(40_000...300_000))
        conn(
            flowStart, from: from, port, to: target.address, 22, service: "ssh", duration: end - flowStart,
            bytesOut: random.int(3_000...90_000), bytesIn: random.int(4_000...400_000), flags: flags, random: &random)
        let pid = random.int(2_000...60_000)
        let uid = fleet.uid(user)
        var keyFingerprint: String?
        if case .key(let owner) = method { keyFingerprint = fingerprint(owner) }
        auth(host, accepted, "sshd", pid: pid, flags: flags) {
            $0.putAccepted(method: method.methodName, user: user, from: from, port: port, fingerprint: keyFingerprint)
        }
        auth(host, accepted + 2_000, "sshd", pid: pid, flags: flags) { $0.putSessionOpened(user: user, uid: uid) }
        sessionNumbers[host] += 1
        let session = sessionNumbers[host]
        auth(host, accepted + 9_000, "systemd-logind", pid: 400 + host, flags: flags) {
            $0.putNewSession(session, user: user)
        }
        auth(host, end, "sshd", pid: pid, flags: flags) { $0.putUserDisconnect(from: from, port: port) }
        auth(host, end + 300, "sshd", pid: pid, flags: flags) { $0.putDisconnectedUser(user, from: from, port: port) }
        auth(host, end + 2_000, "sshd", pid: pid, flags: flags) { $0.putSessionClosed(user: user) }
        auth(host, end + 4_000, "systemd-logind", pid: 400 + host, flags: flags) { $0.putSessionLoggedOut(session) }
        auth(host, end + 6_000, "systemd-logind", pid: 400 + host, flags: flags) { $0.putRemovedSession(session) }
        return session
    }

    /// One connection of password guessing: `tries` failed passwords (at most sshd's MaxAuthTries), then the
    /// preauth disconnect, in OpenSSH 8+ wording; or a bare connect-and-close when `tries` is 0.
    mutating func sshGuess(
        host: Int, user: String, validUser: Bool, from: IPv4, port: Int, at time: Micros, tries: Int,
        flags: UInt8 = 0, random: inout ScenarioRandom
    ) -> Micros {
        let target = fleet.hosts[host]
        let pid = random.int(2_000...60_000)
        let flowStart = time - Micros(random.int(30_000...250_000))
        var t = time
        if !validUser {
            auth(host, t, "sshd", pid: pid, flags: flags) { $0.putInvalidUser(user, from: from, port: port) }
        }
        for i in 0..<tries {
            t += Micros(random.int(1_200_000...3_500_000))
            if i == 0 {
                auth(host, t - 1_000, "sshd", pid: pid, flags: flags) {
                    if !validUser {
                        $0.put("pam_unix(sshd:auth): check pass; user unknown")
                    } else {
                        $0.put(
                            "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=")
                        $0.putIPv4(from)
                        $0.put("  user=")
                        $0.put(user)
                    }
                }
            }
            auth(host, t, "sshd", pid: pid, flags: flags) {
                $0.putFailedPassword(user: user, validUser: validUser, from: from, port: port)
            }
        }
        t += Micros(random.int(10_000...400_000))
        if tries > 0 {
            auth(host, t, "sshd", pid: pid, flags: flags) {
                $0.put("Received disconnect from ")
                $0.putIPv4(from)
                $0.put(" port ")
                $0.putInt(port)
                $0.put(":11: Bye Bye [preauth]")
            }
            auth(host, t + 200, "sshd", pid: pid, flags: flags) {
                $0.putPreauthClose("Disconnected from ", user: user, validUser: validUser, from: from, port: port)
            }
        } else {
            auth(host, t, "sshd", pid: pid, flags: flags) {
                $0.putPreauthClose("Connection closed by ", user: user, validUser: validUser, from: from, port: port)
            }
        }
        conn(
            flowStart, from: from, port, to: target.address, 22, service: "ssh", duration: t - flowStart,
            bytesOut: 1_200 + tries * 600, bytesIn: 1_900 + tries * 500, flags: flags, random: &random)
        return t
    }

    // MARK: Administration

    /// sudo's command line and its PAM session (`%8s : TTY=… ; PWD=… ; USER=root ; COMMAND=…`); a negative
    /// `tty` is a session without a terminal (automation), for which sudo writes no `TTY=` field.
    mutating func sudo(
        host: Int, _ time: Micros, user: String, tty: Int, pwd: String, command: String, duration: Micros,
        flags: UInt8 = 0, random: inout ScenarioRandom
    ) {
        let pid = random.int(2_000...60_000)
        let uid = fleet.uid(user)
        auth(host, time, "sudo", pid: nil, flags: flags) {
            for _ in user.utf8.count..<max(8, user.utf8.count) { $0.append(0x20) }
            $0.put(user)
            if tty >= 0 {
                $0.put(" : TTY=pts/")
                $0.putInt(tty)
                $0.put(" ; PWD=")
            } else {
                $0.put(" : PWD=")
            }
            $0.put(pwd)
            $0.put(" ; USER=root ; COMMAND=")
            $0.put(command)
        }
        auth(host, time + 3_000, "sudo", pid: pid, flags: flags) {
            $0.put("pam_unix(sudo:session): session opened for user root(uid=0) by ")
            $0.put(user)
            $0.put("(uid=")
            $0.putInt(uid)
            $0.put(")")
        }
        auth(host, time + duration, "sudo", pid: pid, flags: flags) {
            $0.put("pam_unix(sudo:session): session closed for user root")
        }
    }

    /// A cron job: the PAM session, the command, the session closed.
    mutating func cron(host: Int, _ time: Micros, command: String, duration: Micros, random: inout ScenarioRandom) {
        let pid = random.int(2_000...60_000)
        auth(host, time, "CRON", pid: pid) {
            $0.put("pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)")
        }
        auth(host, time + 1_000, "CRON", pid: pid) {
            $0.put("(root) CMD (")
            $0.put(command)
            $0.put(")")
        }
        auth(host, time + duration, "CRON", pid: pid) {
            $0.put("pam_unix(cron:session): session closed for user root")
        }
    }

    /// `useradd`'s lines for a new account with its own group.
    mutating func useradd(host: Int, _ time: Micros, account: String, uid: Int, flags: UInt8 = 0) {
        let pid = 30_000 + uid % 9_000
        auth(host, time, "useradd", pid: pid, flags: flags) {
            $0.put("new group: name=")
            $0.put(account)
            $0.put(", GID=")
            $0.putInt(uid)
        }
        auth(host, time + 1_000, "useradd", pid: pid, flags: flags) {
            $0.put("new user: name=")
            $0.put(account)
            $0.put(", UID=")
            $0.putInt(uid)
            $0.put(", GID=")
            $0.putInt(uid)
            $0.put(", home=/home/")
            $0.put(account)
            $0.put(", shell=/bin/bash, from=none")
        }
    }

    /// `usermod -aG GROUP ACCOUNT`.
    mutating func usermodAddGroup(host: Int, _ time: Micros, account: String, group: String, flags: UInt8 = 0) {
        let pid = 31_000 + Int(Identifiers.fnv(account + group) % 9_000)
        auth(host, time, "usermod", pid: pid, flags: flags) {
            $0.put("add '")
            $0.put(account)
            $0.put("' to group '")
            $0.put(group)
            $0.put("'")
        }
        auth(host, time + 500, "usermod", pid: pid, flags: flags) {
            $0.put("add '")
            $0.put(account)
            $0.put("' to shadow group '")
            $0.put(group)
            $0.put("'")
        }
    }

    /// `groupadd GROUP` (a system group).
    mutating func groupadd(host: Int, _ time: Micros, group: String, gid: Int) {
        let pid = 32_000 + gid
        auth(host, time, "groupadd", pid: pid) {
            $0.put("group added to /etc/group: name=")
            $0.put(group)
            $0.put(", GID=")
            $0.putInt(gid)
        }
        auth(host, time + 400, "groupadd", pid: pid) {
            $0.put("group added to /etc/gshadow: name=")
            $0.put(group)
        }
        auth(host, time + 800, "groupadd", pid: pid) {
            $0.put("new group: name=")
            $0.put(group)
            $0.put(", GID=")
            $0.putInt(gid)
        }
    }

    // MARK: Web

    /// One nginx combined line on `web` and the sensor's flow of its connection (HTTPS unless `port` says).
    mutating func request(
        web: Int, _ time: Micros, client: IPv4, clientPort: Int, method: String, uri: String, status: Int, bytes: Int,
        referrer: String = "-", userAgent: String, port: Int = 443, flags: UInt8 = 0, random: inout ScenarioRandom
    ) {
        let flowStart = time - Micros(random.int(20_000...250_000))
        conn(
            flowStart, from: client, clientPort, to: fleet.hosts[web].address, port,
            service: port == 443 ? "ssl" : "http", duration: time - flowStart + Micros(random.int(1_000...90_000)),
            bytesOut: 300 + uri.utf8.count + (method == "POST" ? random.int(200...30_000) : 0),
            bytesIn: bytes + 400, flags: flags, random: &random)
        let second = Calendar0.floorDiv(time, microsPerSecond) * microsPerSecond
        let start = store.arena.count
        store.arena.putCombinedLine(
            client: client, second: second, method: method, uri: uri, status: status, bytes: bytes,
            referrer: referrer, userAgent: userAgent)
        end(stream: accessStream(web), time: time, flags: flags, start: start)
    }
}

extension Micros {
    /// The same second, at a fraction between 0.5 and 0.9 s: events the ground truth names are placed there,
    /// so the sensor's flow (started up to 0.3 s earlier) and the host's line fall in the same second.
    func snappedMidSecond(_ r: inout ScenarioRandom) -> Micros {
        Calendar0.floorDiv(self, microsPerSecond) * microsPerSecond + Micros(r.int(500_000...900_000))
    }
}
