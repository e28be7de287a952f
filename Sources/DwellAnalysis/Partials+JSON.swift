import DwellCore
import DwellIndex
import Foundation

/// A partials line that cannot be read: where, and why.
public struct PartialsFormatError: Error, Sendable, CustomStringConvertible {
    public var source: String
    public var line: Int
    public var reason: String
    public var description: String {
        "\(source):\(line): \(reason); expected the JSON lines of dwell summarize or dwell merge (schema_version \(Partials.schemaVersion))"
    }
}

extension Partials {
    /// The record types in output order.
    public static let recordTypes = [
        "manifest", "indicator", "edge", "host_address", "own_address", "activity", "auth_failures", "web_agent",
        "script_query", "path_sources", "web_client", "web_flow",
    ]

    /// One JSON object per line, sorted by record type then key: the same partials always give the same bytes.
    public func jsonLines() -> [UInt8] {
        // One buffer per record: a nested object after a key leaves the buffer's comma state one level deep.
        var out: [UInt8] = []
        var j = JSONBuffer(capacity: 4096)
        func begin(_ type: StaticString) {
            j = JSONBuffer(capacity: 4096)
            j.beginObject()
            j.key("schema_version")
            j.int(Self.schemaVersion)
            j.key("type")
            j.string("\(type)")
        }
        func end() {
            j.endObject()
            j.newline()
            out.append(contentsOf: j.bytes)
        }
        func evidence(_ name: StaticString, _ e: Evidence) {
            j.key(name)
            j.beginObject()
            j.key("time")
            j.time(e.time)
            j.key("file")
            j.string(e.file)
            j.key("line")
            j.int(e.line)
            j.key("offset")
            j.int(e.offset)
            j.key("raw")
            j.string(e.raw)
            j.endObject()
        }
        func seen(_ s: Seen) {
            j.key("count")
            j.int(s.count)
            evidence("first", s.first)
            evidence("last", s.last)
        }
        for m in manifest.values.sorted(by: { ($0.path, $0.sha256) < ($1.path, $1.sha256) }) {
            begin("manifest")
            j.key("path")
            j.string(m.path)
            j.key("sha256")
            j.string(m.sha256)
            j.key("bytes")
            j.int(m.bytes)
            j.key("decompressed_bytes")
            j.int(m.decompressedBytes)
            j.key("format")
            if let f = m.format { j.string(f) } else { j.null() }
            j.key("lines")
            j.int(m.lines)
            j.key("parsed")
            j.int(m.parsed)
            j.key("non_events")
            j.int(m.nonEvents)
            j.key("rejected")
            j.int(m.rejected)
            j.key("first_time")
            if let t = m.firstTime { j.time(t) } else { j.null() }
            j.key("last_time")
            if let t = m.lastTime { j.time(t) } else { j.null() }
            j.key("problems")
            j.beginArray()
            for p in m.problems { j.string(p) }
            j.endArray()
            j.key("notes")
            j.beginArray()
            for p in m.notes { j.string(p) }
            j.endArray()
            end()
        }
        // By type name, then value: the order these records have always been written in.
        for (k, s) in indicators.sorted(by: { ($0.key.type.name, $0.key.value) < ($1.key.type.name, $1.key.value) }) {
            begin("indicator")
            j.key("indicator_type")
            j.string(k.type.name)
            j.key("value")
            j.string(k.value)
            seen(s)
            end()
        }
        for (k, s) in edges.sorted(by: { $0.key < $1.key }) {
            begin("edge")
            j.key("from_ip")
            j.string(k.fromIP)
            j.key("to")
            j.string(k.to)
            j.key("account")
            j.string(k.account)
            j.key("method")
            j.string(k.method)
            seen(s)
            end()
        }
        // Addresses seen for a host, and addresses a host was seen sending from: one record shape.
        for (type, addresses) in [("host_address" as StaticString, hostAddresses), ("own_address", ownAddresses)] {
            for (k, s) in addresses.sorted(by: { $0.key < $1.key }) {
                begin(type)
                j.key("ip")
                j.string(k.ip)
                j.key("host")
                j.string(k.host)
                seen(s)
                end()
            }
        }
        func sample(_ s: SecondsSample) {
            j.key("seconds")
            j.beginArray()
            for t in s.seconds { j.int(t) }
            j.endArray()
        }
        for (k, n) in activity.sorted(by: { $0.key < $1.key }) {
            begin("activity")
            j.key("bucket_seconds")
            j.int(k.bucketSeconds)
            j.key("start")
            j.time(k.start, fractionDigits: 0)
            j.key("host")
            j.string(k.host)
            j.key("kind")
            j.string(k.kind)
            j.key("count")
            j.int(n)
            end()
        }
        for (k, s) in authFailures.sorted(by: { $0.key < $1.key }) {
            begin("auth_failures")
            j.key("source_ip")
            j.string(k.sourceIP)
            j.key("minute")
            j.time(k.minute, fractionDigits: 0)
            j.key("user")
            j.string(k.user)
            j.key("invalid")
            j.bool(k.invalid)
            seen(s)
            end()
        }
        for (k, s) in webAgents.sorted(by: { $0.key < $1.key }) {
            begin("web_agent")
            j.key("source_ip")
            j.string(k.sourceIP)
            j.key("user_agent")
            j.string(k.userAgent)
            seen(s)
            end()
        }
        for (k, s) in scriptQueries.sorted(by: { $0.key < $1.key }) {
            begin("script_query")
            j.key("host")
            j.string(k.host)
            j.key("path")
            j.string(k.path)
            j.key("query")
            j.string(k.query)
            j.key("source_ip")
            j.string(k.sourceIP)
            j.key("status")
            j.int(k.status)
            seen(s)
            end()
        }
        for (path, s) in pathSources.sorted(by: { $0.key < $1.key }) {
            begin("path_sources")
            j.key("path")
            j.string(path)
            j.key("sources")
            j.beginArray()
            for source in s.sources.sorted() { j.string(source) }
            j.endArray()
            j.key("many")
            j.bool(s.many)
            end()
        }
        for (k, s) in webClients.sorted(by: { $0.key < $1.key }) {
            begin("web_client")
            j.key("host")
            j.string(k.host)
            j.key("client_ip")
            j.string(k.clientIP)
            seen(s.seen)
            sample(s.seconds)
            end()
        }
        for (k, s) in webFlows.sorted(by: { $0.key < $1.key }) {
            begin("web_flow")
            j.key("client_ip")
            j.string(k.clientIP)
            j.key("server_ip")
            j.string(k.serverIP)
            seen(s.seen)
            sample(s.seconds)
            end()
        }
        return out
    }

