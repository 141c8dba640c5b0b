import Foundation
import Postgres

/// A customer's page of orders as `GET /api/orders/my` asks for it by default (newest first, no
/// filter, a page number, with the total): the list every customer's screen reads, prepared once
/// per connection instead of parsed and planned per request. The total is the customer's row in
/// `customer_order_counts` (migration 0008, kept by triggers in the same transaction as each
/// order, so the page and its total are one snapshot), not a count of their orders, so neither
/// the page nor its total grows with the customer's history. Any other list is built by
/// ``PostgresOrderRepository/list(_:logger:)``'s general query, whose rows read the same. Its
/// customer, limit and offset are scalar subqueries, so Postgres keeps one plan for every
/// customer and page (``PreparedStatement``): planned for them it looked cheaper with each
/// `LIMIT` known, and planning every run took a third of the page's cost to Postgres.
struct CustomerOrdersPageStatement: PreparedStatement {
    static let sql = """
        WITH page AS (
            SELECT o.*, (extract(epoch FROM o.created_at) * 1000000)::int8 AS cursor_micros,
                   coalesce((SELECT c.orders FROM customer_order_counts c WHERE c.user_id = (SELECT $1::uuid)), 0) AS total_count
            FROM orders o
            WHERE o.user_id = (SELECT $1::uuid) ORDER BY o.created_at DESC, o.id DESC
            LIMIT (SELECT $2::int8) OFFSET (SELECT $3::int8))
        SELECT \(OrderRow.column(order: "page")), page.cursor_micros, page.total_count
        FROM page ORDER BY page.created_at DESC, page.id DESC
        """

    /// Decoded by ``OrderRow/orders(_:)``, its cursor and total by name.
    typealias Row = DatabaseRow

    var userID: UUID
    var limit: Int
    var offset: Int

    /// The statement for `query` when it is such a page; nil for any other list.
    init?(_ query: OrderQuery) {
        guard let userID = query.userID, query.statuses.isEmpty, query.createdFrom == nil, query.createdTo == nil,
            query.search == nil, query.minTotal == nil, query.maxTotal == nil, query.sort == .newest, query.cursor == nil,
            query.countsTotal
        else { return nil }
        self.userID = userID
        limit = query.size
        offset = (query.page - 1) * query.size
    }

    func bind(to binds: inout StatementBinds) throws {
        try binds.append(userID)
        try binds.append(limit)
        try binds.append(offset)
    }

    func decodeRow(_ row: DatabaseRow) throws -> DatabaseRow { row }
}
