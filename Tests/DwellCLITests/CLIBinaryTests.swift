import DwellTestSupport
import Foundation
import Testing

/// The built `dwell` binary, beside the test bundle (`swift build --build-tests` builds both).
enum Binary {
    static let url: URL? = {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [
            beside.appendingPathComponent("dwell"),
            beside.deletingLastPathComponent().appendingPathComponent("dwell"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }()

    /// Runs the binary with `arguments`, `stdin` piped in; returns its exit status, stdout and stderr.
    static func run(_ arguments: [String], stdin: [UInt8] = []) throws -> (status: Int32, out: [UInt8], err: String) {
        let binary = try #require(url)
        let p = Process()
        p.executableURL = binary
        p.arguments = arguments
        let input = Pipe()
        let output = Pipe()
        let error = Pipe()
        p.standardInput = input
        p.standardOutput = output
        p.standardError = error
        try p.run()
        // Read stdout and stderr on their own threads while stdin is written: no pipe fills up and blocks.
        let outBox = Collected()
        let errBox = Collected()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) { outBox.data = output.fileHandleForReading.readDataToEndOfFile() }
        DispatchQueue.global().async(group: group) { errBox.data = error.fileHandleForReading.readDataToEndOfFile() }
        input.fileHandleForWriting.write(Data(stdin))
        try input.fileHandleForWriting.close()
        group.wait()
        p.waitUntilExit()
        return (p.terminationStatus, [UInt8](outBox.data), String(decoding: errBox.data, as: UTF8.self))
    }

    final class Collected: @unchecked Sendable {
        var data = Data()
    }
}

/// The built binary: exit statuses of bad values, and evidence piped to stdin.
@Suite(.enabled(if: Binary.url != nil, "the dwell binary is not built beside the tests (swift build --build-tests)"))
struct CLIBinaryTests {
    @Test(arguments: [
        ["investigate", "-", "--formats", "md,pdf"], ["investigate", "-", "--timeline-style", "plaso"],
        ["investigate", "-", "--seed", "colour:blue"], ["timeline", "-", "--indicator", "nonsense"],
    ])
    func aBadValueExitsWithStatusTwoAndSaysWhy(arguments: [String]) throws {
        let r = try Binary.run(arguments)
        #expect(r.status == 2)
        #expect(r.err.contains("Error: The value '\(arguments[3])' is invalid for '\(arguments[2])"))
        #expect(r.out.isEmpty)
    }

    /// Thirty failed passwords and a success from one address, as sshd logs them.
    static let authLog: String = {
        var lines: [String] = []
        for i in 0..<30 {
            lines.append(
                "Mar  3 04:12:\(i < 10 ? "0" : "")\(i) web1 sshd[\(2200 + i)]: Failed password for root from 203.0.113.9 port \(50100 + i) ssh2")
        }
        lines.append("Mar  3 04:13:05 web1 sshd[2299]: Accepted password for root from 203.0.113.9 port 50199 ssh2")
        return lines.joined(separator: "\n") + "\n"
    }()

    /// Every evidence entry of report.json: (file, line, raw).
    static func evidence(_ report: [UInt8]) throws -> [(String, Int, String)] {
        let json = try #require(try JSONSerialization.jsonObject(with: Data(report)) as? [String: Any])
        let findings = try #require(json["findings"] as? [[String: Any]])
        var out: [(String, Int, String)] = []
        for f in findings {
            for e in (f["evidence"] as? [[String: Any]]) ?? [] {
                out.append((e["file"] as? String ?? "", e["line"] as? Int ?? -1, e["raw"] as? String ?? ""))
            }
        }
        return out
    }

    @Test("#24: evidence piped to stdin gets its raw lines in report.json, as a file's does", arguments: [false, true])
    func stdinEvidenceCitesItsRawLines(gzipped: Bool) throws {
        let text = Array(Self.authLog.utf8)
        let r = try Binary.run(
            ["investigate", "-", "--year", "2026", "--json", "--quiet"], stdin: gzipped ? Fixture.gzip(text) : text)
        #expect(r.status == 0, "\(r.err)")
        let cited = try Self.evidence(r.out)
        #expect(!cited.isEmpty)
        let lines = Self.authLog.split(separator: "\n").map(String.init)
        for (file, line, raw) in cited {
            #expect(file == "(stdin)")
            #expect(line >= 1 && line <= lines.count)
            if line >= 1 && line <= lines.count { #expect(raw == lines[line - 1], "line \(line)") }
        }
    }

    @Test("#24: the same lines from a file and from stdin are cited alike")
    func stdinAndFileGiveTheSameRawLines() throws {
        let dir = try Fixture.temporaryDirectory("dwell-cli-stdin")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = try Fixture.write(Self.authLog, to: dir.appendingPathComponent("auth.log"))
        let fromFile = try Binary.run(["investigate", file.path, "--year", "2026", "--json", "--quiet"])
        let fromStdin = try Binary.run(["investigate", "-", "--year", "2026", "--json", "--quiet"], stdin: Array(Self.authLog.utf8))
        #expect(fromFile.status == 0 && fromStdin.status == 0)
        let a = try Self.evidence(fromFile.out).map { "\($0.1) \($0.2)" }
        let b = try Self.evidence(fromStdin.out).map { "\($0.1) \($0.2)" }
        #expect(!a.isEmpty)
        #expect(a == b)
    }
}
