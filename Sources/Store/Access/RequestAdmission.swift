import Foundation
import Logging
import Redis

/// The checks every API request needs from Redis, in one round trip: whether the session its
/// token names still exists (and with which role: logout, deactivation and role changes act at
/// once), and whether it passes the general rate limit.
public struct RequestAdmission: Sendable {
    let sessions: SessionStore
    let limiter: RateLimiter

    public init(sessions: SessionStore, limiter: RateLimiter) {
        self.sessions = sessions
        self.limiter = limiter
    }

    /// What the checks found.
    public struct Outcome: Sendable {
        public init(role: Role? = nil, decision: RateLimitDecision? = nil) {
            self.role = role
            self.decision = decision
        }

        /// The session's role; nil when no session was asked about or it is gone.
        public var role: Role?
        /// The rate limit's decision; nil when no limit was asked for.
        public var decision: RateLimitDecision?
    }

    /// The script of a signed-in request: the session touch and the rate limit in one run, where
    /// two pipelined scripts cost Redis 12 µs a request and this one 7 (both keys share the user's
    /// slot, so it runs on a cluster too).
    static let signedIn = BundledScripts.load("request-admission", using: ["session-role", "gcra"])

    /// Asks about `session` and counts the request against `limit`, each only when given: the
    /// session's user's counter when there is a session, else `client`'s (read only then).
    /// Throws when Redis cannot answer: the caller decides what failing open or closed means.
    public func check(
        session: (userID: UUID, sessionID: String)?, limit: RateLimitPolicy?, client: @autoclosure () -> String, logger: Logger
    ) async throws -> Outcome {
        switch (session, limit) {
        case (let session?, let policy?):
            let user = SessionStore.keyName(of: session.userID)
            let call = ScriptCall(
                Self.signedIn,
                keys: [SessionStore.sessionKey(user: user, session.sessionID), RateLimiter.key(policy, subject: user)],
                arguments: [policy.emissionIntervalMicroseconds, policy.burst]
            )
            return try Self.outcome(fromSignedIn: try await sessions.redis.run([call], logger: logger)[0])
        case (let session?, nil):
            let reply = try await sessions.redis.run(
                [sessions.touchCall(userID: session.userID, sessionID: session.sessionID)], logger: logger)
            return Outcome(role: try SessionStore.role(fromTouch: reply[0]))
        case (nil, let policy?):
            let reply = try await limiter.redis.run([limiter.call(policy, subject: client())], logger: logger)
            return Outcome(decision: try RateLimiter.decision(from: reply[0]))
        case (nil, nil):
            return Outcome()
        }
    }

    /// Interprets the reply of ``signedIn``: the role (nil when the session is gone), then the
    /// rate limit's four integers.
    static func outcome(fromSignedIn reply: RESPValue) throws(RedisError) -> Outcome {
        if case .error(let message) = reply { throw RedisError(.server, message) }
        guard let items = reply.array, items.count == 5 else { throw RedisError(.protocolError, "unexpected admission reply") }
        return Outcome(role: try SessionStore.role(fromTouch: items[0]), decision: try RateLimiter.decision(from: items[1...]))
    }

    /// The role each of `sessions` still has (nil: revoked or expired), in one round trip, for
    /// the checks an open event stream repeats at every heartbeat.
    public func roles(of sessions: [(userID: UUID, sessionID: String)], logger: Logger) async throws -> [Role?] {
        guard !sessions.isEmpty else { return [] }
        let replies = try await self.sessions.redis.run(
            sessions.map { self.sessions.touchCall(userID: $0.userID, sessionID: $0.sessionID) }, logger: logger)
        return try replies.map { reply throws(RedisError) in try SessionStore.role(fromTouch: reply) }
    }
}
