import DwellAnalysis
import DwellCore
import DwellIndex

/// An indicator of the attacker, as iocs.txt, iocs.stix.json and sigma/ export it.
public struct AttackerIndicator: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable, Comparable {
        case address, account
        case userAgent = "user-agent"
        case webShell = "web-shell"
        case url, domain, hash

        public static func < (a: Kind, b: Kind) -> Bool {
            allCases.firstIndex(of: a) ?? 0 < allCases.firstIndex(of: b) ?? 0
        }

        /// A short human label (`attacker address`).
        public var label: String {
            switch self {
            case .address: "attacker address"
            case .account: "account used or created by the attacker"
            case .userAgent: "attacker user agent"
            case .webShell: "web shell path"
            case .url: "path requested by the attacker"
            case .domain: "attacker domain"
            case .hash: "file hash"
            }
        }
    }

    public var kind: Kind
    public var value: String
    public var firstSeen: Timestamp
    public var lastSeen: Timestamp
    public var count: Int
    /// Why it joined (from the correlation or the finding).
    public var reason: String
}

/// The attacker's indicators in one deterministic list: the investigation's indicators (addresses, accounts,
/// user agents, paths, domains, hashes; never victim hosts or commands) and the web shell paths of web-shell
/// findings whose address is the attacker's. Sorted by kind, then value; one entry per (kind, value).
public enum AttackerIndicators {
    public static func collect(_ inv: Investigation) -> [AttackerIndicator] {
        var byKey: [String: AttackerIndicator] = [:]
        func add(_ i: AttackerIndicator) {
            let key = i.kind.rawValue + "\u{0}" + i.value
            if var old = byKey[key] {
                old.firstSeen = min(old.firstSeen, i.firstSeen)
                old.lastSeen = max(old.lastSeen, i.lastSeen)
                old.count = max(old.count, i.count)
                byKey[key] = old
            } else {
                byKey[key] = i
            }
        }
        for s in inv.indicators + inv.sourceIPs + inv.accounts {
            let kind: AttackerIndicator.Kind
            switch s.type {
            case .ip: kind = .address
            case .user: kind = .account
            case .userAgent: kind = .userAgent
            case .path: kind = .url
            case .domain: kind = .domain
            case .hash: kind = .hash
            case .host, .command: continue
            }
            guard !s.value.isEmpty else { continue }
            add(
                AttackerIndicator(
                    kind: kind, value: s.value, firstSeen: s.firstSeen, lastSeen: s.lastSeen, count: s.count,
                    reason: s.reason))
        }
        let attackerIPs = Set(inv.sourceIPs.map(\.value))
        var shells: [String: (first: Timestamp, last: Timestamp, count: Int, why: String)] = [:]
        for f in inv.findings where f.isWebShell {
            guard f.indicators.values(.ip).contains(where: attackerIPs.contains) else { continue }
            for path in f.indicators.values(.path) {
                guard !path.isEmpty else { continue }
                let last = f.lastTime ?? f.time
                if let s = shells[path] {
                    shells[path] = (min(s.first, f.time), max(s.last, last), s.count + f.count, s.why)
                } else {
                    shells[path] = (f.time, last, f.count, "web shell: \(f.why)")
                }
            }
        }
        for (path, s) in shells {
            add(
                AttackerIndicator(
                    kind: .webShell, value: path, firstSeen: s.first, lastSeen: s.last, count: s.count,
                    reason: s.why))
        }
        // A web shell path is reported once, as a web shell.
        for key in byKey.keys where byKey[key]?.kind == .url {
            if let v = byKey[key]?.value, shells[v] != nil { byKey[key] = nil }
        }
        return byKey.values.sorted { a, b in a.kind != b.kind ? a.kind < b.kind : a.value < b.value }
    }
}

/// iocs.txt: one attacker indicator per line, in the forms `dwell sweep --iocs` and `dwell investigate --iocs`
/// read: bare IPv4/IPv6/CIDR and hashes, `user:NAME`, `ua:TEXT`, `url:/path`, `domain:NAME`; a note after ` # `.
///
/// `#` lines open the file (incident window, generator). A value that a line-based reader could not take back
/// exactly (control characters, line breaks, a tab, ` #` inside it, leading or trailing spaces) is not written as
/// an indicator: a comment says it was skipped and that iocs.stix.json carries it.
public enum IOCText {
    public static func render(_ input: ReportInput) -> [UInt8] {
        let inv = input.investigation
        var o =
            "# dwell \(input.toolVersion): indicators of the attacker (for dwell sweep --iocs, or any line-based matcher)\n"
        if let a = inv.firstSeen, let b = inv.lastSeen {
            o += "# incident window: \(a.iso8601(fractionDigits: 0)) .. \(b.iso8601(fractionDigits: 0))\n"
        } else {
            o += "# no attack window was found\n"
        }
        if let g = input.generated { o += "# generated: \(g.iso8601(fractionDigits: 0))\n" }
        o +=
            "# forms: address or CIDR, user:NAME, ua:TEXT, url:/path, domain:NAME, hash; a note follows ' # '\n"
        for i in AttackerIndicators.collect(inv) {
            let note =
                "\(i.kind.label), seen \(i.count)x \(i.firstSeen.iso8601(fractionDigits: 0))..\(i.lastSeen.iso8601(fractionDigits: 0))"
            guard representable(i.value) else {
                o +=
                    "# skipped: \(i.kind.label) that cannot be written on one line"
                    + " (control characters, bytes that are not UTF-8, a tab, ' #' or edge spaces); see iocs.stix.json\n"
                continue
            }
            let entry: String
            switch i.kind {
            case .address, .hash: entry = i.value
            case .account: entry = "user:" + i.value
            case .userAgent: entry = "ua:" + i.value
            case .webShell, .url: entry = "url:" + i.value
            case .domain: entry = "domain:" + i.value
            }
            o += entry + " # " + sanitizeNote(note) + "\n"
        }
        return Array(o.utf8)
    }

    /// Whether a line-based reader gets exactly this value back.
    static func representable(_ v: String) -> Bool {
        guard !v.isEmpty, v.first != " ", v.last != " ", !v.contains(" #") else { return false }
        for s in v.unicodeScalars {
            switch s.value {
            case 0..<0x20, 0x7f, 0x80..<0xa0, 0x2028, 0x2029, 0x202a...0x202e, 0x2066...0x2069:
                return false
            default: continue
            }
        }
        return !v.contains("\\x")  // bytes that were not UTF-8 (shown as \xNN) are not the value itself
    }

    static func sanitizeNote(_ s: String) -> String {
        TerminalText.safe(s)
    }
}
