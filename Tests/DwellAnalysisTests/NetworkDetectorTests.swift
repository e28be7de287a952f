import DwellAnalysis
import DwellCore
import DwellIndex
import DwellIngest
import DwellPipeline
import DwellTestSupport
import Foundation
import Testing

/// Sensor lines in the formats real captures hold (Zeek JSON and TSV, Suricata eve, netfilter), written to files
/// and read the way `dwell investigate` reads them, then run through the detectors.
enum NetLines {
    /// 2026-05-28T20:26:40Z.
    static let epoch: Double = 1_780_000_000

    static func ts(_ seconds: Double) -> String { String(format: "%.6f", epoch + seconds) }

    /// A Zeek conn record, json-streaming-logs style.
    static func conn(
        _ t: Double, _ from: String, _ to: String, _ port: Int, service: String? = nil,
        local: (Bool, Bool)? = nil,
        sensor: String = "nsm1"
    ) -> String {
        var s =
            #"{"@stream":"conn","@system":"\#(sensor)","ts":\#(ts(t)),"uid":"C\#(Int(t * 1000))","id_orig_h":"\#(from)","id_orig_p":\#(49_152 + Int(t) % 10_000),"id_resp_h":"\#(to)","id_resp_p":\#(port),"proto":"tcp""#
        if let service { s += #","service":"\#(service)""# }
        if let local { s += #","local_orig":\#(local.0),"local_resp":\#(local.1)"# }
        return s + #","duration":0.5,"orig_bytes":300,"resp_bytes":900,"conn_state":"SF"}"#
    }

    static func http(
        _ t: Double, _ from: String, _ to: String, host: String, uri: String, mime: String
    ) -> String {
        #"{"@stream":"http","@system":"nsm1","ts":\#(ts(t)),"uid":"H\#(Int(t))","id_orig_h":"\#(from)","id_orig_p":50000,"id_resp_h":"\#(to)","id_resp_p":80,"trans_depth":1,"method":"GET","host":"\#(host)","uri":"\#(uri)","request_body_len":0,"response_body_len":73802,"status_code":200,"status_msg":"OK","resp_mime_types":["\#(mime)"]}"#
    }

    static func dns(
        _ t: Double, _ from: String, _ server: String, query: String, type: String = "A",
        answer: String? = nil
    )
        -> String
    {
        let answers = answer.map { #","answers":["\#($0)"]"# } ?? ""
        return
            #"{"@stream":"dns","@system":"nsm1","ts":\#(ts(t)),"uid":"D\#(Int(t * 1000))","id_orig_h":"\#(from)","id_orig_p":53000,"id_resp_h":"\#(server)","id_resp_p":53,"proto":"udp","query":"\#(query)","qtype_name":"\#(type)","rcode_name":"NOERROR"\#(answers)}"#
    }

    static func kerberos(_ t: Double, _ from: String, kdc: String, client: String, service: String)
        -> String
    {
        #"{"@stream":"kerberos","@system":"nsm1","ts":\#(ts(t)),"uid":"K\#(Int(t))","id_orig_h":"\#(from)","id_orig_p":51000,"id_resp_h":"\#(kdc)","id_resp_p":88,"request_type":"TGS","client":"\#(client)","service":"\#(service)","success":true}"#
    }

    static func ssh(
        _ t: Double, _ from: String, _ to: String, success: Bool?,
        client: String = "SSH-2.0-OpenSSH_9.6"
    )
        -> String
    {
        let auth = success.map { #","auth_success":\#($0)"# } ?? ""
        return
            #"{"@stream":"ssh","@system":"nsm1","ts":\#(ts(t)),"uid":"S\#(Int(t * 1000))","id_orig_h":"\#(from)","id_orig_p":40000,"id_resp_h":"\#(to)","id_resp_p":22,"version":2\#(auth),"auth_attempts":1,"client":"\#(client)","server":"SSH-2.0-OpenSSH_8.9"}"#
    }

    static func eve(
        _ t: Double, _ from: String, _ fromPort: Int, _ to: String, _ toPort: Int, signature: String,
        category: String,
        severity: Int
    ) -> String {
        let time = Timestamp(microseconds: Int64((epoch + t) * 1_000_000)).iso8601(fractionDigits: 6)
        let stamp = time.replacingOccurrences(of: "Z", with: "+0000")
        return
            #"{"timestamp":"\#(stamp)","flow_id":\#(1000 + Int(t)),"event_type":"alert","src_ip":"\#(from)","src_port":\#(fromPort),"dest_ip":"\#(to)","dest_port":\#(toPort),"proto":"TCP","alert":{"action":"allowed","gid":1,"signature_id":2000001,"rev":1,"signature":"\#(signature)","category":"\#(category)","severity":\#(severity)}}"#
    }

    /// A Zeek TSV log with its header block.
    static func tsv(_ path: String, _ fields: [String], _ rows: [[String]]) -> [String] {
        [
            "#separator \\x09", "#set_separator\t,", "#empty_field\t(empty)", "#unset_field\t-",
            "#path\t\(path)",
            "#fields\t" + fields.joined(separator: "\t"),
            "#types\t" + fields.map { _ in "string" }.joined(separator: "\t"),
        ]
            + rows.map { $0.joined(separator: "\t") }
    }
}

/// Reads files of lines (relative path → lines) as `dwell` does and runs the detectors.
struct NetRun {
    var findings: [Finding]
    var networks: InternalNetworks
    var store: EventStore
    var files: [String] = []

    init(_ files: [String: [String]], internal networks: [String] = []) throws {
        let dir = try Fixture.temporaryDirectory("net")
        for (path, lines) in files {
            try Fixture.write(lines.joined(separator: "\n") + "\n", to: dir.appendingPathComponent(path))
        }
        let found = Discovery().discover([dir.path])
        let (store, _) = InvestigationRun.buildStore(
            files: found.files, options: IngestOptions(jobs: 1))
        let detectors = Detectors(
            store: store, filePaths: found.files.map(\.displayPath),
            internalNetworks: networks.compactMap { IPNetwork($0) })
        self.findings = detectors.run()
        self.networks = detectors.networks
        self.store = store
        self.files = found.files.map(\.displayPath)
    }

    func of(_ rule: String) -> [Finding] { findings.filter { $0.rule.name == rule } }

    func isInside(_ text: String) -> Bool {
        guard let a = IPAddress(text), let id = store.addressID(of: a) else { return false }
        return networks.contains(id)
    }
}

func address(_ s: String) -> IPAddress { IPAddress(s) ?? .none }

// MARK: - Beacons

@Suite struct BeaconTests {
    /// Every 60 s give or take 5 s, from `from` to `to`.
    static func beacon(_ from: String, _ to: String, count: Int, port: Int = 443, start: Double = 0)
        -> [String]
    {
        (0..<count).map { k in
            NetLines.conn(
                start + Double(k) * 60 + Double((k * 7) % 11) - 5, from, to, port, service: "ssl")
        }
    }

    @Test func regularConnectionsToARareOutsideAddressAreABeacon() throws {
        let run = try NetRun(
            ["conn.log": Self.beacon("10.1.0.5", "203.0.113.50", count: 20)], internal: ["10.1.0.0/16"])
        let f = try #require(run.of("net.beacon").first)
        #expect(f.severity == .high)
        #expect(f.role == .compromise)
        #expect(f.seeds)
        #expect(f.technique == "T1573")
        #expect(f.implies.contains(.attackerAddress(address("203.0.113.50"))))
        #expect(f.implies.contains(.compromisedHost(name: nil, address: address("10.1.0.5"))))
        #expect(f.why.contains("20 callbacks"))
        #expect(f.evidence.count == 4)
    }

    @Test func irregularConnectionsAreNoBeacon() throws {
        let gaps: [Double] = [5, 900, 30, 2_400, 12, 600, 3_000, 45, 1_200, 7, 400, 2_000]
        var t = 0.0
        var lines: [String] = []
        for g in gaps {
            t += g
            lines.append(NetLines.conn(t, "10.1.0.5", "203.0.113.50", 443))
        }
        let run = try NetRun(["conn.log": lines], internal: ["10.1.0.0/16"])
        #expect(run.of("net.beacon").isEmpty)
    }

    @Test func regularNTPAndAnAddressManyHostsReachAreNoBeacon() throws {
        var lines = Self.beacon("10.1.0.5", "198.51.100.123", count: 20, port: 123)
        for h in 1...4 { lines += Self.beacon("10.1.0.\(10 + h)", "198.51.100.80", count: 12) }
        let run = try NetRun(["conn.log": lines], internal: ["10.1.0.0/16"])
        #expect(run.of("net.beacon").isEmpty)
    }

    @Test func aBeaconToAnotherInternalNetworkIsNoBeaconWhenGivenAsInternal() throws {
        let run = try NetRun(
            ["conn.log": Self.beacon("10.1.0.5", "192.168.0.4", count: 20)],
            internal: ["10.1.0.0/16", "192.168.0.0/16"])
        #expect(run.of("net.beacon").isEmpty)
    }
}

// MARK: - Payload downloads

@Suite struct PayloadDownloadTests {
    static let httpFields = [
        "ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "trans_depth", "method",
        "host", "uri",
        "status_code", "resp_fuids", "resp_mime_types",
    ]

    @Test func anExecutableFromARareAddressThenConnectionsToItIsAPayloadDownload() throws {
        let http = NetLines.tsv(
            "http", Self.httpFields,
            [
                [
                    NetLines.ts(10), "CwS1", "192.168.1.41", "51126", "10.0.5.13", "80", "1", "GET",
                    "10.0.5.13", "/a.exe",
                    "200", "Fm1", "application/x-dosexec",
                ]
            ])
        let conns = (0..<3).map {
            NetLines.conn(60 + Double($0) * 30, "192.168.1.41", "10.0.5.13", 8080)
        }
        let run = try NetRun(["http.log": http, "conn.log": conns], internal: ["192.168.1.0/24"])
        let f = try #require(run.of("net.payload_download").first)
        #expect(f.role == .compromise && f.severity == .high && f.seeds)
        #expect(f.technique == "T1105")
        #expect(f.implies.contains(.attackerAddress(address("10.0.5.13"))))
        #expect(f.implies.contains(.compromisedHost(name: nil, address: address("192.168.1.41"))))
        #expect(f.why.contains("then 3 connection(s)"))
        #expect(f.why.contains("8080"))
    }

    @Test func aScriptFileNameInFilesLogCounts() throws {
        let files = NetLines.tsv(
            "files",
            [
                "ts", "fuid", "tx_hosts", "rx_hosts", "conn_uids", "source", "mime_type", "filename",
                "total_bytes",
            ],
            [
                [
                    NetLines.ts(5), "F1", "198.51.100.9", "10.1.0.7", "C1", "HTTP", "text/plain",
                    "update.ps1", "2048",
                ]
            ])
        let run = try NetRun(["files.log": files], internal: ["10.1.0.0/16"])
        let f = try #require(run.of("net.payload_download").first)
        #expect(f.why.contains("update.ps1"))
        #expect(f.implies.contains(.compromisedHost(name: nil, address: address("10.1.0.7"))))
    }

    @Test func pagesScriptsOfWebSitesAndTrustedUpdatesAreNoPayload() throws {
        let http = NetLines.tsv(
            "http", Self.httpFields,
            [
                [
                    NetLines.ts(1), "C1", "10.1.0.7", "50001", "198.51.100.20", "80", "1", "GET",
                    "www.example.com",
                    "/index.html", "200", "F1", "text/html",
                ],
                [
                    NetLines.ts(2), "C2", "10.1.0.7", "50002", "198.51.100.20", "80", "1", "GET",
                    "www.example.com",
                    "/js/app.min.js", "200", "F2", "application/javascript",
                ],
                [
                    NetLines.ts(3), "C3", "10.1.0.7", "50003", "198.51.100.21", "80", "1", "GET",
                    "www.example.com",
                    "/player.swf", "200", "F3", "application/x-shockwave-flash",
                ],
                [
                    NetLines.ts(4), "C4", "10.1.0.7", "50004", "198.51.100.30", "80", "1", "GET",
                    "au.download.windowsupdate.com", "/d/kb123.exe", "200", "F4", "application/x-dosexec",
                ],
                [
                    NetLines.ts(5), "C5", "10.1.0.7", "50005", "198.51.100.40", "80", "1", "GET",
                    "files.example.net",
                    "/tool.exe", "404", "F5", "text/html",
                ],
            ])
        let run = try NetRun(["http.log": http], internal: ["10.1.0.0/16"])
        #expect(run.of("net.payload_download").isEmpty)
    }
}

// MARK: - Admin-protocol lateral movement and Kerberos

@Suite struct AdminLateralTests {
    /// A short capture: UTICA-like host 10.0.1.5 beacons, then WinRM to the DC with a ticket for HTTP/NEWYORK.
    static func incident(beacon: Bool) -> [String: [String]] {
        var conn: [String] = []
        if beacon { conn += BeaconTests.beacon("10.0.1.5", "192.168.0.4", count: 12) }
        conn += [
            NetLines.conn(100, "10.0.1.5", "10.0.0.4", 53),
            NetLines.conn(101, "10.0.1.5", "10.0.0.4", 88),
            NetLines.conn(102, "10.0.1.5", "10.0.0.4", 389),
            NetLines.conn(103, "10.0.1.5", "10.0.0.4", 445),
            NetLines.conn(104, "10.0.1.5", "10.0.0.4", 135),
            NetLines.conn(900, "10.0.1.5", "10.0.0.4", 5985),
            NetLines.conn(901, "10.0.1.5", "10.0.0.4", 5985),
        ]
        let dns = [
            NetLines.dns(880, "10.0.1.5", "10.0.0.4", query: "newyork.corp.local", answer: "10.0.0.4")
        ]
        let krb = [
            NetLines.kerberos(
                895, "10.0.1.5", kdc: "10.0.0.4", client: "mscott/CORP.LOCAL", service: "HTTP/NEWYORK")
        ]
        return ["conn.log": conn, "dns.log": dns, "kerberos.log": krb]
    }

    @Test func winRMFromABeaconingHostIsACompromiseHopWithTheKerberosAccount() throws {
        let run = try NetRun(Self.incident(beacon: true))
        let hops = run.of("net.admin_lateral")
        #expect(hops.count == 1)
        let f = try #require(hops.first)
        #expect(f.severity == .high && f.role == .compromise && f.seeds)
        #expect(f.technique == "T1021.006")
        #expect(f.host == "newyork")
        #expect(
            f.implies.contains(
                .lateral(
                    from: address("10.0.1.5"), to: address("10.0.0.4"), account: "mscott", method: "winrm")))
        #expect(f.implies.contains(.compromisedAccount("mscott")))
        #expect(f.why.contains("it beacons"))
        #expect(f.why.contains("Kerberos ticket for HTTP/NEWYORK"))
        // SMB and RPC to the domain controller are every member's routine, not a hop.
        #expect(!run.findings.contains { $0.technique == "T1021.002" || $0.technique == "T1021.003" })
        // The ticket itself names the account, since the host is suspect.
        let ticket = try #require(run.of("net.kerberos_service").first)
        #expect(ticket.role == .compromise)
        #expect(ticket.implies.contains(.compromisedAccount("mscott")))
        #expect(run.networks.basis == .inferred)
        #expect(run.isInside("10.0.1.5") && !run.isInside("192.168.0.4"))
    }

    @Test func winRMFromAHostNotOtherwiseSuspectIsAnAttempt() throws {
        let run = try NetRun(Self.incident(beacon: false))
        let f = try #require(run.of("net.admin_lateral").first)
        #expect(f.severity == .medium && f.role == .attempt && !f.seeds)
        #expect(run.of("net.kerberos_service").isEmpty)
    }

    @Test func smbWithRPCBetweenMembersIsRemoteExecutionAndSMBAloneIsNot() throws {
        let conn = [
            NetLines.conn(1, "10.0.1.5", "10.0.0.4", 88),
            NetLines.conn(10, "10.0.1.5", "10.0.1.9", 445),
            NetLines.conn(12, "10.0.1.5", "10.0.1.9", 135),
            NetLines.conn(20, "10.0.1.5", "10.0.1.8", 445),
        ]
        let run = try NetRun(["conn.log": conn])
        let hops = run.of("net.admin_lateral")
        #expect(hops.count == 1)
        #expect(hops.first?.technique == "T1021.002")
        #expect(hops.first?.why.contains("smb+rpc") == true)
    }

    @Test func serviceControlOverDCERPCIsNamed() throws {
        let rpc = NetLines.tsv(
            "dce_rpc",
            [
                "ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "rtt", "named_pipe",
                "endpoint", "operation",
            ],
            [
                [
                    NetLines.ts(30), "R1", "10.0.1.5", "50100", "10.0.1.9", "445", "0.01", "\\pipe\\svcctl",
                    "svcctl", "CreateServiceW",
                ]
            ])
        let run = try NetRun([
            "dce_rpc.log": rpc, "conn.log": [NetLines.conn(1, "10.0.1.5", "10.0.0.4", 88)],
        ])
        let f = try #require(run.of("net.admin_lateral").first)
        #expect(f.technique == "T1569.002")
        #expect(
            f.implies.contains(
                .lateral(from: address("10.0.1.5"), to: address("10.0.1.9"), account: nil, method: "svcctl")
            ))
    }
}

// MARK: - Zeek ssh.log

@Suite struct SSHLogTests {
    @Test func oneClientLoggingInToManyServersIsCredentialReuse() throws {
        let lines = (1...4).map {
            NetLines.ssh(Double($0) * 60, "10.2.0.50", "10.2.0.\($0)", success: true)
        }
        let run = try NetRun(["ssh.log": lines], internal: ["10.2.0.0/16"])
        let f = try #require(run.of("net.ssh_reuse").first)
        #expect(f.role == .compromise && f.severity == .high)
        #expect(f.technique == "T1078")
        #expect(
            f.implies.contains(
                .lateral(from: address("10.2.0.50"), to: address("10.2.0.3"), account: nil, method: "ssh")))
    }

    @Test func failuresAreGuessingAndScannerClientsAreReconnaissance() throws {
        var lines = (0..<12).map {
            NetLines.ssh(Double($0) * 20, "203.0.113.9", "10.2.0.1", success: false)
        }
        lines.append(
            NetLines.ssh(
                500, "198.51.100.3", "10.2.0.1", success: nil, client: "SSH-2.0-Nmap-SSH2-Hostkey"))
        lines += (0..<6).map {
            NetLines.ssh(
                600 + Double($0) * 5, "198.51.100.4", "10.2.0.\($0 + 1)", success: false,
                client: "SSH-2.0-paramiko_3.4.0")
        }
        lines += (0..<3).map {
            NetLines.ssh(
                900 + Double($0) * 5, "10.2.0.60", "10.2.0.2", success: true,
                client: "SSH-2.0-paramiko_3.4.0")
        }
        let run = try NetRun(["ssh.log": lines], internal: ["10.2.0.0/16"])
        let guessing = try #require(run.of("net.ssh_guessing").first)
        #expect(guessing.role == .attempt)
        #expect(guessing.implies == [.attackerAddress(address("203.0.113.9"))])
        let scanners = run.of("net.ssh_scanner")
        #expect(Set(scanners.flatMap(\.indicators)) == [.ip("198.51.100.3"), .ip("198.51.100.4")])
        #expect(scanners.allSatisfy { $0.role == .attempt })
    }
}

// MARK: - DNS

@Suite struct DNSDetectorTests {
    @Test func highEntropyNamesUnderARareDomainAndTXTBurstsAreFound() throws {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        func randomLabel(_ k: Int) -> String {
            String((0..<20).map { alphabet[($0 * 7 + k * 13 + ($0 * $0 * k) % 11) % alphabet.count] })
        }
        var lines = (0..<6).map {
            NetLines.dns(
                Double($0) * 30, "10.3.0.7", "10.3.0.2", query: "\(randomLabel($0 + 1)).kq7-cdn.net")
        }
        lines += (0..<40).map {
            NetLines.dns(
                1_000 + Double($0), "10.3.0.8", "10.3.0.2",
                query: "p\($0)x\(randomLabel($0)).tunnel.example", type: "TXT")
        }
        lines += (0..<50).map {
            NetLines.dns(
                2_000 + Double($0), "10.3.0.\($0 % 20 + 10)", "10.3.0.2", query: "www.example.com")
        }
        let run = try NetRun(["dns.log": lines], internal: ["10.3.0.0/16"])
        let entropy = run.of("net.dns_entropy")
        #expect(entropy.contains { $0.indicators.contains(.domain("kq7-cdn.net")) })
        #expect(entropy.allSatisfy { $0.role == .context && !$0.seeds })
        let txt = try #require(run.of("net.dns_txt_burst").first)
        #expect(txt.role == .compromise)
        #expect(txt.implies == [.compromisedHost(name: nil, address: address("10.3.0.8"))])
        #expect(!run.findings.contains { $0.indicators.contains(.domain("example.com")) })
    }
}

// MARK: - IDS alerts with sense (#25)

@Suite struct IDSAlertTests {
    @Test func whoTheAttackerIsFollowsTheSignature() throws {
        let lines = [
            NetLines.eve(
                1, "198.51.100.66", 44000, "10.4.0.5", 80,
                signature:
                    "ET EXPLOIT Apache HTTP Server 2.4.49 - Path Traversal Attempt (CVE-2021-41773) M2",
                category: "Attempted Administrator Privilege Gain", severity: 1),
            NetLines.eve(
                2, "10.4.0.5", 80, "198.51.100.67", 44001,
                signature: "GPL ATTACK_RESPONSE id check returned root",
                category: "Successful Administrator Privilege Gain", severity: 2),
            NetLines.eve(
                3, "10.4.0.6", 50000, "203.0.113.77", 8443, signature: "ET MALWARE Win32/Agent CnC Checkin",
                category: "A Network Trojan was detected", severity: 1),
            NetLines.eve(
                4, "10.4.0.7", 50001, "8.8.8.8", 53,
                signature: "ET DNS Query for .su TLD (Soviet Union) Often Malware Related",
                category: "Potentially Bad Traffic", severity: 2),
            NetLines.eve(
                5, "142.250.74.46", 443, "10.4.0.7", 50002,
                signature: "ET WEB_CLIENT Suspicious Iframe Injection",
                category: "Web Application Attack", severity: 1),
            NetLines.eve(
                6, "10.4.0.8", 50003, "151.101.1.69", 443,
                signature: "ET POLICY Observed SSL Cert for Known Service",
                category: "Potential Corporate Privacy Violation", severity: 1),
            NetLines.eve(
                7, "198.51.100.90", 40000, "10.4.0.5", 22, signature: "ET SCAN Potential SSH Scan",
                category: "Attempted Information Leak", severity: 2),
            NetLines.eve(
                8, "203.0.113.99", 443, "10.4.0.9", 50004,
                signature: "ET ATTACK_RESPONSE Metasploit Meterpreter Reverse HTTPS certificate",
                category: "A Network Trojan was detected", severity: 1),
        ]
        let run = try NetRun(["eve.json": lines], internal: ["10.4.0.0/16"])
        let alerts = run.of("ids.alert").sorted { $0.time < $1.time }
        try #require(alerts.count == 8)
        // An exploit: the source attacks.
        #expect(alerts[0].role == .compromise && alerts[0].seeds)
        #expect(alerts[0].implies == [.attackerAddress(address("198.51.100.66"))])
        #expect(alerts[0].why.contains("category 'Attempted Administrator Privilege Gain'"))
        #expect(alerts[0].why.contains("198.51.100.66:44000 to 10.4.0.5:80"))
        // A response: the attacker is the destination, and the answering host is compromised.
        #expect(alerts[1].implies.contains(.attackerAddress(address("198.51.100.67"))))
        #expect(alerts[1].implies.contains(.compromisedHost(name: nil, address: address("10.4.0.5"))))
        // A check-in: the source is the victim.
        #expect(alerts[2].implies.contains(.attackerAddress(address("203.0.113.77"))))
        #expect(alerts[2].implies.contains(.compromisedHost(name: nil, address: address("10.4.0.6"))))
        // ET DNS is context, and a public resolver is never an attacker.
        #expect(alerts[3].role == .context && !alerts[3].seeds && alerts[3].implies.isEmpty)
        #expect(alerts[3].severity <= .low)
        // A well-known service address never becomes an attacker.
        #expect(alerts[4].role == .context && alerts[4].implies.isEmpty)
        #expect(alerts[4].why.contains("well-known service address"))
        #expect(alerts[5].role == .context && alerts[5].why.contains("ET POLICY"))
        // A scan is an attempt by its source.
        #expect(alerts[6].role == .attempt && !alerts[6].seeds)
        #expect(alerts[6].implies == [.attackerAddress(address("198.51.100.90"))])
        // A C2 handler's certificate is sent by the handler: the source is the attacker, response or not.
        #expect(alerts[7].role == .compromise)
        #expect(alerts[7].implies == [.attackerAddress(address("203.0.113.99"))])
    }
}

// MARK: - Fast scans (#25)

@Suite struct FastScanTests {
    static func syn(_ second: Int, _ micro: Int, port: Int) -> String {
        "Mar  9 10:00:\(String(format: "%02d", second)) fw1 kernel: [5002.\(micro)] [UFW BLOCK] IN=eth0 OUT= MAC=00:08:a2:0c:1f:12:00:c8:8b:e2:d6:87:08:00 SRC=198.51.100.200 DST=203.0.113.10 LEN=40 TOS=0x00 PREC=0x00 TTL=245 ID=1 PROTO=TCP SPT=40000 DPT=\(port) WINDOW=1024 RES=0x00 SYN URGP=0"
    }

