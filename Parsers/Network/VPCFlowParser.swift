import DwellCore

/// Parses AWS VPC Flow Logs: the version 2 default format, or custom field orders named by a header line.
///
///     version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status
///     2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK
///
/// A header line (it names `srcaddr`) sets the field order and is a non-event (`nil`); without one, the v2 default
/// order is assumed. Each record is one direction of a flow: `.flow` with `bytesOut`/`packetsOut` sent by
/// `srcaddr`, time = `start` (epoch seconds, UTC), duration `end - start`, protocol number as a name, the action
/// (`accept`/`reject`) in `detail` and `outcome`, `interface-id` in `inInterface`. `NODATA`/`SKIPDATA` records
/// carry no flow and are non-events.
/// - Complexity: O(*n*) in the line length; no allocation once warm.
public struct VPCFlowParser: LineParser {
    enum Field: UInt8 {
        case ignore, srcaddr, dstaddr, srcport, dstport, proto, packets, bytes, start, end, action, logStatus
        case interfaceID
    }

    static let defaultFields: [Field] = [
        .ignore, .ignore, .interfaceID, .srcaddr, .dstaddr, .srcport, .dstport, .proto, .packets, .bytes, .start, .end,
        .action, .logStatus,
    ]

    var fields: [Field] = VPCFlowParser.defaultFields

    public init() {}

    public mutating func parse(
        _ line: Span<UInt8>, into event: inout Event, context: inout ParseContext
    ) throws(LineRejection) -> Bool {
        let n = line.count
        if n == 0 || line[0] == UInt8(ascii: "#") { return false }
        if line[0] &- UInt8(ascii: "0") >= 10 {
            guard line.find("srcaddr", from: 0) != nil else { throw .unrecognized(atColumn: 0) }
            readHeader(line)
            return false
        }
        event.reset(kind: .flow)
        var startSeconds: Int64?
        var endSeconds: Int64?
        var i = 0
        var column = 0
        while i < n && column < fields.count {
            if line[i] == UInt8(ascii: " ") {
                i += 1
                continue
            }
            let e = line.tokenEnd(from: i)
            let w = i..<e
            let field = fields[column]
            column += 1
            i = e
            if field == .ignore || line.isDash(w) { continue }
            switch field {
            case .ignore: break
            case .srcaddr:
                guard let ip = IPAddress.parse(line, w) else { throw .invalidField(atColumn: w.lowerBound) }
                event.sourceIP = ip
            case .dstaddr:
                guard let ip = IPAddress.parse(line, w) else { throw .invalidField(atColumn: w.lowerBound) }
                event.destinationIP = ip
            case .srcport:
                guard let p = line.parseUInt(w), p <= 65535 else { throw .invalidField(atColumn: w.lowerBound) }
                event.setSourcePort(UInt16(p))
            case .dstport:
                guard let p = line.parseUInt(w), p <= 65535 else { throw .invalidField(atColumn: w.lowerBound) }
                event.setDestinationPort(UInt16(p))
            case .proto: event.networkProtocol = ProtocolName.symbol(line, w, &context.symbols)
            case .packets: event.packetsOut = line.parseInt(w) ?? -1
            case .bytes: event.bytesOut = line.parseInt(w) ?? -1
            case .start: startSeconds = line.parseInt(w)
            case .end: endSeconds = line.parseInt(w)
            case .action:
                if line.equalsIgnoringCase(w, "accept") {
                    event.detail = context.symbols.intern(literal: "accept")
                    event.outcome = .success
                } else if line.equalsIgnoringCase(w, "reject") {
                    event.detail = context.symbols.intern(literal: "reject")
                    event.outcome = .failure
                } else {
                    event.detail = context.symbols.intern(line, w)
                }
            case .logStatus:
                if line.equals(w, "NODATA") || line.equals(w, "SKIPDATA") { return false }
            case .interfaceID: event.inInterface = context.symbols.intern(line, w)
            }
        }
        guard column >= fields.count else { throw .truncated(atColumn: n) }
        guard let start = startSeconds, start >= 0, start < 32_503_680_000 else { throw .badTimestamp(atColumn: 0) }
        event.time = Timestamp(seconds: start)
        event.timeSource = .explicit
        if let end = endSeconds, end >= start { event.durationMicros = (end - start) * 1_000_000 }
        return true
    }

    mutating func readHeader(_ line: Span<UInt8>) {
        fields.removeAll(keepingCapacity: true)
        var i = 0
        while i < line.count {
            if line[i] == UInt8(ascii: " ") {
                i += 1
                continue
            }
            var e = line.tokenEnd(from: i)
            var s = i
            // Field names may be written as in the format string: ${srcaddr}.
            if line.matches("${", at: s) { s += 2 }
            if e > s, line[e - 1] == UInt8(ascii: "}") { e -= 1 }
            let w = s..<e
            let f: Field
            if line.equals(w, "srcaddr") {
                f = .srcaddr
            } else if line.equals(w, "dstaddr") {
                f = .dstaddr
            } else if line.equals(w, "srcport") {
                f = .srcport
            } else if line.equals(w, "dstport") {
                f = .dstport
            } else if line.equals(w, "protocol") {
                f = .proto
            } else if line.equals(w, "packets") {
                f = .packets
            } else if line.equals(w, "bytes") {
                f = .bytes
            } else if line.equals(w, "start") {
                f = .start
            } else if line.equals(w, "end") {
                f = .end
            } else if line.equals(w, "action") {
                f = .action
            } else if line.equals(w, "log-status") {
                f = .logStatus
            } else if line.equals(w, "interface-id") {
                f = .interfaceID
            } else {
                f = .ignore
            }
            fields.append(f)
            i = line.tokenEnd(from: i)
        }
        if fields.isEmpty { fields = Self.defaultFields }
    }
}
