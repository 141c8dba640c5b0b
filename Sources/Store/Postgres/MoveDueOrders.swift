import Foundation
import Postgres

/// The workers' move of due orders to processing, in one statement (one round trip, atomic on
/// its own): the update, the event row of each order it moved (its state taken from the updated
/// row), and how every asked-for order stands, all read at the same time and snapshot. The time
/// is the statement's (`statement_timestamp()`), not the transaction's: a worker may begin the
/// transaction before the orders fall due and send the statement at their due time. An order
/// with a payment moves only once it is authorised: until then it is awaiting payment. The
/// arrays are scalar subqueries, so Postgres keeps one plan whatever their length
/// (``PreparedStatement``).
struct MoveDueOrders: PreparedStatement {
    static let sql = """
        WITH moved AS (
            UPDATE orders SET status = 'processing', updated_at = statement_timestamp()
            WHERE id = ANY((SELECT $1::uuid[])::uuid[]) AND status = 'pending' AND auto_process_at <= statement_timestamp()
              AND NOT EXISTS (\(awaitingPayment("orders")))
            RETURNING *
        ), recorded AS (
            INSERT INTO order_events (\(RecordOrderEvents.columns), order_state)
            SELECT e.event_id, m.id, 'pending', 'processing', NULL::uuid, NULL::text, $3::text, \(OrderEventState.sql("m"))
            FROM unnest((SELECT $1::uuid[]), (SELECT $2::uuid[])) WITH ORDINALITY AS e(order_id, event_id, n) JOIN moved m ON m.id = e.order_id
            ORDER BY e.n
        )
        SELECT o.id, m.id IS NOT NULL, o.status = 'pending', o.auto_process_at > statement_timestamp(), o.auto_process_at, p.status
        FROM orders o LEFT JOIN moved m ON m.id = o.id LEFT JOIN payments p ON p.order_id = o.id WHERE o.id = ANY((SELECT $1::uuid[])::uuid[])
        """

    /// The payment of the order `table` names that keeps it from moving: one not yet authorised.
    static func awaitingPayment(_ table: String) -> String {
        "SELECT 1 FROM payments p WHERE p.order_id = \(table).id AND p.status NOT IN ('authorized', 'paid')"
    }

    /// An asked-for order: whether this statement moved it, and (for one it did not) whether it
    /// was pending, due later than now, and when; whether its payment holds it (one not yet
    /// authorised), and whether its authorisation waits for its capture.
    typealias Row = (id: UUID, moved: Bool, pending: Bool, later: Bool, due: Date, awaitingPayment: Bool, authorized: Bool)

    var orders: [UUID]
    var reason: String

    func bind(to binds: inout StatementBinds) throws {
        try binds.append(orders)
        try binds.append(orders.map { _ in UUIDv7.make() })
        try binds.append(reason)
    }

    func decodeRow(_ row: DatabaseRow) throws -> Row {
        let (id, moved, pending, later, due, payment) = try row.decode((UUID, Bool, Bool, Bool, Date, String?).self)
        let status = payment.flatMap(PaymentStatus.init(rawValue:))
        let awaiting = payment != nil && status != .authorized && status != .paid
        return (id, moved, pending, later, due, awaiting, status == .authorized)
    }
}
