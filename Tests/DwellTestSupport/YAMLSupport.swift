import Yams

/// YAML parsing for tests (wraps Yams' `load`), so test targets need not depend on Yams themselves.
public enum YAMLSupport {
    /// The document as plain values: `[String: Any]`, `[Any]`, `String`, `Int`, `Bool`, … (Yams' resolution).
    public static func load(_ text: String) throws -> Any? {
        try Yams.load(yaml: text)
    }
}
