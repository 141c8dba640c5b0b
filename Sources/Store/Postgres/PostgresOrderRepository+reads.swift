import Foundation
import Logging
import Postgres
import PostgresNIO
import ProcessSupport

extension PostgresOrderRepository {
    /// Batched with other reads by id while the database is busy (``ReadBatcher``).
    public func find(id: UUID, logger: Logger) async throws -> Order? {
        try await reads.value(for: id, logger: logger)
    }

    public func find(idempotencyKey: String, userID: UUID, logger: Logger) async throws -> UUID? {
        try await database.query(
            """
            SELECT id FROM orders
            WHERE user_id = \(userID) AND idempotency_key = \(idempotencyKey) AND created_at > now() - interval '24 hours'
            """,
            logger: logger
        ).first?.decode(UUID.self)
    }

    /// The order with its payment and lines in one statement (one cell: ``OrderRow``).
    static func find(id: UUID, on connection: DatabaseConnection, logger: Logger) async throws -> Order? {
        try await connection.execute(OrderByIDStatement(id: id), logger: logger).first
    }

    /// A page of orders with their lines in one statement: the page's orders (a CTE, filtered,
    /// sorted and cut), each with its payment and lines in one cell, in the page's order. A
    /// customer's default page is a prepared statement (``CustomerOrdersPageStatement``).
    public func list(_ query: OrderQuery, logger: Logger) async throws -> OrderList {
        let counting = query.cursor == nil && query.countsTotal
        let page = CustomerOrdersPageStatement(query)
        let rows =
            if let page {
                try await database.execute(page, logger: logger)
            } else {
                try await database.query(try Self.listQuery(query, counting: counting), logger: logger)
            }
        let headers = try OrderRow.orders(rows)
        let lastMicros = try rows.last?.decode(Int64.self, column: "cursor_micros") ?? 0
        var total = try counting ? rows.first?.decode(Int.self, column: "total_count") ?? 0 : 0
        if counting, headers.isEmpty, query.page > 1 {
            total = try await count(query, logger: logger)
        }
        var next: OrderCursor?
        if headers.count == query.size, let last = headers.last {
            let value = query.sort == .newest || query.sort == .oldest ? String(lastMicros) : "\(last.totalAmount)"
            next = OrderCursor(sort: query.sort, value: value, id: last.id)
        }
        return OrderList(orders: headers, total: counting ? total : nil, nextCursor: next)
    }

    /// The general list statement: filters, sort, keyset or page, the total when `counting`.
    static func listQuery(_ query: OrderQuery, counting: Bool) throws -> PostgresQuery {
        func order(_ alias: String) -> String {
            switch query.sort {
            case .newest: "\(alias).created_at DESC, \(alias).id DESC"
            case .oldest: "\(alias).created_at ASC, \(alias).id ASC"
            case .largest: "\(alias).total_amount DESC, \(alias).id DESC"
            case .smallest: "\(alias).total_amount ASC, \(alias).id ASC"
            }
        }
        func head(_ sql: inout PostgresQuery.StringInterpolation) throws {
            sql.appendLiteral("WITH page AS (SELECT o.*, (extract(epoch FROM o.created_at) * 1000000)::int8 AS cursor_micros")
            if counting {
                // Its own count, not `count(*) OVER ()`: a window makes Postgres read every
                // matching order whole before the page takes its rows; a count of its own
                // reads an index where it can, in the same snapshot.
                sql.appendLiteral(", (SELECT count(*) FROM orders o")
                try appendWhere(query, to: &sql)
                sql.appendLiteral(") AS total_count")
            }
            sql.appendLiteral(" FROM orders o")
        }
        return try filtered(head, query) { sql in
            if let cursor = query.cursor {
                // Row comparison on the sort key and id: an index range scan, fast at any depth.
                switch query.sort {
                case .newest, .oldest:
                    sql.appendLiteral(" AND (o.created_at, o.id) \(query.sort == .newest ? "<" : ">") (timestamptz 'epoch' + ")
                    sql.appendInterpolation(Int64(cursor.value) ?? 0)
                    sql.appendLiteral(" * interval '1 microsecond', ")
                case .largest, .smallest:
                    sql.appendLiteral(" AND (o.total_amount, o.id) \(query.sort == .largest ? "<" : ">") (")
                    try sql.appendInterpolation(Decimal(string: cursor.value) ?? 0)
                    sql.appendLiteral("::numeric, ")
                }
                sql.appendInterpolation(cursor.id)
                sql.appendLiteral(")")
            }
            sql.appendLiteral(" ORDER BY \(order("o")) LIMIT ")
            sql.appendInterpolation(query.size)
            if query.cursor == nil {
                sql.appendLiteral(" OFFSET ")
                sql.appendInterpolation((query.page - 1) * query.size)
            }
            sql.appendLiteral(
                ") SELECT \(OrderRow.column(order: "page")), page.cursor_micros"
                    + (counting ? ", page.total_count" : "") + " FROM page ORDER BY \(order("page"))")
        }
    }

