import Foundation
import Logging
import Payments
import Store

/// Asks the provider about payments that still wait on their payer and records what it says:
/// an authorisation the platform never heard of (3-D Secure completed in the payer's browser,
/// which sends no webhook on localstripe; a webhook lost; a gateway that died between the
/// provider's answer and its write) moves the order on as if it had. Runs after the payment
/// intents' reconciler pass, one process at a time.
public struct PaymentProviderSync: Sendable {
    let operations: PaymentOperations
    /// How long a payment must have been unchanged: a confirmation in flight records its own answer.
    let quietSeconds: Int

    public init(operations: PaymentOperations, quietSeconds: Int = 30) {
        self.operations = operations
        self.quietSeconds = quietSeconds
    }

    /// One pass over at most `limit` payments; returns how many changed. A provider or store that
    /// does not answer ends the pass (the next one asks again); a payment the provider refuses to
    /// tell about (an intent it does not know) is logged and passed over, so it never holds up
    /// the ones behind it.
    @discardableResult
    public func run(limit: Int = 100, logger: Logger) async -> Int {
        var changed = 0
        do {
            let waiting = try await operations.ledger.waitingOnPayer(quietSeconds: quietSeconds, limit: limit, logger: logger)
            for payment in waiting {
                guard let intentID = payment.intentID else { continue }
                do {
                    let intent = try await operations.stripe.intent(intentID, logger: logger)
                    if try await operations.record(intent, of: payment, logger: logger).status != payment.status { changed += 1 }
                } catch let error as PaymentError where error.code == .declined {
                    // Recorded as a refusal the payer can see; the order stays payable.
                } catch let error as PaymentProviderError where !error.isTransient {
                    logger.warning(
                        "the provider would not tell about a payment's intent",
                        metadata: ["payment.intent": "\(intentID)", "error.code": "\(error.code)"])
                }
            }
        } catch {
            logger.warning("payment provider sync stopped", metadata: ["error.type": "\(type(of: error))"])
        }
        if changed > 0 { logger.notice("payments updated from the provider", metadata: ["payment.count": "\(changed)"]) }
        return changed
    }
}
