// Placeholder until the `correl` branch merges: the lead deletes this file at the merge.
import DwellAnalysis

public enum LateralDOT {
    public static func render(_ inv: Investigation) -> [UInt8] {
        Array("digraph lateral {\n}\n".utf8)
    }
}
