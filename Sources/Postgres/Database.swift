import Logging
import NIOConcurrencyHelpers
import PostgresNIO
import ServiceLifecycle

/// The one way this project talks to Postgres: every statement of every process (repositories,
/// the event relay, the reconciler, the migrator, health checks) and of every test runs through
/// here or through the ``DatabaseConnection`` it lends (`QueryPathTests` fails the build on any
/// other path).
///
/// Rows are collected on the connection's event loop by postgres-nio's future API, never consumed
/// as an async `PostgresRowSequence`. In postgres-nio 1.33.2 a row sequence rests in
/// `.waitingForDemand` after every batch until its consumer asks for more, and a server closing
/// the socket in that moment (`pg_ctl restart -m immediate`) traps the process
/// (`RowStreamStateMachine.swift:94`). The future API asks for the next batch inside the batch it
/// was handed, so no stream ever rests there (docs/postgres-nio-pool-restart.md).
///
/// A result is held whole in memory: callers read pages (lists, the export), never a whole table.
/// Every error a statement or a lease throws is a ``DatabaseError``.
public struct Database: Service, Sendable {
    let lanes: DatabaseLanes

    /// Connections on `eventLoopGroup` (by default postgres-nio's, NIO's shared one), at most
    /// `maximumConnections` of the configuration's options, `minimumConnections` of them kept
    /// open, each other one closed once unused for `connectionIdleTimeout` (``DatabaseLanes``).
    public init(
        configuration: PostgresClient.Configuration, eventLoopGroup: any EventLoopGroup = PostgresClient.defaultEventLoopGroup,
        logger: Logger
    ) {
        lanes = DatabaseLanes(configuration: configuration, eventLoopGroup: eventLoopGroup, logger: logger)
    }

    /// Runs the connections' pools until the service group shuts down.
    public func run() async {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await lanes.sweep() }
                for await start in lanes.starts {
                    group.addTask {
                        await withDiscardingTaskGroup { lane in
                            lane.addTask { await start.client.run() }
                            lane.addTask { await lanes.hold(start) }
                            for await _ in start.stop {}
                            lane.cancelAll()
                        }
                    }
                }
                lanes.shutDown()
                group.cancelAll()
            }
        }
        lanes.shutDown()
        // A lease still out (an unstructured task of a caller's) must come back before this
        // returns: the caller may then shut down the event loops its connection used. Its
        // statements fail at once now that the connections are closed. In a task of its own,
        // since this one may be cancelled.
        await Task { await lanes.untilReturned(within: .seconds(10)) }.value
    }

    /// Runs `query` on a pooled connection and returns its rows.
    @discardableResult
    public func query(_ query: PostgresQuery, logger: Logger) async throws -> [DatabaseRow] {
        try await withConnection { try await $0.query(query, logger: logger) }
    }

    /// Runs `statement`, prepared once per pooled connection, and returns its decoded rows.
    @discardableResult
    public func execute<Statement: PreparedStatement>(_ statement: Statement, logger: Logger) async throws -> [Statement.Row] {
        try await withConnection { try await $0.execute(statement, logger: logger) }
    }

    /// Runs `statement` alone in a transaction on a pooled connection, COMMIT queued with it, at
    /// `start` if given (``DatabaseConnection/executeInTransaction(_:startingAt:logger:)``).
    @discardableResult
    public func executeInTransaction<Statement: PreparedStatement>(
        _ statement: Statement, startingAt start: ContinuousClock.Instant? = nil, logger: Logger
    ) async throws -> [Statement.Row] {
        try await withConnection { try await $0.executeInTransaction(statement, startingAt: start, logger: logger) }
    }

    /// Opens up to `count` pooled connections at once and prepares `statements` on each (and a
    /// transaction's BEGIN, COMMIT and ROLLBACK), so that work expected soon finds them open and
    /// planned (a new connection's first statements pay for its start, its catalog caches and its
    /// plans). Each lease is held until all are prepared (at most `hold`), so no two of them share
    /// a connection. Failures are ignored: this only saves time.
    public func warm(connections count: Int, preparing statements: [any PreparedStatement.Type], hold: Duration = .milliseconds(500)) async
    {
        let prepared = NIOLockedValueBox(0)
        await withDiscardingTaskGroup { group in
            for _ in 0..<max(0, count) {
                group.addTask {
                    _ = try? await withConnection { connection in
                        for statement in statements + TransactionControl.statements {
                            _ = try? await connection.prepare(statement)
                        }
                        prepared.withLockedValue { $0 += 1 }
                        let until = ContinuousClock.now + hold
                        while prepared.withLockedValue({ $0 }) < count && ContinuousClock.now < until {
                            try await Task.sleep(for: .milliseconds(5))
                        }
                    }
                }
            }
        }
    }

    /// Lends a pooled connection to `body` (several statements in a row on one session); it goes
    /// back to the pool when `body` returns or throws. What `body` throws comes out unchanged.
    nonisolated(nonsending) public func withConnection<Result: Sendable>(
        _ body: nonisolated(nonsending) (DatabaseConnection) async throws -> sending Result
    ) async throws -> Result {
        let lease: DatabaseLanes.Lease
        do { lease = try await lanes.lease() } catch { throw DatabaseError(error) }
        defer { lanes.release(lease) }
        return try await body(DatabaseConnection(connection: lease.connection, statements: lease.statements))
    }

    /// Runs `body` in a transaction on a pooled connection: committed when it returns, rolled
    /// back when it throws (and what it threw comes out unchanged).
    nonisolated(nonsending) public func transaction<Result: Sendable>(
        logger: Logger, _ body: nonisolated(nonsending) (DatabaseConnection) async throws -> sending Result
    ) async throws -> Result {
        try await withConnection { connection in try await connection.transaction(logger: logger, body) }
    }
}
