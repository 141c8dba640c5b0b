import Foundation

/// Where customers' emails go (`SMTP_URL`; none: no email is owed at all) and what they say
/// about the shop.
public struct MailSettings: Sendable {
    /// `smtp://[user:pass@]host:port` (STARTTLS when offered) or `smtps://…`; nil: email is off.
    public var url: String?
    /// `SMTP_FROM`: the sender, `orders@<host>` style; its domain also ends every Message-ID.
    public var from: String
    /// `SMTP_FROM_NAME`: the sender's display name.
    public var fromName: String
    /// `PUBLIC_URL`: where customers reach the console, for the link to their order.
    public var publicURL: String
    /// `EMAIL_CONCURRENCY`: emails one worker has in hand at once (claimed as batches).
    public var concurrency: Int
    /// `EMAIL_CONNECTIONS`: SMTP connections one batch sends over side by side (each reused for
    /// its share of the batch), kept low for servers that limit a client's connections.
    public var connections: Int
    /// `SMTP_CA_FILE`: a PEM file of certificates the mail server's may chain to, beside the
    /// system's (a relay with a private CA); checked at start.
    public var trustedCertificatesFile: String?

    public init(settings: Settings) throws(ConfigurationError) {
        url = settings.string("SMTP_URL", isSecret: true).flatMap { $0.isEmpty ? nil : $0 }
        if let url, !(url.hasPrefix("smtp://") || url.hasPrefix("smtps://")) {
            throw ConfigurationError(key: "SMTP_URL", reason: "must be an smtp:// or smtps:// URL")
        }
        from = settings.string("SMTP_FROM", default: "orders@localhost")
        guard from.split(separator: "@").count == 2, !from.contains(" ") else {
            throw ConfigurationError(key: "SMTP_FROM", reason: "must be an email address (got \"\(from)\")")
        }
        fromName = settings.string("SMTP_FROM_NAME", default: "Order platform")
        publicURL = settings.string("PUBLIC_URL", default: "http://127.0.0.1:8000")
        concurrency = try settings.int("EMAIL_CONCURRENCY", default: 16, range: 1...256)
        connections = try settings.int("EMAIL_CONNECTIONS", default: 4, range: 1...64)
        trustedCertificatesFile = settings.string("SMTP_CA_FILE").flatMap { $0.isEmpty ? nil : $0 }
        if let file = trustedCertificatesFile, !FileManager.default.isReadableFile(atPath: file) {
            throw ConfigurationError(key: "SMTP_CA_FILE", reason: "names no readable file")
        }
    }
}
