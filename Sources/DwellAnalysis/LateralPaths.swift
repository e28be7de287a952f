import DwellCore
import DwellIndex

/// The lateral-movement paths of the scope, from its edges (the correlator's and the partials' merge).
public enum LateralPaths {
    /// Time-respecting paths from the entry hosts: a hop out of a host counts only after the host was reached.
    static func paths(edges: [LateralEdge], entries: [String], reached: [String: Timestamp]) -> [[LateralEdge]] {
        var out: [[LateralEdge]] = []
        func extend(_ path: [LateralEdge], at host: String, since: Timestamp, visited: Set<String>) {
            let next = edges.filter { $0.from == host && $0.time >= since && !visited.contains($0.to) }
            // One hop per destination: the first one in time.
            var firstPerTarget: [String: LateralEdge] = [:]
            for e in next where firstPerTarget[e.to] == nil { firstPerTarget[e.to] = e }
            // Hops at the same time in the order of their targets' names (a dictionary's order changes per run).
            let hops = firstPerTarget.values.sorted { ($0.time, $0.to) < ($1.time, $1.to) }
            if hops.isEmpty {
                if !path.isEmpty { out.append(path) }
                return
            }
            for e in hops { extend(path + [e], at: e.to, since: e.time, visited: visited.union([e.to])) }
        }
        for entry in entries { extend([], at: entry, since: reached[entry] ?? .distantPast, visited: [entry]) }
        return out
    }
}