    @Test("#25: a SYN scan of 17 ports within one second is a fast scan")
    func seventeenPortsInASecond() throws {
        let lines = (0..<17).map {
            Self.syn(
                1, 100_000 + $0 * 1000,
                port: [21, 22, 23, 25, 53, 80, 110, 135, 139, 143, 443, 445, 993, 995, 3306, 3389, 8080][$0]
            )
        }
        let run = try NetRun(["kern.log": lines])
        let f = try #require(run.of("net.fast_scan").first)
        #expect(f.role == .attempt && !f.seeds)
        #expect(f.why.contains("17 distinct destination ports"))
        #expect(run.of("net.port_scan").isEmpty)
    }

    @Test func seventeenPortsOverAMinuteAreNoFastScan() throws {
        let lines = (0..<17).map { Self.syn(3 * $0, 0, port: 1000 + $0) }
        let run = try NetRun(["kern.log": lines])
        #expect(run.of("net.fast_scan").isEmpty)
    }
}

// MARK: - Inside versus outside, and names

@Suite struct InternalNetworkTests {
    @Test func theSensorsFlagsAreTrustedWhenTheySayMoreThanPrivateSpace() throws {
        let lines = [
            NetLines.conn(1, "172.20.0.5", "192.168.9.9", 443, local: (true, false)),
            NetLines.conn(2, "172.20.0.5", "203.0.113.5", 443, local: (true, false)),
        ]
        let run = try NetRun(["conn.log": lines])
        #expect(run.networks.basis == .sensorFlags)
        #expect(run.networks.caveat == nil)
        #expect(run.isInside("172.20.0.5") && !run.isInside("192.168.9.9"))
    }

