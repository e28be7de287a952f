import DwellCore
import DwellIngest
import DwellTestSupport
import Foundation
import Testing

@testable import DwellSweep

/// Runs sweeps over temporary files, through the same library call the command makes.
struct SweepHarness {
    let dir: URL
    init() throws { dir = try Fixture.temporaryDirectory("dwell-sweep") }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        try Fixture.write(text, to: dir.appendingPathComponent(name))
        return path(name)
    }

    func append(_ name: String, _ text: String) throws {
        let h = try #require(FileHandle(forWritingAtPath: path(name)))
        h.seekToEndOfFile()
        h.write(Data(text.utf8))
        try h.close()
    }

    /// Returns the report and the JSON hit lines (parsed).
    func sweep(
        iocs: String = "iocs.txt", _ paths: [String], state: String? = nil, reset: Bool = false, lenient: Bool = false,
        since: Timestamp? = nil
    ) -> (SweepReport, [[String: Any]]) {
        var out: [UInt8] = []
        let config = SweepConfiguration(
            iocFiles: [path(iocs)], paths: paths.map(path), lenient: lenient, statePath: state.map(path),
            resetState: reset, options: SweepOptions(reading: IngestOptions(jobs: 2), since: since))
        let report = Sweep.run(config, write: { out += $0 }, log: { _ in })
        let hits = String(decoding: out, as: UTF8.self).split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }
        return (report, hits)
    }
}

func authLine(_ second: Int, user: String = "alice", ip: String = "10.0.0.5") -> String {
    "2026-03-11T19:00:\(String(format: "%02d", second % 60)).000000+00:00 web01 sshd[100\(second)]: Accepted password for \(user) from \(ip) port 4242 ssh2\n"
}

@Suite struct MatcherTests {
    func matcher(_ text: String) throws -> Matcher {
        Matcher(rules: try IOCList.parse(Array(text.utf8), name: "t", lenient: false).rules)
    }

