import NIOCore

/// RFC 4180 CSV: a field with a comma, quote, CR or LF is quoted, quotes doubled; lines end CRLF.
///
/// A cell a spreadsheet would run as a formula (it starts with `=`, `+`, `-`, `@`, a tab or a
/// CR) gets a leading `'` and quotes (OWASP's rule for CSV injection), so a customer's note
/// like `=HYPERLINK(…)` reaches the shop's spreadsheet as text.
struct CSVWriter {
    private(set) var buffer = ByteBuffer()

    /// The first characters that make a spreadsheet read a cell as a formula.
    static let formulaTriggers: Set<Unicode.Scalar> = ["=", "+", "-", "@", "\t", "\r"]

    mutating func row(_ fields: [String]) {
        for (index, field) in fields.enumerated() {
            if index > 0 { buffer.writeStaticString(",") }
            if let first = field.unicodeScalars.first, Self.formulaTriggers.contains(first) {
                buffer.writeString("\"'" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"")
            } else if field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }) {
                buffer.writeString("\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"")
            } else {
                buffer.writeString(field)
            }
        }
        buffer.writeStaticString("\r\n")
    }

    /// Hands over what was written so far and starts a new chunk.
    mutating func take() -> ByteBuffer {
        defer { buffer = ByteBuffer() }
        return buffer
    }
}
