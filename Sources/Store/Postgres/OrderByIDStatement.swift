import Foundation
import PostgresNIO

/// An order and its lines by id, one row per line: the hottest read, so prepared once per
/// connection (Postgres parses and plans it once instead of on every request).
struct OrderByIDStatement: PostgresPreparedStatement {
    static let sql = """
        SELECT \(OrderRow.orderColumns), \(OrderRow.itemColumns)
        FROM orders o LEFT JOIN order_items i ON i.order_id = o.id
        WHERE o.id = $1 ORDER BY i.product_sku
        """

    /// Decoded by ``OrderRow/orders(_:)``.
    typealias Row = PostgresRow

    var id: UUID

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(id)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}
