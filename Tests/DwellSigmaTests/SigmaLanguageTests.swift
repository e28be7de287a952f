import DwellAnalysis
import DwellCore
import DwellSigma
import DwellTestSupport
import Foundation
import Testing

/// The rule language over real parsing: each modifier, condition form and aggregation against a small access log
/// and auth log, with the matching lines named.
@Suite struct SigmaLanguageTests {
    static let web = accessLog([
        ("203.0.113.9", "GET /index.php?id=1%27+UNION+select+1-- HTTP/1.1", 200, "sqlmap/1.5"),
        ("198.51.100.7", "GET /../../etc/passwd HTTP/1.1", 400, "curl/8.0"),
        ("10.0.0.5", "POST /upload.php HTTP/1.1", 200, "Mozilla/5.0"),
        ("203.0.113.9", "GET /admin HTTP/1.1", 403, "Nikto"),
        ("10.0.0.6", "GET /cmd.php?c=d2hvYW1p HTTP/1.1", 200, "Mozilla/5.0"),
        ("10.0.0.7", "GET /run?x=1 HTTP/1.1", 200, "tool /enc abc"),
    ])

    static let harness = Result { try SigmaHarness(["access.log": web]) }

    func lines(_ detection: String, extra: String = "") throws -> [Int] {
        let h = try Self.harness.get()
        let set = SigmaHarness.rules(webRule("T", detection, extra: extra))
        #expect(set.loadedCount == 1, "\(set.statuses.map(\.state))")
        return h.matchedLines(set)["T"] ?? []
    }

    @Test func containsAllStartsWithEndsWithAndCaseFolding() throws {
        #expect(try lines("    sel:\n        cs-uri-query|contains|all: ['union', 'select']\n    condition: sel") == [1])
        #expect(try lines("    sel:\n        cs-uri-stem|startswith: '/../'\n    condition: sel") == [2])
        #expect(try lines("    sel:\n        cs-uri-stem|endswith: '.PHP'\n        cs-method: POST\n    condition: sel") == [3])
        #expect(try lines("    sel:\n        cs-user-agent: nikto\n    condition: sel") == [4])
        #expect(try lines("    sel:\n        cs-user-agent|cased: nikto\n    condition: sel") == [])
        #expect(try lines("    sel:\n        cs-user-agent: 'SQL*/1.?'\n    condition: sel") == [1])
        #expect(try lines("    sel:\n        cs-user-agent: 'sql\\*'\n    condition: sel") == [])
    }

    @Test func regexCidrAndNumbers() throws {
        #expect(try lines("    sel:\n        cs-uri-query|re: 'id=\\d+'\n    condition: sel") == [1])
        #expect(try lines("    sel:\n        cs-user-agent|re: '^NIKTO$'\n    condition: sel") == [])
        #expect(try lines("    sel:\n        cs-user-agent|re|i: '^NIKTO$'\n    condition: sel") == [4])
        #expect(try lines("    sel:\n        c-ip|cidr: 10.0.0.0/8\n    condition: sel") == [3, 5, 6])
        #expect(try lines("    sel:\n        sc-status|gte: 400\n    condition: sel") == [2, 4])
        #expect(try lines("    sel:\n        sc-status|lt: 400\n    condition: sel") == [1, 3, 5, 6])
        #expect(try lines("    sel:\n        sc-status: 403\n    condition: sel") == [4])
    }

    @Test func base64WindashExistsNullAndFieldref() throws {
        #expect(try lines("    sel:\n        cs-uri-query|base64|contains: whoami\n    condition: sel") == [5])
        #expect(try lines("    sel:\n        cs-uri-query|base64offset|contains: whoami\n    condition: sel") == [5])
        #expect(try lines("    sel:\n        cs-user-agent|windash|contains: ' -enc '\n    condition: sel") == [6])
        #expect(try lines("    sel:\n        cs-username|exists: false\n    condition: sel") == [1, 2, 3, 4, 5, 6])
        #expect(try lines("    sel:\n        cs-username|exists: true\n    condition: sel") == [])
        // cs-uri-query is the request target (path and query): null never holds for it, the stem's own query does.
        #expect(try lines("    sel:\n        cs-uri-stem: null\n    condition: sel") == [])
        // The target equals the stem exactly when there is no query.
        #expect(try lines("    sel:\n        cs-uri-stem|fieldref: cs-uri-query\n    condition: sel") == [2, 3, 4])
    }

    @Test func conditionsOfThemNotAndParentheses() throws {
        let d = """
                sel_scan:
                    cs-user-agent|contains: ['sqlmap', 'nikto']
                sel_trav:
                    cs-uri-stem|contains: '../'
                filter:
                    c-ip: 203.0.113.9
            """
        #expect(try lines(d + "\n    condition: 1 of sel_*") == [1, 2, 4])
        #expect(try lines(d + "\n    condition: all of sel_*") == [])
        #expect(try lines(d + "\n    condition: 1 of sel_* and not filter") == [2])
        #expect(try lines(d + "\n    condition: not (sel_scan or sel_trav)") == [3, 5, 6])
        #expect(try lines(d + "\n    condition: 1 of them") == [1, 2, 4])
        #expect(try lines(d + "\n    condition: all of them") == [])
        #expect(try lines(d + "\n    condition: sel_scan and filter or sel_trav") == [1, 2, 4])
    }

