import DwellCore

/// An Apache `LogFormat` string compiled once into a list of literals and fields (`--web-format`).
///
///     %h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i" %D
///
/// Understood: `%h`/`%a` client, `%l` ident (ignored), `%u` user, `%t` time (`[dd/Mon/yyyy:hh:mm:ss +zzzz]`),
/// `%r` request line, `%s`/`%>s` status, `%b`/`%B`/`%O` bytes sent, `%I` bytes received, `%D` (µs) and `%T`
/// (s, or `%{ms}T`/`%{us}T`) duration, `%m`, `%U`, `%q`, `%H`, `%v`/`%V` virtual host, `%p` server port,
/// `%{Referer}i`, `%{User-Agent}i`, `%{X-Forwarded-For}i`, `%{Host}i`. Any other directive is matched and skipped.
/// Modifiers (`%>s`, `%400,501{…}i`) are accepted. A field ends where the next literal begins; a field between
/// quotes ends at its closing quote (escaped quotes skipped).
public struct ApacheLogFormat: Sendable, Equatable {
    enum Directive: UInt8, Sendable {
        case client, ident, user, time, request, status, bytesOut, bytesIn, referer, userAgent, forwardedFor
        case vhost, durationMicros, durationMillis, durationSeconds, method, path, query, version, serverPort, other
    }

    enum Item: Sendable, Equatable {
        case literal([UInt8])
        case field(Directive)
    }

    let items: [Item]

    /// Compiles a `LogFormat` string. `nil` when it holds no directive or ends inside one.
    public init?(_ format: String) {
        let b = Array(format.utf8)
        var items: [Item] = []
        var literal: [UInt8] = []
        var i = 0
        while i < b.count {
            let c = b[i]
            if c != UInt8(ascii: "%") {
                literal.append(c)
                i += 1
                continue
            }
            i += 1
            guard i < b.count else { return nil }
            if b[i] == UInt8(ascii: "%") {
                literal.append(c)
                i += 1
                continue
            }
            // Modifiers: < > and status conditions (!400,501).
            while i < b.count,
                b[i] == UInt8(ascii: "<") || b[i] == UInt8(ascii: ">") || b[i] == UInt8(ascii: "!")
                    || b[i] == UInt8(ascii: ",") || (b[i] >= UInt8(ascii: "0") && b[i] <= UInt8(ascii: "9"))
            {
                i += 1
            }
            var argument: [UInt8] = []
            if i < b.count, b[i] == UInt8(ascii: "{") {
                guard let close = b[i...].firstIndex(of: UInt8(ascii: "}")) else { return nil }
                argument = Array(b[(i + 1)..<close]).map { $0 >= 65 && $0 <= 90 ? $0 | 0x20 : $0 }
                i = close + 1
            }
            guard i < b.count else { return nil }
            let letter = b[i]
            i += 1
            if !literal.isEmpty {
                items.append(.literal(literal))
                literal = []
            }
            items.append(.field(Self.directive(letter, argument)))
        }
        if !literal.isEmpty { items.append(.literal(literal)) }
        guard items.contains(where: { if case .field = $0 { true } else { false } }) else { return nil }
        self.items = items
    }

    static func directive(_ letter: UInt8, _ argument: [UInt8]) -> Directive {
        switch letter {
        case UInt8(ascii: "h"), UInt8(ascii: "a"): return .client
        case UInt8(ascii: "l"): return .ident
        case UInt8(ascii: "u"): return .user
        case UInt8(ascii: "t"): return argument.isEmpty ? .time : .other
        case UInt8(ascii: "r"): return .request
        case UInt8(ascii: "s"): return .status
        case UInt8(ascii: "b"), UInt8(ascii: "B"), UInt8(ascii: "O"): return .bytesOut
        case UInt8(ascii: "I"): return .bytesIn
        case UInt8(ascii: "D"): return .durationMicros
        case UInt8(ascii: "T"):
            if argument == Array("ms".utf8) { return .durationMillis }
            if argument == Array("us".utf8) { return .durationMicros }
            return .durationSeconds
        case UInt8(ascii: "m"): return .method
        case UInt8(ascii: "U"): return .path
        case UInt8(ascii: "q"): return .query
        case UInt8(ascii: "H"): return .version
        case UInt8(ascii: "v"), UInt8(ascii: "V"): return .vhost
        case UInt8(ascii: "p"): return .serverPort
        case UInt8(ascii: "i"):
            if argument == Array("referer".utf8) || argument == Array("referrer".utf8) { return .referer }
            if argument == Array("user-agent".utf8) { return .userAgent }
            if argument == Array("x-forwarded-for".utf8) { return .forwardedFor }
            if argument == Array("host".utf8) { return .vhost }
            return .other
        default: return .other
        }
    }
}

/// Parses access log lines written with a custom Apache `LogFormat` (`--web-format`) into `.webRequest` events,
/// with the same field meanings as `CombinedLogParser`. Without a format (or an invalid one) it recognises nothing,
/// so detection never picks it. Lines starting with `#` are non-events (`nil`).
/// - Complexity: O(*n*) in the line length; no allocation once the symbol table is warm.
public struct ApacheLogFormatParser: LineParser {
    let format: ApacheLogFormat?

