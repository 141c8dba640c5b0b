import Foundation
import Logging
import Store

extension TokenIssuer {
    /// A session just started: its tokens, and whose it is.
    struct SignedIn: Sendable {
        var user: User
        var session: SessionRecord
        var accessToken: String
        var refreshToken: String
        /// Seconds the access token lives.
        var expiresIn: Int
    }

    /// Starts a session for `user` in `sessions` and signs its first access token (the API's
    /// sign-in and the console's alike).
    func startSession(for user: User, in sessions: SessionStore, userAgent: String?, ip: String, logger: Logger) async throws -> SignedIn {
        let (session, refreshToken) = try await sessions.create(
            userID: user.id, role: user.role, userAgent: userAgent, ip: ip, logger: logger)
        let access = try await sign(userID: user.id, role: user.role, sessionID: session.id)
        return SignedIn(
            user: user, session: session, accessToken: access, refreshToken: refreshToken, expiresIn: Int(lifetime.components.seconds))
    }
}
