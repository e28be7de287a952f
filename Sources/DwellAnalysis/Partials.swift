import DwellCore
import DwellIndex
import Foundation

/// Partial results that merge associatively and commutatively: what `dwell summarize` writes per input and
/// `dwell merge` combines, so that a cluster (Spark) can read shares of the evidence on many machines and reduce.
///
/// Every aggregate is keyed by text (paths, host names, addresses as printed, user names), never by a run's
/// file or symbol ids, so partials from different processes line up. The merge rules:
/// - counts add;
/// - first/last seen keep the evidence of the winning end: the first is the least (time, file, line), the last the
///   greatest, so ties are broken by file then line whatever the order of merging;
/// - keyed records (indicators, edges, buckets, detector state) are unions: the same key merges, a new key is added;
/// - manifest entries are keyed by (path, SHA-256) and identical when both sides have them.
///
/// The JSON lines written by `jsonLines()` are sorted by record type then key, so merged partials are
/// byte-identical however the input was split. Schema: `docs/partials.md`.
public struct Partials: Sendable, Equatable {
    public static let schemaVersion = 1

    /// One end of a first/last pair: a place in the evidence with its raw line (text; invalid UTF-8 as `\xNN`).
    public struct Evidence: Sendable, Hashable {
        public var time: Timestamp
        public var file: String
        public var line: UInt64
        public var offset: UInt64
        public var raw: String

        public init(time: Timestamp, file: String, line: UInt64, offset: UInt64, raw: String) {
            self.time = time
            self.file = file
            self.line = line
            self.offset = offset
            self.raw = raw
        }

        /// The order of evidence: time, then file, then line.
        public static func precedes(_ a: Evidence, _ b: Evidence) -> Bool {
            (a.time, a.file, a.line) < (b.time, b.file, b.line)
        }
    }

    /// A count with the evidence of its first and last occurrence.
    public struct Seen: Sendable, Equatable {
        public var count: Int64
        public var first: Evidence
        public var last: Evidence

        public init(count: Int64, first: Evidence, last: Evidence) {
            self.count = count
            self.first = first
            self.last = last
        }

        public mutating func merge(_ o: Seen) {
            count = count.addingReportingOverflow(o.count).overflow ? .max : count + o.count
            if Evidence.precedes(o.first, first) { first = o.first }
            if Evidence.precedes(last, o.last) { last = o.last }
        }
    }

    /// A successful login or remote access from an address to a host, as an account, by a method.
    /// The source is an address: which host owns it is learned from `host_address` records when reporting.
    public struct EdgeKey: Sendable, Hashable, Comparable {
        public var fromIP: String
        public var to: String
        public var account: String
        public var method: String
        public init(fromIP: String, to: String, account: String, method: String) {
            self.fromIP = fromIP
            self.to = to
            self.account = account
            self.method = method
        }
        public static func < (a: Self, b: Self) -> Bool {
            (a.fromIP, a.to, a.account, a.method) < (b.fromIP, b.to, b.account, b.method)
        }
    }

    /// An address a host answers on (sshd `Connection from A port N on B port M`, logged by host B), or sends from
    /// (its own outgoing packets).
    public struct HostAddressKey: Sendable, Hashable, Comparable {
        public var ip: String
        public var host: String
        public init(ip: String, host: String) {
            self.ip = ip
            self.host = host
        }
        public static func < (a: Self, b: Self) -> Bool { (a.ip, a.host) < (b.ip, b.host) }
    }

    /// A web server's clients (`web_client`, from its access log) or a sensor's flows from a client to a server
    /// address on a web port (`web_flow`): a count with first/last evidence, and a sample of the seconds they
    /// happened in, so that merging can match access logs with sensor flows as `investigate` does (same client,
    /// same second) without a record per request.
    public struct SampledSeen: Sendable, Equatable {
        public var seen: Seen
        public var seconds: SecondsSample

        public init(seen: Seen, seconds: SecondsSample) {
            self.seen = seen
            self.seconds = seconds
        }

