import DwellCore

/// The systemd journal's binary file format.
public enum JournalFormats {
    public static let all: [FormatDescriptor] = [
        FormatDescriptor(
            name: "journal", family: "auth",
            detection:
                "systemd journal file: the signature `LPKSHHRH` in the first 8 bytes (any name, any folder)",
            sample:
                "binary journal entries (regular or compact layout; XZ, LZ4, ZSTD data): MESSAGE read like syslog",
            priority: 90,
            detect: { sample in JournalHeader.hasSignature(sample.prefix) ? 1000 : 0 },
            make: { _ in .journal })
    ]
}
