import Foundation
import NIOCore
import Postgres
import PostgresNIO

/// The statements of ``PostgresOrderRepository/create(_:rules:logger:)``, in the order it runs
/// them. Prepared once per connection: a create runs three statements, and parsing and planning
/// them on every request cost Postgres about as much as running them.
enum PlaceOrderStatements {
    /// Takes the transaction-scoped lock of one customer's idempotency key without waiting, and
    /// only if it got it, the customer's row: false at once while another request with the key
    /// is running (it holds the row too, and waiting for that would answer after it ended). One
    /// statement for the two locks: a create's round trips are most of its cost to both sides.
    struct KeyAndCustomerLock: PreparedStatement {
        static let sql = """
            WITH k AS MATERIALIZED (SELECT pg_try_advisory_xact_lock(hashtextextended($2::text, 0)) AS got)
            SELECT k.got FROM k LEFT JOIN LATERAL (
                SELECT 1 FROM users WHERE id = $1::uuid AND k.got FOR NO KEY UPDATE
            ) AS customer ON true
            """
        typealias Row = Bool

        var userID: UUID
        var key: String

        func bind(to binds: inout StatementBinds) throws {
            try binds.append(userID)
            try binds.append("\(userID.uuidString):\(key)")
        }

        func decodeRow(_ row: DatabaseRow) throws -> Bool { try row.decode(Bool.self, at: 0) }
    }

    /// Locks the customer's row: one create at a time per customer, so the pending cap holds
    /// under concurrency and the next statement sees every earlier create of theirs. A create
    /// without an idempotency key takes only this lock.
    struct CustomerLock: PreparedStatement {
        static let sql = "SELECT 1 FROM users WHERE id = $1::uuid FOR NO KEY UPDATE"
        typealias Row = Int

        var userID: UUID

        func bind(to binds: inout StatementBinds) throws {
            try binds.append(userID)
        }

        func decodeRow(_ row: DatabaseRow) throws -> Int { try row.decode(Int.self, at: 0) }
    }

    /// After the customer's lock (a statement of its own: this one's snapshot must see every
    /// create of theirs that lock waited for): their pending orders, the order already holding
    /// the idempotency key (if any) with its request hash and whether it is younger than 24
    /// hours, and the catalog rows of the ordered SKUs, locked in id order so concurrent orders
    /// cannot deadlock (`NO KEY UPDATE`: the stock changes, the key does not, so other orders'
    /// lines can still reference these products meanwhile). A row per product found, the first
    /// four columns the same in each; one row without a product when none is. A replay (the key's
    /// order younger than 24 hours) locks no product: it writes nothing, and must not wait behind
    /// the creates holding them. The customer and the SKUs are scalar subqueries, so Postgres
    /// keeps one plan (``PreparedStatement``): planned for the SKUs it looked cheaper.
    struct PendingKeyAndProducts: PreparedStatement {
        static let sql = """
            WITH pending_and_key AS (
                SELECT (SELECT count(*) FROM orders WHERE user_id = (SELECT $1::uuid) AND status = 'pending') AS pending,
                       o.id, o.request_hash, o.created_at > now() - interval '24 hours' AS fresh
                FROM (SELECT 1) AS one LEFT JOIN orders o ON o.user_id = (SELECT $1::uuid) AND o.idempotency_key = $2::text
            ), product AS (
                SELECT id, sku, price, stock, is_active FROM products
                WHERE sku = ANY((SELECT $3::text[])::text[]) AND NOT (SELECT coalesce(k.fresh, false) FROM pending_and_key AS k)
                ORDER BY id FOR NO KEY UPDATE
            )
            SELECT k.pending, k.id, k.request_hash, k.fresh, p.id, p.sku, p.price, p.stock, p.is_active
            FROM pending_and_key AS k LEFT JOIN product AS p ON true
            """
        /// A catalog row locked for the order.
        typealias Product = (id: UUID, sku: String, price: Decimal, stock: Int, active: Bool)
        typealias Row = (pending: Int, orderID: UUID?, requestHash: ByteBuffer?, fresh: Bool?, product: Product?)

        var userID: UUID
        var key: String?
        var skus: [String]

        func bind(to binds: inout StatementBinds) throws {
            try binds.append(userID)
            try binds.append(key)
            try binds.append(skus)
        }

