import Logging
import Redis

/// GCRA rate limiting in Redis: one atomic script per check, timed by the Redis server's clock,
/// so every gateway instance shares the same counters.
public struct RateLimiter: Sendable {
    let redis: RedisClient

    public init(redis: RedisClient) {
        self.redis = redis
    }

    /// KEYS: counter. ARGV: emission interval µs, burst. Returns {allowed, remaining, retry µs, reset µs}.
    static let gcra = BundledScripts.load("rate-limit-gcra", using: ["gcra"])

    /// The script call for `policy` and `subject`, for batching with other per-request calls.
    func call(_ policy: RateLimitPolicy, subject: String) -> ScriptCall {
        ScriptCall(Self.gcra, keys: [Self.key(policy, subject: subject)], arguments: [policy.emissionIntervalMicroseconds, policy.burst])
    }

    /// The counter's key: tagged by the subject alone, so a user's counters share the slot (and, on
    /// a Redis Cluster, the node) of their sessions (`{<user id>}`, lowercased, as there), and a
    /// request's session touch and rate limit are one round trip to one node.
    static func key(_ policy: RateLimitPolicy, subject: String) -> String {
        "ratelimit:\(policy.name):{\(subject)}"
    }

    /// Counts one request against each (policy, subject) in one round trip and returns the
    /// decisions in order. A Redis failure is thrown: callers that must fail closed do so.
    public func check(_ limits: [(policy: RateLimitPolicy, subject: String)], logger: Logger) async throws -> [RateLimitDecision] {
        let replies = try await redis.run(limits.map { call($0.policy, subject: $0.subject) }, logger: logger)
        return try replies.map { reply throws(RedisError) in try Self.decision(from: reply) }
    }

    /// Interprets the reply of ``call(_:subject:)``.
    static func decision(from reply: RESPValue) throws(RedisError) -> RateLimitDecision {
        if case .error(let message) = reply { throw RedisError(.server, message) }
        guard let items = reply.array, items.count == 4 else { throw RedisError(.protocolError, "unexpected rate-limit reply") }
        return try decision(from: items[...])
    }

    /// Interprets the four integers of `gcra.lua`'s answer, wherever a script's reply holds them.
    static func decision(from items: ArraySlice<RESPValue>) throws(RedisError) -> RateLimitDecision {
        // The four integers read in place (`compactMap` grew an array three times a request).
        let start = items.startIndex
        guard items.count == 4, let allowed = items[start].int, let remaining = items[start + 1].int,
            let retryAfter = items[start + 2].int, let reset = items[start + 3].int
        else {
            throw RedisError(.protocolError, "unexpected rate-limit reply")
        }
        func seconds(_ microseconds: Int) -> Int { (microseconds + 999_999) / 1_000_000 }
        return RateLimitDecision(
            allowed: allowed == 1, remaining: max(0, remaining),
            retryAfterSeconds: seconds(retryAfter), resetSeconds: seconds(reset)
        )
    }
}
