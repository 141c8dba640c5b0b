import Logging
import Postgres
import ProcessSupport
import Redis
import ServiceLifecycle

/// The store clients a process runs with, made in one place: its logger, the database (a
/// Postgres pool) and a Redis pool, configured as `PlatformConfiguration` says.
public struct StoreClients: Sendable {
    public let logger: Logger
    public let database: Database
    public let redis: RedisClient

    public init(_ configuration: PlatformConfiguration, label: String) {
        var logger = Logger(label: label)
        logger.logLevel = configuration.logLevel
        self.logger = logger
        self.database = Database(configuration: configuration.postgres, logger: logger)
        self.redis = RedisClient(configuration: configuration.redis, logger: logger)
    }

    /// Runs `body` while the database's pool runs (a command-line tool's lifetime), then stops it.
    public func withDatabase<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await database.run() }
            defer { group.cancelAll() }
            return try await body()
        }
    }
}
