import NIOCore

/// RFC 4180 CSV: a field with a comma, quote, CR or LF is quoted, quotes doubled; lines end CRLF.
struct CSVWriter {
    private(set) var buffer = ByteBuffer()

    mutating func row(_ fields: [String]) {
        for (index, field) in fields.enumerated() {
            if index > 0 { buffer.writeStaticString(",") }
            if field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }) {
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
