/// A slow, obviously correct parser for the main sshd, sudo and su line shapes, built on `String`, for checking
/// the byte-level `SyslogParser` on generated lines. Test-only: it knows nothing the fast parser's code knows, and
/// it handles only the shapes the generator writes.
///
///     Mmm dd hh:mm:ss HOST PROG[PID]: MSG            (the year is 2025, the zone UTC: the harness's clock)
///     YYYY-MM-DDThh:mm:ss[.ffffff](Z|±hh:mm) HOST PROG[PID]: MSG
///
///     Accepted|Failed METHOD for [invalid user ]USER from IP port N ssh2
///     Invalid user USER from IP port N
///     USER : TTY=T ; PWD=P ; USER=U ; COMMAND=C
///     Successful su for TARGET by USER / FAILED su for TARGET by USER
enum ReferenceAuthParser {
    static func parse(_ line: String) -> [String: String]? {
        guard let (micros, rest) = time(line) else { return nil }
        // HOST PROG[PID]: MSG
        let hostAndRest = rest.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
        guard hostAndRest.count == 2 else { return nil }
        let host = String(hostAndRest[0])
        guard let colon = hostAndRest[1].range(of: ": ") else { return nil }
        let tag = hostAndRest[1][..<colon.lowerBound]
        var message = String(hostAndRest[1][colon.upperBound...])
        while message.hasPrefix(" ") { message.removeFirst() }
        var program = String(tag)
        var pid: String?
        if let open = tag.firstIndex(of: "["), tag.hasSuffix("]") {
            program = String(tag[..<open])
            pid = String(tag[tag.index(after: open)..<tag.index(before: tag.endIndex)])
        }
        var f: [String: String] = ["time": format(micros), "host": host, "program": program]
        if let pid { f["pid"] = pid }
        switch program {
        case "sshd": sshd(message, &f)
        case "sudo": sudo(message, &f)
        case "su": su(message, &f)
        default: f["kind"] = "generic"
        }
        return f
    }

    static func sshd(_ m: String, _ f: inout [String: String]) {
        f["kind"] = "generic"
        if m.hasPrefix("Accepted ") || m.hasPrefix("Failed ") {
            let ok = m.hasPrefix("Accepted ")
            let afterVerb = m.drop(while: { $0 != " " }).dropFirst()
            guard let forRange = afterVerb.range(of: " for "),
                let fromRange = m.range(of: " from ", options: .backwards), forRange.upperBound <= fromRange.lowerBound
            else { return }
            f["auth_method"] = String(afterVerb[..<forRange.lowerBound])
            var user = String(m[forRange.upperBound..<fromRange.lowerBound])
            if user.hasPrefix("invalid user "), !ok {
                user.removeFirst("invalid user ".count)
                f["detail"] = "invalid_user"
            }
            f["user"] = user
            address(String(m[fromRange.upperBound...]), &f)
            f["kind"] = ok ? "auth_success" : "auth_failure"
            f["outcome"] = ok ? "success" : "failure"
            f["service"] = "ssh"
        } else if m.hasPrefix("Invalid user ") {
            guard let fromRange = m.range(of: " from ", options: .backwards) else { return }
            f["user"] = String(m[m.index(m.startIndex, offsetBy: 13)..<fromRange.lowerBound])
            address(String(m[fromRange.upperBound...]), &f)
            f["kind"] = "invalid_user"
            f["outcome"] = "failure"
            f["service"] = "ssh"
        }
    }

    /// `IP port N[ ssh2]`
    static func address(_ s: String, _ f: inout [String: String]) {
        let words = s.split(separator: " ")
        f["src_ip"] = String(words[0])
        if words.count >= 3, words[1] == "port" { f["src_port"] = String(words[2]) }
    }

    static func sudo(_ m: String, _ f: inout [String: String]) {
        f["kind"] = "generic"
        guard let sep = m.range(of: " : ") else { return }
        f["user"] = m[..<sep.lowerBound].trimmingSpaces
        var rest = String(m[sep.upperBound...])
        if let c = rest.range(of: "COMMAND=") {
            f["command"] = String(rest[c.upperBound...])
            rest = String(rest[..<c.lowerBound])
        }
        for part in rest.components(separatedBy: " ; ") {
            if part.hasPrefix("TTY=") { f["tty"] = String(part.dropFirst(4)) }
            if part.hasPrefix("USER=") { f["target_user"] = String(part.dropFirst(5)) }
        }
        f["kind"] = "privilege"
        f["outcome"] = "success"
    }

