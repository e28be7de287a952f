import DwellCore
import DwellIndex
import DwellReports
import Testing

@testable import DwellAnalysis

/// Each growth relation and its guard, on small stores built event by event.
@Suite struct CorrelationTests {
    /// Builds a store event by event: minutes after a fixed base, one file per host, lines in order.
    struct Incident {
        static let base: Int64 = 1_773_000_000
        var symbols = SymbolTable()
        var events: [Event] = []
        var files: [String] = []

        mutating func add(
            _ minute: Int64, _ kind: EventKind, host: String, user: String = "", target: String = "", src: String = "",
            dst: String = "", port: UInt16 = 0, pid: Int32 = -1, program: String = "", bytesOut: Int64 = -1,
            second: Int64 = 0, srcPort: UInt16 = 0
        ) {
            var e = Event(time: Timestamp(seconds: Self.base + minute * 60 + second), kind: kind)
            let file = "\(host)/auth.log"
            if !files.contains(file) { files.append(file) }
            let fileID = UInt32(files.firstIndex(of: file) ?? 0)
            let line = UInt64(events.filter { $0.source.fileID == fileID }.count + 1)
            e.source = SourceRef(fileID: fileID, line: line, offset: line * 80)
            e.host = symbols.intern(host)
            if !user.isEmpty { e.user = symbols.intern(user) }
            if !target.isEmpty { e.targetUser = symbols.intern(target) }
            if let ip = IPAddress(src) { e.sourceIP = ip }
            if let ip = IPAddress(dst) { e.destinationIP = ip }
            if port != 0 { e.setDestinationPort(port) }
            if srcPort != 0 { e.setSourcePort(srcPort) }
            e.pid = pid
            if !program.isEmpty { e.program = symbols.intern(program) }
            e.bytesOut = bytesOut
            if kind == .authSuccess || kind == .sessionOpen { e.outcome = .success }
            events.append(e)
        }

        /// sshd's `Connection from A port N on B port 22` on `host`: teaches that B is `host`'s address.
        mutating func address(_ minute: Int64, _ host: String, is address: String, from peer: String = "10.9.9.9") {
            add(minute, .connect, host: host, src: peer, dst: address, port: 22, pid: 1, program: "sshd")
        }

        mutating func login(_ minute: Int64, on host: String, as user: String, from src: String, pid: Int32 = -1) {
            add(minute, .authSuccess, host: host, user: user, src: src, pid: pid, program: "sshd")
        }

        func investigate(
            seeds: [String], hostEntries: [HostMapEntry] = [], options: CorrelationOptions = CorrelationOptions(),
            findings: [Finding] = []
        ) -> Investigation {
            var builder = EventStore.Builder()
            builder.add(events: events, symbols: symbols)
            let store = builder.build()
            // As the store sink notes them while reading: packets hosts logged sending themselves.
            var own = OwnTrafficLines()
            for e in events { own.note(e) }
            let correlator = Correlator(
                store: store, filePaths: files, findings: findings, hostEntries: hostEntries, ownTraffic: own,
                options: options)
            return correlator.run(seeds: seeds.compactMap { Seed(parsing: $0) })
        }
    }

    static let attacker = "203.0.113.9"

    @Test func attackerLoginCompromisesTheAccountAndTheHost() throws {
        var x = Incident()
        x.login(0, on: "web01", as: "carol", from: "10.0.0.50")  // someone else, unrelated
        x.login(10, on: "web01", as: "alice", from: Self.attacker)
        let inv = x.investigate(seeds: [Self.attacker])
        #expect(inv.hosts.map(\.host) == ["web01"])
        #expect(inv.accounts.map(\.value) == ["alice"])
        let host = try #require(inv.hosts.first)
        #expect(host.reason.contains("alice") && host.reason.contains(Self.attacker))
        #expect(host.evidence?.line == 2)
        #expect(inv.firstSeen == Timestamp(seconds: Incident.base + 600))
        #expect(inv.growth.hasPrefix("stopped at fixed point"))
    }

    @Test func loginFromACompromisedHostIsALateralHop() throws {
        var x = Incident()
        x.address(0, "web01", is: "10.0.0.1")
        x.login(10, on: "web01", as: "alice", from: Self.attacker)
        x.login(20, on: "db01", as: "alice", from: "10.0.0.1")
        let inv = x.investigate(seeds: [Self.attacker])
        #expect(inv.hosts.map(\.host) == ["web01", "db01"])
        let hop = try #require(inv.edges.first)
        #expect((hop.from, hop.to, hop.account, hop.method) == ("web01", "db01", "alice", "ssh"))
        #expect(hop.time == Timestamp(seconds: Incident.base + 1200))
        #expect(inv.paths.map { $0.map(\.to) } == [["db01"]])
        #expect(inv.entryPoints == ["web01"])
    }

