import Logging
import Postgres
import Redis

/// Answers "can this process reach its stores right now?" for the health endpoints.
public struct StoreHealth: Sendable {
    /// Which stores answered.
    public struct Report: Sendable, Equatable {
        public var database: Bool
        public var redis: Bool
        public var isHealthy: Bool { database && redis }
    }

    let database: Database
    let redis: RedisClient
    let timeout: Duration

    public init(database: Database, redis: RedisClient, timeout: Duration = .seconds(2)) {
        self.database = database
        self.redis = redis
        self.timeout = timeout
    }

    /// Pings both stores at once; a store that does not answer within the timeout counts as down.
    public func check(logger: Logger) async -> Report {
        async let database = answers(within: timeout, logger: logger, store: "postgres") { [database] in
            try await database.query("SELECT 1", logger: logger)
        }
        async let redis = answers(within: timeout, logger: logger, store: "redis") { [redis] in
            _ = try await redis.send(RedisCommand("PING"), timeout: .milliseconds(Int64(timeout.components.seconds * 1000)), logger: logger)
        }
        return await Report(database: database, redis: redis)
    }

    /// True when `probe` finishes without error within `limit`. A probe stuck behind a dead store is
    /// abandoned (cancelled, not awaited), so the health answer itself never hangs.
    private func answers(
        within limit: Duration, logger: Logger, store: String,
        _ probe: @escaping @Sendable () async throws -> Void
    ) async -> Bool {
        let race = RaceOnce<Bool>()
        return await withCheckedContinuation { continuation in
            race.arm(continuation)
            let work = Task {
                do {
                    try await probe()
                    race.finish(true)
                } catch {
                    logger.warning("store health check failed", metadata: Logger.Metadata.describing(error, ["store": "\(store)"]))
                    race.finish(false)
                }
            }
            Task {
                try? await Task.sleep(for: limit)
                if race.finish(false) {
                    logger.warning("store health check timed out", metadata: ["store": "\(store)"])
                    work.cancel()
                }
            }
        }
    }
}
