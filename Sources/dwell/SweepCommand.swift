import ArgumentParser
import DwellCore
import DwellSweep
import Foundation

extension IOCList.Format: ExpressibleByArgument {}
extension HitFormat: ExpressibleByArgument {}

struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Check logs for known indicators (a past attacker's return): streaming, resumable, with exit codes.",
        discussion: """
            Reads each file once, from the parser straight to the matcher (no index; memory stays flat whatever the
            input size), and prints one line per hit: time, host, indicator (with its list file and line), the field
            it was found in, the event kind, and the evidence file, line and raw text. A summary goes to stderr.

            INDICATOR LISTS (--iocs, repeatable; format detected by content, or --iocs-format)
              text   one per line: 203.0.113.9, 203.0.113.0/24, 2001:db8::1, evil.example, a hash (MD5/SHA-1/SHA-256),
                     or typed: ip: user: host: domain: url: ua: hash:. '#' starts a comment; a note may follow ' #'.
                     url:/uploads/* and url:/uploads/ match by prefix; ua:*sqlmap* by substring, ua:sqlmap* by prefix.
              csv    type,value[,note]
              stix   a STIX 2.1 bundle (iocs.stix.json): equality comparisons joined by AND/OR; anything else is
                     reported as unsupported with the indicator's id, never silently dropped
              report dwell's report.json (indicators, scope.source_ips, scope.accounts)
              misp   MISP event JSON (attributes with to_ids)
            Matching is on normalised fields: source/destination IP and X-Forwarded-For against addresses and CIDR
            ranges; users; hosts; domains (DNS, TLS SNI, HTTP Host; subdomains match their parent); URL paths;
            user agents; file hashes. Hashes are also found anywhere in the raw line, and lines no parser
            understands are matched in raw mode (--raw does it for every line).

            STATE (--state FILE)
              Remembers per file its identity (device, inode, size, SHA-256 of its first 4 KiB) and the offset swept,
              so the next run reads only what is new. A renamed rotation (auth.log -> auth.log.1) resumes; a gzipped
              rotation is recognised by its decompressed content, the part already swept is skipped (offsets of gzip
              files are in decompressed bytes) and, once read to its end, it is not opened again while unchanged. A
              truncated (copytruncate) or replaced file is swept from the start. A line still being written (no
              newline yet) is left for the next run. The state is written atomically; a corrupt state file stops
              the sweep with status 2 (use --reset-state to start over).

            EXAMPLES
              dwell sweep --iocs case-1/iocs.stix.json /var/log
              dwell sweep --iocs iocs.txt --state /var/lib/dwell/sweep.state /var/log --output text
              dwell sweep --iocs report.json --iocs extra.csv --since 2026-03-01 /mnt/image/var/log
              zcat access.log.*.gz | dwell sweep --iocs iocs.txt -
              # hourly cron: mail only when the attacker is back
              dwell sweep --iocs iocs.txt --state sweep.state /var/log > hits.jsonl; [ $? -eq 1 ] && mail ...

            \(ExitStatus.helpText)
            """)

    @Option(name: .customLong("iocs"), help: ArgumentHelp("An indicator list (text, CSV, STIX 2.1, report.json, MISP). Repeat for several.", valueName: "FILE"))
    var iocs: [String] = []

    @Argument(help: "Files, directories (walked recursively) or - for stdin.")
    var paths: [String]

    @Option(help: ArgumentHelp("Format of the --iocs lists instead of detecting it.", valueName: "text|csv|stix|report|misp"))
    var iocsFormat: IOCList.Format?

    @Flag(help: "Skip malformed indicators with a warning instead of stopping.")
    var lenient = false

    @Option(help: ArgumentHelp("Remember what was swept here; the next run reads only what is new.", valueName: "FILE"))
    var state: String?

    @Flag(help: "Ignore the existing --state file (sweep everything) and write a new one.")
    var resetState = false

    @Option(help: ArgumentHelp("Only events at or after this time (ISO 8601, e.g. 2026-03-11 or 2026-03-11T19:00:00Z).", valueName: "TIME"))
    var since: String?

    @Flag(help: "Also match every parsed line in raw mode (tokens of the raw text), not only unparsed ones.")
    var raw = false

    @Option(help: "Hits as JSON lines or text.")
    var output: HitFormat = .jsonl

    @Flag(help: "No summary on stderr.")
    var noSummary = false

    @OptionGroup var reading: ReadingOptions

    func validate() throws {
        guard !iocs.isEmpty else { throw ValidationError("give at least one indicator list with --iocs FILE") }
        if let since, Timestamp(iso8601: since) == nil {
            throw ValidationError("--since '\(since)' is not a time; use ISO 8601 such as 2026-03-11 or 2026-03-11T19:00:00Z")
        }
        if resetState && state == nil { throw ValidationError("--reset-state needs --state FILE") }
        if state != nil && paths.contains("-") { throw ValidationError("--state cannot remember standard input; give files") }
    }

    func run() throws {
        let options = SweepOptions(
            reading: try reading.ingestOptions(), since: since.flatMap { Timestamp(iso8601: $0) }, rawAll: raw)
        let config = SweepConfiguration(
            iocFiles: iocs, paths: paths, iocFormat: iocsFormat, lenient: lenient, statePath: state,
            resetState: resetState, options: options, output: output)
        var out = StandardOutput()
        let report = Sweep.run(config, write: { out.write($0) }, log: { printError($0) })
        out.flush()
        if case .error(let message) = report.outcome {
            printError("dwell sweep: \(TerminalText.safe(message))")
        } else if !noSummary {
            printError(Sweep.summary(report))
        }
        let status = SweepCommand.status(report.outcome)
        if status != .success { throw status.code }
    }

    static func status(_ outcome: SweepOutcome) -> ExitStatus {
        switch outcome {
        case .clean: .success
        case .hits: .hits
        case .error: .usage
        case .evidenceProblems: .evidenceProblems
        }
    }
}
