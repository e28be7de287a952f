import DwellCore
import DwellTestSupport
import Foundation
import Testing

@testable import DwellAnalysis
@testable import DwellReports

@Suite struct STIXBundleTests {
    static func isID(_ s: String) -> Bool {
        s.wholeMatch(
            of: /[a-z][a-z0-9-]+--[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/
        ) != nil
    }

    /// RFC 3339 in UTC with `Z` (STIX's timestamp form).
    static func isTime(_ s: String) -> Bool {
        s.wholeMatch(of: /[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z/) != nil
    }

    /// The required properties of STIX 2.1 bundle, identity and indicator objects, with the id and timestamp forms.
    static func checkShape(_ bundle: JSONValue) throws -> [JSONValue] {
        #expect(bundle["type"]?.string == "bundle")
        let bid = try #require(bundle["id"]?.string)
        #expect(bid.hasPrefix("bundle--") && isID(bid))
        let objects = try #require(bundle["objects"]?.array)
        var identities = Set<String>()
        for o in objects {
            let type = try #require(o["type"]?.string)
            let id = try #require(o["id"]?.string)
            #expect(id.hasPrefix(type + "--"))
            #expect(isID(id), "id \(id)")
            #expect(o["spec_version"]?.string == "2.1")
            for key in ["created", "modified"] {
                let t = try #require(o[key]?.string, "\(type) lacks \(key)")
                #expect(isTime(t), "\(key) \(t)")
            }
            switch type {
            case "identity":
                #expect(o["name"]?.string?.isEmpty == false)
                identities.insert(id)
            case "indicator":
                #expect(o["pattern"]?.string?.hasPrefix("[") == true)
                #expect(o["pattern_type"]?.string == "stix")
                let vf = try #require(o["valid_from"]?.string)
                #expect(isTime(vf))
                if let by = o["created_by_ref"]?.string { #expect(identities.contains(by)) }
            default:
                Issue.record("unexpected object type \(type)")
            }
        }
        #expect(identities.count == 1)
        return objects.filter { $0["type"]?.string == "indicator" }
    }

    @Test func sampleBundleHasTheRequiredShape() throws {
        let input = try #require(MachineReportFixture.sample, "SampleLogs/incident-2026-03 is committed with the package")
        let indicators = try Self.checkShape(try JSONValue.parse(STIXBundle.render(input)))
        let patterns = indicators.compactMap { $0["pattern"]?.string }
        #expect(patterns.contains("[ipv4-addr:value = '203.0.113.45']"))
        #expect(patterns.contains("[user-account:user_id = 'deploy']"))
        #expect(patterns.contains("[url:value = '/uploads/shell.php']"))
        #expect(Set(patterns).count == patterns.count)
        // No victim host is exported as an indicator.
        #expect(!patterns.contains { $0.contains("web01") || $0.contains("app01") })
    }

    @Test func patternsHaveTheDocumentedFormsAndEscapeQuotes() throws {
        let input = MachineReportFixture.hostile()
        let indicators = try Self.checkShape(try JSONValue.parse(STIXBundle.render(input)))
        let patterns = Set(indicators.compactMap { $0["pattern"]?.string })
        #expect(patterns.contains("[ipv4-addr:value = '203.0.113.9']"))
        #expect(patterns.contains("[ipv6-addr:value = '2001:db8::9']"))
        #expect(patterns.contains("[ipv4-addr:value = '198.51.100.0/24']"))
        #expect(patterns.contains("[domain-name:value = 'evil.example']"))
        #expect(patterns.contains("[file:hashes.'SHA-256' = '\(String(repeating: "a", count: 64))']"))
        #expect(patterns.contains("[user-account:user_id = '+root<script>alert(1)</script>']"))
        #expect(
            patterns.contains(
                "[network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = 'sqlmap/1.5 (it\\'s a \\\\ back\\'slash)']"
            ))
        #expect(patterns.contains { $0.hasPrefix("[url:value = '/uploads/<script>") })
        #expect(!patterns.contains { $0.contains("victim-host") })
        let valid = indicators.compactMap { $0["valid_from"]?.string }
        #expect(valid.allSatisfy { $0 == "2026-03-11T19:21:41.000Z" })
        // Without `generated`, created/modified are the attack's last-seen time.
        #expect(indicators.allSatisfy { $0["created"]?.string == "2026-03-11T20:13:20.000Z" })
    }

    @Test func idsAreStableUUIDv5OfThePattern() throws {
        let a = STIXBundle.indicatorID(pattern: "[ipv4-addr:value = '203.0.113.9']")
        #expect(a == STIXBundle.indicatorID(pattern: "[ipv4-addr:value = '203.0.113.9']"))
        #expect(a != STIXBundle.indicatorID(pattern: "[ipv4-addr:value = '203.0.113.10']"))
        // RFC 9562 test vector: "www.example.com" in the DNS namespace.
        let dns: [UInt8] = [
            0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30,
            0xc8,
        ]
        #expect(
            UUIDv5.string("www.example.com", namespace: dns) == "2ed6657d-e927-568b-95e1-2665a8aea6a2")
    }

    @Test func literalEscapesBackslashAndQuote() {
        #expect(STIXBundle.literal("a'b\\c") == "'a\\'b\\\\c'")
    }
}
