import Foundation
import Logging
import OrderPayments
import Payments
import Postgres
import Redis
import TestSupport
import Testing

@testable import Jobs
@testable import Store

/// The business rules that tie an order's life to its payment, against a real localstripe,
/// Postgres and Redis: a due order waits for its authorisation, moves once it comes and is then
/// captured; an order unpaid past the timeout is cancelled and its payment voided.
@Suite("Orders and their payments", .timeLimit(.minutes(3)), .serialized)
struct PaymentOrderFlowTests {
    let logger = TestStores.logger

    /// The transition kind as a worker with payments on runs it.
    func transitionJobs(_ rig: PaymentTestRig) -> TransitionJobs {
        let transitions = OrderTransitions(database: rig.database, paymentTimeout: 1800)
        return TransitionJobs(
            policy: TransitionJobs.policy(concurrency: 4, lease: .seconds(5), maxAttempts: 5), transitions: transitions,
            reconciler: Reconciler(transitions: transitions, queue: rig.queue(.transition), redis: rig.redis),
            captures: rig.queue(.paymentCapture))
    }

    func moveJob(_ order: UUID) -> ClaimedJob {
        ClaimedJob(member: JobQueue.member(orderID: order), token: "t", attempts: 1, dueAt: Date())
    }

    func status(_ order: UUID, _ database: Database) async throws -> String? {
        try await database.query("SELECT status FROM orders WHERE id = \(order)", logger: logger).first?.decode(String.self)
    }

    /// Whether `member` is scheduled in `queue`.
    func scheduled(_ member: String, in queue: JobQueue, _ rig: PaymentTestRig) async throws -> Bool {
        !(try await rig.redis.send(RedisCommand("ZSCORE", queue.keys.partition(of: member).scheduled, member), logger: logger)).isNull
    }

    // MARK: Waiting for the authorisation

    @Test func aDueOrderWaitsForItsAuthorisationThenMovesAndIsCaptured() async throws {
        try await PaymentTestRig.with(worker: true, logger: logger) { rig in
            let order = try await rig.placeOrder()
            try await rig.database.query(
                "UPDATE orders SET auto_process_at = now() - interval '1 second' WHERE id = \(order)", logger: logger)
            let jobs = transitionJobs(rig)
            #expect(await jobs.process([moveJob(order)], logger: logger) == [.noop], "unpaid: acked, not retried")
            #expect(try await status(order, rig.database) == "pending")
            #expect(try await OrderTransitions(database: rig.database).sweepOverdue(reason: "sweep", logger: logger) == 0)
            #expect(try await OrderTransitions(database: rig.database).upcoming(limit: 100, logger: logger).allSatisfy { $0.id != order })

            // The owner pays: the authorisation schedules the move again.
            let owner = try await rig.database.query("SELECT user_id FROM orders WHERE id = \(order)", logger: logger).first!.decode(
                UUID.self)
            let payments = PaymentOperations(
                ledger: rig.ledger, stripe: rig.stripe, refundJobs: rig.queue(.paymentRefund),
                moves: TransitionSchedule(redis: rig.redis))
            let paid = try await payments.confirm(
                order: order, paymentMethod: "pm_card_visa", by: Actor(id: owner, role: .customer), logger: logger)
            #expect(paid.status == .authorized)
            #expect(try await scheduled(JobQueue.member(orderID: order), in: rig.queue(.transition), rig))

            #expect(await jobs.process([moveJob(order)], logger: logger) == [.applied])
            #expect(try await status(order, rig.database) == "processing")
            // The running worker captures it.
            #expect(try await JobsTestSupport.eventually { try await rig.payment(order)?.status == .paid })
            // The worker's first reconcile may have made a second intent beside the owner's
            // (localstripe ignores idempotency keys): the loser is cancelled, never charged.
            #expect(try await rig.providerIntents(of: order).map(\.status).filter { $0 != "canceled" } == ["succeeded"])
            #expect(try await rig.payment(order)?.capturedAmount == Decimal(string: "12.50")!)
        }
    }

