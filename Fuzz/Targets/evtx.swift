// Target `evtx`: Windows EVTX files through `EVTXParser` and BinXML (`Ingest.readFile` with --format evtx).
// Invariants: every record is an event or a counted rejection; each event cites the offset of a record
// (signature `**\0\0`) inside the file; a second reading is byte-identical.
import DwellCore
import DwellIngest
import Parsers

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let body = UnsafeBufferPointer(start: data, count: size)
    let path = Scratch.write(body, name: "Security.evtx")
    let file = Scratch.evidence(path, display: "case/fuzzhost/Security.evtx", size: size)
    let options = IngestOptions(jobs: 1, forcedFormat: "evtx", now: Timestamp(seconds: 1_773_000_000))
    let isGzip = size >= 2 && data[0] == 0x1f && data[1] == 0x8b
    var first = CheckingSink(input: isGzip ? nil : body, citation: .signature([0x2a, 0x2a, 0, 0]))
    let (stats, output) = Ingest.readFile(file, options: options, sink: &first)
    Check.accounting(stats, events: first.events, recordNumbers: true)
    var second = CheckingSink(input: nil, citation: .none)
    let (_, again) = Ingest.readFile(file, options: options, sink: &second)
    require(output == again, "a second reading of the same EVTX file gave different output")
    return 0
}
