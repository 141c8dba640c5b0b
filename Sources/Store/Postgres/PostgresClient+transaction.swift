import Logging
import PostgresNIO

extension PostgresClient {
    /// `withTransaction`, but a domain error thrown by `body` (after the rollback) surfaces as
    /// itself rather than wrapped in `PostgresTransactionError`, so callers can map it.
    func transaction<Result: Sendable>(
        logger: Logger, _ body: nonisolated(nonsending) (PostgresConnection) async throws -> sending Result
    ) async throws -> Result {
        try await PostgresTransactionError.surfacingDomainErrors { try await withTransaction(logger: logger, body) }
    }
}

extension PostgresConnection {
    /// ``PostgresClient/transaction(logger:_:)`` on a connection already leased, for work that
    /// reads back on the same connection after the commit instead of leasing another one.
    func transaction<Result: Sendable>(
        logger: Logger, _ body: nonisolated(nonsending) (PostgresConnection) async throws -> sending Result
    ) async throws -> Result {
        try await PostgresTransactionError.surfacingDomainErrors { try await withTransaction(logger: logger, body) }
    }
}

extension PostgresTransactionError {
    /// Runs a transaction, rethrowing the domain error its body threw (after a clean rollback)
    /// as itself.
    static func surfacingDomainErrors<Result: Sendable>(
        _ transaction: nonisolated(nonsending) () async throws -> sending Result
    ) async throws -> Result {
        do {
            return try await transaction()
        } catch let error as PostgresTransactionError {
            throw error.surfaced
        }
    }

    /// The domain error the transaction's body threw when it was rolled back cleanly; else self.
    var surfaced: any Error {
        if rollbackError == nil, let domain = closureError as? OrderError { return domain }
        if rollbackError == nil, let domain = closureError as? StoreError { return domain }
        return self
    }
}
