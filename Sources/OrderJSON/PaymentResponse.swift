import Foundation
import Store

/// An order's `payment` as the API shows it: amounts as two-place strings; the client secret
/// and next action only for the order's owner, only while the payment still needs them.
public struct PaymentResponse: Encodable, Sendable {
    public var payment: Payment
    /// The reader is the order's owner (who may complete the payment in a browser).
    public var forOwner: Bool

    public init(payment: Payment, forOwner: Bool) {
        self.payment = payment
        self.forOwner = forOwner
    }

    /// What the payer must do: Stripe's `next_action` kept to its type and, for a redirect,
    /// where to (Stripe.js reads the rest itself from the client secret).
    public struct NextAction: Codable, Sendable, Equatable {
        public var type: String
        public var redirectToURL: Redirect?

        public struct Redirect: Codable, Sendable, Equatable {
            public var url: String?
        }

        enum CodingKeys: String, CodingKey {
            case type
            case redirectToURL = "redirect_to_url"
        }
    }

    enum CodingKeys: String, CodingKey {
        case provider, status, amount, currency
        case intentID = "intent_id"
        case capturedAmount = "captured_amount"
        case refundedAmount = "refunded_amount"
        case clientSecret = "client_secret"
        case nextAction = "next_action"
    }

    /// The provider's next action as stored (its JSON text), kept to what the payer needs.
    var nextAction: NextAction? {
        payment.nextAction.flatMap { try? JSONDecoder().decode(NextAction.self, from: Data($0.utf8)) }
    }

    /// Whether the payer still has something to do with the secret (pay, or authenticate).
    var needsPayer: Bool { payment.status == .unpaid || payment.status == .requiresAction }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(payment.provider, forKey: .provider)
        try container.encode(payment.intentID, forKey: .intentID)
        try container.encode(payment.status.rawValue, forKey: .status)
        try container.encode(payment.amount.moneyString, forKey: .amount)
        try container.encode(payment.currency, forKey: .currency)
        try container.encode(payment.capturedAmount.moneyString, forKey: .capturedAmount)
        try container.encode(payment.refundedAmount.moneyString, forKey: .refundedAmount)
        if forOwner && needsPayer {
            try container.encode(payment.clientSecret, forKey: .clientSecret)
            try container.encode(nextAction, forKey: .nextAction)
        }
    }
}
