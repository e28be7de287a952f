import DwellCore
import Parsers

/// Runs one parser on one line (or record) with a fresh context and a fixed clock, and shows the event as a
/// dictionary of the fields that are set, for table-driven parser tests.
public enum ParserHarness {
    /// The fixed reference time of test contexts: 2025-12-31T23:59:59Z, so year-less lines are in 2025.
    public static let referenceTime = Timestamp(seconds: 1_767_225_599)

    /// A fresh context whose clock infers years from `referenceTime` and assumes UTC.
    public static func context(referenceTime: Timestamp = referenceTime) -> ParseContext {
        ParseContext(clock: FileClock(referenceTime: referenceTime))
    }

    /// An event with every field set to a value no parser writes. Tests hand it to parsers in place of a blank
    /// one: a parser that leaves a field as the caller passed it (instead of starting from `Event(time:kind:)`, as
    /// `LineParser` requires of the reused event) shows the stale value and fails its test.
    public static var staleEvent: Event {
        var e = Event(time: Timestamp(microseconds: -777), kind: .anomaly)
        e.timeSource = TimeSource(year: .neighbour, zone: .user)
        e.source = SourceRef(fileID: 7, line: 7, offset: 7)
        e.format = FormatID(777)
        e.outcome = .failure
        let stale = Symbol(id: 0x7777_7777)
        e.host = stale
        e.sourceIP = IPAddress(v4: 0x0707_0707)
        e.destinationIP = IPAddress(v4: 0x0707_0707)
        e.setSourcePort(7)
        e.setDestinationPort(7)
        e.user = stale
        e.targetUser = stale
        e.authMethod = stale
        e.program = stale
        e.pid = 7
        e.command = stale
        e.tty = stale
        e.sessionID = stale
        e.keyFingerprint = stale
        e.uidValue = 7
        e.httpMethod = stale
        e.path = stale
        e.query = stale
        e.httpStatus = 7
        e.bytesIn = 7
        e.bytesOut = 7
        e.userAgent = stale
        e.referer = stale
        e.virtualHost = stale
        e.domain = stale
        e.service = stale
        e.networkProtocol = stale
        e.connectionUID = stale
        e.signature = stale
        e.severity = 7
        e.fileHash = stale
        e.detail = stale
        e.durationMicros = 7
        e.messageColumn = 7
        e.packetsOut = 7
        e.packetsIn = 7
        e.forwardedFor = stale
        e.ruleID = 7
        e.inInterface = stale
        e.outInterface = stale
        e.repeatCount = 7
        return e
    }

    /// Parses `line` with `parser`, into a stale event (see `staleEvent`).
    public static func parse<P: LineParser>(
        _ line: [UInt8], with parser: inout P, context: inout ParseContext
    ) throws(LineRejection) -> Event? {
        var event = staleEvent
        let isEvent = try line.withUnsafeBufferPointer { p throws(LineRejection) in
            try parser.parse(p.span, into: &event, context: &context)
        }
        return isEvent ? event : nil
    }

    /// Parses one record with `parser`, into a stale event (see `staleEvent`).
    public static func parse<P: RecordParser>(
        record: [UInt8], with parser: inout P, context: inout ParseContext
    ) throws(LineRejection) -> Event? {
        var event = staleEvent
        let isEvent = try record.withUnsafeBufferPointer { p throws(LineRejection) in
            try parser.parse(record: p.span, into: &event, context: &context)
        }
        return isEvent ? event : nil
    }

    /// The outcome of parsing one line: the fields of its event, `nil` for a non-event, or the rejection.
    public enum Outcome: Equatable, CustomStringConvertible {
        case event([String: String])
        case nonEvent
        case rejected(LineRejection)

        public var description: String {
            switch self {
            case .event(let f): "event(\(f.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")))"
            case .nonEvent: "nonEvent"
            case .rejected(let r): "rejected(\(r))"
            }
        }

        public var fields: [String: String]? {
            if case .event(let f) = self { return f }
            return nil
        }
    }

    /// Parses a syslog line with a fresh `SyslogParser` and context.
    public static func syslog(_ line: String) -> Outcome { syslog(Array(line.utf8)) }

    /// Parses syslog bytes with a fresh `SyslogParser` and context.
    public static func syslog(_ line: [UInt8], includeHeader: Bool = false) -> Outcome {
        var parser = SyslogParser()
        var context = context()
        do {
            guard let e = try parse(line, with: &parser, context: &context) else { return .nonEvent }
            return .event(fields(e, context.symbols, includeHeader: includeHeader))
        } catch {
            return .rejected(error)
        }
    }

    /// The fields of an event that are set, by their JSON names. Header fields (`time`, `time_source`, `host`,
    /// `program`, `pid`, `message_column`) only when `includeHeader`.
    public static func fields(_ e: Event, _ symbols: SymbolTable, includeHeader: Bool = false) -> [String: String] {
        var f: [String: String] = ["kind": e.kind.name]
        func sym(_ k: String, _ s: Symbol) { if !s.isNone { f[k] = symbols.string(s) } }
        if let o = e.outcome.name { f["outcome"] = o }
        if !e.sourceIP.isNone { f["src_ip"] = e.sourceIP.description }
        if e.hasSourcePort { f["src_port"] = String(e.sourcePort) }
        if !e.destinationIP.isNone { f["dst_ip"] = e.destinationIP.description }
        if e.hasDestinationPort { f["dst_port"] = String(e.destinationPort) }
        sym("user", e.user)
        sym("target_user", e.targetUser)
        sym("auth_method", e.authMethod)
        sym("key_fingerprint", e.keyFingerprint)
        sym("tty", e.tty)
        sym("session", e.sessionID)
        if e.uidValue >= 0 { f["uid"] = String(e.uidValue) }
        sym("command", e.command)
        sym("domain", e.domain)
        sym("service", e.service)
        sym("detail", e.detail)
        if includeHeader {
            f["time"] = e.time.description
            f["time_source"] = e.timeSource.name
            sym("host", e.host)
            sym("program", e.program)
            if e.pid >= 0 { f["pid"] = String(e.pid) }
            if e.messageColumn >= 0 { f["message_column"] = String(e.messageColumn) }
        }
        return f
    }

    /// The package root, found from a test file's `#filePath` by walking up to `Package.swift`.
    public static func packageRoot(from filePath: String = #filePath) -> String? {
        var parts = filePath.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        while !parts.isEmpty {
            parts.removeLast()
            let dir = parts.joined(separator: "/")
            if fileExists(dir + "/Package.swift") { return dir }
        }
        return nil
    }

    static func fileExists(_ path: String) -> Bool {
        guard let f = fopen(path, "r") else { return false }
        fclose(f)
        return true
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