        public mutating func merge(_ o: SampledSeen) {
            seen.merge(o.seen)
            seconds.merge(o.seconds)
        }
    }

    /// A coordinated bottom-k sample of the seconds (Unix time) in which a client was seen: the `capacity` seconds
    /// of least rank, where the rank is a hash of (client address, second) that every summary computes alike. So the
    /// samples of one client's requests and of its flows pick the same seconds, merging keeps the least ranks (an
    /// associative, commutative union), and every second ranked at or below `threshold` is in the sample.
    /// - Complexity: O(capacity) per insertion; `capacity` seconds per record.
    public struct SecondsSample: Sendable, Equatable {
        public static let capacity = 16
        /// Seconds in order of (rank, second).
        public private(set) var seconds: [Int64] = []
        /// Mixed from the client's address: the rank's key.
        let salt: UInt64

        public init(client: IPAddress) { salt = Self.mix(client.high ^ Self.mix(client.low)) }

        public init(client: IPAddress, seconds: [Int64]) {
            self.init(client: client)
            for s in seconds { insert(s) }
        }

        @inline(__always) static func mix(_ x: UInt64) -> UInt64 {  // SplitMix64's finaliser
            var z = x &+ 0x9E37_79B9_7F4A_7C15
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }

        public func rank(_ second: Int64) -> UInt64 { Self.mix(salt ^ UInt64(bitPattern: second)) }

        /// The greatest rank such that every second of the client ranked at or below it is in the sample.
        public var threshold: UInt64 { seconds.count < Self.capacity ? .max : rank(seconds[seconds.count - 1]) }

        public mutating func insert(_ second: Int64) {
            let r = rank(second)
            var i = seconds.count
            while i > 0 {
                let prev = seconds[i - 1]
                if prev == second { return }
                let pr = rank(prev)
                if (pr, prev) < (r, second) { break }
                i -= 1
            }
            if i >= Self.capacity { return }
            if seconds[..<i].contains(second) { return }
            seconds.insert(second, at: i)
            if seconds.count > Self.capacity { seconds.removeLast() }
        }

        public mutating func merge(_ o: SecondsSample) { for s in o.seconds { insert(s) } }

        /// Seconds of `self` that `other` holds too, among those both samples are complete for.
        public func common(with other: SecondsSample) -> [Int64] {
            let t = min(threshold, other.threshold)
            let theirs = Set(other.seconds)
            return seconds.filter { rank($0) <= t && theirs.contains($0) }
        }
    }

    /// A web server's client (access log).
    public struct WebClientKey: Sendable, Hashable, Comparable {
        public var host: String
        public var clientIP: String
        public init(host: String, clientIP: String) {
            self.host = host
            self.clientIP = clientIP
        }
        public static func < (a: Self, b: Self) -> Bool { (a.host, a.clientIP) < (b.host, b.clientIP) }
    }

    /// A sensor's flows from a client to an internal server address on a web port (80, 443, 8080, 8443, or http).
    public struct WebFlowKey: Sendable, Hashable, Comparable {
        public var clientIP: String
        public var serverIP: String
        public init(clientIP: String, serverIP: String) {
            self.clientIP = clientIP
            self.serverIP = serverIP
        }
        public static func < (a: Self, b: Self) -> Bool { (a.clientIP, a.serverIP) < (b.clientIP, b.serverIP) }
    }

    /// Events of one kind on one host in one time bucket.
    public struct ActivityKey: Sendable, Hashable, Comparable {
        public var bucketSeconds: Int64
        public var start: Timestamp
        public var host: String
        public var kind: String
        public init(bucketSeconds: Int64, start: Timestamp, host: String, kind: String) {
            self.bucketSeconds = bucketSeconds
            self.start = start
            self.host = host
            self.kind = kind
        }
        public static func < (a: Self, b: Self) -> Bool {
            (a.bucketSeconds, a.start, a.host, a.kind) < (b.bucketSeconds, b.start, b.host, b.kind)
        }
    }

