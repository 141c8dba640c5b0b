import Foundation
import Logging
import NIOCore
import PostgresNIO

/// ``OrderRepository`` on Postgres.
public struct PostgresOrderRepository: OrderRepository {
    let client: PostgresClient

    public init(client: PostgresClient) {
        self.client = client
    }

    static let columns = """
        o.id, o.user_id, o.customer_name, o.customer_email, o.customer_phone, o.shipping_address, o.notes, o.status,
        o.total_amount, o.currency, o.tracking_number, o.created_at, o.updated_at, o.auto_process_at, o.cancellable_until
        """

    /// An order line's columns, in the order ``item(_:from:)`` reads them.
    static let itemColumns = """
        i.id, i.product_id, i.product_sku, i.product_name, i.product_description, i.quantity, i.unit_price, i.total_price
        """

    // MARK: Create

    /// Five statements in one transaction (``PlaceOrderStatements``): the idempotency key's lock,
    /// the customer's lock, their pending count and the key's earlier order, the products locked,
    /// then stock, order, lines and event written together. Product locks, the contended ones,
    /// are held through that last statement and the commit only.
    public func create(
        _ order: NewOrder, rules: OrderRules, logger: Logger, beforeCommit: @Sendable (Order) async -> Void
    ) async throws -> (order: Order, replayed: Bool) {
        try await client.transaction(logger: logger) { connection in
            if let key = order.idempotencyKey {
                for try await acquired in try await connection.execute(PlaceOrderStatements.KeyLock(userID: order.userID, key: key), logger: logger)
                where !acquired {
                    throw OrderError(.idempotencyInProgress)
                }
            }
            for try await _ in try await connection.execute(PlaceOrderStatements.CustomerLock(userID: order.userID), logger: logger) {}
            var found: PlaceOrderStatements.PendingAndKey.Row?
            for try await row in try await connection.execute(
                PlaceOrderStatements.PendingAndKey(userID: order.userID, key: order.idempotencyKey), logger: logger
            ) {
                found = row
            }
            if let found, let earlier = found.orderID {
                if found.fresh == true {
                    guard let hash = found.requestHash, Array(buffer: hash) == order.requestHash else { throw OrderError(.idempotencyMismatch) }
                    guard let replayed = try await Self.find(id: earlier, on: connection, logger: logger) else { throw OrderError(.notFound) }
                    return (replayed, true)
                }
                // An expired key may be used again: release it from the old order.
                try await connection.query("UPDATE orders SET idempotency_key = NULL WHERE id = \(earlier)", logger: logger)
            }
            if let pending = found?.pending, pending >= rules.maxPendingOrders { throw OrderError(.tooManyPending) }

            let reserved = try await Self.lockStock(order.lines, connection: connection, logger: logger)
            let total = try Self.total(of: reserved)
            let place = PlaceOrderStatements.Place(
                order: order, orderID: UUIDv7.make(), lines: reserved.map { ($0.productID, $0.quantity) }, total: total, rules: rules
            )
            var created: Order?
            for try await row in try await connection.execute(place, logger: logger) {
                if created == nil { created = try Self.order(row) }
                if let item = try Self.item(row, from: 15) { created?.items.append(item) }
            }
            guard let created else { throw OrderError(.notFound) }
            await beforeCommit(created)
            return (created, false)
        }
    }

    /// A catalog line locked for an order.
    struct ReservedLine {
        var productID: UUID
        var unitPrice: Decimal
        var quantity: Int
    }

    /// The order's total; refused when it or a line's total would not fit a money column.
    static func total(of lines: [ReservedLine]) throws(OrderError) -> Decimal {
        var total = Decimal(0)
        for line in lines {
            let lineTotal = line.unitPrice * Decimal(line.quantity)
            total += lineTotal
            if lineTotal > Money.maximum || total > Money.maximum { throw OrderError(.totalTooLarge) }
        }
        return total
    }

    /// Locks the products (in id order, so concurrent orders cannot deadlock) and checks every
    /// line; refuses the whole order naming each SKU that cannot be served.
    static func lockStock(_ lines: [(sku: String, quantity: Int)], connection: PostgresConnection, logger: Logger) async throws -> [ReservedLine] {
        var found: [String: PlaceOrderStatements.LockProducts.Row] = [:]
        for try await row in try await connection.execute(PlaceOrderStatements.LockProducts(skus: lines.map(\.sku)), logger: logger) {
            found[row.sku] = row
        }
        let unknown = lines.filter { found[$0.sku]?.active != true }.map(\.sku)
        if !unknown.isEmpty { throw OrderError(.unknownProducts, unknownSKUs: unknown) }
        let shortages = lines.compactMap { line -> OrderError.Shortage? in
            let stock = found[line.sku]!.stock
            return stock < line.quantity ? .init(sku: line.sku, requested: line.quantity, available: stock) : nil
        }
        if !shortages.isEmpty { throw OrderError(.outOfStock, shortages: shortages) }
        return lines.map { line in
            let product = found[line.sku]!
            return ReservedLine(productID: product.id, unitPrice: product.price, quantity: line.quantity)
        }
    }

