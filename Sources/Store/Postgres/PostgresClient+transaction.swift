import Logging
import PostgresNIO

extension PostgresClient {
    /// `withTransaction`, but a domain error thrown by `body` (after the rollback) surfaces as
    /// itself rather than wrapped in `PostgresTransactionError`, so callers can map it.
    func transaction<Result: Sendable>(
        logger: Logger, _ body: nonisolated(nonsending) (PostgresConnection) async throws -> sending Result
    ) async throws -> Result {
        do {
            return try await withTransaction(logger: logger, body)
        } catch let error as PostgresTransactionError {
            throw error.surfaced
        }
    }
}

extension PostgresConnection {
    /// ``PostgresClient/transaction(logger:_:)`` on a connection already leased, for work that
    /// reads back on the same connection after the commit instead of leasing another one.
    func transaction<Result: Sendable>(
        logger: Logger, _ body: nonisolated(nonsending) (PostgresConnection) async throws -> sending Result
    ) async throws -> Result {
        do {
            return try await withTransaction(logger: logger, body)
        } catch let error as PostgresTransactionError {
            throw error.surfaced
        }
    }
}

extension PostgresTransactionError {
    /// The domain error the transaction's body threw when it was rolled back cleanly; else self.
    var surfaced: any Error {
        if rollbackError == nil, let domain = closureError as? OrderError { return domain }
        if rollbackError == nil, let domain = closureError as? StoreError { return domain }
        return self
    }
}
