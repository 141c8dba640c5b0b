import Postgres
import PostgresNIO

extension Database {
    /// The first column of the first row of `query`, or nil when it returns no row (a count, a
    /// position, one flag).
    public func scalar<Value: PostgresDecodable>(_ query: PostgresQuery, as type: Value.Type = Value.self) async throws -> Value? {
        try await self.query(query, logger: TestStores.logger).first?.decode(Value.self)
    }
}
