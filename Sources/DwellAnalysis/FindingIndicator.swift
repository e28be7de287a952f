import DwellCore
import DwellIndex

/// An indicator a finding names, typed: an address, account, host, path, user agent, domain, hash or command,
/// with its text (an address printed canonically).
///
/// Analysis and the renderers switch on `type`; the written form `ip:203.0.113.45`, `ua:curl/8.0` (`description`)
/// is what report.json, the case file and the SQLite export store, and `init?(text:)` reads it back.
public struct FindingIndicator: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var type: IndicatorType
    public var value: String

    public init(_ type: IndicatorType, _ value: String) {
        self.type = type
        self.value = value
    }

    public static func ip(_ value: String) -> Self { Self(.ip, value) }
    public static func user(_ value: String) -> Self { Self(.user, value) }
    public static func host(_ value: String) -> Self { Self(.host, value) }
    public static func url(_ value: String) -> Self { Self(.path, value) }
    public static func ua(_ value: String) -> Self { Self(.userAgent, value) }
    public static func domain(_ value: String) -> Self { Self(.domain, value) }
    public static func command(_ value: String) -> Self { Self(.command, value) }

    /// The prefix of the written form: `ip`, `user`, `host`, `url`, `ua`, `domain`, `hash`, `command`.
    public static func prefix(_ type: IndicatorType) -> String {
        switch type {
        case .ip: "ip"
        case .user: "user"
        case .host: "host"
        case .path: "url"
        case .userAgent: "ua"
        case .domain: "domain"
        case .hash: "hash"
        case .command: "command"
        }
    }

    /// `ip:203.0.113.45`: the prefix of its type, a colon, the value.
    public var description: String { Self.prefix(type) + ":" + value }

    /// Reads the written form back (a case file, a partial result); `nil` when the prefix names no type.
    public init?(text: String) {
        guard let colon = text.firstIndex(of: ":"),
            let type = IndicatorType.allCases.first(where: { Self.prefix($0) == text[..<colon] })
        else { return nil }
        self.init(type, String(text[text.index(after: colon)...]))
    }

    /// The address, when this is an address indicator that parses.
    public var address: IPAddress? { type == .ip ? IPAddress(value) : nil }

    /// Order of the written form (what the string indicators sorted by).
    public static func < (a: Self, b: Self) -> Bool { a.description < b.description }
}

extension Sequence where Element == FindingIndicator {
    /// The written forms joined (`ip:203.0.113.45 url:/x.php`), as the SQLite export stores them.
    public func joined(separator: String) -> String { map(\.description).joined(separator: separator) }

    /// The values of the indicators of one type, in order.
    public func values(_ type: IndicatorType) -> [String] { filter { $0.type == type }.map(\.value) }

    /// The first indicator of one type.
    public func first(_ type: IndicatorType) -> FindingIndicator? { first { $0.type == type } }
}
