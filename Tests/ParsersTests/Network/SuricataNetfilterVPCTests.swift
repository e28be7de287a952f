import DwellCore
import DwellTestSupport
import Parsers
import Testing

@Suite("Suricata eve.json, netfilter and VPC flow logs")
struct SuricataNetfilterVPCTests {
    static let alert =
        #"{"timestamp":"2022-07-12T06:22:33.415742+0000","flow_id":1398609176796675,"in_iface":"eth0","event_type":"alert","src_ip":"198.51.100.4","src_port":33270,"dest_ip":"192.0.2.5","dest_port":80,"proto":"TCP","alert":{"action":"allowed","gid":1,"signature_id":2034125,"rev":4,"signature":"ET EXPLOIT Apache 2.4.49 Path Traversal","category":"Attempted Administrator Privilege Gain","severity":1},"http":{"hostname":"www.example.com","url":"/cgi-bin/.%2e/.%2e/bin/sh?x=1","http_user_agent":"curl/8.0","http_method":"POST","status":400,"length":166},"app_proto":"http","flow":{"pkts_toserver":4,"pkts_toclient":3,"bytes_toserver":623,"bytes_toclient":599,"start":"2022-07-12T06:22:33.100000+0000"}}"#

    @Test func alertCarriesSignatureSeverityRuleAndHTTPContext() throws {
        let r = WebNetHarness.last([Self.alert], SuricataEveParser())
        let e = try #require(r.event, "\(String(describing: r.rejection))")
        #expect(e.kind == .alert)
        #expect(r.signature == "ET EXPLOIT Apache 2.4.49 Path Traversal")
        #expect(e.ruleID == 2_034_125)
        #expect(e.severity == 1)
        #expect(r.detail == "Attempted Administrator Privilege Gain")
        #expect(r.uid == "1398609176796675")
        #expect(r.networkProtocol == "tcp")
        #expect(r.service == "http")
        #expect(r.domain == "www.example.com")
        #expect(r.path == "/cgi-bin/.%2e/.%2e/bin/sh")
        #expect(r.query == "x=1")
        #expect(e.bytesOut == 623 && e.bytesIn == 599 && e.packetsOut == 4 && e.packetsIn == 3)
        #expect(r.time == "2022-07-12T06:22:33.415742Z")
        #expect(WebNetHarness.detect([Self.alert]) == "suricata-eve")
    }

    @Test(
        arguments: [
            (
                #"{"timestamp":"2022-07-11T05:52:18.378379+0000","flow_id":1,"event_type":"flow","src_ip":"1.2.3.6","src_port":56814,"dest_ip":"10.0.0.1","dest_port":2352,"proto":"TCP","flow":{"pkts_toserver":2,"pkts_toclient":1,"bytes_toserver":108,"bytes_toclient":54,"start":"2022-07-11T05:48:21.714860+0000","end":"2022-07-11T05:48:21.733121+0000","state":"closed"}}"#,
                EventKind.flow, "closed"
            ),
            (
                #"{"timestamp":"2022-07-11T05:52:18.1+0000","event_type":"dns","src_ip":"10.0.0.2","dest_ip":"10.0.0.53","proto":"UDP","dns":{"version":2,"type":"answer","rrname":"evil.example","rcode":"NOERROR","answers":[{"rrname":"evil.example","rrtype":"A","rdata":"203.0.113.66"}]}}"#,
                .dns, "203.0.113.66"
            ),
            (
                #"{"timestamp":"2022-07-11T05:52:18.1+0000","event_type":"tls","src_ip":"10.0.0.2","dest_ip":"203.0.113.5","proto":"TCP","tls":{"sni":"c2.example","version":"TLS 1.2"}}"#,
                .tls, "TLS 1.2"
            ),
            (
                #"{"timestamp":"2022-07-11T05:52:18.1+0000","event_type":"fileinfo","src_ip":"203.0.113.5","dest_ip":"10.0.0.2","proto":"TCP","fileinfo":{"filename":"/m.exe","magic":"PE32 executable","md5":"d41d8cd98f00b204e9800998ecf8427e","sha256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","size":7168}}"#,
                .fileTransfer, "PE32 executable"
            ),
            (
                #"{"timestamp":"2022-07-11T05:52:18.1+0000","event_type":"anomaly","src_ip":"10.0.0.2","dest_ip":"10.0.0.3","proto":"TCP","anomaly":{"type":"applayer","event":"APPLAYER_DETECT_PROTOCOL_ONLY_ONE_DIRECTION","layer":"proto_detect"}}"#,
                .anomaly, "applayer"
            ),
            (
                #"{"timestamp":"2022-07-11T05:52:18.1+0000","event_type":"ssh","src_ip":"10.0.0.2","dest_ip":"10.0.0.3","proto":"TCP","ssh":{"client":{"proto_version":"2.0","software_version":"libssh_0.9.6"},"server":{"proto_version":"2.0","software_version":"OpenSSH_8.9"}}}"#,
                .sshSession, nil
            ),
        ] as [(String, EventKind, String?)])
    func eveRecordTypesMapToKinds(_ line: String, _ kind: EventKind, _ detail: String?) throws {
        let r = WebNetHarness.last([line], SuricataEveParser())
        let e = try #require(r.event, "\(String(describing: r.rejection))")
        #expect(e.kind == kind)
        #expect(r.detail == detail)
    }

