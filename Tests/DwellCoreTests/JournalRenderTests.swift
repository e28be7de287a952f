import DwellCore
import Testing

/// `JournalEntry.render`, the raw evidence line of a journal entry: which field it shows for each name (the first
/// whose bytes start with `NAME=`), and how it escapes what it copies.
@Suite struct JournalRenderTests {
    /// An entry held in its own payload, with these `NAME=value` fields in this order.
    static func entry(_ fields: [[UInt8]]) -> JournalEntry {
        var e = JournalEntry()
        e.seqnum = 0x7dd
        e.realtimeMicroseconds = 1_702_689_935_000_123
        e.monotonicMicroseconds = 0x1f
        e.bootID = JournalID(high: 0x0102_0304_0506_0708, low: 0x1122_3344_5566_7788)
        e.xorHash = 0xabc
        for f in fields {
            let start = e.payload.count
            e.payload += f
            e.fields.append(start..<e.payload.count)
        }
        return e
    }

    static func render(_ e: JournalEntry) -> (line: String, column: Int) {
        var out: [UInt8] = []
        let column = e.render(into: &out, seqnumID: JournalID(high: 0xff, low: 0x1))
        return (String(decoding: out, as: UTF8.self), column)
    }

    static let cursor = "cursor=s=ff00000000000000" + "0100000000000000" + ";i=7dd;b=0807060504030201"
        + "8877665544332211" + ";m=1f;t=60c9664bd023b;x=abc"

    @Test func namesThatOnlyStartLikeAShownNameAreNotShown() {
        let e = Self.entry([
            Array("MESSAGE_ID=fc2e22bc6ee647b6b90729ab34a250b1".utf8), Array("_PIDFD=9".utf8),
            Array("_COMMAND=x".utf8), Array("SYSLOG_IDENTIFIERS=y".utf8), Array("_UI".utf8),
            Array("_HOSTNAME=web01".utf8), Array("_COMM=sshd".utf8), Array("_PID=2211".utf8),
            Array("MESSAGE=Accepted password".utf8),
        ])
        let (line, column) = Self.render(e)
        #expect(line == "2023-12-16T01:25:35.000123Z web01 sshd[2211] {_COMM=sshd \(Self.cursor)}: Accepted password")
        #expect(String(line.utf8.dropFirst(column))! == "Accepted password")
    }