    /// How many orders match the filters of `query`.
    func count(_ query: OrderQuery, logger: Logger) async throws -> Int {
        try await database.query(try Self.filtered("SELECT count(*) FROM orders o", query) { _ in }, logger: logger)
            .first?.decode(Int.self) ?? 0
    }

    public func events(orderID: UUID, logger: Logger) async throws -> [OrderEvent] {
        try await database.query(
            "SELECT id, from_status, to_status, actor_id, actor_role, reason, at FROM order_events WHERE order_id = \(orderID) AND kind = 'transition' ORDER BY position NULLS LAST, seq",
            logger: logger
        ).map { row in
            let (id, from, to, actorID, actorRole, reason, at) = try row.decode((UUID, String?, String, UUID?, String?, String?, Date).self)
            return OrderEvent(
                id: id, fromStatus: from.flatMap(OrderStatus.init(rawValue:)), toStatus: OrderStatus(rawValue: to) ?? .pending,
                actorID: actorID, actorRole: actorRole.flatMap(Role.init(rawValue:)), reason: reason, at: at
            )
        }
    }

    public func stats(_ query: OrderQuery, timeZone: String, logger: Logger) async throws -> OrderStats {
        var counts: [OrderStatus: Int] = [:]
        var delivered = Decimal(0)
        var open = Decimal(0)
        let groups = try await database.query(
            try Self.filtered("SELECT o.status, count(*), coalesce(sum(o.total_amount), 0) FROM orders o", query) { sql in
                sql.appendLiteral(" GROUP BY o.status")
            },
            logger: logger
        )
        for row in groups {
            let (raw, count, amount) = try row.decode((String, Int, Decimal).self)
            guard let status = OrderStatus(rawValue: raw) else { continue }
            counts[status] = count
            switch status {
            case .delivered: delivered += amount
            case .pending, .processing, .shipped: open += amount
            case .cancelled: break
            }
        }
        let days = try await database.query(
            try Self.filtered(
                { sql in
                    sql.appendLiteral("SELECT to_char(o.created_at AT TIME ZONE ")
                    sql.appendInterpolation(timeZone)
                    sql.appendLiteral(
                        """
                        , 'YYYY-MM-DD') AS day, count(*),
                               coalesce(sum(o.total_amount) FILTER (WHERE o.status <> 'cancelled'), 0)
                        FROM orders o
                        """)
                },
                query
            ) { sql in sql.appendLiteral(" GROUP BY day ORDER BY day") },
            logger: logger
        ).map { row in
            let (day, count, revenue) = try row.decode((String, Int, Decimal).self)
            return OrderStats.Day(date: day, orders: count, revenue: revenue)
        }
        return OrderStats(counts: counts, deliveredRevenue: delivered, openRevenue: open, perDay: days)
    }

    /// Reads keyset pages of `exportPageSize`, each its own statement: an export of any size,
    /// to a client however slow, is never cut by the statement timeout, and holds a pooled
    /// connection only while a page is read. An order appears once, as it stood when its page
    /// was read (the keyset, creation time and id, never changes); unlike one snapshot, an order
    /// committed during the export may be missing.
    public func export(_ query: OrderQuery, pageTimeout: Duration, logger: Logger, row: (OrderExportRow) async throws -> Void)
        async throws
    {
        var page = query
        page.sort = .newest
        page.size = Self.exportPageSize
        page.countsTotal = false
        page.cursor = nil
        page.page = 1
        repeat {
            let list: OrderList = try await Deadline.race(pageTimeout) { [self, page] in try await self.list(page, logger: logger) }
            // `list` reads each order's lines already ordered by SKU (in the database's collation).
            for order in list.orders {
                try await row(
                    OrderExportRow(
                        order: order, itemsCount: order.items.reduce(0) { $0 + $1.quantity },
                        items: order.items.map { "\($0.productSKU) x\($0.quantity)" }.joined(separator: "; ")
                    ))
            }
            page.cursor = list.nextCursor
        } while page.cursor != nil
    }

    /// Orders per page of an export.
    static let exportPageSize = 500
}
