import Foundation
import Logging
import Payments
import Store

/// Creates an order's PaymentIntent once in effect, wherever it is asked for (the
/// `payment_intent` job, or the owner's payment when the job has not run yet): the order's
/// idempotency key (Stripe answers a repeat with the first intent), and the ledger's first
/// recorded intent wins; a call that lost (a provider that ignores the key, as localstripe)
/// cancels the intent it made, which can then never be paid.
public struct PaymentIntentCreator: Sendable {
    let ledger: PaymentLedger
    let stripe: StripeClient

    public init(ledger: PaymentLedger, stripe: StripeClient) {
        self.ledger = ledger
        self.stripe = stripe
    }

    /// The idempotency key of an order's intent.
    public static func key(order: UUID) -> String { "order-\(order.lowercasedString)-intent" }

    /// Creates and records the intent of `payment` (which has none). Returns the payment as
    /// recorded (with this intent, another's, or none when it is no longer unpaid) and whether
    /// this call's intent is the one recorded. Throws the
    /// provider's ``PaymentProviderError``, ``PaymentError/Code-swift.struct/invalidAmount`` for a
    /// total its currency cannot express, or the store's error.
    public func create(for payment: Payment, logger: Logger) async throws -> (payment: Payment, recorded: Bool) {
        guard let amount = MinorUnits.amount(payment.amount, currency: payment.currency), amount > 0 else {
            throw PaymentError(.invalidAmount, detail: "the order's total cannot be charged in \(payment.currency)")
        }
        let intent = try await stripe.createIntent(
            amount: amount, currency: payment.currency, orderID: payment.orderID.lowercasedString,
            idempotencyKey: Self.key(order: payment.orderID), logger: logger)
        let (recorded, won) = try await ledger.recordIntent(
            intent.id, clientSecret: intent.clientSecret, of: payment.orderID, logger: logger)
        if !won && recorded.intentID != intent.id {
            _ = try? await stripe.cancel(intent.id, idempotencyKey: "orphan-\(intent.id)-cancel", logger: logger)
            logger.notice("cancelled a second intent of an order", metadata: ["payment.intent": "\(intent.id)"])
        }
        return (recorded, won)
    }
}
