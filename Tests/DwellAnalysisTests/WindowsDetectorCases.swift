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
]