    // MARK: Transitions

    public func apply(_ transition: Transition, to id: UUID, logger: Logger) async throws -> Order {
        try await client.withConnection { connection in
            try await Self.apply(transition, to: id, on: connection, logger: logger)
            guard let order = try await Self.find(id: id, on: connection, logger: logger) else { throw OrderError(.notFound) }
            return order
        }
    }

    /// Moves the order in one transaction on `connection`: status, stock back on cancel, event.
    static func apply(_ transition: Transition, to id: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.transaction(logger: logger) { connection in
            let rows = try await connection.query(
                "SELECT status, user_id, cancellable_until >= now() FROM orders WHERE id = \(id) FOR UPDATE",
                logger: logger
            )
            var current: (String, UUID, Bool)?
            for try await row in rows.decode((String, UUID, Bool).self) { current = row }
            guard let (rawStatus, owner, withinWindow) = current, let status = OrderStatus(rawValue: rawStatus) else {
                throw OrderError(.notFound)
            }
            if let requester = transition.ownerWithinCancelWindow {
                guard requester == owner else { throw OrderError(.notFound) }
                if status == .pending, !withinWindow { throw OrderError(.cancelWindowClosed, currentStatus: status) }
            }
            guard transition.from.contains(status), status.next.contains(transition.to) else {
                throw OrderError(.illegalTransition, currentStatus: status)
            }
            try await connection.query(
                """
                UPDATE orders SET status = \(transition.to.rawValue),
                    tracking_number = coalesce(\(transition.trackingNumber), tracking_number), updated_at = now()
                WHERE id = \(id)
                """,
                logger: logger
            )
            if transition.to == .cancelled {
                // The reserved stock goes back to the shelf in the same transaction. Its products
                // are locked in id order first, as a create locks them, so the two cannot deadlock.
                try await connection.query(
                    """
                    SELECT 1 FROM products WHERE id IN (SELECT product_id FROM order_items WHERE order_id = \(id))
                    ORDER BY id FOR NO KEY UPDATE
                    """,
                    logger: logger
                )
                try await connection.query(
                    """
                    UPDATE products SET stock = products.stock + item.quantity, updated_at = now()
                    FROM order_items AS item WHERE item.order_id = \(id) AND products.id = item.product_id
                    """,
                    logger: logger
                )
            }
            try await Self.insertEvent(
                orderID: id, from: status, to: transition.to, actorID: transition.actorID, actorRole: transition.actorRole,
                reason: transition.reason, connection: connection, logger: logger
            )
        }
    }

    static func insertEvent(
        orderID: UUID, from: OrderStatus?, to: OrderStatus, actorID: UUID?, actorRole: Role?, reason: String?,
        connection: PostgresConnection, logger: Logger
    ) async throws {
        try await connection.query(
            """
            INSERT INTO order_events (id, order_id, from_status, to_status, actor_id, actor_role, reason)
            VALUES (\(UUIDv7.make()), \(orderID), \(from?.rawValue), \(to.rawValue), \(actorID), \(actorRole?.rawValue), \(reason))
            """,
            logger: logger
        )
    }

    // MARK: Reads

    public func find(id: UUID, logger: Logger) async throws -> Order? {
        try await client.withConnection { try await Self.find(id: id, on: $0, logger: logger) }
    }

