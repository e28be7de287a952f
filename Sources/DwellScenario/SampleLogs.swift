/// The committed sample incident (`SampleLogs/incident-2026-03`): its options and the command that writes it.
public enum SampleLogs {
    public static let name = "incident-2026-03"
    public static let seed: UInt64 = 20_260_312
    public static let days = 4
    public static let backgroundScale = 0.2
    public static let command =
        "swift run dwell-scenario --seed 20260312 --out SampleLogs --name incident-2026-03 --days 4 --background-scale 0.2 --start 2026-03-09"

    public static func options(outputDirectory: String?) -> ScenarioOptions {
        ScenarioOptions(
            seed: seed, outputDirectory: outputDirectory, name: name, days: days, backgroundScale: backgroundScale,
            start: Calendar0.micros(year: 2026, month: 3, day: 9))
    }
}
