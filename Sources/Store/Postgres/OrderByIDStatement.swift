import Foundation
import Postgres
import PostgresNIO

/// An order and its lines by id, in one row: the hottest read, so prepared once per connection
/// (Postgres parses and plans it once instead of on every request).
struct OrderByIDStatement: PreparedStatement {
    static let sql = """
        SELECT \(OrderRow.orderColumns), \(OrderRow.itemsColumn(order: "o.id"))
        FROM orders o \(OrderRow.paymentJoin)
        WHERE o.id = $1::uuid
        """

    /// Decoded by ``OrderRow/orders(_:columns:)`` with ``columns``.
    typealias Row = DatabaseRow

    /// Where the order's and its lines' columns sit in this statement's rows.
    static let columns = OrderRow.ColumnsOnce()

    var id: UUID

    func bind(to binds: inout StatementBinds) throws {
        try binds.append(id)
    }

    func decodeRow(_ row: DatabaseRow) throws -> DatabaseRow { row }
}
