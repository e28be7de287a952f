// Target `journal`: systemd journal files through `JournalReader` and `JournalEntryParser` (`Ingest.readFile`
// with --format journal). Invariants: every entry read is an event, a non-event or a counted rejection; each event
// cites the offset of an ENTRY object (type byte 3) inside the file; a second reading is byte-identical.
import DwellCore
import DwellIngest
import Parsers

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let body = UnsafeBufferPointer(start: data, count: size)
    let path = Scratch.write(body, name: "system.journal")
    let file = Scratch.evidence(path, display: "case/fuzzhost/var/log/journal/system.journal", size: size)
    let options = IngestOptions(jobs: 1, forcedFormat: "journal", now: Timestamp(seconds: 1_773_000_000))
    let isGzip = size >= 2 && data[0] == 0x1f && data[1] == 0x8b
    var first = CheckingSink(input: isGzip ? nil : body, citation: .signature([3]))
    let (stats, output) = Ingest.readFile(file, options: options, sink: &first)
    Check.accounting(stats, events: first.events)
    var second = CheckingSink(input: nil, citation: .none)
    let (_, again) = Ingest.readFile(file, options: options, sink: &second)
    require(output == again, "a second reading of the same journal gave different output")
    return 0
}
