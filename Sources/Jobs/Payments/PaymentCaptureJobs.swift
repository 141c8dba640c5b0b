import Foundation
import Logging
import Payments
import Store

/// The `payment_capture` kind: captures an order's authorised payment once the order moved to
/// processing. The capture carries the order's idempotency key; when its answer was lost, the
/// retry learns from the intent itself what became of it (localstripe, which ignores the key,
/// refuses a second capture instead of repeating the first).
struct PaymentCaptureJobs: LedgerJobHandler {
    let kind = JobKind.paymentCapture
    let policy: JobPolicy
    let ledger: PaymentLedger
    let stripe: StripeClient
    let reconciler: LedgerReconciler

    static func idempotencyKey(order: UUID) -> String { "order-\(order.lowercasedString)-capture" }

    func process(_ jobs: [ClaimedJob], logger: Logger) async -> [JobOutcome] {
        await PaymentJobs.each(jobs, logger: logger, capture)
    }

    @Sendable func capture(_ job: ClaimedJob, logger: Logger) async -> JobOutcome {
        let (order, payment): (UUID, Payment?)
        switch await PaymentJobs.payment(for: job, in: ledger, logger: logger) {
        case .success(let found): (order, payment) = found
        case .failure(let stop): return stop.outcome
        }
        // Captured already, voided, or never authorised: nothing to capture.
        guard let payment, payment.status == .authorized, let intentID = payment.intentID else { return .noop }
        var intent: PaymentIntent
        do {
            intent = try await stripe.capture(intentID, idempotencyKey: Self.idempotencyKey(order: order), logger: logger)
        } catch  where error.code == .invalidRequest {
            // Refused in the intent's state: captured by a first call whose answer was lost, or
            // cancelled at the provider. The intent says which.
            do {
                intent = try await stripe.intent(intentID, logger: logger)
            } catch {
                return PaymentJobs.outcome(of: error)
            }
        } catch {
            return PaymentJobs.outcome(of: error)
        }
        let change: PaymentLedger.Change
        switch intent.status {
        case .succeeded:
            let captured = intent.amountReceived.map { MinorUnits.decimal($0, currency: payment.currency) } ?? payment.amount
            change = .init(status: .paid, capturedAmount: captured)
        case .canceled:
            change = .init(status: .voided, lastError: "the authorisation was cancelled at the provider")
        default:
            logger.error(
                "a capture left its intent neither captured nor cancelled", metadata: ["payment.status": "\(intent.status.rawValue)"])
            return .failed("intent \(intent.status.rawValue) after capture")
        }
        do {
            let applied = try await StoreCall.bounded { try await ledger.apply(change, to: order, from: [.authorized], logger: logger) }
            return applied == nil ? .noop : .applied
        } catch {
            return StoreCall.outcome(of: error, logger: logger)
        }
    }
}
