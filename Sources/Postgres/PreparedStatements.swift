import NIOConcurrencyHelpers
import NIOCore
import PostgresNIO

/// The statements each pooled connection has prepared, by statement type; a connection's are
/// forgotten when it closes (connection ids are never reused within a pool).
///
/// One per pool: every postgres-nio client numbers its connections from 0, so a cache shared by
/// two pools would take one pool's connection for the other's and run a statement under a name
/// prepared there for another.
final class PreparedStatements: Sendable {
    private let byConnection = NIOLockedValueBox<[PostgresConnection.ID: [ObjectIdentifier: PreparedQuery]]>([:])

    /// `Statement` as prepared on `connection`, preparing it there first if needed.
    func prepared<Statement: PreparedStatement>(_ statement: Statement.Type, on connection: PostgresConnection) async throws
        -> PreparedQuery
    {
        let key = ObjectIdentifier(statement)
        if let prepared = byConnection.withLockedValue({ $0[connection.id]?[key] }) { return prepared }
        // One lease uses a connection at a time, so no one else prepares it here meanwhile.
        let prepared = try await connection.submitAndWait { connection.prepare(query: Statement.sql) }
        let isFirst = byConnection.withLockedValue { all in
            defer { all[connection.id, default: [:]][key] = prepared }
            return all[connection.id] == nil
        }
        if isFirst {
            // Runs at once if the connection closed already.
            connection.closeFuture.whenComplete { [byConnection] _ in
                byConnection.withLockedValue { $0[connection.id] = nil }
            }
        }
        return prepared
    }

    /// How many connections have statements prepared (for tests).
    var connectionCount: Int { byConnection.withLockedValue { $0.count } }
}