        /// Column by column: a tuple's decode is generic code left unspecialized, which looked each
        /// cell's decoding context up at run time (a create's rows: 18 cells, 2 % of its
        /// instructions); the price by ``DatabaseRow/decimal(at:)``.
        func decodeRow(_ row: DatabaseRow) throws -> Row {
            let product: Product? =
                try row.decode(UUID?.self, at: 4).map { id in
                    try (id, row.decode(String.self, at: 5), row.decimal(at: 6), row.decode(Int.self, at: 7), row.decode(Bool.self, at: 8))
                }
            return try (
                row.decode(Int.self, at: 0), row.decode(UUID?.self, at: 1), row.decode(ByteBuffer?.self, at: 2),
                row.decode(Bool?.self, at: 3), product
            )
        }
    }

    /// Takes the stock and writes the order, its lines (named and priced from the rows locked
    /// above) and its first event in one statement; returns the order with its payment and
    /// lines in one cell, as ``OrderByIDStatement`` does. The lines' arrays are scalar
    /// subqueries, so Postgres keeps one plan whatever their length (``PreparedStatement``).
    struct Place: PreparedStatement {
        static let sql = """
            WITH line AS (
                SELECT * FROM unnest((SELECT $1::uuid[]), (SELECT $2::uuid[]), (SELECT $3::int8[])) AS line(item_id, product_id, quantity)
            ), stock AS (
                UPDATE products SET stock = products.stock - line.quantity, updated_at = now()
                FROM line WHERE products.id = line.product_id
            ), o AS (
                INSERT INTO orders AS o (id, user_id, customer_name, customer_email, customer_phone, shipping_address, notes,
                                         status, total_amount, currency, idempotency_key, request_hash, auto_process_at, cancellable_until)
                VALUES ($4::uuid, $5::uuid, $6::text, $7::text, $8::text, $9::text, $10::text, 'pending', $11::numeric, $12::text,
                        $13::text, $14::bytea, now() + $15::float8 * interval '1 second', now() + $16::float8 * interval '1 second')
                RETURNING o.*
            ), i AS (
                INSERT INTO order_items (id, order_id, product_id, product_sku, product_name, product_description, quantity, unit_price, total_price)
                SELECT line.item_id, $4::uuid, p.id, p.sku, p.name, p.description, line.quantity, p.price, p.price * line.quantity
                FROM line JOIN products p ON p.id = line.product_id
                RETURNING *
            ), event AS (
                INSERT INTO order_events (\(RecordOrderEvents.columns), order_state)
                SELECT $17::uuid, $4::uuid, NULL, 'pending', $5::uuid, $18::text, NULL, \(OrderEventState.sql("o")) FROM o
            ), p AS (
                INSERT INTO payments (order_id, provider, amount, currency)
                SELECT o.id, $19::text, o.total_amount, o.currency FROM o WHERE $19::text IS NOT NULL
                RETURNING *
            )
            SELECT \(OrderRow.column(payments: "p", lines: "i")) FROM o
            """
        /// The order placed.
        typealias Row = Order

        var order: NewOrder
        var orderID: UUID
        var lines: [(productID: UUID, quantity: Int)]
        var total: Decimal
        var rules: OrderRules
        var itemIDs: [UUID]
        var eventID: UUID

        init(order: NewOrder, orderID: UUID, lines: [(productID: UUID, quantity: Int)], total: Decimal, rules: OrderRules) {
            self.order = order
            self.orderID = orderID
            self.lines = lines
            self.total = total
            self.rules = rules
            self.itemIDs = lines.map { _ in UUIDv7.make() }
            self.eventID = UUIDv7.make()
        }

        func bind(to binds: inout StatementBinds) throws {
            try binds.append(itemIDs)
            try binds.append(lines.map(\.productID))
            try binds.append(lines.map(\.quantity))
            try binds.append(orderID)
            try binds.append(order.userID)
            try binds.append(order.customerName)
            try binds.append(order.customerEmail)
            try binds.append(order.customerPhone)
            try binds.append(order.shippingAddress)
            try binds.append(order.notes)
            try binds.append(total)
            try binds.append(rules.currency)
            try binds.append(order.idempotencyKey)
            try binds.append(order.requestHash.map { ByteBuffer(bytes: $0) })
            try binds.append(Double(rules.autoProcessAfterSeconds))
            try binds.append(Double(rules.cancelWindowSeconds))
            try binds.append(eventID)
            try binds.append(order.actorRole.rawValue)
            try binds.append(rules.paymentProvider)
        }

        func decodeRow(_ row: DatabaseRow) throws -> Order { try OrderRow.order(row, at: 0) }
    }
}
