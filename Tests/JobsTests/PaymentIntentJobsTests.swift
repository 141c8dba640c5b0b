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
@Suite("Payment intents", .timeLimit(.minutes(3)), .serialized)
struct PaymentIntentJobsTests {
    let logger = TestStores.logger

    func withRig(worker: Bool = true, _ body: (PaymentTestRig) async throws -> Void) async throws {
        try await PaymentTestRig.with(worker: worker, logger: logger, body)
    }

    // MARK: Tests

    @Test func aQueuedJobCreatesTheIntentOnceForTheTotalInMinorUnits() async throws {
        try await withRig { rig in
            let order = try await rig.placeOrder(total: "12.50")
            _ = try await rig.queue(.paymentIntent).enqueue(order.uuidString.lowercased(), dueAt: Date(), logger: logger)
            #expect(
                try await JobsTestSupport.eventually { try await rig.ledger.payment(of: order, logger: logger)?.intentID != nil })
            let payment = try #require(try await rig.ledger.payment(of: order, logger: logger))
            #expect(payment.clientSecret?.hasPrefix(payment.intentID! + "_secret_") == true && payment.status == .unpaid)
            let held = try await rig.providerIntents(of: order)
            #expect(held.count == 1 && held.first?.id == payment.intentID && held.first?.amount == 1250)
            // Run again (a second delivery of the job): nothing new at the provider.
            #expect(await rig.intents.process([rig.job(order)], logger: logger) == [.noop])
            #expect(try await rig.providerIntents(of: order).count == 1)
        }
    }

    /// Two runs of one job at once against a provider that ignores idempotency keys: one
    /// intent is the order's, and the other is cancelled, never payable.
    @Test func twoRunsAtOnceLeaveOnePayableIntent() async throws {
        try await withRig(worker: false) { rig in
            let order = try await rig.placeOrder()
            async let first = rig.intents.process([rig.job(order)], logger: logger)
            async let second = rig.intents.process([rig.job(order)], logger: logger)
            let outcomes = await first + second
            #expect(outcomes.filter { $0 == .applied }.count == 1)
            let recorded = try #require(try await rig.ledger.payment(of: order, logger: logger)?.intentID)
            let held = try await rig.providerIntents(of: order)
            #expect(held.filter { $0.status != "canceled" }.map(\.id) == [recorded])
        }
    }

    @Test func aProviderOutageIsRetriedAndAnUnchargeableTotalIsDead() async throws {
        try await withRig(worker: false) { rig in
            let order = try await rig.placeOrder()
            await rig.provider.kill()
            let outcome = await rig.intents.process([rig.job(order)], logger: logger)
            guard case .failed = outcome.first else {
                Issue.record("an outage should be retried, got \(outcome)")
                return
            }
            #expect(try await rig.ledger.payment(of: order, logger: logger)?.intentID == nil)
            try await rig.provider.restart()
            #expect(await rig.intents.process([rig.job(order)], logger: logger) == [.applied])
            // 12.50 yen cannot be charged: dead at once, nothing asked of the provider.
            let yen = try await rig.placeOrder(currency: "JPY", total: "12.50")
            let refused = await rig.intents.process([rig.job(yen)], logger: logger)
            guard case .dead = refused.first else {
                Issue.record("an unchargeable total should be dead, got \(refused)")
                return
            }
            #expect(try await rig.providerIntents(of: yen).isEmpty)
        }
    }

    /// Redis lost the job (FLUSHALL): the reconciler finds the payment without an intent and
    /// enqueues it again, once; the job then creates the intent.
    @Test func theReconcilerEnqueuesWhatRedisLost() async throws {
        try await withRig(worker: false) { rig in
            let order = try await rig.placeOrder()
            let reconciler = LedgerReconciler(payments: rig.ledger, redis: rig.redis)
            #expect(try await reconciler.runOnce(logger: logger) == 1)
            #expect(try await reconciler.runOnce(logger: logger) == 0, "its job is in Redis now")
            let claimed = try await rig.queue(.paymentIntent).claim(worker: "test", limit: 10, lease: .seconds(5), logger: logger).jobs
            #expect(claimed.map(\.member) == [order.uuidString.lowercased()])
            #expect(await rig.intents.process(claimed, logger: logger) == [.applied])
            #expect(try await rig.ledger.payment(of: order, logger: logger)?.intentID != nil)
            #expect(try await reconciler.runOnce(logger: logger) == 0, "nothing waits for an intent any more")
            #expect(try await rig.providerIntents(of: order).count == 1)
        }
    }
}
