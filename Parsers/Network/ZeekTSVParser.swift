import DwellCore

/// Parses Zeek (Bro) logs in their default TSV form, driven by the header.
///
///     #separator \x09
///     #set_separator	,
///     #empty_field	(empty)
///     #unset_field	-
///     #path	conn
///     #fields	ts	uid	id.orig_h	id.orig_p	id.resp_h	id.resp_p	proto	service	duration	orig_bytes	resp_bytes	conn_state	…
///     1320279554.496300	Cg9xqq3JAcZusspA86	192.168.2.76	52025	208.85.42.28	80	tcp	-	2.125850	0	1092421	SF	…
///     #close	2017-04-16-21-36-10
///
/// The header sets the separator (`\xHH` escapes), set separator, empty and unset marks, the log (`#path`) and the
/// columns (`#fields`); a file may hold several header blocks (concatenated logs, rotation), each read afresh.
/// Header lines are non-events (`nil`). Columns are resolved once per block into `ZeekField`s, so a data line
/// costs one pass over its separators.
///
/// Events by log (see `ZeekRecord` for the field mapping and the flow direction of bytes and packets):
/// `conn` → `.flow` (service, duration, bytes and packets each way, `conn_state` in `detail`), `dns` → `.dns`
/// (query in `domain`, first answer or rcode name in `detail`), `http` → `.http` (Host in `domain`), `ssl` → `.tls`
/// (SNI in `domain`), `ssh` → `.sshSession` (`auth_success` in `outcome`), `kerberos`, `smb_mapping`/`smb_files`
/// (smb_files: the file name in `path`, the share `\\HOST\SHARE` in `domain`), `rdp`, `dce_rpc`, `files` →
/// `.fileTransfer` (hash, MIME type), `notice` → `.alert`, `weird` → `.anomaly`; any other log → `.generic` with
/// its uid, endpoints and the log name in `detail`. Time is epoch seconds (UTC). The sensor is not in the line:
/// `host` stays `.none` and the pipeline fills in the file's host.
/// - Complexity: O(*n*) in the line length; no allocation once the symbol table is warm.
public struct ZeekTSVParser: LineParser {
    var separator: UInt8 = 0x09
    var setSeparator: UInt8 = UInt8(ascii: ",")
    var emptyField: [UInt8] = Array("(empty)".utf8)
    var unsetField: [UInt8] = [UInt8(ascii: "-")]
    var log: ZeekLog = .other
    var logName: [UInt8] = []
    var columns: [ZeekField] = [] {
        didSet { readColumns = (columns.lastIndex { $0 != .ignore } ?? -1) + 1 }
    }

    public init() {}

    /// Columns up to the last one read: the ignored columns after it are not scanned.
    var readColumns = 0

    public mutating func parse(
        _ line: Span<UInt8>, into event: inout Event, context: inout ParseContext
    ) throws(LineRejection) -> Bool {
        let n = line.count
        if n == 0 { return false }
        if line[0] == UInt8(ascii: "#") {
            header(line)
            return false
        }
        guard !columns.isEmpty else { throw .unrecognized(atColumn: 0) }
        event.reset(kind: log.kind)
        let sawTime = try columns.withUnsafeBufferPointer { cols throws(LineRejection) -> Bool in
            try line.withUnsafeBufferPointer { p throws(LineRejection) -> Bool in
                try fields(p, cols, into: &event, context: &context)
            }
        }
        guard sawTime else { throw .badTimestamp(atColumn: 0) }
        if log == .other && !logName.isEmpty { event.detail = context.symbols.intern(bytes: logName) }
        return true
    }