    func ips(_ m: Matcher, _ ip: String) throws -> [String] {
        var out: [String] = []
        m.matchIP(try #require(IPAddress(ip))) { out.append(m.atoms[Int($0)].text) }
        return out
    }

    @Test func cidrAndExactAddresses() throws {
        let m = try matcher("203.0.113.9\n203.0.113.0/24\n10.0.0.0/8\n2001:db8::/32\n2001:db8::1\n")
        #expect(try ips(m, "203.0.113.9") == ["ip:203.0.113.9", "ip:203.0.113.0/24"])
        #expect(try ips(m, "203.0.113.200") == ["ip:203.0.113.0/24"])
        #expect(try ips(m, "203.0.114.1") == [])
        #expect(try ips(m, "10.255.1.2") == ["ip:10.0.0.0/8"])
        #expect(try ips(m, "2001:db8::1") == ["ip:2001:db8::1", "ip:2001:db8::/32"])
        #expect(try ips(m, "2001:db9::1") == [])
    }

    @Test func domainsMatchSubdomainsNotLookalikes() throws {
        let m = try matcher("domain:evil.example\n")
        func hit(_ name: String) -> Bool {
            var out: [Int32] = []
            Array(name.utf8).withUnsafeBufferPointer { m.matchDomain($0, stripPort: true, into: &out) }
            return !out.isEmpty
        }
        #expect(hit("evil.example"))
        #expect(hit("a.b.EVIL.example."))
        #expect(hit("cdn.evil.example:8443"))
        #expect(!hit("notevil.example"))
        #expect(!hit("evil.example.com"))
    }

    @Test func pathsAndUserAgents() throws {
        let m = try matcher("url:/uploads/shell.php\nurl:/cgi-bin/*\nua:sqlmap/1.5\nua:*Nikto*\nua:curl*\n")
        func path(_ p: String) -> Int {
            var out: [Int32] = []
            Array(p.utf8).withUnsafeBufferPointer { m.matchPath($0, into: &out) }
            return out.count
        }
        func ua(_ p: String) -> Int {
            var out: [Int32] = []
            Array(p.utf8).withUnsafeBufferPointer { m.matchUserAgent($0, into: &out) }
            return out.count
        }
        #expect(path("/uploads/shell.php") == 1)
        #expect(path("/uploads/shell.php?cmd=id") == 1)
        #expect(path("/uploads/shell.phpx") == 0)
        #expect(path("/cgi-bin/test.cgi") == 1)
        #expect(path("/cgi") == 0)
        #expect(ua("sqlmap/1.5") == 1)
        #expect(ua("sqlmap/1.5 (http://sqlmap.org)") == 0)
        #expect(ua("Mozilla/5.00 (Nikto/2.5.0)") == 1)
        #expect(ua("curl/8.0") == 1)
        #expect(ua("xcurl/8.0") == 0)
    }

    @Test func rawModeFindsTokens() throws {
        let m = try matcher("203.0.113.9\nevil.example\nd41d8cd98f00b204e9800998ecf8427e\nurl:/x.php\n")
        var out: [AtomMatch] = []
        let line = "garbage 203.0.113.9:443 GET /x.php host=cdn.evil.example md5=D41D8CD98F00B204E9800998ECF8427E"
        Array(line.utf8).withUnsafeBufferPointer { m.matchRaw($0, into: &out) }
        #expect(Set(out.map { m.atoms[Int($0.atom)].type }) == [.ip, .domain, .hash, .url])
        var none: [AtomMatch] = []
        Array("1203.0.113.99 notevil.example".utf8).withUnsafeBufferPointer { m.matchRaw($0, into: &none) }
        #expect(none.isEmpty)
    }
}

@Suite struct SweepRunTests {
    @Test func exitCodes() throws {
        let h = try SweepHarness()
        try h.write("iocs.txt", "203.0.113.45\n")
        try h.write("clean/auth.log", authLine(1) + authLine(2))
        try h.write("dirty/auth.log", authLine(1) + authLine(2, user: "deploy", ip: "203.0.113.45"))
        #expect(h.sweep(["clean"]).0.outcome.exitCode == 0)
        let (r, hits) = h.sweep(["dirty"])
        #expect(r.outcome.exitCode == 1)
        #expect(hits.count == 1)
        let hit = try #require(hits.first)
        #expect(hit["kind"] as? String == "auth_success")
        #expect(hit["match"] as? String == "src_ip")
        #expect(hit["host"] as? String == "web01")
        let ev = try #require(hit["evidence"] as? [String: Any])
        #expect(ev["line"] as? Int == 2)
        #expect((ev["raw"] as? String)?.contains("203.0.113.45") == true)
        let ind = try #require(hit["indicator"] as? [String: Any])
        #expect(ind["line"] as? Int == 1)
        // 2: no evidence, unreadable list, malformed indicator.
        #expect(h.sweep(["missing"]).0.outcome.exitCode == 2)
        #expect(h.sweep(iocs: "nope.txt", ["dirty"]).0.outcome.exitCode == 2)
        try h.write("bad.txt", "203.0.113.45\nip:nonsense\n")
        #expect(h.sweep(iocs: "bad.txt", ["dirty"]).0.outcome.exitCode == 2)
        #expect(h.sweep(iocs: "bad.txt", ["dirty"], lenient: true).0.outcome.exitCode == 1)
        // 3: a truncated gzip beside the hits.
        let gz = GzipCompress.member(Array((authLine(3) + authLine(4)).utf8))
        try Fixture.write(Array(gz.prefix(gz.count - 12)), to: h.dir.appendingPathComponent("dirty/auth.log.1.gz"))
        #expect(h.sweep(["dirty"]).0.outcome.exitCode == 3)
    }

