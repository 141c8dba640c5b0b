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
    /// Inside ``transaction(logger:_:)``: its BEGIN, sent ahead of the first statement.
    var deferredBegin: DeferredBegin? = nil

    /// Runs `query` (parsed and planned each time: for statements built per request) and
    /// returns its rows.
    @discardableResult
    public func query(_ query: PostgresQuery, logger: Logger) async throws -> [DatabaseRow] {
        let connection = connection
        do {
            let begin = try await beginAhead()
            return try await connection.submitAndWait { Self.after(begin) { connection.query(query, logger: logger) } }.rows.map {
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
            let begin = try await beginAhead()
            rows = try await connection.submitAndWait { Self.after(begin) { submit(prepared, values) } }
        } catch {
            throw DatabaseError(error)
        }
        return try rows.map { try statement.decodeRow(DatabaseRow($0, binary: true)) }
    }

    /// The transaction's BEGIN for the statement about to run to carry ahead of it, when it is
    /// the transaction's first.
    private func beginAhead() async throws -> PreparedQuery? {
        guard let deferredBegin, deferredBegin.take() else { return nil }
        return try await statements.prepared(TransactionControl.Begin.self, on: connection)
    }

    /// `body`'s future, with `begin` written to the connection ahead of it when given: postgres-nio
    /// queues both, and BEGIN's failure (the connection's) fails the statement's answer.
    private static func after<Value>(_ begin: PreparedQuery?, _ body: () -> EventLoopFuture<Value>) -> EventLoopFuture<Value> {
        guard let begin else { return body() }
        let began = begin.execute([])
        let result = body()
        return began.flatMap { _ in result }
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
    }

    /// Prepares `statement` on this connection unless it is already.
    func prepare<Statement: PreparedStatement>(_ statement: Statement.Type) async throws {
        _ = try await statements.prepared(statement, on: connection)
    }

    /// Runs `body` in a transaction on this connection: committed when it returns, rolled back
    /// when it throws (and what it threw comes out unchanged). BEGIN goes out with the body's
    /// first statement; a body that ran none needs neither COMMIT nor ROLLBACK.
    nonisolated(nonsending) public func transaction<Result: Sendable>(
        logger: Logger, _ body: nonisolated(nonsending) (DatabaseConnection) async throws -> sending Result
    ) async throws -> Result {
        let begin = DeferredBegin()
        var inside = self
        inside.deferredBegin = begin
        let result: Result
        do {
            result = try await body(inside)
        } catch {
            guard begin.wasSent else { throw error }
            do {
                try await execute(TransactionControl.Rollback(), logger: logger)
            } catch {
                // Still inside the transaction, or broken: it must not go back to the pool so.
                connection.close().whenComplete { _ in }
            }
            throw error
        }
        if begin.wasSent { try await execute(TransactionControl.Commit(), logger: logger) }
        return result
    }
}
