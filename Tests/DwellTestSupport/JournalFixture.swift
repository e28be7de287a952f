import DwellCore
import Foundation

/// Journal files made by a real writer (Debian's `systemd-journal-remote`, from journal export format) and read
/// back by a real reader (`journalctl --file F -o export`), for the journal tests. Tests skip when either tool is
/// absent (`.ci/run` installs both).
public enum JournalFixture {
    public typealias Field = (name: String, value: [UInt8])

    public static let remotePath: String? = firstExecutable([
        "/lib/systemd/systemd-journal-remote", "/usr/lib/systemd/systemd-journal-remote",
    ])
    public static let journalctlPath: String? = firstExecutable(["/usr/bin/journalctl", "/bin/journalctl"])

    static func firstExecutable(_ paths: [String]) -> String? {
        paths.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// One entry of export format: `__REALTIME_TIMESTAMP`, `__MONOTONIC_TIMESTAMP`, `_BOOT_ID`, then `fields`.
    public static func entry(realtimeMicroseconds: Int64, host: String, identifier: String, pid: Int, message: String)
        -> [Field]
    {
        [
            ("__REALTIME_TIMESTAMP", Array(String(realtimeMicroseconds).utf8)),
            ("__MONOTONIC_TIMESTAMP", Array(String(realtimeMicroseconds - 1_700_000_000_000_000).utf8)),
            ("_BOOT_ID", Array("0123456789abcdef0123456789abcdef".utf8)),
            ("_HOSTNAME", Array(host.utf8)),
            ("SYSLOG_IDENTIFIER", Array(identifier.utf8)),
            ("_PID", Array(String(pid).utf8)),
            ("_COMM", Array(identifier.utf8)),
            ("_TRANSPORT", Array("syslog".utf8)),
            ("MESSAGE", Array(message.utf8)),
        ]
    }

    /// Journal export format: text fields as `NAME=value\n`, fields holding a newline in the binary form
    /// (`NAME\n`, 64-bit little-endian length, bytes, `\n`); entries end with an empty line.
    public static func export(_ entries: [[Field]]) -> [UInt8] {
        var out: [UInt8] = []
        for e in entries {
            for (name, value) in e {
                out += Array(name.utf8)
                if value.contains(0x0a) {
                    out.append(0x0a)
                    withUnsafeBytes(of: UInt64(value.count).littleEndian) { out += $0 }
                    out += value
                } else {
                    out.append(UInt8(ascii: "="))
                    out += value
                }
                out.append(0x0a)
            }
            out.append(0x0a)
        }
        return out
    }

    /// Writes `entries` into a new journal file at `path` (which must end in `.journal`) with
    /// `systemd-journal-remote`. `compact` sets `SYSTEMD_JOURNAL_COMPACT`; `compress` its `--compress`.
    public static func write(_ entries: [[Field]], to path: String, compact: Bool, compress: Bool = true) throws {
        guard let remotePath else { throw CocoaError(.executableNotLoadable) }
        let input = try Fixture.temporaryDirectory("dwell-journal-export").appendingPathComponent("in.export")
        try Data(export(entries)).write(to: input)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: remotePath)
        p.arguments = ["--output=\(path)", "--compress=\(compress ? "yes" : "no")", input.path]
        var env = ProcessInfo.processInfo.environment
        env["SYSTEMD_JOURNAL_COMPACT"] = compact ? "1" : "0"
        p.environment = env
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw CocoaError(.fileWriteUnknown) }
    }

    /// The entries `journalctl --file path -o export` prints, each as its fields in order.
    public static func journalctlExport(_ path: String) throws -> [[Field]] {
        guard let journalctlPath else { throw CocoaError(.executableNotLoadable) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: journalctlPath)
        p.arguments = ["--file", path, "-o", "export", "--no-pager"]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return parseExport(Array(data))
    }

    /// Parses journal export format (text and binary fields).
    public static func parseExport(_ b: [UInt8]) -> [[Field]] {
        var entries: [[Field]] = []
        var current: [Field] = []
        var i = 0
        while i < b.count {
            guard let nl = b[i...].firstIndex(of: 0x0a) else { break }
            if nl == i {
                if !current.isEmpty { entries.append(current) }
                current = []
                i += 1
                continue
            }
            let line = Array(b[i..<nl])
            if let eq = line.firstIndex(of: UInt8(ascii: "=")) {
                current.append((String(decoding: line[..<eq], as: UTF8.self), Array(line[(eq + 1)...])))
                i = nl + 1
            } else {
                let start = nl + 1
                guard start + 8 <= b.count else { break }
                var n: UInt64 = 0
                for k in 0..<8 { n |= UInt64(b[start + k]) << (8 * UInt64(k)) }
                let v = start + 8
                guard v + Int(n) <= b.count else { break }
                current.append((String(decoding: line, as: UTF8.self), Array(b[v..<(v + Int(n))])))
                i = v + Int(n) + 1
            }
        }
        if !current.isEmpty { entries.append(current) }
        return entries
    }

    /// Every entry `JournalReader` reads from the file at `path`: fields (`NAME`, value), the entry itself, and
    /// the reader (for its counts and issues).
    public static func read(_ path: String) throws -> (entries: [[Field]], meta: [JournalEntry], reader: JournalReader)
    {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        return read(bytes: bytes, displayPath: path)
    }

    public static func read(bytes: [UInt8], displayPath: String) -> (
        entries: [[Field]], meta: [JournalEntry], reader: JournalReader
    ) {
        var reader = JournalReader(bytes: bytes, displayPath: displayPath)
        var entries: [[Field]] = []
        var meta: [JournalEntry] = []
        reader.forEachEntry { e in
            var fields: [Field] = []
            for r in e.fields {
                let f = e.bytes(of: r)
                let eq = f.firstIndex(of: UInt8(ascii: "=")) ?? f.endIndex
                fields.append(
                    (String(decoding: f[f.startIndex..<eq], as: UTF8.self), Array(f[min(eq + 1, f.endIndex)...])))
            }
            entries.append(fields)
            var copy = e
            copy.payload = []
            copy.fields = []
            meta.append(copy)
        }
        return (entries, meta, reader)
    }
}
