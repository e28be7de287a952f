import DwellCore
import Foundation
import Parsers

/// Test helpers for the web and network parsers: run a parser over lines or a whole file, find the real-log corpus.
public enum WebNetHarness {
    /// What one file gave: the detected format, events, non-events and rejections (line number, reason, text).
    public struct FileResult {
        public var format: String?
        public var events: [Event] = []
        public var nonEvents = 0
        public var rejections: [(line: Int, reason: LineRejection, text: String)] = []
        public var context = ParseContext()
        public func string(_ s: Symbol) -> String { context.symbols.string(s) }
    }

    /// A clock for tests: reference time 2026-06-01 (for year-less lines), zone UTC assumed.
    public static func context() -> ParseContext {
        ParseContext(clock: FileClock(referenceTime: Timestamp(seconds: 1_780_272_000)))
    }

    /// Parses one line with `parser`.
    public static func parse<P: LineParser>(
        _ line: String, with parser: inout P, context: inout ParseContext
    ) throws(LineRejection) -> Event? {
        let bytes = Array(line.utf8)
        return try parse(bytes: bytes, with: &parser, context: &context)
    }

    /// Parses one line given as bytes with `parser` (into a stale event, see `ParserHarness.parse`).
    public static func parse<P: LineParser>(
        bytes: [UInt8], with parser: inout P, context: inout ParseContext
    ) throws(LineRejection) -> Event? {
        try ParserHarness.parse(bytes, with: &parser, context: &context)
    }

    /// Splits bytes into lines as the pipeline does (LF, optional CR removed, empty lines skipped), with numbers.
    public static func lines(_ data: [UInt8]) -> [(number: Int, bytes: ArraySlice<UInt8>)] {
        var out: [(Int, ArraySlice<UInt8>)] = []
        var start = 0
        var number = 0
        var i = 0
        while i <= data.count {
            if i == data.count || data[i] == 0x0a {
                if i == data.count && start == i { break }
                number += 1
                var e = i
                if e > start && data[e - 1] == 0x0d { e -= 1 }
                if e > start { out.append((number, data[start..<e])) }
                start = i + 1
            }
            i += 1
        }
        return out
    }

    /// Detects the format of a file's bytes (first 64 KiB, as the pipeline does) and parses every line.
    /// `unindexedText` is `ParseContext.wantsUnindexedText` (off when the pipeline builds the event store).
    public static func run(
        data: [UInt8], path: String, options: ParserOptions = ParserOptions(), forcing format: String? = nil,
        unindexedText: Bool = true
    ) -> FileResult {
        var result = FileResult()
        result.context = context()
        result.context.wantsUnindexedText = unindexedText
        let sample = DetectionSample(prefix: Array(data.prefix(1 << 16)), path: path)
        let id = format.flatMap { Registry.id(of: $0) } ?? Registry.detect(sample, options: options)
        guard let id, let descriptor = Registry.descriptor(id), case .lines(var parser) = descriptor.make(options)
        else { return result }
        result.format = descriptor.name
        // One event reused for every line, as the pipeline does: a parser that leaves fields of the previous line
        // in it shows them here.
        var event = ParserHarness.staleEvent
        for (number, bytes) in lines(data) {
            do {
                let isEvent = try Array(bytes).withUnsafeBufferPointer { p throws(LineRejection) -> Bool in
                    try parser.parse(p.span, into: &event, context: &result.context)
                }
                if isEvent { result.events.append(event) } else { result.nonEvents += 1 }
            } catch {
                result.rejections.append((number, error, ByteText.string(bytes)))
            }
        }
        return result
    }

    /// Reads a file and runs it (see `run(data:path:)`).
    public static func run(file url: URL, options: ParserOptions = ParserOptions()) throws -> FileResult {
        let data = try [UInt8](Data(contentsOf: url))
        return run(data: data, path: url.path, options: options)
    }

    /// `../shared/realdata` next to the package root found from `filePath`, or `nil` when absent.
    public static func realdataRoot(filePath: String = #filePath) -> URL? {
        var dir = URL(fileURLWithPath: filePath).deletingLastPathComponent()
        while dir.path != "/" {
            if FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) {
                let root = dir.deletingLastPathComponent().appendingPathComponent("shared/realdata")
                return FileManager.default.fileExists(atPath: root.path) ? root : nil
            }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }

    /// Every regular file under `folder` (relative paths, sorted).
    public static func files(under folder: URL) -> [String] {
        guard let e = FileManager.default.enumerator(atPath: folder.path) else { return [] }
        var out: [String] = []
        while let p = e.nextObject() as? String {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: folder.appendingPathComponent(p).path, isDirectory: &isDir),
                !isDir.boolValue
            {
                out.append(p)
            }
        }
        return out.sorted()
    }
}

/// One parsed line and the symbols it refers to, for readable expectations.
public struct ParsedLine {
    public var event: Event?
    public var rejection: LineRejection?
    public var context: ParseContext

    public func text(_ s: Symbol) -> String? { s.isNone ? nil : context.symbols.string(s) }
    public var ip: String? { event.flatMap { $0.sourceIP.isNone ? nil : $0.sourceIP.description } }
    public var destination: String? { event.flatMap { $0.destinationIP.isNone ? nil : $0.destinationIP.description } }
    public var method: String? { event.flatMap { text($0.httpMethod) } }
    public var path: String? { event.flatMap { text($0.path) } }
    public var query: String? { event.flatMap { text($0.query) } }
    public var userAgent: String? { event.flatMap { text($0.userAgent) } }
    public var referer: String? { event.flatMap { text($0.referer) } }
    public var user: String? { event.flatMap { text($0.user) } }
    public var virtualHost: String? { event.flatMap { text($0.virtualHost) } }
    public var forwardedFor: String? { event.flatMap { text($0.forwardedFor) } }
    public var detail: String? { event.flatMap { text($0.detail) } }
    public var signature: String? { event.flatMap { text($0.signature) } }
    public var domain: String? { event.flatMap { text($0.domain) } }
    public var service: String? { event.flatMap { text($0.service) } }
    public var networkProtocol: String? { event.flatMap { text($0.networkProtocol) } }
    public var uid: String? { event.flatMap { text($0.connectionUID) } }
    public var time: String? { event.map { $0.time.description } }
}

extension WebNetHarness {
    /// Feeds `lines` to one parser instance (header lines first, as in a file) and returns the last line's result.
    public static func last<P: LineParser>(_ lines: [String], _ parser: P) -> ParsedLine {
        lastBytes(lines.map { Array($0.utf8) }, parser)
    }

    /// As `last(_:_:)`, with lines given as bytes (for invalid UTF-8 and NUL).
    public static func lastBytes<P: LineParser>(_ lines: [[UInt8]], _ parser: P) -> ParsedLine {
        var p = parser
        var context = Self.context()
        var result = ParsedLine(event: nil, rejection: nil, context: context)
        for line in lines {
            result.event = nil
            result.rejection = nil
            do {
                result.event = try parse(bytes: line, with: &p, context: &context)
            } catch {
                result.rejection = error
            }
        }
        result.context = context
        return result
    }

    /// The format detected for these lines.
    public static func detect(_ lines: [String], options: ParserOptions = ParserOptions()) -> String? {
        let data = Array(lines.joined(separator: "\n").utf8) + [0x0a]
        let sample = DetectionSample(prefix: data, path: "sample")
        return Registry.detect(sample, options: options).map(Registry.name)
    }
}
