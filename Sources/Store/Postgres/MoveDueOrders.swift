import Foundation
import Postgres

/// The workers' move of due orders to processing, in one statement (one round trip, atomic on
/// its own): the update, the event row of each order it moved (its state taken from the updated
/// row), and how every asked-for order stands, all read at the same `now()` and snapshot.
struct MoveDueOrders: PreparedStatement {
    static let sql = """
        WITH moved AS (
            UPDATE orders SET status = 'processing', updated_at = now()
            WHERE id = ANY($1::uuid[]) AND status = 'pending' AND auto_process_at <= now()
            RETURNING *
        ), recorded AS (
            INSERT INTO order_events (\(RecordOrderEvents.columns), order_state)
            SELECT e.event_id, m.id, 'pending', 'processing', NULL::uuid, NULL::text, $3::text, \(OrderEventState.sql("m"))
            FROM unnest($1::uuid[], $2::uuid[]) WITH ORDINALITY AS e(order_id, event_id, n) JOIN moved m ON m.id = e.order_id
            ORDER BY e.n
        )
        SELECT o.id, m.id IS NOT NULL, o.status = 'pending', o.auto_process_at > now(), o.auto_process_at
        FROM orders o LEFT JOIN moved m ON m.id = o.id WHERE o.id = ANY($1::uuid[])
        """

    /// An asked-for order: whether this statement moved it, and (for one it did not) whether it
    /// was pending, due later than now, and when.
    typealias Row = (id: UUID, moved: Bool, pending: Bool, later: Bool, due: Date)

    var orders: [UUID]
    var reason: String

    func bind(to binds: inout StatementBinds) throws {
        try binds.append(orders)
        try binds.append(orders.map { _ in UUIDv7.make() })
        try binds.append(reason)
    }

    func decodeRow(_ row: DatabaseRow) throws -> Row {
        let (id, moved, pending, later, due) = try row.decode((UUID, Bool, Bool, Bool, Date).self)
        return (id, moved, pending, later, due)
    }
}
