/// The auth.log messages both emitters write (the sample's `Emitter` and the fleet's `FleetEmitter`), one copy
/// each, in OpenSSH 8+ and systemd-logind wording. Each appends one message body (or the `host prog[pid]: `
/// header) to the arena; the emitters choose times, pids and flags.
extension Array where Element == UInt8 {
    /// `host program[pid]: ` (no `[pid]` when `pid` is nil).
    mutating func putAuthHeader(host name: some Collection<UInt8>, program: StaticString, pid: Int?) {
        append(contentsOf: name)
        append(0x20)
        put(program)
        if let pid {
            append(UInt8(ascii: "["))
            putInt(pid)
            append(UInt8(ascii: "]"))
        }
        put(": ")
    }

    /// ` from ADDRESS port PORT`.
    mutating func putFromPort(_ from: IPv4, _ port: Int) {
        put(" from ")
        putIPv4(from)
        put(" port ")
        putInt(port)
    }

    /// `Accepted METHOD for USER from A port P ssh2[: ED25519 FINGERPRINT]`.
    mutating func putAccepted(method: String, user: String, from: IPv4, port: Int, fingerprint: String?) {
        put("Accepted ")
        put(method)
        put(" for ")
        put(user)
        putFromPort(from, port)
        put(" ssh2")
        if let fingerprint {
            put(": ED25519 ")
            put(fingerprint)
        }
    }

    /// `pam_unix(sshd:session): session opened for user USER(uid=N) by (uid=0)`.
    mutating func putSessionOpened(user: String, uid: Int) {
        put("pam_unix(sshd:session): session opened for user ")
        put(user)
        put("(uid=")
        putInt(uid)
        put(") by (uid=0)")
    }

    /// `pam_unix(sshd:session): session closed for user USER`.
    mutating func putSessionClosed(user: String) {
        put("pam_unix(sshd:session): session closed for user ")
        put(user)
    }

    /// logind: `New session N of user USER.`
    mutating func putNewSession(_ session: Int, user: String) {
        put("New session ")
        putInt(session)
        put(" of user ")
        put(user)
        append(UInt8(ascii: "."))
    }

    /// logind: `Session N logged out. Waiting for processes to exit.`
    mutating func putSessionLoggedOut(_ session: Int) {
        put("Session ")
        putInt(session)
        put(" logged out. Waiting for processes to exit.")
    }

    /// logind: `Removed session N.`
    mutating func putRemovedSession(_ session: Int) {
        put("Removed session ")
        putInt(session)
        append(UInt8(ascii: "."))
    }

    /// `Received disconnect from A port P:11: disconnected by user`.
    mutating func putUserDisconnect(from: IPv4, port: Int) {
        put("Received disconnect from ")
        putIPv4(from)
        put(" port ")
        putInt(port)
        put(":11: disconnected by user")
    }

    /// `Disconnected from user USER A port P`.
    mutating func putDisconnectedUser(_ user: String, from: IPv4, port: Int) {
        put("Disconnected from user ")
        put(user)
        append(0x20)
        putIPv4(from)
        put(" port ")
        putInt(port)
    }

    /// `Invalid user USER from A port P`.
    mutating func putInvalidUser(_ user: String, from: IPv4, port: Int) {
        put("Invalid user ")
        put(user)
        putFromPort(from, port)
    }

    /// `Failed password for [invalid user ]USER from A port P ssh2`.
    mutating func putFailedPassword(user: String, validUser: Bool, from: IPv4, port: Int) {
        put("Failed password for ")
        if !validUser { put("invalid user ") }
        put(user)
        putFromPort(from, port)
        put(" ssh2")
    }

    /// `PREFIX authenticating user USER A port P [preauth]` (`invalid user` for an unknown one): the close of a
    /// connection that never logged in (`Connection closed by `, `Disconnected from `).
    mutating func putPreauthClose(_ prefix: StaticString, user: String, validUser: Bool, from: IPv4, port: Int) {
        put(prefix)
        put(validUser ? "authenticating user " : "invalid user ")
        put(user)
        append(0x20)
        putIPv4(from)
        put(" port ")
        putInt(port)
        put(" [preauth]")
    }
}
