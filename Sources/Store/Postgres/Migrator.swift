import Logging
import Postgres
import PostgresNIO

/// Applies versioned migrations in order, each in its own transaction, recorded in `schema_migrations`.
///
/// A transaction-scoped advisory lock serialises concurrent runs: a second process waits, then finds
/// nothing left to do.
public struct Migrator: Sendable {
    /// Arbitrary constant shared by every process of this platform ("orders" in ASCII).
    static let lockKey: Int64 = 0x6F72_6465_7273
    let database: Database
    let migrations: [Migration]
    let logger: Logger

    public init(database: Database, migrations: [Migration], logger: Logger) {
        self.database = database
        self.migrations = migrations
        self.logger = logger
    }

    /// Applies what is missing and returns the versions it applied.
    @discardableResult
    public func migrate() async throws -> [Int] {
        var applied: [Int] = []
        for migration in migrations {
            let didApply = try await database.transaction(logger: logger) { connection in
                try await connection.query("SELECT pg_advisory_xact_lock(\(Self.lockKey))", logger: logger)
                try await connection.query(
                    """
                    CREATE TABLE IF NOT EXISTS schema_migrations (
                        version integer PRIMARY KEY,
                        name text NOT NULL,
                        applied_at timestamptz NOT NULL DEFAULT now()
                    )
                    """,
                    logger: logger
                )
                let version = migration.version
                let rows = try await connection.query("SELECT 1 FROM schema_migrations WHERE version = \(version)", logger: logger)
                if !rows.isEmpty { return false }
                for statement in SQLScript.statements(migration.sql) {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query(
                    "INSERT INTO schema_migrations (version, name) VALUES (\(version), \(migration.name))",
                    logger: logger
                )
                return true
            }
            if didApply {
                logger.info(
                    "applied migration", metadata: ["migration.version": "\(migration.version)", "migration.name": "\(migration.name)"])
                applied.append(migration.version)
            }
        }
        return applied
    }

    /// The highest applied version, 0 for an empty database.
    public func currentVersion() async throws -> Int {
        let exists =
            try await database.query("SELECT to_regclass('schema_migrations') IS NOT NULL", logger: logger)
            .first?.decode(Bool.self) ?? false
        guard exists else { return 0 }
        return try await database.query("SELECT coalesce(max(version), 0) FROM schema_migrations", logger: logger)
            .first?.decode(Int.self) ?? 0
    }

    /// Throws unless the database has every migration this build ships.
    public func requireCurrentSchema() async throws {
        let needed = migrations.last?.version ?? 0
        let current = try await currentVersion()
        guard current >= needed else {
            throw MigrationError(
                .schemaTooOld,
                "the database schema is at version \(current) but this build needs \(needed): run `gateway migrate` first"
            )
        }
    }
}
