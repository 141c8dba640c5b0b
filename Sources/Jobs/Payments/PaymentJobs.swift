import Foundation
import Logging
import OrderPayments
import Payments
import Redis
import Store

/// What the payment kinds share: each job of a batch on its own (one provider call or two
/// each, side by side), their policy, and what a provider's refusal means for the job.
enum PaymentJobs {
    /// Runs `run` for every job of the batch at once; the outcomes in the jobs' order.
    static func each(
        _ jobs: [ClaimedJob], logger: Logger, _ run: @escaping @Sendable (ClaimedJob, Logger) async -> JobOutcome
    ) async -> [JobOutcome] {
        await withTaskGroup(of: (Int, JobOutcome).self) { group in
            for (index, job) in jobs.enumerated() {
                var logger = logger
                logger[metadataKey: "job.member"] = "\(job.member)"
                group.addTask { [logger] in (index, await run(job, logger)) }
            }
            var outcomes = [JobOutcome](repeating: .noop, count: jobs.count)
            for await (index, outcome) in group { outcomes[index] = outcome }
            return outcomes
        }
    }

    /// A few calls at once (each waits up to the provider's timeout), retried with backoff for
    /// as long as `maxAge`: every money move keeps its idempotency key across the retries.
    static func policy(concurrency: Int, lease: Duration, maxAge: Duration) -> JobPolicy {
        JobPolicy(
            concurrency: concurrency, lease: lease, timeout: .seconds(30), maxAttempts: 50, maxAge: maxAge, overlapping: true,
            backoff: JobPolicy.exponential(base: .seconds(1), ceiling: .seconds(60)))
    }

    /// The handler of a payment `kind` (nil for any other kind), each with its reconciler; the
    /// intents' reconciler passes are followed by the provider sync's.
    static func handler(of kind: JobKind, policy: JobPolicy, ledger: PaymentLedger, stripe: StripeClient, redis: RedisClient)
        -> (any JobHandler)?
    {
        switch kind {
        case .paymentIntent:
            let sync = PaymentProviderSync(
                operations: PaymentOperations(
                    ledger: ledger, stripe: stripe, refundJobs: JobQueue(redis: redis, kind: .paymentRefund),
                    moves: TransitionSchedule(redis: redis)))
            var reconciler = LedgerReconciler(payments: ledger, redis: redis)
            reconciler.followUp = { logger in await sync.run(logger: logger) }
            return PaymentIntentJobs(policy: policy, ledger: ledger, stripe: stripe, reconciler: reconciler)
        case .paymentCapture:
            return PaymentCaptureJobs(
                policy: policy, ledger: ledger, stripe: stripe, reconciler: LedgerReconciler(captures: ledger, redis: redis))
        case .paymentVoid:
            return PaymentVoidJobs(
                policy: policy, ledger: ledger, stripe: stripe, refunds: JobQueue(redis: redis, kind: .paymentRefund),
                reconciler: LedgerReconciler(voids: ledger, redis: redis))
        case .paymentRefund:
            return PaymentRefundJobs(
                policy: policy, ledger: ledger, stripe: stripe, reconciler: LedgerReconciler(refunds: ledger, redis: redis))
        default:
            return nil
        }
    }

    /// An outage or a rate limit is retried; any other refusal is for good.
    static func outcome(of error: PaymentProviderError) -> JobOutcome {
        error.isTransient ? .failed("provider unavailable (\(error.code))") : .dead("provider refused (\(error.code))")
    }

    /// What ends a job before its provider call: the outcome to settle it with.
    struct Stop: Error {
        var outcome: JobOutcome
    }

    /// The order a job names and its payment (nil: it was placed with payments off); or the
    /// outcome that ends the job when it names no order or the store does not answer.
    static func payment(for job: ClaimedJob, in ledger: PaymentLedger, logger: Logger) async -> Result<
        (order: UUID, payment: Payment?), Stop
    > {
        guard let order = UUID(parsing: job.member) else { return .failure(Stop(outcome: .dead("not an order id"))) }
        do {
            return .success((order, try await StoreCall.bounded { try await ledger.payment(of: order, logger: logger) }))
        } catch {
            return .failure(Stop(outcome: StoreCall.outcome(of: error, logger: logger)))
        }
    }
}
