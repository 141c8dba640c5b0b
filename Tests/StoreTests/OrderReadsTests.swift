import Foundation
import Postgres
import Testing

@testable import Store

/// Reads of orders on the real database: the statement that reads several at once, reads
/// gathered into it by ``ReadBatcher`` answering each caller with its own order, and an order's
/// lines in SKU order from every statement that reads orders.
@Suite("Order reads", .timeLimit(.minutes(1)))
struct OrderReadsTests {
    // MARK: Reads by id

    @Test func theStatementForSeveralIdsReadsEachOrderAsTheOneForOneDoes() async throws {
        try await TestShop.with { shop in
            let expected = try await Self.ordersReadAlone(in: shop)
            let ids = Array(expected.keys) + [UUID(), UUID()]
            let read = try await shop.database.execute(OrdersByIDStatement(ids: ids), logger: shop.logger)
            #expect(read.count == expected.count)
            #expect(Dictionary(uniqueKeysWithValues: read.map { ($0.id, $0) }) == expected)
            #expect(try await shop.database.execute(OrdersByIDStatement(ids: [UUID()]), logger: shop.logger).isEmpty)
        }
    }

    @Test func readsWaitingTogetherAnswerEachCallerWithItsOwnOrder() async throws {
        try await TestShop.with { shop in
            let expected = try await Self.ordersReadAlone(in: shop)
            // One read at a time: the other callers wait and go together into the next statement.
            let batched = PostgresOrderRepository(database: shop.database, readsAtOnce: 1)
            let ids = (Array(expected.keys) + [UUID(), UUID()]).flatMap { [$0, $0, $0] }.shuffled()
            let found = try await withThrowingTaskGroup(of: (UUID, Order?).self) { group in
                for id in ids { group.addTask { (id, try await batched.find(id: id, logger: shop.logger)) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(found.count == ids.count)
            for (id, order) in found { #expect(order == expected[id], "order \(id)") }
        }
    }

    // MARK: Lines by SKU

    @Test func anOrdersLinesComeBySKUWhateverOrderTheTableKeepsThemIn() async throws {
        try await TestShop.with { shop in
            var products: [Product] = []
            for _ in 0..<3 { products.append(try await shop.product(stock: 100)) }
            products.sort { $0.sku < $1.sku }
            let customer = try await shop.actor(.customer)
            let placed = try await shop.place(products[2], by: customer)
            // The other lines written after the placed one, the lowest SKU last: the table keeps
            // them in the reverse of SKU order, and Postgres reads them back so.
            for product in products[..<2].reversed() {
                try await shop.database.query(
                    """
                    INSERT INTO order_items (id, order_id, product_id, product_sku, product_name, quantity, unit_price, total_price)
                    VALUES (\(UUID()), \(placed.id), \(product.id), \(product.sku), \(product.name), 1, 12.50, 12.50)
                    """, logger: shop.logger)
            }
            let skus = products.map(\.sku)
            let repository = PostgresOrderRepository(database: shop.database)
            let found = try #require(try await repository.find(id: placed.id, logger: shop.logger))
            #expect(found.items.map(\.productSKU) == skus, "read by id")
            let batch = try await shop.database.execute(OrdersByIDStatement(ids: [placed.id]), logger: shop.logger)
            #expect(batch.map { $0.items.map(\.productSKU) } == [skus], "read with others by id")
            let page = try await repository.list(OrderQuery(userID: customer.id), logger: shop.logger)
            #expect(page.orders.map { $0.items.map(\.productSKU) } == [skus], "the customer's prepared page")
            let listed = try await repository.list(OrderQuery(userID: customer.id, sort: .largest), logger: shop.logger)
            #expect(listed.orders.map { $0.items.map(\.productSKU) } == [skus], "a list of the general statement")
        }
    }

    // MARK: Helpers

    /// Six orders of three customers (``orders(in:)``), each as a read of it alone finds it.
    static func ordersReadAlone(in shop: TestShop) async throws -> [UUID: Order] {
        let single = PostgresOrderRepository(database: shop.database, readsAtOnce: 100)
        var read: [UUID: Order] = [:]
        for order in try await orders(in: shop) {
            read[order.id] = try #require(try await single.find(id: order.id, logger: shop.logger))
        }
        return read
    }

    /// Six orders of three customers, of one and of two products (lines in twos).
    static func orders(in shop: TestShop) async throws -> [Order] {
        let (first, second) = (try await shop.product(stock: 100), try await shop.product(stock: 100))
        var placed: [Order] = []
        for _ in 0..<3 {
            let customer = try await shop.actor(.customer)
            placed.append(try await shop.place(first, quantity: 2, by: customer))
            placed.append(
                try await shop.orders.place(
                    OrderInput(TestShop.contact, lines: [(first.sku, 1), (second.sku, 3)]), by: customer, idempotencyKey: nil,
                    logger: shop.logger
                ).order)
        }
        return placed
    }
}
