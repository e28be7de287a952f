/// The Windows side of a fleet: Security, TerminalServices and WinRM records of the Windows servers, written as
/// JSON lines in the flat shape of public research exports (`{"@timestamp":…,"EventID":4624,"Hostname":…,
/// "Channel":"Security","TargetUserName":…}`), one object per record.
///
/// Why JSON lines and not EVTX: a real EVTX file is BinXML in 64 KiB chunks with templates, and what Windows
/// writes into them (template ids, chunk fill, string tables) is not specified closely enough to produce files
/// that read like Windows' own; a JSON export is what collectors ship and what dwell reads with the same field
/// model. dwell's EVTX reader is tested on the real files of `../shared/realdata/windows` instead.
extension FleetEmitter {
    /// Central layout: one export for every Windows server; image layout: one per server.
    static let centralWindows: Int32 = 3000
    func windowsStream(_ host: Int) -> Int32 { layout == .central ? Self.centralWindows : 3000 + Int32(host) + 1 }

    /// One Windows record. `fields` are EventData (and UserData) names and values, written in order.
    mutating func windows(
        _ host: Int, _ time: Micros, _ id: Int, channel: StaticString = "Security",
        _ fields: KeyValuePairs<String, String>, flags: UInt8 = 0
    ) {
        let start = store.arena.count
        store.arena.put("{\"@timestamp\":\"")
        store.arena.putRFC3339Millis(time)
        store.arena.put("\",\"EventID\":")
        store.arena.putInt(id)
        store.arena.put(",\"Hostname\":\"")
        store.arena.append(contentsOf: fleet.hosts[host].nameBytes)
        store.arena.put("\",\"Channel\":\"")
        store.arena.put(channel)
        store.arena.put("\"")
        for (k, v) in fields {
            store.arena.put(",\"")
            store.arena.put(k)
            store.arena.put("\":\"")
            for b in v.utf8 {
                if b == UInt8(ascii: "\\") || b == UInt8(ascii: "\"") { store.arena.append(UInt8(ascii: "\\")) }
                store.arena.append(b)
            }
            store.arena.put("\"")
        }
        store.arena.put("}")
        end(stream: windowsStream(host), time: time, flags: flags, start: start)
    }

    /// A logon id as Windows prints it (`0x3e4f5a`), from a random stream.
    static func logonID(_ r: inout ScenarioRandom) -> String { "0x" + String(r.int(0x10_0000...0xFF_FFFF), radix: 16) }

