import DwellCore
import DwellIndex

/// A place in the evidence behind a claim: file, line, and the raw line itself.
public struct EvidenceRef: Sendable, Hashable, Comparable {
    public var fileID: UInt32
    public var file: String
    public var line: UInt64
    public var offset: UInt64
    /// The raw line (filled from the evidence after analysis; renderers never read files).
    public var raw: [UInt8]
    public var time: Timestamp
    /// The cited event's position in the store the detectors read (nil when restored from a case or built from
    /// partials): the correlator and `timeline` find the event there without a time-range scan (`position(of:)`).
    /// Not part of equality, hashing or order.
    public var position: Int? = nil

    public static func < (a: EvidenceRef, b: EvidenceRef) -> Bool {
        (a.time, a.fileID, a.line) < (b.time, b.fileID, b.line)
    }

    public static func == (a: EvidenceRef, b: EvidenceRef) -> Bool {
        (a.fileID, a.file, a.line, a.offset, a.raw, a.time) == (b.fileID, b.file, b.line, b.offset, b.raw, b.time)
    }

    public func hash(into h: inout Hasher) {
        h.combine(fileID)
        h.combine(file)
        h.combine(line)
        h.combine(offset)
        h.combine(raw)
        h.combine(time)
    }
}

public enum Severity: Int, Sendable, Comparable, CaseIterable {
    case info = 0, low, medium, high, critical
    public static func < (a: Severity, b: Severity) -> Bool { a.rawValue < b.rawValue }
    public var name: String {
        switch self {
        case .info: "info"
        case .low: "low"
        case .medium: "medium"
        case .high: "high"
        case .critical: "critical"
        }
    }
}

/// One detector hit, with why it fired and the lines behind it.
public struct Finding: Sendable {
    /// The rule, typed: its family, technique and role (`RuleID`); its `name` is the id every output writes.
    public var rule: RuleID
    public var title: String
    public var technique: String
    public var severity: Severity
    public var time: Timestamp
    public var host: String
    /// Indicators involved, typed (written `ip:203.0.113.45`, `user:deploy`, `url:/uploads/shell.php`).
    public var indicators: [Indicator]
    /// Why: counts, window, threshold crossed.
    public var why: String
    public var evidence: [EvidenceRef]
    /// Whether this finding seeds the correlation when no seed is given.
    public var seeds: Bool
    /// What the finding shows of the intrusion: a compromise, an attempt, or context (see `FindingRole`).
    public var role: FindingRole = .attempt
    /// What follows if the finding is the intruder's: attacker addresses, hosts and accounts reached, hops.
    /// The correlator decides whether to accept them (a hop counts only from a host the attacker holds).
    public var implies: [Implication] = []
    /// How many hits of this rule, from this source on this host, the finding stands for (see
    /// `FindingAggregation`); `time` is the first, `lastTime` the last.
    public var count: Int = 1
    public var lastTime: Timestamp? = nil
}

/// What a finding is evidence of.
///
/// The window, scope and paths are built from compromise and from what follows from it; attempts that lead
/// nowhere are the hostile background of every exposed service, reported per source but never stretching the
/// window or entering the scope.
public enum FindingRole: String, Sendable, Hashable, CaseIterable {
    /// The attack succeeded here: a login accepted after guessing, a web shell answering commands, a beacon from
    /// an internal host, a lateral login, exfiltration, a critical IDS alert.
    case compromise
    /// An attack attempt whose success the finding does not show: scans, guessing, exploit probes answered with
    /// errors. Background unless the correlation ties its source to a compromise.
    case attempt
    /// Neither: informative (a new source for an account, a system account's login, a log gap).
    case context
}

/// A fact a finding implies about the intrusion, typed so the correlator never parses strings.
public enum Implication: Sendable, Hashable {
    /// An address of the attacker's infrastructure (the source of an exploit, the far end of a beacon).
    case attackerAddress(IPAddress)
    /// A host the attacker reached: by name when one is known, else by address.
    case compromisedHost(name: String?, address: IPAddress?)
    /// An account the attacker holds.
    case compromisedAccount(String)
    /// A hop from one host to another (addresses; names resolved by the host directory), with the account when the
    /// evidence names one and the protocol (`ssh`, `winrm`, `smb`, `rdp`, ...). Its time and evidence are the
    /// finding's.
    case lateral(from: IPAddress, to: IPAddress, account: String?, method: String)
}

