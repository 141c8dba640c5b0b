/// The answer of one rate-limit check.
public struct RateLimitDecision: Sendable, Equatable {
    public var allowed: Bool
    /// Requests that could still be made right now.
    public var remaining: Int
    /// Seconds until a rejected request could succeed (0 when allowed).
    public var retryAfterSeconds: Int
    /// Seconds until the allowance is full again.
    public var resetSeconds: Int
}