    /// Reads partials written by `jsonLines()` (any order of lines; repeated keys merge).
    /// - Parameter source: the name used in error messages (a path, or `(stdin)`).
    /// - Throws: `PartialsFormatError` naming the line.
    public static func read(_ bytes: [UInt8], source: String) throws(PartialsFormatError) -> Partials {
        var out = Partials()
        var lineNumber = 0
        var start = 0
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: 0x0a) ?? bytes.count
            lineNumber += 1
            defer { start = end + 1 }
            if end == start { continue }
            let data = Data(bytes[start..<end])
            func fail(_ reason: String) -> PartialsFormatError {
                PartialsFormatError(source: source, line: lineNumber, reason: reason)
            }
            guard let object = try? JSONSerialization.jsonObject(with: data), let o = object as? [String: Any] else {
                throw fail("not a JSON object")
            }
            guard let version = o["schema_version"] as? Int else { throw fail("no schema_version") }
            guard version == schemaVersion else {
                throw fail("schema_version \(version) is not \(schemaVersion) (written by another dwell version)")
            }
            guard let type = o["type"] as? String else { throw fail("no type") }
            let r = Record(object: o)
            guard recordTypes.contains(type) else {
                throw fail("unknown record type '\(type)' (known: \(recordTypes.joined(separator: ", ")))")
            }
            do throws(Record.Missing) {
                switch type {
                case "manifest":
                    out.add(
                        ManifestEntry(
                            path: try r.string("path"), sha256: try r.string("sha256"), bytes: try r.uint("bytes"),
                            decompressedBytes: try r.uint("decompressed_bytes"), format: o["format"] as? String,
                            lines: try r.uint("lines"), parsed: try r.uint("parsed"),
                            nonEvents: try r.uint("non_events"), rejected: try r.uint("rejected"),
                            firstTime: try r.optionalTime("first_time"), lastTime: try r.optionalTime("last_time"),
                            problems: try r.strings("problems"), notes: try r.strings("notes")))
                case "indicator":
                    guard let type = IndicatorType(name: try r.string("indicator_type")) else {
                        throw Record.Missing(field: "indicator_type")
                    }
                    let k = Indicator(type, try r.string("value"))
                    Self.merge(&out.indicators, [k: try r.seen()])
                case "edge":
                    let k = EdgeKey(
                        fromIP: try r.string("from_ip"), to: try r.string("to"), account: try r.string("account"),
                        method: try r.string("method"))
                    Self.merge(&out.edges, [k: try r.seen()])
                case "host_address":
                    let k = HostAddressKey(ip: try r.string("ip"), host: try r.string("host"))
                    Self.merge(&out.hostAddresses, [k: try r.seen()])
                case "own_address":
                    let k = HostAddressKey(ip: try r.string("ip"), host: try r.string("host"))
                    Self.merge(&out.ownAddresses, [k: try r.seen()])
                case "web_client":
                    let k = WebClientKey(host: try r.string("host"), clientIP: try r.string("client_ip"))
                    Self.merge(&out.webClients, [k: try r.sampledSeen(client: k.clientIP)])
                case "web_flow":
                    let k = WebFlowKey(clientIP: try r.string("client_ip"), serverIP: try r.string("server_ip"))
                    Self.merge(&out.webFlows, [k: try r.sampledSeen(client: k.clientIP)])
                case "activity":
                    let k = ActivityKey(
                        bucketSeconds: try r.int("bucket_seconds"), start: try r.time("start"),
                        host: try r.string("host"), kind: try r.string("kind"))
                    out.merge(activityOnly: [k: try r.int("count")])
                case "auth_failures":
                    guard let invalid = o["invalid"] as? Bool else { throw Record.Missing(field: "invalid") }
                    let k = AuthFailureKey(
                        sourceIP: try r.string("source_ip"), minute: try r.time("minute"), user: try r.string("user"),
                        invalid: invalid)
                    Self.merge(&out.authFailures, [k: try r.seen()])
                case "web_agent":
                    let k = WebAgentKey(sourceIP: try r.string("source_ip"), userAgent: try r.string("user_agent"))
                    Self.merge(&out.webAgents, [k: try r.seen()])
                case "script_query":
                    let k = ScriptQueryKey(
                        host: try r.string("host"), path: try r.string("path"), query: try r.string("query"),
                        sourceIP: try r.string("source_ip"), status: try r.int("status"))
                    Self.merge(&out.scriptQueries, [k: try r.seen()])
                case "path_sources":
                    guard let many = o["many"] as? Bool else { throw Record.Missing(field: "many") }
                    let s = PathSources(sources: Set(try r.strings("sources")), many: many)
                    out.pathSources[try r.string("path"), default: PathSources()].merge(s)
                default:
                    break
                }
            } catch {
                throw fail("\(type) record: \(error.field) is missing or has the wrong type")
            }
        }
        return out
    }

    package mutating func merge(activityOnly other: [ActivityKey: Int64]) {
        for (k, v) in other {
            let (s, o) = activity[k, default: 0].addingReportingOverflow(v)
            activity[k] = o ? .max : s
        }
    }
}

