import ArgumentParser
import DwellScenario

#if canImport(Glibc)
    import Glibc
#endif

/// `dwell-scenario`: writes a deterministic incident (collected logs + ground truth).
@main
struct DwellScenarioCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dwell-scenario",
        abstract:
            "Generate a deterministic compromise scenario: rotated auth/nginx logs, Zeek logs, and its ground truth.",
        discussion: """
            Writes the logs to OUT/NAME/ and the ground truth beside them to OUT/NAME.truth.json \
            (outside the evidence folder, so `dwell investigate OUT/NAME` reads only logs).

            EXAMPLES
              dwell-scenario --seed 20260312 --out SampleLogs --name incident-2026-03 \\
                  --days 4 --background-scale 0.2 --start 2026-03-09   (the sample)
              dwell-scenario --seed 7 --out /tmp/corpus --target-bytes 1G    a large corpus
              dwell-scenario --seed 7 --out /tmp/c --name quiet --benign-only   no attack

            FLEET STORIES (about 20 hosts, 7 days, hostile and busy background)
            ssh-jump: guessing on bastion01 until a weak account gets in, hops onward
              dwell-scenario --seed 1 --out /tmp/jc --story ssh-jump --layout central
              dwell-scenario --seed 1 --out /tmp/ji --story ssh-jump --layout image
            web-exfil: web shell, stolen password and key, exfiltration elsewhere
              dwell-scenario --seed 2 --out /tmp/wc --story web-exfil --layout central
              dwell-scenario --seed 2 --out /tmp/wi --story web-exfil --layout image
            stolen-cred: an admin's password from the Internet at night, no guessing
              dwell-scenario --seed 3 --out /tmp/cc --story stolen-cred --layout central
              dwell-scenario --seed 3 --out /tmp/ci --story stolen-cred --layout image
            web-to-windows: web shell, then WinRM and RDP into Windows servers (JSON exports)
              dwell-scenario --seed 5 --out /tmp/xc --story web-to-windows --layout central
              dwell-scenario --seed 5 --out /tmp/xi --story web-to-windows --layout image
            central: one auth.log, access.log and conn.log (rotated) for the fleet;
            image: HOST/var/log/... per host and sensor/zeek/DAY/conn.*.log.gz.
            --journald some|all (image): those hosts' auth history is a systemd journal
              (HOST/var/log/journal/MACHINE-ID/system.journal and an archived system@....journal;
              one host has a dirty system@....journal~) instead of auth.log:
              dwell-scenario --seed 1 --out /tmp/jj --story ssh-jump --layout image --journald all
            Options: --hosts N (12...99), --days N, --name NAME, and a noisy 1 GB corpus:
              dwell-scenario --seed 4 --out /tmp/big --story ssh-jump --target-bytes 1G
            """)

    @Option(help: "Seed of the scenario (same arguments → byte-identical files).") var seed: UInt64
    @Option(help: "Output directory; the scenario is written to OUT/NAME.") var out: String
    @Option(help: "Name of the scenario folder.") var name = "incident"
    @Option(help: "Days of logs (at least 2; default 4, or 7 with --story).") var days: Int?
    @Option(
        help: ArgumentHelp(
            "A fleet story: \(FleetStoryKind.allCases.map(\.rawValue).joined(separator: ", ")) (default: the sample's story).",
            valueName: "name"))
    var story: String?
    @Option(help: "Layout of a fleet story's logs: central or image.") var layout = "central"
    @Option(help: "Number of hosts of a fleet story (12...99).") var hosts = 20
    @Option(
        help:
            "Image layout: which Linux hosts keep their auth history in the systemd journal (var/log/journal/MACHINE-ID/*.journal) instead of auth.log: none, some or all."
    )
    var journald = "none"
    @Option(name: .customLong("background-scale"), help: "Multiplier of the background volume.") var backgroundScale:
        Double = 1
    @Option(
        name: .customLong("target-bytes"),
        help: "Approximate uncompressed size, e.g. 5M, 1G, 10G (binary units); overrides --background-scale.")
    var targetBytes: String?
    @Option(help: "First day (UTC midnight), YYYY-MM-DD.") var start = "2026-03-09"
    @Option(
        name: .customLong("gzip-level"),
        help: "Deflate level of the .gz files (default 6; 1 above 1 GiB of --target-bytes).")
    var gzipLevel: Int32?
    @Flag(
        name: .customLong("benign-only"),
        help: "No intrusion: the sample story without attack and decoy brute force; with --story the fleet and its hostile background without the intrusion. The truth says so.")
    var benignOnly = false

    func validate() throws {
        if let days, days < 2 { throw ValidationError("--days must be at least 2") }
        if let story, FleetStoryKind(rawValue: story) == nil {
            throw ValidationError(
                "--story must be one of \(FleetStoryKind.allCases.map(\.rawValue).joined(separator: ", ")), got '\(story)'"
            )
        }
        if FleetLayout(rawValue: layout) == nil {
            throw ValidationError("--layout must be central or image, got '\(layout)'")
        }
        guard let keeping = FleetJournald(rawValue: journald) else {
            throw ValidationError("--journald must be none, some or all, got '\(journald)'")
        }
        if keeping != .none && layout != "image" { throw ValidationError("--journald needs --layout image") }
        if story == nil && (layout != "central" || hosts != 20) {
            throw ValidationError("--layout and --hosts apply to fleet stories only: add --story NAME")
        }

        if story != nil && !(12...99).contains(hosts) { throw ValidationError("--hosts must be 12...99") }
        if backgroundScale < 0 { throw ValidationError("--background-scale must not be negative") }
        if Calendar0.parseDate(start) == nil {
            throw ValidationError("--start must be a date YYYY-MM-DD, got '\(start)'")
        }
        if let targetBytes, parseSize(targetBytes) == nil {
            throw ValidationError("--target-bytes must be a size like 5M or 10G, got '\(targetBytes)'")
        }
        if let gzipLevel, !(1...9).contains(gzipLevel) { throw ValidationError("--gzip-level must be 1...9") }
        if name.contains("/") || name.isEmpty || name == "." || name == ".." {
            throw ValidationError("--name must be a plain folder name")
        }
    }

    func run() throws {
        let target = targetBytes.flatMap(parseSize)
        let level = gzipLevel ?? ((target ?? 0) > 1 << 30 ? 1 : 6)
        var began = timespec()
        clock_gettime(CLOCK_MONOTONIC, &began)
        let result: ScenarioResult
        if let story, let kind = FleetStoryKind(rawValue: story), let shape = FleetLayout(rawValue: layout) {
            result = try FleetGenerator.generate(
                FleetOptions(
                    seed: seed, outputDirectory: out, name: name, story: kind, layout: shape, hosts: hosts,
                    days: days ?? 7, backgroundScale: backgroundScale, targetBytes: target,
                    start: Calendar0.parseDate(start) ?? 0, gzipLevel: level, attack: !benignOnly,
                    journald: FleetJournald(rawValue: journald) ?? .none))
        } else {
            result = try ScenarioGenerator.generate(
                ScenarioOptions(
                    seed: seed, outputDirectory: out, name: name, days: days ?? 4, backgroundScale: backgroundScale,
                    targetBytes: target, start: Calendar0.parseDate(start) ?? 0, gzipLevel: level,
                    attack: !benignOnly))
        }
        var ended = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ended)
        let seconds = Double(ended.tv_sec - began.tv_sec) + Double(ended.tv_nsec - began.tv_nsec) / 1e9
        let mb = Double(result.uncompressedBytes) / 1_000_000
        print(
            "wrote \(out)/\(name) and \(out)/\(name).truth.json: \(result.files.count) log files, \(result.uncompressedBytes) bytes of text (background scale \(result.backgroundScale)), \(result.attackerLines) attacker lines"
        )
        let rate = seconds > 0 ? mb / seconds : 0
        print("\((seconds * 100).rounded() / 100) s, \((rate * 10).rounded() / 10) MB/s of text")
    }
}

/// `5M`, `1.5G`, `200MB`, `1048576` → bytes (K/M/G/T are powers of 1024).
func parseSize(_ text: String) -> Int64? {
    var digits = text.uppercased()
    if digits.hasSuffix("B") { digits.removeLast() }
    var multiplier: Double = 1
    if let last = digits.last, let power = ["K": 1.0, "M": 2.0, "G": 3.0, "T": 4.0][String(last)] {
        multiplier = pow(1024, power)
        digits.removeLast()
    }
    guard let value = Double(digits), value > 0 else { return nil }
    return Int64(value * multiplier)
}
