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
            if let domain = error.closureError as? OrderError, error.rollbackError == nil { throw domain }
            if let domain = error.closureError as? StoreError, error.rollbackError == nil { throw domain }
            throw error
        }
    }
}
