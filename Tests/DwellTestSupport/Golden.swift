import Foundation
import Testing

/// Golden files: output compared byte for byte with a committed file, a mismatch shown as a numbered line diff.
///
/// `DWELL_UPDATE_GOLDEN` rewrites them, one at a time or all: `1` (or `all`) rewrites every golden file the tests
/// run reach; otherwise it is a comma-separated list of names (`report.json`, `handmade/report.md`), and only the
/// golden files whose name, or whose last path component, is listed are rewritten; every other mismatch still
/// fails. A missing file is written and fails the test (unless it was asked for). Review golden diffs like code.
public enum Golden {
    /// Whether `DWELL_UPDATE_GOLDEN` asks to rewrite the golden file `name`.
    public static func updates(_ name: String, setting: String? = ProcessInfo.processInfo.environment["DWELL_UPDATE_GOLDEN"])
        -> Bool
    {
        guard let setting, !setting.isEmpty else { return false }
        let asked = setting.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        if asked.contains("1") || asked.contains("all") { return true }
        let last = name.split(separator: "/").last.map(String.init) ?? name
        return asked.contains(name) || asked.contains(last)
    }

    /// Compares `bytes` with `directory/name`; records an issue with a line diff when they differ.
    public static func check(
        _ bytes: [UInt8], name: String, directory: URL, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let url = directory.appendingPathComponent(name)
        let update = updates(name)
        guard let old = FileManager.default.contents(atPath: url.path) else {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: url)
            if !update {
                Issue.record("golden file \(name) was missing: written now; review it and commit it", sourceLocation: sourceLocation)
            }
            return
        }
        if Array(old) == bytes { return }
        if update {
            try Data(bytes).write(to: url)
            return
        }
        Issue.record(
            "\(name) differs from its golden file (DWELL_UPDATE_GOLDEN=\(name) rewrites it):\n\(diff(Array(old), bytes))",
            sourceLocation: sourceLocation)
    }

    /// The first differing lines, numbered, golden (-) against new (+).
    public static func diff(_ old: [UInt8], _ new: [UInt8]) -> String {
        let a = String(decoding: old, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        let b = String(decoding: new, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        var out: [String] = []
        for i in 0..<max(a.count, b.count) where out.count < 30 {
            let x = i < a.count ? a[i] : nil
            let y = i < b.count ? b[i] : nil
            if x != y {
                if let x { out.append("-\(i + 1): \(x.prefix(300))") }
                if let y { out.append("+\(i + 1): \(y.prefix(300))") }
            }
        }
        return out.joined(separator: "\n")
    }

    /// JSON as written, re-indented for review: one key or element per line, two spaces per level. Only the
    /// whitespace between tokens changes (strings, numbers and key order are the renderer's bytes), so
    /// `compactJSON(prettyJSON(x)) == x` for a renderer's compact output, and a golden file pins it exactly.
    public static func prettyJSON(_ json: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(json.count * 2)
        var depth = 0
        var inString = false
        var escaped = false
        func newline() {
            out.append(UInt8(ascii: "\n"))
            out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 2 * depth))
        }
        var i = 0
        while i < json.count {
            let c = json[i]
            defer { i += 1 }
            if inString {
                out.append(c)
                if escaped { escaped = false } else if c == UInt8(ascii: "\\") { escaped = true } else if c == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch c {
            case UInt8(ascii: "\""):
                inString = true
                out.append(c)
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                out.append(c)
                // An empty object or array stays on its line.
                let next = i + 1 < json.count ? json[i + 1] : 0
                if next == UInt8(ascii: "}") || next == UInt8(ascii: "]") {
                    out.append(next)
                    i += 1
                } else {
                    depth += 1
                    newline()
                }
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth = max(0, depth - 1)
                newline()
                out.append(c)
            case UInt8(ascii: ","):
                out.append(c)
                newline()
            case UInt8(ascii: ":"):
                out.append(c)
                out.append(UInt8(ascii: " "))
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                continue
            default:
                out.append(c)
            }
        }
        if out.last != UInt8(ascii: "\n") { out.append(UInt8(ascii: "\n")) }
        return out
    }

    /// `prettyJSON` undone: the whitespace between tokens removed.
    public static func compactJSON(_ json: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(json.count)
        var inString = false
        var escaped = false
        for c in json {
            if inString {
                out.append(c)
                if escaped { escaped = false } else if c == UInt8(ascii: "\\") { escaped = true } else if c == UInt8(ascii: "\"") { inString = false }
                continue
            }
            if c == UInt8(ascii: "\"") { inString = true }
            if c == UInt8(ascii: " ") || c == UInt8(ascii: "\n") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\r") { continue }
            out.append(c)
        }
        return out
    }
}
