import DwellCore
import DwellIndex

/// One row of a `--hosts` file: an address that belonged to a host, optionally only between two times.
public struct HostMapEntry: Sendable, Hashable {
    public var address: IPAddress
    public var host: String
    /// Start of the range (inclusive); `nil` = since always.
    public var from: Timestamp?
    /// End of the range (inclusive); `nil` = until now.
    public var to: Timestamp?
    /// Where the row came from (`hosts.csv:3`), for the report.
    public var origin: String

    public init(
        address: IPAddress, host: String, from: Timestamp? = nil, to: Timestamp? = nil, origin: String = "--hosts"
    ) {
        self.address = address
        self.host = host
        self.from = from
        self.to = to
        self.origin = origin
    }
}

/// Reads `--hosts` files: CSV `address,hostname[,from[,to]]` (times ISO 8601; empty = open), `#` comments,
/// an optional header row starting with `address`.
extension HostMapEntry {
    /// The rows that hold for the whole evidence (no time range), as (address, host name) pairs: what the
    /// detectors and partial mode use to name hosts.
    public static func unranged(_ entries: [HostMapEntry]) -> [(IPAddress, String)] {
        entries.filter { $0.from == nil && $0.to == nil }.map { ($0.address, $0.host) }
    }
}

public enum HostsFile {
    /// A row that cannot be read: its line number and what is wrong, for a message that says what to fix.
    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public var line: Int
        public var problem: String
        public var description: String { "line \(line): \(problem)" }
    }

    public static func parse(_ text: String, name: String) throws(ParseError) -> [HostMapEntry] {
        var out: [HostMapEntry] = []
        var n = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            n += 1
            let cols = raw.split(separator: ",", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            guard let first = cols.first, !first.isEmpty, !first.hasPrefix("#"), first.lowercased() != "address" else {
                continue
            }
            guard cols.count >= 2, !cols[1].isEmpty else {
                throw ParseError(line: n, problem: "expected address,hostname[,from[,to]]")
            }
            guard let ip = IPAddress(first) else {
                throw ParseError(line: n, problem: "'\(first)' is not an IP address")
            }
            func time(_ k: Int, _ what: String) throws(ParseError) -> Timestamp? {
                guard k < cols.count, !cols[k].isEmpty else { return nil }
                guard let t = Timestamp(iso8601: cols[k]) else {
                    throw ParseError(
                        line: n, problem: "\(what) '\(cols[k])' is not an ISO 8601 time (2026-03-11T19:21:41Z)")
                }
                return t
            }
            let from = try time(2, "from")
            let to = try time(3, "to")
            if let from, let to, to < from {
                throw ParseError(line: n, problem: "the range ends before it starts")
            }
            out.append(HostMapEntry(address: ip, host: cols[1], from: from, to: to, origin: "\(name):\(n)"))
        }
        return out
    }
}
