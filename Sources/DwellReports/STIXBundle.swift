import Crypto
import DwellAnalysis
import DwellCore
import DwellIndex

/// Name-based UUIDs (RFC 9562 version 5: SHA-1 of a namespace and a name), so ids are stable across runs.
public enum UUIDv5 {
    /// RFC 9562's URL namespace, `6ba7b811-9dad-11d1-80b4-00c04fd430c8`.
    static let urlNamespace: [UInt8] = [
        0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8,
    ]

    /// dwell's namespace: the version-5 UUID of the URL `https://dwell.invalid/ns` in the URL namespace.
    public static let dwellNamespace: [UInt8] = bytes(
        namespace: urlNamespace, name: "https://dwell.invalid/ns")

    /// The UUID of `name` in `namespace` (default dwell's), lower-case with hyphens.
    public static func string(_ name: String, namespace: [UInt8] = dwellNamespace) -> String {
        format(bytes(namespace: namespace, name: name))
    }

    static func bytes(namespace: [UInt8], name: String) -> [UInt8] {
        var h = Insecure.SHA1()
        h.update(data: namespace)
        h.update(data: Array(name.utf8))
        var b = Array(h.finalize().prefix(16))
        b[6] = (b[6] & 0x0f) | 0x50  // version 5
        b[8] = (b[8] & 0x3f) | 0x80  // RFC variant
        return b
    }

    static func format(_ b: [UInt8]) -> String {
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(36)
        for (i, byte) in b.enumerated() {
            if i == 4 || i == 6 || i == 8 || i == 10 { out.append(UInt8(ascii: "-")) }
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0xf)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// iocs.stix.json: a STIX 2.1 bundle with one `identity` (dwell) and one `indicator` per attacker indicator.
///
/// - Ids are `indicator--<UUIDv5 of the pattern>` (stable across runs and machines); the identity's id is fixed.
/// - `valid_from` is the indicator's first sighting; `created`/`modified` are the report's `generated` time, or the
///   attack's last-seen time when it is not set, so the same evidence gives the same bytes.
/// - Patterns (what `dwell sweep` reads back): `[ipv4-addr:value = '203.0.113.9']` (a CIDR as the value),
///   `[ipv6-addr:value = '…']`, `[user-account:user_id = 'deploy']`, `[url:value = '/uploads/shell.php']`,
///   `[domain-name:value = 'evil.example']`,
///   `[network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = 'sqlmap/1.5']`,
///   `[file:hashes.'SHA-256' = '…']` (also `MD5`, `'SHA-1'`). String literals escape `\` and `'`.
public enum STIXBundle {
    public static let identityID = "identity--" + UUIDv5.string("stix:identity:dwell")

    public static func render(_ input: ReportInput) -> [UInt8] {
        let inv = input.investigation
        let indicators = AttackerIndicators.collect(inv)
        let stamp =
            input.generated ?? inv.lastSeen ?? indicators.map(\.lastSeen).max() ?? Timestamp.zero
        var objects: [(pattern: String, item: AttackerIndicator)] = []
        for i in indicators {
            guard let p = pattern(i) else { continue }
            objects.append((p, i))
        }
        objects.sort { $0.pattern < $1.pattern }
        let bundleName = "stix:bundle:" + objects.map(\.pattern).joined(separator: "\n")

        var j = JSONBuffer(capacity: 4096 + 512 * objects.count)
        j.beginObject()
        j.key("type")
        j.string("bundle")
        j.key("id")
        j.string("bundle--" + UUIDv5.string(bundleName))
        j.key("objects")
        j.beginArray()
        j.beginObject()
        j.key("type")
        j.string("identity")
        j.key("spec_version")
        j.string("2.1")
        j.key("id")
        j.string(identityID)
        j.key("created")
        time(stamp, &j)
        j.key("modified")
        time(stamp, &j)
        j.key("name")
        j.string("dwell")
        j.key("description")
        j.string(
            "dwell \(input.toolVersion), log and timeline forensics (indicators derived from evidence)")
        j.key("identity_class")
        j.string("system")
        j.endObject()
        for (p, i) in objects {
            j.beginObject()
            j.key("type")
            j.string("indicator")
            j.key("spec_version")
            j.string("2.1")
            j.key("id")
            j.string(indicatorID(pattern: p))
            j.key("created_by_ref")
            j.string(identityID)
            j.key("created")
            time(stamp, &j)
            j.key("modified")
            time(stamp, &j)
            j.key("name")
            j.string("\(i.kind.label): \(i.value)")
            j.key("description")
            j.string(
                "\(i.reason); seen \(i.count) time\(i.count == 1 ? "" : "s") from \(i.firstSeen.iso8601(fractionDigits: 0)) to \(i.lastSeen.iso8601(fractionDigits: 0))"
            )
            j.key("indicator_types")
            j.beginArray()
            j.string(i.kind == .account ? "compromised" : "malicious-activity")
            j.endArray()
            j.key("pattern")
            j.string(p)
            j.key("pattern_type")
            j.string("stix")
            j.key("pattern_version")
            j.string("2.1")
            j.key("valid_from")
            time(i.firstSeen, &j)
            j.key("labels")
            j.beginArray()
            j.string("dwell")
            j.string(i.kind.rawValue)
            j.endArray()
            j.endObject()
        }
        j.endArray()
        j.endObject()
        j.newline()
        return j.bytes
    }

    public static func indicatorID(pattern: String) -> String {
        "indicator--" + UUIDv5.string("stix:indicator:" + pattern)
    }

    /// The STIX pattern of one indicator, or nil for kinds STIX patterns here do not cover (commands).
    public static func pattern(_ i: AttackerIndicator) -> String? {
        let v = literal(i.value)
        switch i.kind {
        case .address:
            return i.value.contains(":") ? "[ipv6-addr:value = \(v)]" : "[ipv4-addr:value = \(v)]"
        case .account: return "[user-account:user_id = \(v)]"
        case .url, .webShell: return "[url:value = \(v)]"
        case .domain: return "[domain-name:value = \(v)]"
        case .userAgent:
            return "[network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = \(v)]"
        case .hash:
            switch i.value.utf8.count {
            case 32: return "[file:hashes.MD5 = \(v)]"
            case 40: return "[file:hashes.'SHA-1' = \(v)]"
            case 64: return "[file:hashes.'SHA-256' = \(v)]"
            default: return nil
            }
        }
    }

    /// A STIX pattern string literal: `'…'` with `\` → `\\` and `'` → `\'`.
    public static func literal(_ s: String) -> String {
        var out = "'"
        for ch in s.unicodeScalars {
            switch ch {
            case "\\": out += "\\\\"
            case "'": out += "\\'"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out + "'"
    }

    /// RFC 3339 UTC with millisecond precision (STIX requires at least milliseconds for created/modified).
    static func time(_ t: Timestamp, _ j: inout JSONBuffer) {
        j.time(t, fractionDigits: 3)
    }
}
