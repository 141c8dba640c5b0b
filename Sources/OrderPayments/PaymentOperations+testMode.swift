import Foundation
import Logging
import Payments
import Store

extension PaymentOperations {
    /// Whether the payer's 3-D Secure step can be stood in for here (a local test provider).
    public var authenticatesForTesting: Bool { stripe.isLocalTestProvider }

    /// Whether a payer may be offered the provider's test payment methods by name (test mode;
    /// live card entry needs Stripe.js, which the console does not ship).
    public var offersTestMethods: Bool { stripe.isTestMode }

    /// The owner completes (`success`) or fails the 3-D Secure step of `order`'s payment on a
    /// local test provider; the intent is then read back and recorded as a confirmation's answer
    /// is: authorised (the order's move scheduled), or declined and payable again.
    public func authenticateForTesting(order: UUID, success: Bool, by actor: Actor, logger: Logger) async throws -> Payment {
        guard authenticatesForTesting else { throw PaymentError(.conflict, detail: "authentication happens on the card issuer's page") }
        guard let (payment, owner) = try await ledger.paymentAndOwner(of: order, logger: logger), owner == actor.id else {
            throw PaymentError(.notFound)
        }
        guard payment.status == .requiresAction, let intentID = payment.intentID, let secret = payment.clientSecret else {
            throw PaymentError(.conflict, detail: "the payment is \(payment.status.rawValue)")
        }
        let intent = try await provider {
            _ = try await stripe.authenticateForTesting(intentID, clientSecret: secret, success: success, logger: logger)
            return try await stripe.intent(intentID, logger: logger)
        }
        return try await record(intent, of: payment, logger: logger)
    }
}
