import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceHTTP
import Store

/// The gateway's request context: who is calling and from where.
struct AppRequestContext: RequestContext {
    /// No API body comes near this; anything larger is refused with 413 before it is read.
    static let maxBodyBytes = 1 << 20

    var coreContext: CoreRequestContextStorage
    /// The TCP peer; the client address comes from it, or from `X-Forwarded-For` behind a trusted proxy.
    let peer: SocketAddress?
    /// The connection, for a long-lived response that must be able to drop it (an event stream
    /// whose client stopped reading).
    let channel: any Channel
    /// Set by ``AdmissionMiddleware`` when the request carries a live session's access token.
    var identity: Identity?
    /// Set by ``AdmissionMiddleware`` when a console page's cookie names a live session.
    var console: ConsoleUser?
    /// Set by ``AdmissionMiddleware``: where ``client`` is read from.
    var origin: ClientOrigin?

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.peer = source.channel.remoteAddress
        self.channel = source.channel
    }

    /// The client's address as rate limits and sessions see it, read from ``origin`` each time
    /// it is asked for (once or twice in the requests that ask).
    var client: ClientAddress { origin?.address ?? .unknown }

    var maxUploadSize: Int { Self.maxBodyBytes }

    /// JSON out without `\/` escapes, as clients of the replaced system expect.
    var responseEncoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        return encoder
    }

    /// The caller, or 401 with `WWW-Authenticate: Bearer`.
    func requireIdentity() throws -> Identity {
        guard let identity else {
            throw APIError(.unauthorized, "Authentication required: send a valid bearer token.", headers: [.wwwAuthenticate: "Bearer"])
        }
        return identity
    }

    /// The caller when their role is one of `roles`, else 403 (401 when not authenticated).
    func require(_ roles: Role...) throws -> Identity {
        let identity = try requireIdentity()
        guard roles.contains(identity.role) else { throw Forbidden() }
        return identity
    }
}
