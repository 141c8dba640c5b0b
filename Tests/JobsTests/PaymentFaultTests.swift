import Foundation
import Logging
import OrderPayments
import Payments
import Postgres
import ProcessSupport
import Redis
import TestSupport
import Testing

@testable import Jobs
@testable import Store

/// Money moves through faults, counted at the provider (a real localstripe): an outage at the
/// moment of ordering neither fails nor doubles anything; Redis losing its data, a worker or the
/// provider killed mid-capture loses no capture or refund and makes none twice.
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

            let vendor = try await rig.newUser()
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

extension PaymentFaultTests {
    // MARK: A worker killed

    /// A worker process SIGKILLed while it captures: another one captures every order, each
    /// once and in full at the provider.
    @Test func aWorkerKilledWhileCapturingLosesNoCaptureAndDoublesNone() async throws {
        try await PaymentTestRig.with(worker: false, logger: logger) { rig in
            let (orders, first) = try await capturesUnderWay(rig)
            #expect(
                try await JobsTestSupport.eventually(within: .seconds(30)) {
                    try await rig.database.query("SELECT count(*) FROM payments WHERE status = 'paid'", logger: logger).first!
                        .decode(Int.self) > 0
                }, "the first worker captures")
            kill(first, SIGKILL)
            await ChildProcess.wait(first)
            TestChildren.forget(process: first)
            let before = try await rig.database.query(
                "SELECT count(*) FROM payments WHERE status = 'paid' AND order_id = ANY(\(orders))", logger: logger
            ).first!.decode(Int.self)
            print("captures after SIGKILL: the first worker had recorded \(before) of \(orders.count)")
            let second = try startWorkerProcess(rig)
            #expect(try await JobsTestSupport.eventually(within: .seconds(40)) { try await paidInFull(rig, orders) == orders.count })
            for order in orders {
                #expect(try await rig.providerIntents(of: order).map(\.status) == ["succeeded"], "one intent, captured")
            }
            kill(second, SIGTERM)
            #expect(await ChildProcess.status(of: second, within: .seconds(10)) == 0, "the survivor drains and stops on SIGTERM")
            TestChildren.forget(process: second)
        }
    }

    // MARK: The provider killed

    /// The provider is SIGKILLed while a worker process captures and comes back a few seconds
    /// later with its state: the captures refused meanwhile are retried, each intent is captured
    /// once and in full, and none is given up.
    @Test func aProviderKilledWhileCapturingLosesNoCaptureAndDoublesNone() async throws {
        try await PaymentTestRig.with(worker: false, logger: logger) { rig in
            let (orders, worker) = try await capturesUnderWay(rig)
            let paid = { try await paidInFull(rig, orders) }
            #expect(try await JobsTestSupport.eventually(within: .seconds(30)) { try await paid() > 0 }, "the worker captures")
            await rig.provider.kill()
            let before = try await paid()
            print("captures when the provider was killed: \(before) of \(orders.count) recorded")
            try await Task.sleep(for: .seconds(3))
            try await rig.provider.restart()
            #expect(
                try await JobsTestSupport.eventually(within: .seconds(60)) { try await paid() == orders.count },
                "every capture made once the provider is back")
            #expect(before < orders.count, "the provider was killed before the last capture")
            for order in orders {
                #expect(try await rig.providerIntents(of: order).map(\.status) == ["succeeded"], "one intent, captured")
            }
            #expect(try await rig.queue(.paymentCapture).depth(logger: logger).dead == 0, "no capture given up")
            kill(worker, SIGTERM)
            #expect(await ChildProcess.status(of: worker, within: .seconds(10)) == 0)
            TestChildren.forget(process: worker)
        }
    }

    /// 16 authorised orders moved to processing with their captures queued, and a worker
    /// process started on them.
    func capturesUnderWay(_ rig: PaymentTestRig) async throws -> (orders: [UUID], worker: pid_t) {
        var orders: [UUID] = []
        for _ in 0..<16 { orders.append(try await rig.authorisedOrder()) }
        try await rig.database.query("UPDATE orders SET status = 'processing' WHERE id = ANY(\(orders))", logger: logger)
        try await rig.queue(.paymentCapture).enqueue(orders.map { ($0.uuidString.lowercased(), Date()) }, logger: logger)
        return (orders, try startWorkerProcess(rig))
    }

    /// How many of `orders` are paid, captured in full.
    func paidInFull(_ rig: PaymentTestRig, _ orders: [UUID]) async throws -> Int {
        try await rig.database.query(
            "SELECT count(*) FROM payments WHERE status = 'paid' AND captured_amount = amount AND order_id = ANY(\(orders))",
            logger: logger
        ).first!.decode(Int.self)
    }

    /// A `worker` process running captures only, two at a time, on the rig's stores and provider.
    func startWorkerProcess(_ rig: PaymentTestRig) throws -> pid_t {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("capture-worker-\(UUID().uuidString).log").path
        let pid = try ChildProcess.spawn(
            ChildProcess.productsDirectory.appendingPathComponent("worker").path,
            environment: [
                "DATABASE_URL": rig.databaseURL, "REDIS_URL": rig.redisURL, "ENV": "test", "WORKER_PORT": "0",
                "JOB_KINDS": "payment_capture", "CONCURRENCY": "2", "JOB_LEASE_SECONDS": "2", "LOG_LEVEL": "warning",
                "RECONCILE_INTERVAL_SECONDS": "3600",
                "PAYMENTS": "stripe", "STRIPE_API_BASE": rig.provider.apiBase, "STRIPE_SECRET_KEY": LocalStripe.secretKey,
                "STRIPE_WEBHOOK_SECRET": "whsec_faulttests",
            ],
            logFile: log)
        TestChildren.record(process: pid, program: "worker")
        return pid
    }
}
