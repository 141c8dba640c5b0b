import Logging

extension RateLimiter {
    /// Applies the limits in one round trip and throws ``RateLimited`` for the first that
    /// refuses. Fails closed: when Redis cannot answer, its error reaches the edge as 503.
    public func enforce(_ limits: [(policy: RateLimitPolicy, subject: String)], logger: Logger) async throws {
        for (limit, decision) in zip(limits, try await check(limits, logger: logger)) where !decision.allowed {
            throw RateLimited(policy: limit.policy, decision: decision)
        }
    }
}
