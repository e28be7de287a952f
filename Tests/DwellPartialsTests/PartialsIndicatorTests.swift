import DwellAnalysis
import DwellCore
import DwellIndex
import Foundation
import Testing

/// #24: partial results key their indicators by the shared typed key (`Indicator`), written as before.
@Suite struct PartialsIndicatorTests {
    static func seen(_ line: UInt64) -> Partials.Seen {
        let e = Partials.Evidence(time: Timestamp(seconds: 1_773_256_901), file: "a.log", line: line, offset: 0, raw: "r")
        return Partials.Seen(count: 1, first: e, last: e)
    }

    /// The `indicator_type` fields of the JSON lines, in the order written.
    static func writtenTypes(_ p: Partials) throws -> [String] {
        try p.jsonLines().split(separator: 0x0a).compactMap { line in
            let o = try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
            return o["indicator_type"] as? String
        }
    }

    @Test func indicatorsAreWrittenByTypeNameThenValueAsBefore() throws {
        var p = Partials()
        for (k, t) in IndicatorType.allCases.enumerated() { p.indicators[Indicator(t, "v")] = Self.seen(UInt64(k + 1)) }
        p.indicators[Indicator(.ip, "10.0.0.1")] = Self.seen(20)
        // Not the types' declaration order (ip, user, host, url, user_agent, ...): their names' order.
        #expect(
            try Self.writtenTypes(p) == [
                "command", "domain", "hash", "host", "ip", "ip", "url", "user", "user_agent",
            ])
        let back = try Partials.read(p.jsonLines(), source: "t")
        #expect(back.indicators.keys.contains(Indicator(.userAgent, "v")))
        #expect(back == p)
    }

    @Test func anIndicatorOfNoKnownTypeIsABrokenRecord() {
        let line = #"{"schema_version":1,"type":"indicator","indicator_type":"address","value":"10.0.0.1","count":1,"#
            + #""first":{"time":"2026-03-11T19:00:00.000000Z","file":"a","line":1,"offset":0,"raw":""},"#
            + #""last":{"time":"2026-03-11T19:00:00.000000Z","file":"a","line":1,"offset":0,"raw":""}}"#
        do {
            _ = try Partials.read(Array(line.utf8), source: "p.jsonl")
            Issue.record("an indicator of type 'address' was read")
        } catch {
            #expect(error.description.contains("indicator_type"), "\(error)")
        }
        let known = line.replacingOccurrences(of: #""address""#, with: #""ip""#)
        #expect((try? Partials.read(Array(known.utf8), source: "p.jsonl"))?.indicators.count == 1)
    }
}
