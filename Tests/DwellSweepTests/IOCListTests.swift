import DwellCore
import DwellTestSupport
import Foundation
import Testing

@testable import DwellSweep

@Suite struct IOCListTests {
    func parse(_ text: String, name: String = "iocs.txt", lenient: Bool = false) throws -> IOCList {
        try IOCList.parse(Array(text.utf8), name: name, lenient: lenient)
    }

    @Test func textListDetectsEveryForm() throws {
        let list = try parse(
            """
            # attacker infrastructure
            203.0.113.9 # seen on web01
            198.51.100.0/24
            2001:db8::1
            evil.example
            d41d8cd98f00b204e9800998ecf8427e
            da39a3ee5e6b4b0d3255bfef95601890afd80709
            e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
            ip:192.0.2.7
            user:deploy
            ua:sqlmap/1.5
            ua:*Nikto*
            url:/uploads/shell.php
            url:http://evil.example/drop/x.sh
            url:/cgi-bin/*
            domain:c2.example
            host:web01
            hash:D41D8CD98F00B204E9800998ECF8427E\tnote after tab
            """)
        let texts = list.rules.map(\.text)
        #expect(
            texts == [
                "ip:203.0.113.9", "ip:198.51.100.0/24", "ip:2001:db8::1", "domain:evil.example",
                "hash:d41d8cd98f00b204e9800998ecf8427e", "hash:da39a3ee5e6b4b0d3255bfef95601890afd80709",
                "hash:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "ip:192.0.2.7", "user:deploy",
                "ua:sqlmap/1.5", "ua:*Nikto*", "url:/uploads/shell.php", "url://evil.example/drop/x.sh", "url:/cgi-bin/*",
                "domain:c2.example", "host:web01", "hash:d41d8cd98f00b204e9800998ecf8427e",
            ])
        #expect(list.rules[0].note == "seen on web01")
        #expect(list.rules[0].origin.line == 2)
        #expect(list.rules.last?.note == "note after tab")
        #expect(list.rules[10].atoms[0].mode == .substring)
        #expect(list.rules[14 - 1].atoms[0].mode == .prefix)
    }

    @Test func malformedIndicatorNamesFileAndLine() throws {
        let bad = "203.0.113.9\nip:999.1.1.1\n"
        #expect {
            try parse(bad)
        } throws: { error in
            guard let p = error as? IOCProblem else { return false }
            return p.kind == .malformed && p.origin.line == 2 && p.origin.file == "iocs.txt"
        }
        let lenient = try parse(bad, lenient: true)
        #expect(lenient.rules.count == 1)
        #expect(lenient.warnings.map(\.origin.line) == [2])
        #expect(throws: IOCProblem.self) { try parse("just words here\n") }
        #expect(throws: IOCProblem.self) { try parse("flavour:x\n") }
        #expect(throws: IOCProblem.self) { try parse("ip:0.0.0.0/0\n") }
    }

    @Test func csvList() throws {
        let list = try parse(
            """
            type,value,note
            ip,203.0.113.9,"first seen 11 Mar, web01"
            user,deploy,
            domain,evil.example,c2
            ua,"Mozilla/5.0 (X11; ""quoted"")",odd agent
            """, name: "iocs.csv")
        #expect(list.rules.map(\.text) == ["ip:203.0.113.9", "user:deploy", "domain:evil.example", "ua:Mozilla/5.0 (X11; \"quoted\")"])
        #expect(list.rules[0].note == "first seen 11 Mar, web01")
        #expect(list.rules[0].origin.line == 2)
    }

    static let bundle = #"""
        {"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", "objects": [
          {"type": "indicator", "spec_version": "2.1", "id": "indicator--0001", "pattern_type": "stix",
           "pattern": "[ipv4-addr:value = '203.0.113.9']", "valid_from": "2026-03-11T19:21:41Z"},
          {"type": "indicator", "spec_version": "2.1", "id": "indicator--0002", "pattern_type": "stix",
           "pattern": "[ipv4-addr:value = '203.0.113.0/24']", "valid_from": "2026-03-11T19:21:41Z"},
          {"type": "indicator", "spec_version": "2.1", "id": "indicator--0003", "pattern_type": "stix",
           "pattern": "[ipv6-addr:value = '2001:db8::1']", "valid_from": "2026-03-11T19:21:41Z"},
          {"type": "indicator", "spec_version": "2.1", "id": "indicator--0004", "pattern_type": "stix",
           "pattern": "[user-account:user_id = 'deploy']", "valid_from": "2026-03-11T19:21:41Z"},
          {"type": "indicator", "spec_version": "2.1", "id": "indicator--0005", "pattern_type": "stix",
           "pattern": "[url:value = '/uploads/shell.php']", "valid_from": "2026-03-11T19:21:41Z"},
          {"type": "indicator", "spec_version": "2.1", "id": "indicator--0006", "pattern_type": "stix",
           "pattern": "[domain-name:value = 'evil.example']", "valid_from": "2026-03-11T19:21:41Z"},
          {"type": "indicator", "spec_version": "2.1", "id": "indicator--0007", "pattern_type": "stix",
           "pattern": "[network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = 'sqlmap/1.5']", "valid_from": "2026-03-11T19:21:41Z"},
          {"type": "indicator", "spec_version": "2.1", "id": "indicator--0008", "pattern_type": "stix",
           "pattern": "[file:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'] OR [file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e' OR file:hashes.'SHA-1' = 'da39a3ee5e6b4b0d3255bfef95601890afd80709']", "valid_from": "2026-03-11T19:21:41Z"},
          {"type": "indicator", "spec_version": "2.1", "id": "indicator--0009", "pattern_type": "stix",
           "pattern": "[user-account:user_id = 'o\\'brien\\\\x']", "valid_from": "2026-03-11T19:21:41Z"},
          {"type": "indicator", "spec_version": "2.1", "id": "indicator--0010", "pattern_type": "stix",
           "pattern": "[ipv4-addr:value = '192.0.2.1' AND user-account:user_id = 'root']", "valid_from": "2026-03-11T19:21:41Z"},
          {"type": "indicator", "spec_version": "2.1", "id": "indicator--0011", "pattern_type": "stix",
           "pattern": "[ipv4-addr:value != '192.0.2.1']", "valid_from": "2026-03-11T19:21:41Z"},
          {"type": "indicator", "spec_version": "2.1", "id": "indicator--0012", "pattern_type": "stix",
           "pattern": "[process:name = 'nc']", "valid_from": "2026-03-11T19:21:41Z"},
          {"type": "indicator", "spec_version": "2.1", "id": "indicator--0013", "pattern_type": "sigma",
           "pattern": "title: x", "valid_from": "2026-03-11T19:21:41Z"},
          {"type": "indicator", "spec_version": "2.1", "id": "indicator--0014", "pattern_type": "stix",
           "pattern": "[ipv4-addr:value = '192.0.2.2'] WITHIN 300 SECONDS", "valid_from": "2026-03-11T19:21:41Z"},
          {"type": "identity", "id": "identity--1", "name": "dwell"}
        ]}
        """#

    @Test func stixBundleReadsEveryContractForm() throws {
        let list = try parse(Self.bundle, name: "iocs.stix.json")
        let byID = Dictionary(grouping: list.rules, by: { $0.origin.ref ?? "" })
        #expect(byID["indicator--0001"]?.first?.text == "ip:203.0.113.9")
        #expect(byID["indicator--0002"]?.first?.text == "ip:203.0.113.0/24")
        #expect(byID["indicator--0003"]?.first?.text == "ip:2001:db8::1")
        #expect(byID["indicator--0004"]?.first?.text == "user:deploy")
        #expect(byID["indicator--0005"]?.first?.text == "url:/uploads/shell.php")
        #expect(byID["indicator--0006"]?.first?.text == "domain:evil.example")
        #expect(byID["indicator--0007"]?.first?.text == "ua:sqlmap/1.5")
        #expect(byID["indicator--0008"]?.map { $0.atoms[0].value }.sorted() == [
            "d41d8cd98f00b204e9800998ecf8427e", "da39a3ee5e6b4b0d3255bfef95601890afd80709",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        ])
        #expect(byID["indicator--0009"]?.first?.atoms[0].value == "o'brien\\x")
        #expect(byID["indicator--0010"]?.first?.atoms.count == 2)
        // Unsupported: reported with the id, never dropped silently.
        let unsupported = list.warnings.filter { $0.kind == .unsupported }.compactMap(\.origin.ref).sorted()
        #expect(unsupported == ["indicator--0011", "indicator--0012", "indicator--0013", "indicator--0014"])
        #expect(byID["indicator--0001"]?.first?.origin.line == 2)
    }

    @Test func reportJSONAndMISP() throws {
        let report = """
            {"schema_version": 1, "tool": "dwell",
             "scope": {"hosts": [], "accounts": [{"value": "deploy", "reason": "attacker login"}],
                       "source_ips": [{"value": "203.0.113.45", "reason": "seed"}]},
             "indicators": [{"type": "ip", "value": "203.0.113.45"}, {"type": "url", "value": "/uploads/shell.php"},
                            {"type": "user_agent", "value": "sqlmap/1.5"}, {"type": "command", "value": "id"}]}
            """
        let r = try parse(report, name: "report.json")
        #expect(r.rules.map(\.text) == ["ip:203.0.113.45", "url:/uploads/shell.php", "ua:sqlmap/1.5", "user:deploy"])
        #expect(r.warnings.map(\.kind) == [.unsupported])

        let misp = """
            {"Event": {"info": "case", "Attribute": [
              {"type": "ip-src", "value": "203.0.113.9", "to_ids": true, "uuid": "a-1"},
              {"type": "domain", "value": "evil.example", "to_ids": true, "uuid": "a-2"},
              {"type": "ip-dst|port", "value": "198.51.100.7|443", "to_ids": true, "uuid": "a-3"},
              {"type": "comment", "value": "x", "to_ids": false, "uuid": "a-4"},
              {"type": "mutex", "value": "x", "to_ids": true, "uuid": "a-5"}]}}
            """
        let m = try parse(misp, name: "misp.json")
        #expect(m.rules.map(\.text) == ["ip:203.0.113.9", "domain:evil.example", "ip:198.51.100.7"])
        #expect(m.warnings.map(\.kind) == [.skipped, .unsupported])
    }

    @Test func brokenJSONIsAnError() {
        #expect(throws: IOCProblem.self) { try parse("{\"type\": \"bundle\", ", name: "x.json") }
    }
}

@Suite struct STIXPatternTests {
    @Test(arguments: [
        "[ipv4-addr:value = '1.2.3.4'",
        "ipv4-addr:value = '1.2.3.4'",
        "[ipv4-addr:value = '1.2.3.4]",
        "[ipv4-addr:value = 'a\\x']",
    ])
    func malformed(_ p: String) {
        #expect(throws: STIXPattern.Failure.self) { try STIXPattern.parse(p) }
    }

    @Test func parenthesesAndPrecedence() throws {
        let dnf = try STIXPattern.parse(
            "([ipv4-addr:value = '1.1.1.1'] OR [ipv4-addr:value = '2.2.2.2']) AND [user-account:user_id = 'x']")
        #expect(dnf.count == 2)
        #expect(dnf.allSatisfy { $0.count == 2 })
        let inner = try STIXPattern.parse("[a:value = 'x' OR b:value = 'y' AND c:value = 'z']")
        #expect(inner.map(\.count) == [1, 2])
    }
}

/// #23, found by fuzzing STIX patterns (Fuzz/regressions/stix/): an IP indicator that is only `/` split into nothing
/// and `IPNetwork("/")` read past the end. It is now a malformed indicator, in a pattern and in a text list alike.
@Suite struct IOCFuzzRegressionTests {
    @Test("#23 fuzz: an IP indicator of only a slash is malformed, not a trap")
    func ipIndicatorOfOnlyASlashIsMalformed() throws {
        #expect(IPNetwork("/") == nil)
        #expect(IPNetwork("//") == nil)
        #expect(IPNetwork("/24") == nil)
        let url = Fixture.packageRoot.appendingPathComponent("Fuzz/regressions/stix/ip-value-slash-alone.txt")
        let pattern = String(decoding: try Data(contentsOf: url), as: UTF8.self)
        let dnf = try STIXPattern.parse(pattern)
        let atoms = dnf.flatMap { $0 }.map { c -> Bool in (try? STIXPattern.atom(c)) != nil }
        #expect(atoms.contains(false))
        let list = try IOCList.parse(Array("ip:/\n203.0.113.9\n".utf8), name: "iocs.txt", lenient: true)
        #expect(list.rules.count == 1)
        #expect(list.warnings.contains { $0.kind == .malformed })
    }
}
