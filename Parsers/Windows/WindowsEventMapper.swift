import DwellCore

/// Turns a `WindowsRecord` (from EVTX, a JSON export or XML) into a normalised `Event`.
///
/// Every record becomes an event: the event id goes to `ruleID` and, as text, to `signature` (which the store
/// keeps), the channel to `program`, `Computer` (or an
/// export's host name) to `host`. Structured ids:
/// - 4624 `authSuccess`, 4625 `authFailure` (`invalidUser` when SubStatus is 0xC0000064, no such user): account
///   `Domain\User`, `sourceIP`/port from IpAddress/IpPort, `authMethod` the authentication package, `service` the
///   logon type (`rdp` for 10, `network` for 3, …), `domain` the source workstation, `sessionID` the logon id,
///   `detail` `LogonType=… KeyLength=… LogonProcess=…` (4625: `Status=… SubStatus=…`);
/// - 4634/4647 `logout`; 4648 `privilege` (explicit credentials: user → targetUser, `domain` the target server);
///   4672 `privilege` (detail: the privileges);
/// - 4688, Sysmon 1 `command` (command line, `path` the image, `detail` the parent); PowerShell 4104 `command`;
/// - 4720 `accountCreate` (`detail` the new account's SID); 4722/4738 `accountModify`; 4724 `passwordChange`; 4728/4732/4756 `accountModify` with the
///   group in `detail` and the member in `targetUser`;
/// - 4697/7045 service installed, 4698 scheduled task, 1102/104 log cleared: `generic` with `service`/`command`/
///   `detail` set;
/// - 5140/5145 `smb` (share and path in `path`); 4768/4769/4771 `kerberos`; 4776 `authProbe` (NTLM validation);
///   Sysmon 3 `flow`; RemoteConnectionManager 1149 `authSuccess` (`rdp`); TerminalServices 21/25 `sessionOpen`.
/// - `sessionID` is the logon id: TargetLogonId of 4624/4634/4647, SubjectLogonId of the other records.
public struct WindowsEventMapper {
    /// Reused for values built from two fields (`Domain\User`).
    var scratch: [UInt8] = []

    public init() {}

    /// Whether `haystack` holds `needle` (channel names: a few dozen bytes).
    static func contains(_ haystack: ArraySlice<UInt8>, _ needle: StaticString) -> Bool {
        let n = needle.utf8CodeUnitCount
        guard n > 0, haystack.count >= n else { return n == 0 }
        return needle.withUTF8Buffer { k in
            var i = haystack.startIndex
            while i + n <= haystack.endIndex {
                var j = 0
                while j < n && haystack[i + j] == k[j] { j += 1 }
                if j == n { return true }
                i += 1
            }
            return false
        }
    }

