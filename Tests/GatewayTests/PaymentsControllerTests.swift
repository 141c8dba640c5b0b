import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import OrderPayments
import Payments
import Postgres
import ProcessSupport
import Redis
import ServiceHTTP
import Store
import TestSupport
import Testing

@testable import Gateway

/// The payment endpoints over HTTP against a real localstripe and the test stores: what the
/// owner and staff send and get back. (The gateway mounts them with payments on; here a
/// router carries them alone, its caller named by a test header instead of a token.)
@Suite("Payments API", .timeLimit(.minutes(2)), .serialized)
struct PaymentsControllerTests {
    let logger = TestStores.logger

    /// Sets the caller from `X-Test-Caller: <user id> <role>`.
    struct TestCaller: RouterMiddleware {
        func handle(
            _ request: Request, context: AppRequestContext, next: (Request, AppRequestContext) async throws -> Response
        ) async throws -> Response {
            var context = context
            if let caller = request.headers[HTTPField.Name("X-Test-Caller")!]?.split(separator: " "), caller.count == 2,
                let id = UUID(uuidString: String(caller[0])), let role = Role(rawValue: String(caller[1]))
            {
                context.identity = Identity(userID: id, role: role, sessionID: "test")
            }
            return try await next(request, context)
        }
    }

    func withRouter(_ body: (LocalStripe, Database, Router<AppRequestContext>) async throws -> Void) async throws {
        try await LocalStripe.with { provider in
            try await TestStores.withDatabase(url: try await TestStores.migrated()) { database in
                let redis = RedisClient(configuration: try TestStores.redisConfiguration(), logger: logger)
                let router = Router(context: AppRequestContext.self)
                let domain = DomainProblems(
                    rules: OrderRules(autoProcessAfterSeconds: 60, cancelWindowSeconds: 60, maxPendingOrders: 5, currency: "USD"))
                router.addMiddleware {
                    ProblemMiddleware(domain: domain.apiError(for:))
                    TestCaller()
                }
                let ledger = PaymentLedger(database: database)
                let stripe = StripeClient(
                    http: .paymentProvider, configuration: .init(apiBase: provider.apiBase, secretKey: LocalStripe.secretKey))
                let orders = OrderOperations(
                    orders: PostgresOrderRepository(database: database), schedule: TransitionSchedule(redis: redis),
                    rules: OrderRules(autoProcessAfterSeconds: 600, cancelWindowSeconds: 300, maxPendingOrders: 50, currency: "USD"))
                PaymentsController(
                    payments: PaymentOperations(ledger: ledger, stripe: stripe, refundJobs: JobQueue(redis: redis, kind: .paymentRefund)),
                    orders: orders, time: DisplayTime(timeZone: TimeZone(identifier: "UTC")!)
                ).addRoutes(to: router)
                var failure: (any Error)?
                do { try await body(provider, database, router) } catch { failure = error }
                await redis.shutdown()
                if let failure { throw failure }
            }
        }
    }

    /// A customer's placed order of 25.00 with its payment opened.
    func placeOrder(_ database: Database) async throws -> (order: UUID, owner: User) {
        let owner = try await createAccount(role: .customer)
        let order = UUIDv7.make()
        try await database.query(
            """
            INSERT INTO orders (id, user_id, customer_name, customer_email, shipping_address, total_amount, currency, auto_process_at,
                                cancellable_until)
            VALUES (\(order), \(owner.id), 'Pay', 'pay@example.com', 'x', 25, 'USD', now() + interval '1 hour', now())
            """, logger: logger)
        try await PaymentLedger(database: database).open(order: order, provider: "stripe", logger: logger)
        return (order, owner)
    }

    func send(
        _ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ path: String, as caller: User, json: String,
        key: String? = nil
    ) async throws -> TestResponse {
        var headers: HTTPFields = [
            .contentType: "application/json", HTTPField.Name("X-Test-Caller")!: "\(caller.id) \(caller.role.rawValue)",
        ]
        if let key { headers[HTTPField.Name("Idempotency-Key")!] = key }
        return try await client.execute(uri: path, method: method, headers: headers, body: ByteBuffer(string: json))
    }