    /// Ordered, paid, moved, captured, shipped and delivered, the provider's intent agreeing at
    /// each step; shipping before the capture is refused.
    @Test func thePaidPathFromOrderToDelivery() async throws {
        try await PaymentTestRig.with(worker: true, logger: logger) { rig in
            let (order, customer, operations) = try await rig.placeThroughOperations()
            #expect(try await JobsTestSupport.eventually { try await rig.payment(order.id)?.intentID != nil })
            #expect(try await rig.providerIntents(of: order.id).map(\.status) == ["requires_payment_method"])
            let payments = PaymentOperations(
                ledger: rig.ledger, stripe: rig.stripe, refundJobs: rig.queue(.paymentRefund), moves: TransitionSchedule(redis: rig.redis))
            let paid = try await payments.confirm(
                order: order.id, paymentMethod: "pm_card_visa", by: Actor(id: customer, role: .customer), logger: logger)
            #expect(paid.status == .authorized)
            #expect(try await rig.providerIntents(of: order.id).map(\.status) == ["requires_capture"])

            let vendor = Actor(id: try await rig.newUser(), role: .vendor)
            await #expect(throws: OrderError.self, "no shipping before the capture") {
                _ = try await operations.changeStatus(
                    of: order.id, to: .shipped, notes: nil, trackingNumber: "TRK1", by: vendor, logger: logger)
            }
            try await rig.database.query(
                "UPDATE orders SET auto_process_at = now() - interval '1 second' WHERE id = \(order.id)", logger: logger)
            #expect(await transitionJobs(rig).process([moveJob(order.id)], logger: logger) == [.applied])
            #expect(try await JobsTestSupport.eventually { try await rig.payment(order.id)?.status == .paid })
            #expect(try await rig.providerIntents(of: order.id).map(\.status) == ["succeeded"])

            let shipped = try await operations.changeStatus(
                of: order.id, to: .shipped, notes: nil, trackingNumber: "TRK1", by: vendor, logger: logger)
            #expect(shipped.status == .shipped && shipped.payment?.status == .paid)
            let delivered = try await operations.changeStatus(
                of: order.id, to: .delivered, notes: nil, trackingNumber: nil, by: vendor, logger: logger)
            #expect(delivered.status == .delivered && delivered.payment?.capturedAmount == Decimal(string: "14.50")!)
            #expect(try await rig.providerIntents(of: order.id).map(\.status) == ["succeeded"])
        }
    }

    @Test func anOrderPlacedWithPaymentsOnOpensItsPaymentAndQueuesItsIntent() async throws {
        try await PaymentTestRig.with(worker: true, logger: logger) { rig in
            let (order, user, operations) = try await rig.placeThroughOperations()
            let payment = try #require(order.payment, "the order answers with its payment")
            #expect(payment.status == .unpaid && payment.amount == Decimal(string: "14.50")! && payment.intentID == nil)
            // Its job makes the intent, for the order's total in cents.
            #expect(try await JobsTestSupport.eventually { try await rig.payment(order.id)?.intentID != nil })
            #expect(try await rig.providerIntents(of: order.id).map(\.amount) == [1450])
            let read = try #require(try await PostgresOrderRepository(database: rig.database).find(id: order.id, logger: logger))
            #expect(read.payment?.intentID == (try await rig.payment(order.id))?.intentID)

            // Cancelled, its intent is voided at once by its job.
            _ = try await operations.cancel(order.id, reason: nil, by: Actor(id: user, role: .customer), logger: logger)
            #expect(try await JobsTestSupport.eventually { try await rig.payment(order.id)?.status == .voided })
            #expect(try await rig.providerIntents(of: order.id).map(\.status) == ["canceled"])
        }
    }

    // MARK: Timeout

    @Test func anOrderUnpaidPastTheTimeoutIsCancelledAndItsPaymentVoided() async throws {
        try await PaymentTestRig.with(worker: true, logger: logger) { rig in
            let order = try await rig.placeOrder()
            _ = await rig.intents.process([rig.job(order)], logger: logger)
            let fresh = try await rig.placeOrder()
            try await rig.database.query("UPDATE orders SET created_at = now() - interval '31 minutes' WHERE id = \(order)", logger: logger)
            let paid = try await rig.authorisedOrder()
            try await rig.database.query("UPDATE orders SET created_at = now() - interval '31 minutes' WHERE id = \(paid)", logger: logger)

            let cancelled = try await OrderTransitions(database: rig.database, paymentTimeout: 1800).cancelUnpaid(logger: logger)
            #expect(cancelled.contains(order) && !cancelled.contains(fresh) && !cancelled.contains(paid))
            #expect(try await status(order, rig.database) == "cancelled")
            #expect(try await status(paid, rig.database) == "pending", "an authorised order is not cancelled")
            // Authorised between a pass's look and its cancel: the check made with the payment's
            // row locked refuses it.
            let late = Transition(
                to: .cancelled, from: [.pending], actorID: nil, actorRole: nil, reason: OrderTransitions.unpaidReason,
                paymentIn: OrderTransitions.unpaidStates)
            await #expect(throws: OrderError.self) {
                _ = try await PostgresOrderRepository(database: rig.database).apply(late, to: paid, logger: logger)
            }
            #expect(try await status(paid, rig.database) == "pending")
            let reason = try await rig.database.query(
                "SELECT reason FROM order_events WHERE order_id = \(order) AND to_status = 'cancelled'", logger: logger
            ).first?.decode(String?.self)
            #expect(reason == OrderTransitions.unpaidReason)
            #expect(try await OrderTransitions(database: rig.database, paymentTimeout: 1800).cancelUnpaid(logger: logger).isEmpty)

            // The voids' reconciler finds its open payment and its job cancels the intent.
            _ = try await LedgerReconciler(voids: rig.ledger, redis: rig.redis).runOnce(logger: logger)
            #expect(try await JobsTestSupport.eventually { try await rig.payment(order)?.status == .voided })
            let statuses = try await rig.providerIntents(of: order).map(\.status)
            #expect(!statuses.isEmpty && statuses.allSatisfy { $0 == "canceled" }, "\(statuses)")
        }
    }

    // MARK: The provider sync

    /// 3-D Secure completed in the payer's browser sends no webhook on localstripe: the sync
    /// learns the authorisation from the provider, and the order's move is scheduled.
    @Test func anAuthorisationThePlatformDidNotHearOfIsLearnedFromTheProvider() async throws {
        try await PaymentTestRig.with(worker: false, logger: logger) { rig in
            let order = try await rig.placeOrder()
            _ = await rig.intents.process([rig.job(order)], logger: logger)
            let owner = try await rig.database.query("SELECT user_id FROM orders WHERE id = \(order)", logger: logger).first!.decode(
                UUID.self)
            let operations = PaymentOperations(
                ledger: rig.ledger, stripe: rig.stripe, refundJobs: rig.queue(.paymentRefund), moves: TransitionSchedule(redis: rig.redis))
            let method = try await rig.provider.cardMethod(number: "4000002500003155")
            let pending = try await operations.confirm(
                order: order, paymentMethod: method, by: Actor(id: owner, role: .customer), logger: logger)
            #expect(pending.status == .requiresAction)
            let intent = try #require(pending.intentID)
            let secret = try #require(try await rig.payment(order)?.clientSecret)
            try await rig.provider.authenticate(intent: intent, clientSecret: secret, success: true)

            let sync = PaymentProviderSync(operations: operations, quietSeconds: 30)
            #expect(await sync.run(logger: logger) == 0, "a payment changed moments ago is left to its own answer")
            try await rig.database.query(
                "UPDATE payments SET updated_at = now() - interval '1 minute' WHERE order_id = \(order)", logger: logger)
            #expect(await sync.run(logger: logger) == 1)
            #expect(try await rig.payment(order)?.status == .authorized)
            let move = JobQueue.member(orderID: order)
            #expect(
                !(try await rig.redis.send(
                    RedisCommand("ZSCORE", rig.queue(.transition).keys.partition(of: move).scheduled, move), logger: logger)).isNull)
            #expect(await sync.run(logger: logger) == 0, "nothing left waiting on its payer")
        }
    }
}
