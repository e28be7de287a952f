import DwellCore
import DwellIndex

/// A starting indicator: given with `--seed`/`--iocs`, or taken from a high-severity finding.
public struct Seed: Sendable, Hashable {
    /// What the seed names: the one indicator key (`type`, `value`) that findings, the scope and partial results use.
    public var indicator: Indicator
    public var reason: String

    public init(_ indicator: Indicator, reason: String) {
        self.indicator = indicator
        self.reason = reason
    }

    public init(type: IndicatorType, value: String, reason: String) {
        self.init(Indicator(type, value), reason: reason)
    }

    /// The indicator's type and value.
    public var type: IndicatorType { indicator.type }
    public var value: String { indicator.value }

    /// `1.2.3.4`, `ip:1.2.3.4`, `user:alice`, `host:web01`, `ua:sqlmap`, `url:/x`, `domain:evil.example`.
    public init?(parsing text: String, reason: String = "given with --seed") {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard !t.isEmpty else { return nil }
        if let colon = t.firstIndex(of: ":"), IPAddress(t) == nil {
            let prefix = t[..<colon].lowercased()
            let value = String(t[t.index(after: colon)...])
            let map: [String: IndicatorType] = [
                "ip": .ip, "user": .user, "account": .user, "host": .host, "ua": .userAgent, "user_agent": .userAgent,
                "url": .path, "path": .path, "domain": .domain, "hash": .hash, "command": .command,
            ]
            guard let type = map[prefix], !value.isEmpty else { return nil }
            if type == .ip && IPAddress(value) == nil { return nil }
            self.init(type: type, value: value, reason: reason)
            return
        }
        if IPAddress(t) != nil {
            self.init(type: .ip, value: t, reason: reason)
            return
        }
        if t.count == 32 || t.count == 40 || t.count == 64, t.allSatisfy(\.isHexDigit) {
            self.init(type: .hash, value: t.lowercased(), reason: reason)
            return
        }
        if t.contains(".") && !t.contains("/") && !t.contains(" ") {
            self.init(type: .domain, value: t, reason: reason)
            return
        }
        return nil
    }
}
