import Foundation
import Logging
import Postgres
import PostgresNIO
import ProcessSupport
import Redis
import Store

/// Where the test stores started by `make test` listen (overridable for other setups).
public enum TestStores {
    public static let databaseURL =
        ProcessInfo.processInfo.environment["TEST_DATABASE_URL"]
        ?? "postgres://app@127.0.0.1:25433/orders"
    public static let redisURL =
        ProcessInfo.processInfo.environment["TEST_REDIS_URL"]
        ?? "redis://127.0.0.1:26380/0"

    /// The directory of the test Postgres' Unix socket and the test Redis' socket, as
    /// ops/local/with-stores.sh finds them (`make test`); nil when the tests run otherwise.
    public static let postgresSocketDirectory = ProcessInfo.processInfo.environment["TEST_POSTGRES_SOCKET_DIR"]
    public static let redisSocket = ProcessInfo.processInfo.environment["TEST_REDIS_SOCKET"]

    public static let logger: Logger = {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return logger
    }()

    /// A random signing key of this test process.
    public static let secretKey = (0..<4).map { _ in UUID().uuidString }.joined()

    /// Settings for an app under test: the test stores plus `overrides`.
    public static func settings(_ overrides: [String: String] = [:]) -> Settings {
        Settings.from(environment(overrides))
    }

    /// The same settings as environment variables, for a process a test starts.
    public static func environment(_ overrides: [String: String] = [:]) -> [String: String] {
        var values = [
            "ENV": "test",
            "DATABASE_URL": databaseURL,
            "REDIS_URL": redisURL,
            "LOG_LEVEL": "warning",
            "PORT": "0",
            "WORKER_PORT": "0",
            // Many suites run at once against one server: keep each client's pool small.
            "DATABASE_POOL_SIZE": "4",
            "METRICS_PORT": "0",
            // One key for every gateway of the test process, so a token outlives its app.
            "SECRET_KEY": secretKey,
        ]
        // `make test-cluster`: the suites it runs with the test settings use its Redis Cluster.
        if let nodes = ProcessInfo.processInfo.environment["TEST_REDIS_CLUSTER_NODES"] { values["REDIS_CLUSTER_NODES"] = nodes }
        values.merge(overrides) { _, new in new }
        return values
    }

    /// The Redis the test settings name: the test Redis, or `make test-cluster`'s cluster.
    public static func redisConfiguration() throws -> RedisConfiguration {
        try PlatformConfiguration(settings: settings()).redis
    }

    /// The test database, migrated once per test process (the migrator serialises concurrent callers).
    public static func migrated() async throws -> String {
        try await migrate(url: databaseURL)
    }

    /// `url` when given (a database of the test's own, migrated by it), else ``migrated()``.
    public static func migrated(or url: String?) async throws -> String {
        if let url { return url }
        return try await migrated()
    }

    /// The database at `url` (the test database, or one of ``withEmptyDatabase(_:)``), migrated.
    @discardableResult
    public static func migrate(url: String) async throws -> String {
        try await withDatabase(url: url) { database in
            try await Migrator(database: database, migrations: Migration.bundled(), logger: logger).migrate()
        }
        return url
    }

    /// Runs `body` with a running database pool for `url` (4 connections), shutting it down afterwards.
    @discardableResult
    public static func withDatabase<T: Sendable>(url: String, _ body: (Database) async throws -> T) async throws -> T {
        var configuration = try PostgresClient.Configuration(url: url)
        configuration.options.maximumConnections = 4
        let database = Database(configuration: configuration, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await database.run() }
            defer { group.cancelAll() }
            return try await body(database)
        }
    }

    /// Creates an empty database, hands its URL to `body`, and drops it afterwards.
    public static func withEmptyDatabase<T: Sendable>(_ body: (String) async throws -> T) async throws -> T {
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        guard var components = URLComponents(string: databaseURL) else { fatalError("bad TEST_DATABASE_URL") }
        try await withDatabase(url: databaseURL) { admin in
            try await admin.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger)
        }
        components.path = "/" + name
        let url = components.string!
        do {
            let result = try await body(url)
            try await dropDatabase(name)
            return result
        } catch {
            try? await dropDatabase(name)
            throw error
        }
    }

    private static func dropDatabase(_ name: String) async throws {
        try await withDatabase(url: databaseURL) { admin in
            try await admin.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), logger: logger)
        }
    }
}
