import Foundation
import Logging
import OrderPayments
import Payments
import Postgres
import Redis
import Store
import TestSupport
import Testing

/// Paying and refunding below HTTP, against a real localstripe and the shared test Postgres and
/// Redis: the owner's confirmation authorises, asks for authentication or is declined and stays
/// payable; staff refunds are recorded once and queued for their job.
@Suite("Payment operations", .timeLimit(.minutes(2)), .serialized)
struct PaymentOperationsTests {
    let logger = TestStores.logger

    struct Rig {
        let database: Database
        let redis: RedisClient
        let ledger: PaymentLedger
        let operations: PaymentOperations
        let provider: LocalStripe
    }

    func withRig(_ body: (Rig) async throws -> Void) async throws {
        try await LocalStripe.with { provider in
            try await TestStores.withDatabase(url: try await TestStores.migrated()) { database in
                let redis = RedisClient(configuration: try RedisConfiguration(url: TestStores.redisURL), logger: logger)
                let ledger = PaymentLedger(database: database)
                let stripe = StripeClient(
                    http: .paymentProvider,
                    configuration: .init(apiBase: provider.apiBase, secretKey: LocalStripe.secretKey, timeout: .seconds(3)))
                let operations = PaymentOperations(
                    ledger: ledger, stripe: stripe, refundJobs: JobQueue(redis: redis, kind: .paymentRefund))
                var failure: (any Error)?
                do {
                    try await body(Rig(database: database, redis: redis, ledger: ledger, operations: operations, provider: provider))
                } catch { failure = error }
                await redis.shutdown()
                if let failure { throw failure }
            }
        }
    }

    /// A new user of `role`.
    func user(_ rig: Rig, _ role: Role = .customer) async throws -> Actor {
        let user = UUIDv7.make()
        try await rig.database.query(
            """
            INSERT INTO users (id, username, email, password_hash, role)
            VALUES (\(user), \("po" + user.uuidString.suffix(12)), \(user.uuidString + "@example.com"), 'x', \(role.rawValue))
            """, logger: logger)
        return Actor(id: user, role: role)
    }

    /// A customer's order of 12.50 USD with its payment opened (no intent yet), and the customer.
    func order(_ rig: Rig) async throws -> (UUID, Actor) {
        let (owner, order) = (try await user(rig), UUIDv7.make())
        let user = owner.id
        try await rig.database.query(
            """
            INSERT INTO orders (id, user_id, customer_name, customer_email, shipping_address, total_amount, currency, auto_process_at,
                                cancellable_until)
            VALUES (\(order), \(user), 'Po', 'po@example.com', 'x', 12.5, 'USD', now() + interval '1 hour', now())
            """, logger: logger)
        try await rig.ledger.open(order: order, provider: "stripe", logger: logger)
        return (order, owner)
    }

    // MARK: Paying

