/// A request a rate limit refused: the policy that refused it and when to come back (the edge
/// answers 429 with `Retry-After` and the `RateLimit` headers).
public struct RateLimited: Error, Sendable {
    public var policy: RateLimitPolicy
    public var decision: RateLimitDecision

    public init(policy: RateLimitPolicy, decision: RateLimitDecision) {
        self.policy = policy
        self.decision = decision
    }
}