    /// Detector state for the authentication rules: failed attempts from a source for an account in one minute
    /// (`invalid` for accounts that do not exist). One attempt is counted once, as the detectors count it.
    public struct AuthFailureKey: Sendable, Hashable, Comparable {
        public var sourceIP: String
        public var minute: Timestamp
        public var user: String
        public var invalid: Bool
        public init(sourceIP: String, minute: Timestamp, user: String, invalid: Bool) {
            self.sourceIP = sourceIP
            self.minute = minute
            self.user = user
            self.invalid = invalid
        }
        public static func < (a: Self, b: Self) -> Bool {
            (a.sourceIP, a.minute, a.user, a.invalid ? 1 : 0) < (b.sourceIP, b.minute, b.user, b.invalid ? 1 : 0)
        }
    }

    /// Detector state for web rules: requests from a source with a user agent.
    public struct WebAgentKey: Sendable, Hashable, Comparable {
        public var sourceIP: String
        public var userAgent: String
        public init(sourceIP: String, userAgent: String) {
            self.sourceIP = sourceIP
            self.userAgent = userAgent
        }
        public static func < (a: Self, b: Self) -> Bool { (a.sourceIP, a.userAgent) < (b.sourceIP, b.userAgent) }
    }

    /// Detector state for the web shell rule: a script path answered 2xx to a request with a query.
    public struct ScriptQueryKey: Sendable, Hashable, Comparable {
        public var host: String
        public var path: String
        public var query: String
        public var sourceIP: String
        public var status: Int64
        public init(host: String, path: String, query: String, sourceIP: String, status: Int64) {
            self.host = host
            self.path = path
            self.query = query
            self.sourceIP = sourceIP
            self.status = status
        }
        public static func < (a: Self, b: Self) -> Bool {
            (a.host, a.path, a.query, a.sourceIP, a.status) < (b.host, b.path, b.query, b.sourceIP, b.status)
        }
    }

    /// The distinct sources that requested a script path (any event citing the path, on any host, answered or
    /// not), as the web shell rule counts them over the store: an exact set while it holds fewer than `capacity`;
    /// past that only `many`. Merging is a union that turns into `many` at `capacity`: associative and commutative,
    /// and `many` exactly when the union of every share's sources holds `capacity` or more.
    public struct PathSources: Sendable, Equatable {
        /// Sources kept before a path counts as busy. The web shell rule passes over a path with more than
        /// `max_sources` (3) sources; partial mode decides this exactly for `max_sources` below `capacity`.
        public static let capacity = 16
        public private(set) var sources: Set<String>
        public private(set) var many: Bool

        public init(sources: Set<String> = [], many: Bool = false) {
            self.sources = many ? [] : sources
            self.many = many
            settle()
        }

        /// How many sources: exact when not `many`, else at least `capacity`.
        public var count: Int { many ? Self.capacity : sources.count }

        public mutating func insert(_ source: String) {
            guard !many else { return }
            sources.insert(source)
            settle()
        }

        public mutating func merge(_ o: PathSources) {
            if o.many { many = true }
            if !many { sources.formUnion(o.sources) }
            settle()
        }

        mutating func settle() {
            if many || sources.count >= Self.capacity {
                many = true
                sources = []
            }
        }
    }

    /// One evidence file, as the manifest of `investigate` describes it.
    public struct ManifestEntry: Sendable, Equatable {
        public var path: String
        public var sha256: String
        public var bytes: UInt64
        public var decompressedBytes: UInt64
        public var format: String?
        public var lines: UInt64
        public var parsed: UInt64
        public var nonEvents: UInt64
        public var rejected: UInt64
        public var firstTime: Timestamp?
        public var lastTime: Timestamp?
        /// Problems reading it (people's text: what, where).
        public var problems: [String]
        /// Notes that are not problems (time sources, duplicate copies).
        public var notes: [String]

