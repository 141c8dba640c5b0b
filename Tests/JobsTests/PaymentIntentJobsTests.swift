import Foundation
import Logging
import Payments
import Postgres
import Redis
import TestSupport
import Testing

@testable import Jobs
@testable import Store

/// The `payment_intent` kind against a real localstripe, Postgres and Redis: an order's intent
/// is created once, for its total in minor units, however often its job runs, through a
/// provider outage, and after Redis lost the job.
@Suite("Payment intents", .timeLimit(.minutes(3)))
struct PaymentIntentJobsTests {
    let logger = TestStores.logger

    struct Rig {
        let database: Database
        let redis: RedisClient
        let ledger: PaymentLedger
        let provider: LocalStripe
        let handler: PaymentIntentJobs
        let queue: JobQueue
    }

    /// A migrated database, a private Redis, a localstripe and the kind's handler, with a worker
    /// running it when `worker` is on.
    func withRig(worker: Bool = true, _ body: (Rig) async throws -> Void) async throws {
        try await LocalStripe.with { provider in
            try await JobsTestSupport.withStores(logger: logger) { stores in
                let ledger = PaymentLedger(database: stores.database)
                let stripe = StripeClient(
                    http: .shared, configuration: .init(apiBase: provider.apiBase, secretKey: LocalStripe.secretKey, timeout: .seconds(2)))
                let handler = PaymentIntentJobs(
                    policy: PaymentIntentJobs.policy(concurrency: 4, lease: .seconds(5), maxAge: .seconds(600)), ledger: ledger,
                    stripe: stripe, reconciler: LedgerReconciler(payments: ledger, redis: stores.redis))
                let jobs = JobWorker(
                    options: .init(reconcileInterval: .seconds(3600)), redis: stores.redis, handlers: [handler], logger: logger)
                let rig = Rig(
                    database: stores.database, redis: stores.redis, ledger: ledger, provider: provider, handler: handler,
                    queue: JobQueue(redis: stores.redis, kind: .paymentIntent))
                try await stores.running(worker ? [jobs] : []) { try await body(rig) }
            }
        }
    }

    /// An order placed as the platform writes it, with its payment opened (no intent yet).
    func placeOrder(_ rig: Rig, currency: String = "USD", total: String = "12.50") async throws -> UUID {
        let order = try await JobsTestSupport.placeOrder(rig.database, logger: logger)
        try await rig.database.query(
            "UPDATE orders SET currency = \(currency), total_amount = \(Decimal(string: total)!) WHERE id = \(order)", logger: logger)
        try await rig.ledger.open(order: order, provider: "stripe", logger: logger)
        return order
    }

    /// The intents the provider holds for `order` (by its metadata), with their statuses.
    func intents(_ rig: Rig, of order: UUID) async throws -> [(id: String, status: String, amount: Int)] {
        let list = try await rig.provider.get("/v1/payment_intents?limit=100")
        return ((list["data"] as? [[String: Any]]) ?? []).compactMap { intent in
            guard (intent["metadata"] as? [String: String])?["order_id"] == order.uuidString.lowercased() else { return nil }
            return (intent["id"] as? String ?? "", intent["status"] as? String ?? "", intent["amount"] as? Int ?? 0)
        }
    }

    func job(_ order: UUID) -> ClaimedJob {
        ClaimedJob(member: order.uuidString.lowercased(), token: "t", attempts: 1, dueAt: Date())
    }

    // MARK: Tests

    @Test func aQueuedJobCreatesTheIntentOnceForTheTotalInMinorUnits() async throws {
        try await withRig { rig in
            let order = try await placeOrder(rig, total: "12.50")
            _ = try await rig.queue.enqueue(order.uuidString.lowercased(), dueAt: Date(), logger: logger)
            #expect(
                try await JobsTestSupport.eventually { try await rig.ledger.payment(of: order, logger: logger)?.intentID != nil })
            let payment = try #require(try await rig.ledger.payment(of: order, logger: logger))
            #expect(payment.clientSecret?.hasPrefix(payment.intentID! + "_secret_") == true && payment.status == .unpaid)
            let held = try await intents(rig, of: order)
            #expect(held.count == 1 && held.first?.id == payment.intentID && held.first?.amount == 1250)
            // Run again (a second delivery of the job): nothing new at the provider.
            #expect(await rig.handler.process([job(order)], logger: logger) == [.noop])
            #expect(try await intents(rig, of: order).count == 1)
        }
    }

    /// Two runs of one job at once against a provider that ignores idempotency keys: one
    /// intent is the order's, and the other is cancelled, never payable.
    @Test func twoRunsAtOnceLeaveOnePayableIntent() async throws {
        try await withRig(worker: false) { rig in
            let order = try await placeOrder(rig)
            async let first = rig.handler.process([job(order)], logger: logger)
            async let second = rig.handler.process([job(order)], logger: logger)
            let outcomes = await first + second
            #expect(outcomes.filter { $0 == .applied }.count == 1)
            let recorded = try #require(try await rig.ledger.payment(of: order, logger: logger)?.intentID)
            let held = try await intents(rig, of: order)
            #expect(held.filter { $0.status != "canceled" }.map(\.id) == [recorded])
        }
    }

    @Test func aProviderOutageIsRetriedAndAnUnchargeableTotalIsDead() async throws {
        try await withRig(worker: false) { rig in
            let order = try await placeOrder(rig)
            await rig.provider.kill()
            let outcome = await rig.handler.process([job(order)], logger: logger)
            guard case .failed = outcome.first else {
                Issue.record("an outage should be retried, got \(outcome)")
                return
            }
            #expect(try await rig.ledger.payment(of: order, logger: logger)?.intentID == nil)
            try await rig.provider.restart()
            #expect(await rig.handler.process([job(order)], logger: logger) == [.applied])
            // 12.50 yen cannot be charged: dead at once, nothing asked of the provider.
            let yen = try await placeOrder(rig, currency: "JPY", total: "12.50")
            let refused = await rig.handler.process([job(yen)], logger: logger)
            guard case .dead = refused.first else {
                Issue.record("an unchargeable total should be dead, got \(refused)")
                return
            }
            #expect(try await intents(rig, of: yen).isEmpty)
        }
    }

    /// Redis lost the job (FLUSHALL): the reconciler finds the payment without an intent and
    /// enqueues it again, once; the job then creates the intent.
    @Test func theReconcilerEnqueuesWhatRedisLost() async throws {
        try await withRig(worker: false) { rig in
            let order = try await placeOrder(rig)
            let reconciler = LedgerReconciler(payments: rig.ledger, redis: rig.redis)
            #expect(try await reconciler.runOnce(logger: logger) == 1)
            #expect(try await reconciler.runOnce(logger: logger) == 0, "its job is in Redis now")
            let claimed = try await rig.queue.claim(worker: "test", limit: 10, lease: .seconds(5), logger: logger).jobs
            #expect(claimed.map(\.member) == [order.uuidString.lowercased()])
            #expect(await rig.handler.process(claimed, logger: logger) == [.applied])
            #expect(try await rig.ledger.payment(of: order, logger: logger)?.intentID != nil)
            #expect(try await reconciler.runOnce(logger: logger) == 0, "nothing waits for an intent any more")
            #expect(try await intents(rig, of: order).count == 1)
        }
    }
}
