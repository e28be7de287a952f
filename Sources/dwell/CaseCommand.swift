import ArgumentParser
import DwellAnalysis
import DwellCase
import DwellCore
import DwellIngest
import Foundation

struct CaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "case",
        abstract: "Work with a persistent case directory: verify it against the evidence, export it to SQLite.",
        subcommands: [CaseVerifyCommand.self, CaseExportCommand.self])
}

struct CaseVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Hash the evidence again and say what changed since the case was built.",
        discussion: """
            Each recorded file is hashed (SHA-256) and compared: unchanged, grown (the recorded bytes are still its
            start: a log appended to), changed, or missing (with the path it was renamed to, when a new file has its
            hash: rotation). New files under the case's inputs are listed. Exits 0 when everything is as recorded,
            3 otherwise (2 when the case itself cannot be opened).

            EXAMPLE
              dwell case verify case-42

            \(ExitStatus.helpText)
            """)

    @Argument(help: ArgumentHelp("The case directory.", valueName: "DIR"))
    var directory: String

    func run() throws {
        let c = try openCase(directory)
        let v = c.verify()
        var out = StandardOutput()
        func s(_ t: String) -> String { TerminalText.safe(t) }
        var counts: [String: Int] = [:]
        for e in v.entries {
            let line: String
            switch e.state {
            case .unchanged: line = "unchanged  \(s(e.file.displayPath))"
            case .standardInput:
                line = "stdin      \(s(e.file.displayPath)) (read from standard input; not hashed again)"
            case .grown(let bytes):
                line =
                    "grown      \(s(e.file.displayPath)): \(bytes) bytes appended after the \(e.recordedBytes) recorded"
            case .changed(let sha, let size):
                line =
                    "changed    \(s(e.file.displayPath)): sha256 \(e.recordedSHA256) → \(sha), \(e.recordedBytes) → \(size) bytes"
            case .missing(let why, let renamed):
                line =
                    "missing    \(s(e.file.displayPath)): \(s(why))\(renamed.map { "; its content is now \(s($0)) (rotated)" } ?? "")"
            }
            counts[String(line.prefix(while: { $0 != " " })), default: 0] += 1
            out.write(line + "\n")
        }
        for n in v.newFiles {
            out.write(
                "new        \(s(n.file.displayPath))\(n.sameAs.map { ": same content as recorded \(s($0)) (rotated)" } ?? "")\n"
            )
        }
        let summary = counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        out.write(
            v.isIntact
                ? "The evidence is as recorded (\(summary)).\n"
                : "The evidence changed (\(summary)\(v.newFiles.isEmpty ? "" : ", \(v.newFiles.count) new")); `dwell index \(c.inputs.map(s).joined(separator: " ")) --case \(s(directory))` adds what is new.\n"
        )
        out.flush()
        if !v.isIntact { throw ExitStatus.evidenceProblems.code }
    }
}

struct CaseExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a case into an SQLite database: events, findings, scope, lateral edges, timeline, manifest.",
        discussion: """
            Tables: events (integer ids; text in strings, addresses, files, kinds), findings, evidence, scope,
            lateral_edges, timeline, files, manifest_issues, case_info. Views: events_text (every event with its
            text), attack_timeline, logins, web_requests, connections. Indexes on time and on each indicator
            column. The schema is in docs/DESIGN.md ("The case in SQL").

            EXAMPLES
              dwell case export case-42 --sqlite case-42.db
              sqlite3 case-42.db "SELECT * FROM logins WHERE outcome = 'success' LIMIT 20"
            """)

    @Argument(help: ArgumentHelp("The case directory.", valueName: "DIR"))
    var directory: String

    @Option(help: ArgumentHelp("The database to write (replaced if it exists).", valueName: "FILE"))
    var sqlite: String

    func run() throws {
        let c = try openCase(directory)
        let inv = try caseInvestigation(c, seeds: [], options: IngestOptions())
        do {
            let e = try CaseSQLite.export(c, investigation: inv, to: sqlite)
            var out = StandardOutput()
            out.write("Wrote \(e.events) events and \(inv.findings.count) findings to \(TerminalText.safe(sqlite))\n")
            let rate = { (s: Double) in s > 0 ? String(Int(Double(e.events) / s)) : "-" }
            let f = { (s: Double) in String(format: "%.2f", s) }
            out.write(
                "Events: rows \(f(e.rowSeconds)) s (\(rate(e.rowSeconds))/s), indexes \(f(e.indexSeconds)) s; \(rate(e.eventSeconds)) events/s in all\n"
            )
            out.write(
                "CPU: rows \(f(e.rowCPUSeconds)) s, indexes \(f(e.indexCPUSeconds)) s; \(rate(e.rowCPUSeconds + e.indexCPUSeconds)) events per CPU-second\n"
            )
            out.write(
                "Indexes (wall/CPU s): \(e.indexCosts.map { "\($0.name) \(f($0.seconds))/\(f($0.cpuSeconds))" }.joined(separator: ", "))\n"
            )
            out.flush()
        } catch {
            printError("dwell: \(TerminalText.safe(error.description))")
            throw ExitStatus.usage.code
        }
    }
}

struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Run SQL over a case (read-only), printing tab-separated rows with a header.",
        discussion: """
            The case is exported to DIR/case.sqlite on first use (and again when the case is newer); the database
            is opened read-only. Values are shown as dwell shows evidence: control characters and invalid UTF-8
            escaped, tabs and newlines inside a value as \\t and \\n. The tables and views are those of
            `dwell case export`.

            EXAMPLES
              dwell query case-42 "SELECT time, host, user, src_ip FROM logins WHERE outcome = 'success'"
              dwell query case-42 "SELECT src_ip, count(*) n FROM web_requests GROUP BY 1 ORDER BY n DESC LIMIT 10"
            """)

    @Argument(help: ArgumentHelp("The case directory.", valueName: "DIR"))
    var directory: String

    @Argument(help: ArgumentHelp("One SQL statement.", valueName: "SQL"))
    var sql: String

    func run() throws {
        let db = directory + "/case.sqlite"
        let fm = FileManager.default
        let caseTime = (try? fm.attributesOfItem(atPath: directory + "/manifest.dwell"))?[.modificationDate] as? Date
        let dbTime = (try? fm.attributesOfItem(atPath: db))?[.modificationDate] as? Date
        if dbTime == nil || caseTime.map({ $0 > dbTime ?? .distantPast }) == true {
            let c = try openCase(directory)
            let inv = try caseInvestigation(c, seeds: [], options: IngestOptions())
            do {
                _ = try CaseSQLite.export(c, investigation: inv, to: db)
            } catch {
                printError("dwell: \(TerminalText.safe(error.description))")
                throw ExitStatus.usage.code
            }
        }
        let result: CaseSQLite.QueryResult
        do {
            result = try CaseSQLite.query(sql, database: db)
        } catch {
            printError("dwell: \(TerminalText.safe(error.description))")
            throw ExitStatus.usage.code
        }
        var out = StandardOutput()
        func cell(_ v: String?) -> String {
            guard let v else { return "NULL" }
            return TerminalText.safe(v)
        }
        out.write(result.columns.map(cell).joined(separator: "\t") + "\n")
        for row in result.rows { out.write(row.map(cell).joined(separator: "\t") + "\n") }
        out.flush()
    }
}
