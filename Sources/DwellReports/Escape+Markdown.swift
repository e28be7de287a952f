import DwellCore

/// Escaping of attacker-controlled text for Markdown (CommonMark and GitHub Flavored Markdown), inline text and
/// table cells.
///
/// Every ASCII punctuation character that can start Markdown syntax gets a backslash (CommonMark allows a backslash
/// before any ASCII punctuation and then shows the character literally): emphasis `* _ ~`, code spans `` ` ``,
/// links and images `[ ] ( ) !`, raw HTML and autolinks `< >`, entities `&`, headings `#`, table cells `|`, and the
/// backslash itself, `$` (GitHub math) and `@` (e-mail autolinks). GitHub also links bare `http://…` and `www.…`
/// text: the `:` of `://` and the `.` of `www.` get a backslash too, so an attacker's URL stays text and is never
/// one click away. Without `[` `]` and `<` `>`, a `javascript:` text cannot become a link.
/// Control characters (newlines that would end a table row, ANSI escapes) and bidi overrides become visible escapes
/// first (`TerminalText`), and invalid UTF-8 in raw evidence bytes is shown as `\xNN` (`ByteText`).
public enum MarkdownText {
    static let special: Set<Unicode.Scalar> = [
        "\\", "`", "*", "_", "~", "[", "]", "(", ")", "!", "<", ">", "&", "#", "|", "$", "@",
    ]

    /// Escaped inline text, safe in a paragraph, a list item and a table cell.
    public static func escape(_ text: String) -> String {
        let visible = TerminalText.safe(text)
        var out = ""
        out.reserveCapacity(visible.utf8.count + 16)
        let scalars = Array(visible.unicodeScalars)
        for (i, scalar) in scalars.enumerated() {
            if special.contains(scalar) || breaksAutolink(scalars, at: i) { out += "\\" }
            out.unicodeScalars.append(scalar)
        }
        return out
    }

    /// Whether `scalars[i]` is the `:` of `://` or the `.` of a `www.` that starts a word (GitHub's autolinks).
    static func breaksAutolink(_ scalars: [Unicode.Scalar], at i: Int) -> Bool {
        switch scalars[i] {
        case ":":
            return i + 2 < scalars.count && scalars[i + 1] == "/" && scalars[i + 2] == "/"
        case ".":
            guard i >= 3 else { return false }
            let w = scalars[(i - 3)..<i].map { $0.properties.lowercaseMapping }
            guard w == ["w", "w", "w"] else { return false }
            return i == 3 || !scalars[i - 4].properties.isAlphabetic
        default:
            return false
        }
    }

    /// Escaped text of raw evidence bytes (invalid UTF-8 shown as `\xNN`).
    public static func escape<C: Collection>(bytes: C) -> String where C.Element == UInt8 {
        escape(ByteText.string(bytes))
    }

    /// A fenced code block holding `text` verbatim (for commands), with a fence longer than any backtick run in it.
    /// Control characters are made visible first, so the block cannot be ended early by a newline and a fence.
    public static func codeBlock(_ text: String, language: String = "sh") -> String {
        let visible = TerminalText.safe(text)
        var longest = 0
        var run = 0
        for scalar in visible.unicodeScalars {
            run = scalar == "`" ? run + 1 : 0
            longest = max(longest, run)
        }
        let fence = String(repeating: "`", count: max(3, longest + 1))
        return "\(fence)\(language)\n\(visible)\n\(fence)\n"
    }
}