    public init(format: String?) {
        self.format = format.flatMap(ApacheLogFormat.init)
    }

    public mutating func parse(
        _ line: Span<UInt8>, into event: inout Event, context: inout ParseContext
    ) throws(LineRejection) -> Bool {
        guard let format else { throw .noFormat }
        let n = line.count
        if n == 0 || line[0] == UInt8(ascii: "#") { return false }
        event.reset(kind: .webRequest)
        var sawTime = false
        var pos = 0
        let items = format.items
        var k = 0
        while k < items.count {
            switch items[k] {
            case .literal(let bytes):
                guard pos + bytes.count <= n else { throw .truncated(atColumn: pos) }
                for (j, b) in bytes.enumerated() where line[pos + j] != b {
                    throw .unexpectedByte(line[pos + j], atColumn: pos + j)
                }
                pos += bytes.count
            case .field(let directive):
                var end = n
                let quoted = k > 0 && Self.endsWithQuote(items[k - 1])
                if directive == .time, pos < n, line[pos] == UInt8(ascii: "[") {
                    guard let close = line.firstIndex(of: UInt8(ascii: "]"), from: pos) else {
                        throw .truncated(atColumn: pos)
                    }
                    end = close + 1
                } else if k + 1 < items.count, case .literal(let next) = items[k + 1], let first = next.first {
                    if quoted && first == UInt8(ascii: "\"") {
                        guard let q = line.closingQuote(from: pos, requireFieldEnd: false) else {
                            throw .truncated(atColumn: pos)
                        }
                        end = q
                    } else {
                        guard let e = line.firstIndex(of: first, from: pos) else { throw .truncated(atColumn: pos) }
                        end = e
                    }
                }
                try apply(directive, line, pos..<end, into: &event, sawTime: &sawTime, context: &context)
                pos = end
            }
            k += 1
        }
        guard sawTime else { throw .badTimestamp(atColumn: 0) }
        return true
    }

    static func endsWithQuote(_ item: ApacheLogFormat.Item) -> Bool {
        if case .literal(let bytes) = item { return bytes.last == UInt8(ascii: "\"") }
        return false
    }

    mutating func apply(
        _ d: ApacheLogFormat.Directive, _ s: Span<UInt8>, _ r: Range<Int>, into event: inout Event,
        sawTime: inout Bool, context: inout ParseContext
    ) throws(LineRejection) {
        if r.isEmpty || s.isDash(r) { return }
        switch d {
        case .ident, .other: return
        case .client:
            if let ip = IPAddress.parse(s, r) {
                event.sourceIP = ip
            } else {
                event.domain = context.symbols.intern(s, r)
            }
        case .user: event.user = context.symbols.intern(s, r)
        case .time:
            var lo = r.lowerBound
            var hi = r.upperBound
            if s[lo] == UInt8(ascii: "[") { lo += 1 }
            if hi > lo, s[hi - 1] == UInt8(ascii: "]") { hi -= 1 }
            guard let civil = AccessLogTime.parse(s, lo, hi), let (t, src) = context.timestamp(for: civil) else {
                throw .badTimestamp(atColumn: r.lowerBound)
            }
            event.time = t
            event.timeSource = src
            sawTime = true
        case .request:
            HTTPRequestLine.split(s, r).apply(s, to: &event, context: &context)
        case .status:
            guard let v = s.parseUInt(r), v < 10_000 else { throw .invalidField(atColumn: r.lowerBound) }
            event.httpStatus = Int32(v)
        case .bytesOut:
            if let v = s.parseInt(r) { event.bytesOut = v }
        case .bytesIn:
            if let v = s.parseInt(r) { event.bytesIn = v }
        case .referer:
            if context.wantsUnindexedText || WebText.mayCarryAttack(s, r) { event.referer = context.symbols.intern(s, r) }
        case .userAgent: event.userAgent = context.symbols.intern(s, r)
        case .forwardedFor: event.forwardedFor = context.symbols.intern(s, r)
        case .vhost: event.virtualHost = context.symbols.intern(s, r)
        case .durationMicros:
            if let v = s.parseInt(r) { event.durationMicros = v }
        case .durationMillis:
            if let v = s.parseInt(r), v < Int64.max / 1000 { event.durationMicros = v * 1000 }
        case .durationSeconds:
            if let v = s.parseSecondsAsMicros(r) { event.durationMicros = v }
        case .method: event.httpMethod = context.symbols.intern(s, r)
        case .path: event.path = context.symbols.intern(s, r)
        case .query:
            let lo = s[r.lowerBound] == UInt8(ascii: "?") ? r.lowerBound + 1 : r.lowerBound
            if lo < r.upperBound { event.query = context.symbols.intern(s, lo..<r.upperBound) }
        case .version: event.networkProtocol = context.symbols.intern(s, r)
        case .serverPort:
            if let p = s.parseUInt(r), p <= 65535 { event.setDestinationPort(UInt16(p)) }
        }
    }
}
