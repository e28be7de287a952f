import CZlib
import DwellScenario
import Foundation

/// Helpers for the scenario tests: temporary folders, file listings, gzip reading.
enum Scratch {
    static func directory(_ label: String) throws -> String {
        let path =
            NSTemporaryDirectory() + "dwell-scenario-tests-\(label)-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func remove(_ path: String) { try? FileManager.default.removeItem(atPath: path) }

    /// Relative paths of every regular file under `root`, sorted.
    static func files(under root: String) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
        var out: [String] = []
        while let next = walker.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: root + "/" + next, isDirectory: &isDirectory),
                !isDirectory.boolValue
            {
                out.append(next)
            }
        }
        return out.sorted()
    }

    static func bytes(_ path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// The decompressed text of a file (gzip when it ends in `.gz`).
    static func text(_ path: String) throws -> [UInt8] {
        let raw = try bytes(path)
        return path.hasSuffix(".gz") ? try gunzip(raw) : raw
    }

    static func lines(_ path: String) throws -> [String] {
        let text = String(decoding: try text(path), as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    struct GzipError: Error { var code: Int32 }

    /// Inflates a whole gzip file (every member) with zlib.
    static func gunzip(_ input: [UInt8]) throws -> [UInt8] {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer {
            inflateEnd(stream)
            stream.deallocate()
        }
        guard czlib_inflate_init_gzip(stream) == Z_OK else { throw GzipError(code: -1) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var input = input
        try input.withUnsafeMutableBufferPointer { inBuffer in
            stream.pointee.next_in = inBuffer.baseAddress
            stream.pointee.avail_in = uInt(inBuffer.count)
            while true {
                let (result, produced) = chunk.withUnsafeMutableBufferPointer { out -> (Int32, Int) in
                    stream.pointee.next_out = out.baseAddress
                    stream.pointee.avail_out = uInt(out.count)
                    let r = inflate(stream, Z_NO_FLUSH)
                    return (r, out.count - Int(stream.pointee.avail_out))
                }
                output.append(contentsOf: chunk[0..<produced])
                if result == Z_STREAM_END {
                    if stream.pointee.avail_in == 0 { break }
                    inflateReset(stream)
                    continue
                }
                if result != Z_OK { throw GzipError(code: result) }
            }
        }
        return output
    }

    /// The package root, found from this file's path.
    static func packageRoot(file: String = #filePath) -> String {
        var url = URL(fileURLWithPath: file).deletingLastPathComponent()
        while url.path != "/" {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
                return url.path
            }
            url = url.deletingLastPathComponent()
        }
        return "."
    }

    /// Parses the ground truth of the scenario folder `root`: `root.truth.json`, beside it.
    static func groundTruth(_ root: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: root + ".truth.json"))
        return (try JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
    }

    /// Microseconds since the epoch from an RFC 3339 stamp with offset (`2026-03-12T14:03:11.123456+01:00`).
    static func rfc3339(_ stamp: Substring) -> Int64? {
        let s = Array(stamp.utf8)
        guard s.count >= 32 else { return nil }
        func number(_ range: Range<Int>) -> Int { range.reduce(0) { $0 * 10 + Int(s[$1]) - 48 } }
        let base = Calendar0.micros(
            year: number(0..<4), month: number(5..<7), day: number(8..<10), hour: number(11..<13),
            minute: number(14..<16), second: number(17..<19))
        let micros = Int64(number(20..<26))
        let sign: Int64 = s[26] == UInt8(ascii: "-") ? -1 : 1
        let offset = Int64(number(27..<29) * 3_600 + number(30..<32) * 60) * 1_000_000
        return base + micros - sign * offset
    }
}
