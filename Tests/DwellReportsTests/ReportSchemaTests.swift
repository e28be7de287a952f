import DwellCore
import DwellTestSupport
import Foundation
import Testing

@testable import DwellAnalysis
@testable import DwellReports

/// report.json against docs/report.schema.json (draft 2020-12), with dwell's subset validator.
@Suite struct ReportSchemaTests {
    static func validator() throws -> JSONSchemaValidator {
        let url = Fixture.packageRoot.appendingPathComponent("docs/report.schema.json")
        let data = try #require(
            FileManager.default.contents(atPath: url.path), "docs/report.schema.json is missing")
        return JSONSchemaValidator(schema: try JSONValue.parse(Array(data)))
    }

    @Test func sampleReportMatchesTheSchema() throws {
        let input = try #require(MachineReportFixture.sample, "SampleLogs/incident-2026-03 is committed with the package")
        var v = try Self.validator()
        let report = try #require(ReportSet.render(input, formats: [.json]).first)
        #expect(report.path == "report.json")
        let violations = v.validate(try JSONValue.parse(report.bytes))
        #expect(
            violations.isEmpty, "\(violations.prefix(10).map(\.description).joined(separator: "\n"))")
    }

    @Test func hostileReportMatchesTheSchema() throws {
        var v = try Self.validator()
        let input = MachineReportFixture.hostile()
        let bytes = ReportJSON.render(
            input.investigation, files: [], discoveryIssues: [], generated: nil)
        let violations = v.validate(try JSONValue.parse(bytes))
        #expect(
            violations.isEmpty, "\(violations.prefix(10).map(\.description).joined(separator: "\n"))")
    }

    @Test func wrongDocumentsFail() throws {
        var v = try Self.validator()
        let input = try #require(MachineReportFixture.sample, "SampleLogs/incident-2026-03 is committed with the package")
        let good = try JSONValue.parse(
            ReportJSON.render(
                input.investigation, files: input.files, discoveryIssues: [], generated: nil))
        guard case .object(var top) = good else {
            Issue.record("report.json is not an object")
            return
        }
        // A missing required key, a wrong type, a bad enum value, a bad time, an unknown key.
        top.removeAll { $0.0 == "findings" }
        top = top.map { $0.0 == "schema_version" ? ($0.0, .string("1")) : $0 }
        top.append(("surprise", .int(1)))
        let violations = v.validate(.object(top))
        let text = violations.map(\.description).joined(separator: "\n")
        #expect(text.contains("missing required property 'findings'"))
        #expect(text.contains("$.schema_version"))
        #expect(text.contains("property 'surprise' is not allowed"))

        var badAttack = try JSONValue.parse(
            Array(
                #"{"first_seen":"11/Mar/2026","last_seen":null,"duration_seconds":-5,"severity":"urgent","entry_points":[],"seeds":[],"growth":""}"#
                    .utf8))
        var sub = JSONSchemaValidator(schema: v.schema)
        let attackSchema = try #require(v.schema["properties"]?["attack"])
        sub = JSONSchemaValidator(
            schema: .object([("$defs", v.schema["$defs"] ?? .null)] + (attackSchema.objectMembers ?? [])))
        let attackViolations = sub.validate(badAttack).map(\.description).joined(separator: "\n")
        #expect(attackViolations.contains("$.first_seen"))
        #expect(attackViolations.contains("$.duration_seconds"))
        #expect(attackViolations.contains("$.severity"))
        badAttack = .null
        #expect(!sub.validate(badAttack).isEmpty)
    }

    @Test func validatorRejectsKeywordsOutsideItsSubset() {
        var v = JSONSchemaValidator(
            schema: .object([("type", .string("string")), ("format", .string("email"))]))
        #expect(
            v.validate(.string("x")).contains {
                $0.message.contains("unsupported schema keyword 'format'")
            })
    }

    @Test func validatorHandlesOneOfRefsAndIntegers() throws {
        let schema = try JSONValue.parse(
            Array(
                ##"{"$defs":{"n":{"type":"integer","minimum":1}},"oneOf":[{"$ref":"#/$defs/n"},{"type":"null"}]}"##
                    .utf8))
        var v = JSONSchemaValidator(schema: schema)
        #expect(v.validate(.int(3)).isEmpty)
        #expect(v.validate(.null).isEmpty)
        #expect(!v.validate(.int(0)).isEmpty)
        #expect(!v.validate(.double(1.5)).isEmpty)
        #expect(!v.validate(.string("3")).isEmpty)
    }

    @Test func parserRejectsDuplicateKeysAndTrailingBytes() {
        #expect(throws: JSONValue.ParseError.self) {
            try JSONValue.parse(Array(#"{"a":1,"a":2}"#.utf8))
        }
        #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(Array(#"{"a":1} x"#.utf8)) }
        #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(Array("\"a\u{1}\"".utf8)) }
    }
}

extension JSONValue {
    var objectMembers: [(String, JSONValue)]? {
        if case .object(let m) = self { return m }
        return nil
    }
}