    // MARK: Tests

    @Test func theOwnerPaysAndADeclineIs402() async throws {
        try await withRouter { _, database, router in
            let (order, owner) = try await placeOrder(database)
            try await Application(router: router).test(.router) { client in
                let declined = try await send(
                    client, .post, "/api/orders/\(order)/payment", as: owner, json: #"{"payment_method":"pm_card_chargeCustomerFail"}"#)
                #expect(declined.status.code == 402 && declined.json?["type"] as? String == "/problems/payment-declined")
                let paid = try await send(
                    client, .post, "/api/orders/\(order)/payment", as: owner, json: #"{"payment_method":"pm_card_visa"}"#)
                #expect(paid.status == .ok)
                let body = try #require(paid.json)
                #expect(body["payment_status"] as? String == "authorized" && body["id"] as? String == order.uuidString.lowercased())
                let payment = try #require(body["payment"] as? [String: Any])
                #expect(payment["amount"] as? String == "25.00" && (payment["intent_id"] as? String)?.hasPrefix("pi_") == true)
                let again = try await send(
                    client, .post, "/api/orders/\(order)/payment", as: owner, json: #"{"payment_method":"pm_card_visa"}"#)
                #expect(again.status == .conflict)
                let stranger = try await createAccount(role: .customer)
                let hidden = try await send(
                    client, .post, "/api/orders/\(order)/payment", as: stranger, json: #"{"payment_method":"pm_card_visa"}"#)
                #expect(hidden.status == .notFound)
                let bad = try await send(client, .post, "/api/orders/\(order)/payment", as: owner, json: #"{"payment_method":"4242"}"#)
                #expect(bad.status == .unprocessableContent)
            }
        }
    }

    @Test func staffRefundOnceWithAKeyAndTheOwnerSeesIt() async throws {
        try await withRouter { _, database, router in
            let (order, owner) = try await placeOrder(database)
            let vendor = try await createAccount(role: .vendor)
            try await Application(router: router).test(.router) { client in
                _ = try await send(client, .post, "/api/orders/\(order)/payment", as: owner, json: #"{"payment_method":"pm_card_visa"}"#)
                let unpaid = try await send(client, .post, "/api/orders/\(order)/refunds", as: vendor, json: #"{"amount":"5"}"#)
                #expect(unpaid.status == .conflict, "an authorisation is voided, not refunded")
                _ = try await PaymentLedger(database: database).apply(
                    .init(status: .paid, capturedAmount: 25), to: order, from: [.authorized], logger: logger)
                let mine = try await send(client, .post, "/api/orders/\(order)/refunds", as: owner, json: #"{"amount":"5"}"#)
                #expect(mine.status == .forbidden)
                let first = try await send(
                    client, .post, "/api/orders/\(order)/refunds", as: vendor, json: #"{"amount":"5.5","reason":"dented"}"#, key: "k1")
                #expect(
                    first.status == .created && first.json?["amount"] as? String == "5.50" && first.json?["status"] as? String == "pending")
                let replay = try await send(
                    client, .post, "/api/orders/\(order)/refunds", as: vendor, json: #"{"amount":"5.50","reason":"dented"}"#, key: "k1")
                #expect(
                    replay.headers[HTTPField.Name("Idempotent-Replayed")!] == "true"
                        && replay.json?["id"] as? String == first.json?["id"] as? String)
                let other = try await send(client, .post, "/api/orders/\(order)/refunds", as: vendor, json: #"{"amount":"6"}"#, key: "k1")
                #expect(other.status == .unprocessableContent)
                let beyond = try await send(client, .post, "/api/orders/\(order)/refunds", as: vendor, json: #"{"amount":"19.51"}"#)
                #expect(beyond.status == .conflict)
                let list = try await client.execute(
                    uri: "/api/orders/\(order)/refunds", method: .get,
                    headers: [HTTPField.Name("X-Test-Caller")!: "\(owner.id) \(owner.role.rawValue)"])
                #expect(list.status == .ok && (list.json?["items"] as? [[String: Any]])?.count == 1)
            }
        }
    }
}
