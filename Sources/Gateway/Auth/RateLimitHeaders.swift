import HTTPTypes
import Hummingbird
import ServiceHTTP
import Store

/// The IETF draft `RateLimit-Policy` / `RateLimit` headers plus the older `RateLimit-*` trio,
/// for one policy: its fixed fields made once, the counts written per answer (the five fields
/// made from text each time were 2 % of a read's instructions).
struct RateLimitHeaders: Sendable {
    static let policyName = HTTPField.Name("RateLimit-Policy")!
    static let current = HTTPField.Name("RateLimit")!
    static let limit = HTTPField.Name("RateLimit-Limit")!
    static let remaining = HTTPField.Name("RateLimit-Remaining")!
    static let reset = HTTPField.Name("RateLimit-Reset")!

    private let policyField: HTTPField
    private let limitField: HTTPField
    /// `RateLimit`'s value up to its counts.
    private let currentPrefix: String

    init(policy: RateLimitPolicy) {
        policyField = HTTPField(name: Self.policyName, value: policy.headerValue)
        limitField = HTTPField(name: Self.limit, value: String(policy.burst))
        currentPrefix = "limit=\(policy.burst), remaining="
    }

    /// Adds the headers to `headers`, which has none of them yet (appended: setting a field
    /// looks for one of its name to replace, a third of the cost before; one by one: all five in
    /// one `replaceSubrange` call is generic code unspecialized, 3,400 instructions more).
    func apply(_ decision: RateLimitDecision, to headers: inout HTTPFields) {
        let remaining = String(decision.remaining)
        let reset = String(decision.resetSeconds)
        headers.append(policyField)
        headers.append(HTTPField(name: Self.current, value: currentPrefix + remaining + ", reset=" + reset))
        headers.append(limitField)
        headers.append(HTTPField(name: Self.remaining, value: remaining))
        headers.append(HTTPField(name: Self.reset, value: reset))
    }

    /// The 429 problem for a rejected request, with `Retry-After`.
    static func tooManyRequests(policy: RateLimitPolicy, decision: RateLimitDecision) -> APIError {
        var headers: HTTPFields = [.retryAfter: String(max(1, decision.retryAfterSeconds))]
        RateLimitHeaders(policy: policy).apply(decision, to: &headers)
        return APIError(.tooManyRequests, "Too many requests; retry after \(max(1, decision.retryAfterSeconds)) s.", headers: headers)
    }
}