    @Test func sinceLimitsByEventTime() throws {
        let h = try SweepHarness()
        try h.write("iocs.txt", "user:deploy\n")
        try h.write("auth.log", authLine(1, user: "deploy") + authLine(30, user: "deploy"))
        let (_, hits) = h.sweep(["auth.log"], since: Timestamp(iso8601: "2026-03-11T19:00:10Z"))
        #expect(hits.count == 1)
    }

    @Test func stixListFindsTheAttackerInWebAndAuthLogs() throws {
        let h = try SweepHarness()
        try h.write("iocs.stix.json", IOCListTests.bundle)
        try h.write(
            "web01/var/log/nginx/access.log",
            """
            198.51.100.20 - - [11/Mar/2026:19:21:41 +0000] "GET / HTTP/1.1" 200 18420 "-" "Mozilla/5.0"
            203.0.113.77 - - [11/Mar/2026:19:22:41 +0000] "GET /index.html HTTP/1.1" 200 18420 "-" "Mozilla/5.0"
            198.51.100.21 - - [11/Mar/2026:19:23:41 +0000] "GET /uploads/shell.php?cmd=id HTTP/1.1" 200 12 "-" "curl/8"
            198.51.100.22 - - [11/Mar/2026:19:24:41 +0000] "GET / HTTP/1.1" 200 1 "-" "sqlmap/1.5"

            """)
        let (r, hits) = h.sweep(iocs: "iocs.stix.json", ["web01"])
        #expect(r.outcome == .hits)
        let found = hits.compactMap { ($0["indicator"] as? [String: Any])?["id"] as? String }
        #expect(found == ["indicator--0002", "indicator--0005", "indicator--0007"])
    }
}

@Suite struct SweepStateTests {
    @Test func resumesRotatesAndTruncates() throws {
        let h = try SweepHarness()
        try h.write("iocs.txt", "user:mallory\n")
        var text = ""
        for i in 0..<200 { text += authLine(i) }
        try h.write("log/auth.log", text + authLine(0, user: "mallory"))
        // First run: the whole file.
        var (r, hits) = h.sweep(["log"], state: "state.json")
        #expect(r.outcome == .hits && hits.count == 1)
        // Unchanged: nothing new, no hits.
        (r, hits) = h.sweep(["log"], state: "state.json")
        #expect(r.outcome == .clean && hits.isEmpty)
        #expect(r.files.first?.bytesSwept == 0)
        // Grows, with a line still being written: only the new complete line, with its true line number.
        try h.append("log/auth.log", authLine(5, user: "mallory") + "2026-03-11T19:00")
        (r, hits) = h.sweep(["log"], state: "state.json")
        #expect(hits.count == 1)
        #expect((hits.first?["evidence"] as? [String: Any])?["line"] as? Int == 202)
        #expect(r.files.first?.heldBack == 16)
        // Rotation: renamed, then gzipped; the held-back line completes in the rotated file.
        try h.append("log/auth.log", ":07.000000+00:00 web01 sshd[1]: Accepted password for mallory from 10.0.0.9 port 1 ssh2\n")
        try FileManager.default.moveItem(atPath: h.path("log/auth.log"), toPath: h.path("log/auth.log.1"))
        (r, hits) = h.sweep(["log"], state: "state.json")
        #expect(hits.count == 1)
        #expect((hits.first?["evidence"] as? [String: Any])?["line"] as? Int == 203)
        guard case .resumed = r.files.first?.resume else {
            Issue.record("rename not recognised: \(String(describing: r.files.first?.resume))")
            return
        }
        let rotated = try Data(contentsOf: URL(fileURLWithPath: h.path("log/auth.log.1")))
        try FileManager.default.removeItem(atPath: h.path("log/auth.log.1"))
        try Fixture.write(GzipCompress.member(Array(rotated)), to: h.dir.appendingPathComponent("log/auth.log.2.gz"))
        try h.write("log/auth.log", authLine(9))  // a new current file
        (r, hits) = h.sweep(["log"], state: "state.json")
        #expect(hits.isEmpty)
        #expect(r.outcome == .clean)
        let gz = try #require(r.files.first { $0.file.displayPath.hasSuffix(".gz") })
        #expect(gz.resume != .new)
        #expect(gz.bytesSwept == 0)
        // Next run: the gzip is complete and unchanged, not read at all.
        (r, _) = h.sweep(["log"], state: "state.json")
        guard case .unchanged = r.files.first(where: { $0.file.displayPath.hasSuffix(".gz") })?.resume else {
            Issue.record("complete gzip read again")
            return
        }
        // copytruncate: the current file is emptied and rewritten; swept from the start.
        try h.write("log/auth.log", authLine(1, user: "mallory"))
        (r, hits) = h.sweep(["log"], state: "state.json")
        #expect(hits.count == 1)
        #expect((hits.first?["evidence"] as? [String: Any])?["line"] as? Int == 1)
    }

