// Target `partials`: the partials reader (`dwell investigate --partials`, JSON lines written by `dwell summarize`).
// Invariants: what is read, written back with `jsonLines()`, reads again to equal partials and the same bytes.
import DwellAnalysis

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let partials: Partials
    do {
        partials = try Partials.read(bytes, source: "fuzz.jsonl")
    } catch {
        require(error.line >= 1, "a partials error without a line")
        return 0
    }
    let written = partials.jsonLines()
    do {
        let reread = try Partials.read(written, source: "written.jsonl")
        require(reread == partials, "partials written and read back differ")
        require(reread.jsonLines() == written, "partials written twice give different bytes")
    } catch {
        require(false, "partials written by jsonLines() do not read again: \(error)")
    }
    return 0
}