    /// A remote logon and its logoff on Windows server `host`: the sensor's flow (same source port), for RDP
    /// RemoteConnectionManager 1149 just before 4624 type 10 and LocalSessionManager 21 after it, 4672 for an
    /// administrator, and at `end` (inside the evidence) 4647 (RDP) and 4634 with the same logon id. `rdp`
    /// false is a network logon (type 3) by Kerberos, or by NTLM when `ntlm`, with the WinRM server's record when
    /// `winrm`. Returns the logon id.
    @discardableResult
    mutating func windowsLogon(
        host: Int, domain: String = "CORP", user: String, from: IPv4, port: Int, rdp: Bool, ntlm: Bool = false,
        winrm: Bool = false, admin: Bool, workstation: String = "-", at t: Micros, until end: Micros?,
        flags: UInt8 = 0, random r: inout ScenarioRandom
    ) -> String {
        let to = fleet.hosts[host].address
        let logon = Self.logonID(&r)
        let servicePort = rdp ? 3389 : (winrm ? 5985 : (host == fleet.windows.first ? 88 : 445))
        conn(
            t - Micros(r.int(200_000...900_000)), from: from, port, to: to, servicePort,
            service: rdp ? "-" : (winrm ? "http" : (servicePort == 88 ? "krb_tcp" : "smb,gssapi")),
            duration: (end ?? t + 60 * microsPerSecond) - t + Micros(r.int(1_000_000...3_000_000)),
            bytesOut: r.int(rdp ? 400_000...9_000_000 : 2_000...60_000), bytesIn: r.int(rdp ? 2_000_000...40_000_000 : 2_000...90_000),
            flags: flags & RecordFlag.attacker, random: &r)
        let address = from.description
        if rdp {
            windows(
                host, t - Micros(r.int(300_000...900_000)), 1149,
                channel: "Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational",
                ["Param1": user, "Param2": domain, "Param3": address], flags: flags)
        }
        let kerberos = !rdp && !ntlm
        windows(
            host, t, 4624,
            [
                "SubjectUserSid": "S-1-5-18", "SubjectUserName": fleet.hosts[host].name.uppercased() + "$",
                "SubjectDomainName": domain, "SubjectLogonId": "0x3e7", "TargetUserName": user,
                "TargetDomainName": domain, "TargetLogonId": logon, "LogonType": rdp ? "10" : "3",
                "LogonProcessName": rdp ? "User32" : (kerberos ? "Kerberos" : "NtLmSsp"),
                "AuthenticationPackageName": rdp ? "Negotiate" : (kerberos ? "Kerberos" : "NTLM"),
                "WorkstationName": workstation, "LmPackageName": ntlm ? "NTLM V2" : "-",
                "KeyLength": ntlm ? "128" : "0", "IpAddress": address, "IpPort": String(port),
            ], flags: flags)
        if admin {
            windows(
                host, t + 1_000, 4672,
                [
                    "SubjectUserName": user, "SubjectDomainName": domain, "SubjectLogonId": logon,
                    "PrivilegeList": "SeSecurityPrivilege SeBackupPrivilege SeRestorePrivilege SeDebugPrivilege",
                ], flags: flags)
        }
        if rdp {
            windows(
                host, t + Micros(r.int(1_000_000...3_000_000)), 21,
                channel: "Microsoft-Windows-TerminalServices-LocalSessionManager/Operational",
                ["User": domain + "\\" + user, "SessionID": String(r.int(2...9)), "Address": address], flags: flags)
        }
        if winrm {
            windows(
                host, t + Micros(r.int(100_000...600_000)), 91, channel: "Microsoft-Windows-WinRM/Operational",
                ["resourceUri": "http://schemas.microsoft.com/powershell/Microsoft.PowerShell"],
                flags: flags & RecordFlag.attacker)
        }
        if let end {
            if rdp {
                windows(
                    host, end - Micros(r.int(200_000...900_000)), 4647,
                    ["TargetUserName": user, "TargetDomainName": domain, "TargetLogonId": logon], flags: flags)
            }
            windows(
                host, end, 4634,
                ["TargetUserName": user, "TargetDomainName": domain, "TargetLogonId": logon, "LogonType": rdp ? "10" : "3"],
                flags: flags)
        }
        return logon
    }
}

extension Array where Element == UInt8 {
    /// `2026-03-12T14:03:11.123Z` (UTC, milliseconds: Winlogbeat's and the research exports' `@timestamp`).
    mutating func putRFC3339Millis(_ time: Micros) {
        let c = Calendar0.civil(time)
        putDate(c)
        append(UInt8(ascii: "T"))
        putClock(c)
        append(UInt8(ascii: "."))
        putPadded(c.micro / 1_000, width: 3)
        append(UInt8(ascii: "Z"))
    }
}

/// A JSON lines export written as it comes, one file (no rotation: an export is one file per collection).
final class JSONLinesLog {
    let file: OutputFile
    let mtime: Int64
    private(set) var written: [WrittenFile] = []

    init(relativePath: String, root: String?, mtime: Int64) throws(ScenarioError) {
        file = try OutputFile(
            path: root.map { $0 + "/" + relativePath }, relativePath: relativePath, gzipLevel: nil, gzipMTime: 0)
        self.mtime = mtime
    }

    func write(_ r: Record, arena: [UInt8], tracker: inout EvidenceTracker) {
        file.buffer.append(contentsOf: arena[r.start..<(r.start + r.length)])
        file.endLine()
        // The export keeps milliseconds; the tracker compares what the line shows.
        if r.flags != 0 {
            tracker.saw(r.flags, visible: r.time / 1_000 * 1_000, file: file.relativePath, line: file.lines)
        }
    }

    func close() throws(ScenarioError) {
        try file.close(mtime: mtime)
        written = [WrittenFile(path: file.relativePath, uncompressedBytes: file.uncompressedBytes, lines: file.lines, mtime: mtime)]
    }
}
