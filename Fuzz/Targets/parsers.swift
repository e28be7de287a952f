// Target `parsers`: every line and record format of the registry, through `Ingest.readFile` as dwell reads a file.
// Input: byte 0 picks the format (0: detect by content, as without --format; else the n-th line or record format by name,
// forced as --format does); the rest is the file. Invariants: every line is an event, a non-event or a counted
// rejection; each event's offset is where its line starts in the file; a second reading is byte-identical.
import DwellCore
import DwellIngest
import Parsers

/// By name, so that a seed's selector byte keeps its meaning when formats are added elsewhere in the registry.
let lineFormats: [String] = Registry.formats.compactMap { f in
    switch f.make(ParserOptions()) {
    case .lines, .records: f.name
    default: nil
    }
}.sorted()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size >= 1 else { return 0 }
    let selector = Int(data[0])
    let body = UnsafeBufferPointer(start: data + 1, count: size - 1)
    let forced = selector == 0 ? nil : lineFormats[(selector - 1) % lineFormats.count]
    let path = Scratch.write(body, name: "input.log")
    let file = Scratch.evidence(path, display: "case/fuzzhost/input.log", size: body.count)
    var options = IngestOptions(jobs: 1, forcedFormat: forced, now: Timestamp(seconds: 1_773_000_000))
    options.year = nil

    // Offsets are in the file's bytes when it is plain text; a gzip input's are in the inflated stream.
    let isGzip = body.count >= 2 && body[0] == 0x1f && body[1] == 0x8b
    var citation = CheckingSink.Citation.none
    if !isGzip {
        let name = forced ?? Registry.detect(
            DetectionSample(prefix: Array(body.prefix(1 << 16)), path: file.displayPath)
        ).map(Registry.name)
        if let name, let id = Registry.id(of: name), let d = Registry.descriptor(id) {
            switch d.make(ParserOptions()) {
            case .lines: citation = .line
            case .records: citation = .bytes
            default: citation = .none
            }
        }
    }
    var first = CheckingSink(input: body, citation: citation)
    let (stats, output) = Ingest.readFile(file, options: options, sink: &first)
    require(!stats.issues.contains { $0.kind == .lineTooLong }, "a line over 1 MiB in a fuzz input")
    Check.accounting(stats, events: first.events)
    if let forced, !stats.issues.contains(where: { $0.kind == .binary }) {
        require(stats.format == forced, "--format \(forced) was given but the file was read as \(stats.format ?? "nothing")")
    }
    var second = CheckingSink(input: nil, citation: .none)
    let (_, again) = Ingest.readFile(file, options: options, sink: &second)
    require(output == again, "a second reading of the same file gave different output")
    return 0
}