    @Test func keywordsSearchTheRawLine() throws {
        #expect(try lines("    keywords:\n        - 'etc/passwd'\n        - 'UPLOAD.php'\n    condition: keywords") == [2, 3])
        #expect(try lines("    keywords:\n        '|all':\n            - 'nikto'\n            - '/admin'\n    condition: keywords") == [4])
    }

    @Test func countByFieldWithinTimeframe() throws {
        let h = try Self.harness.get()
        func run(_ agg: String, _ timeframe: String) -> [[Int]] {
            let set = SigmaHarness.rules(
                webRule("T", "    sel:\n        sc-status|gte: 200\n    condition: sel | \(agg)\n    timeframe: \(timeframe)"))
            #expect(set.loadedCount == 1, "\(set.statuses.map(\.state))")
            return h.run(set).matches.map { $0.positions.map { Int(h.store.line[$0]) }.sorted() }
        }
        // 203.0.113.9 asked at minutes 0 and 3; nobody else twice.
        #expect(run("count() by c-ip > 1", "5m") == [[1, 4]])
        #expect(run("count() by c-ip > 1", "2m") == [])
        #expect(run("count() > 5", "1h") == [[1, 2, 3, 4, 5, 6]])
        #expect(run("count(cs-uri-stem) by c-ip >= 2", "5m") == [[1, 4]])
    }

    @Test func correlationsEventCountValueCountTemporal() throws {
        let h = try Self.harness.get()
        let base = """
            title: From203
            id: from-203
            name: from_203
            logsource:
                category: webserver
            detection:
                sel:
                    c-ip: 203.0.113.9
                condition: sel
            ---
            title: Sqlmap
            id: sqlmap
            logsource:
                category: webserver
            detection:
                sel:
                    cs-user-agent|contains: sqlmap
                condition: sel
            ---
            title: Admin
            id: admin
            logsource:
                category: webserver
            detection:
                sel:
                    cs-uri-stem: /admin
                condition: sel
            ---
            """
        func corr(_ body: String) -> [[Int]] {
            let set = SigmaHarness.rules(base + "\ntitle: C\nid: c\nlevel: high\ncorrelation:\n" + body)
            #expect(set.loadedCount == 4, "\(set.statuses.map(\.state))")
            let ms = h.run(set).matches
            // The referenced rules do not report alone (no generate: true); the others do.
            let referenced = ["From203", "Sqlmap", "Admin"].filter { body.contains($0 == "From203" ? "from_203" : $0.lowercased()) }
            #expect(!ms.contains { referenced.contains(set.runnable[$0.rule].rule.title) })
            return ms.filter { set.runnable[$0.rule].rule.title == "C" }.map { $0.positions.map { Int(h.store.line[$0]) }.sorted() }
        }
        #expect(corr("    type: event_count\n    rules: [from_203]\n    group-by: [c-ip]\n    timespan: 5m\n    condition:\n        gte: 2") == [[1, 4]])
        #expect(corr("    type: event_count\n    rules: [from_203]\n    group-by: [c-ip]\n    timespan: 2m\n    condition:\n        gte: 2") == [])
        #expect(corr("    type: value_count\n    rules: [from_203]\n    group-by: [c-ip]\n    timespan: 5m\n    condition:\n        field: cs-uri-stem\n        gte: 2") == [[1, 4]])
        #expect(corr("    type: value_count\n    rules: [from_203]\n    group-by: [c-ip]\n    timespan: 5m\n    condition:\n        field: cs-uri-stem\n        gte: 3") == [])
        #expect(corr("    type: temporal\n    rules: [sqlmap, admin]\n    group-by: [c-ip]\n    timespan: 5m") == [[1, 4]])
        #expect(corr("    type: temporal\n    rules: [sqlmap, admin]\n    group-by: [c-ip]\n    timespan: 2m") == [])
    }

    @Test func linuxServicesSelectTheirProgramsAndKeywords() throws {
        let auth = """
            Mar 10 10:00:00 web01 sshd[100]: Failed password for root from 198.51.100.7 port 2222 ssh2
            Mar 10 10:00:10 web01 sshd[100]: Failed password for admin from 198.51.100.7 port 2222 ssh2
            Mar 10 10:05:00 web01 sudo:      bob : TTY=pts/0 ; PWD=/home/bob ; USER=#-1 ; COMMAND=/bin/bash
            Mar 10 10:06:00 web01 CRON[200]: (root) CMD (rm -rf /var/log/syslog)

            """
        let h = try SigmaHarness(["auth.log": auth])
        func rule(_ service: String, _ detection: String) -> String {
            "title: T\nid: t\nlogsource:\n    product: linux\n    service: \(service)\ndetection:\n\(detection)\n"
        }
        let kw = "    keywords:\n        - 'failed password'\n        - 'rm -rf /var/log/syslog'\n    condition: keywords"
        #expect(h.matchedLines(SigmaHarness.rules(rule("sshd", kw)))["T"] == [1, 2])
        #expect(h.matchedLines(SigmaHarness.rules(rule("cron", kw)))["T"] == [4])
        #expect(h.matchedLines(SigmaHarness.rules(rule("auth", kw)))["T"] == [1, 2, 4])
        let sudo = "    sel:\n        USER|startswith: '#-'\n    condition: sel"
        #expect(h.matchedLines(SigmaHarness.rules(rule("sudo", sudo)))["T"] == [3])
    }
}