    @Test func flagsThatEchoPrivateSpaceAreNotTrusted() throws {
        let lines = [
            NetLines.conn(1, "192.168.1.41", "192.168.1.4", 53, local: (true, true)),
            NetLines.conn(2, "192.168.1.41", "10.0.5.13", 80, local: (true, true)),
            NetLines.conn(3, "192.168.1.41", "203.0.113.5", 443, local: (true, false)),
        ]
        let run = try NetRun(["conn.log": lines])
        #expect(run.networks.basis == .inferred)
        #expect(run.networks.caveat?.contains("Site::local_nets") == true)
        #expect(run.isInside("192.168.1.41") && !run.isInside("10.0.5.13"))
    }

    @Test func givenNetworksWinOverInferenceAndPrivateSpaceIsTheLastResort() throws {
        let lines = [NetLines.conn(1, "10.9.0.1", "10.8.0.1", 443)]
        let given = try NetRun(["conn.log": lines], internal: ["10.9.0.0/24"])
        #expect(given.networks.basis == .given && given.networks.caveat == nil)
        #expect(given.isInside("10.9.0.1") && !given.isInside("10.8.0.1"))
        let fallback = try NetRun(["conn.log": lines])
        #expect(fallback.networks.basis == .privateRanges)
        #expect(fallback.networks.caveat?.contains("private address space") == true)
        #expect(fallback.isInside("10.8.0.1"))
    }

