/// How an SSH login authenticated.
enum SSHMethod {
    case password
    case publickey(key: String)
}

/// One SSH login that succeeded, from its connection to its last logout line.
struct SSHSession {
    var host: Int
    var user: String
    var source: IPv4
    var sourcePort: Int
    var start: Micros
    var end: Micros
    var method: SSHMethod
    var flags: UInt8 = 0
    /// Flags for the closing lines (the final attacker event is a session close).
    var closeFlags: UInt8 = 0
    var clientVersion = "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3"
    var bytesOut = 4_000
    var bytesIn = 6_000
}

/// Writes events as log lines into a `RecordStore`: one call per event of the story or of the background,
/// which becomes the lines each log that saw it would hold (auth.log on the host, Zeek on the sensor, ...).
struct Emitter {
    let seed: UInt64
    let topology: Topology
    let windowStart: Micros
    let nagiosIntervalSeconds: Int
    /// Per host, the sorted start times of every planned (non-monitoring) SSH session: logind numbers
    /// sessions in order, so a session's number is derived from how many started before it.
    var plannedStarts: [[Micros]]
    var store = RecordStore()
    var seq: Int64 = 0
    /// The time of the last `Accepted` line written by `sshSession`.
    var lastAccepted: Micros = 0

    init(seed: UInt64, topology: Topology, windowStart: Micros, nagiosIntervalSeconds: Int, plannedStarts: [[Micros]]) {
        self.seed = seed
        self.topology = topology
        self.windowStart = windowStart
        self.nagiosIntervalSeconds = nagiosIntervalSeconds
        self.plannedStarts = plannedStarts
    }

    // MARK: Identifiers derived from time

    /// The start of monitoring session `k` on a host (every interval, a few seconds of jitter).
    func nagiosStart(host: Int, k: Int) -> Micros {
        let h = topology.hosts[host]
        let jitter = Micros(ScenarioRandom.mix(UInt64(k) &* 31 &+ UInt64(host) &+ seed) % 20_000_000)
        return windowStart + Micros(h.nagiosPhaseSeconds + k * nagiosIntervalSeconds) * microsPerSecond + jitter
    }

    func nagiosCount(host: Int, before time: Micros) -> Int {
        let h = topology.hosts[host]
        let offset = time - windowStart - Micros(h.nagiosPhaseSeconds) * microsPerSecond
        if offset < 0 { return 0 }
        let k = Int(offset / (Micros(nagiosIntervalSeconds) * microsPerSecond))
        return nagiosStart(host: host, k: k) < time ? k + 1 : k
    }

