import DwellCore

/// Escaping of attacker-controlled text for HTML and SVG (text content and quoted attribute values).
///
/// One strict function for both contexts: `&`, `<`, `>`, `"` and `'` become character references, so the text can
/// neither open a tag nor leave a quoted attribute. Control characters (ANSI escapes, NUL, CR, LF inside a value) and
/// bidi overrides are first made visible as `\xNN`/`\u{…}` by `TerminalText`, and invalid UTF-8 in raw evidence bytes
/// is shown as `\xNN` by `ByteText`, so what the reader sees is what the log holds.
public enum HTMLText {
    /// Escaped text, safe between tags and inside a double- or single-quoted attribute value.
    public static func escape(_ text: String) -> String {
        var out = ""
        let visible = TerminalText.safe(text)
        out.reserveCapacity(visible.utf8.count + 16)
        for scalar in visible.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Escaped text of raw evidence bytes (invalid UTF-8 shown as `\xNN`).
    public static func escape<C: Collection>(bytes: C) -> String where C.Element == UInt8 {
        escape(ByteText.string(bytes))
    }
}
