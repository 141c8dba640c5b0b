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

    /// Adds the headers to `headers`, which has none of them yet (appended: setting a field
    /// looks for one of its name to replace, a third of this function's cost).
    static func apply(policy: RateLimitPolicy, decision: RateLimitDecision, to headers: inout HTTPFields) {
        headers.append(HTTPField(name: Self.policy, value: policy.headerValue))
        headers.append(
            HTTPField(name: current, value: "limit=\(policy.burst), remaining=\(decision.remaining), reset=\(decision.resetSeconds)"))
        headers.append(HTTPField(name: limit, value: String(policy.burst)))
        headers.append(HTTPField(name: remaining, value: String(decision.remaining)))
        headers.append(HTTPField(name: reset, value: String(decision.resetSeconds)))
    }

    /// The 429 problem for a rejected request, with `Retry-After`.
    static func tooManyRequests(policy: RateLimitPolicy, decision: RateLimitDecision) -> APIError {
        var headers: HTTPFields = [.retryAfter: String(max(1, decision.retryAfterSeconds))]
        apply(policy: policy, decision: decision, to: &headers)
        return APIError(.tooManyRequests, "Too many requests; retry after \(max(1, decision.retryAfterSeconds)) s.", headers: headers)
    }
}