    /// systemd-logind's session number for a session starting at `time`.
    func sessionID(host: Int, at time: Micros) -> Int {
        let starts = plannedStarts[host]
        var lo = 0
        var hi = starts.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if starts[mid] < time { lo = mid + 1 } else { hi = mid }
        }
        return topology.hosts[host].sessionBase + nagiosCount(host: host, before: time) + lo
    }

    /// A plausible pid at `time`: pids grow with time (about one every eight seconds), with a little noise.
    func pid(host: Int, at time: Micros, salt: Int = 0) -> Int {
        let h = topology.hosts[host]
        let steps = Int((time - windowStart) / (8 * microsPerSecond))
        let noise = Int(ScenarioRandom.mix(UInt64(truncatingIfNeeded: time) ^ UInt64(salt) &* 0x9E37) % 7)
        return (h.pidBase + steps + noise + salt) % 4_194_000 + 2
    }

    // MARK: Auth lines

    /// Starts an auth line `host program[pid]: ` and returns where it begins; finish with `endAuth`.
    mutating func beginAuth(host: Int, program: StaticString, pid: Int?) -> Int {
        let start = store.arena.count
        store.arena.putAuthHeader(host: topology.hosts[host].name.utf8, program: program, pid: pid)
        return start
    }

    mutating func end(stream: Int32, time: Micros, flags: UInt8, start: Int) {
        seq += 1
        store.add(stream: stream, time: time, seq: seq, flags: flags, start: start)
    }

    mutating func auth(
        host: Int, _ time: Micros, _ program: StaticString, pid: Int?, flags: UInt8 = 0,
        _ body: (inout [UInt8]) -> Void
    ) {
        let start = beginAuth(host: host, program: program, pid: pid)
        body(&store.arena)
        end(stream: Int32(host), time: time, flags: flags, start: start)
    }

    // MARK: SSH

    /// The auth.log lines of a successful login and its logout, and Zeek's conn and ssh records when the
    /// sensor sees the connection.
    mutating func sshSession(_ s: SSHSession, random: inout ScenarioRandom) {
        let h = topology.hosts[s.host]
        let pid = pid(host: s.host, at: s.start, salt: 1)
        let childPID = pid + random.int(1...3)
        let sid = sessionID(host: s.host, at: s.start)
        let uid = h.uid(s.user)
        var t = s.start
        if h.verboseSSHD {
            auth(host: s.host, t, "sshd", pid: pid, flags: s.flags) {
                $0.put("Connection from ")
                $0.putIPv4(s.source)
                $0.put(" port ")
                $0.putInt(s.sourcePort)
                $0.put(" on ")
                $0.putIPv4(h.address)
                $0.put(" port 22 rdomain \"\"")
            }
        }
        t += Micros(random.int(60_000...900_000))
        let accepted = t
        lastAccepted = t
        var fingerprint = ""
        if case .publickey(let key) = s.method { fingerprint = Identifiers.keyFingerprint(seed: seed, key: key) }
        let method: String
        switch s.method {
        case .password: method = "password"
        case .publickey: method = "publickey"
        }
        auth(host: s.host, t, "sshd", pid: pid, flags: s.flags | RecordFlag.naming) {
            $0.putAccepted(
                method: method, user: s.user, from: s.source, port: s.sourcePort,
                fingerprint: fingerprint.isEmpty ? nil : fingerprint)
        }
        t += Micros(random.int(2_000...20_000))
        auth(host: s.host, t, "sshd", pid: pid, flags: s.flags | RecordFlag.naming) {
            $0.putSessionOpened(user: s.user, uid: uid)
        }
        t += Micros(random.int(2_000...30_000))
        auth(host: s.host, t, "systemd-logind", pid: h.logindPID, flags: s.flags) { $0.putNewSession(sid, user: s.user) }
        // Logout: all closing lines within a few tens of milliseconds.
        var c = s.end
        let closeFlags = s.flags | s.closeFlags
        auth(host: s.host, c, "sshd", pid: childPID, flags: s.flags | RecordFlag.naming) {
            $0.putUserDisconnect(from: s.source, port: s.sourcePort)
        }
        c += Micros(random.int(200...2_000))
        auth(host: s.host, c, "sshd", pid: childPID, flags: s.flags | RecordFlag.naming) {
            $0.putDisconnectedUser(s.user, from: s.source, port: s.sourcePort)
        }
        c += Micros(random.int(1_000...9_000))
        auth(host: s.host, c, "sshd", pid: pid, flags: closeFlags | RecordFlag.naming) { $0.putSessionClosed(user: s.user) }
        c += Micros(random.int(1_000...9_000))
        auth(host: s.host, c, "systemd-logind", pid: h.logindPID, flags: s.flags) { $0.putSessionLoggedOut(sid) }
        c += Micros(random.int(1_000...9_000))
        auth(host: s.host, c, "systemd-logind", pid: h.logindPID, flags: s.flags) { $0.putRemovedSession(sid) }
        if Net.sensorSees(s.source, h.address) {
            let uid = Identifiers.zeekUID(&random)
            let connStart = s.start - Micros(random.int(1_000...5_000))
            conn(
                uid: uid, time: connStart, from: s.source, s.sourcePort, to: h.address, 22, proto: "tcp",
                service: "ssh", duration: s.end - connStart + 3_000, bytesOut: s.bytesOut, bytesIn: s.bytesIn,
                state: "SF", history: "ShAdDaFf", flags: s.flags)
            sshRecord(
                uid: uid, time: connStart + (accepted - connStart) / 4, from: s.source, s.sourcePort, to: h.address,
                success: "T", attempts: 1 + (random.chance(0.2) ? 1 : 0), client: s.clientVersion,
                server: "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3", hostName: h.name, flags: s.flags)
        }
    }

    /// One connection of a password-guessing client: `attempts` failures, then `[preauth]` close.
    mutating func sshFailures(
        host: Int, user: String, validUser: Bool, source: IPv4, sourcePort: Int, start: Micros, attempts: Int,
        client: String, random: inout ScenarioRandom
    ) {
        let h = topology.hosts[host]
        let pid = pid(host: host, at: start, salt: 3)
        var t = start
        if !validUser {
            auth(host: host, t, "sshd", pid: pid) { $0.putInvalidUser(user, from: source, port: sourcePort) }
            t += Micros(random.int(50_000...300_000))
            auth(host: host, t, "sshd", pid: pid) { $0.put("pam_unix(sshd:auth): check pass; user unknown") }
        }
        t += Micros(random.int(1_000...5_000))
        auth(host: host, t, "sshd", pid: pid) {
            $0.put("pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=")
            $0.putIPv4(source)
            if validUser {
                $0.put("  user=")
                $0.put(user)
            }
        }
        for _ in 0..<attempts {
            t += Micros(random.int(1_500_000...3_000_000))
            auth(host: host, t, "sshd", pid: pid) {
                $0.putFailedPassword(user: user, validUser: validUser, from: source, port: sourcePort)
            }
        }
        if attempts > 1 {
            auth(host: host, t + 300, "sshd", pid: pid) {
                $0.put("PAM ")
                $0.putInt(attempts - 1)
                $0.put(" more authentication failure")
                if attempts > 2 { $0.append(UInt8(ascii: "s")) }
                $0.put("; logname= uid=0 euid=0 tty=ssh ruser= rhost=")
                $0.putIPv4(source)
                if validUser {
                    $0.put("  user=")
                    $0.put(user)
                }
            }
        }
        t += Micros(random.int(20_000...400_000))
        auth(host: host, t, "sshd", pid: pid) {
            $0.putPreauthClose("Connection closed by ", user: user, validUser: validUser, from: source, port: sourcePort)
        }
        if Net.sensorSees(source, h.address) {
            let uid = Identifiers.zeekUID(&random)
            let connStart = start - Micros(random.int(1_000...40_000))
            conn(
                uid: uid, time: connStart, from: source, sourcePort, to: h.address, 22, proto: "tcp", service: "ssh",
                duration: t - connStart + 2_000, bytesOut: 900 + attempts * 100, bytesIn: 1_500 + attempts * 60,
                state: "SF", history: "ShAdDaFf")
            sshRecord(
                uid: uid, time: connStart + 40_000, from: source, sourcePort, to: h.address, success: "F",
                attempts: attempts, client: client, server: "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3", hostName: h.name)
        }
    }

    /// sudo's command line and its PAM session (`%8s : ...`, as sudo pads the user name).
    mutating func sudo(
        host: Int, _ time: Micros, user: String, tty: Int, pwd: String, command: String, durationMicros: Micros,
        flags: UInt8 = 0, random: inout ScenarioRandom
    ) {
        let h = topology.hosts[host]
        let pid = pid(host: host, at: time, salt: 5)
        auth(host: host, time, "sudo", pid: nil, flags: flags | RecordFlag.naming) {
            for _ in user.utf8.count..<max(8, user.utf8.count) { $0.append(0x20) }
            $0.put(user)
            $0.put(" : TTY=pts/")
            $0.putInt(tty)
            $0.put(" ; PWD=")
            $0.put(pwd)
            $0.put(" ; USER=root ; COMMAND=")
            $0.put(command)
        }
        auth(host: host, time + Micros(random.int(1_000...6_000)), "sudo", pid: pid, flags: flags | RecordFlag.naming) {
            $0.put("pam_unix(sudo:session): session opened for user root(uid=0) by ")
            $0.put(user)
            $0.put("(uid=")
            $0.putInt(h.uid(user))
            $0.put(")")
        }
        auth(host: host, time + durationMicros, "sudo", pid: pid, flags: flags) {
            $0.put("pam_unix(sudo:session): session closed for user root")
        }
    }

    /// A cron job: PAM session, the command, session closed.
    mutating func cron(host: Int, _ time: Micros, command: String, durationMicros: Micros) {
        let pid = pid(host: host, at: time, salt: 7)
        auth(host: host, time, "CRON", pid: pid) {
            $0.put("pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)")
        }
        auth(host: host, time + 1_500, "CRON", pid: pid + 1) {
            $0.put("(root) CMD (")
            $0.put(command)
            $0.put(")")
        }
        auth(host: host, time + durationMicros, "CRON", pid: pid) {
            $0.put("pam_unix(cron:session): session closed for user root")
        }
    }

    // MARK: Zeek

    mutating func beginZeek(_ time: Micros, uid: [UInt8], from: IPv4, _ fromPort: Int, to: IPv4, _ toPort: Int) -> Int {
        let start = store.arena.count
        store.arena.putEpochSeconds(time)
        store.arena.tab()
        store.arena.append(contentsOf: uid)
        store.arena.tab()
        store.arena.putZeekConnID(from: from, fromPort, to: to, toPort)
        return start
    }

    /// A conn.log record (Zeek 6 fields).
    mutating func conn(
        uid: [UInt8], time: Micros, from: IPv4, _ fromPort: Int, to: IPv4, _ toPort: Int, proto: StaticString,
        service: StaticString, duration: Micros, bytesOut: Int, bytesIn: Int, state: StaticString,
        history: StaticString, flags: UInt8 = 0
    ) {
        let start = beginZeek(time, uid: uid, from: from, fromPort, to: to, toPort)
        store.arena.putConnFields(
            proto: proto, service: service, duration: duration, bytesOut: bytesOut, bytesIn: bytesIn, state: state,
            from: from, to: to, history: history)
        end(stream: StreamID.zeekConn, time: time, flags: flags, start: start)
    }

    /// An ssh.log record (Zeek 6 fields, without the optional hassh package).
    mutating func sshRecord(
        uid: [UInt8], time: Micros, from: IPv4, _ fromPort: Int, to: IPv4, success: StaticString, attempts: Int,
        client: String, server: StaticString, hostName: String, flags: UInt8 = 0
    ) {
        let start = beginZeek(time, uid: uid, from: from, fromPort, to: to, 22)
        store.arena.put("2\t")
        store.arena.put(success)
        store.arena.tab()
        store.arena.putInt(attempts)
        store.arena.tab()
        if from.isPrivate && to.isPrivate {
            store.arena.put("-")
        } else {
            store.arena.put(to.isPrivate ? "INBOUND" : "OUTBOUND")
        }
        store.arena.tab()
        store.arena.put(client)
        store.arena.tab()
        store.arena.put(server)
        store.arena.put(
            "\tchacha20-poly1305@openssh.com\tumac-64-etm@openssh.com\tnone\tsntrup761x25519-sha512@openssh.com\tssh-ed25519\t"
        )
        store.arena.put(Identifiers.hostKeyMD5(seed: seed, host: hostName))
        end(stream: StreamID.zeekSSH, time: time, flags: flags, start: start)
    }

    /// A dns.log record for an A query answered by the internal resolver, and its conn.log record.
    mutating func dns(time: Micros, from: IPv4, query: String, answers: [IPv4], random: inout ScenarioRandom) {
        guard Net.sensorSees(from, Net.dnsServer) else { return }
        let uid = Identifiers.zeekUID(&random)
        let port = random.int(32_768...60_999)
        let rtt = Micros(random.int(200...40_000))
        let start = beginZeek(time, uid: uid, from: from, port, to: Net.dnsServer, 53)
        store.arena.put("udp\t")
        store.arena.putInt(random.int(1...65_535))
        store.arena.tab()
        store.arena.putInterval(rtt)
        store.arena.tab()
        store.arena.put(query)
        store.arena.put("\t1\tC_INTERNET\t1\tA\t0\tNOERROR\tF\tF\tT\tT\t0\t")
        if answers.isEmpty {
            store.arena.put("-\t-")
        } else {
            for (i, a) in answers.enumerated() {
                if i > 0 { store.arena.append(UInt8(ascii: ",")) }
                store.arena.putIPv4(a)
            }
            store.arena.tab()
            for i in answers.indices {
                if i > 0 { store.arena.append(UInt8(ascii: ",")) }
                store.arena.put("300.000000")
            }
        }
        store.arena.put("\tF")
        end(stream: StreamID.zeekDNS, time: time, flags: 0, start: start)
        let bytesOut = 17 + query.utf8.count + 12
        conn(
            uid: uid, time: time, from: from, port, to: Net.dnsServer, 53, proto: "udp", service: "dns",
            duration: rtt, bytesOut: bytesOut, bytesIn: bytesOut + 16 * answers.count, state: "SF", history: "Dd")
    }

    /// An http.log record.
    mutating func httpRecord(
        uid: [UInt8], time: Micros, from: IPv4, _ fromPort: Int, to: IPv4, _ toPort: Int, depth: Int, method: String,
        host: String, uri: String, referrer: String, userAgent: String, requestBytes: Int, responseBytes: Int,
        status: Int, mime: StaticString, flags: UInt8, random: inout ScenarioRandom
    ) {
        let start = beginZeek(time, uid: uid, from: from, fromPort, to: to, toPort)
        store.arena.putInt(depth)
        store.arena.tab()
        store.arena.put(method)
        store.arena.tab()
        store.arena.put(host)
        store.arena.tab()
        store.arena.put(uri)
        store.arena.tab()
        store.arena.put(referrer.isEmpty ? "-" : referrer)
        store.arena.put("\t1.1\t")
        store.arena.put(userAgent)
        store.arena.put("\t-\t")
        store.arena.putInt(requestBytes)
        store.arena.tab()
        store.arena.putInt(responseBytes)
        store.arena.tab()
        store.arena.putInt(status)
        store.arena.tab()
        store.arena.put(Self.statusMessage(status))
        store.arena.put("\t-\t-\t(empty)\t-\t-\t-\t")
        if requestBytes > 0 {
            Identifiers.putZeekUID(&store.arena, prefix: UInt8(ascii: "F"), &random)
            store.arena.put("\t-\tapplication/octet-stream\t")
        } else {
            store.arena.put("-\t-\t-\t")
        }
        if responseBytes > 0 {
            Identifiers.putZeekUID(&store.arena, prefix: UInt8(ascii: "F"), &random)
            store.arena.put("\t-\t")
            store.arena.put(mime)
        } else {
            store.arena.put("-\t-\t-")
        }
        end(stream: StreamID.zeekHTTP, time: time, flags: flags, start: start)
    }

    static func statusMessage(_ status: Int) -> StaticString {
        switch status {
        case 200: return "OK"
        case 204: return "No Content"
        case 301: return "Moved Permanently"
        case 302: return "Found"
        case 304: return "Not Modified"
        case 400: return "Bad Request"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Not Allowed"
        case 500: return "Internal Server Error"
        default: return "-"
        }
    }

    // MARK: Web

    /// One nginx combined-format line on web01 (time to the second, as `$time_local` prints it).
    mutating func accessLine(
        time: Micros, client: IPv4, method: String, uri: String, status: Int, bytes: Int, referrer: String,
        userAgent: String, flags: UInt8
    ) {
        let second = Calendar0.floorDiv(time, microsPerSecond) * microsPerSecond
        let start = store.arena.count
        store.arena.putCombinedLine(
            client: client, second: second, method: method, uri: uri, status: status, bytes: bytes,
            referrer: referrer.isEmpty ? "-" : referrer, userAgent: userAgent)
        end(stream: StreamID.access, time: second, flags: flags, start: start)
    }
}
