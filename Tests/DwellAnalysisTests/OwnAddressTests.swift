import DwellCore
import DwellIndex
import DwellIngest
import DwellPipeline
import DwellTestSupport
import Foundation
import Testing

@testable import DwellAnalysis

/// Learning a host's addresses from its own outgoing packets (netfilter `OUT=` without `IN=`), and what must not
/// teach anything: forwarded packets, incoming ones, a gateway's POSTROUTING log, special addresses.
@Suite struct OwnAddressTests {
    typealias Incident = CorrelationTests.Incident
    static let attacker = CorrelationTests.attacker

    @Test func outgoingPacketTeachesTheHostsAddressAndItsLaterHopsCount() throws {
        var x = Incident()
        x.packet(0, on: "web01", in: "", out: "eth0", src: "10.0.0.1", dst: "10.0.5.5", port: 53)
        x.address(0, "db01", is: "10.0.0.3")
        x.login(10, on: "web01", as: "alice", from: Self.attacker)
        x.add(20, .flow, host: "sensor", src: "10.0.0.1", dst: "10.0.0.3", port: 22)  // Zeek conn of the hop
        x.login(20, on: "db01", as: "alice", from: "10.0.0.1")
        let inv = x.investigate(seeds: [Self.attacker])
        #expect(inv.hosts.map(\.host) == ["web01", "db01"])
        #expect(inv.edges.map { "\($0.from)>\($0.to)" } == ["web01>db01"])
        #expect(inv.hosts.first?.addresses == ["10.0.0.1"])
        // The sensor's flow from web01's address is part of the attack: the hop's network side.
        #expect(inv.timeline.contains { $0.kind == "flow" && $0.evidence.file == "sensor/auth.log" })
        let binding = try #require(inv.hostAddresses.first { $0.address == "10.0.0.1" })
        #expect(binding.host == "web01")
        #expect(binding.source.contains("own outgoing packets (1; netfilter OUT= without IN=; first web01/auth.log:1)"))
        #expect(binding.evidence?.file == "web01/auth.log" && binding.evidence?.line == 1)
        #expect(binding.from == Timestamp(seconds: Incident.base))
        #expect(inv.caveats.contains { $0.text.hasPrefix("host address learned: web01 = 10.0.0.1 (1 outgoing packet(s)") })

        // Without the packet, web01's address is unknown and the login on db01 is no hop.
        var without = x
        without.events.removeFirst()
        let plain = without.investigate(seeds: [Self.attacker])
        #expect(plain.edges.isEmpty)
        #expect(!plain.hostAddresses.contains { $0.address == "10.0.0.1" })
    }

    @Test("benign look-alike: a router's forwarded packet (IN= and OUT= set) and an incoming one teach nothing")
    func forwardedAndIncomingPacketsTeachNothing() {
        var x = Incident()
        x.packet(0, on: "router01", in: "eth1", out: "eth0", src: "10.0.0.1", dst: "192.0.2.80", port: 443)
        x.packet(1, on: "router01", in: "eth0", out: "", src: "10.0.0.1", dst: "10.0.9.1", port: 22)
        x.login(10, on: "router01", as: "alice", from: Self.attacker)
        x.login(20, on: "db01", as: "alice", from: "10.0.0.1")  // 10.0.0.1 is a client behind the router
        let inv = x.investigate(seeds: [Self.attacker])
        #expect(inv.hostAddresses.isEmpty)
        #expect(inv.edges.isEmpty)
        #expect(!inv.caveats.contains { $0.text.hasPrefix("host address") })
    }

    @Test func conflictingClaimsAreReportedAndKeptApart() throws {
        var x = Incident()
        x.packet(0, on: "web01", in: "", out: "eth0", src: "10.0.0.1", dst: "10.0.5.5", port: 53)
        x.packet(5, on: "db01", in: "", out: "eth0", src: "10.0.0.1", dst: "10.0.5.5", port: 53)  // same address
        x.packet(15, on: "web01", in: "", out: "eth0", src: "10.0.0.1", dst: "10.0.5.5", port: 53)
        x.login(1, on: "web01", as: "alice", from: Self.attacker)
        x.login(7, on: "app01", as: "svc", from: "10.0.0.1")  // db01 claims the address then: not web01's hop
        x.login(20, on: "app02", as: "alice", from: "10.0.0.1")  // web01's again
        let inv = x.investigate(seeds: [Self.attacker])
        #expect(inv.edges.map { "\($0.from)>\($0.to)" } == ["web01>app02"])
        let bindings = inv.hostAddresses.filter { $0.address == "10.0.0.1" }
        #expect(bindings.map(\.host).sorted() == ["db01", "web01", "web01"])
        let caveat = try #require(inv.caveats.first { $0.text.hasPrefix("host address conflict:") }?.text)
        #expect(caveat.contains("10.0.0.1 claimed by 2 hosts at overlapping times"))
        #expect(caveat.contains("web01") && caveat.contains("db01") && caveat.contains("not merged"))
        #expect(caveat.contains("first db01/auth.log:1"))
    }