    /// The order and its lines in one statement (one row per line, the order's columns repeated).
    static func find(id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Order? {
        let rows = try await connection.execute(OrderByIDStatement(id: id), logger: logger)
        var found: Order?
        for try await row in rows {
            if found == nil { found = try order(row) }
            if let item = try item(row, from: 15) { found?.items.append(item) }
        }
        return found
    }

    public func list(_ query: OrderQuery, logger: Logger) async throws -> OrderList {
        let counting = query.cursor == nil
        let order: String = switch query.sort {
        case .newest: "o.created_at DESC, o.id DESC"
        case .oldest: "o.created_at ASC, o.id ASC"
        case .largest: "o.total_amount DESC, o.id DESC"
        case .smallest: "o.total_amount ASC, o.id ASC"
        }
        let sql = try Self.filtered(
            "SELECT \(Self.columns), (extract(epoch FROM o.created_at) * 1000000)::int8" + (counting ? ", count(*) OVER ()" : "") + " FROM orders o",
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
            if counting {
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
                lastMicros = try columns[15].decode(Int64.self, context: .default)
                if counting { total = try columns[16].decode(Int.self, context: .default) }
                headers.append(try Self.order(row))
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

    /// `head` followed by a WHERE clause holding only the filters `query` sets (so each list
    /// gets the plan its filters deserve), then whatever `tail` appends. Values are always bound.
    static func filtered(
        _ head: String, _ query: OrderQuery, tail: (inout PostgresQuery.StringInterpolation) throws -> Void
    ) throws -> PostgresQuery {
        try filtered({ $0.appendLiteral(head) }, query, tail: tail)
    }

    /// ``filtered(_:_:tail:)`` with a head that binds values of its own.
    static func filtered(
        _ head: (inout PostgresQuery.StringInterpolation) throws -> Void, _ query: OrderQuery,
        tail: (inout PostgresQuery.StringInterpolation) throws -> Void
    ) throws -> PostgresQuery {
        var sql = PostgresQuery.StringInterpolation(literalCapacity: 1024, interpolationCount: 12)
        try head(&sql)
        sql.appendLiteral(" WHERE true")
        if let userID = query.userID {
            sql.appendLiteral(" AND o.user_id = ")
            sql.appendInterpolation(userID)
        }
        if !query.statuses.isEmpty {
            sql.appendLiteral(" AND o.status = ANY(")
            sql.appendInterpolation(query.statuses.map(\.rawValue))
            sql.appendLiteral(")")
        }
        if let from = query.createdFrom {
            sql.appendLiteral(" AND o.created_at >= ")
            sql.appendInterpolation(from)
        }
        if let to = query.createdTo {
            sql.appendLiteral(" AND o.created_at <= ")
            sql.appendInterpolation(to)
        }
        if let minimum = query.minTotal {
            sql.appendLiteral(" AND o.total_amount >= ")
            try sql.appendInterpolation(minimum)
        }
        if let maximum = query.maxTotal {
            sql.appendLiteral(" AND o.total_amount <= ")
            try sql.appendInterpolation(maximum)
        }
        if let search = query.search?.lowercased() {
            let pattern = "%" + PostgresUserRepository.escapeLike(search) + "%"
            sql.appendLiteral(" AND (lower(o.customer_name) LIKE ")
            sql.appendInterpolation(pattern)
            sql.appendLiteral(" OR lower(o.customer_email) LIKE ")
            sql.appendInterpolation(pattern)
            sql.appendLiteral(" OR o.id::text LIKE ")
            sql.appendInterpolation(PostgresUserRepository.escapeLike(search) + "%")
            sql.appendLiteral(" OR EXISTS (SELECT 1 FROM order_items i WHERE i.order_id = o.id AND lower(i.product_sku) = ")
            sql.appendInterpolation(search)
            sql.appendLiteral("))")
        }
        try tail(&sql)
        return PostgresQuery(stringInterpolation: sql)
    }

    public func events(orderID: UUID, logger: Logger) async throws -> [OrderEvent] {
        try await client.withRows(
            "SELECT id, from_status, to_status, actor_id, actor_role, reason, at FROM order_events WHERE order_id = \(orderID) ORDER BY at, id",
            logger: logger
        ) { rows in
            var events: [OrderEvent] = []
            for try await (id, from, to, actorID, actorRole, reason, at) in rows.decode((UUID, String?, String, UUID?, String?, String?, Date).self) {
                events.append(OrderEvent(
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
                    sql.appendLiteral("""
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

    public func export(_ query: OrderQuery, logger: Logger, row: (OrderExportRow) async throws -> Void) async throws {
        try await client.withRows(
            try Self.filtered(
                """
                SELECT \(Self.columns),
                       (SELECT coalesce(sum(i.quantity), 0) FROM order_items i WHERE i.order_id = o.id)::int8,
                       (SELECT coalesce(string_agg(i.product_sku || ' x' || i.quantity, '; ' ORDER BY i.product_sku), '')
                          FROM order_items i WHERE i.order_id = o.id)
                FROM orders o
                """,
                query
            ) { sql in sql.appendLiteral(" ORDER BY o.created_at DESC, o.id DESC") },
            logger: logger
        ) { rows in
            // Rows arrive as they are consumed (postgres-nio applies back-pressure), so memory stays flat.
            for try await record in rows {
                let columns = record.makeRandomAccess()
                try await row(OrderExportRow(
                    order: try Self.order(record),
                    itemsCount: try columns[15].decode(Int.self, context: .default),
                    items: try columns[16].decode(String.self, context: .default)
                ))
            }
        }
    }

    public func updateDetails(id: UUID, _ details: OrderDetails, owner: UUID?, logger: Logger) async throws -> Order {
        try await client.withConnection { connection in
            try await Self.updateDetails(id: id, details, owner: owner, on: connection, logger: logger)
        }
    }

    /// The update, then the order read back on the same connection (to answer, or to say why not).
    static func updateDetails(id: UUID, _ details: OrderDetails, owner: UUID?, on connection: PostgresConnection, logger: Logger) async throws -> Order {
        let rows = try await connection.query(
            """
            UPDATE orders SET
                customer_name = coalesce(\(details.customerName), customer_name),
                customer_phone = CASE WHEN \(details.customerPhone != nil) THEN \(details.customerPhone ?? nil) ELSE customer_phone END,
                shipping_address = coalesce(\(details.shippingAddress), shipping_address),
                notes = CASE WHEN \(details.notes != nil) THEN \(details.notes ?? nil) ELSE notes END,
                updated_at = now()
            WHERE id = \(id)
              AND CASE WHEN \(owner)::uuid IS NULL THEN status NOT IN ('delivered', 'cancelled')
                       ELSE user_id = \(owner) AND status = 'pending' END
            RETURNING id
            """,
            logger: logger
        )
        var updated = false
        for try await _ in rows { updated = true }
        guard let order = try await find(id: id, on: connection, logger: logger), owner == nil || order.userID == owner else {
            throw OrderError(.notFound)
        }
        guard updated else { throw OrderError(.illegalTransition, currentStatus: order.status) }
        return order
    }

    // MARK: Rows

    /// Fills in the lines of `orders` with one query.
    private func withItems(_ orders: [Order], logger: Logger) async throws -> [Order] {
        guard !orders.isEmpty else { return [] }
        let items = try await client.withRows(
            """
            SELECT i.order_id, \(unescaped: Self.itemColumns)
            FROM order_items i WHERE i.order_id = ANY(\(orders.map(\.id))) ORDER BY i.product_sku
            """,
            logger: logger
        ) { rows in
            var items: [UUID: [OrderItem]] = [:]
            for try await row in rows {
                let orderID = try row.makeRandomAccess()[0].decode(UUID.self, context: .default)
                if let item = try Self.item(row, from: 1) { items[orderID, default: []].append(item) }
            }
            return items
        }
        return orders.map { order in
            var order = order
            order.items = items[order.id] ?? []
            return order
        }
    }

    /// The ``itemColumns`` of a row, starting at column `first`; nil when they are NULL (an order
    /// without lines in an outer join).
    static func item(_ row: PostgresRow, from first: Int) throws -> OrderItem? {
        let columns = row.makeRandomAccess()
        func value<T: PostgresDecodable>(_ index: Int, _ type: T.Type) throws -> T { try columns[first + index].decode(T.self, context: .default) }
        guard let id = try value(0, UUID?.self) else { return nil }
        return OrderItem(
            id: id, productID: try value(1, UUID.self), productSKU: try value(2, String.self), productName: try value(3, String.self),
            productDescription: try value(4, String?.self), quantity: try value(5, Int.self), unitPrice: try value(6, Decimal.self),
            totalPrice: try value(7, Decimal.self)
        )
    }

    /// The order columns of a row (any extra columns after them are ignored).
    static func order(_ row: PostgresRow) throws -> Order {
        let columns = row.makeRandomAccess()
        func value<T: PostgresDecodable>(_ index: Int, _ type: T.Type) throws -> T { try columns[index].decode(T.self, context: .default) }
        return Order(
            id: try value(0, UUID.self), userID: try value(1, UUID.self), customerName: try value(2, String.self),
            customerEmail: try value(3, String.self), customerPhone: try value(4, String?.self),
            shippingAddress: try value(5, String.self), notes: try value(6, String?.self),
            status: OrderStatus(rawValue: try value(7, String.self)) ?? .pending, totalAmount: try value(8, Decimal.self),
            currency: try value(9, String.self), trackingNumber: try value(10, String?.self), items: [],
            createdAt: try value(11, Date.self), updatedAt: try value(12, Date.self),
            autoProcessAt: try value(13, Date.self), cancellableUntil: try value(14, Date.self)
        )
    }
}
