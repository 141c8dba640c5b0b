import Foundation
import Postgres
import PostgresNIO

/// An order with its payment and lines by id, in one cell: the hottest read, so prepared once per connection
/// (Postgres parses and plans it once instead of on every request).
struct OrderByIDStatement: PreparedStatement {
    static let sql = """
        SELECT \(OrderRow.column()) FROM orders o WHERE o.id = $1::uuid
        """

    var id: UUID

    func bind(to binds: inout StatementBinds) throws {
        try binds.append(id)
    }

    func decodeRow(_ row: DatabaseRow) throws -> Order { try OrderRow.order(row, at: 0) }
}
