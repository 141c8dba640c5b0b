import Foundation
import Logging
import Payments
import Store

/// The `payment_void` kind: releases the payment of a cancelled order. An authorisation (or an
/// intent not yet paid) is cancelled at the provider; a payment captured already (or found
/// captured by the cancel) is refunded in full instead, as a refund of its own kind.
struct PaymentVoidJobs: LedgerJobHandler {
    let kind = JobKind.paymentVoid
    let policy: JobPolicy
    let ledger: PaymentLedger
    let stripe: StripeClient
    let refunds: JobQueue
    let reconciler: LedgerReconciler

    static func idempotencyKey(order: UUID) -> String { "order-\(order.lowercasedString)-void" }

    func process(_ jobs: [ClaimedJob], logger: Logger) async -> [JobOutcome] {
        await PaymentJobs.each(jobs, logger: logger, void)
    }

    static let open: Set<PaymentStatus> = [.unpaid, .requiresAction, .authorized]

    @Sendable func void(_ job: ClaimedJob, logger: Logger) async -> JobOutcome {
        let (order, payment): (UUID, Payment?)
        switch await PaymentJobs.payment(for: job, in: ledger, logger: logger) {
        case .success(let found): (order, payment) = found
        case .failure(let stop): return stop.outcome
        }
        guard let payment else { return .noop }
        // Captured before the order was cancelled (staff cancel a processing order), or a
        // refund this job asked for before a crash never recorded: the capture goes back.
        if payment.status == .paid || payment.status == .partiallyRefunded { return await refundInFull(order, logger: logger) }
        guard Self.open.contains(payment.status) else { return .noop }
        var status = PaymentIntent.Status.canceled
        var received: Int64?
        if let intentID = payment.intentID {
            do {
                status = try await stripe.cancel(intentID, idempotencyKey: Self.idempotencyKey(order: order), logger: logger).status
            } catch  where error.code == .invalidRequest {
                // Refused in the intent's state: cancelled by a first call, or captured.
                do {
                    let intent = try await stripe.intent(intentID, logger: logger)
                    (status, received) = (intent.status, intent.amountReceived)
                } catch {
                    return PaymentJobs.outcome(of: error)
                }
            } catch {
                return PaymentJobs.outcome(of: error)
            }
        }
        do {
            switch status {
            case .canceled:
                // No intent yet: none will be recorded now (the ledger records intents of unpaid
                // payments only), and one created meanwhile is cancelled by its job.
                let applied = try await StoreCall.bounded {
                    try await ledger.apply(.init(status: .voided), to: order, from: Self.open, logger: logger)
                }
                return applied == nil ? .noop : .applied
            case .succeeded:
                // Captured before the cancel reached it: the money goes back as a full refund.
                let captured = received.map { MinorUnits.decimal($0, currency: payment.currency) } ?? payment.amount
                _ = try await StoreCall.bounded {
                    try await ledger.apply(.init(status: .paid, capturedAmount: captured), to: order, from: Self.open, logger: logger)
                }
                return await refundInFull(order, logger: logger)
            default:
                logger.error("a void left its intent open", metadata: ["payment.status": "\(status.rawValue)"])
                return .failed("intent \(status.rawValue) after cancel")
            }
        } catch {
            return StoreCall.outcome(of: error, logger: logger)
        }
    }

    /// Asks for the cancellation's full refund (once per order, by its key) and queues its job.
    func refundInFull(_ order: UUID, logger: Logger) async -> JobOutcome {
        do {
            let refund = try await StoreCall.bounded {
                try await ledger.requestRefund(
                    .init(
                        order: order, amount: nil, reason: "order cancelled", idempotencyKey: PaymentLedger.cancellationRefundKey,
                        requestHash: nil, requestedBy: nil), logger: logger
                ).refund
            }
            guard refund.status == .pending else { return .noop }
            _ = try await StoreCall.bounded {
                try await refunds.enqueue(refund.id.lowercasedString, dueAt: Date(), logger: logger)
            }
            return .applied
        } catch let error as PaymentError where error.code == .exceedsRefundable {
            return .noop  // refunded in full already (by staff)
        } catch {
            return StoreCall.outcome(of: error, logger: logger)
        }
    }
}