    @Test func internalListsParseAndRejectNonsense() throws {
        let ok = try InternalNetworks.parseList("10.0.0.0/16, 192.168.5.7").get()
        #expect(ok.map(\.description) == ["10.0.0.0/16", "192.168.5.7/32"])
        #expect((try? InternalNetworks.parseList("10.0.0.0/40").get()) == nil)
    }

    @Test func aPerHostCaptureNamesTheAddressInEveryRecord() throws {
        let run = try NetRun([
            "WEB01_conn.log": [
                NetLines.conn(1, "10.0.1.20", "10.0.0.4", 53), NetLines.conn(2, "203.0.113.8", "10.0.1.20", 443),
            ],
            "DB01_dns.log": [NetLines.dns(3, "10.0.1.30", "10.0.0.4", query: "x.example")],
        ])
        let names = networkHostNames(
            store: run.store, isInternal: { _ in true },
            filePaths: run.files)
        let named = names.filter { $0.source == .captureFile }.map {
            "\($0.name) \(run.store.address($0.addressID)?.description ?? "")"
        }
        // A DNS log names two addresses on every line (client and server): no name from it.
        #expect(named == ["WEB01 10.0.1.20"])
    }

    @Test func namesComeFromDNSKerberosNTLMAndSMB() throws {
        let ntlm = NetLines.tsv(
            "ntlm",
            [
                "ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "username", "hostname",
                "domainname", "server_nb_computer_name", "success",
            ],
            [
                [
                    NetLines.ts(50), "N1", "10.0.1.5", "50200", "10.0.1.9", "445", "kmalone", "UTICA-A",
                    "CORP", "SCRANTON", "T",
                ]
            ])
        let smb = NetLines.tsv(
            "smb_mapping",
            [
                "ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "path", "service",
                "native_file_system", "share_type",
            ],
            [
                [
                    NetLines.ts(60), "M1", "10.0.1.5", "50300", "10.0.1.11", "445", "\\\\FILESRV\\IPC$", "-",
                    "-", "PIPE",
                ]
            ])
        let files: [String: [String]] = [
            "dns.log": [
                NetLines.dns(1, "10.0.1.5", "10.0.0.4", query: "wec.corp.local", answer: "10.0.1.10")
            ],
            "kerberos.log": [
                NetLines.kerberos(
                    10, "10.0.1.5", kdc: "10.0.0.4", client: "mscott/CORP", service: "HTTP/NEWYORK")
            ],
            "conn.log": [
                NetLines.conn(11, "10.0.1.5", "10.0.0.4", 5985),
                NetLines.conn(12, "10.0.1.5", "10.0.1.10", 443),
            ],
            "ntlm.log": ntlm, "smb_mapping.log": smb,
        ]
        let run = try NetRun(files)
        let names = networkHostNames(store: run.store, isInternal: { _ in true })
        func named(_ a: String) -> [String] {
            guard let ip = IPAddress(a), let id = run.store.addressID(of: ip) else { return [] }
            return names.filter { $0.addressID == id }.map { "\($0.name) \($0.source.rawValue)" }
        }
        #expect(named("10.0.1.10") == ["wec DNS answer"])
        #expect(named("10.0.0.4") == ["NEWYORK Kerberos service principal"])
        #expect(named("10.0.1.9") == ["SCRANTON NTLM server name"])
        #expect(named("10.0.1.5") == ["UTICA-A NTLM client host name"])
        #expect(named("10.0.1.11") == ["FILESRV SMB share path"])
        // The NTLM line keeps its account and domain.
        let i = try #require((0..<run.store.count).first { run.store.kind[$0] == .ntlm })
        #expect(run.store.string(run.store.user[i]) == "kmalone")
        #expect(run.store.string(run.store.domain[i]) == "CORP")
    }
}

// MARK: - Benign traffic

@Suite struct BenignNetworkTests {
    /// Four days of a quiet office: a busy DNS server forwarding to a public resolver, NTP, ten workstations that
    /// check for and fetch updates, a monitoring host polling every host over SSH, WMI and WinRM every 5 minutes,
    /// and admins on a jump host using WinRM and SSH every day.
    static func office() -> [String: [String]] {
        let dnsServer = "10.5.0.2"
        let dc = "10.5.0.3"
        let monitor = "10.5.0.20"
        let jump = "10.5.0.30"
        let servers = (40..<46).map { "10.5.0.\($0)" }
        let workstations = (100..<110).map { "10.5.1.\($0)" }
        var conn: [String] = []
        var dns: [String] = []
        var http: [String] = []
        var ssh: [String] = []
        let day = 86_400.0
        for d in 0..<4 {
            let base = Double(d) * day
            for (k, w) in workstations.enumerated() {
                for q in 0..<40 {
                    let t = base + Double(q * 900 + k * 17)
                    dns.append(
                        NetLines.dns(
                            t, w, dnsServer,
                            query: [
                                "www.example.com", "mail.example.org", "intranet.corp.local", "cdn.example.net",
                            ][q % 4], answer: q % 4 == 2 ? "10.5.0.50" : "203.0.113.\(q % 4 + 1)"))
                    conn.append(NetLines.conn(t + 0.1, w, dnsServer, 53))
                }
                conn.append(NetLines.conn(base + Double(60 + k), w, dc, 88))
                conn.append(NetLines.conn(base + Double(61 + k), w, dc, 445))
                conn.append(NetLines.conn(base + Double(62 + k), w, dc, 135))
                for h in 0..<24 {
                    let t = base + Double(h) * 3_600 + Double(k * 41 % 300)
                    conn.append(NetLines.conn(t, w, "198.51.100.80", 443, service: "ssl"))
                    conn.append(NetLines.conn(t + 5, w, "198.51.100.123", 123))
                }
                http.append(
                    NetLines.http(
                        base + 7_200 + Double(k), w, "198.51.100.81", host: "updates.vendor.example",
                        uri: "/client/patch-\(d).exe", mime: "application/x-dosexec"))
                http.append(
                    NetLines.http(
                        base + 7_300 + Double(k), w, "198.51.100.30", host: "download.windowsupdate.com",
                        uri: "/c/kb\(d).cab", mime: "application/vnd.ms-cab-compressed"))
            }
            for q in 0..<200 {
                conn.append(NetLines.conn(base + Double(q * 400), dnsServer, "8.8.8.8", 53))
            }
            for p in 0..<288 {
                let t = base + Double(p * 300)
                for (k, s) in (servers + [dc]).enumerated() {
                    conn.append(NetLines.conn(t + Double(k), monitor, s, [22, 135, 5985][p % 3]))
                    if p % 3 == 0 {
                        ssh.append(NetLines.ssh(t + Double(k), monitor, s, success: true, client: "SSH-2.0-Go"))
                    }
                }
            }
            for (k, s) in servers.enumerated() {
                let t = base + 32_400 + Double(k * 600)
                conn.append(NetLines.conn(t, jump, s, 5985))
                conn.append(NetLines.conn(t + 60, jump, s, 22))
                ssh.append(NetLines.ssh(t + 60, jump, s, success: true))
            }
        }
        return ["conn.log": conn, "dns.log": dns, "http.log": http, "ssh.log": ssh]
    }

