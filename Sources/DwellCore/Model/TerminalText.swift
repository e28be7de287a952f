/// Makes attacker-controlled text safe to print on a terminal: control characters (ANSI escapes included)
/// and invalid UTF-8 become visible escapes, so a log line cannot move the cursor, recolour or retitle the
/// responder's terminal.
public enum TerminalText {
    public static func safe(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x09: out += "\\t"
            case 0x0a: out += "\\n"
            case 0x0d: out += "\\r"
            case 0..<0x20, 0x7f: out += "\\x" + String(scalar.value, radix: 16, uppercase: true).leftPadded(to: 2)
            case 0x80..<0xa0: out += "\\u{" + String(scalar.value, radix: 16) + "}"  // C1 controls (CSI 0x9b)
            case 0x202a...0x202e, 0x2066...0x2069: out += "\\u{" + String(scalar.value, radix: 16) + "}"  // bidi overrides
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Safe text of raw evidence bytes (invalid UTF-8 shown as `\xNN`).
    public static func safe<C: Collection>(bytes: C) -> String where C.Element == UInt8 {
        safe(ByteText.string(bytes))
    }
}
