import Foundation
import Postgres
import PostgresNIO

/// The one statement that writes `order_events` rows for changes of existing orders (a staff or
/// customer transition, the workers' and the reconciler's automatic moves): one row per order of
/// a batch, all with the same change. A new order's `created` row is written by
/// ``PlaceOrderStatements/Place`` in the statement that inserts the order, into the same
/// ``columns``. Each row records its order's state after the change (``OrderEventState``), for
/// the live stream. The arrays are scalar subqueries, so Postgres keeps one plan whatever
/// their length (``PreparedStatement``).
struct RecordOrderEvents: PreparedStatement {
    /// The columns every event row fills, in this order.
    static let columns = "id, order_id, from_status, to_status, actor_id, actor_role, reason"

    static let sql = """
        INSERT INTO order_events (\(columns), order_state)
        SELECT e.event_id, e.order_id, $3::text, $4::text, $5::uuid, $6::text, $7::text, \(OrderEventState.sql("o"))
        FROM unnest((SELECT $1::uuid[]), (SELECT $2::uuid[])) AS e(event_id, order_id) JOIN orders o ON o.id = e.order_id
        """
    /// It returns no rows.
    typealias Row = Int

    var orders: [UUID]
    var from: OrderStatus?
    var to: OrderStatus
    /// Nil for the system (a worker or the reconciler).
    var actorID: UUID?
    var actorRole: Role?
    var reason: String?

    func bind(to binds: inout StatementBinds) throws {
        try binds.append(orders.map { _ in UUIDv7.make() })
        try binds.append(orders)
        try binds.append(from?.rawValue)
        try binds.append(to.rawValue)
        try binds.append(actorID)
        try binds.append(actorRole?.rawValue)
        try binds.append(reason)
    }

    func decodeRow(_ row: DatabaseRow) throws -> Int { 0 }

    /// Writes the rows on `connection`, inside the caller's transaction.
    func run(on connection: DatabaseConnection, logger: Logger) async throws {
        guard !orders.isEmpty else { return }
        try await connection.execute(self, logger: logger)
    }
}
