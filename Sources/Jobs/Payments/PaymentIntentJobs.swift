import Foundation
import Logging
import OrderPayments
import Payments
import Store

/// The `payment_intent` kind: creates the provider's PaymentIntent of an order whose payment
/// has none yet (the provider was away when the order was placed), once in effect, through
/// ``PaymentIntentCreator``.
struct PaymentIntentJobs: LedgerJobHandler {
    let kind = JobKind.paymentIntent
    let policy: JobPolicy
    let ledger: PaymentLedger
    let stripe: StripeClient
    let reconciler: LedgerReconciler

    func process(_ jobs: [ClaimedJob], logger: Logger) async -> [JobOutcome] {
        await PaymentJobs.each(jobs, logger: logger, create)
    }

    @Sendable func create(_ job: ClaimedJob, logger: Logger) async -> JobOutcome {
        let payment: Payment?
        switch await PaymentJobs.payment(for: job, in: ledger, logger: logger) {
        case .success(let found): payment = found.payment
        case .failure(let stop): return stop.outcome
        }
        // No payment (placed with payments off), or its intent exists already.
        guard let payment, payment.intentID == nil, payment.status == .unpaid else { return .noop }
        do {
            let (_, recorded) = try await PaymentIntentCreator(ledger: ledger, stripe: stripe).create(for: payment, logger: logger)
            return recorded ? .applied : .noop
        } catch let error as PaymentProviderError {
            return PaymentJobs.outcome(of: error)
        } catch let error as PaymentError {
            logger.error("an order's total cannot be charged in its currency", metadata: ["payment.currency": "\(payment.currency)"])
            return .dead(error.detail ?? "\(error.code)")
        } catch {
            // The intent may exist at the provider and not here: the retry asks with the same key
            // (Stripe answers with this intent) and records it.
            return StoreCall.outcome(of: error, logger: logger)
        }
    }
}
