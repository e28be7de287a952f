/// Where a fleet scenario's logs land.
public enum FleetLayout: String, Sendable, CaseIterable {
    /// One collector: `auth.log*` with every host's lines, `access.log*` for the whole web tier (no host name in
    /// the line) and one Zeek `conn.log*` for the whole network, all rotated daily.
    case central
    /// A disk image per host: `HOST/var/log/auth.log*`, `HOST/var/log/nginx/access.log*`, and the sensor's
    /// hourly Zeek logs in `sensor/zeek/DAY/`.
    case image
}

/// The intrusion a fleet scenario tells.
public enum FleetStoryKind: String, Sendable, CaseIterable {
    /// ssh brute force from the Internet against the jump host, success on a weak account, hops onward.
    case sshJump = "ssh-jump"
    /// Web exploit and web shell on one web server, stolen credentials, a password hop, a stolen-key hop,
    /// exfiltration to a second address.
    case webExfil = "web-exfil"
    /// A real employee's password used from the Internet with no guessing at all, at night; hops with the
    /// employee's own key and password, a backdoor account, exfiltration to a second address.
    case stolenCredential = "stolen-cred"
    /// Web shell on a Linux web server, a domain password in its configuration, WinRM into a Windows terminal
    /// server, explicit credentials and RDP onward to a Windows database server, a service and a local
    /// administrator there, exfiltration to a second address. The fleet gains the Windows servers `ts01` and
    /// `sql01`, and every Windows server exports its event logs as JSON lines.
    case webToWindows = "web-to-windows"

    /// Whether the story's fleet runs Windows servers that export their event logs.
    public var hasWindowsLogs: Bool { self == .webToWindows }
}

/// What to generate for a fleet scenario (`dwell-scenario --story NAME`).
public struct FleetOptions: Sendable, Equatable {
    public var seed: UInt64
    /// The scenario folder is `outputDirectory/name`; `nil` counts bytes without writing.
    public var outputDirectory: String?
    public var name: String
    public var story: FleetStoryKind
    public var layout: FleetLayout
    /// Number of hosts (at least 12): the jump host, web, app and db tiers, CI, configuration management,
    /// backup, monitoring, DNS and Windows servers.
    public var hosts: Int
    public var days: Int
    /// Multiplies the volume-bearing background (Internet noise, web visitors, DNS). The hostile background
    /// keeps a floor, so it is busy at any scale.
    public var backgroundScale: Double
    /// When set, `backgroundScale` is chosen so that the uncompressed text comes to about this many bytes.
    public var targetBytes: Int64?
    /// Midnight UTC of the first day.
    public var start: Micros
    public var gzipLevel: Int32
    /// `false` writes the same fleet and background with no intrusion: a benign-only week (the hostile
    /// background stays: it is what every exposed service gets), for checking that nothing is called an attack.
    public var attack: Bool
    /// Which Linux hosts of an `image` layout keep their auth history in the systemd journal (no auth.log).
    public var journald: FleetJournald

    public init(
        seed: UInt64, outputDirectory: String?, name: String = "incident", story: FleetStoryKind,
        layout: FleetLayout = .central, hosts: Int = 20, days: Int = 7, backgroundScale: Double = 1,
        targetBytes: Int64? = nil, start: Micros = Calendar0.micros(year: 2026, month: 3, day: 9),
        gzipLevel: Int32 = 6, attack: Bool = true, journald: FleetJournald = .none
    ) {
        self.attack = attack
        self.journald = journald
        self.seed = seed
        self.outputDirectory = outputDirectory
        self.name = name
        self.story = story
        self.layout = layout
        self.hosts = hosts
        self.days = days
        self.backgroundScale = backgroundScale
        self.targetBytes = targetBytes
        self.start = start
        self.gzipLevel = gzipLevel
    }

    public var truthPath: String? { outputDirectory.map { $0 + "/" + name + ".truth.json" } }
}

/// What a fleet host is for.
enum FleetRole: Sendable, Equatable {
    case jump, web, app, db, ci, config, backup, monitoring, dns, windows
}

/// One machine of the fleet.
struct FleetHost: Sendable {
    var name: String
    var nameBytes: [UInt8]
    var address: IPv4
    var role: FleetRole
    /// Linux hosts keep an auth.log; Windows servers appear in the sensor's flows and, when the fleet's
    /// `windowsLogs` is set, in their event log exports.
    var isLinux: Bool { role != .windows }
}

/// A person with an account on every Linux host (directory-backed uids).
struct FleetUser: Sendable {
    var name: String
    var uid: Int
    var isAdmin: Bool
    /// The VPN address the person's laptop gets (stable over the week).
    var vpnAddress: IPv4
    /// Hosts the person usually reaches from the jump host.
    var usualTargets: [Int]
    var prefersKey: Bool
}

/// The hosts, people and service accounts of one fleet scenario.
struct Fleet: Sendable {
    var hosts: [FleetHost]
    var users: [FleetUser]
    var jump: Int
    var webs: [Int]
    var apps: [Int]
    var dbs: [Int]
    var ci: Int
    var config: Int
    var backup: Int
    var monitoring: Int
    var dns: Int
    var windows: [Int]
    /// An account that exists everywhere, with a weak password, that nobody uses (ssh-jump's way in).
    var weakAccount: String
    var linuxHosts: [Int]
    /// Whether the Windows servers export their event logs (and the fleet has `ts01` and `sql01`).
    var windowsLogs = false
    /// Domain workstations (no logs of their own): their names and addresses, sources of domain logons.
    var workstations: [(name: String, address: IPv4)] = []