    @Test("#17: benign-only network traffic gives no high finding")
    func benignOfficeGivesNoHighFinding() throws {
        let run = try NetRun(Self.office())
        let loud = run.findings.filter { $0.severity >= .high }
        #expect(loud.isEmpty, "\(loud.map { "\($0.rule): \($0.why)" })")
        #expect(!run.findings.contains { $0.role == .compromise })
        #expect(run.store.count > 10_000)
    }
}

// MARK: - Real captures

@Suite struct RealCaptureNetworkTests {
    static let root = Fixture.realData?.appendingPathComponent("network")

    static func run(_ folder: String) throws -> NetRun {
        let dir = try #require(root).appendingPathComponent(folder)
        let found = Discovery().discover([dir.path])
        let (store, _) = InvestigationRun.buildStore(
            files: found.files, options: IngestOptions(jobs: 2))
        let detectors = Detectors(store: store, filePaths: found.files.map(\.displayPath))
        return NetRun(findings: detectors.run(), networks: detectors.networks, store: store)
    }

    static func iso(_ f: Finding) -> String { f.time.iso8601(fractionDigits: 0) }

    @Test(
        "#17: APT29 day 2: the beacon from UTICA and the WinRM hops to NEWYORK and SCRANTON",
        .enabled(
            if: FileManager.default.fileExists(
                atPath: root?.appendingPathComponent("zeek-json-otrf-apt29-day2").path ?? "/nonexistent"))
    )
    func apt29Day2() throws {
        let run = try Self.run("zeek-json-otrf-apt29-day2")
        let beacon = try #require(run.of("net.beacon").first)
        #expect(beacon.implies.contains(.compromisedHost(name: "UTICA-A", address: address("10.0.1.5"))))
        #expect(beacon.host == "UTICA-A")
        #expect(beacon.implies.contains(.attackerAddress(address("192.168.0.4"))))
        #expect(Self.iso(beacon).hasPrefix("2020-05-01T07:03"))
        let hops = run.of("net.admin_lateral")
        let toNewYork = try #require(
            hops.first {
                $0.implies.contains {
                    if case .lateral(_, let to, _, "winrm") = $0 { return to == address("10.0.0.4") }
                    return false
                }
            })
        #expect(Self.iso(toNewYork).hasPrefix("2020-05-01T07:11:5"))
        #expect(toNewYork.role == .compromise)
        #expect(toNewYork.host == "NEWYORK")
        // The capture's first WinRM connection to SCRANTON is at 07:29:31Z; the README dates the hop 07:29:56Z.
        let toScranton = try #require(
            hops.first {
                $0.implies.contains {
                    if case .lateral(_, let to, _, "winrm") = $0 { return to == address("10.0.1.4") }
                    return false
                }
            })
        #expect(
            Self.iso(toScranton) >= "2020-05-01T07:29:30Z"
                && Self.iso(toScranton) <= "2020-05-01T07:29:56Z")
        #expect(toScranton.role == .compromise)
        #expect(toScranton.host == "SCRANTON")
        #expect(
            hops.allSatisfy { f in
                f.implies.allSatisfy {
                    if case .lateral(let from, _, _, _) = $0 { return from == address("10.0.1.5") }
                    return true
                }
            })
        #expect(run.networks.basis == .inferred)
        // This capture holds conn, dns and http only: no Kerberos log names mscott or kmalone.
        #expect(!run.store.kind.contains(.kerberos))
    }

    @Test(
        "#25: real Suricata alerts never make a well-known service or a broadcast address an attacker",
        .enabled(
            if: FileManager.default.fileExists(
                atPath: root?.appendingPathComponent("suricata-eve-frankhassanabad-wrccdc-2017").path ?? "/nonexistent")
        )
    )
    func suricataAlertsWithSense() throws {
        let wellKnown = RuleSet.standard.rule("ids.alert").list("well_known_networks").compactMap { IPNetwork($0) }
        for folder in [
            "suricata-eve-frankhassanabad-wrccdc-2017", "suricata-eve-frankhassanabad-first-org-conf-2015",
            "suricata-eve-crowdsec-hub-tests",
        ] {
            let run = try Self.run(folder)
            let alerts = run.of("ids.alert")
            #expect(!alerts.isEmpty)
            for f in alerts {
                #expect(f.seeds == (f.role == .compromise))
                for case .attackerAddress(let a) in f.implies {
                    #expect(!wellKnown.contains { $0.contains(a) }, "\(folder): \(f.why)")
                    #expect(a != IPAddress("255.255.255.255"), "\(folder): \(f.why)")
                }
                if f.why.contains("'ET POLICY") || f.why.contains("'ET INFO") || f.why.contains("'ET DNS") {
                    #expect(f.role == .context && f.implies.isEmpty, "\(folder): \(f.why)")
                }
            }
        }
        // The crowdsec sample: Apache CVE-2021-41773 path traversal from 1.2.3.7 seeds with its source.
        let crowdsec = try Self.run("suricata-eve-crowdsec-hub-tests")
        #expect(
            crowdsec.of("ids.alert").contains {
                $0.why.contains("CVE-2021-41773") && $0.implies.contains(.attackerAddress(address("1.2.3.7")))
            })
    }

    @Test(
        "#17: LSASS campaign: the victim downloads a Windows executable from 10.0.5.13, then talks to it",
        .enabled(
            if: FileManager.default.fileExists(
                atPath: root?.appendingPathComponent("zeek-tsv-otrf-lsass-campaign-01").path
                    ?? "/nonexistent"))
    )
    func lsassCampaign() throws {
        let run = try Self.run("zeek-tsv-otrf-lsass-campaign-01")
        let f = try #require(run.of("net.payload_download").first)
        #expect(f.implies.contains { $0.isHost("192.168.1.41") })
        #expect(f.implies.contains(.attackerAddress(address("10.0.5.13"))))
        #expect(f.why.contains("application/x-dosexec"))
        #expect(f.why.contains("8080"))
        #expect(run.isInside("192.168.1.41") && !run.isInside("10.0.5.13"))
        #expect(run.networks.caveat?.contains("Site::local_nets") == true)
    }
}