    @Test func anAddressThatMovesIsReportedAsMoved() throws {
        var x = Incident()
        x.packet(0, on: "web01", in: "", out: "eth0", src: "10.0.0.1", dst: "10.0.5.5", port: 53)
        x.packet(60, on: "db01", in: "", out: "ens3", src: "10.0.0.1", dst: "10.0.5.5", port: 53)
        let inv = x.investigate(seeds: [Self.attacker])
        let caveat = try #require(inv.caveats.first { $0.text.hasPrefix("host address conflict:") }?.text)
        #expect(caveat.contains("10.0.0.1 moved between hosts: web01"))
        #expect(caveat.contains(", then db01"))
    }

    @Test("a gateway logging forwarded packets in POSTROUTING (IN= empty) teaches nothing, and says so")
    func aHostWithTooManyOwnSourcesTeachesNothing() {
        var x = Incident()
        for k in 1...17 {
            x.packet(Int64(k), on: "gw01", in: "", out: "eth0", src: "10.0.1.\(k)", dst: "192.0.2.80", port: 443)
        }
        x.packet(20, on: "web01", in: "", out: "eth0", src: "10.0.0.1", dst: "10.0.5.5", port: 53)
        let inv = x.investigate(seeds: [Self.attacker])
        #expect(inv.hostAddresses.map(\.host) == ["web01"])
        let gateway = "gw01 logged outgoing packets (OUT= without IN=) from 17 source addresses"
        #expect(inv.caveats.contains { $0.text.contains(gateway) })
        var loose = CorrelationOptions()
        loose.maxOwnAddresses = 32
        #expect(x.investigate(seeds: [Self.attacker], options: loose).hostAddresses.count == 18)
    }

    @Test(arguments: [
        ("127.0.0.1", false), ("0.0.0.0", false), ("255.255.255.255", false), ("224.0.0.251", false),
        ("169.254.10.1", false), ("::1", false), ("fe80::1", false), ("ff02::1", false), ("10.0.0.1", true),
        ("192.0.2.7", true), ("2001:db8::5", true), ("fd00::5", true),
    ])
    func onlyAddressesOfOneHostTeach(address: String, teaches: Bool) throws {
        let ip = try #require(IPAddress(address))
        #expect(OwnTraffic.isAssignable(ip) == teaches)
    }

    /// From the text of a UFW kern.log through the parser and the store sink, as `dwell investigate` reads it.
    @Test func ufwOutputLinesInAKernLogTeachTheLoggingHostsAddress() throws {
        let dir = try Fixture.temporaryDirectory("dwell-own-address")
        defer { try? FileManager.default.removeItem(at: dir) }
        func at(_ s: String) -> String { "2026-03-11T\(s).000000+00:00" }
        _ = try Fixture.write(
            """
            \(at("19:00:00")) app01 kernel: [1000.1] [UFW AUDIT] IN= OUT=eth0 SRC=10.0.2.20 DST=10.0.0.2 LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID=1 DF PROTO=UDP SPT=40000 DPT=53 LEN=40
            \(at("19:00:05")) app01 kernel: [1005.2] [UFW BLOCK] IN=eth0 OUT= MAC=00:11 SRC=198.51.100.9 DST=10.0.2.20 LEN=40 TTL=50 ID=2 PROTO=TCP SPT=5555 DPT=23 WINDOW=1024 RES=0x00 SYN URGP=0
            \(at("19:00:06")) app01 kernel: [1006.0] [UFW BLOCK] IN=eth1 OUT=eth0 SRC=10.0.9.9 DST=192.0.2.80 LEN=40 TTL=63 ID=3 PROTO=TCP SPT=5556 DPT=443 SYN URGP=0

            """, to: dir.appendingPathComponent("app01/var/log/kern.log"))
        _ = try Fixture.write(
            """
            \(at("19:10:00")) app01 sshd[100]: Accepted password for deploy from \(Self.attacker) port 50000 ssh2

            """, to: dir.appendingPathComponent("app01/var/log/auth.log"))
        _ = try Fixture.write(
            """
            \(at("19:20:00")) db01 sshd[200]: Accepted password for deploy from 10.0.2.20 port 50001 ssh2

            """, to: dir.appendingPathComponent("db01/var/log/auth.log"))
        let result = InvestigationRun.run(
            paths: [dir.path], options: IngestOptions(jobs: 2), seeds: [try #require(Seed(parsing: Self.attacker))])
        let inv = result.investigation
        let binding = try #require(inv.hostAddresses.first { $0.address == "10.0.2.20" })
        #expect(binding.host == "app01")
        #expect(binding.evidence?.line == 1)
        let raw = String(decoding: binding.evidence?.raw ?? [], as: UTF8.self)
        #expect(raw.contains("OUT=eth0 SRC=10.0.2.20"))
        // The incoming and the forwarded packet taught nothing.
        #expect(inv.hostAddresses.count == 1)
        #expect(inv.edges.map { "\($0.from)>\($0.to)" } == ["app01>db01"])
    }
}

extension CorrelationTests.Incident {
    /// A netfilter `LOG` line on `host`: `IN=in OUT=out SRC=src DST=dst`.
    mutating func packet(
        _ minute: Int64, on host: String, in inside: String, out outside: String, src: String, dst: String,
        port: UInt16
    ) {
        add(minute, .firewall, host: host, src: src, dst: dst, port: port, program: "kernel")
        if !inside.isEmpty { events[events.count - 1].inInterface = symbols.intern(inside) }
        if !outside.isEmpty { events[events.count - 1].outInterface = symbols.intern(outside) }
    }
}
