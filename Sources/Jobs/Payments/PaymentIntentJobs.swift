import Foundation
import Logging
import Payments
import Store

/// The `payment_intent` kind: creates the provider's PaymentIntent of an order whose payment
/// has none yet (the provider was away when the order was placed), exactly once in effect: the
/// call carries the order's idempotency key (Stripe answers a repeat with the first intent), and
/// the ledger records the first intent only; a call that lost (a job run twice against a provider
/// that ignores the key, as localstripe does) cancels the intent it made.
struct PaymentIntentJobs: JobHandler {
    let kind = JobKind.paymentIntent
    let policy: JobPolicy
    let ledger: PaymentLedger
    let stripe: StripeClient
    let reconciler: LedgerReconciler

    /// The policy: a few intents at once (each is one provider call of up to its timeout),
    /// retried with backoff for as long as an order may stay unpaid.
    static func policy(concurrency: Int, lease: Duration, maxAge: Duration) -> JobPolicy {
        JobPolicy(
            concurrency: concurrency, lease: lease, timeout: .seconds(30), maxAttempts: 50, maxAge: maxAge, overlapping: true,
            backoff: JobPolicy.exponential(base: .seconds(1), ceiling: .seconds(60)))
    }

    /// The idempotency key of an order's intent: the same from every process, every attempt.
    static func idempotencyKey(order: UUID) -> String { "order-\(order.uuidString.lowercased())-intent" }

    func process(_ jobs: [ClaimedJob], logger: Logger) async -> [JobOutcome] {
        await withTaskGroup(of: (Int, JobOutcome).self) { group in
            for (index, job) in jobs.enumerated() {
                group.addTask { (index, await self.create(job, logger: logger)) }
            }
            var outcomes = [JobOutcome](repeating: .noop, count: jobs.count)
            for await (index, outcome) in group { outcomes[index] = outcome }
            return outcomes
        }
    }

    func create(_ job: ClaimedJob, logger base: Logger) async -> JobOutcome {
        guard let order = UUID(uuidString: job.member) else { return .dead("not an order id") }
        let logger = {
            var logger = base
            logger[metadataKey: "order.id"] = "\(job.member)"
            return logger
        }()
        let payment: Payment?
        do {
            payment = try await StoreCall.bounded { try await ledger.payment(of: order, logger: logger) }
        } catch {
            return StoreCall.outcome(of: error, logger: logger)
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
            return error.isTransient ? .failed("provider unavailable (\(error.code))") : .dead("provider refused (\(error.code))")
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

    func reconcile(owner: String, interval: Duration, logger: Logger) async throws {
        try await reconciler.reconcile(owner: owner, interval: interval, logger: logger)
    }

    func reconcileUrgently(owner: String, reason: String, logger: Logger) async {
        await reconciler.reconcileUrgently(owner: owner, reason: reason, logger: logger)
    }
}
