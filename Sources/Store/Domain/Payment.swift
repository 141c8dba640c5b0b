import Foundation

/// An order's payment at the provider, as the platform last knew it. Amounts in the order's
/// currency, exact.
public struct Payment: Sendable, Equatable, Codable {
    public var orderID: UUID
    /// `stripe`.
    public var provider: String
    public var status: PaymentStatus
    /// The provider's PaymentIntent, once created (a job creates it when the provider was away).
    public var intentID: String?
    public var amount: Decimal
    public var currency: String
    public var capturedAmount: Decimal
    /// Refunded by the provider.
    public var refundedAmount: Decimal
    /// Held by refunds asked for and not answered yet.
    public var refundingAmount: Decimal
    /// For the order's owner while the payment needs it (Stripe.js, 3-D Secure).
    public var clientSecret: String?
    /// The provider's `next_action` as JSON text, while the payer must act.
    public var nextAction: String?
    /// The provider's last refusal, in words a customer may read.
    public var lastError: String?
    public var createdAt: Date
    public var updatedAt: Date

    /// What can still be refunded: captured, less what is refunded or being refunded.
    public var refundable: Decimal { capturedAmount - refundedAmount - refundingAmount }

    public init(
        orderID: UUID, provider: String, status: PaymentStatus, intentID: String?, amount: Decimal, currency: String,
        capturedAmount: Decimal, refundedAmount: Decimal, refundingAmount: Decimal, clientSecret: String?, nextAction: String?,
        lastError: String?, createdAt: Date, updatedAt: Date
    ) {
        self.orderID = orderID
        self.provider = provider
        self.status = status
        self.intentID = intentID
        self.amount = amount
        self.currency = currency
        self.capturedAmount = capturedAmount
        self.refundedAmount = refundedAmount
        self.refundingAmount = refundingAmount
        self.clientSecret = clientSecret
        self.nextAction = nextAction
        self.lastError = lastError
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
