import DwellCore

/// Network log formats.
public enum NetworkFormats {
    public static let all: [FormatDescriptor] = [
        FormatDescriptor(
            name: "zeek-tsv", family: "network",
            detection: "Zeek/Bro TSV header: the file starts with `#separator`",
            sample:
                "1320279554.496300\tCg9xqq3JAcZusspA86\t192.168.2.76\t52025\t208.85.42.28\t80\ttcp\t-\t2.125850\t0\t1092421\tSF\t…",
            priority: 80,
            detect: { sample in
                guard ByteSearch.startsWith(sample.prefix, "#separator ") else { return 0 }
                return sample.lines.count * 3 + 10
            },
            make: { _ in .lines(ZeekTSVParser()) }),
        FormatDescriptor(
            name: "zeek-json", family: "network",
            detection: "JSON lines with Zeek's connection id keys (`id.orig_h` or `id_orig_h`) or `_path`/`@stream`",
            sample:
                #"{"_path":"conn","ts":1588316619.797806,"uid":"CyLse01Jig9yHofDXc","id.orig_h":"10.0.1.5","id.orig_p":55979,"id.resp_h":"10.0.0.4","id.resp_p":53,"proto":"udp",…}"#,
            priority: 80,
            detect: { sample in
                var hits = 0
                for line in sample.lines
                where line.first == UInt8(ascii: "{") && ByteSearch.contains(line, "\"ts\"")
                    && (ByteSearch.contains(line, "\"id.orig_h\"") || ByteSearch.contains(line, "\"id_orig_h\"")
                        || ByteSearch.contains(line, "\"_path\"") || ByteSearch.contains(line, "\"@stream\""))
                {
                    hits += 1
                }
                guard hits > 0, hits * 2 >= ByteSearch.jsonLines(sample) else { return 0 }
                return hits * 3 + 10
            },
            make: { _ in .lines(ZeekJSONParser()) }),
        FormatDescriptor(
            name: "suricata-eve", family: "network",
            detection: "JSON with Suricata's `event_type` and `timestamp` keys (lines, or one pretty-printed array)",
            sample:
                #"{"timestamp":"2022-07-12T06:22:33.415742+0000","flow_id":1398609176796675,"event_type":"alert","src_ip":"198.51.100.4",…,"alert":{"signature_id":2034125,"signature":"ET EXPLOIT …","severity":1}}"#,
            priority: 80,
            detect: { sample in
                guard ByteSearch.contains(sample.prefix, "\"event_type\""),
                    ByteSearch.contains(sample.prefix, "\"timestamp\"")
                else { return 0 }
                var hits = 0
                for line in sample.lines where ByteSearch.contains(line, "\"event_type\"") { hits += 1 }
                return max(hits, sample.lines.count) * 3 + 10
            },
            make: { _ in .lines(SuricataEveParser()) }),
        FormatDescriptor(
            name: "netfilter", family: "network",
            detection:
                "kernel netfilter LOG lines (`SRC=… DST=…`) on most sample lines: kern.log, syslog, journal, Proxmox firewall log",
            sample:
                "Jun  8 14:34:33 gw1 kernel: [50028442.088484] [UFW BLOCK] IN=enp1s0 OUT= SRC=195.54.160.107 DST=51.15.166.67 LEN=40 PROTO=TCP SPT=8080 DPT=8123 SYN URGP=0",
            priority: 70,
            detect: { NetfilterParser.detect($0) },
            make: { _ in .lines(NetfilterParser()) }),
        FormatDescriptor(
            name: "aws-vpc-flow", family: "network",
            detection: "AWS VPC Flow Logs (v2 default or a header naming the fields): trial parse",
            sample:
                "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK",
            priority: 50,
            make: { _ in .lines(VPCFlowParser()) }),
    ]
}
