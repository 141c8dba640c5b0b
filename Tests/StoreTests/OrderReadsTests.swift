import Foundation
import Postgres
import Testing

@testable import Store

/// Reads of orders by id on the real database: the statement that reads several at once, and
/// reads gathered into it by ``ReadBatcher`` answering each caller with its own order.
@Suite("Order reads by id", .timeLimit(.minutes(1)))
struct OrderReadsTests {
    @Test func theStatementForSeveralIdsReadsEachOrderAsTheOneForOneDoes() async throws {
        try await TestShop.with { shop in
            let placed = try await Self.orders(in: shop)
            let single = PostgresOrderRepository(database: shop.database, readsAtOnce: 100)
            var expected: [UUID: Order] = [:]
            for order in placed { expected[order.id] = try #require(try await single.find(id: order.id, logger: shop.logger)) }
            let ids = placed.map(\.id) + [UUID(), UUID()]
            let read = try await shop.database.execute(OrdersByIDStatement(ids: ids), logger: shop.logger)
            #expect(read.count == placed.count)
            #expect(Dictionary(uniqueKeysWithValues: read.map { ($0.id, $0) }) == expected)
            #expect(try await shop.database.execute(OrdersByIDStatement(ids: [UUID()]), logger: shop.logger).isEmpty)
        }
    }

    @Test func readsWaitingTogetherAnswerEachCallerWithItsOwnOrder() async throws {
        try await TestShop.with { shop in
            let placed = try await Self.orders(in: shop)
            let single = PostgresOrderRepository(database: shop.database, readsAtOnce: 100)
            var expected: [UUID: Order] = [:]
            for order in placed { expected[order.id] = try #require(try await single.find(id: order.id, logger: shop.logger)) }
            // One read at a time: the other callers wait and go together into the next statement.
            let batched = PostgresOrderRepository(database: shop.database, readsAtOnce: 1)
            let ids = (placed.map(\.id) + [UUID(), UUID()]).flatMap { [$0, $0, $0] }.shuffled()
            let found = try await withThrowingTaskGroup(of: (UUID, Order?).self) { group in
                for id in ids { group.addTask { (id, try await batched.find(id: id, logger: shop.logger)) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(found.count == ids.count)
            for (id, order) in found { #expect(order == expected[id], "order \(id)") }
        }
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
