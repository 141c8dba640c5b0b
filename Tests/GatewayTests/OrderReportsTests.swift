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

@Suite("Order lists, reports and details", .timeLimit(.minutes(2)))
struct OrderReportsTests {
    // MARK: Helpers

    /// 1,000 orders for `user` straight in the database: three share each second and amounts
    /// repeat, so every sort needs its id tie-break.
    func bulkOrders(for user: UUID) async throws {
        try await TestStores.withDatabase(url: TestStores.databaseURL) { postgres in
            try await postgres.query(
                """
                INSERT INTO orders (id, user_id, customer_name, customer_email, shipping_address, status, total_amount,
                                    currency, auto_process_at, cancellable_until, created_at)
                SELECT gen_random_uuid(), \(user), 'Bulk', 'bulk@example.com', 'Somewhere', 'delivered', (g % 50)::numeric,
                       'USD', now(), now(), now() - (g / 3) * interval '1 second'
                FROM generate_series(1, 1000) AS g
                """,
                logger: TestStores.logger
            )
        }
    }

    // MARK: Tests

    @Test(arguments: ["-created_at", "created_at", "-total_amount", "total_amount"])
    func keysetPagingReturnsEveryOrderOnce(sort: String) async throws {
        let customer = try await createAccount(role: .customer)
        try await bulkOrders(for: customer.id)
        let app = try await makeAccountsGateway()
        try await app.test(.router) { client in
            let token = try await client.login(customer.username).access
            var seen: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                let uri = "/api/orders/my?size=37&sort=\(sort)" + (cursor.map { "&cursor=\($0)" } ?? "")
                let response = try await client.send(.get, uri, token: token)
                #expect(response.status == .ok)
                let body = try #require(response.json)
                let items = body["items"] as? [[String: Any]] ?? []
                seen += items.compactMap { $0["id"] as? String }
                if cursor != nil { #expect(body["total"] == nil, "keyset pages do not count") }
                cursor = body["next_cursor"] as? String
                pages += 1
            } while cursor != nil && pages < 100
            #expect(seen.count == 1000)
            #expect(Set(seen).count == 1000)
            #expect(try await client.send(.get, "/api/orders/my?cursor=not-a-cursor", token: token).status == .badRequest)
        }
    }

    @Test func aCustomersPagesCountEveryOrderTheyHave() async throws {
        let customer = try await createAccount(role: .customer)
        let other = try await createAccount(role: .customer)
        try await bulkOrders(for: customer.id)
        try await bulkOrders(for: other.id)
        let sku = try await OrdersTests().makeProduct(stock: 5)
        let app = try await makeAccountsGateway()
        try await app.test(.router) { client in
            let token = try await client.login(customer.username).access
            let body =
                #"{"customer_name":"Ann","customer_email":"ann@example.com","shipping_address":"1 Main St","items":[{"product_sku":"\#(sku)","quantity":1}]}"#
            #expect(try await client.send(.post, "/api/orders", token: token, json: body).status == .created)
            for (page, size) in [(1, 20), (3, 37), (51, 20)] {
                let list = try #require(try await client.send(.get, "/api/orders/my?page=\(page)&size=\(size)", token: token).json)
                #expect(list["total"] as? Int == 1001, "page \(page) of \(size)")
                #expect((list["items"] as? [Any])?.count == min(size, 1001 - (page - 1) * size))
            }
            try await TestStores.withDatabase(url: TestStores.databaseURL) { postgres in
                try await postgres.query(
                    "DELETE FROM orders WHERE id IN (SELECT id FROM orders WHERE user_id = \(customer.id) AND customer_name = 'Bulk' LIMIT 10)",
                    logger: TestStores.logger)
            }
            #expect(try await client.send(.get, "/api/orders/my", token: token).json?["total"] as? Int == 991)
        }
    }

    @Test func staffListsCountWhatTheirFiltersMatch() async throws {
        let customer = try await createAccount(role: .customer)
        let vendor = try await createAccount(role: .vendor)
        try await bulkOrders(for: customer.id)
        let app = try await makeAccountsGateway()
        try await app.test(.router) { client in
            let token = try await client.login(vendor.username).access
            // The bulk orders' amounts are 0...49, twenty orders each.
            let filters = [
                ("", 1000), ("&min_total=10&max_total=19.99", 200), ("&status=delivered", 1000), ("&status=pending", 0), ("&q=bulk@", 1000),
            ]
            for (filter, matching) in filters {
                for page in [1, 3] {
                    let uri = "/api/orders?user_id=\(customer.id)&size=25&page=\(page)\(filter)"
                    let list = try #require(try await client.send(.get, uri, token: token).json)
                    #expect(list["total"] as? Int == matching, "\(uri)")
                    #expect((list["items"] as? [Any])?.count == min(25, max(0, matching - (page - 1) * 25)), "\(uri)")
                }
            }
        }
    }

