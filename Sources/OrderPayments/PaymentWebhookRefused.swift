/// Why a payment provider's webhook request was refused (answered 400, nothing changed).
public struct PaymentWebhookRefused: Error, Sendable, Equatable {
    public enum Reason: String, Sendable {
        /// No signature, or none that any of the secrets made for this body.
        case badSignature
        /// Signed too long ago (or too far ahead): a replay or a clock far off.
        case stale
        /// The body is no event.
        case malformed
    }

    public var reason: Reason

    public init(_ reason: Reason) {
        self.reason = reason
    }
}
