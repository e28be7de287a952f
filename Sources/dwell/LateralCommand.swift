import ArgumentParser
import DwellAnalysis
import DwellCase
import DwellCore
import DwellIngest
import DwellPipeline
import DwellReports
import Foundation

struct LateralCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lateral",
        abstract:
            "How the attacker moved: the host graph and the time-respecting paths from the entry host(s), with evidence per hop.",
        discussion: """
            A hop is a successful login (or remote-access connection) from a compromised host to another host, with
            its time, account, method and evidence line. A path follows hops in time order from an entry host: a
            hop out of a host counts only after the attacker reached it. Seeds come from --seed/--iocs, or from
            high-severity findings. Host addresses are learned from sshd's `Connection from A port N on B port M`
            and from web access logs matched with sensor flows, and can be given with --hosts (a mapping that
            changes over time keeps its ranges; an address no host claims stays an address).

            --output dot writes a Graphviz graph (render with `dot -Tsvg`): entry hosts with a double border, hops
            numbered in time order, path hops bold; json writes the same data as report.json's lateral_movement.

            EXAMPLES
              dwell lateral SampleLogs/incident-2026-03
              dwell lateral logs/ --seed 203.0.113.45 --output dot | dot -Tsvg > lateral.svg
              dwell lateral /mnt/image/var/log --hosts hosts.csv --output json | jq '.paths[].hosts'

            \(ExitStatus.helpText)
            """)

    enum Output: String, ExpressibleByArgument, CaseIterable { case text, dot, json }

    @Argument(help: "Files, directories (walked recursively) or - for stdin (or --case DIR).")
    var paths: [String] = []

    @OptionGroup var caseOption: CaseOption

    @OptionGroup var correlation: CorrelationArguments

    @Option(help: "Output format: text, dot or json.")
    var output: Output = .text

    @OptionGroup var reading: ReadingOptions

    @OptionGroup var insideNetworks: InternalNetworkOption

    func validate() throws {
        try caseOption.validate(paths: paths)
        try correlation.validateWithCase(caseOption)
    }

    func run() throws {
        let seeds = try correlation.seeds()
        if let directory = caseOption.directory {
            let options = try reading.ingestOptions()
            // The store read in place when the case allows it, else the case opened whole.
            let inv: Investigation
            let manifest: Case
            if let inPlace = try caseInvestigationInPlace(directory, seeds: seeds, options: options) {
                (inv, manifest) = (inPlace.investigation, inPlace.index.manifest)
            } else {
                let c = try openCase(directory)
                (inv, manifest) = (try caseInvestigation(c, seeds: seeds, options: options), c)
            }
            var out = StandardOutput()
            switch output {
            case .text: out.write(LateralText.render(inv))
            case .dot: out.write(LateralDOT.render(inv))
            case .json: out.write(LateralText.json(inv))
            }
            out.flush()
            return try IndexedEvidence.finish(stats: manifest.stats, issues: manifest.discoveryIssues)
        }
        let entries = try correlation.hostEntries()
        let found = try requireEvidence(paths)
        let options = try reading.ingestOptions(keepingStdinLines: true)
        let bar = ProgressBar(for: found, quiet: reading.quiet)
        let result = InvestigationRun.run(
            files: found.files, discoveryIssues: found.issues, options: options, seeds: seeds, hostEntries: entries,
            internalNetworks: try insideNetworks.networks(), progress: bar.progress)
        bar.finish()
        var out = StandardOutput()
        switch output {
        case .text: out.write(LateralText.render(result.investigation))
        case .dot: out.write(LateralDOT.render(result.investigation))
        case .json: out.write(LateralText.json(result.investigation))
        }
        out.flush()
        try finishStatus(found: found, files: result.files)
    }
}

