import Foundation
import Logging
import Payments
import Postgres
import Redis
import TestSupport

@testable import Jobs
@testable import Store

/// The payment kinds' handlers over a migrated database, a private Redis and a real
/// localstripe, with helpers that bring an order's payment to a state as the platform would.
struct PaymentTestRig {
    let database: Database
    let redis: RedisClient
    let ledger: PaymentLedger
    let provider: LocalStripe
    let stripe: StripeClient
    let intents: PaymentIntentJobs
    let captures: PaymentCaptureJobs
    let voids: PaymentVoidJobs
    let refunds: PaymentRefundJobs
    let logger: Logger
    /// Where a worker process started by a test finds the rig's stores.
    let databaseURL: String
    let redisURL: String

    /// Runs `body` with a rig, with a worker running every payment kind when `worker` is on.
    static func with(worker: Bool, logger: Logger, _ body: (PaymentTestRig) async throws -> Void) async throws {
        try await LocalStripe.with { provider in
            try await JobsTestSupport.withStores(logger: logger) { stores in
                let (database, redis) = (stores.database, stores.redis)
                let ledger = PaymentLedger(database: database)
                let stripe = StripeClient(
                    http: .paymentProvider,
                    configuration: .init(apiBase: provider.apiBase, secretKey: LocalStripe.secretKey, timeout: .seconds(2)))
                let policy = PaymentJobs.policy(concurrency: 4, lease: .seconds(5), maxAge: .seconds(600))
                let rig = PaymentTestRig(
                    database: database, redis: redis, ledger: ledger, provider: provider, stripe: stripe,
                    intents: PaymentIntentJobs(
                        policy: policy, ledger: ledger, stripe: stripe, reconciler: LedgerReconciler(payments: ledger, redis: redis)),
                    captures: PaymentCaptureJobs(
                        policy: policy, ledger: ledger, stripe: stripe, reconciler: LedgerReconciler(captures: ledger, redis: redis)),
                    voids: PaymentVoidJobs(
                        policy: policy, ledger: ledger, stripe: stripe, refunds: JobQueue(redis: redis, kind: .paymentRefund),
                        reconciler: LedgerReconciler(voids: ledger, redis: redis)),
                    refunds: PaymentRefundJobs(
                        policy: policy, ledger: ledger, stripe: stripe, reconciler: LedgerReconciler(refunds: ledger, redis: redis)),
                    logger: logger, databaseURL: stores.databaseURL, redisURL: stores.redisURL)
                let jobs = JobWorker(
                    options: .init(reconcileInterval: .seconds(3600)), redis: redis,
                    handlers: [rig.intents, rig.captures, rig.voids, rig.refunds], logger: logger)
                try await stores.running(worker ? [jobs] : []) { try await body(rig) }
            }
        }
    }

    func queue(_ kind: JobKind) -> JobQueue { JobQueue(redis: redis, kind: kind) }

    /// An order placed as the platform writes it, with its payment opened (no intent yet).
    func placeOrder(currency: String = "USD", total: String = "12.50") async throws -> UUID {
        let order = try await JobsTestSupport.placeOrder(database, logger: logger)
        try await database.query(
            "UPDATE orders SET currency = \(currency), total_amount = \(Decimal(string: total)!) WHERE id = \(order)", logger: logger)
        try await ledger.open(order: order, provider: "stripe", logger: logger)
        return order
    }

    /// An order of two at 7.25 placed through the operations as a gateway with payments on
    /// places it (its payment opened, its intent's job queued), by a new customer.
    func placeThroughOperations() async throws -> (order: Order, customer: UUID, operations: OrderOperations) {
        let user = try await newUser()
        let sku = "PAY-" + UUID().uuidString.prefix(8)
        try await database.query(
            "INSERT INTO products (id, sku, name, category, price, stock) VALUES (\(UUIDv7.make()), \(sku), 'Paid thing', 'Books', 7.25, 10)",
            logger: logger)
        let rules = OrderRules(
            autoProcessAfterSeconds: 600, cancelWindowSeconds: 300, maxPendingOrders: 50, currency: "USD", paymentProvider: "stripe")
        let operations = OrderOperations(
            orders: PostgresOrderRepository(database: database), schedule: TransitionSchedule(redis: redis), rules: rules,
            paymentJobs: JobQueues(redis: redis))
        let input = OrderInput(
            customerName: "Pay Er", customerEmail: "payer@example.com", customerPhone: nil, shippingAddress: "1 Road", notes: nil,
            lines: [(sku, 2)])
        let (order, _) = try await operations.place(input, by: Actor(id: user, role: .customer), idempotencyKey: nil, logger: logger)
        return (order, user, operations)
    }

    /// A new account's id (an actor that events and refunds may name).
    func newUser() async throws -> UUID {
        try await database.query(
            """
            INSERT INTO users (id, username, email, password_hash) VALUES (\(UUIDv7.make()), \("p" + UUID().uuidString.prefix(12)),
                \(UUID().uuidString + "@example.com"), 'x') RETURNING id
            """, logger: logger
        ).first!.decode(UUID.self)
    }

    /// An order whose payment the customer authorised with `pm_card_visa`.
    func authorisedOrder() async throws -> UUID {
        let order = try await placeOrder()
        _ = await intents.process([job(order)], logger: logger)
        let intent = try await intentID(order)
        _ = try await stripe.setPaymentMethod("pm_card_visa", on: intent, idempotencyKey: "pm-\(intent)", logger: logger)
        let confirmed = try await stripe.confirm(intent, idempotencyKey: "confirm-\(intent)", logger: logger)
        precondition(confirmed.status == .requiresCapture)
        _ = try await ledger.apply(.init(status: .authorized), to: order, from: [.unpaid], logger: logger)
        return order
    }

    /// An order whose payment is captured.
    func paidOrder() async throws -> UUID {
        let order = try await authorisedOrder()
        _ = await captures.process([job(order)], logger: logger)
        return order
    }

    func intentID(_ order: UUID) async throws -> String {
        guard let id = try await ledger.payment(of: order, logger: logger)?.intentID else {
            throw CocoaError(.coderValueNotFound, userInfo: [NSLocalizedDescriptionKey: "no intent recorded"])
        }
        return id
    }

    func payment(_ order: UUID) async throws -> Payment? {
        try await ledger.payment(of: order, logger: logger)
    }

    /// The intents the provider holds for `order` (by its metadata), with their statuses.
    func providerIntents(of order: UUID) async throws -> [(id: String, status: String, amount: Int)] {
        let list = try await provider.get("/v1/payment_intents?limit=100")
        return ((list["data"] as? [[String: Any]]) ?? []).compactMap { intent in
            guard (intent["metadata"] as? [String: String])?["order_id"] == order.uuidString.lowercased() else { return nil }
            return (intent["id"] as? String ?? "", intent["status"] as? String ?? "", intent["amount"] as? Int ?? 0)
        }
    }

    /// The refunds the provider made of `order`'s intent, in minor units.
    func providerRefunds(of order: UUID) async throws -> [Int] {
        let list = try await provider.get("/v1/refunds?payment_intent=\(try await intentID(order))&limit=100")
        return ((list["data"] as? [[String: Any]]) ?? []).map { $0["amount"] as? Int ?? 0 }
    }

    /// A job of `member` as a worker would claim it.
    func job(_ member: UUID) -> ClaimedJob {
        ClaimedJob(member: member.uuidString.lowercased(), token: "t", attempts: 1, dueAt: Date())
    }
}