    @Test func theFirstFieldOfEachNameIsShownAndTheOthersAreIgnored() {
        let e = Self.entry([
            Array("SYSLOG_PID=7".utf8), Array("_PID=8".utf8), Array("SYSLOG_IDENTIFIER=sudo".utf8),
            Array("_COMM=sudo-rs".utf8), Array("MESSAGE=first".utf8), Array("MESSAGE=second".utf8),
            Array("_UID=0".utf8), Array("_UID=1000".utf8), Array("_SOURCE_REALTIME_TIMESTAMP=1".utf8),
            Array("_TRANSPORT=syslog".utf8), Array("PRIORITY=6".utf8), Array("_GID=0".utf8),
        ])
        let (line, _) = Self.render(e)
        // The brace fields come in `renderedFields` order, not in the entry's.
        #expect(
            line
                == "2023-12-16T01:25:35.000123Z - sudo[7] {_UID=0 _GID=0 _COMM=sudo-rs _TRANSPORT=syslog PRIORITY=6 _SOURCE_REALTIME_TIMESTAMP=1 \(Self.cursor)}: first"
        )
    }

    @Test func attackerBytesAreEscapedAndBraceValuesWithSpacesAreQuoted() {
        let e = Self.entry([
            Array("_HOSTNAME=h\u{1}".utf8), Array("_CMDLINE=a \"b\" \\c".utf8), Array("_EXE=/x{y}".utf8),
            Array("_SYSTEMD_UNIT=u\"v".utf8), [UInt8]("MESSAGE=l1\nl2\tl3\r".utf8) + [0x7f, 0xff, 0x5c, 0x22, 0x00],
        ])
        let (line, column) = Self.render(e)
        let braces = #"{_EXE="/x{y}" _CMDLINE="a \"b\" \\c" _SYSTEMD_UNIT=u"v "#
        #expect(line.hasPrefix("2023-12-16T01:25:35.000123Z h\\x01 - " + braces + Self.cursor + "}: "))
        var rendered: [UInt8] = []
        _ = e.render(into: &rendered, seqnumID: JournalID(high: 0xff, low: 0x1))
        #expect(Array(rendered[column...]) == Array(#"l1\nl2\tl3\r\x7f"#.utf8) + [0xff] + Array(#"\\"\x00"#.utf8))
    }

    /// The rendering against a plain model of it (every name looked up by comparing it with every field, every byte
    /// escaped one by one), over entries of random fields drawn from shown names, look-alike names and random bytes.
    @Test func randomEntriesRenderAsThePlainModelDoes() {
        var rng: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ n: Int) -> Int {
            rng = rng &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((rng >> 33) % UInt64(n))
        }
        let names = [
            "MESSAGE", "_HOSTNAME", "SYSLOG_IDENTIFIER", "_COMM", "_PID", "SYSLOG_PID", "_UID", "_GID", "_EXE",
            "_CMDLINE", "_SYSTEMD_UNIT", "_TRANSPORT", "PRIORITY", "SYSLOG_FACILITY", "_AUDIT_SESSION",
            "_AUDIT_LOGINUID", "_SOURCE_REALTIME_TIMESTAMP", "MESSAGE_ID", "_PIDFD", "_COMMAND", "_SYSTEMD_USER_UNIT",
            "SYSLOG_TIMESTAMP", "_AUDIT", "_S", "M", "",
        ]
        let alphabet: [UInt8] = Array("ab {}\"\\ =".utf8) + [0, 1, 9, 10, 13, 0x1f, 0x7f, 0x80, 0xff]
        for _ in 0..<400 {
            var fields: [[UInt8]] = []
            for _ in 0..<next(14) {
                let name = names[next(names.count)]
                var f = Array(name.utf8)
                if next(8) != 0 { f.append(UInt8(ascii: "=")) }
                for _ in 0..<next(12) { f.append(alphabet[next(alphabet.count)]) }
                fields.append(f)
            }
            let e = Self.entry(fields)
            var out: [UInt8] = []
            let column = e.render(into: &out, seqnumID: JournalID(high: 0xff, low: 0x1))
            let model = Self.model(e)
            #expect(out == model.line, "\(fields)")
            #expect(column == model.column)
        }
    }

    /// The rendering as its documentation says it, written plainly.
    static func model(_ e: JournalEntry) -> (line: [UInt8], column: Int) {
        func value(_ name: String) -> [UInt8]? {
            let key = Array((name + "=").utf8)
            for r in e.fields {
                let f = Array(e.payload[r])
                if f.starts(with: key) { return Array(f[key.count...]) }
            }
            return nil
        }
        func escaped(_ v: [UInt8], quoteSpaces: Bool) -> [UInt8] {
            let quote = quoteSpaces && v.contains { $0 == 0x20 || $0 == 0x7b || $0 == 0x7d }
            var out: [UInt8] = quote ? [0x22] : []
            for b in v {
                switch b {
                case 0x0a: out += Array(#"\n"#.utf8)
                case 0x09: out += Array(#"\t"#.utf8)
                case 0x0d: out += Array(#"\r"#.utf8)
                case 0x5c: out += Array(#"\\"#.utf8)
                case 0x22 where quote: out += Array(#"\""#.utf8)
                case 0..<0x20, 0x7f:
                    let hex = Array("0123456789abcdef".utf8)
                    out += Array(#"\x"#.utf8) + [hex[Int(b >> 4)], hex[Int(b & 15)]]
                default: out.append(b)
                }
            }
            return quote ? out + [0x22] : out
        }
        var line = Array("2023-12-16T01:25:35.000123Z ".utf8)
        line += value("_HOSTNAME").flatMap { $0.isEmpty ? nil : escaped($0, quoteSpaces: false) } ?? [0x2d]
        line.append(0x20)
        line += (value("SYSLOG_IDENTIFIER") ?? value("_COMM")).map { escaped($0, quoteSpaces: false) } ?? [0x2d]
        if let pid = value("SYSLOG_PID") ?? value("_PID") { line += [0x5b] + escaped(pid, quoteSpaces: false) + [0x5d] }
        line += Array(" {".utf8)
        for name in [
            "_UID", "_GID", "_COMM", "_EXE", "_CMDLINE", "_SYSTEMD_UNIT", "_TRANSPORT", "PRIORITY", "SYSLOG_FACILITY",
            "_AUDIT_SESSION", "_AUDIT_LOGINUID", "_SOURCE_REALTIME_TIMESTAMP",
        ] {
            guard let v = value(name) else { continue }
            line += Array((name + "=").utf8) + escaped(v, quoteSpaces: true) + [0x20]
        }
        line += Array(cursor.utf8) + Array("}: ".utf8)
        let column = line.count
        if let m = value("MESSAGE") { line += escaped(m, quoteSpaces: false) }
        return (line, column)
    }
}