/// The text and JSON forms of `dwell lateral`.
enum LateralText {
    static func render(_ inv: Investigation) -> String {
        func s(_ t: String) -> String { TerminalText.safe(t) }
        func ev(_ e: EvidenceRef?) -> String {
            guard let e else { return "" }
            return "\(s(e.file)):\(e.line)  \(TerminalText.safe(bytes: e.raw.prefix(300)))"
        }
        var o = ""
        if let a = inv.firstSeen, let b = inv.lastSeen {
            o += "ATTACK   \(a.iso8601(fractionDigits: 0)) → \(b.iso8601(fractionDigits: 0))\n"
        } else {
            o += "No attack found: \(s(inv.growth)).\n"
        }
        o += "ENTRY    \(inv.entryPoints.isEmpty ? "-" : inv.entryPoints.map(s).joined(separator: ", "))\n"
        o += "HOSTS    (in order of compromise)\n"
        for h in inv.hosts {
            let addrs = h.addresses.isEmpty ? "address unknown" : h.addresses.map(s).joined(separator: ", ")
            o +=
                "  \(s(h.host))  [\(addrs)]  reached \(h.firstCompromise.iso8601(fractionDigits: 0)), last activity \(h.lastActivity.iso8601(fractionDigits: 0))\n"
            o += "      why: \(s(h.reason))\n      \(ev(h.evidence))\n"
        }
        o += "HOPS     (\(inv.edges.count), in time order)\n"
        for (k, e) in inv.edges.enumerated() {
            o +=
                "  \(k + 1). \(e.time.iso8601(fractionDigits: 0))  \(s(e.from)) → \(s(e.to))  as \(s(e.account)) via \(s(e.method))\n      \(ev(e.evidence))\n"
        }
        o += "PATHS    (from the entry hosts; a hop out of a host counts only after the host was reached)\n"
        if inv.paths.isEmpty { o += "  none\n" }
        for (k, p) in inv.paths.enumerated() {
            let hops = p.map {
                "→[\($0.time.iso8601(fractionDigits: 0)) \(s($0.account)) \(s($0.method))]→ \(s($0.to))"
            }
            o += "  \(k + 1). \(s(p.first?.from ?? "")) " + hops.joined(separator: " ") + "\n"
        }
        if !inv.hostAddresses.isEmpty {
            o += "ADDRESSES (which host had which address, and when)\n"
            for b in inv.hostAddresses {
                let range = "\(b.from?.iso8601(fractionDigits: 0) ?? "…") → \(b.to?.iso8601(fractionDigits: 0) ?? "…")"
                o += "  \(s(b.address))  \(s(b.host))  \(range)  (\(s(b.source)))\n"
            }
        }
        o += "GROWTH   \(s(inv.growth))\n"
        return o
    }

    static func json(_ inv: Investigation) -> [UInt8] {
        var j = JSONBuffer(capacity: 1 << 14)
        j.beginObject()
        j.key("schema_version"); j.int(ReportJSON.schemaVersion)
        if let a = inv.firstSeen, let b = inv.lastSeen {
            j.key("first_seen"); j.time(a, fractionDigits: 0)
            j.key("last_seen"); j.time(b, fractionDigits: 0)
        }
        j.key("entry_points"); ReportJSON.strings(inv.entryPoints, &j)
        j.key("hosts"); ReportJSON.hosts(inv.hosts, &j)
        j.key("edges"); j.beginArray()
        for e in inv.edges { ReportJSON.edge(e, &j) }
        j.endArray()
        j.key("paths"); ReportJSON.paths(inv.paths, &j)
        j.key("host_addresses"); j.beginArray()
        for b in inv.hostAddresses {
            j.beginObject()
            j.key("address"); j.string(b.address)
            j.key("host"); j.string(b.host)
            if let f = b.from { j.key("from"); j.time(f, fractionDigits: 0) } else { j.key("from"); j.null() }
            if let t = b.to { j.key("to"); j.time(t, fractionDigits: 0) } else { j.key("to"); j.null() }
            j.key("source"); j.string(b.source)
            j.endObject()
        }
        j.endArray()
        j.key("growth"); j.string(inv.growth)
        j.endObject()
        j.newline()
        return j.bytes
    }
}
