import Foundation

/// An IANA zone from the system's zone database, with the offset cached per local hour.
/// One instance per file (it is not shared between tasks).
public final class NamedZoneRule: ZoneRule {
    public let name: String
    let zone: TimeZone
    var cachedHour: Int64 = .min
    var cachedOffset = 0

    public init?(identifier: String) {
        guard let z = TimeZone(identifier: identifier) else { return nil }
        zone = z
        name = identifier
    }

    public func offsetSeconds(forLocalMicroseconds local: Int64) -> Int {
        let hour = local >= 0 ? local / 3_600_000_000 : (local - 3_599_999_999) / 3_600_000_000
        if hour == cachedHour { return cachedOffset }
        let localSeconds = Double(local / 1_000_000)
        // The offset at (local - offset) must reproduce the offset: two rounds settle it except in the DST gap.
        var offset = zone.secondsFromGMT(for: Date(timeIntervalSince1970: localSeconds))
        offset = zone.secondsFromGMT(for: Date(timeIntervalSince1970: localSeconds - Double(offset)))
        cachedHour = hour
        cachedOffset = offset
        return offset
    }
}

/// `--tz` settings: a default zone and per-path overrides (`web01/*=America/New_York`).
public struct ZoneSettings: Sendable {
    public struct Override: Sendable {
        public var pattern: String
        public var zoneSpec: String
    }

    public var defaultSpec: String?
    public var overrides: [Override] = []

    public init() {}

    /// Parses `--tz` values: `ZONE` sets the default; `PATTERN=ZONE` applies ZONE to files whose path
    /// (relative to the input root) matches the glob PATTERN, or contains PATTERN as a path segment prefix.
    public init(values: [String]) throws(ZoneError) {
        for v in values {
            if let eq = v.lastIndex(of: "=") {
                let pattern = String(v[..<eq])
                let spec = String(v[v.index(after: eq)...])
                guard ZoneSettings.zone(spec) != nil else { throw ZoneError.unknownZone(spec) }
                overrides.append(Override(pattern: pattern, zoneSpec: spec))
            } else {
                guard ZoneSettings.zone(v) != nil else { throw ZoneError.unknownZone(v) }
                defaultSpec = v
            }
        }
    }

    /// The zone for a file, and whether it was given by the user.
    public func zone(forPath path: String) -> (LocalZone, TimeSource.Zone) {
        for o in overrides.reversed() where Glob.matches(pattern: o.pattern, path: path) {
            if let z = ZoneSettings.zone(o.zoneSpec) { return (z, .user) }
        }
        if let d = defaultSpec, let z = ZoneSettings.zone(d) { return (z, .user) }
        return (.utc, .assumedUTC)
    }

    /// `UTC`, `Z`, `+01:00`, `-0500`, or an IANA name such as `Europe/Berlin`.
    public static func zone(_ spec: String) -> LocalZone? {
        let s = spec.trimmingCharacters(in: .whitespaces)
        if s == "UTC" || s == "Z" || s == "GMT" { return .utc }
        if let first = s.first, first == "+" || first == "-" {
            let digits = s.dropFirst().filter { $0 != ":" }
            guard digits.count == 4 || digits.count == 2, digits.allSatisfy(\.isNumber),
                let v = Int(digits)
            else { return nil }
            let h = digits.count == 4 ? v / 100 : v
            let m = digits.count == 4 ? v % 100 : 0
            guard h <= 14, m < 60 else { return nil }
            let sign = first == "-" ? -1 : 1
            return LocalZone(fixedOffsetSeconds: sign * (h * 3600 + m * 60))
        }
        guard let rule = NamedZoneRule(identifier: s) else { return nil }
        return LocalZone(rule: rule)
    }
}

public enum ZoneError: Error, CustomStringConvertible {
    case unknownZone(String)
    public var description: String {
        switch self {
        case .unknownZone(let z):
            "unknown time zone '\(z)': give an IANA name (Europe/Berlin), UTC, or an offset like +01:00"
        }
    }
}

/// Shell-style globs on relative paths: `*` within a segment, `**` across segments, `?` one character.
/// A pattern without wildcards matches a path that starts with it as whole segments (`web01` matches `web01/...`).
public enum Glob {
    public static func matches(pattern: String, path: String) -> Bool {
        if !pattern.contains(where: { "*?[".contains($0) }) {
            let p = pattern.hasSuffix("/") ? String(pattern.dropLast()) : pattern
            return path == p || path.hasPrefix(p + "/") || path.contains("/" + p + "/")
        }
        return fnmatch(pattern, path, 0) == 0 || fnmatch("*/" + pattern, path, 0) == 0
    }
}