    @Test("benign look-alike: the admin's routine ssh between the same hosts before the attack stays out of scope")
    func routineAdminLoginIsNotExpanded() throws {
        var x = Incident()
        x.address(0, "web01", is: "10.0.0.1")
        x.login(5, on: "db01", as: "admin", from: "10.0.0.1")  // routine, days before in real life
        x.login(10, on: "web01", as: "alice", from: Self.attacker)  // the attack starts
        x.login(30, on: "db01", as: "admin", from: "10.0.0.1")  // same triple again, after the compromise
        let inv = x.investigate(seeds: [Self.attacker])
        #expect(inv.hosts.map(\.host) == ["web01"])
        #expect(!inv.accounts.contains { $0.value == "admin" })
        #expect(inv.edges.isEmpty)
        // Listed as at risk (a person working through a host the attacker held), with the reason.
        let risk = try #require(inv.atRisk.first)
        #expect((risk.from, risk.account, risk.to, risk.count) == ("web01", "admin", "db01", 1))
        #expect(risk.reason.contains("took this route before"))
        // The guard is adjustable: two earlier logins needed, only one seen → the same login is expanded.
        var strict = CorrelationOptions()
        strict.routineLogins = 2
        let expanded = x.investigate(seeds: [Self.attacker], options: strict)
        #expect(expanded.hosts.map(\.host) == ["web01", "db01"])
    }

    @Test func aHopOutOfAHostCountsOnlyAfterTheAttackerReachedIt() {
        var x = Incident()
        x.address(0, "app01", is: "10.0.0.2")
        x.address(0, "web01", is: "10.0.0.1")
        x.login(10, on: "app01", as: "alice", from: Self.attacker)  // entry
        x.login(15, on: "db01", as: "bob", from: "10.0.0.1")  // web01 → db01, but web01 is not reached yet
        x.login(20, on: "web01", as: "alice", from: "10.0.0.2")  // app01 → web01
        let inv = x.investigate(seeds: [Self.attacker])
        #expect(inv.hosts.map(\.host) == ["app01", "web01"])
        #expect(inv.edges.map { "\($0.from)>\($0.to)" } == ["app01>web01"])
        #expect(!inv.accounts.contains { $0.value == "bob" })
    }

    @Test func pathsRespectTime() {
        func edge(_ from: String, _ to: String, _ minute: Int64) -> LateralEdge {
            LateralEdge(
                from: from, to: to, time: Timestamp(seconds: minute * 60), account: "a", method: "ssh",
                evidence: EvidenceRef(
                    fileID: 0, file: "f", line: 1, offset: 0, raw: [], time: Timestamp(seconds: minute * 60)))
        }
        // b → c happened before a reached b: not a path; b → d after it is.
        let edges = [edge("b", "c", 5), edge("a", "b", 10), edge("b", "d", 20)]
        let paths = LateralPaths.paths(edges: edges, entries: ["a"], reached: ["a": Timestamp(seconds: 0)])
        #expect(paths.map { $0.map(\.to) } == [["b", "d"]])
    }

    @Test func compromisedAccountFromANewExternalSourceAddsAttackerInfrastructure() {
        var x = Incident()
        x.login(0, on: "vpn01", as: "alice", from: "198.51.100.20")  // alice's usual address
        x.login(10, on: "vpn01", as: "alice", from: Self.attacker)
        x.login(20, on: "vpn01", as: "alice", from: "198.51.100.7")  // new: the attacker's second address
        x.login(25, on: "vpn01", as: "alice", from: "198.51.100.20")  // routine: not the attacker's
        x.login(26, on: "vpn01", as: "alice", from: "10.0.0.40")  // internal: not infrastructure
        let inv = x.investigate(seeds: [Self.attacker])
        #expect(Set(inv.sourceIPs.map(\.value)) == [Self.attacker, "198.51.100.7"])
        #expect(inv.sourceIPs.first { $0.value == "198.51.100.7" }?.reason.contains("alice") == true)
    }

    @Test func accountCreatedDuringAnAttackerSessionIsPersistence() {
        var x = Incident()
        x.login(10, on: "web01", as: "alice", from: Self.attacker, pid: 4242)
        x.add(11, .privilege, host: "web01", user: "alice", target: "root", program: "sudo")  // sudo useradd ...
        x.add(11, .accountCreate, host: "web01", user: "root", target: "backdoor", program: "useradd")
        // Configuration management adds an account on the same host during the session, with no privilege change
        // of the attacker's before it: not theirs.
        x.add(15, .privilege, host: "web01", user: "ansible", target: "root", program: "sudo")
        x.add(15, .accountCreate, host: "web01", user: "root", target: "svc-metrics", program: "useradd")
        x.add(20, .disconnect, host: "web01", src: Self.attacker, pid: 4242, program: "sshd")  // session ends
        // Later, after the session: not theirs.
        x.add(30, .accountCreate, host: "web01", user: "root", target: "intern", program: "useradd")
        let inv = x.investigate(seeds: [Self.attacker])
        #expect(inv.accounts.contains { $0.value == "backdoor" && $0.reason.contains("during an attacker session") })
        #expect(!inv.accounts.contains { $0.value == "intern" })
        #expect(!inv.accounts.contains { $0.value == "svc-metrics" })
        #expect(inv.lastSeen == Timestamp(seconds: Incident.base + 20 * 60))
    }

