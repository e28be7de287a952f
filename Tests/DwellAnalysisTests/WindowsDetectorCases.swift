import DwellAnalysis
import DwellCore

/// Positive and negative cases of the `win.*` rules, with events shaped as the Windows readers write them (the
/// event id as `signature`, the logon type in `service`, `Domain\user` accounts).
let windowsCases: [DetectorCase] = [
    DetectorCase(name: "Security log cleared", rule: "win.log_cleared", count: 1, why: ["cleared on dc01"]) { b in
        b.add(0, .generic, host: "dc01", user: "CORP\\eve", program: "Security", signature: "1102", detail: "log cleared: Security")
        b.add(1, .generic, host: "dc01", user: "CORP\\eve", program: "System", signature: "104", detail: "log cleared: System")
    },
    DetectorCase(name: "another event id", rule: "win.log_cleared", count: 0) { b in
        b.add(0, .generic, host: "dc01", user: "CORP\\eve", program: "Security", signature: "4611")
    },
    DetectorCase(
        name: "PSEXESVC installed", rule: "win.service_installed", count: 1, severity: .high, why: ["PSEXESVC"]
    ) { b in
        b.add(0, .generic, host: "srv2", command: "%SystemRoot%\\PSEXESVC.exe", signature: "7045", service: "PSEXESVC")
    },
    DetectorCase(name: "an ordinary service", rule: "win.service_installed", count: 1, severity: .medium) { b in
        b.add(0, .generic, host: "srv2", command: "C:\\Program Files\\Agent\\agent.exe", signature: "7045", service: "Agent")
    },
    DetectorCase(name: "no service event", rule: "win.service_installed", count: 0) { b in
        b.add(0, .generic, host: "srv2", signature: "7036")
    },
    DetectorCase(name: "ADMIN$ write and svcctl from one source", rule: "win.psexec", count: 1, why: ["ADMIN$"]) { b in
        b.add(0, .smb, host: "srv2", src: "10.0.0.9", path: "\\\\*\\IPC$\\svcctl", signature: "5145")
        b.add(1, .smb, host: "srv2", src: "10.0.0.9", path: "\\\\*\\ADMIN$\\PSEXESVC.exe", signature: "5145")
    },
    DetectorCase(name: "svcctl query alone", rule: "win.psexec", count: 0) { b in
        b.add(0, .smb, host: "srv2", src: "10.0.0.9", path: "\\\\*\\IPC$\\svcctl", signature: "5145")
    },
    DetectorCase(name: "NTLM network logon with key length 0", rule: "win.pass_the_hash", count: 1) { b in
        b.add(
            0, .authSuccess, host: "srv2", outcome: .success, src: "10.0.0.9", user: "CORP\\admin", method: "NTLM",
            signature: "4624", detail: "LogonType=3 KeyLength=0 LogonProcess=NtLmSsp", service: "network")
    },
    DetectorCase(name: "Kerberos network logon", rule: "win.pass_the_hash", count: 0) { b in
        b.add(
            0, .authSuccess, host: "srv2", outcome: .success, src: "10.0.0.9", user: "CORP\\admin", method: "Kerberos",
            signature: "4624", detail: "LogonType=3 KeyLength=0 LogonProcess=Kerberos", service: "network")
        b.add(
            1, .authSuccess, host: "srv2", outcome: .success, src: "10.0.0.9", user: "CORP\\SRV1$", method: "NTLM",
            signature: "4624", detail: "LogonType=3 KeyLength=0 LogonProcess=NtLmSsp", service: "network")
    },
    DetectorCase(name: "member added to Administrators", rule: "win.admin_group_add", count: 1) { b in
        b.add(0, .accountModify, host: "ws1", user: "CORP\\eve", target: "S-1-5-21-1-2-3-1001", signature: "4732", detail: "Administrators")
    },
    DetectorCase(name: "member added to Users", rule: "win.admin_group_add", count: 0) { b in
        b.add(0, .accountModify, host: "ws1", user: "CORP\\eve", target: "S-1-5-21-1-2-3-1001", signature: "4732", detail: "Users")
    },
    DetectorCase(name: "credentials for another server", rule: "win.explicit_credentials", count: 1) { b in
        b.add(0, .privilege, host: "fs03.corp.local", user: "CORP\\admin", target: "CORP\\hack1", signature: "4648", domain: "fs04.corp.local")
    },
    DetectorCase(name: "credentials for the host itself", rule: "win.explicit_credentials", count: 0) { b in
        b.add(0, .privilege, host: "fs03.corp.local", user: "CORP\\admin", target: "CORP\\svc", signature: "4648", domain: "localhost")
    },
    DetectorCase(name: "mmc.exe -Embedding", rule: "win.dcom_exec", count: 1) { b in
        b.add(0, .command, host: "srv3", user: "CORP\\admin", command: "C:\\Windows\\system32\\mmc.exe -Embedding", signature: "4688")
    },
    DetectorCase(name: "mmc.exe opened by hand", rule: "win.dcom_exec", count: 0) { b in
        b.add(0, .command, host: "srv3", user: "CORP\\admin", command: "C:\\Windows\\system32\\mmc.exe compmgmt.msc", signature: "4688")
    },
    DetectorCase(name: "winreg opened and hives written to ADMIN$", rule: "win.secretsdump", count: 1) { b in
        b.add(0, .smb, host: "srv2", src: "10.0.0.9", path: "\\\\*\\IPC$\\winreg", signature: "5145")
        b.add(1, .smb, host: "srv2", src: "10.0.0.9", path: "\\\\*\\ADMIN$\\SYSTEM32\\abcd.tmp", signature: "5145")
    },
    DetectorCase(name: "winreg alone", rule: "win.secretsdump", count: 0) { b in
        b.add(0, .smb, host: "srv2", src: "10.0.0.9", path: "\\\\*\\IPC$\\winreg", signature: "5145")
    },
    // Brute force and spraying from 4625: the auth rules read Windows failures as they read sshd's.
    DetectorCase(
        name: "25 RDP failures (4625) from one Internet address", rule: "auth.bruteforce", count: 1,
        why: ["from 198.51.100.7"], title: "Windows logon brute force"
    ) { b in
        for k in 0..<25 {
            b.add(
                Int64(k) * 40, .authFailure, host: "rdgw01", outcome: .failure, src: "198.51.100.7",
                user: "RDGW01\\administrator", method: "NTLM", program: "Security", signature: "4625",
                detail: "LogonType=3 Status=0xc000006d SubStatus=0xc000006a", service: "network")
        }
    },
    DetectorCase(
        name: "#20: 4625s for unknown users and a bad password, all naming LSASS's pid, each count",
        rule: "auth.bruteforce", count: 1, why: ["20 failed logins from 198.51.100.8"]
    ) { b in
        for k in 0..<20 {
            let unknown = k % 4 != 0
            b.add(
                Int64(k) * 30, unknown ? .invalidUser : .authFailure, host: "ts01", outcome: .failure,
                src: "198.51.100.8", user: unknown ? "user\(k)" : "administrator", method: "NTLM", program: "Security",
                pid: 640, signature: "4625", service: "network")
        }
    },
    DetectorCase(
        name: "12 accounts failing (4625) from one address", rule: "auth.spraying", count: 1, why: ["distinct accounts failed from 10.0.7.44"]
    ) { b in
        for k in 0..<12 {
            b.add(
                Int64(k) * 60, .authFailure, host: "dc01", outcome: .failure, src: "10.0.7.44", user: "CORP\\user\(k)",
                method: "NTLM", program: "Security", signature: "4625", service: "network")
        }
    },
    DetectorCase(
        name: "#20: sshd and 4625 failures from one address in one window", rule: "auth.bruteforce", count: 1,
        title: "Brute force (SSH and Windows logons)"
    ) { b in
        for k in 0..<10 {
            b.failed(Int64(k) * 60, from: "198.51.100.9", pid: Int32(k))
            b.add(
                Int64(k) * 60 + 30, .authFailure, host: "ts01", outcome: .failure, src: "198.51.100.9",
                user: "TS01\\administrator", method: "NTLM", program: "Security", signature: "4625", service: "network")
        }
    },
    DetectorCase(name: "a few 4625 typos", rule: "auth.bruteforce", count: 0) { b in
        for k in 0..<3 {
            b.add(
                Int64(k) * 40, .authFailure, host: "dc01", outcome: .failure, src: "10.0.7.44", user: "CORP\\bob",
                program: "Security", signature: "4625", service: "network")
        }
    },
    // RDP from an address that never logged on before (after the first day of the host's evidence).
    DetectorCase(name: "RDP from a new address on day 2", rule: "win.rdp_new_source", count: 1, why: ["203.0.113.50"]) { b in
        b.add(0, .authSuccess, host: "ts01", outcome: .success, src: "10.0.8.20", user: "CORP\\alice", signature: "4624", service: "rdp")
        b.add(90_000, .authSuccess, host: "ts01", outcome: .success, src: "10.0.8.20", user: "CORP\\alice", signature: "4624", service: "rdp")
        b.add(90_100, .authSuccess, host: "ts01", outcome: .success, src: "203.0.113.50", user: "CORP\\alice", signature: "4624", service: "rdp")
    },
    DetectorCase(name: "RDP from a known address, or on the first day", rule: "win.rdp_new_source", count: 0) { b in
        b.add(0, .authSuccess, host: "ts01", outcome: .success, src: "10.0.8.20", user: "CORP\\alice", signature: "4624", service: "rdp")
        b.add(100, .authSuccess, host: "ts01", outcome: .success, src: "10.0.8.21", user: "CORP\\bob", signature: "4624", service: "rdp")
        b.add(90_000, .authSuccess, host: "ts01", outcome: .success, src: "10.0.8.21", user: "CORP\\bob", signature: "4624", service: "rdp")
        // A network logon from a new address is no RDP.
        b.add(90_100, .authSuccess, host: "ts01", outcome: .success, src: "10.0.9.9", user: "CORP\\carol", signature: "4624", service: "network")
    },
    // A service or scheduled task made in a remote logon's session.
    DetectorCase(name: "4697 in the RDP logon's session", rule: "win.remote_service", count: 1, why: ["same logon id", "updater"]) { b in
        b.add(0, .authSuccess, host: "srv2", outcome: .success, src: "10.0.5.11", user: "CORP\\eve", signature: "4624", service: "rdp", session: "0x3e4f5")
        b.add(7_200, .generic, host: "srv2", user: "CORP\\eve", command: "C:\\ProgramData\\u.exe", signature: "4697", service: "updater", session: "0x3e4f5")
    },
    DetectorCase(name: "4697 by SYSTEM with no remote logon", rule: "win.remote_service", count: 0) { b in
        b.add(0, .authSuccess, host: "srv2", outcome: .success, src: "10.0.5.11", user: "CORP\\bob", signature: "4624", service: "network", session: "0x100")
        b.add(60, .generic, host: "srv2", user: "CORP\\SRV2$", command: "C:\\Windows\\svc.exe", signature: "4697", service: "WinDefend", session: "0x3e7")
        b.add(60, .generic, host: "srv2", command: "C:\\Windows\\svc.exe", signature: "7045", service: "WinDefend")
    },
    DetectorCase(name: "4698 by the account of a network logon", rule: "win.remote_task", count: 1, why: ["scheduled task"]) { b in
        b.add(0, .authSuccess, host: "srv2", outcome: .success, src: "10.0.5.11", user: "CORP\\eve", signature: "4624", service: "network", session: "0x10")
        b.add(300, .generic, host: "srv2", user: "CORP\\eve", signature: "4698", service: "\\Sync", session: "0x11")
    },
    DetectorCase(name: "4698 by the account two hours after its remote logon", rule: "win.remote_task", count: 0) { b in
        b.add(0, .authSuccess, host: "srv2", outcome: .success, src: "10.0.5.11", user: "CORP\\eve", signature: "4624", service: "network", session: "0x10")
        b.add(7_300, .generic, host: "srv2", user: "CORP\\eve", signature: "4698", service: "\\Sync", session: "0x11")
    },
    // An account created, then made an administrator (the member named by SID, as 4732 does for local groups).
    DetectorCase(name: "4720 then 4732 to Administrators by SID", rule: "win.account_created_admin", count: 1, why: ["SRV2\\maint", "Administrators"]) { b in
        b.add(0, .accountCreate, host: "srv2", user: "CORP\\eve", target: "SRV2\\maint", signature: "4720", detail: "S-1-5-21-1-2-3-1009")
        b.add(20, .accountModify, host: "srv2", user: "CORP\\eve", target: "S-1-5-21-1-2-3-1009", signature: "4732", detail: "Administrators")
    },
    DetectorCase(name: "4720 then another account added to Administrators", rule: "win.account_created_admin", count: 0) { b in
        b.add(0, .accountCreate, host: "srv2", user: "CORP\\eve", target: "SRV2\\maint", signature: "4720", detail: "S-1-5-21-1-2-3-1009")
        b.add(20, .accountModify, host: "srv2", user: "CORP\\eve", target: "S-1-5-21-1-2-3-1010", signature: "4732", detail: "Administrators")
        b.add(30, .accountModify, host: "srv2", user: "CORP\\eve", target: "S-1-5-21-1-2-3-1009", signature: "4732", detail: "Users")
    },
    // Explicit credentials, then remote execution.
    DetectorCase(name: "4648 toward srv3, then a service on srv3", rule: "win.explicit_then_exec", count: 1, why: ["srv3.corp.local", "service was installed on srv3"]) { b in
        b.add(0, .privilege, host: "srv2.corp.local", user: "CORP\\eve", target: "CORP\\admin2", signature: "4648", domain: "srv3.corp.local")
        b.add(40, .generic, host: "srv3.corp.local", user: "CORP\\admin2", command: "C:\\Windows\\x.exe", signature: "4697", service: "x")
    },
    DetectorCase(name: "4648, then psexec on the source", rule: "win.explicit_then_exec", count: 1, why: ["psexec"]) { b in
        b.add(0, .privilege, host: "srv2", user: "CORP\\eve", target: "CORP\\admin2", signature: "4648", domain: "srv3")
        b.add(5, .command, host: "srv2", user: "CORP\\eve", command: "psexec.exe \\\\srv3 cmd.exe", signature: "4688")
    },
    DetectorCase(name: "4648 toward srv3, a service elsewhere and an hour later", rule: "win.explicit_then_exec", count: 0) { b in
        b.add(0, .privilege, host: "srv2", user: "CORP\\eve", target: "CORP\\admin2", signature: "4648", domain: "srv3")
        b.add(40, .generic, host: "srv4", command: "C:\\Windows\\x.exe", signature: "4697", service: "x")
        b.add(3_600, .generic, host: "srv3", command: "C:\\Windows\\x.exe", signature: "4697", service: "x")
    },
]
