import Logging
import Postgres
import PostgresNIO
import Store
import TestSupport
import Testing

@Suite("Migrations", .timeLimit(.minutes(2)))
struct MigrationTests {
    let logger = TestStores.logger

    // MARK: Helpers

    func migrator(_ client: Database) throws -> Migrator {
        Migrator(database: client, migrations: try Migration.bundled(), logger: logger)
    }

    func tables(_ client: Database) async throws -> Set<String> {
        let rows = try await client.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public'", logger: logger)
        return Set(try rows.map { try $0.decode(String.self) })
    }

    // MARK: Tests

    @Test func bundledMigrationsAreOrderedAndNumbered() throws {
        let migrations = try Migration.bundled()
        #expect(migrations.first?.version == 1)
        #expect(migrations.map(\.version) == migrations.map(\.version).sorted())
        #expect(Set(migrations.map(\.version)).count == migrations.count)
    }

    @Test func appliesOnAnEmptyDatabaseThenIsANoOp() async throws {
        try await TestStores.withEmptyDatabase { url in
            try await TestStores.withDatabase(url: url) { client in
                let migrator = try migrator(client)
                await #expect(throws: MigrationError.self) { try await migrator.requireCurrentSchema() }
                #expect(try await migrator.currentVersion() == 0)

                let first = try await migrator.migrate()
                #expect(first == (try Migration.bundled().map(\.version)))
                #expect(
                    try await tables(client).isSuperset(of: [
                        "users", "products", "orders", "order_items", "order_events", "schema_migrations",
                    ]))
                try await migrator.requireCurrentSchema()

                let second = try await migrator.migrate()
                #expect(second.isEmpty)
                #expect(try await client.scalar("SELECT count(*) FROM schema_migrations", as: Int.self) == first.count)
            }
        }
    }

    @Test func concurrentRunsDoNotConflict() async throws {
        try await TestStores.withEmptyDatabase { url in
            // Two separate clients stand for two processes starting at the same moment.
            async let a = TestStores.withDatabase(url: url) { try await migrator($0).migrate() }
            async let b = TestStores.withDatabase(url: url) { try await migrator($0).migrate() }
            let (appliedByA, appliedByB) = try await (a, b)
            #expect((appliedByA + appliedByB).sorted() == (try Migration.bundled().map(\.version)))
        }
    }

    @Test func schemaEnforcesStockAndStatusRules() async throws {
        try await TestStores.withEmptyDatabase { url in
            try await TestStores.withDatabase(url: url) { client in
                try await migrator(client).migrate()
                let id = UUIDv7.make()
                try await client.query(
                    "INSERT INTO products (id, sku, name, category, price, stock) VALUES (\(id), 'SKU-1', 'Thing', 'Books', 9.99, 1)",
                    logger: logger
                )
                let stockBelowZero = await #expect(throws: DatabaseError.self) {
                    try await client.query("UPDATE products SET stock = stock - 2 WHERE id = \(id)", logger: logger)
                }
                #expect(stockBelowZero?.sqlState == "23514")
                let duplicateSKU = await #expect(throws: DatabaseError.self) {
                    try await client.query(
                        "INSERT INTO products (id, sku, name, category, price) VALUES (\(UUIDv7.make()), 'SKU-1', 'Again', 'Books', 1)",
                        logger: logger
                    )
                }
                #expect(duplicateSKU?.isUniqueViolation == true)
            }
        }
    }
}
