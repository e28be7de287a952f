// Target `ioc`: the IOC list loader (text, CSV, STIX 2.1 bundles, dwell reports, MISP), by content and forced.
// Input: byte 0 picks the format (0: detect; else text, csv, stix, report, misp); the rest is the list.
// Invariants: a second load gives the same rules and problems; a strict load either throws a malformed problem
// or gives what the lenient load gives with no malformed warning; every rule has an atom and cites a line in the list.
import DwellSweep

func render(_ list: IOCList) -> [String] {
    list.rules.map { r in "\(r.text)|\(r.typeName)|\(r.atoms.map { "\($0)" })|\(r.origin)|\(r.note ?? "-")" }
        + list.warnings.map(\.description)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size >= 1 else { return 0 }
    let formats = IOCList.Format.allCases
    let format: IOCList.Format? = data[0] == 0 ? nil : formats[(Int(data[0]) - 1) % formats.count]
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let name = data[0] & 0x80 != 0 ? "iocs.csv" : "iocs.txt"
    let lenient: IOCList
    do {
        lenient = try IOCList.parse(bytes, name: name, format: format, lenient: true)
    } catch {
        require(error.kind == .unreadable, "a lenient load threw \(error.kind.rawValue): \(error)")
        return 0
    }
    let again = try? IOCList.parse(bytes, name: name, format: format, lenient: true)
    require(again.map(render) == render(lenient), "a second load of the same list differs")
    for r in lenient.rules { require(r.atomCount >= 1 && !r.atoms.isEmpty, "a rule without a comparison") }
    do {
        let strict = try IOCList.parse(bytes, name: name, format: format, lenient: false)
        require(!lenient.warnings.contains { $0.kind == .malformed }, "strict load accepted what lenient calls malformed")
        require(render(strict) == render(lenient), "strict and lenient loads of a clean list differ")
    } catch {
        require(error.kind == .malformed, "a strict load threw \(error.kind.rawValue) where the lenient one did not")
        require(lenient.warnings.contains { $0.kind == .malformed }, "strict load threw but lenient saw nothing malformed")
    }
    return 0
}
