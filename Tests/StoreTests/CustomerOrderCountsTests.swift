import Foundation
import Postgres
import PostgresNIO
import Store
import TestSupport
import Testing

/// `customer_order_counts` (migration 0008), which a customer's page of orders reads its total
/// from: it must equal a count of the customer's orders after anything that writes orders.
@Suite("Customer order counts", .timeLimit(.minutes(2)))
struct CustomerOrderCountsTests {
    let logger = TestStores.logger

    // MARK: Helpers

    /// Applies the bundled migrations up to `version` (all when nil).
    func migrate(_ database: Database, upTo version: Int? = nil) async throws {
        let migrations = try Migration.bundled().filter { version == nil || $0.version <= version! }
        try await Migrator(database: database, migrations: migrations, logger: logger).migrate()
    }

    /// A customer account written straight to the table.
    func customer(_ database: Database) async throws -> UUID {
        let id = UUID()
        let name = "c" + id.uuidString.prefix(12).lowercased()
        try await database.query(
            "INSERT INTO users (id, username, email, password_hash) VALUES (\(id), \(name), \(name + "@example.com"), 'x')",
            logger: logger)
        return id
    }

    /// `count` orders for `user` in one statement.
    func place(_ count: Int, for user: UUID, on database: Database) async throws {
        try await database.query(
            """
            INSERT INTO orders (id, user_id, customer_name, customer_email, shipping_address, total_amount, currency,
                                auto_process_at, cancellable_until)
            SELECT gen_random_uuid(), \(user), 'Count', 'count@example.com', 'Somewhere', 1, 'USD', now(), now()
            FROM generate_series(1, \(count))
            """,
            logger: logger)
    }

    /// Each customer's kept count and their orders counted, side by side.
    func counts(_ database: Database) async throws -> (kept: [UUID: Int], counted: [UUID: Int]) {
        func read(_ query: PostgresQuery) async throws -> [UUID: Int] {
            var counts: [UUID: Int] = [:]
            for row in try await database.query(query, logger: logger) {
                let (user, count) = try row.decode((UUID, Int).self)
                if count > 0 { counts[user] = count }
            }
            return counts
        }
        return (
            try await read("SELECT user_id, orders FROM customer_order_counts"),
            try await read("SELECT user_id, count(*) FROM orders GROUP BY user_id")
        )
    }

    // MARK: Tests

    @Test func theCountsFollowInsertsDeletesAndTruncation() async throws {
        try await TestStores.withEmptyDatabase { url in
            try await TestStores.withDatabase(url: url) { database in
                try await migrate(database)
                let (ann, bob) = (try await customer(database), try await customer(database))
                try await place(300, for: ann, on: database)
                try await place(1, for: bob, on: database)
                try await place(2, for: ann, on: database)
                var (kept, counted) = try await counts(database)
                #expect(kept == [ann: 302, bob: 1])
                #expect(kept == counted)

                // One statement removing orders of both customers.
                try await database.query(
                    """
                    DELETE FROM orders WHERE id IN (
                        (SELECT id FROM orders WHERE user_id = \(ann) LIMIT 100) UNION ALL (SELECT id FROM orders WHERE user_id = \(bob)))
                    """,
                    logger: logger)
                (kept, counted) = try await counts(database)
                #expect(kept == [ann: 202])
                #expect(kept == counted)

                let moved = await #expect(throws: DatabaseError.self) {
                    try await database.query(
                        "UPDATE orders SET user_id = \(bob) WHERE id = (SELECT id FROM orders WHERE user_id = \(ann) LIMIT 1)",
                        logger: logger)
                }
                #expect(moved?.sqlState == "23514")

                try await database.query("TRUNCATE orders CASCADE", logger: logger)
                #expect(try await database.scalar("SELECT count(*) FROM customer_order_counts", as: Int.self) == 0)
                try await place(5, for: bob, on: database)
                #expect(try await counts(database).kept == [bob: 5])
            }
        }
    }

    @Test func theMigrationCountsTheOrdersPlacedBeforeIt() async throws {
        try await TestStores.withEmptyDatabase { url in
            try await TestStores.withDatabase(url: url) { database in
                try await migrate(database, upTo: 7)
                let (ann, bob, cy) = (try await customer(database), try await customer(database), try await customer(database))
                try await place(40, for: ann, on: database)
                try await place(3, for: bob, on: database)
                try await migrate(database)
                let (kept, counted) = try await counts(database)
                #expect(kept == [ann: 40, bob: 3])
                #expect(kept == counted)
                try await place(1, for: cy, on: database)
                #expect(try await counts(database).kept == [ann: 40, bob: 3, cy: 1])
            }
        }
    }

    @Test func concurrentWritersLoseNoCount() async throws {
        try await TestStores.withEmptyDatabase { url in
            try await TestStores.withDatabase(url: url) { database in
                try await migrate(database)
                let customers = [try await customer(database), try await customer(database)]
                // Eight writers at once, each placing orders for both customers in one statement
                // and alone, and removing some, in its own transactions.
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for writer in 0..<8 {
                        group.addTask {
                            try await TestStores.withDatabase(url: url) { connection in
                                for round in 0..<10 {
                                    try await connection.query(
                                        """
                                        INSERT INTO orders (id, user_id, customer_name, customer_email, shipping_address, total_amount,
                                                            currency, auto_process_at, cancellable_until)
                                        SELECT gen_random_uuid(), u, 'Count', 'count@example.com', 'Somewhere', 1, 'USD', now(), now()
                                        FROM unnest(\(customers)::uuid[]) AS u, generate_series(1, \(round % 3 + 1))
                                        """,
                                        logger: logger)
                                    try await place(1, for: customers[writer % 2], on: connection)
                                    if round % 4 == 3 {
                                        try await connection.query(
                                            "DELETE FROM orders WHERE id = (SELECT id FROM orders WHERE user_id = \(customers[round % 2]) LIMIT 1)",
                                            logger: logger)
                                    }
                                }
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                let (kept, counted) = try await counts(database)
                #expect(kept == counted)
                #expect(counted.values.reduce(0, +) > 0)
            }
        }
    }
}
