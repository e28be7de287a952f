import DwellCore
import DwellTestSupport
import Foundation
import Parsers
import Testing

@Test func dumpRealData() throws {
    guard ProcessInfo.processInfo.environment["DWELL_DUMP"] != nil else { return }
    let root = try #require(WebNetHarness.realdataRoot())
    var out = ""
    for file in RealDataWebNetworkTests.files {
        let r = try WebNetHarness.run(file: root.appendingPathComponent(file))
        out += "== \(file) [\(r.format ?? "-")] events=\(r.events.count) non=\(r.nonEvents)\n"
        for e in r.events.prefix(3) + r.events.suffix(1) {
            var j = JSONBuffer()
            e.appendJSON(to: &j, symbols: r.context.symbols, file: "f", format: r.format ?? "")
            out += String(decoding: j.bytes, as: UTF8.self) + "\n"
        }
    }
    try out.write(toFile: "/tmp/webnet-dump.txt", atomically: true, encoding: .utf8)
}
