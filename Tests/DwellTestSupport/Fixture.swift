import DwellCore
import DwellIngest
import Foundation
import Parsers

/// The directory every fixture of this test process lives in; removed at exit, so test runs leave nothing behind.
private let fixtureRoot: URL = {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("dwell-tests-\(getpid())-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    atexit { try? FileManager.default.removeItem(at: fixtureRoot) }
    return url
}()

/// Test fixtures: temporary directories, gzip writing, package paths.
public enum Fixture {
    /// The package root, found from this file's path.
    public static var packageRoot: URL {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }

    /// `../shared/realdata` beside the package, if present.
    public static var realData: URL? {
        let url = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/realdata")
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }

    /// A fresh temporary directory, inside one directory per test process that is removed when the process ends.
    public static func temporaryDirectory(_ name: String = "dwell-test") throws -> URL {
        let url = fixtureRoot.appendingPathComponent("\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Writes a file, creating parent directories.
    @discardableResult
    public static func write(_ bytes: [UInt8], to url: URL, modificationTime: Date? = nil) throws -> URL {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
        if let t = modificationTime {
            try FileManager.default.setAttributes([.modificationDate: t], ofItemAtPath: url.path)
        }
        return url
    }

    @discardableResult
    public static func write(_ text: String, to url: URL, modificationTime: Date? = nil) throws -> URL {
        try write(Array(text.utf8), to: url, modificationTime: modificationTime)
    }

    /// One gzip member of `bytes`, with the header MTIME set when given.
    public static func gzip(_ bytes: [UInt8], mtime: UInt32 = 0) -> [UInt8] {
        GzipCompress.member(bytes, mtime: mtime)
    }

    /// Reads every line of a byte source with the given buffer capacity; returns (line bytes, number, offset).
    public static func lines(
        _ bytes: [UInt8], chunkBytes: Int = .max, capacity: Int = LineReader.defaultCapacity,
        maxLineBytes: Int = LineReader.defaultMaxLineBytes
    ) -> (lines: [([UInt8], UInt64, UInt64)], reader: LineReader) {
        var source = MemorySource(bytes, chunkBytes: chunkBytes)
        var reader = LineReader(capacity: capacity, maxLineBytes: maxLineBytes)
        var out: [([UInt8], UInt64, UInt64)] = []
        reader.forEachLine(from: &source) { line, info in
            line.withUnsafeBufferPointer { out.append((Array($0), info.number, info.offset)) }
        }
        return (out, reader)
    }

    /// Runs the ingest over paths and returns every file's stats and its events as JSON lines.
    public static func ingest(_ paths: [String], options: IngestOptions = IngestOptions(jobs: 2)) -> (
        stats: [FileStats], jsonl: String, discoveryIssues: [EvidenceIssue]
    ) {
        let found = Discovery().discover(paths)
        var stats: [FileStats] = []
        var text = ""
        Ingest.run(files: found.files, options: options, makeSink: { JSONCollector(path: $0.displayPath) }) { s, out in
            stats.append(s)
            if s.duplicateOf == nil { text += out }
        }
        return (stats, text, found.issues)
    }
}

extension Fixture {
    /// Runs the ingest over bytes in memory, as one file named `name` (no temporary file): its stats and its events
    /// as JSON lines.
    public static func ingest(
        bytes: [UInt8], name: String, hostHint: String? = nil, modificationTime: Timestamp? = nil,
        options: IngestOptions = IngestOptions(jobs: 1)
    ) -> (stats: FileStats, jsonl: String) {
        var sink = JSONCollector(path: name)
        return Ingest.read(
            bytes: bytes, name: name, hostHint: hostHint, modificationTime: modificationTime, options: options,
            sink: &sink)
    }

    public static func ingest(
        _ text: String, name: String, hostHint: String? = nil, modificationTime: Timestamp? = nil,
        options: IngestOptions = IngestOptions(jobs: 1)
    ) -> (stats: FileStats, jsonl: String) {
        ingest(
            bytes: Array(text.utf8), name: name, hostHint: hostHint, modificationTime: modificationTime,
            options: options)
    }
}

/// Collects a file's events as JSON lines (tests only).
public struct JSONCollector: EventSink {
    let path: String
    var json = JSONBuffer()
    public init(path: String) { self.path = path }
    public mutating func consume(_ event: Event, line: Span<UInt8>, context: inout ParseContext) {
        event.appendJSON(to: &json, symbols: context.symbols, file: path, format: Registry.name(event.format))
        json.newline()
    }
    public mutating func finish(context: inout ParseContext, stats: FileStats) -> String {
        String(decoding: json.bytes, as: UTF8.self)
    }
}