    @Test func statsRecordsAreNonEventsAndMissingTypeIsRejected() {
        let stats = WebNetHarness.last(
            [#"{"timestamp":"2022-07-11T05:53:51.912203+0000","event_type":"stats","stats":{"uptime":1}}"#],
            SuricataEveParser())
        #expect(stats.event == nil && stats.rejection == nil)
        let bad = WebNetHarness.last([#"{"timestamp":"2022-07-11T05:53:51.912203+0000"}"#], SuricataEveParser())
        #expect(bad.rejection != nil)
    }

    @Test func prettyPrintedArrayIsReadObjectByObject() throws {
        let file = """
            [
              {
                "timestamp": "2015-03-29T11:01:38.221126-0600",
                "event_type": "alert",
                "src_ip": "222.186.56.46",
                "dest_ip": "192.168.0.2",
                "proto": "TCP",
                "alert": { "signature_id": 2001219, "signature": "ET SCAN Potential SSH Scan {x}", "severity": 2 }
              },
              {
                "timestamp": "2015-03-29T11:01:39.000000-0600",
                "event_type": "flow",
                "src_ip": "10.0.0.1",
                "dest_ip": "10.0.0.2",
                "proto": "UDP"
              }
            ]
            """
        let result = WebNetHarness.run(data: Array(file.utf8), path: "alerts.json")
        #expect(result.format == "suricata-eve")
        #expect(result.rejections.isEmpty)
        #expect(result.events.count == 2)
        #expect(result.events.first.map { result.string($0.signature) } == "ET SCAN Potential SSH Scan {x}")
        #expect(result.events.first?.time.description == "2015-03-29T17:01:38.221126Z")
    }

    @Test func truncatedNDJSONLineIsRejectedWithoutSwallowingTheNext() {
        let lines = [
            #"{"timestamp":"2022-07-11T05:52:18.1+0000","event_type":"flow","src_ip":"1.2.3.4","dest_ip":"5.6.7.8"}"#,
            #"{"timestamp":"2022-07-11T05:52:18.1+0000","event_type":"flow","src_ip":"1.2.3.4","de"#,
            #"{"timestamp":"2022-07-11T05:52:19.1+0000","event_type":"flow","src_ip":"1.2.3.9","dest_ip":"5.6.7.8"}"#,
        ]
        let result = WebNetHarness.run(data: Array(lines.joined(separator: "\n").utf8), path: "eve.json")
        #expect(result.events.count == 2)
        #expect(result.rejections.count == 1)
    }

    @Test func ufwBlockViaNetfilterMessage() throws {
        let line =
            "Jun  8 14:34:33 gw1 kernel: [50028442.088484] [UFW BLOCK] IN=enp1s0 OUT= MAC=00:08:a2:0c:1f:12:00:c8:8b:e2:d6:87:08:00 SRC=195.54.160.107 DST=51.15.166.67 LEN=40 TOS=0x00 PREC=0x00 TTL=245 ID=37308 PROTO=TCP SPT=8080 DPT=8123 WINDOW=1024 RES=0x00 ACK SYN URGP=0"
        let bytes = Array(line.utf8)
        var context = WebNetHarness.context()
        var event = Event(kind: .generic)
        let start = try #require(line.range(of: "kernel: ")).upperBound.utf16Offset(in: line)
        let recognised = bytes.withUnsafeBufferPointer {
            NetfilterMessage.parse($0.span, from: start, into: &event, context: &context)
        }
        #expect(recognised)
        #expect(event.kind == .firewall)
        #expect(event.outcome == .failure)
        #expect(context.symbols.string(event.signature) == "[UFW BLOCK]")
        #expect(context.symbols.string(event.detail) == "block SYN,ACK")
        #expect(context.symbols.string(event.inInterface) == "enp1s0")
        #expect(event.outInterface.isNone)
        #expect(event.sourceIP.description == "195.54.160.107")
        #expect(event.sourcePort == 8080 && event.destinationPort == 8123)
        #expect(context.symbols.string(event.networkProtocol) == "tcp")
    }

    @Test func kernelLineWithoutSRCIsNotNetfilter() {
        let line = Array("kernel: [ 1.0] usb 1-1: new high-speed USB device".utf8)
        var context = WebNetHarness.context()
        var event = Event(kind: .generic)
        let recognised = line.withUnsafeBufferPointer {
            NetfilterMessage.parse($0.span, from: 8, into: &event, context: &context)
        }
        #expect(!recognised)
        #expect(event.kind == .generic)
    }

    @Test(arguments: [
        (
            "2024-03-01T10:00:00+0100 gw1 kernel: IPTABLES-DROP: IN=eth0 OUT= SRC=203.0.113.9 DST=192.0.2.1 LEN=76 PROTO=UDP SPT=5353 DPT=53",
            "drop", "2024-03-01T09:00:00.000000Z"
        ),
        (
            "Mar  1 10:00:00 gw1 kernel: [UFW ALLOW] IN=eth0 OUT= SRC=203.0.113.9 DST=192.0.2.1 PROTO=TCP SPT=5000 DPT=22 SYN",
            "allow SYN", "2026-03-01T10:00:00.000000Z"
        ),
        (
            "101 1 tap101i0-IN 20/Jun/2022:13:13:32 +0200 PVEFW-reject: IN=fwbr101i0 OUT=fwbr101i0 SRC=2a0a:1580::a DST=2a0a:1580::17 LEN=40 PROTO=TCP SPT=59368 DPT=22 SYN",
            "reject SYN", "2022-06-20T11:13:32.000000Z"
        ),
    ])
    func netfilterFormatReadsSyslogISOAndProxmoxHeaders(_ line: String, _ detail: String, _ time: String) throws {
        let r = WebNetHarness.last([line], NetfilterParser())
        let e = try #require(r.event, "\(String(describing: r.rejection))")
        #expect(e.kind == .firewall)
        #expect(r.detail == detail)
        #expect(r.time == time)
        #expect(WebNetHarness.detect([line]) == "netfilter")
    }

    @Test func otherKernLogLinesAreGeneric() throws {
        let r = WebNetHarness.last(["Mar  1 10:00:00 gw1 kernel: [ 1.0] usb 1-1: new device"], NetfilterParser())
        #expect(r.event?.kind == .generic)
    }

    @Test func vpcFlowDefaultAndCustomHeader() throws {
        let v2 =
            "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK"
        let r = WebNetHarness.last([v2], VPCFlowParser())
        let e = try #require(r.event, "\(String(describing: r.rejection))")
        #expect(e.kind == .flow)
        #expect(r.ip == "172.31.16.139")
        #expect(e.destinationPort == 22)
        #expect(r.networkProtocol == "tcp")
        #expect(e.bytesOut == 4249 && e.packetsOut == 20)
        #expect(e.durationMicros == 60_000_000)
        #expect(r.detail == "accept" && e.outcome == .success)
        #expect(r.time == "2014-12-14T04:06:50.000000Z")
        #expect(WebNetHarness.detect([v2]) == "aws-vpc-flow")
        let custom = WebNetHarness.last(
            [
                "version vpc-id srcaddr dstaddr srcport dstport protocol bytes packets start end action log-status",
                "5 vpc-1 10.0.0.1 10.0.0.2 443 50000 17 100 2 1700000000 1700000001 REJECT OK",
            ], VPCFlowParser())
        #expect(custom.ip == "10.0.0.1")
        #expect(custom.networkProtocol == "udp")
        #expect(custom.detail == "reject")
        let nodata = WebNetHarness.last(
            ["2 123456789010 eni-1 - - - - - - - 1431280876 1431280934 - NODATA"], VPCFlowParser())
        #expect(nodata.event == nil && nodata.rejection == nil)
    }

    /// The JSON family: each format wins on its own lines.
    @Test func jsonFormatsEachWinOnTheirOwnLines() {
        #expect(WebNetHarness.detect([Self.alert]) == "suricata-eve")
        #expect(
            WebNetHarness.detect([
                #"{"_path":"conn","ts":1.5,"uid":"C1","id.orig_h":"10.0.0.1","id.orig_p":1,"id.resp_h":"10.0.0.2","id.resp_p":2,"proto":"tcp"}"#
            ])
                == "zeek-json")
        #expect(
            WebNetHarness.detect([
                #"{"time_iso8601":"2024-05-01T10:00:00+00:00","remote_addr":"203.0.113.9","request":"GET / HTTP/1.1","status":200}"#
            ])
                == "json-access")
    }
}
