import DwellCore
@testable import DwellReports
import DwellTestSupport
import Foundation
import Testing

/// report.html in a real browser: headless Chromium renders it to a screenshot and to its DOM. The page must render
/// (a non-trivial PNG; the summary heading and table rows in the DOM), and payloads planted in a user agent, a path,
/// a user name, a host name and a file name must neither run (`document.title` unchanged, no element with id
/// `pwned`) nor become markup (no `<img>`, exactly one `<script>`: dwell's own; the payload shows as text).
/// Skips with a message when Chromium is absent (`.ci/install-chromium.sh` installs it).
/// The headless browser the report.html tests drive, if installed.
let installedChromium: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first {
    FileManager.default.isExecutableFile(atPath: $0)
}

@Suite(
    .serialized,
    .enabled(
        if: installedChromium != nil,
        "chromium is not installed (run .ci/install-chromium.sh or apt-get install -y chromium)"))
struct ChromiumReportTests {
    static let timeoutSeconds = 120.0

    static var chromium: String? { installedChromium }

    struct Run {
        var status: Int32
        var timedOut: Bool
        var stdout: String
        var stderr: String
    }

    /// Runs Chromium headless on a file with a fresh profile, a fixed window and a timeout (a hung browser fails
    /// the test, not CI). Output goes to files so a large DOM cannot fill a pipe.
    static func chromium(_ binary: String, _ arguments: [String], page: URL, in dir: URL) throws -> Run {
        let out = dir.appendingPathComponent("stdout-\(UUID().uuidString)")
        let err = dir.appendingPathComponent("stderr-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments =
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
                "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
                "--disable-sync",
                "--disable-component-update", "--disable-dev-shm-usage", "--mute-audio", "--window-size=1280,2000",
                "--user-data-dir=\(dir.appendingPathComponent("profile-\(UUID().uuidString)").path)",
            ] + arguments + [page.absoluteString]
        let outHandle = try FileHandle(forWritingTo: out)
        let errHandle = try FileHandle(forWritingTo: err)
        p.standardOutput = outHandle
        p.standardError = errHandle
        p.standardInput = FileHandle.nullDevice
        let done = DispatchSemaphore(value: 0)
        p.terminationHandler = { _ in done.signal() }
        try p.run()
        var timedOut = false
        if done.wait(timeout: .now() + timeoutSeconds) == .timedOut {
            timedOut = true
            kill(p.processIdentifier, SIGKILL)
            _ = done.wait(timeout: .now() + 10)
        }
        try outHandle.close()
        try errHandle.close()
        let stdout = String(decoding: (try? Data(contentsOf: out)) ?? Data(), as: UTF8.self)
        let stderr = String(decoding: (try? Data(contentsOf: err)) ?? Data(), as: UTF8.self)
        return Run(status: timedOut ? -1 : p.terminationStatus, timedOut: timedOut, stdout: stdout, stderr: stderr)
    }

    /// Writes the page, renders it to a PNG and to its DOM; returns (PNG bytes, DOM, stderr of the DOM run).
    /// The suite runs only where Chromium is installed (its `.enabled(if:)` trait).
    static func render(_ html: [UInt8], name: String) throws -> (png: [UInt8], dom: String, log: String) {
        let binary = try #require(chromium)
        let dir = try Fixture.temporaryDirectory("dwell-chromium")
        defer { try? FileManager.default.removeItem(at: dir) }
        let page = dir.appendingPathComponent("\(name).html")
        try Data(html).write(to: page)
        let png = dir.appendingPathComponent("\(name).png")
        let shot = try chromium(binary, ["--screenshot=\(png.path)"], page: page, in: dir)
        #expect(!shot.timedOut, "chromium --screenshot did not finish within \(timeoutSeconds) s")
        let dom = try chromium(binary, ["--dump-dom", "--enable-logging=stderr", "--v=0"], page: page, in: dir)
        #expect(!dom.timedOut, "chromium --dump-dom did not finish within \(timeoutSeconds) s")
        #expect(dom.status == 0, "chromium --dump-dom exited with \(dom.status): \(dom.stderr.suffix(2000))")
        let bytes = Array((try? Data(contentsOf: png)) ?? Data())
        if let keep = ProcessInfo.processInfo.environment["DWELL_KEEP_SCREENSHOTS"] {
            try? Data(bytes).write(to: URL(fileURLWithPath: keep).appendingPathComponent("\(name).png"))
        }
        return (bytes, dom.stdout, dom.stderr)
    }

    /// Width and height from a PNG's IHDR chunk.
    static func pngSize(_ png: [UInt8]) -> (Int, Int)? {
        guard png.count > 24, png.starts(with: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) else { return nil }
        func be32(_ i: Int) -> Int { png[i..<i + 4].reduce(0) { $0 << 8 | Int($1) } }
        return (be32(16), be32(20))
    }

    static func count(_ needle: String, in haystack: String) -> Int {
        haystack.components(separatedBy: needle).count - 1
    }

    @Test func sampleReportRendersInChromium() throws {
        let input = try #require(HumanReportFixture.sample, "SampleLogs/incident-2026-03 is committed with the package")
        let r = try Self.render(HTMLReport.render(input), name: "sample")
        let size = try #require(Self.pngSize(r.png), "the screenshot is not a PNG (\(r.png.count) bytes)")
        #expect(size == (1280, 2000))
        #expect(r.png.count > 50_000, "screenshot suspiciously small: \(r.png.count) bytes")
        #expect(r.dom.contains("<h2>Summary</h2>"))
        #expect(r.dom.contains("<title>dwell incident report</title>"))
        #expect(Self.count("<tr>", in: r.dom) > 500)
        #expect(Self.count("<svg ", in: r.dom) == 2)
        // The Content-Security-Policy let the page's own style and script through (their hashes are right).
        #expect(!r.log.contains("Content Security Policy"), "CSP violation: \(r.log.suffix(2000))")
    }

    @Test func payloadsNeitherRunNorBecomeMarkup() throws {
        let r = try Self.render(HTMLReport.render(HumanReportFixture.hostile()), name: "hostile")
        #expect(Self.pngSize(r.png) != nil)
        // Did not run: the title is ours, no element was added.
        #expect(r.dom.contains("<title>dwell incident report</title>"))
        #expect(!r.dom.contains("PWNED</title>"))
        #expect(!r.dom.contains("id=\"pwned\""))
        // Did not become markup: no image element, one script element (dwell's), no bold tag from the logs.
        #expect(!r.dom.contains("<img"))
        #expect(Self.count("<script", in: r.dom) == 1)
        #expect(!r.dom.contains("<b>tag"))
        // It is there, as text (the browser serialises text with < > & escaped).
        #expect(r.dom.contains("&lt;script&gt;document.title='PWNED'&lt;/script&gt;"))
        #expect(r.dom.contains("\"&gt;&lt;img src=x onerror=\"document.body.appendChild"))
        #expect(r.dom.contains("<td>root&lt;script&gt;"))  // user name
        #expect(r.dom.contains("Mozilla/5.0 &lt;script&gt;"))  // user agent
        #expect(r.dom.contains("/uploads/&lt;script&gt;"))  // path
        #expect(!r.log.contains("Content Security Policy"), "CSP violation: \(r.log.suffix(2000))")
    }
}
