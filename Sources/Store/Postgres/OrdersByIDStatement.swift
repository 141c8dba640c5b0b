import Foundation
import Postgres
import PostgresNIO

/// Several orders by id in one statement, each with its payment and lines in one cell: the reads
/// ``ReadBatcher`` gathers while the database is busy (one row per order found, in no order).
/// The ids are a scalar subquery, so Postgres keeps one plan whatever their count
/// (``PreparedStatement``).
struct OrdersByIDStatement: PreparedStatement {
    static let sql = """
        SELECT \(OrderRow.column()) FROM orders o WHERE o.id = ANY((SELECT $1::uuid[])::uuid[])
        """

    var ids: [UUID]

    func bind(to binds: inout StatementBinds) throws {
        try binds.append(ids)
    }

    func decodeRow(_ row: DatabaseRow) throws -> Order { try OrderRow.order(row, at: 0) }
}
