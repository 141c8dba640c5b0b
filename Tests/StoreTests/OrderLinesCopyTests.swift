import Foundation
import Postgres
import PostgresNIO
import TestSupport
import Testing

@testable import Store

/// `orders.lines` (migration 0009), the copy of an order's `order_items` that every read of an
/// order returns: a create writes it once and equal to the lines it writes, every other write to
/// `order_items` is followed in its own transaction, and the migration copies the lines written
/// before it.
@Suite("An order's copy of its lines", .timeLimit(.minutes(2)))
struct OrderLinesCopyTests {
    let logger = TestStores.logger

    // MARK: A create

    @Test func aCreateWritesTheCopyOnceAndEqualToItsLines() async throws {
        try await TestShop.with { shop in
            var products: [Product] = []
            for _ in 0..<4 { products.append(try await shop.product(stock: 100)) }
            let customer = try await shop.actor(.customer)
            // Lines asked for out of SKU order, with quantities that make totals of other scales.
            let lines = products.shuffled().enumerated().map { ($0.element.sku, $0.offset * 3 + 1) }
            let order = try await shop.orders.place(
                OrderInput(TestShop.contact, lines: lines), by: customer, idempotencyKey: nil, logger: shop.logger
            ).order
            let (copy, recorded) = try await copyAndLines(of: order.id, on: shop.database)
            #expect(copy == recorded)
            #expect(try await linesCount(of: order.id, on: shop.database) == 4)
            // The trigger found the copy equal and wrote no second version of the row: the row
            // is still the one the create's statement inserted with its lines.
            let versions = try await shop.database.query(
                """
                SELECT o.cmin::text, i.cmin::text FROM orders o JOIN order_items i ON i.order_id = o.id WHERE o.id = \(order.id)
                """,
                logger: logger)
            var commands: [(String, String)] = []
            for row in versions { commands.append(try row.decode((String, String).self)) }
            #expect(commands.count == 4)
            for (orderCommand, lineCommand) in commands { #expect(orderCommand == lineCommand) }
        }
    }

    // MARK: Other writers

    @Test func writesToTheLinesByHandAreFollowed() async throws {
        try await TestShop.with { shop in
            let (first, second, third) = (
                try await shop.product(stock: 100), try await shop.product(stock: 100), try await shop.product(stock: 100)
            )
            let customer = try await shop.actor(.customer)
            let (one, two) = (try await shop.place(first, by: customer), try await shop.place(first, by: customer))

            // One statement adding lines to both orders.
            try await shop.database.query(
                """
                INSERT INTO order_items (id, order_id, product_id, product_sku, product_name, quantity, unit_price, total_price)
                SELECT gen_random_uuid(), o, p.id, p.sku, p.name, 2, p.price, p.price * 2
                FROM unnest(\([one.id, two.id])::uuid[]) AS o, products p WHERE p.id IN (\(second.id), \(third.id))
                """,
                logger: logger)
            for order in [one, two] {
                #expect(try await linesCount(of: order.id, on: shop.database) == 3)
                let (copy, recorded) = try await copyAndLines(of: order.id, on: shop.database)
                #expect(copy == recorded)
            }

            try await shop.database.query(
                "UPDATE order_items SET quantity = 7, total_price = unit_price * 7 WHERE order_id = \(one.id) AND product_id = \(second.id)",
                logger: logger)
            let changed = try #require(try await PostgresOrderRepository(database: shop.database).find(id: one.id, logger: logger))
            #expect(changed.items.first { $0.productID == second.id }?.quantity == 7)
            var (copy, recorded) = try await copyAndLines(of: one.id, on: shop.database)
            #expect(copy == recorded)

            try await shop.database.query(
                "DELETE FROM order_items WHERE product_id = \(third.id) AND order_id IN (\(one.id), \(two.id))", logger: logger)
            for order in [one, two] {
                #expect(try await linesCount(of: order.id, on: shop.database) == 2)
                (copy, recorded) = try await copyAndLines(of: order.id, on: shop.database)
                #expect(copy == recorded)
            }
        }
    }

    // MARK: The migration

    @Test func theMigrationCopiesLinesWrittenBeforeItAndTruncationEmptiesTheCopies() async throws {
        try await TestStores.withEmptyDatabase { url in
            try await TestStores.withDatabase(url: url) { database in
                try await migrate(database, upTo: 8)
                let (user, order, empty) = (UUID(), UUID(), UUID())
                try await database.query(
                    "INSERT INTO users (id, username, email, password_hash) VALUES (\(user), 'linesuser', 'lines@example.com', 'x')",
                    logger: logger)
                try await database.query(
                    """
                    INSERT INTO products (id, sku, name, category, price, stock)
                    SELECT gen_random_uuid(), 'LINE-' || n, 'Line ' || n, 'test', n * 1.25, 10 FROM generate_series(1, 3) AS n
                    """,
                    logger: logger)
                try await database.query(
                    """
                    INSERT INTO orders (id, user_id, customer_name, customer_email, shipping_address, total_amount, currency,
                                        auto_process_at, cancellable_until)
                    SELECT o, \(user), 'Lines', 'lines@example.com', 'Somewhere', 1, 'USD', now(), now()
                    FROM unnest(\([order, empty])::uuid[]) AS o
                    """,
                    logger: logger)
                try await database.query(
                    """
                    INSERT INTO order_items (id, order_id, product_id, product_sku, product_name, quantity, unit_price, total_price)
                    SELECT gen_random_uuid(), \(order), id, sku, name, 3, price, price * 3 FROM products ORDER BY sku DESC
                    """,
                    logger: logger)

                try await migrate(database)
                #expect(try await linesCount(of: order, on: database) == 3)
                #expect(try await linesCount(of: empty, on: database) == 0)
                let (copy, recorded) = try await copyAndLines(of: order, on: database)
                #expect(copy == recorded)
                let read = try #require(try await PostgresOrderRepository(database: database).find(id: order, logger: logger))
                #expect(read.items.map(\.productSKU) == ["LINE-1", "LINE-2", "LINE-3"])

                try await database.query("TRUNCATE order_items", logger: logger)
                #expect(try await linesCount(of: order, on: database) == 0)
            }
        }
    }

    // MARK: Helpers

    /// Applies the bundled migrations up to `version` (all when nil).
    func migrate(_ database: Database, upTo version: Int? = nil) async throws {
        let migrations = try Migration.bundled().filter { version == nil || $0.version <= version! }
        try await Migrator(database: database, migrations: migrations, logger: logger).migrate()
    }

    /// The order's copy of its lines and its lines read again from `order_items` in the copy's
    /// order, both as Postgres writes them as text (so a price's scale counts too).
    func copyAndLines(of order: UUID, on database: Database) async throws -> (copy: String, recorded: String) {
        let rows = try await database.query(
            """
            SELECT o.lines::text,
                   ARRAY(SELECT row(i.id, i.product_id, i.product_sku, i.product_name, i.product_description, i.quantity,
                                    i.unit_price, i.total_price)::order_line
                         FROM order_items i WHERE i.order_id = o.id ORDER BY i.product_sku, i.id)::text
            FROM orders o WHERE o.id = \(order)
            """,
            logger: logger)
        return try #require(rows.first, "order \(order) is not in the table").decode((String, String).self)
    }

    /// How many lines the order's copy holds.
    func linesCount(of order: UUID, on database: Database) async throws -> Int? {
        try await database.scalar("SELECT cardinality(lines) FROM orders WHERE id = \(order)", as: Int.self)
    }
}
