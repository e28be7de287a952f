import DwellCore

/// What an indicator is.
public enum IndicatorType: UInt8, CaseIterable, Sendable, Comparable {
    case ip = 0, user, host, path, userAgent, domain, hash, command

    public static func < (a: IndicatorType, b: IndicatorType) -> Bool { a.rawValue < b.rawValue }

    /// The name report.json's scope and partial results write: `ip`, `user`, `host`, `url`, `user_agent`, ...
    public var name: String {
        switch self {
        case .ip: "ip"
        case .user: "user"
        case .host: "host"
        case .path: "url"
        case .userAgent: "user_agent"
        case .domain: "domain"
        case .hash: "hash"
        case .command: "command"
        }
    }

    /// The type with this `name`, or `nil`.
    public init?(name: String) {
        guard let t = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = t
    }
}

/// An indicator: its type and its value. The one key of every layer, by what the value is:
/// - `IndicatorKey<UInt32>`, in one store: an address id for `.ip`, a symbol id otherwise (the postings' key;
///   `EventColumns.key(_:_:)` finds it from text, `text(_:)` gives the text back);
/// - `Indicator` (`IndicatorKey<String>`), by its text, an address printed canonically: what findings name, what
///   partial results count and what reports print.
public struct IndicatorKey<Value: Hashable & Sendable>: Hashable, Sendable {
    public var type: IndicatorType
    public var value: Value

    public init(_ type: IndicatorType, _ value: Value) {
        self.type = type
        self.value = value
    }
}

/// The store's order: by type, then by id.
extension IndicatorKey: Comparable where Value == UInt32 {
    public static func < (a: Self, b: Self) -> Bool { a.type != b.type ? a.type < b.type : a.value < b.value }
}

/// An indicator by its text (written `ip:203.0.113.45`, `user:deploy`, `url:/uploads/shell.php`).
///
/// Analysis and the renderers switch on `type`; the written form (`description`) is what report.json's findings,
/// the case file and the SQLite export store, and `init?(text:)` reads it back. Partial results write the type by
/// its `name` in a field of its own. Text indicators have no `<`: a caller sorts by the order its output promises
/// (`writtenOrder`, or the partials' order by name).
public typealias Indicator = IndicatorKey<String>

extension IndicatorKey: CustomStringConvertible where Value == String {
    public static func ip(_ value: String) -> Self { Self(.ip, value) }
    public static func user(_ value: String) -> Self { Self(.user, value) }
    public static func host(_ value: String) -> Self { Self(.host, value) }
    public static func url(_ value: String) -> Self { Self(.path, value) }
    public static func ua(_ value: String) -> Self { Self(.userAgent, value) }
    public static func domain(_ value: String) -> Self { Self(.domain, value) }
    public static func command(_ value: String) -> Self { Self(.command, value) }

    /// The prefix of the written form: `ip`, `user`, `host`, `url`, `ua`, `domain`, `hash`, `command`. A user agent is
    /// `ua:`, not its type's `name` (`user_agent`, which the scope and partial results write in a field of its own):
    /// report.json's findings, case files, SQLite exports and `--seed` have always written `ua:`, so changing it
    /// would change report.json and every stored case.
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

    /// Reads the written form back (a case file); `nil` when the prefix names no type.
    public init?(text: String) {
        guard let colon = text.firstIndex(of: ":"),
            let type = IndicatorType.allCases.first(where: { Self.prefix($0) == text[..<colon] })
        else { return nil }
        self.init(type, String(text[text.index(after: colon)...]))
    }

    /// The address, when this is an address indicator that parses.
    public var address: IPAddress? { type == .ip ? IPAddress(value) : nil }

    /// The order of the written form (`description`), which findings' indicators are ranked by, without building
    /// it: no prefix is a prefix of another, so two types' written forms first differ inside their prefixes, and
    /// one type's forms share the prefix and compare as their values do (an ASCII prefix ending in `:` changes no
    /// value's normalisation). `IndicatorOrderTests` checks it against comparing the written forms.
    public static func writtenOrder(_ a: Self, _ b: Self) -> Bool {
        a.type == b.type ? a.value < b.value : prefix(a.type) < prefix(b.type)
    }
}

extension Sequence where Element == Indicator {
    /// The written forms joined (`ip:203.0.113.45 url:/x.php`), as the SQLite export stores them.
    public func joined(separator: String) -> String { map(\.description).joined(separator: separator) }

    /// The values of the indicators of one type, in order.
    public func values(_ type: IndicatorType) -> [String] { filter { $0.type == type }.map(\.value) }

    /// The first indicator of one type.
    public func first(_ type: IndicatorType) -> Indicator? { first { $0.type == type } }
}
