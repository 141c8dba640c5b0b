import Foundation
import Logging
import PostgresNIO

extension PostgresOrderRepository {
    public func find(id: UUID, logger: Logger) async throws -> Order? {
        try await client.withConnection { try await Self.find(id: id, on: $0, logger: logger) }
    }

    public func find(idempotencyKey: String, userID: UUID, logger: Logger) async throws -> UUID? {
        try await client.withRows(
            """
            SELECT id FROM orders
            WHERE user_id = \(userID) AND idempotency_key = \(idempotencyKey) AND created_at > now() - interval '24 hours'
            """,
            logger: logger
        ) { rows in
            for try await id in rows.decode(UUID.self) { return id }
            return nil
        }
    }

    /// The order and its lines in one statement (one row per line, the order's columns repeated).
    static func find(id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Order? {
        try await OrderRow.orders(try await connection.execute(OrderByIDStatement(id: id), logger: logger)).first
    }

    public func list(_ query: OrderQuery, logger: Logger) async throws -> OrderList {
        let counting = query.cursor == nil && query.countsTotal
        let order: String =
            switch query.sort {
            case .newest: "o.created_at DESC, o.id DESC"
            case .oldest: "o.created_at ASC, o.id ASC"
            case .largest: "o.total_amount DESC, o.id DESC"
            case .smallest: "o.total_amount ASC, o.id ASC"
            }
        let sql = try Self.filtered(
            "SELECT \(OrderRow.orderColumns), (extract(epoch FROM o.created_at) * 1000000)::int8 AS cursor_micros"
                + (counting ? ", count(*) OVER () AS total_count" : "") + " FROM orders o",
            query
        ) { sql in
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
            sql.appendLiteral(" ORDER BY \(order) LIMIT ")
            sql.appendInterpolation(query.size)
            if query.cursor == nil {
                sql.appendLiteral(" OFFSET ")
                sql.appendInterpolation((query.page - 1) * query.size)
            }
        }
        var (total, headers, lastMicros) = try await client.withRows(sql, logger: logger) { rows in
            var total = 0
            var headers: [Order] = []
            var lastMicros: Int64 = 0
            for try await row in rows {
                let columns = row.makeRandomAccess()
                lastMicros = try columns["cursor_micros"].decode(Int64.self, context: .default)
                if counting { total = try columns["total_count"].decode(Int.self, context: .default) }
                headers.append(try OrderRow.order(columns))
            }
            return (total, headers, lastMicros)
        }
        if counting, headers.isEmpty, query.page > 1 {
            total = try await count(query, logger: logger)
        }
        var next: OrderCursor?
        if headers.count == query.size, let last = headers.last {
            let value = query.sort == .newest || query.sort == .oldest ? String(lastMicros) : "\(last.totalAmount)"
            next = OrderCursor(sort: query.sort, value: value, id: last.id)
        }
        return OrderList(orders: try await withItems(headers, logger: logger), total: counting ? total : nil, nextCursor: next)
    }

    /// How many orders match the filters of `query`.
    func count(_ query: OrderQuery, logger: Logger) async throws -> Int {
        try await client.withRows(try Self.filtered("SELECT count(*) FROM orders o", query) { _ in }, logger: logger) { rows in
            var count = 0
            for try await value in rows.decode(Int.self) { count = value }
            return count
        }
    }

    public func events(orderID: UUID, logger: Logger) async throws -> [OrderEvent] {
        try await client.withRows(
            "SELECT id, from_status, to_status, actor_id, actor_role, reason, at FROM order_events WHERE order_id = \(orderID) AND kind = 'transition' ORDER BY position NULLS LAST, seq",
            logger: logger
        ) { rows in
            var events: [OrderEvent] = []
            for try await (id, from, to, actorID, actorRole, reason, at) in rows.decode(
                (UUID, String?, String, UUID?, String?, String?, Date).self)
            {
                events.append(
                    OrderEvent(
                        id: id, fromStatus: from.flatMap(OrderStatus.init(rawValue:)), toStatus: OrderStatus(rawValue: to) ?? .pending,
                        actorID: actorID, actorRole: actorRole.flatMap(Role.init(rawValue:)), reason: reason, at: at
                    ))
            }
            return events
        }
    }

    public func stats(_ query: OrderQuery, timeZone: String, logger: Logger) async throws -> OrderStats {
        let (counts, delivered, open) = try await client.withRows(
            try Self.filtered("SELECT o.status, count(*), coalesce(sum(o.total_amount), 0) FROM orders o", query) { sql in
                sql.appendLiteral(" GROUP BY o.status")
            },
            logger: logger
        ) { rows in
            var counts: [OrderStatus: Int] = [:]
            var delivered = Decimal(0)
            var open = Decimal(0)
            for try await (raw, count, amount) in rows.decode((String, Int, Decimal).self) {
                guard let status = OrderStatus(rawValue: raw) else { continue }
                counts[status] = count
                switch status {
                case .delivered: delivered += amount
                case .pending, .processing, .shipped: open += amount
                case .cancelled: break
                }
            }
            return (counts, delivered, open)
        }
        let days = try await client.withRows(
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
        ) { rows in
            var days: [OrderStats.Day] = []
            for try await (day, count, revenue) in rows.decode((String, Int, Decimal).self) {
                days.append(.init(date: day, orders: count, revenue: revenue))
            }
            return days
        }
        return OrderStats(counts: counts, deliveredRevenue: delivered, openRevenue: open, perDay: days)
    }

    /// Reads keyset pages of `exportPageSize`, each its own statement: an export of any size,
    /// to a client however slow, is never cut by the statement timeout, and holds a pooled
    /// connection only while a page is read. An order appears once, as it stood when its page
    /// was read (the keyset, creation time and id, never changes); unlike one snapshot, an order
    /// committed during the export may be missing.
    public func export(_ query: OrderQuery, logger: Logger, row: (OrderExportRow) async throws -> Void) async throws {
        var page = query
        page.sort = .newest
        page.size = Self.exportPageSize
        page.countsTotal = false
        page.cursor = nil
        page.page = 1
        repeat {
            let list = try await list(page, logger: logger)
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

    // MARK: Rows

    /// Fills in the lines of `orders` with one query.
    func withItems(_ orders: [Order], logger: Logger) async throws -> [Order] {
        guard !orders.isEmpty else { return [] }
        let items = try await client.withRows(
            """
            SELECT i.order_id, \(unescaped: OrderRow.itemColumns)
            FROM order_items i WHERE i.order_id = ANY(\(orders.map(\.id))) ORDER BY i.product_sku
            """,
            logger: logger
        ) { rows in
            var items: [UUID: [OrderItem]] = [:]
            for try await row in rows {
                let columns = row.makeRandomAccess()
                let orderID = try columns["order_id"].decode(UUID.self, context: .default)
                if let item = try OrderRow.item(columns) { items[orderID, default: []].append(item) }
            }
            return items
        }
        return orders.map { order in
            var order = order
            order.items = items[order.id] ?? []
            return order
        }
    }
}