    @Test func outboundToANewExternalAddressDuringASessionIsInfrastructureButAKnownOneIsNot() {
        var x = Incident()
        x.address(0, "web01", is: "10.0.0.1")
        x.add(1, .flow, host: "sensor", src: "10.0.0.1", dst: "192.0.2.80", port: 443)  // before the attack: known
        x.login(10, on: "web01", as: "alice", from: Self.attacker, pid: 7)
        x.add(11, .flow, host: "sensor", src: "10.0.0.1", dst: "192.0.2.66", port: 4444)  // new, odd port, in session
        x.add(11, .flow, host: "sensor", src: "10.0.0.1", dst: "192.0.2.67", port: 443, bytesOut: 5_000_000)  // new, data out
        x.add(12, .flow, host: "sensor", src: "10.0.0.1", dst: "192.0.2.80", port: 4444)  // contacted before
        x.add(13, .flow, host: "sensor", src: "10.0.0.1", dst: "10.0.5.5", port: 4444)  // internal
        // A small HTTPS request to a new address: what every busy host does (updates, APIs); not infrastructure.
        x.add(14, .flow, host: "sensor", src: "10.0.0.1", dst: "192.0.2.90", port: 443, bytesOut: 900)
        // A new odd-port address that another host reaches too: not rare, not infrastructure.
        x.add(15, .flow, host: "sensor", src: "10.0.0.1", dst: "192.0.2.91", port: 8081)
        x.add(16, .flow, host: "sensor", src: "10.0.0.44", dst: "192.0.2.91", port: 8081)
        // After the session (4 h default with no close seen): not while the attacker was there.
        x.add(60 * 5, .flow, host: "sensor", src: "10.0.0.1", dst: "192.0.2.92", port: 4444)
        let inv = x.investigate(seeds: [Self.attacker])
        #expect(Set(inv.sourceIPs.map(\.value)) == [Self.attacker, "192.0.2.66", "192.0.2.67"])
    }

    @Test func hostAddressMappingThatChangesKeepsItsTimeRanges() throws {
        var x = Incident()
        x.address(0, "web01", is: "10.0.0.5")
        x.address(40, "web01", is: "10.0.0.5")
        x.address(60, "db01", is: "10.0.0.5")  // the address moved to db01 (DHCP, re-imaged host)
        x.login(10, on: "web01", as: "alice", from: Self.attacker)
        x.login(20, on: "app01", as: "alice", from: "10.0.0.5")  // while web01's: a hop from web01
        x.login(70, on: "app02", as: "svc", from: "10.0.0.5")  // db01's now, and db01 is clean: no hop
        let inv = x.investigate(seeds: [Self.attacker])
        #expect(inv.edges.map { "\($0.from)>\($0.to)" } == ["web01>app01"])
        #expect(!inv.hosts.contains { $0.host == "app02" })
        let bindings = inv.hostAddresses.filter { $0.address == "10.0.0.5" }
        #expect(bindings.map(\.host) == ["db01", "web01"])
        let web = try #require(bindings.first { $0.host == "web01" })
        #expect(web.from == Timestamp(seconds: Incident.base))
        #expect(web.to == Timestamp(seconds: Incident.base + 40 * 60))
        #expect(bindings.first { $0.host == "db01" }?.from == Timestamp(seconds: Incident.base + 60 * 60))
    }

    @Test func givenHostRangesOverrideLearnedOnesOnlyInsideThem() throws {
        var x = Incident()
        x.login(10, on: "web01", as: "alice", from: Self.attacker)
        x.login(20, on: "app01", as: "alice", from: "10.0.0.8")
        x.login(90, on: "app02", as: "alice", from: "10.0.0.8")
        let csv = """
            address,hostname,from,to
            # web01 had .8 for the first hour only
            10.0.0.8,web01,,\(Timestamp(seconds: Incident.base + 3600).iso8601(fractionDigits: 0))
            """
        let entries = try HostsFile.parse(csv, name: "hosts.csv")
        #expect(entries.count == 1)
        #expect(entries.first?.origin == "hosts.csv:3")
        let inv = x.investigate(seeds: [Self.attacker], hostEntries: entries)
        #expect(inv.edges.map { "\($0.from)>\($0.to)" } == ["web01>app01"])
        #expect(inv.hostAddresses.contains { $0.address == "10.0.0.8" && $0.source == "hosts.csv:3" })
    }

