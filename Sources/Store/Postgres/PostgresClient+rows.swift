import Logging
import PostgresNIO

extension PostgresClient {
    /// Runs `query` on a leased connection and hands its rows to `body`; the connection goes
    /// back to the pool when `body` returns or throws.
    ///
    /// Use this instead of `PostgresClient.query`: in postgres-nio 1.33.2 that one never returns
    /// its connection to the pool when the statement fails right after its row description (an
    /// `INSERT … RETURNING` hitting a unique violation, under load), and ten such failures leave
    /// a gateway with no connection at all (found by `make fuzz`).
    public func withRows<Result>(
        _ query: PostgresQuery, logger: Logger, _ body: (PostgresRowSequence) async throws -> sending Result
    ) async throws -> sending Result {
        try await withConnection { connection in
            try await body(try await connection.query(query, logger: logger))
        }
    }
}
