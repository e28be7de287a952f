// Target `stix`: the STIX 2.1 pattern parser and its mapping to dwell's indicator atoms. Invariants: parsing is
// deterministic; a parsed pattern has at least one alternative and no empty one; every failure is `malformed` or
// `unsupported` with a reason.
import DwellSweep

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    func attempt() -> String {
        do {
            let dnf = try STIXPattern.parse(text)
            require(!dnf.isEmpty, "a parsed pattern with no alternative")
            var out = ""
            for alternative in dnf {
                require(!alternative.isEmpty, "a parsed pattern with an empty alternative")
                for c in alternative {
                    require(!c.objectType.isEmpty && !c.path.isEmpty, "a comparison without object or path")
                    do {
                        out += "\(try STIXPattern.atom(c))\n"
                    } catch {
                        out += "\(error)\n"
                    }
                }
                out += "|\n"
            }
            return out
        } catch {
            switch error {
            case .malformed(let why), .unsupported(let why): require(!why.isEmpty, "a failure without a reason")
            }
            return "\(error)"
        }
    }
    let first = attempt()
    require(attempt() == first, "two parses of the same pattern differ")
    return 0
}
