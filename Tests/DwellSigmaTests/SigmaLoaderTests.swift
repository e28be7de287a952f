import DwellAnalysis
import DwellCore
import DwellSigma
import DwellTestSupport
import Foundation
import Testing

@Suite struct SigmaLoaderTests {
    @Test func everyDocumentIsLoadedUnsupportedOrNotApplicableWithTheReason() throws {
        let dir = try Fixture.temporaryDirectory("sigma-rules")
        try Fixture.write(webRule("Good", "    sel:\n        cs-method: POST\n    condition: sel"), to: dir.appendingPathComponent("a/good.yml"))
        try Fixture.write(
            webRule("Expand", "    sel:\n        cs-uri-query|expand: '%x%'\n    condition: sel"),
            to: dir.appendingPathComponent("a/b/expand.yaml"))
        try Fixture.write(
            webRule("Referer", "    sel:\n        cs-referer|contains: evil\n    condition: sel"),
            to: dir.appendingPathComponent("referer.yml"))
        try Fixture.write(
            "title: Proc\nid: p\nlogsource:\n    product: linux\n    category: process_creation\ndetection:\n    sel:\n        Image|endswith: /nc\n    condition: sel\n",
            to: dir.appendingPathComponent("proc.yml"))
        try Fixture.write("title: [broken\n", to: dir.appendingPathComponent("broken.yml"))
        try Fixture.write(
            "title: Near\nid: n\nlogsource:\n    category: webserver\ndetection:\n    a:\n        cs-method: GET\n    condition: a | near b\n",
            to: dir.appendingPathComponent("near.yml"))
        try Fixture.write(
            "title: Corr\nid: c\ncorrelation:\n    type: event_count\n    rules: [missing]\n    timespan: 5m\n    condition:\n        gte: 3\n",
            to: dir.appendingPathComponent("corr.yml"))
        try Fixture.write("not a rule file", to: dir.appendingPathComponent("notes.txt"))
        let set = SigmaRuleSet.load(paths: [dir.path])
        #expect(set.files == 7)
        #expect(set.statuses.count == 7)
        func state(_ suffix: String) -> SigmaRuleStatus.State? { set.statuses.first { $0.file.hasSuffix(suffix) }?.state }
        #expect(state("good.yml") == .loaded)
        #expect(state("expand.yaml") == .unsupported("modifier 'expand'"))
        guard case .notApplicable(let why)? = state("referer.yml") else { Issue.record("referer"); return }
        #expect(why.contains("cs-referer"))
        guard case .notApplicable(let why2)? = state("proc.yml") else { Issue.record("proc"); return }
        #expect(why2.contains("process_creation"))
        guard case .unsupported(let why3)? = state("broken.yml") else { Issue.record("broken"); return }
        #expect(why3.hasPrefix("YAML"))
        guard case .unsupported(let why4)? = state("near.yml") else { Issue.record("near"); return }
        #expect(why4.contains("only count()"))
        guard case .unsupported(let why5)? = state("corr.yml") else { Issue.record("corr"); return }
        #expect(why5.contains("missing"))
        #expect(set.loadedCount == 1 && set.unsupportedCount == 4 && set.notApplicableCount == 2)
        #expect(set.runnable.count == 1)
    }

    @Test func conditionGrammarBindsNotThenAndThenOr() throws {
        let (c, agg) = try SigmaConditionParser.parse("a or not b and (c or 1 of d*) | count(x) by y >= 4")
        #expect(c == .or([.search("a"), .and([.not(.search("b")), .or([.search("c"), .of(pattern: "d*", all: false)])])]))
        #expect(agg == SigmaAggregation(field: "x", groupBy: "y", comparison: SigmaComparison(op: .gte, value: 4)))
        #expect(throws: SigmaConditionError.self) { try SigmaConditionParser.parse("a and") }
        #expect(throws: SigmaConditionError.self) { try SigmaConditionParser.parse("(a or b") }
        #expect(SigmaCondition.expand("them", in: ["a", "_hidden", "b"]) == ["a", "b"])
    }

    @Test func patternsHonourEscapesAndWildcards() {
        func m(_ p: String, _ t: String, cased: Bool = false) -> Bool {
            var f: [UInt8] = []
            let bytes = Array(t.utf8)
            bytes.withUnsafeBufferPointer { SigmaPattern.fold($0, into: &f) }
            return SigmaPattern(p, cased: cased).matches(cased ? bytes : f)
        }
        #expect(m("a*c", "abbbc") && !m("a*c", "abbb"))
        #expect(m("a?c", "abc") && !m("a?c", "ac"))
        #expect(m("a\\*c", "a*c") && !m("a\\*c", "abc"))
        // `\*` is an asterisk; a backslash before a wildcard is written `\\`.
        #expect(!m("C:\\Windows\\*", "c:\\windows\\system32") && m("C:\\Windows\\*", "c:\\windows*"))
        #expect(m("C:\\Windows\\\\*", "c:\\windows\\system32"))
        // `\\` is one backslash everywhere (SigmaHQ writes the admin share `\\*\ADMIN$` as `\\\\\*\\ADMIN$`).
        #expect(m("\\\\\\\\\\*\\\\ADMIN$", "\\\\*\\admin$") && !m("\\\\\\\\\\*\\\\ADMIN$", "\\\\srv\\admin$"))
        #expect(m("C:\\\\Windows\\System32", "c:\\windows\\system32"))
        #expect(m("*x*y*z", "..x..y..y..z") && !m("*x*y*z", "zyx"))
        #expect(!m("ABC", "abc", cased: true) && m("ABC", "ABC", cased: true))
    }

    @Test func windashAndBase64OffsetVariants() {
        #expect(SigmaCompiler.windash(" -enc").contains(" /enc"))
        #expect(SigmaCompiler.windash("-enc").contains("\u{2013}enc"))
        // "whoami" at offsets 0, 1, 2 of a base64 stream.
        let v = SigmaCompiler.base64Offsets("whoami")
        #expect(v.count == 3)
        #expect(v[0] == "d2hvYW1p")
        for (shift, s) in v.enumerated() {
            let enc = Data(Array(repeating: UInt8(ascii: "x"), count: shift) + Array("whoami".utf8) + [0x21]).base64EncodedString()
            #expect(enc.contains(s), "offset \(shift): \(s) in \(enc)")
        }
    }
}

@Suite struct SigmaHostileRuleTests {
    @Test func hugeTimespansAndCountsAreRefusedNotOverflowed() {
        #expect(SigmaLoader.timespan("9223372036854775807w") == nil)
        #expect(SigmaLoader.timespan("101y") == nil)
        #expect(SigmaLoader.timespan("15m") == 900)
        let set = SigmaHarness.rules(
            webRule("T", "    sel:\n        cs-method: GET\n    condition: sel | count() > 1\n    timeframe: 99999999999999d"))
        #expect(set.loadedCount == 0 && set.unsupportedCount == 1)
    }

    @Test func malformedDetectionsAreReportedNotCrashed() {
        for d in [
            "    sel:\n    condition: sel", "    sel: [1, [2]]\n    condition: sel", "    sel:\n        a: b\n    condition: ((sel",
            "    sel:\n        cs-method|re: '('\n    condition: sel", "    sel:\n        c-ip|cidr: 999.1.1.1/99\n    condition: sel",
            "    sel:\n        sc-status|gt: many\n    condition: sel", "    condition: 1 of nothing*",
        ] {
            let set = SigmaHarness.rules(webRule("T", d))
            #expect(set.statuses.count == 1 && set.loadedCount == 0, "\(d): \(set.statuses.map(\.state))")
        }
    }
}
