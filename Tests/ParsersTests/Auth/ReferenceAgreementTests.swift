import DwellCore
import DwellTestSupport
import Parsers
import Testing

/// The fast parser and the String-based `ReferenceAuthParser` agree, field by field, on seeded random lines of
/// the main sshd, sudo and su shapes: odd user names, IPv4 and IPv6, ports, pids, both time formats.
@Suite("Fast and reference auth parsers agree")
struct ReferenceAgreementTests {
    struct Generator {
        var rng: SplitMix64

        mutating func pick<T>(_ xs: [T]) -> T { xs[Int(rng.next() % UInt64(xs.count))] }
        mutating func int(_ range: ClosedRange<Int>) -> Int {
            range.lowerBound + Int(rng.next() % UInt64(range.count))
        }

        /// A user name an attacker might send: dots, dashes, quotes, unicode, spaces, even `from` and `port`.
        mutating func user(spaces: Bool) -> String {
            let pieces = [
                "root", "admin", "first.last", "svc-backup", "o'brien", "ünïcødé", "x$", "a:b", "[x]", "(1)", "%n",
                "\\", "\"q\"", "from", "port", "by", "ssh2", "0", "用户",
            ]
            var s = pick(pieces)
            for _ in 0..<int(0...3) { s += (spaces ? pick([" ", "", "_"]) : pick(["", "_", "."])) + pick(pieces) }
            return s
        }

        mutating func ip() -> String {
            if rng.next() % 2 == 0 {
                return "\(int(1...223)).\(int(0...255)).\(int(0...255)).\(int(1...254))"
            }
            // Canonical (RFC 5952) IPv6: groups without leading zeros, one run of three zero groups as `::`.
            let g = (0..<4).map { _ in String(int(1...0xffff), radix: 16) }
            return "2001:db8:\(g[0]):\(g[1])::\(g[2]):\(g[3])"
        }

        mutating func header(_ program: String) -> String {
            let pid = int(1...4_194_304)
            let host = pick(["web01", "db-2.corp.example.com", "10.0.0.5", "h"])
            if rng.next() % 2 == 0 {
                let month = pick(ReferenceAuthParser.months)
                let day = int(1...28)
                let d = rng.next() % 2 == 0 ? (day < 10 ? " \(day)" : "\(day)") : (day < 10 ? "0\(day)" : "\(day)")
                return "\(month) \(d) \(two(int(0...23))):\(two(int(0...59))):\(two(int(0...59))) \(host) \(program)[\(pid)]: "
            }
            let frac = pick(["", ".\(int(0...9))", ".\(String(int(0...999_999)).padding(toLeft: 6))", ".\(int(100...999))"])
            let zone = pick(["Z", "+00:00", "+01:00", "-05:00", "+05:30", "-09:30", "+14:00"])
            return "20\(int(20...30))-\(two(int(1...12)))-\(two(int(1...28)))T\(two(int(0...23))):\(two(int(0...59))):\(two(int(0...59)))\(frac)\(zone) \(host) \(program)[\(pid)]: "
        }

        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }

        mutating func line() -> String {
            switch int(0...4) {
            case 0, 1:
                let verb = pick(["Accepted", "Failed"])
                let method = pick(["password", "publickey", "keyboard-interactive/pam", "none", "hostbased"])
                let invalid = verb == "Failed" && rng.next() % 2 == 0 ? "invalid user " : ""
                return header("sshd")
                    + "\(verb) \(method) for \(invalid)\(user(spaces: true)) from \(ip()) port \(int(0...65535)) ssh2"
            case 2:
                return header("sshd") + "Invalid user \(user(spaces: true)) from \(ip()) port \(int(0...65535))"
            case 3:
                let pad = String(repeating: " ", count: int(0...4))
                let cmd = pick(["/bin/sh", "/usr/bin/id -u", "/bin/bash -c echo a ; id", "/usr/bin/tee /etc/x"])
                return header("sudo")
                    + "\(pad)\(user(spaces: false)) : TTY=pts/\(int(0...40)) ; PWD=/home/x ; USER=\(pick(["root", "postgres", "www-data"])) ; COMMAND=\(cmd)"
            default:
                let verb = pick(["Successful su for", "FAILED su for"])
                return header("su") + "\(verb) \(pick(["root", "postgres", "backup"])) by \(user(spaces: false))"
            }
        }
    }

    static let compared = [
        "time", "host", "program", "pid", "kind", "outcome", "user", "target_user", "src_ip", "src_port",
        "auth_method", "tty", "command", "detail", "service",
    ]

    @Test func fastAndReferenceAgreeOnGeneratedLines() throws {
        var g = Generator(rng: SplitMix64(seed: 20_260_303))
        var checked = 0
        for _ in 0..<5000 {
            let line = g.line()
            let expected = try #require(ReferenceAuthParser.parse(line), "reference could not parse: \(line)")
            let fast = try #require(ParserHarness.syslog(Array(line.utf8), includeHeader: true).fields, "\(line)")
            for key in Self.compared where fast[key] != expected[key] {
                Issue.record("\(key): fast \(fast[key] ?? "nil") ≠ reference \(expected[key] ?? "nil")\n  \(line)")
            }
            checked += 1
        }
        #expect(checked == 5000)
    }

    /// The reference parser is itself checked on hand-written lines, so agreement means something.
    @Test func referenceParserReadsKnownLines() throws {
        let a = try #require(
            ReferenceAuthParser.parse(
                "2026-03-03T04:12:09.5+01:00 h sshd[7]: Failed password for invalid user a from b from 2001:db8::1 port 22 ssh2"))
        #expect(a["time"] == "2026-03-03T03:12:09.500000Z")
        #expect(a["user"] == "a from b")
        #expect(a["src_ip"] == "2001:db8::1")
        #expect(a["detail"] == "invalid_user")
        let b = try #require(ReferenceAuthParser.parse("Dec 31 23:59:59 h su[1]: FAILED su for root by x by y"))
        #expect(b["time"] == "2025-12-31T23:59:59.000000Z")
        #expect(b["target_user"] == "root by x")
        #expect(b["user"] == "y")
        #expect(b["outcome"] == "failure")
    }
}
