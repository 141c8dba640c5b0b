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

    /// Asks about `session` and counts the request against `limit`, each only when given.
    /// Throws when Redis cannot answer: the caller decides what failing open or closed means.
    public func check(
        session: (userID: UUID, sessionID: String)?, limit: (policy: RateLimitPolicy, subject: String)?, logger: Logger
    ) async throws -> Outcome {
        var calls: [ScriptCall] = []
        if let session { calls.append(sessions.touchCall(userID: session.userID, sessionID: session.sessionID)) }
        if let limit { calls.append(limiter.call(limit.policy, subject: limit.subject)) }
        guard !calls.isEmpty else { return Outcome() }
        let replies = try await sessions.redis.run(calls, logger: logger)
        var outcome = Outcome()
        if session != nil { outcome.role = try SessionStore.role(fromTouch: replies[0]) }
        if limit != nil, let last = replies.last { outcome.decision = try RateLimiter.decision(from: last) }
        return outcome
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
