import ArgumentParser
import Foundation

@main
struct Dwell: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dwell",
        abstract: "Log and timeline forensics: how long the attacker was in, what they touched, how they moved.",
        discussion: """
            dwell reads auth logs (syslog auth.log/secure, wtmp/btmp, systemd journal files), web access logs and network logs (Zeek,
            Suricata, firewall, flow logs), plain or gzip-compressed and logrotated, from files, directory trees of a
            mounted image, or stdin (-). Evidence is opened read-only and hashed (SHA-256).

            EXAMPLES
              dwell manifest /mnt/image/var/log              what is there: hashes, sizes, formats, problems
              dwell parse SampleLogs --output jsonl > ev.jsonl   normalised events for pipelines
              zcat auth.log.2.gz | dwell parse -             read stdin
              dwell formats                                  supported formats and how they are detected

            \(ExitStatus.helpText)
            """,
        version: "0.1.0",
        subcommands: [
            InvestigateCommand.self, TimelineCommand.self, PivotCommand.self, LateralCommand.self, SweepCommand.self,
            RulesCommand.self, SigmaCommand.self, ManifestCommand.self, ParseCommand.self, FormatsCommand.self,
            SummarizeCommand.self, MergeCommand.self, IndexCommand.self, CaseCommand.self, QueryCommand.self,
        ]
    )

    /// Parses and runs the command; a usage mistake (unknown option, bad value, failed validation) exits with
    /// dwell's documented 2, not the argument parser's 64.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                let message = fullMessage(for: error)
                if !message.isEmpty { printError(message) }
                Foundation.exit(ExitStatus.usage.rawValue)
            }
            exit(withError: error)
        }
    }
}