    @Test func corruptStateIsAClearErrorAndResetRecovers() throws {
        let h = try SweepHarness()
        try h.write("iocs.txt", "user:mallory\n")
        try h.write("log/auth.log", authLine(1, user: "mallory"))
        try h.write("state.json", "{\"version\": 1, \"files\": [")
        let (r, hits) = h.sweep(["log"], state: "state.json")
        guard case .error(let message) = r.outcome else {
            Issue.record("corrupt state accepted")
            return
        }
        #expect(message.contains("--reset-state"))
        #expect(hits.isEmpty)
        let (r2, hits2) = h.sweep(["log"], state: "state.json", reset: true)
        #expect(r2.outcome == .hits && hits2.count == 1)
        let saved = try SweepState.load(path: h.path("state.json"))
        #expect(saved.files.count == 1)
        #expect(!FileManager.default.fileExists(atPath: h.path(".state.json.tmp.\(getpid())")))
    }
}

@Suite struct BoundedMemoryTests {
    /// A tiny symbol budget clears the table (and re-primes the parser with the header) every few lines: hits,
    /// hosts and line numbers must not change, and a Zeek TSV file must keep its #fields after each reset.
    @Test func symbolTableResetsKeepResults() throws {
        let h = try SweepHarness()
        try h.write("iocs.txt", "203.0.113.45\nuser:mallory\n")
        var zeek = [
            "#separator \\x09", "#set_separator\t,", "#empty_field\t(empty)", "#unset_field\t-", "#path\tconn",
            "#open\t2026-03-11-19-00-00",
            "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state",
            "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring",
        ]
        for i in 0..<300 {
            let src = i % 100 == 99 ? "203.0.113.45" : "10.0.\(i % 250).\(i % 200 + 1)"
            zeek.append("1773255600.\(100_000 + i)\tC\(i)uid\t\(src)\t\(40000 + i)\t10.0.9.9\t22\ttcp\tssh\t1.0\t10\t20\tSF")
        }
        try h.write("sensor/zeek/conn.log", zeek.joined(separator: "\n") + "\n")
        var auth = ""
        for i in 0..<300 { auth += authLine(i, user: i % 100 == 50 ? "mallory" : "user\(i)") }
        try h.write("web01/var/log/auth.log", auth)
        func run(budget: Int) -> [String] {
            var out: [UInt8] = []
            let config = SweepConfiguration(
                iocFiles: [h.path("iocs.txt")], paths: [h.path("sensor"), h.path("web01")],
                options: SweepOptions(reading: IngestOptions(jobs: 1), symbolBudgetBytes: budget))
            _ = Sweep.run(config, write: { out += $0 }, log: { _ in })
            return String(decoding: out, as: UTF8.self).split(separator: "\n").map(String.init)
        }
        let normal = run(budget: 1 << 20)
        #expect(normal.count == 6)
        #expect(run(budget: 16) == normal)
    }
}