/// Something in scope, and why it joined.
public struct ScopeItem: Sendable {
    /// What is in scope: the one indicator key (`type`, `value`) that findings, seeds and partial results use.
    public var indicator: Indicator
    public var reason: String
    public var firstSeen: Timestamp
    public var lastSeen: Timestamp
    public var count: Int
    public var evidence: EvidenceRef?

    public init(
        _ indicator: Indicator, reason: String, firstSeen: Timestamp, lastSeen: Timestamp, count: Int,
        evidence: EvidenceRef?
    ) {
        self.indicator = indicator
        self.reason = reason
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.count = count
        self.evidence = evidence
    }

    public init(
        type: IndicatorType, value: String, reason: String, firstSeen: Timestamp, lastSeen: Timestamp, count: Int,
        evidence: EvidenceRef?
    ) {
        self.init(
            Indicator(type, value), reason: reason, firstSeen: firstSeen, lastSeen: lastSeen, count: count,
            evidence: evidence)
    }

    /// The indicator's type and value.
    public var type: IndicatorType { indicator.type }
    public var value: String { indicator.value }

    /// The address, when this is an address (`type == .ip`).
    public var address: IPAddress? { indicator.address }
}

/// A hop of lateral movement: a successful login or remote-access connection from one host to another.
public struct LateralEdge: Sendable, Hashable {
    public var from: String
    public var to: String
    public var time: Timestamp
    public var account: String
    public var method: String
    public var evidence: EvidenceRef
    /// Other lines that record the same hop: the same logon seen twice (an RDP logon's RemoteConnectionManager 1149
    /// and its 4624 type 10, within `LateralEdge.sameLogonSeconds`), cited beside `evidence` rather than as a second hop.
    public var corroboration: [EvidenceRef] = []

    /// How far apart two records of one logon may be (1149 is written as the connection is authenticated, 4624
    /// when the session logs on).
    public static let sameLogonSeconds: Int64 = 5

    /// Whether a login from `from` to `to` as `account` by `method` at `time` is this hop seen again.
    public func isSameLogon(from: String, to: String, account: String, method: String, time: Timestamp) -> Bool {
        self.from == from && self.to == to && self.method == method
            && self.account.lowercased() == account.lowercased()
            && abs(self.time.microseconds - time.microseconds) <= Self.sameLogonSeconds * 1_000_000
    }
}

/// The phase an attacker event belongs to.
public enum Phase: String, Sendable {
    case reconnaissance, initialAccess = "initial-access", execution, credentialAccess = "credential-access"
    case privilegeEscalation = "privilege-escalation", persistence, lateralMovement = "lateral-movement"
    case collection, exfiltration, commandAndControl = "command-and-control", activity
}

public struct TimelineEntry: Sendable {
    public var time: Timestamp
    public var host: String
    public var phase: Phase
    public var kind: String
    public var summary: String
    public var evidence: EvidenceRef
}

public struct HostScope: Sendable {
    public var host: String
    public var addresses: [String]
    public var firstCompromise: Timestamp
    public var lastActivity: Timestamp
    public var reason: String
    public var evidence: EvidenceRef?
}

/// The result of an investigation: a plain value that renderers turn into reports.
public struct Investigation: Sendable {
    public var firstSeen: Timestamp?
    public var lastSeen: Timestamp?
    public var firstEvidence: EvidenceRef?
    public var lastEvidence: EvidenceRef?
    public var entryPoints: [String] = []
    public var hosts: [HostScope] = []
    public var accounts: [ScopeItem] = []
    public var sourceIPs: [ScopeItem] = []
    public var dataTouched: [ScopeItem] = []
    public var edges: [LateralEdge] = []
    public var paths: [[LateralEdge]] = []
    public var timeline: [TimelineEntry] = []
    public var findings: [Finding] = []
    public var indicators: [ScopeItem] = []
    public var seeds: [String] = []
    public var growth: String = ""
    public var caveats: [Caveat] = []
    public var eventCount = 0
    /// Which host each address belonged to, and when (learned from the logs or given with `--hosts`).
    public var hostAddresses: [HostAddressBinding] = []
    /// Sources whose findings are attempts that led nowhere: the Internet's background, per address.
    public var background: [BackgroundSource] = [] {
        didSet { backgroundAddresses = Set(background.map(\.address)) }
    }
    /// The background's addresses, kept with it for O(1) look-ups.
    public private(set) var backgroundAddresses: Set<String> = []
    /// Logins from hosts the attacker held that are not the attacker's (benign users hopping through a
    /// compromised jump host): their accounts and targets are at risk, not in scope.
    public var atRisk: [AtRiskLogin] = []