    @Test func csvExportRoundTripsThroughAStrictParser() async throws {
        let customer = try await createAccount(role: .customer)
        let vendor = try await createAccount(role: .vendor)
        let sku = try await OrdersTests().makeProduct(stock: 5)
        let notes = "Ring twice, then \"knock\"\nBack door, gate code 1,2,3"
        let app = try await makeAccountsGateway()
        try await app.test(.router) { client in
            let token = try await client.login(customer.username).access
            let body =
                #"{"customer_name":"Ann, \"The\" Buyer","customer_email":"ann@example.com","shipping_address":"1 Main St","notes":"Ring twice, then \"knock\"\nBack door, gate code 1,2,3","items":[{"product_sku":"\#(sku)","quantity":2}]}"#
            let id = try #require(try await client.send(.post, "/api/orders", token: token, json: body).json?["id"] as? String)

            let vendorToken = try await client.login(vendor.username).access
            let export = try await client.send(.get, "/api/orders/export?user_id=\(customer.id)", token: vendorToken)
            #expect(export.status == .ok)
            #expect(export.headers[.contentType]?.hasPrefix("text/csv") == true)
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID().uuidString).csv")
            try Data(buffer: export.body).write(to: file)
            defer { try? FileManager.default.removeItem(at: file) }
            let check = """
                import csv, sys
                rows = list(csv.reader(open(sys.argv[1], newline=''), strict=True))
                assert rows[0][:3] == ['id', 'created_at', 'status'], rows[0]
                assert len(rows) == 2, len(rows)
                row = dict(zip(rows[0], rows[1]))
                assert row['id'] == sys.argv[2], row['id']
                assert row['notes'] == sys.argv[3], repr(row['notes'])
                assert row['customer_name'] == 'Ann, "The" Buyer', row['customer_name']
                assert row['items'] == sys.argv[4] + ' x2', row['items']
                assert row['items_count'] == '2'
                """
            let result = try await ChildProcess.run("/usr/bin/env", ["python3", "-c", check, file.path, id, notes, sku])
            #expect(result.status == 0, "\(result.standardError)")
            #expect(try await client.send(.get, "/api/orders/export", token: token).status == .forbidden)
        }
    }

    /// The export reads keyset pages of 500: 1,000 orders cross two page boundaries.
    @Test func exportListsEveryOrderOnceNewestFirstAcrossPages() async throws {
        let customer = try await createAccount(role: .customer)
        let vendor = try await createAccount(role: .vendor)
        try await bulkOrders(for: customer.id)
        let expected = try await TestStores.withDatabase(url: TestStores.databaseURL) { postgres in
            try await postgres.query(
                "SELECT id FROM orders WHERE user_id = \(customer.id) ORDER BY created_at DESC, id DESC", logger: TestStores.logger
            ).map { try $0.decode(UUID.self).uuidString.lowercased() }
        }
        let app = try await makeAccountsGateway()
        try await app.test(.router) { client in
            let token = try await client.login(vendor.username).access
            let export = try await client.send(.get, "/api/orders/export?user_id=\(customer.id)", token: token)
            #expect(export.status == .ok)
            let lines = String(buffer: export.body).split(separator: "\r\n").dropFirst()
            let ids = lines.map { String($0.prefix { $0 != "," }) }
            #expect(ids.count == 1000)
            #expect(ids == expected, "every order once, newest first")
        }
    }

    @Test func statsCountByStatusAndDay() async throws {
        let customer = try await createAccount(role: .customer)
        let vendor = try await createAccount(role: .vendor)
        let sku = try await OrdersTests().makeProduct(stock: 50, price: "2.50")
        let app = try await makeAccountsGateway()
        try await app.test(.router) { client in
            let token = try await client.login(customer.username).access
            let vendorToken = try await client.login(vendor.username).access
            var ids: [String] = []
            for quantity in 1...3 {
                ids.append(try #require(try await OrdersTests().place(client, token: token, [(sku, quantity)]).json?["id"] as? String))
            }
            _ = try await client.send(.post, "/api/orders/\(ids[0])/cancel", token: token)
            let stats = try await client.send(.get, "/api/orders/stats?user_id=\(customer.id)", token: vendorToken)
            #expect(stats.status == .ok)
            let body = try #require(stats.json)
            #expect((body["counts"] as? [String: Int])?["pending"] == 2)
            #expect((body["counts"] as? [String: Int])?["cancelled"] == 1)
            #expect(body["total_orders"] as? Int == 3)
            #expect((body["revenue"] as? [String: String])?["open"] == "12.50")
            let days = try #require(body["per_day"] as? [[String: Any]])
            #expect(days.count == 1)
            #expect(days.first?["orders"] as? Int == 3)
            #expect(try await client.send(.get, "/api/orders/stats", token: token).status == .forbidden)
        }
    }

    @Test func ownerEditsDetailsOnlyWhilePending() async throws {
        let customer = try await createAccount(role: .customer)
        let other = try await createAccount(role: .customer)
        let vendor = try await createAccount(role: .vendor)
        let sku = try await OrdersTests().makeProduct(stock: 5)
        let app = try await makeAccountsGateway()
        try await app.test(.router) { client in
            let token = try await client.login(customer.username).access
            let id = try #require(try await OrdersTests().place(client, token: token, [(sku, 1)]).json?["id"] as? String)
            let edited = try await client.send(
                .put, "/api/orders/\(id)", token: token, json: #"{"shipping_address":"2 New Rd","notes":null}"#)
            #expect(edited.status == .ok)
            #expect(edited.json?["shipping_address"] as? String == "2 New Rd")
            #expect(edited.json?["notes"] is NSNull)
            let otherToken = try await client.login(other.username).access
            #expect(try await client.send(.put, "/api/orders/\(id)", token: otherToken, json: #"{"notes":"mine now"}"#).status == .notFound)

            let vendorToken = try await client.login(vendor.username).access
            #expect(
                try await client.send(.put, "/api/orders/\(id)/status", token: vendorToken, json: #"{"status":"processing"}"#).status == .ok
            )
            #expect(try await client.send(.put, "/api/orders/\(id)", token: token, json: #"{"notes":"too late"}"#).status == .conflict)
            #expect(try await client.send(.put, "/api/orders/\(id)", token: vendorToken, json: #"{"notes":"staff note"}"#).status == .ok)
        }
    }
}