extension NetRun {
    init(findings: [Finding], networks: InternalNetworks, store: EventStore) {
        self.findings = findings
        self.networks = networks
        self.store = store
    }
}

extension Implication {
    /// A compromised host at this address, whatever name it carries.
    func isHost(_ a: String) -> Bool {
        if case .compromisedHost(_, let ip) = self { return ip == IPAddress(a) }
        return false
    }
}

// MARK: - Rule table cases (events built directly, as in DetectorTests)

extension EventsBuilder {
    /// Twelve connections a minute apart (give or take 5 s) from `from` to `to`.
    mutating func beacon(from: String, to: String, port: UInt16 = 8081) {
        for k in 0..<12 {
            flow(Int64(k) * 60 + Int64((k * 7) % 11) - 5 + 10, from: from, to: to, port: port)
        }
    }

    mutating func ssh(
        _ t: Int64, from: String, to: String, outcome: Outcome, agent: String = "SSH-2.0-OpenSSH_9.6"
    ) {
        add(
            t, .sshSession, host: "sensor", file: 2, outcome: outcome, src: from, dst: to, dstPort: 22,
            agent: agent)
    }

    mutating func dns(_ t: Int64, from: String, query: String, type: String = "A") {
        add(
            t, .dns, host: "sensor", file: 2, src: from, dst: "10.3.0.2", dstPort: 53, domain: query,
            service: type)
    }
}

