import DwellCore

/// What the user may tell the parsers (from the command line).
public struct ParserOptions: Sendable {
    /// A custom Apache `LogFormat` string for web access logs (`--web-format`).
    public var webFormat: String?

    public init(webFormat: String? = nil) { self.webFormat = webFormat }
}

/// A parser instance for one file: line-based or fixed-size binary records.
public enum FileParser {
    case lines(any LineParser)
    case records(any RecordParser)
    /// A whole file whose records the format frames itself (EVTX).
    case framed(any FramedRecordParser)
    /// A systemd journal file: read whole by `JournalReader` (DwellCore), each entry through `JournalEntryParser`.
    case journal
}

/// A format dwell can read: its name, how it is recognised, and how to make a parser for one file.
public struct FormatDescriptor: Sendable {
    /// Stable short name (`syslog`, `nginx-combined`, `zeek-tsv`, …), shown in manifests and `dwell formats`.
    public var name: String
    /// `auth`, `web`, `network` or `windows`.
    public var family: String
    /// How the format is recognised, for `dwell formats`.
    public var detection: String
    /// A sample line (or a description of a record), for `dwell formats`.
    public var sample: String
    /// Among formats that accept the same sample equally well, the higher priority wins
    /// (specific formats above generic ones).
    public var priority: Int
    /// Scores a sample of the file: 0 = not this format. The default (`nil`) trial-parses the sample lines
    /// and counts events.
    public var detect: (@Sendable (DetectionSample) -> Int)?
    /// Makes a fresh parser for one file.
    public var make: @Sendable (ParserOptions) -> FileParser

    public init(
        name: String, family: String, detection: String, sample: String, priority: Int = 50,
        detect: (@Sendable (DetectionSample) -> Int)? = nil, make: @escaping @Sendable (ParserOptions) -> FileParser
    ) {
        self.name = name
        self.family = family
        self.detection = detection
        self.sample = sample
        self.priority = priority
        self.detect = detect
        self.make = make
    }
}

/// The first bytes of a file and its first lines, for detection. Content decides; the path is only a hint.
public struct DetectionSample: Sendable {
    public var prefix: [UInt8]
    public var lines: [[UInt8]]
    public var path: String

    public init(prefix: [UInt8], path: String, maxLines: Int = 64) {
        self.prefix = prefix
        self.path = path
        var lines: [[UInt8]] = []
        var start = 0
        var i = 0
        while i < prefix.count && lines.count < maxLines {
            if prefix[i] == 0x0a {
                var e = i
                if e > start && prefix[e - 1] == 0x0d { e -= 1 }
                var b = start
                while b < e && prefix[b] == 0 { b += 1 }  // NUL runs left by a crash: the reader skips them too
                if e > b { lines.append(Array(prefix[b..<e])) }
                start = i + 1
            }
            i += 1
        }
        // The last line is used only if the whole file fits in the prefix (else it may be cut).
        if start < prefix.count && lines.count < maxLines && prefix.count < 1 << 16 {
            lines.append(Array(prefix[start...]))
        }
        self.lines = lines
    }
}

/// Every format dwell reads, and detection by content.
public enum Registry {
    /// All formats, in a fixed order (their index is their `FormatID`, 1-based).
    public static let formats: [FormatDescriptor] =
        AuthFormats.all + JournalFormats.all + WebFormats.all + NetworkFormats.all + WindowsFormats.all

    public static func id(of name: String) -> FormatID? {
        formats.firstIndex(where: { $0.name == name }).map { FormatID(UInt16($0 + 1)) }
    }

    public static func descriptor(_ id: FormatID) -> FormatDescriptor? {
        let i = Int(id.rawValue) - 1
        return i >= 0 && i < formats.count ? formats[i] : nil
    }

    public static func name(_ id: FormatID) -> String { descriptor(id)?.name ?? "unknown" }

    /// Picks the format of a file from its first bytes. Binary record formats are asked first; then every
    /// line format scores the sample. `nil` when nothing fits.
    public static func detect(_ sample: DetectionSample, options: ParserOptions = ParserOptions()) -> FormatID? {
        var best: (score: Int, priority: Int, index: Int)?
        for (i, f) in formats.enumerated() {
            let score = f.detect.map { $0(sample) } ?? trialScore(f, sample, options)
            guard score > 0 else { continue }
            if let b = best, (b.score, b.priority) >= (score, f.priority) { continue }
            best = (score, f.priority, i)
        }
        return best.map { FormatID(UInt16($0.index + 1)) }
    }

    /// Whether the format's parser turns most sample lines into events or headers: then the file is text of that
    /// format, whatever control bytes some lines carry.
    public static func recognisesMost(_ f: FormatDescriptor, _ sample: DetectionSample, _ options: ParserOptions) -> Bool {
        guard case .lines(var parser) = f.make(options), !sample.lines.isEmpty else { return false }
        var context = ParseContext(clock: FileClock(referenceTime: Timestamp(seconds: 4_102_444_800)))
        var event = Event()
        var recognised = 0
        for line in sample.lines {
            let ok = (try? line.withUnsafeBufferPointer { p throws(LineRejection) in
                try parser.parse(p.span, into: &event, context: &context)
            }) != nil
            if ok { recognised += 1 }
        }
        return recognised * 2 > sample.lines.count
    }

    /// Number of sample lines the format's parser turns into events (headers count half), minus rejections.
    public static func trialScore(_ f: FormatDescriptor, _ sample: DetectionSample, _ options: ParserOptions) -> Int {
        guard case .lines(var parser) = f.make(options) else { return 0 }
        var context = ParseContext(clock: FileClock(referenceTime: Timestamp(seconds: 4_102_444_800)))
        var events = 0
        var headers = 0
        var rejected = 0
        var event = Event()
        for line in sample.lines {
            let isEvent: Bool
            do {
                isEvent = try line.withUnsafeBufferPointer { p throws(LineRejection) in
                    try parser.parse(p.span, into: &event, context: &context)
                }
            } catch {
                rejected += 1
                continue
            }
            if isEvent { events += 1 } else { headers += 1 }
        }
        guard events > 0 else { return 0 }
        let score = events * 2 + headers - rejected * 2
        return max(score, 0)
    }
}