    /// Fills `e` from `r`. `fallbackTime` (the EVTX record's written time) is used when the record has none.
    /// - Throws: `.badTimestamp` without any time; `.unrecognized` without an event id.
    public mutating func map(
        _ r: WindowsRecord, into e: inout Event, fallbackTime: Int64? = nil, context: inout ParseContext
    ) throws(LineRejection) {
        guard let id = r.eventID else { throw .unrecognized(atColumn: 0) }
        var time = r.time?.microseconds
        // A zeroed TimeCreated (1601) says nothing; the record's written time does.
        if time.map({ $0 < 315_532_800_000_000 }) ?? true, let f = fallbackTime, f >= 315_532_800_000_000 { time = f }
        guard let t = time else { throw .badTimestamp(atColumn: 0) }
        e.reset(time: Timestamp(microseconds: t), kind: .generic)
        e.timeSource = .explicit
        e.ruleID = id
        e.signature = context.symbols.intern(String(id))  // the store keeps the Windows event id here
        // Values are interned straight from the record's buffer: no array per field.
        func intern(_ v: ArraySlice<UInt8>) -> Symbol { v.withUnsafeBufferPointer { context.symbols.intern($0) } }
        func sym(_ name: StaticString) -> Symbol {
            guard let v = r.value(name), !v.isEmpty, !(v.count == 1 && v.first == 0x2d) else { return .none }
            return intern(v)
        }
        func account(_ domain: StaticString, _ user: StaticString) -> Symbol {
            guard let u = r.value(user), !u.isEmpty, !(u.count == 1 && u.first == 0x2d) else { return .none }
            if let d = r.value(domain), !d.isEmpty, !(d.count == 1 && d.first == 0x2d) {
                scratch.removeAll(keepingCapacity: true)
                scratch.append(contentsOf: d)
                scratch.append(0x5c)
                scratch.append(contentsOf: u)
                return scratch.withUnsafeBufferPointer { context.symbols.intern($0) }
            }
            return intern(u)
        }
        func address(_ name: StaticString) -> IPAddress? {
            guard var v = r.value(name), !v.isEmpty else { return nil }
            if v.starts(with: "::ffff:".utf8) { v = v.dropFirst(7) }
            return v.withUnsafeBufferPointer { IPAddress.parse($0.span, 0..<$0.count) }
        }
        func port(_ name: StaticString) -> UInt16? {
            guard let p = r.integer(name), p > 0, p < 65_536 else { return nil }
            return UInt16(p)
        }
        func text(_ t: String) -> Symbol { context.symbols.intern(t) }
        if let c = r.value("Computer") ?? r.value("Hostname") ?? r.value("computer_name"), !c.isEmpty {
            e.host = intern(c)
        }
        let channel = r.value("Channel") ?? r.value("channel")
        if let c = channel, !c.isEmpty { e.program = intern(c) }
        let sysmon = r.value("Provider").map { $0.elementsEqual("Microsoft-Windows-Sysmon".utf8) } ?? false
            || channel.map { Self.contains($0, "Sysmon") } ?? false
        func channelHas(_ needle: StaticString) -> Bool { channel.map { Self.contains($0, needle) } ?? false }
        if let p = r.integer("ProcessID"), p >= 0, p <= Int64(Int32.max) { e.pid = Int32(p) }
        // The logon session that acted (changes, services, tasks, processes, explicit credentials): it ties the
        // record to its 4624. Logons and logoffs set the target's logon id below.
        e.sessionID = sym("SubjectLogonId")

        switch id {
        case 4624, 4625:
            e.kind = id == 4624 ? .authSuccess : .authFailure
            e.outcome = id == 4624 ? .success : .failure
            e.user = account("TargetDomainName", "TargetUserName")
            if let a = address("IpAddress") { e.sourceIP = a }
            if let p = port("IpPort") { e.setSourcePort(p) }
            e.authMethod = sym("AuthenticationPackageName")
            e.domain = sym("WorkstationName")
            e.sessionID = sym("TargetLogonId")
            let type = r.integer("LogonType") ?? -1
            e.service = text(Self.logonTypeName(type))
            var d = "LogonType=\(type)"
            if let k = r.integer("KeyLength") { d += " KeyLength=\(k)" }
            if let p = r.string("LogonProcessName") { d += " LogonProcess=\(p.trimmingSpaces)" }
            if let l = r.string("LmPackageName"), l != "-" { d += " LmPackage=\(l)" }
            if id == 4625 {
                let status = r.string("Status") ?? ""
                let sub = r.string("SubStatus") ?? ""
                d += " Status=\(status) SubStatus=\(sub)"
                if sub.lowercased() == "0xc0000064" || status.lowercased() == "0xc0000064" { e.kind = .invalidUser }
            }
            e.detail = text(d)
        case 4634, 4647:
            e.kind = .logout
            e.user = account("TargetDomainName", "TargetUserName")
            e.sessionID = sym("TargetLogonId")
        case 4648:
            e.kind = .privilege
            e.outcome = .success
            e.user = account("SubjectDomainName", "SubjectUserName")
            e.targetUser = account("TargetDomainName", "TargetUserName")
            e.domain = sym("TargetServerName")
            if let a = address("IpAddress") { e.sourceIP = a }
            e.path = sym("ProcessName")
            e.detail = text("explicit credentials")
        case 4672:
            e.kind = .privilege
            e.outcome = .success
            e.user = account("SubjectDomainName", "SubjectUserName")
            e.sessionID = sym("SubjectLogonId")
            e.detail = sym("PrivilegeList")
        case 4688:
            e.kind = .command
            // 4688 version 2 names the new process's account in Target*; the Subject is its creator.
            e.user = account("TargetDomainName", "TargetUserName")
            if e.user.isNone { e.user = account("SubjectDomainName", "SubjectUserName") }
            e.path = sym("NewProcessName")
            e.command = r.value("CommandLine").map { $0.isEmpty } ?? true ? sym("NewProcessName") : sym("CommandLine")
            e.detail = sym("ParentProcessName")
        case 1 where sysmon:
            e.kind = .command
            e.user = sym("User")
            e.path = sym("Image")
            e.command = sym("CommandLine")
            e.detail = sym("ParentImage")
        case 3 where sysmon:
            e.kind = .flow
            e.user = sym("User")
            e.path = sym("Image")
            if let a = address("SourceIp") { e.sourceIP = a }
            if let a = address("DestinationIp") { e.destinationIP = a }
            if let p = port("SourcePort") { e.setSourcePort(p) }
            if let p = port("DestinationPort") { e.setDestinationPort(p) }
            e.networkProtocol = sym("Protocol")
        case 4104:
            e.kind = .command
            e.command = sym("ScriptBlockText")
            e.detail = text("powershell script block")
        case 4720:
            e.kind = .accountCreate
            e.outcome = .success
            e.user = account("SubjectDomainName", "SubjectUserName")
            e.targetUser = account("TargetDomainName", "TargetUserName")
            e.detail = sym("TargetSid")  // what a later 4732 names the member by
        case 4722, 4738:
            e.kind = .accountModify
            e.user = account("SubjectDomainName", "SubjectUserName")
            e.targetUser = account("TargetDomainName", "TargetUserName")
            e.detail = text(id == 4722 ? "account enabled" : "account changed")
        case 4724:
            e.kind = .passwordChange
            e.user = account("SubjectDomainName", "SubjectUserName")
            e.targetUser = account("TargetDomainName", "TargetUserName")
        case 4728, 4732, 4756:
            e.kind = .accountModify
            e.user = account("SubjectDomainName", "SubjectUserName")
            let member = r.value("MemberName").flatMap { $0.isEmpty || $0.elementsEqual("-".utf8) ? nil : $0 }
            e.targetUser = member != nil ? sym("MemberName") : sym("MemberSid")
            e.detail = sym("TargetUserName")  // the group
        case 4697, 7045:
            e.user = id == 4697 ? account("SubjectDomainName", "SubjectUserName") : sym("AccountName")
            e.service = sym("ServiceName")
            e.command = id == 4697 ? sym("ServiceFileName") : sym("ImagePath")
            e.detail = text("service installed")
        case 4698:
            e.user = account("SubjectDomainName", "SubjectUserName")
            e.service = sym("TaskName")
            e.detail = text("scheduled task created")
        case 1102, 104:
            e.user = account("SubjectDomainName", "SubjectUserName")
            if e.user.isNone { e.user = sym("SubjectUserName") }
            // 104 names the cleared channel in UserData (after System's own Channel).
            let cleared = (r.lastValue("Channel") ?? channel).map { String(decoding: $0, as: UTF8.self) } ?? ""
            e.detail = text(id == 1102 ? "log cleared: Security" : "log cleared: \(cleared)")
        case 5140, 5145:
            e.kind = .smb
            e.outcome = .success
            e.user = account("SubjectDomainName", "SubjectUserName")
            if let a = address("IpAddress") { e.sourceIP = a }
            if let p = port("IpPort") { e.setSourcePort(p) }
            let share = r.string("ShareName") ?? ""
            let target = r.string("RelativeTargetName") ?? ""
            e.path = text(target.isEmpty ? share : share + "\\" + target)
            e.service = text("smb")
        case 4768, 4769, 4771:
            e.kind = .kerberos
            e.user = account("TargetDomainName", "TargetUserName")
            if let a = address("IpAddress") { e.sourceIP = a }
            if let p = port("IpPort") { e.setSourcePort(p) }
            e.service = sym("ServiceName")
            let status = r.integer("Status") ?? 0
            e.outcome = id == 4771 || status != 0 ? .failure : .success
            e.detail = text("Status=\(r.string("Status") ?? "")")
        case 4776:
            e.kind = .authProbe
            e.user = sym("TargetUserName")
            e.domain = sym("Workstation")
            e.authMethod = text("NTLM")
            e.outcome = (r.integer("Status") ?? 0) == 0 ? .success : .failure
        case 1149 where channelHas("RemoteConnectionManager") || r.value("Param1") != nil:
            e.kind = .authSuccess
            e.outcome = .success
            e.user = account("Param2", "Param1")
            if let a = address("Param3") { e.sourceIP = a }
            e.service = text("rdp")
        // Each id is TerminalServices' only in its channel (a `where` after a list would guard the last id only).
        case 21 where channelHas("TerminalServices"), 22 where channelHas("TerminalServices"),
            25 where channelHas("TerminalServices"):
            e.kind = .sessionOpen
            e.user = sym("User")
            if let a = address("Address") { e.sourceIP = a }
            e.service = text("rdp")
        case 4656, 4663, 4674:
            e.user = account("SubjectDomainName", "SubjectUserName")
            e.path = sym("ObjectName")
            e.detail = sym("ObjectServer")
        default:
            e.user = account("SubjectDomainName", "SubjectUserName")
        }
    }

    static func logonTypeName(_ t: Int64) -> String {
        switch t {
        case 2: "interactive"
        case 3: "network"
        case 4: "batch"
        case 5: "service"
        case 7: "unlock"
        case 8: "network-cleartext"
        case 9: "new-credentials"
        case 10: "rdp"
        case 11: "cached-interactive"
        default: "logon-type-\(t)"
        }
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.last == " " { s = s.dropLast() }
        while s.first == " " { s = s.dropFirst() }
        return String(s)
    }
}
