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
            return try await connection.eventLoop.flatSubmit { connection.query(query, logger: logger) }.get().rows.map {
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
        var binds = StatementBinds()
        try statement.bind(to: &binds)
        let values = binds.values
        let connection = connection
        let rows: [PostgresRow]
        do {
            let prepared = try await statements.prepared(Statement.self, on: connection)
            rows = try await connection.eventLoop.flatSubmit { prepared.execute(values) }.get()
        } catch {
            throw DatabaseError(error)
        }
        return try rows.map { try statement.decodeRow(DatabaseRow($0, binary: true)) }
    }

    /// Runs `statement` alone in a transaction and returns its rows once COMMIT has answered.
    /// BEGIN, the statement and COMMIT are queued on the connection together, so each goes out the
    /// moment the one before it is answered, without a hop back to the calling task between them
    /// (on a busy machine each such hop waits for a thread to be scheduled). A statement that
    /// fails aborts the transaction, and the queued COMMIT then ends it as a rollback.
    public func executeInTransaction<Statement: PreparedStatement>(_ statement: Statement, logger: Logger) async throws
        -> [Statement.Row]
    {
        var binds = StatementBinds()
        try statement.bind(to: &binds)
        let values = binds.values
        let connection = connection
        let rows: [PostgresRow]
        do {
            let prepared = try await statements.prepared(Statement.self, on: connection)
            rows = try await connection.eventLoop.flatSubmit {
                let begin = connection.query("BEGIN", logger: logger)
                let run = prepared.execute(values)
                let commit = connection.query("COMMIT", logger: logger)
                return begin.flatMap { _ in run }.flatMap { rows in commit.map { _ in rows } }
            }.get()
        } catch {
            throw DatabaseError(error)
        }
        return try rows.map { try statement.decodeRow(DatabaseRow($0, binary: true)) }
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
        try await query("BEGIN", logger: logger)
        let result: Result
        do {
            result = try await body(self)
        } catch {
            do {
                try await query("ROLLBACK", logger: logger)
            } catch {
                // Still inside the transaction, or broken: it must not go back to the pool so.
                connection.close().whenComplete { _ in }
            }
            throw error
        }
        try await query("COMMIT", logger: logger)
        return result
    }
}
