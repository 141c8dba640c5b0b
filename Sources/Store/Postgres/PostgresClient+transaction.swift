import Logging
import PostgresNIO

extension PostgresClient {
    /// `withTransaction`, but a domain error thrown by `body` (after the rollback) surfaces as
    /// itself rather than wrapped in `PostgresTransactionError`, so callers can map it.
    func transaction<Result: Sendable>(
        logger: Logger, isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresConnection) async throws -> sending Result
    ) async throws -> Result {
        try await withConnection(isolation: isolation) { connection in
            try await connection.transaction(logger: logger, isolation: isolation, body)
        }
    }
}

extension PostgresConnection {
    /// ``PostgresClient/transaction(logger:isolation:_:)`` on a connection already leased, for
    /// work that reads back on the same connection after the commit instead of leasing another.
    func transaction<Result: Sendable>(
        logger: Logger, isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresConnection) async throws -> sending Result
    ) async throws -> Result {
        do {
            return try await withTransaction(logger: logger, isolation: isolation, body)
        } catch let error as PostgresTransactionError {
            if error.rollbackError == nil, let domain = error.closureError as? OrderError { throw domain }
            if error.rollbackError == nil, let domain = error.closureError as? StoreError { throw domain }
            throw error
        }
    }
}
