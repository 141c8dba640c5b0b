import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import NIOFoundationCompat
import Postgres
import PostgresNIO
import Store
import TestSupport
import Testing

@testable import Gateway

@Suite("Orders", .timeLimit(.minutes(2)))
struct OrdersTests {
    // MARK: Helpers

    /// A fresh catalog product with `stock`, returning its SKU.
    func makeProduct(stock: Int, price: String = "10.00", databaseURL: String? = nil) async throws -> String {
        let sku = uniqueName("SKU").uppercased()
        try await TestStores.withDatabase(url: try await TestStores.migrated(or: databaseURL)) { postgres in
            _ = try await PostgresProductRepository(database: postgres).create(
                Product(id: UUIDv7.make(), sku: sku, name: "Item \(sku)", category: "Test", price: Decimal(string: price)!, stock: stock),
                logger: TestStores.logger
            )
        }
        return sku
    }

    func stock(_ sku: String) async throws -> Int {
        try await scalar("SELECT stock FROM products WHERE sku = \(sku)")
    }

    func scalar(_ query: PostgresQuery) async throws -> Int {
        try await TestStores.withDatabase(url: TestStores.databaseURL) { try await $0.scalar(query) ?? 0 }
    }

    func orderJSON(_ lines: [(String, Int)], notes: String = "leave at the door") -> String {
        let items = lines.map { #"{"product_sku":"\#($0.0)","quantity":\#($0.1)}"# }.joined(separator: ",")
        return
            #"{"customer_name":"Ann","customer_email":"ann@example.com","shipping_address":"1 Main St","notes":"\#(notes)","items":[\#(items)]}"#
    }

    func place(_ client: some TestClientProtocol, token: String, _ lines: [(String, Int)], key: String? = nil) async throws -> TestResponse
    {
        var headers: HTTPFields = [.authorization: "Bearer \(token)", .contentType: "application/json"]
        if let key { headers[OrdersController.idempotencyKey] = key }
        return try await client.execute(uri: "/api/orders", method: .post, headers: headers, body: .init(string: orderJSON(lines)))
    }

    // MARK: Create

    @Test func pricesComeFromTheCatalogAndDuplicatesMerge() async throws {
        let customer = try await createAccount(role: .customer)
        let sku = try await makeProduct(stock: 10, price: "19.99")
        let other = try await makeProduct(stock: 10, price: "0.10")
        let app = try await makeAccountsGateway()
        try await app.test(.router) { client in
            let token = try await client.login(customer.username).access
            let response = try await client.send(
                .post, "/api/orders", token: token,
                json:
                    #"{"customer_name":"Ann","customer_email":"ann@example.com","shipping_address":"1 Main St","items":[{"product_sku":"\#(sku)","quantity":2,"unit_price":"0.01"},{"product_sku":"\#(other)","quantity":3},{"product_sku":"\#(sku)","quantity":1}]}"#
            )
            #expect(response.status == .created)
            let order = try #require(response.json)
            #expect(order["total_amount"] as? String == "60.27")
            #expect(order["items_count"] as? Int == 6)
            #expect((order["items"] as? [[String: Any]])?.count == 2)
            #expect(order["status"] as? String == "pending")
            // Payments off (v1.2): unpaid, no payment object, both keys present.
            #expect(order["payment_status"] as? String == "unpaid" && order.keys.contains("payment") && order["payment"] is NSNull)
            #expect(try await stock(sku) == 7)
        }
    }

    /// The create answers from what its inserts returned and a read from one joined query: both
    /// must show the same order, lines in SKU order, and a replay must show it again.
    @Test func theCreatedOrderIsWhatAReadAndAReplayShow() async throws {
        let customer = try await createAccount(role: .customer)
        let first = try await makeProduct(stock: 10, price: "1.25")
        let second = try await makeProduct(stock: 10, price: "3.50")
        let app = try await makeAccountsGateway()
        try await app.test(.router) { client in
            let token = try await client.login(customer.username).access
            let created = try await place(client, token: token, [(second, 2), (first, 1)], key: "same-order")
            #expect(created.status == .created)
            let body = try #require(created.json)
            let skus = (body["items"] as? [[String: Any]])?.compactMap { $0["product_sku"] as? String }
            #expect(skus == [first, second].sorted())
            let read = try await client.send(.get, "/api/orders/\(try #require(body["id"] as? String))", token: token)
            #expect(read.status == .ok)
            #expect(NSDictionary(dictionary: try #require(read.json)) == NSDictionary(dictionary: body))
            let replay = try await place(client, token: token, [(second, 2), (first, 1)], key: "same-order")
            #expect(replay.headers[OrdersController.replayed] == "true")
            #expect(NSDictionary(dictionary: try #require(replay.json)) == NSDictionary(dictionary: body))
        }
    }

    @Test func fiftyConcurrentOrdersForTenInStock() async throws {
        let sku = try await makeProduct(stock: 10)
        var created: [User] = []
        for _ in 0..<5 { created.append(try await createAccount(role: .customer)) }
        let customers = created
        let app = try await makeAccountsGateway(["MAX_PENDING_ORDERS": "1000"])
        try await app.test(.router) { client in
            var tokens: [String] = []
            for customer in customers { tokens.append(try await client.login(customer.username).access) }
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<50 {
                    let token = tokens[index % tokens.count]
                    group.addTask { try await place(client, token: token, [(sku, 1)]).status.code }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 201 }.count == 10)
            #expect(statuses.filter { $0 == 409 }.count == 40)
        }
        #expect(try await stock(sku) == 0)
        #expect(try await scalar("SELECT coalesce(sum(quantity), 0)::int8 FROM order_items WHERE product_sku = \(sku)") == 10)
        let ids = customers.map(\.id)
        #expect(try await scalar("SELECT count(*) FROM orders WHERE user_id = ANY(\(ids))") == 10)
        #expect(
            try await scalar(
                "SELECT count(*) FROM orders o WHERE user_id = ANY(\(ids)) AND NOT EXISTS (SELECT 1 FROM order_items i WHERE i.order_id = o.id)"
            ) == 0)
    }

    @Test func outOfStockNamesEverySKUAndWritesNothing() async throws {
        let customer = try await createAccount(role: .customer)
        let scarce = try await makeProduct(stock: 1)
        let plenty = try await makeProduct(stock: 100)
        let app = try await makeAccountsGateway()
        try await app.test(.router) { client in
            let token = try await client.login(customer.username).access
            let response = try await place(client, token: token, [(scarce, 3), (plenty, 1)])
            #expect(response.status == .conflict)
            let errors = response.json?["errors"] as? [[String: Any]]
            #expect(errors?.first?["field"] as? String == scarce)
            #expect(errors?.first?["message"] as? String == "requested 3, available 1")
            #expect(try await place(client, token: token, [("NO-SUCH-SKU-\(scarce)", 1)]).status == .unprocessableContent)
            #expect(try await place(client, token: token, [(plenty, 0)]).status == .unprocessableContent)
        }
        #expect(try await stock(plenty) == 100)
        #expect(try await scalar("SELECT count(*) FROM orders WHERE user_id = \(customer.id)") == 0)
    }

    @Test func twentyConcurrentRetriesWithOneKeyMakeOneOrder() async throws {
        let customer = try await createAccount(role: .customer)
        let sku = try await makeProduct(stock: 100)
        let app = try await makeAccountsGateway()
        let key = UUID().uuidString
        try await app.test(.router) { client in
            let token = try await client.login(customer.username).access
            let results = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        let response = try await place(client, token: token, [(sku, 2)], key: key)
                        return (response.status.code, response.json?["id"] as? String)
                    }
                }
                return try await group.reduce(into: [(Int, String?)]()) { $0.append($1) }
            }
            #expect(results.allSatisfy { $0.0 == 201 || $0.0 == 409 })
            #expect(Set(results.compactMap(\.1)).count == 1, "every success is the same order")
            // After the dust settles, a retry replays the order.
            let replay = try await place(client, token: token, [(sku, 2)], key: key)
            #expect(replay.status == .created)
            #expect(replay.headers[OrdersController.replayed] == "true")
            let reused = try await place(client, token: token, [(sku, 3)], key: key)
            #expect(reused.status == .unprocessableContent)
        }
        #expect(try await scalar("SELECT count(*) FROM orders WHERE user_id = \(customer.id)") == 1)
        #expect(try await stock(sku) == 98)
    }

    @Test func aKeyOlderThanADayMayBeUsedAgain() async throws {
        let customer = try await createAccount(role: .customer)
        let sku = try await makeProduct(stock: 100)
        let app = try await makeAccountsGateway()
        try await app.test(.router) { client in
            let token = try await client.login(customer.username).access
            let first = try #require(try await place(client, token: token, [(sku, 1)], key: "monthly").json?["id"] as? String)
            try await TestStores.withDatabase(url: TestStores.databaseURL) { postgres in
                try await postgres.query(
                    "UPDATE orders SET created_at = now() - interval '25 hours' WHERE id = \(UUID(uuidString: first)!)",
                    logger: TestStores.logger)
            }
            let again = try await place(client, token: token, [(sku, 2)], key: "monthly")
            #expect(again.status == .created)
            #expect(again.headers[OrdersController.replayed] == nil)
            #expect(again.json?["id"] as? String != first)
            let replay = try await place(client, token: token, [(sku, 2)], key: "monthly")
            #expect(replay.headers[OrdersController.replayed] == "true")
            #expect(replay.json?["id"] as? String == again.json?["id"] as? String)
        }
        #expect(try await scalar("SELECT count(*) FROM orders WHERE user_id = \(customer.id) AND idempotency_key = 'monthly'") == 1)
        #expect(try await stock(sku) == 97)
    }

    @Test func pendingOrdersAreCapped() async throws {
        let customer = try await createAccount(role: .customer)
        let sku = try await makeProduct(stock: 100)
        let app = try await makeAccountsGateway(["MAX_PENDING_ORDERS": "2"])
        try await app.test(.router) { client in
            let token = try await client.login(customer.username).access
            #expect(try await place(client, token: token, [(sku, 1)]).status == .created)
            #expect(try await place(client, token: token, [(sku, 1)]).status == .created)
            #expect(try await place(client, token: token, [(sku, 1)]).status == .conflict)
        }
    }

    // MARK: Visibility

    @Test func customersSeeOnlyTheirOwnOrders() async throws {
        let alice = try await createAccount(role: .customer)
        let bob = try await createAccount(role: .customer)
        let vendor = try await createAccount(role: .vendor)
        let sku = try await makeProduct(stock: 10)
        let app = try await makeAccountsGateway()
        try await app.test(.router) { client in
            let aliceToken = try await client.login(alice.username).access
            let bobToken = try await client.login(bob.username).access
            let order = try #require(try await place(client, token: aliceToken, [(sku, 1)]).json?["id"] as? String)

            #expect(try await client.send(.get, "/api/orders/\(order)", token: bobToken).status == .notFound)
            #expect(try await client.send(.get, "/api/orders/\(order)/events", token: bobToken).status == .notFound)
            #expect(try await client.send(.post, "/api/orders/\(order)/cancel", token: bobToken).status == .notFound)
            #expect(try await client.send(.get, "/api/orders", token: bobToken).status == .forbidden)
            let bobs = try await client.send(.get, "/api/orders/my?q=\(order.prefix(8))", token: bobToken)
            #expect(bobs.json?["total"] as? Int == 0)
            let bobsByUser = try await client.send(.get, "/api/orders/my?user_id=\(alice.id)", token: bobToken)
            #expect(bobsByUser.json?["total"] as? Int == 0, "a customer's user_id filter cannot widen the list")

            #expect(try await client.send(.get, "/api/orders/\(order)", token: aliceToken).status == .ok)
            let vendorToken = try await client.login(vendor.username).access
            #expect(try await client.send(.get, "/api/orders/\(order)", token: vendorToken).status == .ok)
            let all = try await client.send(.get, "/api/orders?user_id=\(alice.id)&status=pending,processing", token: vendorToken)
            #expect(all.json?["total"] as? Int == 1)
            #expect(try await client.send(.get, "/api/orders?status=lost", token: vendorToken).status == .badRequest)
        }
    }

    // MARK: Transitions

    @Test func customerCancelsOnlyInsideTheWindowAndStockReturns() async throws {
        let customer = try await createAccount(role: .customer)
        let sku = try await makeProduct(stock: 10)
        // A window long enough for a loaded machine's first requests, short enough to wait out.
        let app = try await makeAccountsGateway(["CANCEL_WINDOW_SECONDS": "3"])
        try await app.test(.router) { client in
            let token = try await client.login(customer.username).access
            let early = try #require(try await place(client, token: token, [(sku, 4)]).json?["id"] as? String)
            let late = try #require(try await place(client, token: token, [(sku, 3)]).json?["id"] as? String)
            #expect(try await stock(sku) == 3)

            let cancelled = try await client.send(
                .post, "/api/orders/\(early)/cancel", token: token, json: #"{"reason":"changed my mind"}"#)
            #expect(cancelled.status == .ok)
            #expect(cancelled.json?["status"] as? String == "cancelled")
            #expect(try await stock(sku) == 7)
            #expect(try await client.send(.post, "/api/orders/\(early)/cancel", token: token).status == .conflict)

            try await Task.sleep(for: .milliseconds(3500))
            let tooLate = try await client.send(.delete, "/api/orders/\(late)/cancel", token: token)
            #expect(tooLate.status == .conflict)
            #expect(try await stock(sku) == 7)

            let events = try await client.send(.get, "/api/orders/\(early)/events", token: token)
            let list = try #require(try JSONSerialization.jsonObject(with: Data(buffer: events.body)) as? [[String: Any]])
            #expect(list.map { $0["to_status"] as? String } == ["pending", "cancelled"])
            #expect(list.last?["reason"] as? String == "changed my mind")
        }
    }

    @Test func vendorMovesOrdersOnlyAlongTheStateMachine() async throws {
        let customer = try await createAccount(role: .customer)
        let vendor = try await createAccount(role: .vendor)
        let sku = try await makeProduct(stock: 10)
        let app = try await makeAccountsGateway()
        try await app.test(.router) { client in
            let customerToken = try await client.login(customer.username).access
            let token = try await client.login(vendor.username).access
            let id = try #require(try await place(client, token: customerToken, [(sku, 1)]).json?["id"] as? String)

            #expect(
                try await client.send(.put, "/api/orders/\(id)/status", token: customerToken, json: #"{"status":"processing"}"#).status
                    == .forbidden)
            #expect(
                try await client.send(.put, "/api/orders/\(id)/status", token: token, json: #"{"status":"shipped","tracking_number":"T1"}"#)
                    .status == .conflict)
            #expect(
                try await client.send(.patch, "/api/orders/\(id)/status", token: token, json: #"{"status":"processing"}"#).status == .ok)
            #expect(
                try await client.send(.put, "/api/orders/\(id)/status", token: token, json: #"{"status":"shipped"}"#).status
                    == .unprocessableContent)
            let shipped = try await client.send(
                .put, "/api/orders/\(id)/status", token: token, json: #"{"status":"shipped","tracking_number":"TRACK-1"}"#)
            #expect(shipped.json?["tracking_number"] as? String == "TRACK-1")
            #expect(
                try await client.send(.post, "/api/orders/\(id)/cancel", token: token).status == .conflict,
                "shipped orders cannot be cancelled")
            #expect(try await client.send(.put, "/api/orders/\(id)/status", token: token, json: #"{"status":"delivered"}"#).status == .ok)
            #expect(
                try await client.send(.put, "/api/orders/\(id)/status", token: token, json: #"{"status":"pending"}"#).status == .conflict)

            let events = try await client.send(.get, "/api/orders/\(id)/events", token: customerToken)
            let list = try #require(try JSONSerialization.jsonObject(with: Data(buffer: events.body)) as? [[String: Any]])
            #expect(list.map { $0["to_status"] as? String } == ["pending", "processing", "shipped", "delivered"])
            #expect((list[1]["actor"] as? [String: Any])?["role"] as? String == "vendor")
        }
    }

    @Test func concurrentCancelAndStatusChangeHaveOneWinner() async throws {
        let customer = try await createAccount(role: .customer)
        let vendor = try await createAccount(role: .vendor)
        let sku = try await makeProduct(stock: 100)
        let app = try await makeAccountsGateway()
        try await app.test(.router) { client in
            let customerToken = try await client.login(customer.username).access
            let vendorToken = try await client.login(vendor.username).access
            for _ in 0..<5 {
                let id = try #require(try await place(client, token: customerToken, [(sku, 1)]).json?["id"] as? String)
                async let cancel = client.send(.post, "/api/orders/\(id)/cancel", token: customerToken)
                async let move = client.send(.put, "/api/orders/\(id)/status", token: vendorToken, json: #"{"status":"processing"}"#)
                let codes = try await [cancel.status.code, move.status.code].sorted()
                #expect(codes == [200, 409])
                let transitions = try await scalar(
                    "SELECT count(*) FROM order_events WHERE order_id = \(UUID(uuidString: id)!) AND from_status IS NOT NULL")
                #expect(transitions == 1)
            }
        }
    }
}
