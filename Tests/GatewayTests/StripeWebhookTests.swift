import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import OrderPayments
import Payments
import Postgres
import ServiceHTTP
import Store
import TestSupport
import Testing

@testable import Gateway

/// `POST /api/payments/stripe/webhook` over HTTP: a real localstripe signs and sends its event
/// to a live router, which applies it; a forged signature is a 400 problem, an oversized body a
/// 413, and neither changes anything.
@Suite("Stripe webhook", .timeLimit(.minutes(2)), .serialized)
struct StripeWebhookTests {
    let logger = TestStores.logger
    let secret = "whsec_" + UUID().uuidString

    /// The webhook's route alone, with the API's problem mapping, over the shared test database.
    func withRouter(_ body: (Database, Router<AppRequestContext>) async throws -> Void) async throws {
        try await TestStores.withDatabase(url: try await TestStores.migrated()) { database in
            let router = Router(context: AppRequestContext.self)
            let domain = DomainProblems(
                rules: OrderRules(autoProcessAfterSeconds: 60, cancelWindowSeconds: 60, maxPendingOrders: 5, currency: "USD"))
            router.addMiddleware { ProblemMiddleware(domain: domain.apiError(for:)) }
            StripeWebhookController(events: PaymentProviderEvents(ledger: PaymentLedger(database: database), secrets: [secret]))
                .addRoutes(to: router)
            try await body(database, router)
        }
    }

    /// A placed order with its payment opened, in the shared test database.
    func placeOrder(_ database: Database) async throws -> UUID {
        let customer = try await createAccount(role: .customer)
        let order = UUIDv7.make()
        try await database.query(
            """
            INSERT INTO orders (id, user_id, customer_name, customer_email, shipping_address, total_amount, currency, auto_process_at,
                                cancellable_until)
            VALUES (\(order), \(customer.id), 'Web', 'web@example.com', 'x', 12.5, 'USD', now() + interval '1 hour', now())
            """, logger: logger)
        try await PaymentLedger(database: database).open(order: order, provider: "stripe", logger: logger)
        return order
    }

    @Test func theProvidersSignedEventIsApplied() async throws {
        try await LocalStripe.with { provider in
            try await withRouter { database, router in
                try await Application(router: router).test(.live) { client in
                    let port = try #require(client.port)
                    try await provider.registerWebhook(url: "http://127.0.0.1:\(port)/api/payments/stripe/webhook", secret: secret)
                    let ledger = PaymentLedger(database: database)
                    let stripe = StripeClient(
                        http: .paymentProvider, configuration: .init(apiBase: provider.apiBase, secretKey: LocalStripe.secretKey))
                    let order = try await placeOrder(database)
                    let intent = try await stripe.createIntent(
                        amount: 1250, currency: "usd", orderID: order.uuidString.lowercased(), idempotencyKey: "i-\(order)", logger: logger)
                    _ = try await ledger.recordIntent(intent.id, clientSecret: intent.clientSecret, of: order, logger: logger)
                    _ = try await stripe.setPaymentMethod("pm_card_visa", on: intent.id, idempotencyKey: "pm-\(order)", logger: logger)
                    _ = try await stripe.confirm(intent.id, idempotencyKey: "c-\(order)", logger: logger)
                    // localstripe sends no event for an authorisation: the platform learns it from the answer.
                    _ = try await ledger.apply(.init(status: .authorized), to: order, from: [.unpaid], logger: logger)
                    _ = try await stripe.capture(intent.id, idempotencyKey: "cap-\(order)", logger: logger)
                    // …and `payment_intent.succeeded` about a second after the capture, signed.
                    let deadline = ContinuousClock.now + .seconds(15)
                    while ContinuousClock.now < deadline, try await ledger.payment(of: order, logger: logger)?.status != .paid {
                        try await Task.sleep(for: .milliseconds(100))
                    }
                    #expect(try await ledger.payment(of: order, logger: logger)?.status == .paid)
                    #expect(
                        try await database.query(
                            "SELECT count(*)::int FROM payment_provider_events WHERE type = 'payment_intent.succeeded' AND received_at > now() - interval '1 minute'",
                            logger: logger
                        ).first?.decode(Int.self) ?? 0 >= 1)
                }
            }
        }
    }

    @Test func aForgedOrOversizedRequestIsRefused() async throws {
        try await withRouter { database, router in
            let order = try await placeOrder(database)
            try await Application(router: router).test(.router) { client in
                let body =
                    #"{"id":"evt_forged","type":"payment_intent.succeeded","created":1,"data":{"object":{"id":"pi_x","status":"succeeded","amount":1250,"currency":"usd","metadata":{"order_id":"\#(order.uuidString.lowercased())"}}}}"#
                let forged = StripeSignature.header(body: Array(body.utf8), secret: "whsec_attacker", time: Date())
                try await client.execute(
                    uri: "/api/payments/stripe/webhook", method: .post,
                    headers: [.contentType: "application/json", HTTPField.Name("Stripe-Signature")!: forged], body: ByteBuffer(string: body)
                ) { response in
                    #expect(response.status == .badRequest)
                    #expect(response.headers[.contentType]?.hasPrefix("application/problem+json") == true)
                    #expect(String(buffer: response.body).contains("Stripe-Signature"))
                }
                try await client.execute(
                    uri: "/api/payments/stripe/webhook", method: .post, headers: [.contentType: "application/json"],
                    body: ByteBuffer(repeating: UInt8(ascii: " "), count: StripeWebhookController.maximumBody + 1)
                ) { response in
                    #expect(response.status == .contentTooLarge)
                }
            }
            #expect(try await PaymentLedger(database: database).payment(of: order, logger: logger)?.status == .unpaid)
        }
    }
}
