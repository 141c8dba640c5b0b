/// A payment provider's refusal or absence, by what the platform does about it.
public struct PaymentProviderError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        let base: String
        /// The card was declined (HTTP 402 at Stripe): the customer may try another method.
        public static let declined = Code(base: "declined")
        /// The request was malformed or not allowed in the object's state (400).
        public static let invalidRequest = Code(base: "invalidRequest")
        /// The key is wrong or lacks the permission (401, 403): an operator's problem.
        public static let unauthorized = Code(base: "unauthorized")
        /// No such object at the provider (404).
        public static let notFound = Code(base: "notFound")
        /// A concurrent or conflicting request, an idempotency key reused with other
        /// parameters (409).
        public static let conflict = Code(base: "conflict")
        /// Too many requests (429): try again later.
        public static let rateLimited = Code(base: "rateLimited")
        /// No answer, a timeout, or a 5xx: the request may or may not have been applied; its
        /// idempotency key makes a retry safe.
        public static let unavailable = Code(base: "unavailable")
        public var description: String { base }
    }

    public var code: Code
    /// The HTTP status, when the provider answered.
    public var status: Int?
    /// The provider's error code (`card_declined`, `resource_missing`, …).
    public var providerCode: String?
    /// The provider's decline code (`insufficient_funds`, …).
    public var declineCode: String?
    /// The provider's message: shown to a customer only for a decline, whose message is meant
    /// for them; logged otherwise.
    public var message: String?

    public init(
        _ code: Code, status: Int? = nil, providerCode: String? = nil, declineCode: String? = nil, message: String? = nil
    ) {
        self.code = code
        self.status = status
        self.providerCode = providerCode
        self.declineCode = declineCode
        self.message = message
    }

    /// Whether the same request may succeed later (retried with its idempotency key).
    public var isTransient: Bool { code == .unavailable || code == .rateLimited }

    public var description: String {
        "PaymentProviderError(\(code)\(status.map { ", status: \($0)" } ?? "")\(providerCode.map { ", code: \($0)" } ?? ""))"
    }

    /// The error a provider's answer with `status` and its `error` object means.
    static func answer(status: Int, body: StripeErrorBody?) -> PaymentProviderError {
        let code: Code =
            switch status {
            case 402: .declined
            case 401, 403: .unauthorized
            case 404: .notFound
            case 409: .conflict
            case 429: .rateLimited
            case 400..<500: .invalidRequest
            default: .unavailable
            }
        return PaymentProviderError(
            code, status: status, providerCode: body?.error.code, declineCode: body?.error.declineCode, message: body?.error.message)
    }
}
