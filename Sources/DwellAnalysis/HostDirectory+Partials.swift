import DwellCore

/// Naming a host in partial mode (`dwell investigate --partials`): the same sightings as the store's directory, read
/// from merged summaries, with the rules and sentences both share (`HostAddressRules`). What differs, and why:
/// summaries keep each (address, host) pair's count and first and last sighting, not the order of sightings, so an
/// address seen with two hosts goes to the one with more sightings instead of being split into time ranges; logins
/// matched with flows and names from the sensor's traffic need single events and are the store's alone
/// (docs/partials.md). `PartialsHostAddressTests.bothEnginesNameTheSameHostForEveryAddress` holds both to the same
/// names where both learn one.
extension HostDirectory {
    /// Which host an address belonged to, as partials tell it, and how each was learned (for the caveats).
    ///
    /// As the directory learns them from the store (`learnFromSightings`, `learnWebServerAddresses`), without time
    /// ranges (partials keep first and last sightings, not runs): an address a host logged sshd connections to (`host_address`) or sent its own packets from (`own_address`)
    /// is that host's; when several hosts were seen with it, the one with the most sightings keeps it and the
    /// caveats name the others. A web server with no address of its own gets the server address that the sensor's
    /// flows from its clients went to in the same seconds (`web_client` and `web_flow` samples, see
    /// `Partials.SecondsSample`): at least 3 common seconds, more than half of the web server's, and an address no
    /// other host holds.
    /// `given`: the `--hosts` rows without a time range; they win over what was learned.
    static func learn(fromPartials p: Partials, given: [(IPAddress, String)] = []) -> (
        hostOfIP: [String: String], caveats: [String]
    ) {
        var caveats: [String] = []
        var claims: [String: [(host: String, count: Int64, first: Partials.Evidence, last: Partials.Evidence)]] = [:]
        var sightings: [String: Partials.Seen] = [:]  // "ip\0host" → sshd and own sightings together
        for (k, s) in p.hostAddresses where !k.host.isEmpty { Partials.merge(&sightings, [k.ip + "\u{0}" + k.host: s]) }
        for (k, s) in p.ownAddresses where !k.host.isEmpty { Partials.merge(&sightings, [k.ip + "\u{0}" + k.host: s]) }
        for (key, s) in sightings {
            let parts = key.split(separator: "\u{0}", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { continue }
            claims[String(parts[0]), default: []].append((String(parts[1]), s.count, s.first, s.last))
        }
        // A host whose own-looking packets carry too many sources is a gateway (or forger): it teaches nothing.
        var ownSources: [String: Int] = [:]
        for k in p.ownAddresses.keys { ownSources[k.host, default: 0] += 1 }
        let limit = CorrelationOptions().maxOwnAddresses
        var gateways: Set<String> = []
        for (host, n) in ownSources.sorted(by: { $0.key < $1.key }) where HostAddressRules.isGateway(sources: n, limit: limit) {
            gateways.insert(host)
            caveats.append("host address conflict: " + HostAddressRules.gatewayNote(host: host, sources: n, limit: limit))
        }
        var hostOfIP: [String: String] = [:]
        func time(_ t: Timestamp) -> String { t.iso8601(fractionDigits: 0) }
        for (ip, list) in claims.sorted(by: { $0.key < $1.key }) {
            let valid = list.filter { c in
                !gateways.contains(c.host) || p.hostAddresses[Partials.HostAddressKey(ip: ip, host: c.host)] != nil
            }.sorted { ($1.count, $0.host) < ($0.count, $1.host) }
            guard let best = valid.first else { continue }
            hostOfIP[ip] = best.host
            if let own = p.ownAddresses[Partials.HostAddressKey(ip: ip, host: best.host)],
                !gateways.contains(best.host)
            {
                caveats.append(
                    "host address learned: "
                        + HostAddressRules.ownPacketsNote(
                            host: best.host, address: ip, packets: own.count, first: own.first.time, last: own.last.time,
                            firstPlace: "\(own.first.file):\(own.first.line)", lastPlace: "\(own.last.file):\(own.last.line)"))
            }
            if valid.count > 1 {
                let described = valid.map {
                    "\($0.host) \(time($0.first.time)) to \(time($0.last.time)) (\($0.count) sightings, first \($0.first.file):\($0.first.line))"
                }
                caveats.append(
                    "host address conflict: address \(ip) seen with \(valid.count) hosts: \(described.joined(separator: "; ")); partial mode keeps no time ranges and gives it to \(best.host) (most sightings), not merged; investigate on the evidence keeps each host's ranges"
                )
            }
        }
        // Web servers that log no address of their own: votes from their clients' flows in the same seconds.
        let known = Set(hostOfIP.values)
        let flowsByClient = Dictionary(grouping: p.webFlows.sorted { $0.key < $1.key }, by: { $0.key.clientIP })
        var votes: [String: [String: (count: Int64, first: Partials.Evidence)]] = [:]  // host → server → votes
        for (k, c) in p.webClients.sorted(by: { $0.key < $1.key }) where !known.contains(k.host) {
            for (f, flow) in flowsByClient[k.clientIP] ?? [] {
                let n = Int64(flow.seconds.common(with: c.seconds).count)
                guard n > 0 else { continue }
                let v = votes[k.host, default: [:]][f.serverIP]
                let first = v.map { Partials.Evidence.precedes($0.first, flow.seen.first) ? $0.first : flow.seen.first }
                votes[k.host, default: [:]][f.serverIP] = ((v?.count ?? 0) + n, first ?? flow.seen.first)
            }
        }
        for (host, byServer) in votes.sorted(by: { $0.key < $1.key }) {
            guard let server = HostAddressRules.webServerAddress(votes: byServer.mapValues(\.count)),
                let vote = byServer[server], hostOfIP[server] == nil
            else { continue }
            let best = (key: server, value: vote)
            hostOfIP[best.key] = host
            caveats.append(
                "host address learned: \(host) = \(best.key) (\(best.value.count) sampled seconds of its access-log requests match sensor flows to that address; partial mode: seconds sampled per client; first flow \(best.value.first.file):\(best.value.first.line))"
            )
        }
        for (ip, host) in given { hostOfIP[ip.description] = host }
        return (hostOfIP, caveats)
    }
}