    /// Reads the fields of a data line in one pass over its separators; returns whether the time was set.
    ///
    /// The common values (epoch time, addresses, ports, counts, durations) are read here from the raw bytes;
    /// the others go through `ZeekRecord.set`, which gives the same result for all of them.
    @inline(__always)
    func fields(
        _ p: UnsafeBufferPointer<UInt8>, _ cols: UnsafeBufferPointer<ZeekField>, into event: inout Event,
        context: inout ParseContext
    ) throws(LineRejection) -> Bool {
        guard let base = p.baseAddress else { return false }
        let s = p.span
        let n = p.count
        var scanner = SeparatorScanner(base: base, count: n, separator: separator)
        let used = Swift.min(cols.count, readColumns)
        let unsetCount = unsetField.count
        let emptyCount = emptyField.count
        // Single-byte unset mark (`-`, the default): tested inline, without the general comparison.
        let unset1: Int = unsetCount == 1 ? Int(unsetField[0]) : -1
        let wantsText = context.wantsUnindexedText
        var start = 0
        var column = 0
        var sawTime = false
        while column < used {
            let end = scanner.next()
            // Bounds: column < used <= cols.count; 0 <= start <= end <= n, so base[start..<end] is inside the line.
            let field = cols[column]
            let width = end &- start
            column &+= 1
            if field != .ignore && width > 0 {
                let f = base + start
                let skip: Bool
                if width == unsetCount {
                    skip = unset1 >= 0 ? Int(f[0]) == unset1 : Self.equal(f, width, unsetField)
                } else if width == emptyCount {
                    skip = Self.equal(f, width, emptyField)
                } else {
                    skip = false
                }
                if !skip {
                    switch field {
                    case .ts where !(width >= 19 && f[4] == UInt8(ascii: "-")):
                        guard let t = RawNumber.secondsAsMicros(f, width) else { throw .badTimestamp(atColumn: start) }
                        event.time = Timestamp(microseconds: t)
                        event.timeSource = .explicit
                        sawTime = true
                    case .origH, .respH:
                        // Dotted IPv4 straight from the bytes; anything else (IPv6) through the general parser.
                        let v4 = IPAddress.parseV4(f, width)
                        guard let ip = v4.map({ IPAddress(v4: $0) }) ?? IPAddress.parse(s, start..<end) else {
                            throw .invalidField(atColumn: start)
                        }
                        if field == .origH { event.sourceIP = ip } else { event.destinationIP = ip }
                    case .origP:
                        guard let v = DecimalDigits.parseUInt(f, width), v <= 65535 else {
                            throw .invalidField(atColumn: start)
                        }
                        event.setSourcePort(UInt16(v))
                    case .respP:
                        guard let v = DecimalDigits.parseUInt(f, width), v <= 65535 else {
                            throw .invalidField(atColumn: start)
                        }
                        event.setDestinationPort(UInt16(v))
                    case .duration: event.durationMicros = RawNumber.secondsAsMicros(f, width) ?? -1
                    case .origBytes, .responseBodyLen, .totalBytes:
                        if let v = DecimalDigits.parseInt(f, width), v >= 0 { event.bytesOut = v }
                    case .respBytes, .requestBodyLen:
                        if let v = DecimalDigits.parseInt(f, width), v >= 0 { event.bytesIn = v }
                    case .origPkts: event.packetsOut = DecimalDigits.parseInt(f, width) ?? -1
                    case .respPkts: event.packetsIn = DecimalDigits.parseInt(f, width) ?? -1
                    case .uid where !wantsText, .referrer where !wantsText, .connUIDs where !wantsText: break
                    // Plain interned values, as `ZeekRecord.set` writes them, without its dispatch.
                    case .proto:
                        event.networkProtocol = context.symbols.intern(UnsafeBufferPointer(start: f, count: width))
                    case .service: event.service = context.symbols.intern(UnsafeBufferPointer(start: f, count: width))
                    case .connState: event.detail = context.symbols.intern(UnsafeBufferPointer(start: f, count: width))
                    case .query, .host: event.domain = context.symbols.intern(UnsafeBufferPointer(start: f, count: width))
                    case .method: event.httpMethod = context.symbols.intern(UnsafeBufferPointer(start: f, count: width))
                    case .userAgent:
                        event.userAgent = context.symbols.intern(UnsafeBufferPointer(start: f, count: width))
                    case .statusCode:
                        if let v = DecimalDigits.parseUInt(f, width), v < 10_000 { event.httpStatus = Int32(v) }
                    default:
                        try ZeekRecord.set(
                            field, s, start..<end, setSeparator: setSeparator, into: &event, context: &context)
                        if field == .ts { sawTime = true }
                    }
                }
            }
            if end >= n { break }
            start = end &+ 1
        }
        return sawTime
    }

    /// Whether `f[0..<width]` equals `bytes`.
    static func equal(_ f: UnsafePointer<UInt8>, _ width: Int, _ bytes: [UInt8]) -> Bool {
        guard width == bytes.count else { return false }
        var k = 0
        while k < width {
            if f[k] != bytes[k] { return false }
            k &+= 1
        }
        return true
    }

    /// Reads a `#name<sep>value` header line.
    mutating func header(_ s: Span<UInt8>) {
        if s.matches("#separator ", at: 0) {
            var value: [UInt8] = []
            Self.unescape(s, 11..<s.count, into: &value)
            if value.count == 1 { separator = value[0] }
            return
        }
        let nameEnd = s.firstIndex(of: separator, from: 1) ?? s.count
        let name = 1..<nameEnd
        let valueStart = min(nameEnd + 1, s.count)
        let value = valueStart..<s.count
        if s.equals(name, "set_separator") {
            var v: [UInt8] = []
            Self.unescape(s, value, into: &v)
            if v.count == 1 { setSeparator = v[0] }
        } else if s.equals(name, "empty_field") {
            emptyField.removeAll()
            Self.unescape(s, value, into: &emptyField)
        } else if s.equals(name, "unset_field") {
            unsetField.removeAll()
            Self.unescape(s, value, into: &unsetField)
        } else if s.equals(name, "path") {
            log = ZeekLog.named(s, value)
            logName.removeAll(keepingCapacity: true)
            s.withUnsafeBufferPointer { logName.append(contentsOf: UnsafeBufferPointer(rebasing: $0[value])) }
        } else if s.equals(name, "fields") {
            columns.removeAll(keepingCapacity: true)
            var i = valueStart
            while i <= s.count {
                let e = s.firstIndex(of: separator, from: i) ?? s.count
                columns.append(ZeekField.named(s, i..<e, in: log))
                i = e + 1
                if e >= s.count { break }
            }
        }
    }

    /// Copies `s[r]` decoding `\xHH` escapes.
    static func unescape(_ s: Span<UInt8>, _ r: Range<Int>, into out: inout [UInt8]) {
        var i = r.lowerBound
        while i < r.upperBound {
            if i + 4 <= r.upperBound, s[i] == UInt8(ascii: "\\"), s[i + 1] == UInt8(ascii: "x"),
                let hi = hexDigit(s[i + 2]), let lo = hexDigit(s[i + 3])
            {
                out.append(hi << 4 | lo)
                i += 4
            } else {
                out.append(s[i])
                i += 1
            }
        }
    }

    static func hexDigit(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