    @Test func theOwnersConfirmationAuthorises() async throws {
        try await withRig { rig in
            let (order, owner) = try await order(rig)
            let stranger = Actor(id: UUID(), role: .customer)
            let hidden = await #expect(throws: PaymentError.self) {
                try await rig.operations.confirm(order: order, paymentMethod: "pm_card_visa", by: stranger, logger: logger)
            }
            #expect(hidden?.code == .notFound)
            let paid = try await rig.operations.confirm(order: order, paymentMethod: "pm_card_visa", by: owner, logger: logger)
            #expect(paid.status == .authorized && paid.intentID != nil && paid.clientSecret == nil)
            let intent = try await rig.provider.get("/v1/payment_intents/\(paid.intentID!)")
            #expect(intent["status"] as? String == "requires_capture" && intent["amount"] as? Int == 1250)
            let again = await #expect(throws: PaymentError.self) {
                try await rig.operations.confirm(order: order, paymentMethod: "pm_card_visa", by: owner, logger: logger)
            }
            #expect(again?.code == .conflict, "an authorised payment is not paid twice")
        }
    }

    /// Declined, then paid with another method: localstripe will not confirm the declined
    /// intent again, so a fresh one replaces it and the old one is cancelled.
    @Test func aDeclineLeavesTheOrderPayable() async throws {
        try await withRig { rig in
            let (order, owner) = try await order(rig)
            let declined = await #expect(throws: PaymentError.self) {
                try await rig.operations.confirm(order: order, paymentMethod: "pm_card_chargeCustomerFail", by: owner, logger: logger)
            }
            #expect(declined?.code == .declined && declined?.detail?.contains("declined") == true)
            let unpaid = try #require(try await rig.ledger.payment(of: order, logger: logger))
            #expect(unpaid.status == .unpaid && unpaid.lastError?.contains("declined") == true)
            let paid = try await rig.operations.confirm(order: order, paymentMethod: "pm_card_visa", by: owner, logger: logger)
            #expect(paid.status == .authorized && paid.lastError == nil)
            if paid.intentID != unpaid.intentID {
                let old = try await rig.provider.get("/v1/payment_intents/\(unpaid.intentID!)")
                #expect(old["status"] as? String == "canceled", "the replaced intent can never be paid")
            }
        }
    }

    @Test(arguments: [true, false])
    func threeDSecureAsksForTheAuthentication(succeeds: Bool) async throws {
        try await withRig { rig in
            let (order, owner) = try await order(rig)
            let method = try await rig.provider.cardMethod(number: "4000002500003155")
            let waiting = try await rig.operations.confirm(order: order, paymentMethod: method, by: owner, logger: logger)
            #expect(waiting.status == .requiresAction && waiting.nextAction != nil && waiting.clientSecret != nil)
            try await rig.provider.authenticate(intent: waiting.intentID!, clientSecret: waiting.clientSecret!, success: succeeds)
            let intent = try await rig.provider.get("/v1/payment_intents/\(waiting.intentID!)")
            #expect(intent["status"] as? String == (succeeds ? "requires_capture" : "requires_payment_method"))
        }
    }

    @Test func aBadMethodIdOrAProviderOutageIsRefusedCleanly() async throws {
        try await withRig { rig in
            let (order, owner) = try await order(rig)
            for bad in ["", "card_visa", "pm_../x", String(repeating: "pm_x", count: 100)] {
                await #expect(throws: InvalidInput.self) {
                    try await rig.operations.confirm(order: order, paymentMethod: bad, by: owner, logger: logger)
                }
            }
            await rig.provider.kill()
            let away = await #expect(throws: PaymentError.self) {
                try await rig.operations.confirm(order: order, paymentMethod: "pm_card_visa", by: owner, logger: logger)
            }
            #expect(away?.code == .providerUnavailable)
            #expect(try await rig.ledger.payment(of: order, logger: logger)?.status == .unpaid)
        }
    }

    // MARK: Refunds

    @Test func staffRefundsAreRecordedOnceAndQueued() async throws {
        try await withRig { rig in
            let (order, owner) = try await order(rig)
            _ = try await rig.operations.confirm(order: order, paymentMethod: "pm_card_visa", by: owner, logger: logger)
            _ = try await rig.ledger.apply(
                .init(status: .paid, capturedAmount: Decimal(string: "12.5")), to: order, from: [.authorized], logger: logger)
            let vendor = try await user(rig, .vendor)
            await #expect(throws: Forbidden.self) {
                try await rig.operations.refund(
                    order: order, amount: 1, reason: nil, idempotencyKey: nil, requestHash: nil, by: owner, logger: logger)
            }
            await #expect(throws: InvalidInput.self) {
                try await rig.operations.refund(
                    order: order, amount: Decimal(string: "0.001"), reason: nil, idempotencyKey: nil, requestHash: nil, by: vendor,
                    logger: logger)
            }
            let (refund, created) = try await rig.operations.refund(
                order: order, amount: 5, reason: "scratched", idempotencyKey: "r-1", requestHash: [1], by: vendor, logger: logger)
            let (again, createdAgain) = try await rig.operations.refund(
                order: order, amount: 5, reason: "scratched", idempotencyKey: "r-1", requestHash: [1], by: vendor, logger: logger)
            #expect(created && !createdAgain && again.id == refund.id && refund.createdBy == vendor.id)
            let beyond = await #expect(throws: PaymentError.self) {
                try await rig.operations.refund(
                    order: order, amount: Decimal(string: "7.51"), reason: nil, idempotencyKey: nil, requestHash: nil, by: vendor,
                    logger: logger)
            }
            #expect(beyond?.code == .exceedsRefundable)
            // Its job waits in the refund queue.
            let member = refund.id.uuidString.lowercased()
            let queued = try await rig.redis.send(
                RedisCommand("ZSCORE", JobQueue(redis: rig.redis, kind: .paymentRefund).keys.partition(of: member).scheduled, member),
                logger: logger)
            #expect(!queued.isNull)
            #expect(try await rig.operations.refunds(of: order, by: owner, logger: logger).map(\.id) == [refund.id])
            await #expect(throws: PaymentError.self) {
                try await rig.operations.refunds(of: order, by: Actor(id: UUID(), role: .customer), logger: logger)
            }
        }
    }
}
