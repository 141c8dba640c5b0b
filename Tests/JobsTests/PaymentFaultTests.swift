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

/// Money moves through faults, counted at the provider (a real localstripe): an outage at the
/// moment of ordering neither fails nor doubles anything, and Redis losing its data loses no
/// capture or refund and makes none twice.
@Suite("Payments through faults", .timeLimit(.minutes(3)), .serialized)
struct PaymentFaultTests {
    let logger = TestStores.logger

    /// The provider is down when the order is placed: the order is placed all the same, and its
    /// intent is made once the provider is back, once.
    @Test func aProviderOutageAtOrderingNeitherFailsNorDoublesAnything() async throws {
        try await PaymentTestRig.with(worker: true, logger: logger) { rig in
            await rig.provider.kill()
            let (order, _, _) = try await rig.placeThroughOperations()
            #expect(order.payment?.status == .unpaid && order.status == .pending)
            try await Task.sleep(for: .seconds(2))
            #expect(try await rig.payment(order.id)?.intentID == nil, "no intent while the provider is away")
            #expect(try await rig.queue(.paymentIntent).depth(logger: logger).dead == 0, "an outage is retried, not dead")

            try await rig.provider.restart()
            #expect(try await JobsTestSupport.eventually { try await rig.payment(order.id)?.intentID != nil })
            #expect(try await rig.providerIntents(of: order.id).count == 1, "one intent at the provider")
        }
    }

    /// Redis loses the queued capture and refund: the reconcilers find them in the ledger, and
    /// each is made once however often the jobs then run.
    @Test func redisLosingItsDataLosesNoMoneyMoveAndDoublesNone() async throws {
        try await PaymentTestRig.with(worker: false, logger: logger) { rig in
            let order = try await rig.authorisedOrder()
            try await rig.database.query("UPDATE orders SET status = 'processing' WHERE id = \(order)", logger: logger)
            try await rig.queue(.paymentCapture).enqueue(order.uuidString.lowercased(), dueAt: Date(), logger: logger)
            _ = try await rig.redis.send(RedisCommand("FLUSHALL"), logger: logger)
            #expect(try await rig.queue(.paymentCapture).depth(logger: logger).scheduled == 0)

            #expect(try await LedgerReconciler(captures: rig.ledger, redis: rig.redis).runOnce(logger: logger) == 1)
            for _ in 0..<2 { _ = await rig.captures.process([rig.job(order)], logger: logger) }
            #expect(try await rig.payment(order)?.status == .paid)
            #expect(try await rig.providerIntents(of: order).map(\.status) == ["succeeded"])

            let vendor = try await rig.database.query(
                """
                INSERT INTO users (id, username, email, password_hash) VALUES (\(UUIDv7.make()), \("v" + UUID().uuidString.prefix(12)),
                    \(UUID().uuidString + "@example.com"), 'x') RETURNING id
                """, logger: logger
            ).first!.decode(UUID.self)
            let staff = Actor(id: vendor, role: .vendor)
            let operations = PaymentOperations(ledger: rig.ledger, stripe: rig.stripe, refundJobs: rig.queue(.paymentRefund))
            let (refund, _) = try await operations.refund(
                order: order, amount: Decimal(string: "2.50"), reason: "dented", idempotencyKey: nil, requestHash: nil, by: staff,
                logger: logger)
            _ = try await rig.redis.send(RedisCommand("FLUSHALL"), logger: logger)
            let refunds = LedgerReconciler(refunds: rig.ledger, redis: rig.redis)
            #expect(try await refunds.runOnce(logger: logger) == 1)
            for _ in 0..<2 { _ = await rig.refunds.process([rig.job(refund.id)], logger: logger) }
            #expect(try await refunds.runOnce(logger: logger) == 0, "nothing owed once the provider answered")
            #expect(try await rig.providerRefunds(of: order) == [250], "one refund of 2.50 at the provider")
            #expect(try await rig.payment(order)?.status == .partiallyRefunded)
        }
    }
}
