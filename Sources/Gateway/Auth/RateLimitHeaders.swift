import HTTPTypes
import Hummingbird
import ServiceHTTP
import Store

/// The IETF draft `RateLimit-Policy` / `RateLimit` headers plus the older `RateLimit-*` trio.
enum RateLimitHeaders {
    static let policy = HTTPField.Name("RateLimit-Policy")!
    static let current = HTTPField.Name("RateLimit")!
    static let limit = HTTPField.Name("RateLimit-Limit")!
    static let remaining = HTTPField.Name("RateLimit-Remaining")!
    static let reset = HTTPField.Name("RateLimit-Reset")!

    static func apply(policy: RateLimitPolicy, decision: RateLimitDecision, to headers: inout HTTPFields) {
        headers[Self.policy] = policy.headerValue
        headers[current] = "limit=\(policy.burst), remaining=\(decision.remaining), reset=\(decision.resetSeconds)"
        headers[limit] = String(policy.burst)
        headers[remaining] = String(decision.remaining)
        headers[reset] = String(decision.resetSeconds)
    }

    /// The 429 problem for a rejected request, with `Retry-After`.
    static func tooManyRequests(policy: RateLimitPolicy, decision: RateLimitDecision) -> APIError {
        var headers: HTTPFields = [.retryAfter: String(max(1, decision.retryAfterSeconds))]
        apply(policy: policy, decision: decision, to: &headers)
        return APIError(.tooManyRequests, "Too many requests; retry after \(max(1, decision.retryAfterSeconds)) s.", headers: headers)
    }
}