    @Test func hostsFileErrorsSayWhereAndWhat() {
        #expect(throws: HostsFile.ParseError.self) { try HostsFile.parse("10.0.0.1", name: "h.csv") }
        do {
            _ = try HostsFile.parse("10.0.0.1,web01\nnot-an-ip,db01\n", name: "h.csv")
            Issue.record("expected an error")
        } catch {
            #expect(error.line == 2)
            #expect(error.problem.contains("not-an-ip"))
        }
        #expect(throws: HostsFile.ParseError.self) {
            try HostsFile.parse("10.0.0.1,web01,2026-03-12T00:00:00Z,2026-03-11T00:00:00Z", name: "h.csv")
        }
    }

    @Test func unknownInternalAddressesRemainAddresses() {
        var x = Incident()
        x.address(0, "web01", is: "10.0.0.1")
        x.login(10, on: "web01", as: "alice", from: Self.attacker)
        x.add(20, .flow, host: "sensor", src: "10.0.0.1", dst: Self.attacker, port: 443, bytesOut: 5_000_000)
        x.add(21, .flow, host: "sensor", src: "10.0.0.77", dst: Self.attacker, port: 443, bytesOut: 2_000_000)
        let inv = x.investigate(seeds: [Self.attacker])
        let sent = inv.dataTouched.filter { $0.type == .ip }.map(\.value)
        #expect(sent == ["web01 → \(Self.attacker)", "10.0.0.77 → \(Self.attacker)"])
        #expect(!inv.hostAddresses.contains { $0.address == "10.0.0.77" })
        #expect(!inv.hosts.contains { $0.host == "10.0.0.77" })
    }

    @Test func loopbackIsNobodysAddress() {
        var x = Incident()
        x.address(0, "web01", is: "127.0.0.1", from: "127.0.0.1")
        x.address(0, "db01", is: "127.0.0.1", from: "127.0.0.1")
        x.login(10, on: "web01", as: "alice", from: Self.attacker)
        x.login(20, on: "db01", as: "backup", from: "127.0.0.1")  // db01 talking to itself
        let inv = x.investigate(seeds: [Self.attacker])
        #expect(inv.hosts.map(\.host) == ["web01"])
        #expect(inv.hostAddresses.isEmpty)
    }

    @Test func noSeedNoGrowth() {
        var x = Incident()
        x.login(10, on: "web01", as: "alice", from: Self.attacker)
        let inv = x.investigate(seeds: [])
        #expect(inv.hosts.isEmpty)
        #expect(inv.growth.contains("no seed"))
    }
}

/// The DOT graph of lateral movement: hostile names cannot break out of their strings; output is deterministic.
@Suite struct LateralDOTTests {
    @Test func hostileNamesAreEscapedAndHopsAreNumberedInTimeOrder() throws {
        var x = CorrelationTests.Incident()
        let evil = "db\"01\\\n<b>&x"
        x.address(0, "web01", is: "10.0.0.1")
        x.login(10, on: "web01", as: "alice", from: CorrelationTests.attacker)
        x.login(20, on: evil, as: "al\"ice\u{1b}[31m", from: "10.0.0.1")
        x.login(15, on: "app01", as: "alice", from: "10.0.0.1")
        let inv = x.investigate(seeds: [CorrelationTests.attacker])
        let dot = try #require(String(validating: LateralDOT.render(inv), as: UTF8.self))
        #expect(dot.hasPrefix("// dwell lateral movement"))
        #expect(dot.contains("digraph lateral_movement {"))
        #expect(dot.contains("db\\\"01\\\\\\\\x0A&lt;b&gt;&amp;x"))
        #expect(dot.contains("al\\\"ice\\\\x1B[31m via ssh"))
        #expect(!dot.contains("\u{1b}"))
        #expect(dot.contains("peripheries=2"))  // the entry host
        let hops = dot.split(separator: "\n").filter { $0.contains(" -> ") }
        #expect(hops.count == 2)
        #expect(hops.first?.contains("label=\"1. ") == true && hops.first?.contains("alice via ssh") == true)
        // Every line of the graph outside comments is balanced: no label broke out of its quotes.
        for line in dot.split(separator: "\n") where !line.hasPrefix("//") {
            var quotes = 0
            var escaped = false
            for c in line {
                if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { quotes += 1 }
            }
            #expect(quotes % 2 == 0, "\(line)")
        }
        #expect(LateralDOT.render(inv) == LateralDOT.render(inv))
    }
}
