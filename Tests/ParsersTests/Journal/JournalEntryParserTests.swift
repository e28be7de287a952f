import DwellCore
import DwellTestSupport
import Parsers
import Testing

/// `JournalEntryParser`: journal fields in, the same events as the syslog lines out.
@Suite struct JournalEntryParserTests {
    static let realtime: UInt64 = 1_772_510_400_000_000  // 2026-03-03T04:00:00Z

    /// Parses an entry made of `fields` (`NAME=value` each) and returns the event's set fields, or the rejection.
    static func parse(_ fields: [String], realtime: UInt64 = realtime) -> (fields: [String: String]?, sourceTime: Bool)
    {
        var payload: [UInt8] = []
        var ranges: [Range<Int>] = []
        for f in fields {
            let start = payload.count
            payload += Array(f.utf8)
            ranges.append(start..<payload.count)
        }
        var parser = JournalEntryParser()
        var context = ParserHarness.context()
        var event = ParserHarness.staleEvent
        do {
            let ok = try payload.withUnsafeBufferPointer { p throws(LineRejection) in
                try parser.parse(
                    payload: p.span, fields: ranges, realtimeMicroseconds: realtime, into: &event, context: &context)
            }
            #expect(ok)
        } catch {
            return (nil, false)
        }
        return (ParserHarness.fields(event, context.symbols, includeHeader: true), parser.usedSourceTime)
    }

    @Test func acceptedPasswordIsTheSameAuthSuccessAsTheSyslogLine() throws {
        let j = try #require(
            Self.parse([
                "_HOSTNAME=web01", "SYSLOG_IDENTIFIER=sshd", "_PID=2211",
                "MESSAGE=Accepted password for root from 203.0.113.9 port 50122 ssh2",
            ]).fields)
        let line =
            "2026-03-03T04:00:00.000000+00:00 web01 sshd[2211]: Accepted password for root from 203.0.113.9 port 50122 ssh2"
        var s = try #require(ParserHarness.syslog(Array(line.utf8), includeHeader: true).fields)
        s["message_column"] = nil
        var jj = j
        jj["message_column"] = nil
        #expect(jj == s)
        #expect(j["kind"] == "auth_success")
        #expect(j["time"] == "2026-03-03T04:00:00.000000Z")
    }

    @Test func sourceTimeAndSyslogPIDWinOverReceiveTimeAndPID() throws {
        let r = Self.parse([
            "SYSLOG_IDENTIFIER=sudo", "_PID=1", "SYSLOG_PID=4242", "_SOURCE_REALTIME_TIMESTAMP=1772510399500000",
            "MESSAGE=  alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/sh",
        ])
        let f = try #require(r.fields)
        #expect(r.sourceTime)
        #expect(f["pid"] == "4242")
        #expect(f["time"] == "2026-03-03T03:59:59.500000Z")
        #expect(f["kind"] == "privilege")
        #expect(f["target_user"] == "root")
    }

    @Test func commNamesTheProgramWithoutAnIdentifier() throws {
        let f = try #require(
            Self.parse([
                "_COMM=useradd",
                "MESSAGE=new user: name=backdoor, UID=1002, GID=1002, home=/home/backdoor, shell=/bin/bash",
            ]).fields)
        #expect(f["program"] == "useradd")
        #expect(f["kind"] == "account_create")
        let line =
            "2026-03-03T04:00:00+00:00 - useradd[1]: new user: name=backdoor, UID=1002, GID=1002, home=/home/backdoor, shell=/bin/bash"
        let s = try #require(ParserHarness.syslog(Array(line.utf8)).fields)
        #expect(
            f.filter { !["time", "time_source", "host", "program", "pid", "message_column"].contains($0.key) } == s)
        #expect(f.values.contains("backdoor"))
    }

    @Test func kernelNetfilterEntryIsAFirewallEvent() throws {
        let f = try #require(
            Self.parse([
                "_TRANSPORT=kernel", "SYSLOG_IDENTIFIER=kernel", "_HOSTNAME=gw1",
                "MESSAGE=[UFW BLOCK] IN=eth0 OUT= MAC=00:08 SRC=203.0.113.9 DST=10.0.0.5 LEN=40 PROTO=TCP SPT=4444 DPT=22 SYN URGP=0",
            ]).fields)
        #expect(f["kind"] == "firewall")
        #expect(f["src_ip"] == "203.0.113.9")
        #expect(f["dst_port"] == "22")
    }

    @Test func entryWithoutMessageIsAGenericEventAndLocalhostIsNoHost() throws {
        let f = try #require(Self.parse(["_HOSTNAME=localhost", "SYSLOG_IDENTIFIER=app", "_PID=7"]).fields)
        #expect(f["kind"] == "generic")
        #expect(f["program"] == "app")
        #expect(f["host"] == nil)
    }

    @Test func entryWithoutUsableTimeIsRejected() {
        #expect(Self.parse(["MESSAGE=x"], realtime: 0).fields == nil)
        #expect(Self.parse(["MESSAGE=x", "_SOURCE_REALTIME_TIMESTAMP=oops"], realtime: 0).fields == nil)
    }

    @Test func hostileFieldsNeverTrap() {
        _ = Self.parse(["", "=", "MESSAGE", "MESSAGE=", "_PID=99999999999999999999", "SYSLOG_IDENTIFIER="])
        _ = Self.parse(["SYSLOG_IDENTIFIER=sshd", "MESSAGE=\u{0}\u{0}Failed password for \u{ff} from 1.2.3.4 port"])
        _ = Self.parse(["_SOURCE_REALTIME_TIMESTAMP=99999999999999999999999", "MESSAGE=x"])
    }
}
