import DwellCore

/// The rules that turn sightings into a host's address, and the sentences that report them: one copy, asked by
/// `HostDirectory` (over the store, with time ranges) and by partial mode (`HostDirectory.learn(fromPartials:)`,
/// over merged summaries, without them), so that the two engines cannot name an address's host differently for the
/// same evidence.
public enum HostAddressRules {
    /// The fewest matching seconds (or flows) that make an address a web server's.
    public static let webServerMinimumVotes: Int64 = 3

    /// The address a web server that logs none of its own answers on, from the votes of its clients' flows (per
    /// address: how many times a flow to it matched one of the server's requests): the address with most votes
    /// (the smaller one on a tie), when it has at least `webServerMinimumVotes` and more than half of all votes.
    public static func webServerAddress<Address: Comparable>(votes: [Address: Int64]) -> Address? {
        guard let best = votes.max(by: { ($0.value, $1.key) < ($1.value, $0.key) }),
            best.value >= webServerMinimumVotes
        else { return nil }
        let total = votes.values.reduce(0, +)
        return best.value * 2 > total ? best.key : nil
    }

    /// Whether a host whose own-looking packets (`OwnTraffic`) carry `sources` distinct source addresses is a
    /// gateway logging forwarded packets in POSTROUTING, or a forger: it teaches no address.
    public static func isGateway(sources: Int, limit: Int) -> Bool { sources > limit }

    /// The caveat body for a host taken for a gateway (the caller adds `host address conflict: `).
    public static func gatewayNote(host: String, sources: Int, limit: Int) -> String {
        "\(host) logged outgoing packets (OUT= without IN=) from \(sources) source addresses, more than \(limit): taken for a gateway logging forwarded packets in POSTROUTING (or forged sources); no address learned from them"
    }

    /// The caveat body for an address learned from a host's own packets (the caller adds `host address learned: `).
    public static func ownPacketsNote(
        host: String, address: String, packets: Int64, first: Timestamp, last: Timestamp, firstPlace: String,
        lastPlace: String
    ) -> String {
        "\(host) = \(address) (\(packets) outgoing packet(s) logged by \(host)'s own firewall with OUT= set and IN= empty, \(first.iso8601(fractionDigits: 0)) to \(last.iso8601(fractionDigits: 0)); first \(firstPlace), last \(lastPlace))"
    }
}
