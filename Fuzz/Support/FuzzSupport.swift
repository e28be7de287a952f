// Shared by every fuzz target: a scratch file for inputs that must come from disk, and the invariant check.
// Compiled into each target beside its own file (see Fuzz/run); not part of the package.
import DwellCore
import DwellIngest
import Foundation
import Parsers

#if canImport(Glibc)
import Glibc
#endif

/// Fails the run (libFuzzer saves the input as a reproducer) when an invariant does not hold.
@inline(never)
func require(_ condition: @autoclosure () -> Bool, _ what: @autoclosure () -> String) {
    guard !condition() else { return }
    let text = "dwell fuzz invariant broken: \(what())\n"
    _ = text.withCString { fputs($0, stderr) }
    abort()
}

/// One scratch file per process, rewritten for every input (on /dev/shm when it exists: no disk I/O).
enum Scratch {
    static let directory: String = {
        let base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : NSTemporaryDirectory()
        let dir = base + "/dwell-fuzz-\(getpid())"
        mkdir(dir, 0o700)
        atexit { _ = rmdir(Scratch.directory) }
        return dir
    }()

    /// Writes `bytes` to the scratch file `name` and returns its path.
    static func write(_ bytes: UnsafeBufferPointer<UInt8>, name: String) -> String {
        let path = directory + "/" + name
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        require(fd >= 0, "cannot create the scratch file \(path)")
        var done = 0
        while done < bytes.count, let base = bytes.baseAddress {
            let n = Glibc.write(fd, base + done, bytes.count - done)
            require(n > 0, "cannot write the scratch file \(path)")
            done += n
        }
        close(fd)
        return path
    }

    /// An evidence file for a scratch path, as discovery would list it (fixed mtime: output must not depend on it).
    static func evidence(_ path: String, display: String, size: Int) -> EvidenceFile {
        EvidenceFile(
            id: 0, path: path, displayPath: display, hostHint: "fuzzhost", rotationSet: display, rotationIndex: 0,
            rotationCount: 1, isStdin: false, sizeBytes: Int64(size), modificationTime: Timestamp(seconds: 1_773_000_000))
    }
}

/// Keeps what a file's reading produced, for comparing two runs byte for byte, and checks each event's citation.
struct CheckingSink: EventSink {
    /// The input as written (plain files only: offsets are then offsets in these bytes).
    let input: UnsafeBufferPointer<UInt8>?
    /// What an event's offset must point at in a record-framed or journal file.
    let citation: Citation
    var output = JSONBuffer()
    var events: UInt64 = 0
    var lastLine: UInt64 = 0

    enum Citation: Equatable {
        /// The line the event came from starts at its offset (text formats).
        case line
        /// The event's raw bytes are the input's at its offset (fixed-size records).
        case bytes
        /// The offset is inside the input and starts with this signature (EVTX records, journal ENTRY objects).
        case signature([UInt8])
        case none
    }

    mutating func consume(_ event: Event, line: Span<UInt8>, context: inout ParseContext) {
        events += 1
        require(event.source.line >= 1, "an event cites line 0")
        let offset = Int(clamping: event.source.offset)
        if let input {
            switch citation {
            case .line, .bytes:
                require(event.source.line > lastLine, "events out of line order: \(event.source.line) after \(lastLine)")
                require(offset + line.count <= input.count, "event offset \(offset) + line \(line.count) beyond the input")
                for k in 0..<line.count {
                    guard input[offset + k] == line[k] else {
                        require(false, "event at line \(event.source.line) offset \(offset): byte \(k) differs from the line")
                        return
                    }
                }
                require(
                    citation == .bytes || offset == 0 || input[offset - 1] == 0x0a,
                    "event at line \(event.source.line): offset \(offset) is not the start of a line")
            case .signature(let sig):
                require(offset + sig.count <= input.count, "event offset \(offset) beyond the input (\(input.count))")
                for k in sig.indices { require(input[offset + k] == sig[k], "event offset \(offset) is not at a record") }
            case .none:
                break
            }
        }
        lastLine = event.source.line
        event.appendJSON(to: &output, symbols: context.symbols, file: "fuzz", format: Registry.name(event.format))
        output.raw([0x0a])
        line.withUnsafeBufferPointer { output.string(bytes: $0) }
        output.raw([0x0a])
    }

    mutating func finish(context: inout ParseContext, stats: FileStats) -> [UInt8] {
        stats.appendJSON(to: &output)
        return output.bytes
    }
}

enum Check {
    /// Every line (record, entry) is an event, a non-event, a counted rejection or a counted skipped long line,
    /// unless the file was set aside whole with an issue that says so.
    /// - Parameter recordNumbers: lines are cited by the format's own record numbers (EVTX), not counted from 1.
    static func accounting(_ stats: FileStats, events: UInt64, longLines: UInt64 = 0, recordNumbers: Bool = false) {
        require(events == stats.parsed, "the sink saw \(events) events, the stats say \(stats.parsed)")
        let setAside = stats.issues.contains { [.binary, .unsupportedCompression, .journalDamaged].contains($0.kind) }
        if setAside && stats.lines == 0 { return }
        let counted = stats.parsed + stats.nonEvents + stats.rejected + longLines
        require(
            counted == stats.lines,
            "\(stats.lines) lines but \(stats.parsed) events + \(stats.nonEvents) non-events + \(stats.rejected) rejected + \(longLines) too long = \(counted)")
        let byReason = stats.rejectionsByReason.values.reduce(0, +)
        require(byReason == stats.rejected, "rejections by reason sum to \(byReason), not \(stats.rejected)")
        for s in stats.samples where !recordNumbers { require(s.line >= 1 && s.line <= stats.lines, "a rejection sample cites line \(s.line) of \(stats.lines)") }
    }
}
