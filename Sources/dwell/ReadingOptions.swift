import ArgumentParser
import DwellCore
import DwellIngest
import Foundation
import Parsers

/// The reading options every command that reads evidence takes.
struct ReadingOptions: ParsableArguments {
    @Option(
        name: .customLong("tz"),
        help: ArgumentHelp(
            "Zone for lines without one: an IANA name, UTC or ±hh:mm. Repeat as PATTERN=ZONE for files matching a path glob (e.g. 'web01/*=America/New_York').",
            valueName: "ZONE"))
    var timeZones: [String] = []

    @Option(help: ArgumentHelp("Year for lines without one (RFC 3164 syslog), instead of inferring it.", valueName: "YYYY"))
    var year: Int?

    @Option(
        help:
            "Files read in parallel, and threads that rebuild the store's columns (default: all cores). Large gzip files are still inflated on a thread of their own. The output does not depend on it."
    )
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Lines longer than this are reported and skipped.")
    var maxLineBytes: Int = LineReader.defaultMaxLineBytes

    @Option(help: ArgumentHelp("Apache LogFormat string for web access logs, e.g. '%h %l %u %t \"%r\" %>s %b'.", valueName: "FORMAT"))
    var webFormat: String?

    @Option(help: ArgumentHelp("Read every file as this format instead of detecting it (see `dwell formats`).", valueName: "NAME"))
    var format: String?

    @Flag(help: "No progress bar.")
    var quiet = false

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        guard maxLineBytes >= 64 else { throw ValidationError("--max-line-bytes must be at least 64") }
        if let y = year, !(1970...2200).contains(y) { throw ValidationError("--year \(y) is out of range (1970–2200)") }
        if let f = format, Registry.id(of: f) == nil {
            throw ValidationError("unknown format '\(f)'; `dwell formats` lists them")
        }
        do { _ = try ZoneSettings(values: timeZones) } catch { throw ValidationError("\(error)") }
    }

    /// - Parameter keepingStdinLines: copy what is read from stdin (`StdinSpool`), for the commands that show the
    ///   evidence lines after analysis; the streaming commands (parse, sweep, summarize) keep nothing.
    func ingestOptions(keepingStdinLines: Bool = false) throws -> IngestOptions {
        let zones: ZoneSettings
        do { zones = try ZoneSettings(values: timeZones) } catch { throw ValidationError("\(error)") }
        var options = IngestOptions(
            jobs: jobs, maxLineBytes: maxLineBytes, zones: zones, year: year,
            parserOptions: ParserOptions(webFormat: webFormat), forcedFormat: format)
        if keepingStdinLines { options.stdinSpool = StdinSpool() }
        return options
    }
}

/// Finds the evidence, reports discovery problems on stderr, and stops with status 2 when there is none.
func requireEvidence(_ paths: [String]) throws -> Discovery.Result {
    let found = Discovery().discover(paths)
    for issue in found.issues { printError("dwell: \(TerminalText.safe(issue.description))") }
    guard !found.files.isEmpty else {
        printError("dwell: no evidence files found in \(paths.joined(separator: " ")); give log files or directories")
        throw ExitStatus.usage.code
    }
    return found
}

/// Writes to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Writes bytes to standard output, unbuffered by Swift's print.
struct StandardOutput {
    private var buffer: [UInt8] = []
    init() { buffer.reserveCapacity(1 << 20) }

    mutating func write(_ bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 20 { flush() }
    }

    mutating func write(_ s: String) { write(Array(s.utf8)) }

    mutating func flush() {
        var offset = 0
        buffer.withUnsafeBytes { p in
            guard let base = p.baseAddress else { return }
            while offset < p.count {
                let n = Foundation.write(1, base + offset, p.count - offset)
                if n <= 0 {
                    if errno == EINTR { continue }
                    return  // stdout closed (e.g. piped into head): stop quietly
                }
                offset += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
