/// The family of a rule, named by the first part of its id (`auth.`, `web.`, `net.`, `win.`, `priv.`, `persist.`,
/// `ids.`, `integrity.`, `sigma.`): which evidence it reads. Read from the id once, when a `RuleID` is made; code that
/// treats a family alike (an internal source of an `auth.` finding still seeds) switches on `RuleID.family`.
public enum RuleFamily: String, Sendable, Hashable, CaseIterable {
    case auth, web, network, windows, privilege, persistence, ids, integrity, sigma, other

    public init(ruleID: String) {
        switch ruleID.split(separator: ".", maxSplits: 1).first ?? "" {
        case "auth": self = .auth
        case "web": self = .web
        case "net": self = .network
        case "win": self = .windows
        case "priv": self = .privilege
        case "persist": self = .persistence
        case "ids": self = .ids
        case "integrity": self = .integrity
        case "sigma": self = .sigma
        default: self = .other
        }
    }
}

/// What a rule's ATT&CK technique asks of the responder (the next steps of the reports). The technique id is read
/// here, once, when a `RuleID` is made; renderers switch on `RuleID.meaning`.
public enum TechniqueMeaning: Sendable, Hashable {
    /// T1136: an account was created (disable it, then delete it once the host is imaged).
    case accountCreated
    /// T1098: an account was changed (undo it).
    case accountChanged
    /// T1048, T1041, T1567, T1030, T1537: data left the network.
    case exfiltration
    /// T1505: server software was given a component (a web shell: remove it).
    case serverComponent
    /// T1190: a public-facing application was exploited (fix it, when the finding is high or above).
    case publicExploit
    case other

    static let exfiltrationTechniques = ["T1048", "T1041", "T1567", "T1030", "T1537"]

    public init(technique: String) {
        func starts(_ id: String) -> Bool { technique.hasPrefix(id) }
        if starts("T1136") {
            self = .accountCreated
        } else if starts("T1098") {
            self = .accountChanged
        } else if Self.exfiltrationTechniques.contains(where: starts) {
            self = .exfiltration
        } else if starts("T1505") {
            self = .serverComponent
        } else if starts("T1190") {
            self = .publicExploit
        } else {
            self = .other
        }
    }
}

extension Finding {
    /// The family of the finding's rule.
    public var family: RuleFamily { rule.family }
    /// What the finding's rule's technique asks of the responder.
    public var meaning: TechniqueMeaning { rule.meaning }
}

/// A caveat of the report: a sentence on what limits the findings, and what kind of limit it is, so that the
/// renderers order and pick caveats by kind, never by their text.
public struct Caveat: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringInterpolation {
    public enum Kind: Sendable, Hashable {
        /// A log-integrity finding (a gap, a log that ends early) in full, with the lines either side.
        case logIntegrity
        /// The log-integrity findings outside the window beyond those in full, summed up.
        case logIntegritySummary
        /// An address learned for a host, or claimed by several.
        case hostAddress
        /// Anything else: unreadable or inferred input, stdin, the inside/outside basis, a case's missing lines.
        case note
    }

    public var kind: Kind
    public var text: String

    public init(_ kind: Kind, _ text: String) {
        self.kind = kind
        self.text = text
    }

    /// A caveat written as text is a note.
    public init(stringLiteral text: String) { self.init(.note, text) }
    public init(stringInterpolation: DefaultStringInterpolation) { self.init(.note, String(stringInterpolation: stringInterpolation)) }

    public var description: String { text }
}

/// The rule ids that analysis and the reports single out, spelled once (compared with `RuleID.name`).
public enum RuleIDs {
    public static let webShell = "web.webshell"
    public static let exploitSuccess = "web.exploit_success"
    public static let largeOutbound = "net.large_outbound"
}

extension Finding {
    /// Whether this is the web-shell rule's finding (its paths are web shells: iocs.txt lists them as such).
    public var isWebShell: Bool { rule.name == RuleIDs.webShell }
}
