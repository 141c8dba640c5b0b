import Crypto
import Foundation

/// A signing secret as Standard Webhooks writes it: `whsec_` and the base64 of the key's bytes.
public struct WebhookSecret: Sendable, Equatable {
    public let text: String

    public init?(_ text: String) {
        guard text.hasPrefix(Self.prefix), let key = Data(base64Encoded: String(text.dropFirst(Self.prefix.count))), key.count >= 24
        else { return nil }
        self.text = text
    }

    /// A new secret of 32 random bytes.
    public static func generate() -> WebhookSecret {
        let key = SymmetricKey(size: .bits256)
        let text = prefix + key.withUnsafeBytes { Data($0).base64EncodedString() }
        return WebhookSecret(text)!
    }

    static let prefix = "whsec_"

    /// The key the signatures are made with: the decoded part after `whsec_`.
    public var key: SymmetricKey {
        SymmetricKey(data: Data(base64Encoded: String(text.dropFirst(Self.prefix.count))) ?? Data())
    }

    /// `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` (Standard Webhooks 1.0).
    public func signature(id: String, timestamp: Int, body: some DataProtocol) -> String {
        var hmac = HMAC<SHA256>(key: key)
        hmac.update(data: Data("\(id).\(timestamp).".utf8))
        hmac.update(data: body)
        return "v1," + Data(hmac.finalize()).base64EncodedString()
    }
}
