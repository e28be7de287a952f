import DwellCore

/// What an indicator of compromise names, and so which normalised event fields it is compared with.
public enum IOCType: String, Sendable, CaseIterable {
    /// An address or a CIDR range: source/destination IP, `X-Forwarded-For` entries.
    case ip
    /// An account name, exact (case-sensitive): user, target user.
    case user
    /// A host that writes logs (`web01`), case-insensitive: the event's host (or its short name).
    case host
    /// A DNS name, case-insensitive; subdomains match their parent: DNS query, TLS SNI, HTTP Host.
    case domain
    /// A URL path (`/uploads/shell.php`) or a full URL: exact, or prefix (`/uploads/*`, `/uploads/`).
    case url
    /// A user agent: exact, prefix (`sqlmap*`) or substring (`*sqlmap*`).
    case userAgent = "user_agent"
    /// An MD5, SHA-1 or SHA-256 (hex): file hashes of sensors, and anywhere in the raw line.
    case hash
}

/// How a text indicator compares.
public enum MatchMode: String, Sendable {
    case exact
    case prefix
    case substring
}

/// One comparison: a type and a value, normalised for matching.
public struct IOCAtom: Hashable, Sendable {
    public var type: IOCType
    /// The value as matched: canonical IP/CIDR text, lower-cased domain/host/hash, the path without `*`.
    public var value: String
    public var mode: MatchMode
    /// For `ip`: the range (a single address is a /128 in the 128-bit form).
    public var network: IPNetwork?
    /// For a full URL (`http://evil.example/x.php`): its host, compared with the event's virtual host when the
    /// event has one.
    public var urlHost: String?

    public init(type: IOCType, value: String, mode: MatchMode = .exact, network: IPNetwork? = nil, urlHost: String? = nil) {
        self.type = type
        self.value = value
        self.mode = mode
        self.network = network
        self.urlHost = urlHost
    }

    /// `ip:203.0.113.0/24`, `url:/uploads/*`, `ua:*sqlmap*`.
    public var text: String {
        let prefix = type == .userAgent ? "ua" : type.rawValue
        var v = value
        if type == .url, let h = urlHost { v = "//" + h + v }
        switch mode {
        case .exact: break
        case .prefix: v += "*"
        case .substring: v = "*" + v + "*"
        }
        return prefix + ":" + v
    }
}

/// Where an indicator was written: the IOC list and a line in it, and for JSON lists the object's id or path.
public struct IOCOrigin: Hashable, Sendable, CustomStringConvertible {
    public var file: String
    /// 1-based line in the list (for JSON: the line where the object's id or value appears), when known.
    public var line: Int?
    /// STIX `indicator--…` id, MISP attribute uuid, or a JSON path (`indicators[3]`).
    public var ref: String?

    public init(file: String, line: Int? = nil, ref: String? = nil) {
        self.file = file
        self.line = line
        self.ref = ref
    }

    public var description: String {
        var s = file
        if let line { s += ":\(line)" }
        if let ref { s += " (\(ref))" }
        return s
    }
}

/// One indicator as the list gives it: comparisons that must all hold for the same event (one, usually;
/// several for a STIX pattern with `AND`).
public struct IOCRule: Sendable {
    // Stored as the first atom inline and the others in an array (empty for nearly every rule, so no allocation),
    // and the display text only when it is not the atom's: 100,000 rules stay small.
    public var first: IOCAtom
    var others: [IOCAtom]
    var pattern: String?
    public var origin: IOCOrigin
    /// A note from the list (after ` #` or a tab, the CSV note column, a STIX name/description).
    public var note: String?

    /// - Parameter atoms: at least one.
    public init(atoms: [IOCAtom], text: String? = nil, origin: IOCOrigin, note: String? = nil) {
        first = atoms.first ?? IOCAtom(type: .user, value: "")
        others = Array(atoms.dropFirst())
        pattern = atoms.count == 1 && (text == nil || text == first.text) ? nil : text
        self.origin = origin
        self.note = note
    }

    /// The comparisons that must all hold for the same event.
    public var atoms: [IOCAtom] { [first] + others }
    public var atomCount: Int { 1 + others.count }

    /// As shown in hits: `ip:203.0.113.9`, or the STIX pattern.
    public var text: String { pattern ?? first.text }

    /// The type shown in hits: the atom's, or `pattern` for a conjunction.
    public var typeName: String { others.isEmpty ? first.type.rawValue : "pattern" }
}

/// A problem with one indicator or list, with its place: what is wrong and what to do.
public struct IOCProblem: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The indicator cannot be read (a typo, an unknown type): an error unless `--lenient`.
        case malformed
        /// Well formed, but dwell cannot match it (a STIX operator or object it does not support). Reported, never
        /// silently dropped; the sweep goes on.
        case unsupported
        /// Deliberately not used (a revoked STIX indicator). Reported.
        case skipped
        /// The list as a whole cannot be read (missing, not JSON, no indicators).
        case unreadable
    }

    public var kind: Kind
    public var origin: IOCOrigin
    public var message: String

    public init(_ kind: Kind, _ origin: IOCOrigin, _ message: String) {
        self.kind = kind
        self.origin = origin
        self.message = message
    }

    public var description: String { "\(origin): \(kind.rawValue): \(message)" }
}
