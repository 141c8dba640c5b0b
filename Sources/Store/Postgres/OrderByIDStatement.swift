import Foundation
import Postgres
import PostgresNIO

/// An order and its lines by id, one row per line: the hottest read, so prepared once per
/// connection (Postgres parses and plans it once instead of on every request).
struct OrderByIDStatement: PreparedStatement {
    static let sql = """
        SELECT \(OrderRow.orderColumns), \(OrderRow.itemColumns)
        FROM orders o \(OrderRow.paymentJoin) LEFT JOIN order_items i ON i.order_id = o.id
        WHERE o.id = $1::uuid ORDER BY i.product_sku
        """

    /// Decoded by ``OrderRow/orders(_:)``.
    typealias Row = DatabaseRow

    var id: UUID

    func bind(to binds: inout StatementBinds) throws {
        try binds.append(id)
    }

    func decodeRow(_ row: DatabaseRow) throws -> DatabaseRow { row }
}
