import NIOCore

/// Where a request came from, read into a ``ClientAddress`` only when something asks (an
/// anonymous caller's rate limit, sign-in, registration): a bearer token's request or a health
/// check never does, and reading it formats and parses the address twice.
struct ClientOrigin: Sendable {
    /// The TCP peer.
    var peer: SocketAddress?
    /// The request's `X-Forwarded-For`, believed only from a trusted proxy.
    var forwardedFor: String?
    var proxies: TrustedProxies

    /// The client's address as rate limits and sessions see it.
    var address: ClientAddress {
        ClientAddress(proxies.clientAddress(peer: peer?.ipAddress, forwardedFor: forwardedFor))
    }
}
