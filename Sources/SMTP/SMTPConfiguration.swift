import Foundation

/// Where and how to hand mail over: `smtp://[user:pass@]host[:port]` (STARTTLS when the server
/// offers it, port 587 by default) or `smtps://…` (TLS from the first byte, port 465).
public struct SMTPConfiguration: Sendable {
    public enum Security: Sendable, Equatable {
        /// Plain at first; upgraded with STARTTLS when the server offers it.
        case startTLSWhenOffered
        /// TLS from the first byte.
        case implicitTLS
    }

    public var host: String
    public var port: Int
    public var security: Security
    public var username: String?
    public var password: String?
    /// The name this client gives in `EHLO`.
    public var clientName: String
    /// A PEM file of certificates trusted beside the system's (a relay with a private CA).
    public var trustedCertificatesFile: String?
    public var connectTimeout: Duration = .seconds(10)
    /// How long any one reply may take.
    public var replyTimeout: Duration = .seconds(30)

    /// Parses an `SMTP_URL`; nil when it is not an `smtp` or `smtps` URL with a host.
    public init?(url: String, clientName: String = "localhost") {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(), let host = components.host,
            !host.isEmpty, scheme == "smtp" || scheme == "smtps"
        else { return nil }
        self.host = host
        self.security = scheme == "smtps" ? .implicitTLS : .startTLSWhenOffered
        self.port = components.port ?? (scheme == "smtps" ? 465 : 587)
        self.username = components.user?.removingPercentEncoding
        self.password = components.password?.removingPercentEncoding
        self.clientName = clientName
    }
}