    static func su(_ m: String, _ f: inout [String: String]) {
        f["kind"] = "generic"
        let ok = m.hasPrefix("Successful su for ")
        guard ok || m.hasPrefix("FAILED su for "), let by = m.range(of: " by ", options: .backwards) else { return }
        let start = m.index(m.startIndex, offsetBy: ok ? 18 : 14)
        f["target_user"] = String(m[start..<by.lowerBound])
        f["user"] = String(m[by.upperBound...])
        f["kind"] = "privilege"
        f["outcome"] = ok ? "success" : "failure"
    }

    // MARK: time

    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// The UTC instant in microseconds and the text after the time and its space.
    static func time(_ line: String) -> (Int64, Substring)? {
        if let first = line.first, first.isNumber {
            // 2026-03-03T04:12:09.123456+01:00
            guard let space = line.firstIndex(of: " ") else { return nil }
            let t = line[..<space]
            let date = t.prefix(10).split(separator: "-").compactMap { Int($0) }
            let clock = t.dropFirst(11).prefix(8).split(separator: ":").compactMap { Int($0) }
            guard date.count == 3, clock.count == 3 else { return nil }
            var zone = t.dropFirst(19)
            var micros = 0
            if zone.hasPrefix(".") {
                let digits = zone.dropFirst().prefix(while: \.isNumber)
                micros = Int(digits.padding(to: 6)) ?? 0
                zone = zone.dropFirst(1 + digits.count)
            }
            var offset = 0
            if zone != "Z" {
                let sign = zone.hasPrefix("-") ? -1 : 1
                let hm = zone.dropFirst().split(separator: ":").compactMap { Int($0) }
                guard hm.count == 2 else { return nil }
                offset = sign * (hm[0] * 3600 + hm[1] * 60)
            }
            let local = epochSeconds(date[0], date[1], date[2], clock[0], clock[1], clock[2])
            return (Int64(local - offset) * 1_000_000 + Int64(micros), line[line.index(after: space)...])
        }
        // Mar  3 04:12:09
        let words = line.split(separator: " ", maxSplits: 3)
        guard words.count == 4, let month = months.firstIndex(of: String(words[0])), let day = Int(words[1]) else {
            return nil
        }
        let clock = words[2].split(separator: ":").compactMap { Int($0) }
        guard clock.count == 3 else { return nil }
        return (Int64(epochSeconds(2025, month + 1, day, clock[0], clock[1], clock[2])) * 1_000_000, words[3])
    }

    /// Seconds since 1970 of a proleptic Gregorian date and time, by counting days.
    static func epochSeconds(_ y: Int, _ mo: Int, _ d: Int, _ h: Int, _ mi: Int, _ s: Int) -> Int {
        func leap(_ y: Int) -> Bool { y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) }
        var days = 0
        for year in 1970..<y { days += leap(year) ? 366 : 365 }
        let lengths = [31, leap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        for m in 0..<(mo - 1) { days += lengths[m] }
        days += d - 1
        return ((days * 24 + h) * 60 + mi) * 60 + s
    }

    /// `2025-03-03T04:12:09.000000Z`
    static func format(_ micros: Int64) -> String {
        var rest = Int(micros / 1_000_000)
        let frac = Int(micros % 1_000_000)
        func leap(_ y: Int) -> Bool { y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) }
        var y = 1970
        while rest >= (leap(y) ? 366 : 365) * 86_400 {
            rest -= (leap(y) ? 366 : 365) * 86_400
            y += 1
        }
        let lengths = [31, leap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        var mo = 0
        while rest >= lengths[mo] * 86_400 {
            rest -= lengths[mo] * 86_400
            mo += 1
        }
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let six = String(frac).padding(toLeft: 6)
        return "\(y)-\(two(mo + 1))-\(two(rest / 86_400 + 1))T\(two(rest / 3600 % 24)):\(two(rest / 60 % 60)):\(two(rest % 60)).\(six)Z"
    }
}

extension StringProtocol {
    var trimmingSpaces: String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }

    /// Right-padded with zeros to `n` characters (fraction digits).
    func padding(to n: Int) -> String { String(self) + String(repeating: "0", count: Swift.max(0, n - count)) }

    /// Left-padded with zeros to `n` characters.
    func padding(toLeft n: Int) -> String { String(repeating: "0", count: Swift.max(0, n - count)) + String(self) }
}