    static let serviceUIDs: [String: Int] = [
        "deploy": 1500, "ci": 1501, "dbsync": 1502, "ansible": 1503, "shopapp": 1504, "www-data": 33, "root": 0,
    ]
    static let weakCandidates = ["support", "test", "training", "guest", "temp", "helpdesk"]
    static let peopleNames = [
        "akoch", "bmeyer", "cwagner", "dschulz", "ebecker", "fhoffmann", "gschaefer", "hkrause", "ilang", "jweber",
        "kfischer", "lrichter", "mklein", "nwolf", "oneumann", "pschwarz", "qzimmer", "rbraun", "shartmann",
        "tlange", "uwerner", "vkrueger", "wfuchs", "xpeters", "yscholz", "zjung", "amoeller", "bhahn", "ckeller",
        "dvogel", "efranke", "fberger", "gkaiser", "hlehmann", "ischmitt", "jroth", "kbauer", "lhuber", "mseidel",
        "nbrandt", "ovoigt", "pernst", "rwinter", "sotto", "tsommer", "ukuhn",
    ]

    func uid(_ account: String) -> Int {
        if let u = Fleet.serviceUIDs[account] { return u }
        if let u = users.first(where: { $0.name == account }) { return u.uid }
        if account == weakAccount { return 1090 }
        return 1600 + Int(Identifiers.fnv(account) % 300)
    }

    func host(named name: String) -> Int? { hosts.firstIndex { $0.name == name } }

    static func make(hostCount: Int, seed: UInt64, windowsLogs: Bool = false) -> Fleet {
        var r = ScenarioRandom(seed, 0xF1EE7)
        var hosts: [FleetHost] = []
        func add(_ name: String, _ address: IPv4, _ role: FleetRole) -> Int {
            hosts.append(FleetHost(name: name, nameBytes: Array(name.utf8), address: address, role: role))
            return hosts.count - 1
        }
        let jump = add("bastion01", IPv4(10, 0, 0, 5), .jump)
        let dns = add("dns01", IPv4(10, 0, 0, 2), .dns)
        let monitoring = add("mon01", IPv4(10, 0, 0, 9), .monitoring)
        let ci = add("ci01", IPv4(10, 0, 4, 10), .ci)
        let config = add("cfg01", IPv4(10, 0, 4, 20), .config)
        let backup = add("backup01", IPv4(10, 0, 5, 10), .backup)
        var windows = [add("dc01", IPv4(10, 0, 6, 10), .windows)]
        let tiers = max(5, hostCount - hosts.count - (hostCount >= 20 ? 1 : 0))
        if hostCount >= 20 { windows.append(add("fs01", IPv4(10, 0, 6, 11), .windows)) }
        let webCount = max(2, tiers * 30 / 100)
        let dbCount = max(1, tiers * 25 / 100)
        let appCount = max(2, tiers - webCount - dbCount)
        let webs = (0..<webCount).map { add("web0\($0 + 1)", IPv4(10, 0, 1, 11 + $0), .web) }
        let apps = (0..<appCount).map { add("app0\($0 + 1)", IPv4(10, 0, 2, 21 + $0), .app) }
        let dbs = (0..<dbCount).map { add("db0\($0 + 1)", IPv4(10, 0, 3, 31 + $0), .db) }
        let internalHosts = webs + apps + dbs
        let weak = r.pick(weakCandidates)
        let peopleCount = 36 + r.int(0...8)
        var users: [FleetUser] = []
        for i in 0..<peopleCount {
            var targets: [Int] = []
            for _ in 0..<r.int(1...4) {
                let t = r.pick(internalHosts)
                if !targets.contains(t) { targets.append(t) }
            }
            users.append(
                FleetUser(
                    name: peopleNames[i], uid: 1001 + i, isAdmin: i < 10, vpnAddress: IPv4(10, 8, 0, 10 + i),
                    usualTargets: targets, prefersKey: r.chance(0.7)))
        }
        var workstations: [(name: String, address: IPv4)] = []
        if windowsLogs {
            // After everything drawn from the random stream: the other stories' fleets stay as they were.
            windows.append(add("ts01", IPv4(10, 0, 6, 20), .windows))
            windows.append(add("sql01", IPv4(10, 0, 6, 30), .windows))
            workstations = (0..<40).map { ("WKS\($0 + 101)", IPv4(10, 0, 7, 20 + $0)) }
        }
        var fleet = Fleet(
            hosts: hosts, users: users, jump: jump, webs: webs, apps: apps, dbs: dbs, ci: ci, config: config,
            backup: backup, monitoring: monitoring, dns: dns, windows: windows, weakAccount: weak,
            linuxHosts: hosts.indices.filter { hosts[$0].isLinux })
        fleet.windowsLogs = windowsLogs
        fleet.workstations = workstations
        return fleet
    }
}

/// Public addresses of the Internet: the background's and the attacker's, from one generator so that
/// nothing about an address tells which it is.
enum InternetAddress {
    static func random(_ r: inout ScenarioRandom) -> IPv4 {
        while true {
            let a = r.int(1...223)
            if [10, 100, 127, 169, 172, 192, 198, 203].contains(a) { continue }
            return IPv4(a, r.int(0...255), r.int(0...255), r.int(1...254))
        }
    }
}
