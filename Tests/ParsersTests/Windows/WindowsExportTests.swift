import DwellCore
import DwellTestSupport
import Foundation
import Parsers
import Testing

/// The JSON exports (Winlogbeat, flat OTRF/NXLog, `evtx_dump -o jsonl`) and XML `<Event>` lines read into the same
/// field model as EVTX, and so into the same events.
@Suite struct WindowsExportTests {
    static func events<P: LineParser>(_ lines: [String], _ parser: P) throws -> ([Event], ParseContext) {
        var p = parser
        var context = ParseContext()
        var out: [Event] = []
        for l in lines {
            let bytes = Array(l.utf8)
            var e = Event()
            let isEvent = try bytes.withUnsafeBufferPointer { b throws(LineRejection) in
                try p.parse(b.span, into: &e, context: &context)
            }
            if isEvent { out.append(e) }
        }
        return (out, context)
    }

    static let winlogbeat =
        #"{"@timestamp":"2021-03-01T10:00:05.123Z","event":{"code":"4624"},"winlog":{"channel":"Security","computer_name":"DC01.corp.local","event_id":4624,"provider_name":"Microsoft-Windows-Security-Auditing","record_id":77,"event_data":{"TargetUserName":"alice","TargetDomainName":"CORP","LogonType":"3","IpAddress":"10.0.0.7","IpPort":"51234","AuthenticationPackageName":"NTLM","KeyLength":"0","LogonProcessName":"NtLmSsp ","WorkstationName":"KALI"}}}"#
    static let evtxDump =
        ##"{"Event":{"#attributes":{"xmlns":"http://schemas.microsoft.com/win/2004/08/events/event"},"System":{"Provider":{"#attributes":{"Name":"Service Control Manager"}},"EventID":{"#attributes":{"Qualifiers":16384},"#text":7045},"TimeCreated":{"#attributes":{"SystemTime":"2021-03-01T10:01:00.000000Z"}},"EventRecordID":12,"Channel":"System","Computer":"SRV2.corp.local"},"EventData":{"ServiceName":"PSEXESVC","ImagePath":"%SystemRoot%\\PSEXESVC.exe","ServiceType":"user mode service","StartType":"demand start","AccountName":"LocalSystem"}}}"##
    static let flat =
        #"{"@timestamp":"2020-08-06T05:20:46.753Z","EventID":4625,"Hostname":"WS6.theshire.local","Channel":"Security","TargetUserName":"nobody","TargetDomainName":"THESHIRE","LogonType":"10","IpAddress":"203.0.113.9","Status":"0xc000006d","SubStatus":"0xc0000064"}"#

    @Test func winlogbeatLogonBecomesAnAuthSuccessWithItsSource() throws {
        let (e, c) = try Self.events([Self.winlogbeat], WindowsJSONParser())
        let x = try #require(e.first)
        #expect(x.kind == .authSuccess && x.ruleID == 4624)
        #expect(c.symbols.string(x.user) == "CORP\\alice" && c.symbols.string(x.host) == "DC01.corp.local")
        #expect(x.sourceIP.description == "10.0.0.7" && x.sourcePort == 51234)
        #expect(c.symbols.string(x.authMethod) == "NTLM" && c.symbols.string(x.service) == "network")
        #expect(c.symbols.string(x.detail).contains("KeyLength=0"))
        #expect(x.time.iso8601(fractionDigits: 3) == "2021-03-01T10:00:05.123Z")
    }

    @Test func evtxDumpServiceInstallKeepsNameAndBinary() throws {
        let (e, c) = try Self.events([Self.evtxDump], WindowsJSONParser())
        let x = try #require(e.first)
        #expect(x.ruleID == 7045 && c.symbols.string(x.service) == "PSEXESVC")
        #expect(c.symbols.string(x.command) == "%SystemRoot%\\PSEXESVC.exe")
        #expect(c.symbols.string(x.host) == "SRV2.corp.local" && c.symbols.string(x.program) == "System")
    }

    /// Ids 21, 22 and 25 are RDP session events only in TerminalServices' channels: the same ids elsewhere (a
    /// System event 21 or 22) are not logons. Before the fix, only 25 was checked against its channel.
    @Test(arguments: [21, 22, 25])
    func terminalServicesIdsAreSessionsOnlyInTheirChannel(id: Int) throws {
        func line(_ channel: String) -> String {
            #"{"@timestamp":"2021-03-01T10:00:05Z","EventID":\#(id),"Hostname":"TS01","Channel":"\#(channel)","User":"CORP\\bob","Address":"10.0.0.9"}"#
        }
        let (e, _) = try Self.events(
            [line("Microsoft-Windows-TerminalServices-LocalSessionManager/Operational"), line("System")],
            WindowsJSONParser())
        #expect(e.count == 2)
        #expect(e.first?.kind == .sessionOpen)
        #expect(e.last.map { $0.kind != .sessionOpen } == true)
    }

