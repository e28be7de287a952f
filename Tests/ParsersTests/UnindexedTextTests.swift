import DwellCore
import DwellTestSupport
import Parsers
import Testing

/// When the pipeline only builds the event store, parsers skip interning the text no index keeps (Zeek and
/// Suricata connection ids, referers): every other field must come out exactly the same, in every format that
/// carries them.
@Suite struct UnindexedTextTests {
    static let samples: [(path: String, text: String)] = [
        (
            "web01/var/log/nginx/access.log",
            #"203.0.113.9 - - [09/Mar/2026:10:00:01 +0000] "GET /a?x=1 HTTP/1.1" 200 512 "https://ref.example/p" "curl/8.0""# + "\n"
        ),
        (
            "sensor/zeek/http.log",
            "#separator \\x09\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tmethod\thost\turi\treferrer\tuser_agent\tstatus_code\n"
                + "1773050401.000000\tCk2Xb31xQnZ\t203.0.113.9\t51000\t10.0.1.10\t80\tGET\tweb01\t/a?x=1\thttps://ref.example/p\tcurl/8.0\t200\n"
        ),
        (
            "sensor/zeek/conn.log",
            "#separator \\x09\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\torig_bytes\tresp_bytes\n"
                + "1773050401.000000\tCk2Xb31xQnZ\t203.0.113.9\t51000\t10.0.1.10\t22\ttcp\tssh\t100\t200\n"
        ),
        (
            "sensor/suricata/eve.json",
            #"{"timestamp":"2026-03-09T10:00:01.000000+0000","flow_id":1234567890,"event_type":"http","src_ip":"203.0.113.9","src_port":51000,"dest_ip":"10.0.1.10","dest_port":80,"proto":"TCP","http":{"hostname":"web01","url":"/a?x=1","http_user_agent":"curl/8.0","http_refer":"https://ref.example/p","http_method":"GET","status":200,"length":512}}"# + "\n"
        ),
        (
            "web01/inetpub/logs/u_ex260309.log",
            "#Software: Microsoft Internet Information Services 10.0\n#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken\n"
                + "2026-03-09 10:00:01 10.0.1.10 GET /a x=1 80 - 203.0.113.9 curl/8.0 https://ref.example/p 200 0 0 15\n"
        ),
    ]

    static func json(_ r: WebNetHarness.FileResult, dropping: Set<String>) throws -> [DwellTestSupport.JSONValue] {
        try r.events.map { e in
            var buffer = JSONBuffer()
            e.appendJSON(to: &buffer, symbols: r.context.symbols, file: "f", format: r.format ?? "")
            guard case .object(let fields) = try DwellTestSupport.JSONValue.parse(buffer.bytes) else { return .null }
            return .object(fields.filter { !dropping.contains($0.0) })
        }
    }

    @Test(arguments: samples.indices)
    func skippingUnindexedTextChangesNothingElse(_ k: Int) throws {
        let (path, text) = Self.samples[k]
        let full = WebNetHarness.run(data: Array(text.utf8), path: path)
        let lean = WebNetHarness.run(data: Array(text.utf8), path: path, unindexedText: false)
        #expect(full.format != nil && full.format == lean.format, "\(path): \(String(describing: full.format))")
        #expect(full.events.count == 1 && lean.events.count == 1, "\(path): \(full.rejections) \(lean.rejections)")
        // The sample carries the skipped text, and the full parse keeps it.
        #expect(full.events.contains { !$0.referer.isNone || !$0.connectionUID.isNone }, "\(path)")
        #expect(lean.events.allSatisfy { $0.referer.isNone && $0.connectionUID.isNone }, "\(path)")
        #expect(lean.context.symbols.lookup("https://ref.example/p") == nil)
        #expect(lean.context.symbols.lookup("Ck2Xb31xQnZ") == nil)
        #expect(try Self.json(full, dropping: ["uid", "referer"]) == Self.json(lean, dropping: []), "\(path)")
    }
}
