import DwellCore
import DwellTestSupport
import Foundation
import Testing

@testable import DwellAnalysis
@testable import DwellReports

/// Minimal RFC 4180 reader for the tests: records of cells (quotes, doubled quotes, line breaks in quotes).
enum CSVRead {
    static func records(_ bytes: [UInt8]) -> [[String]] {
        let text = String(decoding: bytes, as: UTF8.self)
        var rows: [[String]] = []
        var row: [String] = []
        var cell = ""
        var quoted = false
        var it = Array(text).makeIterator()
        var pending: Character? = nil
        while let c = pending ?? it.next() {
            pending = nil
            if quoted {
                if c == "\"" {
                    if let n = it.next() {
                        if n == "\"" {
                            cell.append("\"")
                        } else {
                            quoted = false
                            pending = n
                        }
                    } else {
                        quoted = false
                    }
                } else {
                    cell.append(c)
                }
                continue
            }
            switch c {
            case "\"": quoted = true
            case ",":
                row.append(cell)
                cell = ""
            case "\n":
                row.append(cell)
                rows.append(row)
                row = []
                cell = ""
            default: cell.append(c)
            }
        }
        if !cell.isEmpty || !row.isEmpty {
            row.append(cell)
            rows.append(row)
        }
        return rows
    }
}

@Suite struct CSVCellTests {
    @Test(arguments: [
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "\"'\rx\""),
        ("a,b", "\"a,b\""),
        ("say \"hi\"", "\"say \"\"hi\"\"\""),
        ("line\nbreak", "\"line\nbreak\""),
        ("=a,\"b\"", "\"'=a,\"\"b\"\"\""),
        ("plain text", "plain text"),
        ("a=b", "a=b"),
        ("\u{1b}[31mred", "\\x1B[31mred"),
    ])
    func cellsAreQuotedAndNeutralised(input: String, expected: String) {
        #expect(CSVCell.escaped(input) == expected)
    }

    @Test func invalidUTF8IsShownAsEscapesNotReplaced() {
        var out: [UInt8] = []
        CSVCell.append(bytes: [0x61, 0xff, 0xfe, 0x62], to: &out)
        #expect(String(decoding: out, as: UTF8.self) == "a\\xFF\\xFEb")
        #expect(!String(decoding: out, as: UTF8.self).contains("\u{FFFD}"))
    }
}

@Suite struct TimelineExportTests {
    @Test func jsonlHasTimesketchFieldsOnEveryLine() throws {
        let input = MachineReportFixture.hostile()
        let bytes = TimelineJSONL.render(input)
        let lines = bytes.split(separator: 0x0a)
        #expect(lines.count == 4)  // two timeline entries, two findings
        for line in lines {
            let v = try JSONValue.parse(Array(line))
            #expect(v["message"]?.string?.isEmpty == false)
            let dt = try #require(v["datetime"]?.string)
            #expect(dt.hasSuffix("+00:00") && dt.count == "2026-03-11T19:21:41.000000+00:00".count)
            let us = try #require(v["timestamp"]?.int)
            #expect(Timestamp(iso8601: dt)?.microseconds == us)
            #expect(v["timestamp_desc"]?.string == "Log Time")
            #expect(v["file"]?.string != nil && v["line"]?.int != nil && v["raw"]?.string != nil)
        }
    }

    @Test func jsonlEscapesHostileTextAndKeepsInvalidBytesVisible() throws {
        let bytes = TimelineJSONL.render(MachineReportFixture.hostile())
        // Every line is one JSON object: no raw newline, ESC or CR from attacker text leaked into the framing.
        #expect(!bytes.contains(0x1b) && !bytes.contains(0x0d) && !bytes.contains(0x09))
        let lines = bytes.split(separator: 0x0a)
        let finding = try #require(
            try lines.map { try JSONValue.parse(Array($0)) }.first {
                $0["rule"]?.string == "web.scanner_agent"
            })
        #expect(finding["user_agent"]?.string?.contains("\n") == true)  // kept exactly, escaped in JSON
        #expect(finding["raw"]?.string?.contains("\\xff\\xfe\\xc3") == true)
        // JSON needs no HTML escaping: the payload stays text inside a JSON string.
        #expect(String(decoding: bytes, as: UTF8.self).contains("<script>alert(1)</script>"))
    }

    @Test func timelineFieldsComeFromTheLeadingKeysNotFromAttackerPaths() throws {
        let rows = TimelineRows.rows(MachineReportFixture.hostile().investigation)
        let web = try #require(rows.first { $0.record == .timeline && $0.kind == "web_request" })
        #expect(web.sourceIP == "203.0.113.9")
        #expect(web.user.isEmpty)  // "user=admin" sits inside the requested path: not a field
        #expect(web.rule == "web.webshell")  // the finding on the same line
        let hop = try #require(rows.first { $0.record == .timeline && $0.kind == "auth_success" })
        #expect(hop.user == "+root<script>alert(1)</script>")
        #expect(hop.sourceHost == "web01" && hop.destinationHost.hasPrefix("-app"))
        #expect(hop.method == "ssh")
    }

    @Test func csvNeutralisesFormulasInEveryHostileCell() throws {
        let bytes = TimelineCSV.render(MachineReportFixture.hostile())
        let rows = CSVRead.records(bytes)
        let header = try #require(rows.first)
        #expect(header == TimelineCSV.columns)
        #expect(rows.count == 5)
        for row in rows.dropFirst() {
            #expect(row.count == header.count)
            for cell in row {
                guard let first = cell.utf8.first else { continue }
                #expect(!CSVCell.isFormulaTrigger(first), "cell starts a formula: \(cell.prefix(40))")
            }
        }
        #expect(!bytes.contains(0x1b))
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains("'+root<script>"))
        #expect(text.contains("\"'-app\"\"><img"))  // quoted, neutralised, quotes doubled
        #expect(text.contains("\\xFF\\xFE\\xC3"))
    }

    @Test func l2tcsvHasSeventeenColumnsAndPlasoDates() throws {
        let rows = CSVRead.records(TimelineL2TCSV.render(MachineReportFixture.hostile()))
        #expect(rows.first == TimelineL2TCSV.columns)
        #expect(TimelineL2TCSV.columns.count == 17)
        let first = try #require(rows.dropFirst().first)
        #expect(first.count == 17)
        #expect(first[0] == "03/11/2026")  // MM/DD/YYYY
        #expect(first[1] == "19:21:41")
        #expect(first[2] == "UTC")
        #expect(first[11] == "2")
        for row in rows.dropFirst() {
            #expect(row.count == 17)
            // dwell's own placeholder is a lone "-" (plaso's "no value"); every other cell is neutralised.
            for cell in row where cell != "-" {
                #expect(cell.utf8.first.map(CSVCell.isFormulaTrigger) != true)
            }
        }
        #expect(rows[1][13] == "-")  // inode
    }

    @Test func rowsAreSortedByTimeThenTimelineBeforeFinding() {
        let rows = TimelineRows.rows(MachineReportFixture.hostile().investigation)
        #expect(rows.map(\.record) == [.timeline, .finding, .finding, .timeline])
        #expect(zip(rows, rows.dropFirst()).allSatisfy { $0.time <= $1.time })
    }
}
