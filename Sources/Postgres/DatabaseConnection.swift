import Logging
import NIOCore
import PostgresNIO

/// A pooled connection lent by ``Database/withConnection(_:)``: statements run one after
/// another on one session. It must not outlive the closure it was lent to.
///
/// Each statement is submitted on the connection's own event loop, so the callback that
/// collects its rows is in place before the first answer can arrive.
public struct DatabaseConnection: Sendable {
    let connection: PostgresConnection
    let statements: PreparedStatements

    /// Runs `query` (parsed and planned each time: for statements built per request) and
    /// returns its rows.
    @discardableResult
    public func query(_ query: PostgresQuery, logger: Logger) async throws -> [DatabaseRow] {
        let connection = connection
        do {
            return try await connection.submitAndWait { connection.query(query, logger: logger) }.rows.map {
                DatabaseRow($0)
            }
        } catch {
            throw DatabaseError(error)
        }
    }

    /// Runs `statement`, prepared on this connection the first time it is used here, and returns
    /// its decoded rows.
    @discardableResult
    public func execute<Statement: PreparedStatement>(_ statement: Statement, logger: Logger) async throws -> [Statement.Row] {
        try await run(statement) { prepared, values in prepared.execute(values) }
    }

    /// Runs `statement` alone in a transaction and returns its rows once COMMIT has answered.
    /// The statement and COMMIT are queued on the connection together, so COMMIT goes out the
    /// moment the statement is answered, without a hop back to the calling task (on a busy
    /// machine each such hop waits for a thread to be scheduled); a statement that fails aborts
    /// the transaction, and the queued COMMIT then ends it as a rollback. With `start`, BEGIN goes
    /// out at once and the statement at `start`, by a timer of the connection's own event loop:
    /// nothing else has to be scheduled to send it (the statement must then read the time with
    /// `statement_timestamp()`, not `now()`, which is BEGIN's).
    public func executeInTransaction<Statement: PreparedStatement>(
        _ statement: Statement, startingAt start: ContinuousClock.Instant? = nil, logger: Logger
    ) async throws -> [Statement.Row] {
        let connection = connection
        let deadline = start.map { NIODeadline.now() + .nanoseconds(Self.nanoseconds($0 - .now)) }
        let begin: PreparedQuery
        let commit: PreparedQuery
        do {
            begin = try await statements.prepared(TransactionControl.Begin.self, on: connection)
            commit = try await statements.prepared(TransactionControl.Commit.self, on: connection)
        } catch {
            throw DatabaseError(error)
        }
        return try await run(statement) { prepared, values in
            // Later on the loop (BEGIN answered, or the timer) the connection may have closed.
            let runAndCommit = {
                connection.ifOpen {
                    let run = prepared.execute(values)
                    let committed = commit.execute([])
                    return run.flatMap { rows in committed.map { _ in rows } }
                }
            }
            return begin.execute([]).flatMap { _ in
                guard let deadline, deadline > .now() else { return runAndCommit() }
                return connection.eventLoop.scheduleTask(deadline: deadline, runAndCommit).futureResult.flatMap { $0 }
            }
        }
    }

    /// Binds `statement`, prepares it here if needed, hands both to `submit` on the connection's
    /// event loop (so the callbacks collecting rows are in place before an answer can arrive), and
    /// decodes the rows that come back.
    private func run<Statement: PreparedStatement>(
        _ statement: Statement, submit: @escaping @Sendable (PreparedQuery, [PostgresData]) -> EventLoopFuture<[PostgresRow]>
    ) async throws -> [Statement.Row] {
        var binds = StatementBinds()
        try statement.bind(to: &binds)
        let values = binds.values
        let rows: [PostgresRow]
        do {
            let prepared = try await statements.prepared(Statement.self, on: connection)
            rows = try await connection.submitAndWait { submit(prepared, values) }
        } catch {
            throw DatabaseError(error)
        }
        return try rows.map { try statement.decodeRow(DatabaseRow($0, binary: true)) }
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
    }

    /// Prepares `statement` on this connection unless it is already.
    func prepare<Statement: PreparedStatement>(_ statement: Statement.Type) async throws {
        _ = try await statements.prepared(statement, on: connection)
    }

    /// Runs `body` in a transaction on this connection: committed when it returns, rolled back
    /// when it throws (and what it threw comes out unchanged).
    nonisolated(nonsending) public func transaction<Result: Sendable>(
        logger: Logger, _ body: nonisolated(nonsending) (DatabaseConnection) async throws -> sending Result
    ) async throws -> Result {
        try await execute(TransactionControl.Begin(), logger: logger)
        let result: Result
        do {
            result = try await body(self)
        } catch {
            do {
                try await execute(TransactionControl.Rollback(), logger: logger)
            } catch {
                // Still inside the transaction, or broken: it must not go back to the pool so.
                connection.close().whenComplete { _ in }
            }
            throw error
        }
        try await execute(TransactionControl.Commit(), logger: logger)
        return result
    }
}
