import DwellCore

/// CSV cells for spreadsheets and timeline tools: RFC 4180 quoting plus formula-injection neutralisation.
///
/// - A text cell whose first character is `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`
///   (OWASP's "CSV injection" advice, which Timesketch's exporter follows): a spreadsheet shows the text instead
///   of evaluating it. Numbers that dwell writes itself (microseconds, line numbers) are not text cells.
/// - A cell holding `,`, `"`, CR or LF is quoted, with `"` doubled (RFC 4180).
/// - Control characters other than tab, CR and LF (ANSI escapes included) and bytes that are not UTF-8 are
///   written as the four characters `\xNN`, as everywhere else in dwell, so `cat file.csv` cannot drive a
///   terminal and nothing is replaced by U+FFFD.
public enum CSVCell {
    /// Appends one text cell (escaped, neutralised, quoted when needed) to `out`.
    public static func append<C: Collection>(bytes: C, to out: inout [UInt8])
    where C.Element == UInt8 {
        let text = visible(bytes)
        var needsQuotes = false
        for c in text where c == 0x2c || c == 0x22 || c == 0x0a || c == 0x0d {
            needsQuotes = true
            break
        }
        if needsQuotes { out.append(0x22) }
        if let first = text.first, isFormulaTrigger(first) { out.append(UInt8(ascii: "'")) }
        for c in text {
            if c == 0x22 { out.append(0x22) }
            out.append(c)
        }
        if needsQuotes { out.append(0x22) }
    }

    public static func append(_ s: String, to out: inout [UInt8]) {
        append(bytes: s.utf8, to: &out)
    }

    /// The escaped form of one cell, as a `String` (for tests and small uses).
    public static func escaped(_ s: String) -> String {
        var out: [UInt8] = []
        append(s, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Whether a cell starting with this byte would be read as a formula by a spreadsheet.
    @inlinable public static func isFormulaTrigger(_ c: UInt8) -> Bool {
        c == UInt8(ascii: "=") || c == UInt8(ascii: "+") || c == UInt8(ascii: "-")
            || c == UInt8(ascii: "@")
            || c == 0x09 || c == 0x0d
    }

    /// Valid UTF-8 with control characters (but tab, CR, LF) and invalid bytes as `\xNN`.
    static func visible<C: Collection>(_ bytes: C) -> [UInt8] where C.Element == UInt8 {
        var clean = true
        for c in bytes where (c < 0x20 && c != 0x09 && c != 0x0a && c != 0x0d) || c >= 0x7f {
            clean = false
            break
        }
        if clean { return Array(bytes) }
        let text = ByteText.string(bytes)  // invalid UTF-8 → \xNN
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for c in text.utf8 {
            if (c < 0x20 && c != 0x09 && c != 0x0a && c != 0x0d) || c == 0x7f {
                out.append(contentsOf: Array("\\x".utf8))
                out.append(hexDigits[Int(c >> 4)])
                out.append(hexDigits[Int(c & 0xf)])
            } else {
                out.append(c)
            }
        }
        return out
    }

    static let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)
}

/// Writes rows of CSV cells, one record per line, LF-terminated (RFC 4180 allows CRLF; LF is what
/// Timesketch, pandas and plaso write).
struct CSVWriter {
    var bytes: [UInt8] = []
    private var first = true

    mutating func cell(_ s: String) {
        separator()
        CSVCell.append(s, to: &bytes)
    }

    mutating func cell<C: Collection>(bytes b: C) where C.Element == UInt8 {
        separator()
        CSVCell.append(bytes: b, to: &bytes)
    }

    /// A number dwell computed itself (never attacker text): written bare.
    mutating func number<I: BinaryInteger>(_ v: I) {
        separator()
        bytes.append(contentsOf: String(v).utf8)
    }

    /// A constant dwell writes itself (`-`, `UTC`, `....`): written as is, so l2tcsv's `-` stays `-`.
    mutating func constant(_ s: StaticString) {
        separator()
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func endRow() {
        bytes.append(0x0a)
        first = true
    }

    private mutating func separator() {
        if !first { bytes.append(0x2c) }
        first = false
    }
}
