import Foundation

/// An email with a plain-text and an HTML part (`multipart/alternative`), rendered as RFC 5322
/// and MIME say: CRLF lines, headers folded under 78 characters, RFC 2047 encoded words for
/// non-ASCII subjects and names, and quoted-printable parts (7-bit safe, lines under 76).
public struct MailMessage: Sendable, Equatable {
    public var from: MailAddress
    public var to: [MailAddress]
    public var subject: String
    /// Without the angle brackets, e.g. `42.x@shop.example`: the same message gets the same id.
    public var messageID: String
    public var date: Date
    public var text: String
    public var html: String

    public init(from: MailAddress, to: [MailAddress], subject: String, messageID: String, date: Date, text: String, html: String) {
        self.from = from
        self.to = to
        self.subject = subject
        self.messageID = messageID
        self.date = date
        self.text = text
        self.html = html
    }

    var recipients: [MailAddress] { to }

    /// The message's bytes (before the SMTP dot-stuffing).
    public func rendered() -> [UInt8] {
        let boundary =
            "=_alt_"
            + String(messageID.utf8.reduce(UInt64(14_695_981_039_346_656_037)) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 }, radix: 36)
        var lines: [String] = []
        lines.append(Self.folded("From: " + from.header))
        lines.append(Self.folded("To: " + to.map(\.header).joined(separator: ", ")))
        lines.append(Self.folded("Subject: " + (subject.unicodeScalars.allSatisfy { $0.isASCII } ? subject : Self.encodedWord(subject))))
        lines.append("Date: " + Self.rfc5322Date(date))
        lines.append("Message-ID: <\(messageID)>")
        lines.append("MIME-Version: 1.0")
        lines.append("Content-Type: multipart/alternative; boundary=\"\(boundary)\"")
        lines.append("")
        for (type, body) in [("text/plain", text), ("text/html", html)] {
            lines.append("--" + boundary)
            lines.append("Content-Type: \(type); charset=utf-8")
            lines.append("Content-Transfer-Encoding: quoted-printable")
            lines.append("")
            lines.append(Self.quotedPrintable(body))
        }
        lines.append("--" + boundary + "--")
        return Array(lines.joined(separator: "\r\n").utf8) + [13, 10]
    }

    /// `=?UTF-8?B?…?=` words of at most 75 characters, space-separated (RFC 2047), never splitting
    /// a character.
    static func encodedWord(_ text: String) -> String {
        var words: [String] = []
        var chunk: [UInt8] = []
        for character in text {
            let bytes = Array(String(character).utf8)
            // 45 bytes make 60 base64 characters: with `=?UTF-8?B?` and `?=` a word stays under 75.
            if chunk.count + bytes.count > 45 {
                words.append("=?UTF-8?B?" + Data(chunk).base64EncodedString() + "?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append("=?UTF-8?B?" + Data(chunk).base64EncodedString() + "?=") }
        return words.joined(separator: " ")
    }

    /// Folds a header at spaces so no line passes 78 characters where it can be helped.
    static func folded(_ header: String) -> String {
        guard header.count > 78 else { return header }
        var lines: [String] = []
        var current = ""
        for (index, word) in header.split(separator: " ", omittingEmptySubsequences: false).enumerated() {
            // The field name keeps its first word: a value that began with a fold would begin
            // with a space once unfolded.
            if index > 1, current.count + 1 + word.count > 78 {
                lines.append(current)
                current = " " + word
            } else {
                current += (current.isEmpty ? "" : " ") + word
            }
        }
        lines.append(current)
        return lines.joined(separator: "\r\n")
    }

    /// RFC 2045 quoted-printable of UTF-8 text with CRLF line breaks.
    static func quotedPrintable(_ text: String) -> String {
        let normalized = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        var out: [String] = []
        for line in normalized.split(separator: "\n", omittingEmptySubsequences: false) {
            var encoded = ""
            var length = 0
            let bytes = Array(line.utf8)
            for (index, byte) in bytes.enumerated() {
                let isLast = index == bytes.count - 1
                let plain = (byte >= 33 && byte <= 126 && byte != UInt8(ascii: "=")) || (byte == 32 && !isLast) || (byte == 9 && !isLast)
                let piece = plain ? String(UnicodeScalar(byte)) : String(format: "=%02X", byte)
                if length + piece.count > 75 {
                    encoded += "=\r\n"
                    length = 0
                }
                encoded += piece
                length += piece.count
            }
            out.append(encoded)
        }
        return out.joined(separator: "\r\n")
    }

    /// `Thu, 03 Dec 2026 18:56:46 +0000`.
    static func rfc5322Date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return formatter.string(from: date)
    }

    /// SMTP's transparency (RFC 5321 4.5.2): a line that starts with `.` gets one more.
    static func dotStuffed(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 16)
        var lineStart = true
        for byte in bytes {
            if lineStart && byte == UInt8(ascii: ".") { out.append(UInt8(ascii: ".")) }
            out.append(byte)
            lineStart = byte == 10
        }
        // The message ends with CRLF already; the caller adds `.` CRLF.
        if out.suffix(2) == [13, 10] { out.removeLast(2) }
        return out
    }
}
