import DwellCore
import DwellTestSupport
import Foundation
import Parsers
import Testing

/// Every file of the external real-log corpus (`../shared/realdata/auth` beside the package) is detected and parsed
/// with no rejection other than the documented ones below.
@Suite struct RealDataTests {
    /// The corpus directory, or `nil` when absent.
    static var corpus: String? {
        guard let root = ParserHarness.packageRoot() else { return nil }
        let dir = (root as NSString).appendingPathComponent("../shared/realdata/auth")
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: dir, isDirectory: &isDir) && isDir.boolValue ? dir : nil
    }

    static var files: [String] {
        guard let dir = corpus, let e = FileManager.default.enumerator(atPath: dir) else { return [] }
        var out: [String] = []
        while let p = e.nextObject() as? String {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: dir + "/" + p, isDirectory: &isDir), !isDir.boolValue {
                out.append(p)
            }
        }
        return out.sorted()
    }

    /// Rejections the corpus is known to hold, by file and 1-based line (record) number, with the reason.
    static let documented: [String: [Int: String]] = [
        // plaso's syslog test file holds a line with the month `MMM`, on purpose.
        "plaso-test-data/syslog": [8: "bad_timestamp"],
        // plaso's corrupted utmp: records 2 and 3 have type 99 (the 50 bytes after record 4 are a truncated
        // record, reported by the pipeline, not the parser).
        "plaso-test-data/utmp_corrupted": [2: "invalid_field", 3: "invalid_field"],
    ]

    /// The format each file must be detected as.
    static func expectedFormat(_ path: String) -> String {
        path.hasPrefix("plaso-test-data/utmp") ? "wtmp" : "syslog"
    }

    struct FileResult {
        var format: String?
        var events = 0
        var nonEvents = 0
        var rejections: [Int: String] = [:]
        var kinds: [String: Int] = [:]
    }

    static func run(_ relative: String) throws -> FileResult {
        let dir = try #require(corpus)
        let path = dir + "/" + relative
        let data = try #require(FileManager.default.contents(atPath: path))
        let bytes = [UInt8](data)
        var result = FileResult()
        let sample = DetectionSample(prefix: Array(bytes.prefix(1 << 16)), path: path)
        guard let id = Registry.detect(sample), let descriptor = Registry.descriptor(id) else { return result }
        result.format = descriptor.name
        var context = ParserHarness.context()
        switch descriptor.make(ParserOptions()) {
        case .framed:
            break  // record-framed formats (EVTX) have their own real-data tests (Windows/EVTXTests)
        case .journal:
            break  // read whole by JournalReader: see DwellCoreTests/JournalReaderTests
        case .records(var parser):
            let size = parser.recordBytes
            var k = 0
            while (k + 1) * size <= bytes.count {
                let rec = Array(bytes[k * size..<(k + 1) * size])
                do {
                    if let e = try ParserHarness.parse(record: rec, with: &parser, context: &context) {
                        result.events += 1
                        result.kinds[e.kind.name, default: 0] += 1
                    } else {
                        result.nonEvents += 1
                    }
                } catch {
                    result.rejections[k + 1] = error.reasonName
                }
                k += 1
            }
        case .lines(var parser):
            var number = 0
            for raw in bytes.split(separator: 0x0a, omittingEmptySubsequences: false) {
                number += 1
                var line = Array(raw)
                if line.last == 0x0d { line.removeLast() }
                if line.isEmpty { continue }
                do {
                    if let e = try ParserHarness.parse(line, with: &parser, context: &context) {
                        result.events += 1
                        result.kinds[e.kind.name, default: 0] += 1
                    } else {
                        result.nonEvents += 1
                    }
                } catch {
                    result.rejections[number] = error.reasonName
                }
            }
        }
        return result
    }

    @Test(arguments: RealDataTests.files)
    func realFileParsesWithoutUnexplainedRejections(_ relative: String) throws {
        let result = try Self.run(relative)
        #expect(result.format == Self.expectedFormat(relative), "\(relative): detected as \(result.format ?? "nothing")")
        #expect(result.rejections == (Self.documented[relative] ?? [:]), "\(relative): \(result.rejections)")
        #expect(result.events > 0)
    }

    @Test(.enabled(if: RealDataTests.corpus != nil, "../shared/realdata/auth is absent"))
    func corpusIsPresent() {
        #expect(!Self.files.isEmpty)
    }

    /// `DWELL_DUMP_REALDATA=1 swift test --filter dumpRealData` prints every line's event (for reviewing rules).
    @Test(.enabled(if: ProcessInfo.processInfo.environment["DWELL_DUMP_REALDATA"] != nil))
    func dumpRealData() throws {
        let dir = try #require(Self.corpus)
        for f in Self.files where Self.expectedFormat(f) == "syslog" {
            let data = try #require(FileManager.default.contents(atPath: dir + "/" + f))
            for raw in [UInt8](data).split(separator: 0x0a) {
                var line = Array(raw)
                if line.last == 0x0d { line.removeLast() }
                print("\(f)\t\(String(decoding: line, as: UTF8.self))\n\t=> \(ParserHarness.syslog(line))")
            }
        }
    }
}