let randomLabels = [
    "x7k2p9q4z8m1w5r3", "b3n8v1c6x0z4l7k2", "q9w8e7r6t5y4u3i2", "m1n2b3v4c5x6z7l8",
    "p0o9i8u7y6t5r4e3", "a1s2d3f4g5h6j7k8",
]

let networkReconstructionCases: [DetectorCase] = [
    DetectorCase(
        name: "a connection a minute to a rare outside address", rule: "net.beacon", count: 1,
        severity: .high,
        why: ["12 callbacks", "11 of 11 intervals within 40%"]
    ) { b in b.beacon(from: "10.0.1.5", to: "203.0.113.50") },
    DetectorCase(name: "irregular connections", rule: "net.beacon", count: 0) { b in
        for (k, t) in [0, 7, 400, 420, 2_000, 2_003, 5_000, 9_000, 9_100, 14_000, 14_001, 20_000]
            .enumerated()
        {
            b.flow(Int64(t) + Int64(k), from: "10.0.1.5", to: "203.0.113.50", port: 8081)
        }
    },
    DetectorCase(
        name: "a Windows executable over HTTP", rule: "net.payload_download", count: 1, severity: .high,
        why: ["downloaded application/x-dosexec /a.exe from outside 198.51.100.9"]
    ) { b in
        b.add(
            0, .http, host: "sensor", file: 2, src: "10.0.1.7", dst: "198.51.100.9", dstPort: 80,
            http: "GET",
            path: "/a.exe", status: 200, detail: "application/x-dosexec")
    },
    DetectorCase(name: "a web page", rule: "net.payload_download", count: 0) { b in
        b.add(
            0, .http, host: "sensor", file: 2, src: "10.0.1.7", dst: "198.51.100.9", dstPort: 80,
            http: "GET",
            path: "/index.html", status: 200, detail: "text/html")
    },
    DetectorCase(
        name: "WinRM between two members", rule: "net.admin_lateral", count: 1, severity: .medium,
        why: ["reached 10.0.1.9 over winrm (port 5985)", "too short to learn routine admin pairs"]
    ) { b in b.flow(0, from: "10.0.1.5", to: "10.0.1.9", port: 5985) },
    DetectorCase(name: "SMB alone (a file share)", rule: "net.admin_lateral", count: 0) { b in
        b.flow(0, from: "10.0.1.5", to: "10.0.1.9", port: 445)
    },
    DetectorCase(
        name: "a ticket for HTTP/NEWYORK from a beaconing host", rule: "net.kerberos_service", count: 1,
        severity: .high, why: ["service ticket for HTTP/NEWYORK", "as mscott", "it beacons"]
    ) { b in
        b.beacon(from: "10.0.1.5", to: "203.0.113.50")
        b.add(
            800, .kerberos, host: "sensor", file: 2, outcome: .success, src: "10.0.1.5", dst: "10.0.0.4",
            dstPort: 88,
            user: "mscott/CORP.LOCAL", method: "TGS", service: "HTTP/NEWYORK")
    },
    DetectorCase(
        name: "a ticket from a host not otherwise suspect", rule: "net.kerberos_service", count: 0
    ) { b in
        b.add(
            800, .kerberos, host: "sensor", file: 2, outcome: .success, src: "10.0.1.5", dst: "10.0.0.4",
            dstPort: 88,
            user: "mscott/CORP.LOCAL", method: "TGS", service: "HTTP/NEWYORK")
    },
    DetectorCase(
        name: "one client logs in to 3 SSH servers", rule: "net.ssh_reuse", count: 1, severity: .high,
        why: ["to 3 servers"]
    ) { b in
        for k in 1...3 { b.ssh(Int64(k) * 60, from: "10.2.0.50", to: "10.2.0.\(k)", outcome: .success) }
    },
    DetectorCase(name: "one client logs in to 2 SSH servers", rule: "net.ssh_reuse", count: 0) { b in
        for k in 1...2 { b.ssh(Int64(k) * 60, from: "10.2.0.50", to: "10.2.0.\(k)", outcome: .success) }
    },
    DetectorCase(
        name: "10 failed SSH sessions", rule: "net.ssh_guessing", count: 1, why: ["10 SSH sessions"]
    ) { b in
        for k in 0..<10 { b.ssh(Int64(k) * 30, from: "203.0.113.9", to: "10.2.0.1", outcome: .failure) }
    },
    DetectorCase(name: "9 failed SSH sessions", rule: "net.ssh_guessing", count: 0) { b in
        for k in 0..<9 { b.ssh(Int64(k) * 30, from: "203.0.113.9", to: "10.2.0.1", outcome: .failure) }
    },
    DetectorCase(
        name: "an Nmap SSH client", rule: "net.ssh_scanner", count: 1, why: ["Nmap-SSH2-Hostkey"]
    ) { b in
        b.ssh(
            0, from: "198.51.100.3", to: "10.2.0.1", outcome: .unknown, agent: "SSH-2.0-Nmap-SSH2-Hostkey"
        )
    },
    DetectorCase(name: "OpenSSH clients", rule: "net.ssh_scanner", count: 0) { b in
        for k in 0..<10 { b.ssh(Int64(k), from: "10.2.0.9", to: "10.2.0.1", outcome: .success) }
    },
    DetectorCase(
        name: "5 random names under a rare domain", rule: "net.dns_entropy", count: 1,
        why: ["5 distinct high-entropy names under kq7-cdn.net"]
    ) { b in
        for k in 0..<5 {
            b.dns(Int64(k) * 60, from: "10.3.0.7", query: "\(randomLabels[k]).kq7-cdn.net")
        }
    },
    DetectorCase(name: "5 ordinary names", rule: "net.dns_entropy", count: 0) { b in
        for k in 0..<5 { b.dns(Int64(k) * 60, from: "10.3.0.7", query: "mailserver-\(k).example.org") }
    },
    DetectorCase(
        name: "30 TXT names under one domain in a minute", rule: "net.dns_txt_burst", count: 1,
        severity: .high,
        why: ["30 distinct TXT names under tunnel.example"]
    ) { b in
        for k in 0..<30 {
            b.dns(Int64(k), from: "10.3.0.8", query: "p\(k).tunnel.example", type: "TXT")
        }
    },
    DetectorCase(name: "29 TXT names", rule: "net.dns_txt_burst", count: 0) { b in
        for k in 0..<29 {
            b.dns(Int64(k), from: "10.3.0.8", query: "p\(k).tunnel.example", type: "TXT")
        }
    },
    DetectorCase(
        name: "15 ports in 3 s", rule: "net.fast_scan", count: 1, why: ["15 distinct destination ports"]
    ) { b in
        for k in 0..<15 {
            b.flow(Int64(k / 5), from: "198.51.100.200", to: "10.0.1.10", port: UInt16(20 + k))
        }
    },
    DetectorCase(name: "15 ports over 2 min", rule: "net.fast_scan", count: 0) { b in
        for k in 0..<15 {
            b.flow(Int64(k) * 8, from: "198.51.100.200", to: "10.0.1.10", port: UInt16(20 + k))
        }
    },
]
