// Placeholder until the `reports-human` branch merges: the lead deletes this file at the merge.

public enum MarkdownReport {
    public static func render(_ input: ReportInput) -> [UInt8] { Array("# dwell report\n".utf8) }
}

public enum HTMLReport {
    public static func render(_ input: ReportInput) -> [UInt8] {
        Array("<!doctype html><title>dwell report</title>\n".utf8)
    }
}
