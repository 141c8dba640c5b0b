import Foundation
import Logging
import Payments
import Store

/// The `payment_intent` kind: creates the provider's PaymentIntent of an order whose payment
/// has none yet (the provider was away when the order was placed), exactly once in effect: the
/// call carries the order's idempotency key (Stripe answers a repeat with the first intent), and
/// the ledger records the first intent only; a call that lost (a job run twice against a provider
/// that ignores the key, as localstripe does) cancels the intent it made.
struct PaymentIntentJobs: LedgerJobHandler {
    let kind = JobKind.paymentIntent
    let policy: JobPolicy
    let ledger: PaymentLedger
    let stripe: StripeClient
    let reconciler: LedgerReconciler

    /// The idempotency key of an order's intent: the same from every process, every attempt.
    static func idempotencyKey(order: UUID) -> String { "order-\(order.uuidString.lowercased())-intent" }

    func process(_ jobs: [ClaimedJob], logger: Logger) async -> [JobOutcome] {
        await PaymentJobs.each(jobs, logger: logger, create)
    }

    @Sendable func create(_ job: ClaimedJob, logger: Logger) async -> JobOutcome {
        let (order, payment): (UUID, Payment?)
        switch await PaymentJobs.payment(for: job, in: ledger, logger: logger) {
        case .success(let found): (order, payment) = found
        case .failure(let stop): return stop.outcome
        }
        // No payment (placed with payments off), or its intent exists already.
        guard let payment, payment.intentID == nil, payment.status == .unpaid else { return .noop }
        guard let amount = MinorUnits.amount(payment.amount, currency: payment.currency), amount > 0 else {
            logger.error("an order's total cannot be charged in its currency", metadata: ["payment.currency": "\(payment.currency)"])
            return .dead("amount not expressible in \(payment.currency)")
        }
        let intent: PaymentIntent
        do {
            intent = try await stripe.createIntent(
                amount: amount, currency: payment.currency, orderID: job.member, idempotencyKey: Self.idempotencyKey(order: order),
                logger: logger)
        } catch {
            return PaymentJobs.outcome(of: error)
        }
        do {
            let (recorded, won) = try await StoreCall.bounded {
                try await ledger.recordIntent(intent.id, clientSecret: intent.clientSecret, of: order, logger: logger)
            }
            if !won && recorded.intentID != intent.id {
                // Another call recorded its intent first: this one must never be paid.
                _ = try? await stripe.cancel(intent.id, idempotencyKey: "orphan-\(intent.id)-cancel", logger: logger)
                logger.notice("cancelled a second intent of an order", metadata: ["payment.intent": "\(intent.id)"])
                return .noop
            }
            return won ? .applied : .noop
        } catch {
            // The intent exists at the provider and not here: the retry asks with the same key
            // (Stripe answers with this intent) and records it.
            return StoreCall.outcome(of: error, logger: logger)
        }
    }
}
