import Foundation
import PostgresNIO

/// The one statement that writes `order_events` rows for changes of existing orders (a staff or
/// customer transition, the workers' and the reconciler's automatic moves): one row per order of
/// a batch, all with the same change. A new order's `created` row is written by
/// ``PlaceOrderStatements/Place`` in the statement that inserts the order, into the same
/// ``columns``. Each row records its order's state after the change (``OrderEventState``), for
/// the live stream.
struct RecordOrderEvents: PostgresPreparedStatement {
    /// The columns every event row fills, in this order.
    static let columns = "id, order_id, from_status, to_status, actor_id, actor_role, reason"

    static let sql = """
        INSERT INTO order_events (\(columns), order_state)
        SELECT e.event_id, e.order_id, $3, $4, $5, $6, $7, \(OrderEventState.sql("o"))
        FROM unnest($1::uuid[], $2::uuid[]) AS e(event_id, order_id) JOIN orders o ON o.id = e.order_id
        """
    static let bindingDataTypes: [PostgresDataType] = [.uuidArray, .uuidArray, .text, .text, .uuid, .text, .text]
    /// It returns no rows.
    typealias Row = Int

    var orders: [UUID]
    var from: OrderStatus?
    var to: OrderStatus
    /// Nil for the system (a worker or the reconciler).
    var actorID: UUID?
    var actorRole: Role?
    var reason: String?

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 7)
        bindings.append(orders.map { _ in UUIDv7.make() })
        bindings.append(orders)
        bindings.append(from?.rawValue)
        bindings.append(to.rawValue)
        bindings.append(actorID)
        bindings.append(actorRole?.rawValue)
        bindings.append(reason)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Int { 0 }

    /// Writes the rows on `connection`, inside the caller's transaction.
    func run(on connection: PostgresConnection, logger: Logger) async throws {
        guard !orders.isEmpty else { return }
        for try await _ in try await connection.execute(self, logger: logger) {}
    }
}