        public init(
            path: String, sha256: String, bytes: UInt64, decompressedBytes: UInt64, format: String?, lines: UInt64,
            parsed: UInt64, nonEvents: UInt64, rejected: UInt64, firstTime: Timestamp?, lastTime: Timestamp?,
            problems: [String], notes: [String]
        ) {
            self.path = path
            self.sha256 = sha256
            self.bytes = bytes
            self.decompressedBytes = decompressedBytes
            self.format = format
            self.lines = lines
            self.parsed = parsed
            self.nonEvents = nonEvents
            self.rejected = rejected
            self.firstTime = firstTime
            self.lastTime = lastTime
            self.problems = problems
            self.notes = notes
        }
    }

    public var manifest: [String: ManifestEntry] = [:]  // keyed by path + "\u{0}" + sha256
    public var indicators: [Indicator: Seen] = [:]
    public var edges: [EdgeKey: Seen] = [:]
    public var hostAddresses: [HostAddressKey: Seen] = [:]
    /// Addresses of packets hosts logged sending themselves (`OwnTraffic`: netfilter `OUT=` without `IN=`).
    public var ownAddresses: [HostAddressKey: Seen] = [:]
    public var webClients: [WebClientKey: SampledSeen] = [:]
    public var webFlows: [WebFlowKey: SampledSeen] = [:]
    public var activity: [ActivityKey: Int64] = [:]
    public var authFailures: [AuthFailureKey: Seen] = [:]
    public var webAgents: [WebAgentKey: Seen] = [:]
    public var scriptQueries: [ScriptQueryKey: Seen] = [:]
    /// Sources per script path (the path as logged), for the web shell rule's `max_sources`.
    public var pathSources: [String: PathSources] = [:]

    public init() {}

    /// Total events over the manifest.
    public var eventCount: UInt64 { manifest.values.reduce(0) { $0 &+ $1.parsed } }

    public mutating func add(_ entry: ManifestEntry) {
        let key = entry.path + "\u{0}" + entry.sha256
        if let have = manifest[key] {
            // Two summaries of the same bytes: keep one description, deterministically.
            if Self.manifestOrder(entry, have) { manifest[key] = entry }
        } else {
            manifest[key] = entry
        }
    }

    static func manifestOrder(_ a: ManifestEntry, _ b: ManifestEntry) -> Bool {
        (a.parsed, a.lines, a.rejected, a.problems.joined(separator: "\n")) < (
            b.parsed, b.lines, b.rejected, b.problems.joined(separator: "\n")
        )
    }

    /// Merges `other` into this: associative and commutative (see the type's documentation).
    public mutating func merge(_ other: Partials) {
        for e in other.manifest.values { add(e) }
        Self.merge(&indicators, other.indicators)
        Self.merge(&edges, other.edges)
        Self.merge(&hostAddresses, other.hostAddresses)
        Self.merge(&ownAddresses, other.ownAddresses)
        Self.merge(&webClients, other.webClients)
        Self.merge(&webFlows, other.webFlows)
        Self.merge(&authFailures, other.authFailures)
        Self.merge(&webAgents, other.webAgents)
        Self.merge(&scriptQueries, other.scriptQueries)
        for (k, v) in other.pathSources { pathSources[k, default: PathSources()].merge(v) }
        for (k, v) in other.activity {
            let (s, o) = activity[k, default: 0].addingReportingOverflow(v)
            activity[k] = o ? .max : s
        }
    }

    package static func merge<K: Hashable>(_ a: inout [K: Seen], _ b: [K: Seen]) {
        for (k, v) in b {
            if a[k] == nil { a[k] = v } else { a[k]?.merge(v) }
        }
    }

    package static func merge<K: Hashable>(_ a: inout [K: SampledSeen], _ b: [K: SampledSeen]) {
        for (k, v) in b {
            if a[k] == nil { a[k] = v } else { a[k]?.merge(v) }
        }
    }

    /// Merges any number of partials.
    public static func merged(_ parts: [Partials]) -> Partials {
        var out = Partials()
        for p in parts { out.merge(p) }
        return out
    }
}