    @Test func flatExportUnknownUserIsAnInvalidUser() throws {
        let (e, c) = try Self.events([Self.flat], WindowsJSONParser())
        let x = try #require(e.first)
        #expect(x.kind == .invalidUser && x.outcome == .failure)
        #expect(c.symbols.string(x.service) == "rdp" && x.sourceIP.description == "203.0.113.9")
    }

    @Test(arguments: [
        "", "{", "{\"EventID\":", "[1,2]", "{\"Channel\":\"Security\"}", "{\"EventID\":\"x\",\"Channel\":\"S\"}",
        "{\"EventID\":4624,\"Channel\":\"Security\"}", String(repeating: "{\"a\":", count: 40) + "1" + String(repeating: "}", count: 40),
        "\u{0}\u{0}{\"EventID\":1}",
    ])
    func hostileJSONLinesAreRejectedNotCrashed(_ line: String) {
        var p = WindowsJSONParser()
        var context = ParseContext()
        var e = Event()
        let bytes = Array(line.utf8)
        _ = try? bytes.withUnsafeBufferPointer { b throws(LineRejection) in try p.parse(b.span, into: &e, context: &context) }
    }

    @Test func detectionPicksTheWindowsFormats() {
        let json = DetectionSample(prefix: Array((Self.winlogbeat + "\n" + Self.flat + "\n").utf8), path: "x.json")
        #expect(Registry.detect(json).map(Registry.name) == "windows-json")
        let xml = DetectionSample(
            prefix: Array("<Event xmlns=\"e\"><System><EventID>4624</EventID></System></Event>\n".utf8), path: "x.xml")
        #expect(Registry.detect(xml).map(Registry.name) == "windows-xml")
        #expect(Registry.detect(DetectionSample(prefix: Array("ElfFile\0".utf8) + [UInt8](repeating: 0, count: 120), path: "x")).map(Registry.name) == "evtx")
    }

    @Test func xmlEventLineReadsLikeTheBinaryRecord() throws {
        let line =
            #"<?xml version="1.0"?><Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="Microsoft-Windows-Security-Auditing"/><EventID>4732</EventID><TimeCreated SystemTime="2020-07-12T05:14:30.9766124Z"/><Channel>Security</Channel><Computer>jump01.offsec.lan</Computer></System><EventData><Data Name="MemberName">-</Data><Data Name="MemberSid">S-1-5-21-1-2-3-1001</Data><Data Name="TargetUserName">Administrators</Data><Data Name="SubjectUserName">adm&amp;mig</Data><Data Name="SubjectDomainName">OFFSEC</Data><Data Name="Note">a&#10;b&#x41;</Data></EventData></Event>"#
        let (e, c) = try Self.events(["<?xml version=\"1.0\"?>", "<Events>", line, "</Events>"], WindowsXMLParser())
        #expect(e.count == 1)
        let x = try #require(e.first)
        #expect(x.kind == .accountModify && c.symbols.string(x.detail) == "Administrators")
        #expect(c.symbols.string(x.targetUser) == "S-1-5-21-1-2-3-1001" && c.symbols.string(x.user) == "OFFSEC\\adm&mig")
        #expect(x.time.iso8601(fractionDigits: 6) == "2020-07-12T05:14:30.976612Z")
    }

    @Test(arguments: ["<Event", "<Event><System>", "<Event><System><EventID>1</EventID></Event>", "<Event a=>", "<Event></Event>"])
    func brokenXMLIsRejectedNotCrashed(_ line: String) {
        var p = WindowsXMLParser()
        var context = ParseContext()
        var e = Event()
        let bytes = Array(line.utf8)
        let ok = try? bytes.withUnsafeBufferPointer { b throws(LineRejection) in try p.parse(b.span, into: &e, context: &context) }
        #expect(ok != true)
    }

    @Test(.enabled(if: Fixture.realData != nil, "../shared/realdata is absent"))
    func otrfCovenantExportReadsEveryLineAndTheLateralLogon() throws {
        let path = try #require(Fixture.realData).appendingPathComponent(
            "windows/winlog-json-otrf-atomic-lateral-movement/covenant_sharpsc_query_dcerpc_smb_svcctl_2020-08-06012009.json")
        let lines = String(decoding: try Data(contentsOf: path), as: UTF8.self).split(separator: "\n").map(String.init)
        let (e, c) = try Self.events(lines, WindowsJSONParser())
        #expect(lines.count == 349 && e.count == 349)
        let logon = try #require(
            e.first { $0.ruleID == 4624 && $0.sourceIP.description == "172.18.39.5" && c.symbols.string($0.host) == "WORKSTATION6.theshire.local" })
        #expect(c.symbols.string(logon.user) == "THESHIRE.LOCAL\\pgustavo" && c.symbols.string(logon.authMethod) == "Kerberos")
        #expect(logon.time.iso8601(fractionDigits: 3) == "2020-08-06T05:20:46.753Z")
        let svcctl = e.filter { $0.ruleID == 5145 && c.symbols.string($0.path).hasSuffix("svcctl") }
        #expect(!svcctl.isEmpty)
        #expect(Set(e.map { c.symbols.string($0.host) }).count == 3)
    }
}
