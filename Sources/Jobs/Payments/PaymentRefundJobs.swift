import Foundation
import Logging
import Payments
import Store

/// The `payment_refund` kind: asks the provider for a refund staff (or a cancellation) recorded
/// as pending, with the refund's own idempotency key and its id in the metadata, and settles it
/// with the answer: succeeded moves its amount to refunded, a refusal gives it back. A retry
/// first looks for the refund among the intent's, so no provider refunds twice.
struct PaymentRefundJobs: LedgerJobHandler {
    let kind = JobKind.paymentRefund
    let policy: JobPolicy
    let ledger: PaymentLedger
    let stripe: StripeClient
    let reconciler: LedgerReconciler

    static func idempotencyKey(refund: UUID) -> String { "refund-\(refund.lowercasedString)" }

    func process(_ jobs: [ClaimedJob], logger: Logger) async -> [JobOutcome] {
        await PaymentJobs.each(jobs, logger: logger, refund)
    }

    @Sendable func refund(_ job: ClaimedJob, logger: Logger) async -> JobOutcome {
        guard let id = UUID(parsing: job.member) else { return .dead("not a refund id") }
        let found: (Refund, Payment?)?
        do {
            found = try await StoreCall.bounded {
                guard let refund = try await ledger.refund(id, logger: logger) else { return nil }
                return (refund, try await ledger.payment(of: refund.orderID, logger: logger))
            }
        } catch {
            return StoreCall.outcome(of: error, logger: logger)
        }
        guard let (refund, payment) = found, refund.status == .pending else { return .noop }
        guard let payment, let intentID = payment.intentID,
            let amount = MinorUnits.amount(refund.amount, currency: payment.currency)
        else {
            return await settle(refund, succeeded: false, providerID: nil, error: "no captured payment to refund", logger: logger)
        }
        let answer: ProviderRefund
        do {
            // A first call whose answer was lost may have made it: Stripe would answer the same
            // key with it, localstripe would make a second one. The provider's list says.
            if let made = try await stripe.refunds(of: intentID, logger: logger).first(where: {
                $0.metadata["refund_id"] == id.lowercasedString
            }) {
                answer = made
            } else {
                answer = try await stripe.refund(
                    intent: intentID, amount: amount,
                    metadata: [("refund_id", id.lowercasedString)] + (refund.reason.map { [("reason", $0)] } ?? []),
                    idempotencyKey: Self.idempotencyKey(refund: id), logger: logger)
            }
        } catch  where !error.isTransient {
            // Refused for good (more than the provider holds, a charge it cannot refund).
            return await settle(refund, succeeded: false, providerID: nil, error: error.message ?? "refused", logger: logger)
        } catch {
            return PaymentJobs.outcome(of: error)
        }
        switch answer.status {
        case "succeeded":
            return await settle(refund, succeeded: true, providerID: answer.id, error: nil, logger: logger)
        case "failed", "canceled":
            return await settle(
                refund, succeeded: false, providerID: answer.id, error: "the provider's refund \(answer.status)", logger: logger)
        default:
            // Pending at the provider: asked again later with the same key, which answers the same refund.
            return .later(Date().addingTimeInterval(30))
        }
    }

    /// Records the provider's answer (a refusal too: the refund failed, its amount is
    /// refundable again, and the job is done).
    func settle(_ refund: Refund, succeeded: Bool, providerID: String?, error: String?, logger: Logger) async -> JobOutcome {
        do {
            let settled = try await StoreCall.bounded {
                try await ledger.settleRefund(refund.id, succeeded: succeeded, providerRefundID: providerID, error: error, logger: logger)
            }
            if !succeeded { logger.notice("a refund was refused by the provider", metadata: ["refund.error": "\(error ?? "")"]) }
            return settled == nil ? .noop : .applied
        } catch {
            return StoreCall.outcome(of: error, logger: logger)
        }
    }
}