/// Typed access to one decoded JSON object.
struct Record {
    struct Missing: Error {
        var field: String
    }
    var object: [String: Any]

    func string(_ k: String) throws(Missing) -> String {
        guard let v = object[k] as? String else { throw Missing(field: k) }
        return v
    }

    func int(_ k: String) throws(Missing) -> Int64 {
        guard let n = object[k] as? Int else { throw Missing(field: k) }
        return Int64(n)
    }

    func uint(_ k: String) throws(Missing) -> UInt64 {
        let v = try int(k)
        guard v >= 0 else { throw Missing(field: k) }
        return UInt64(v)
    }

    func time(_ k: String) throws(Missing) -> Timestamp {
        guard let s = object[k] as? String, let t = Timestamp(iso8601: s) else { throw Missing(field: k) }
        return t
    }

    func optionalTime(_ k: String) throws(Missing) -> Timestamp? {
        if object[k] == nil || object[k] is NSNull { return nil }
        return try time(k)
    }

    func strings(_ k: String) throws(Missing) -> [String] {
        guard let v = object[k] as? [String] else { throw Missing(field: k) }
        return v
    }

    func evidence(_ k: String) throws(Missing) -> Partials.Evidence {
        guard let o = object[k] as? [String: Any] else { throw Missing(field: k) }
        let r = Record(object: o)
        do throws(Missing) {
            return Partials.Evidence(
                time: try r.time("time"), file: try r.string("file"), line: try r.uint("line"),
                offset: try r.uint("offset"), raw: try r.string("raw"))
        } catch {
            throw Missing(field: "\(k).\(error.field)")
        }
    }

    func seen() throws(Missing) -> Partials.Seen {
        Partials.Seen(count: try int("count"), first: try evidence("first"), last: try evidence("last"))
    }

    /// A seen record with its sample of seconds; `client` is the address the sample's ranks are keyed by.
    func sampledSeen(client: String) throws(Missing) -> Partials.SampledSeen {
        guard let ip = IPAddress(client) else { throw Missing(field: "client_ip") }
        guard let seconds = object["seconds"] as? [Int], seconds.count <= Partials.SecondsSample.capacity else {
            throw Missing(field: "seconds")
        }
        return Partials.SampledSeen(
            seen: try seen(), seconds: Partials.SecondsSample(client: ip, seconds: seconds.map { Int64($0) }))
    }
}
