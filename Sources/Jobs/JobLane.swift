import Logging
import NIOPosix
import Postgres
import ProcessSupport
import Redis
import ServiceLifecycle

/// A thread of its own for one job kind beside others in the same process: its claim loop and
/// batches run there, and so do the I/O of its own Postgres pool and Redis connections.
///
/// Transitions get one when the worker also delivers or pays: a backlog of deliveries keeps
/// Swift's shared pool and the shared event loops busy, and an order falling due would wait its
/// turn behind them (their lateness p99 beside 8,000 deliveries with two such workers: BENCHMARKS.md).
struct JobLane: Sendable {
    let group: MultiThreadedEventLoopGroup
    let executor: EventLoopTaskExecutor
    let database: Database
    let redis: RedisClient

    /// A lane whose pool has `connections` Postgres connections and whose Redis pool is
    /// configured as the platform's.
    init(_ platform: PlatformConfiguration, connections: Int, logger: Logger) {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        executor = EventLoopTaskExecutor(eventLoop: group.next())
        var postgres = platform.postgres
        postgres.options.maximumConnections = min(connections, postgres.options.maximumConnections)
        database = Database(configuration: postgres, eventLoopGroup: group, logger: logger)
        redis = RedisClient(configuration: platform.redis, eventLoopGroup: group, logger: logger)
    }

    /// Its clients as services, to run before the worker that uses them; its thread stops after
    /// them (services stop in reverse order).
    var services: [any Service] {
        [OnShutdown { [group] in try? await group.shutdownGracefully() }, database, redis]
    }
}
