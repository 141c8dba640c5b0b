/// A mailbox: an address with an optional display name (encoded per RFC 2047 when not ASCII).
public struct MailAddress: Sendable, Equatable {
    public var address: String
    public var name: String?

    public init(_ address: String, name: String? = nil) {
        self.address = address
        self.name = name
    }

    /// `"Name" <address>`, or `<address>` without a name.
    var header: String {
        guard let name, !name.isEmpty else { return "<\(address)>" }
        if name.unicodeScalars.allSatisfy({ $0.isASCII && $0.value >= 0x20 && $0 != "\"" && $0 != "\\" }) {
            return "\"\(name)\" <\(address)>"
        }
        return MailMessage.encodedWord(name) + " <\(address)>"
    }
}
