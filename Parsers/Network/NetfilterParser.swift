import DwellCore

/// Parses firewall logs written by the kernel's netfilter `LOG` target: kern.log/syslog/journal lines and
/// Proxmox VE firewall logs.
///
///     Jun  8 14:34:33 gw1 kernel: [50028442.088484] [UFW BLOCK] IN=enp1s0 OUT= MAC=… SRC=195.54.160.107 DST=51.15.166.67 … PROTO=TCP SPT=8080 DPT=8123 … SYN URGP=0
///     2024-03-01T10:00:00+0100 gw1 kernel: IPTABLES-DROP: IN=eth0 OUT= SRC=203.0.113.9 DST=192.0.2.1 … PROTO=UDP SPT=5353 DPT=53
///     0 3 PVEFW-HOST-IN 20/Jun/2022:13:09:14 +0200 policy DROP: IN=vmbr0 … SRC=10.3.94.11 DST=10.3.94.12 … PROTO=UDP SPT=49152 DPT=3784
///
/// Headers: RFC 3164 syslog (`SyslogHeader`, no year: see `FileClock`), an ISO 8601 time (`journalctl -o
/// short-iso`), or Proxmox's `vmid level chain time`. The message is read by `NetfilterMessage`; for Proxmox the
/// chain name replaces the prefix in `signature`. Other lines of the file (kernel messages without `SRC=`, other
/// programs) become `.generic` events with program and message column, as the syslog parser makes them.
/// - Complexity: O(*n*) in the line length; no allocation once the symbol table is warm.
public struct NetfilterParser: LineParser {
    public init() {}

    public mutating func parse(
        _ line: Span<UInt8>, into event: inout Event, context: inout ParseContext
    ) throws(LineRejection) -> Bool {
        let n = line.count
        if n == 0 || line[0] == UInt8(ascii: "#") { return false }
        if line[0] &- UInt8(ascii: "0") < 10 {
            if n > 10, line[4] == UInt8(ascii: "-") {
                try parseISO(line, into: &event, context: &context)
            } else {
                try parseProxmox(line, into: &event, context: &context)
            }
            return true
        }
        let header = try SyslogHeader.parse(line)
        try fill(&event, line, header, context: &context)
        return true
    }

    func fill(
        _ event: inout Event, _ line: Span<UInt8>, _ header: SyslogHeader, context: inout ParseContext
    ) throws(LineRejection) {
        guard let (time, source) = context.timestamp(for: header.civil) else {
            throw .badTimestamp(atColumn: header.timeStart)
        }
        event.reset(time: time, kind: .generic)
        event.timeSource = source
        header.resolveHost(line, context: &context, into: &event)
        if !header.program.isEmpty { event.program = context.symbols.intern(line, header.program) }
        if let pid = header.pid { event.pid = pid }
        event.messageColumn = Int32(header.messageStart)
        if line.equals(header.program, "kernel") {
            _ = NetfilterMessage.parse(line, from: header.messageStart, into: &event, context: &context)
        }
    }

    func parseISO(_ line: Span<UInt8>, into event: inout Event, context: inout ParseContext) throws(LineRejection) {
        guard let (civil, end) = ISO8601Scanner.scan(line, from: 0), end < line.count, line[end] == UInt8(ascii: " ")
        else { throw .badTimestamp(atColumn: 0) }
        let header = try SyslogHeader.parseRest(line, from: end + 1, civil: civil, timeStart: 0)
        try fill(&event, line, header, context: &context)
    }

    /// `vmid level chain dd/Mon/yyyy:hh:mm:ss +zzzz message`.
    func parseProxmox(
        _ line: Span<UInt8>, into event: inout Event, context: inout ParseContext
    ) throws(LineRejection) {
        let vmidEnd = line.tokenEnd(from: 0)
        guard line.parseUInt(0..<vmidEnd) != nil else { throw .unrecognized(atColumn: 0) }
        let levelStart = line.skipSpaces(from: vmidEnd)
        let levelEnd = line.tokenEnd(from: levelStart)
        guard line.parseUInt(levelStart..<levelEnd) != nil else { throw .unrecognized(atColumn: levelStart) }
        let chainStart = line.skipSpaces(from: levelEnd)
        let chainEnd = line.tokenEnd(from: chainStart)
        let timeStart = line.skipSpaces(from: chainEnd)
        guard chainEnd > chainStart, timeStart + 26 <= line.count,
            let civil = AccessLogTime.parse(line, timeStart, timeStart + 26)
        else { throw .badTimestamp(atColumn: timeStart) }
        guard let (time, source) = context.timestamp(for: civil) else { throw .badTimestamp(atColumn: timeStart) }
        event.reset(time: time, kind: .generic)
        event.timeSource = source
        let message = line.skipSpaces(from: timeStart + 26)
        event.messageColumn = Int32(message)
        if NetfilterMessage.parse(line, from: message, into: &event, context: &context) {
            event.signature = context.symbols.intern(line, chainStart..<chainEnd)
        }
    }

    /// Detection: most sample lines carry netfilter's `SRC=` and `DST=`; scores above a plain syslog reading.
    static func detect(_ sample: DetectionSample) -> Int {
        var hits = 0
        for line in sample.lines where ByteSearch.contains(line, "SRC=") && ByteSearch.contains(line, "DST=") {
            hits += 1
        }
        guard hits > 0, hits * 2 >= sample.lines.count else { return 0 }
        return sample.lines.count * 2 + 1
    }
}
