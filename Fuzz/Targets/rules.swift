// Target `rules`: the rule file (`--rules`, YAML through Yams). Invariants: a file either loads or throws an error
// naming the file; a loaded set written back as YAML loads to the same set; its JSON is the same on a second call.
import DwellAnalysis

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let set: RuleSet
    do {
        set = try RuleFile.load(path: "fuzz.yaml", text: text)
    } catch {
        require(error.file == "fuzz.yaml" && !error.message.isEmpty, "a rule-file error without file or message")
        return 0
    }
    require(RuleFile.json(set) == RuleFile.json(set), "the JSON of a rule set differs between two calls")
    let written = RuleFile.yaml(set)
    do {
        let reloaded = try RuleFile.load(path: "written.yaml", text: written)
        require(reloaded == set, "a rule set written as YAML and read back differs")
    } catch {
        require(false, "a rule set written as YAML does not load again: \(error)")
    }
    return 0
}