    public init() {}

    public var durationSeconds: Int64? {
        guard let a = firstSeen, let b = lastSeen else { return nil }
        return b.seconds - a.seconds
    }

    public var severity: Severity { findings.map(\.severity).max() ?? .info }
}

extension EvidenceRef {
    /// The evidence of the event at store position `i` (the raw line is attached after analysis).
    init<S: EventColumns>(store: S, position i: Int, filePaths: [String]) {
        self.init(
            fileID: store.fileID[i], file: EvidenceFile.displayPath(Int(store.fileID[i]), in: filePaths),
            line: UInt64(store.line[i]),
            offset: store.offset[i], raw: [], time: store.timestamp(i), position: i)
    }
}

extension EventColumns {
    /// The position of the event an evidence reference cites: the position it carries when that is the same event
    /// (time, file and line) in this store, else the event at that time, file and line (a reference restored from a
    /// case, or cited from another store).
    /// - Complexity: O(1) with the position; otherwise O(log *n* + *k*) for *k* events in that microsecond.
    public func position(of e: EvidenceRef) -> Int? {
        if let p = e.position, p >= 0, p < count, time[p] == e.time.microseconds, fileID[p] == e.fileID,
            UInt64(line[p]) == e.line
        {
            return p
        }
        return range(from: e.time, to: Timestamp(microseconds: e.time.microseconds + 1)).first {
            fileID[$0] == e.fileID && UInt64(line[$0]) == e.line
        }
    }
}

/// One source address of hostile background: what it tried, when, and why it was judged background.
public struct BackgroundSource: Sendable {
    public var address: String
    /// Findings (after aggregation) and the hits they stand for.
    public var findings: Int
    public var hits: Int
    public var firstSeen: Timestamp
    public var lastSeen: Timestamp
    /// Rule ids it hit, with their hits, most first.
    public var rules: [(rule: RuleID, hits: Int)]
    public var highest: Severity
    public var reason: String
    public var evidence: EvidenceRef?
}

/// Logins from a compromised host that the evidence does not tie to the attacker, grouped by (from, account, to).
public struct AtRiskLogin: Sendable {
    public var from: String
    public var to: String
    public var account: String
    public var count: Int
    public var firstSeen: Timestamp
    public var lastSeen: Timestamp
    public var reason: String
    public var evidence: EvidenceRef
}

extension Investigation {
    /// Whether a finding belongs to the hostile background (its source was judged background).
    public func isBackground(_ f: Finding) -> Bool { isBackground(role: f.role, indicators: f.indicators) }

    /// The same from a finding's role and indicators (read in place, without copying the finding).
    public func isBackground(role: FindingRole, indicators: [Indicator]) -> Bool {
        // Context (a new source address for an account, a log gap) is never the hostile background's.
        guard !background.isEmpty, role != .context, let ind = indicators.first(.ip) else { return false }
        guard backgroundAddresses.contains(ind.value) else { return false }
        // A finding that also names an attacker address is the intrusion's (a transfer from a source in the
        // background to the attacker's server).
        return !indicators.contains { i in i.type == .ip && sourceIPs.contains { $0.value == i.value } }
    }

    /// Whether a finding is the intrusion's: it names an attacker address or a held host's address, or it is on a
    /// host in scope inside the attack window.
    public func isTied(_ f: Finding) -> Bool {
        if f.indicators.values(.ip).contains(where: { v in
            sourceIPs.contains { $0.value == v } || hosts.contains { $0.addresses.contains { $0 == v } }
        }) {
            return true
        }
        guard let first = firstSeen, let last = lastSeen, hosts.contains(where: { $0.host == f.host }) else { return false }
        return f.time >= first && f.time <= last
    }

    /// The findings tied to the intrusion.
    public var intrusionFindings: [Finding] { findings.filter { isTied($0) } }

    /// Findings neither tied to the intrusion nor background: context (routine administration, log gaps, ...).
    public var otherFindings: [Finding] { findings.filter { !isTied($0) && !isBackground($0) } }
}
