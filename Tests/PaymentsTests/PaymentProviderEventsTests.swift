import Foundation
import Logging
import OrderPayments
import Payments
import Postgres
import Store
import TestSupport
import Testing

/// The provider's webhook events against the real Postgres: valid ones applied once, forged,
/// stale and malformed ones refused with nothing changed, replays and late ones without effect,
/// another intent's ignored.
@Suite("Payment provider events")
struct PaymentProviderEventsTests {
    let logger = TestStores.logger
    let secret = "whsec_events_test"

    /// An order with its payment opened and `intent` recorded, in the shared test database.
    func order(_ database: Database, intent: String) async throws -> UUID {
        let (user, order) = (UUIDv7.make(), UUIDv7.make())
        try await database.query(
            """
            INSERT INTO users (id, username, email, password_hash)
            VALUES (\(user), \("ev" + user.uuidString.suffix(12)), \(user.uuidString + "@example.com"), 'x')
            """, logger: logger)
        try await database.query(
            """
            INSERT INTO orders (id, user_id, customer_name, customer_email, shipping_address, total_amount, currency, auto_process_at,
                                cancellable_until)
            VALUES (\(order), \(user), 'Ev', 'ev@example.com', 'x', 12.5, 'USD', now() + interval '1 hour', now())
            """, logger: logger)
        let ledger = PaymentLedger(database: database)
        try await ledger.open(order: order, provider: "stripe", logger: logger)
        _ = try await ledger.recordIntent(intent, clientSecret: intent + "_secret", of: order, logger: logger)
        return order
    }

    /// A `type` event of `intent` (of `order`) as Stripe's webhook sends it.
    func event(_ type: String, intent: String, order: UUID, status: String, received: Int? = nil, id: String = "evt_" + UUID().uuidString)
        -> [UInt8]
    {
        var object: [String: Any] = [
            "id": intent, "object": "payment_intent", "status": status, "amount": 1250, "currency": "usd",
            "metadata": ["order_id": order.uuidString.lowercased()],
        ]
        if let received { object["amount_received"] = received }
        if type == "payment_intent.payment_failed" {
            object["last_payment_error"] = ["code": "card_declined", "message": "Your card was declined."]
        }
        let body: [String: Any] = ["id": id, "object": "event", "type": type, "created": 1_796_380_000, "data": ["object": object]]
        return Array(try! JSONSerialization.data(withJSONObject: body))
    }

    func sign(_ body: [UInt8], at time: Date = Date(), secret: String? = nil) -> String {
        StripeSignature.header(body: body, secret: secret ?? self.secret, time: time)
    }

    func withEvents(_ body: (PaymentProviderEvents, Database) async throws -> Void) async throws {
        try await TestStores.withDatabase(url: try await TestStores.migrated()) { database in
            try await body(PaymentProviderEvents(ledger: PaymentLedger(database: database), secrets: ["whsec_old", secret]), database)
        }
    }

    func status(_ database: Database, _ order: UUID) async throws -> PaymentStatus? {
        try await PaymentLedger(database: database).payment(of: order, logger: logger)?.status
    }

    // MARK: Tests

    @Test func aValidEventIsAppliedOnceAndAReplayChangesNothing() async throws {
        try await withEvents { events, database in
            let intent = "pi_" + UUID().uuidString.prefix(10)
            let order = try await order(database, intent: intent)
            let authorised = event("payment_intent.amount_capturable_updated", intent: intent, order: order, status: "requires_capture")
            #expect(try await events.receive(body: authorised, signature: sign(authorised), logger: logger) == .applied)
            #expect(try await status(database, order) == .authorized)
            #expect(try await events.receive(body: authorised, signature: sign(authorised), logger: logger) == .replayed)
            let paid = event("payment_intent.succeeded", intent: intent, order: order, status: "succeeded", received: 1250)
            #expect(try await events.receive(body: paid, signature: sign(paid, secret: "whsec_old"), logger: logger) == .applied)
            let payment = try await PaymentLedger(database: database).payment(of: order, logger: logger)
            #expect(payment?.status == .paid && payment?.capturedAmount == Decimal(string: "12.5"))
            // Out of order: an authorisation arriving after the capture moves nothing back.
            let late = event("payment_intent.amount_capturable_updated", intent: intent, order: order, status: "requires_capture")
            #expect(try await events.receive(body: late, signature: sign(late), logger: logger) == .unchanged)
            #expect(try await status(database, order) == .paid)
            let events = try await database.query(
                "SELECT reason FROM order_events WHERE order_id = \(order) AND kind = 'payment' ORDER BY seq", logger: logger
            ).map { try $0.decode(String.self) }
            #expect(events == ["authorized", "paid"])
        }
    }

    @Test func forgedStaleAndMalformedRequestsAreRefusedWithNothingChanged() async throws {
        try await withEvents { events, database in
            let intent = "pi_" + UUID().uuidString.prefix(10)
            let order = try await order(database, intent: intent)
            let body = event("payment_intent.succeeded", intent: intent, order: order, status: "succeeded")
            let refusals: [(String?, [UInt8], PaymentWebhookRefused.Reason)] = [
                (nil, body, .badSignature),
                (sign(body, secret: "whsec_attacker"), body, .badSignature),
                (sign(body), body + Array(" ".utf8), .badSignature),
                (sign(body, at: Date().addingTimeInterval(-301)), body, .stale),
                (sign(Array("not json".utf8)), Array("not json".utf8), .malformed),
            ]
            for (signature, sent, reason) in refusals {
                let refused = await #expect(throws: PaymentWebhookRefused.self) {
                    try await events.receive(body: sent, signature: signature, logger: logger)
                }
                #expect(refused?.reason == reason)
            }
            #expect(try await status(database, order) == .unpaid)
            // A refused request did not use up the event's id: the genuine one still applies.
            #expect(try await events.receive(body: body, signature: sign(body), logger: logger) == .applied)
        }
    }

    @Test func unknownTypesAndAnotherIntentsEventsAreAcknowledgedAndIgnored() async throws {
        try await withEvents { events, database in
            let intent = "pi_" + UUID().uuidString.prefix(10)
            let order = try await order(database, intent: intent)
            let charge = event("charge.refunded", intent: intent, order: order, status: "succeeded")
            #expect(try await events.receive(body: charge, signature: sign(charge), logger: logger) == .ignored)
            #expect(try await events.receive(body: charge, signature: sign(charge), logger: logger) == .replayed)
            // An orphan intent of the order (one that lost to the recorded one) never pays it.
            let orphan = event(
                "payment_intent.succeeded", intent: "pi_orphan" + UUID().uuidString.prefix(6), order: order, status: "succeeded")
            #expect(try await events.receive(body: orphan, signature: sign(orphan), logger: logger) == .ignored)
            let failed = event("payment_intent.payment_failed", intent: intent, order: order, status: "requires_payment_method")
            #expect(try await events.receive(body: failed, signature: sign(failed), logger: logger) == .applied)
            let payment = try await PaymentLedger(database: database).payment(of: order, logger: logger)
            #expect(payment?.status == .unpaid && payment?.lastError == "Your card was declined.")
        }
    }
}
