import Foundation
import NIOCore
import PostgresNIO

/// The statements of ``PostgresOrderRepository/create(_:rules:logger:)``, in the order it runs
/// them. Prepared once per connection: a create runs five statements, and parsing and planning
/// them on every request cost Postgres about as much as running them.
enum PlaceOrderStatements {
    /// Takes the transaction-scoped lock of one customer's idempotency key, without waiting:
    /// false while another request with the key is running.
    struct KeyLock: PostgresPreparedStatement {
        static let sql = "SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0))"
        static let bindingDataTypes: [PostgresDataType] = [.text]
        typealias Row = Bool

        var userID: UUID
        var key: String

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 1)
            bindings.append("\(userID.uuidString):\(key)")
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Bool { try row.decode(Bool.self) }
    }

    /// Locks the customer's row: one create at a time per customer, so the pending cap holds
    /// under concurrency and the next statement sees every earlier create of theirs.
    struct CustomerLock: PostgresPreparedStatement {
        static let sql = "SELECT 1 FROM users WHERE id = $1 FOR NO KEY UPDATE"
        static let bindingDataTypes: [PostgresDataType] = [.uuid]
        typealias Row = Int

        var userID: UUID

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 1)
            bindings.append(userID)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Int { try row.decode(Int.self) }
    }

    /// The customer's pending orders, and the order already holding the idempotency key (if any)
    /// with its request hash and whether it is younger than 24 hours. Always one row.
    struct PendingAndKey: PostgresPreparedStatement {
        static let sql = """
            SELECT (SELECT count(*) FROM orders WHERE user_id = $1 AND status = 'pending'),
                   o.id, o.request_hash, o.created_at > now() - interval '24 hours'
            FROM (SELECT 1) AS one LEFT JOIN orders o ON o.user_id = $1 AND o.idempotency_key = $2
            """
        static let bindingDataTypes: [PostgresDataType] = [.uuid, .text]
        typealias Row = (pending: Int, orderID: UUID?, requestHash: ByteBuffer?, fresh: Bool?)

        var userID: UUID
        var key: String?

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 2)
            bindings.append(userID)
            bindings.append(key)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Row {
            let (pending, orderID, hash, fresh) = try row.decode((Int, UUID?, ByteBuffer?, Bool?).self)
            return (pending, orderID, hash, fresh)
        }
    }

    /// The catalog rows of the ordered SKUs, locked in id order so concurrent orders cannot
    /// deadlock. `NO KEY UPDATE`: the stock changes, the key does not, so other orders' lines
    /// can still reference these products meanwhile.
    struct LockProducts: PostgresPreparedStatement {
        static let sql = """
            SELECT id, sku, price, stock, is_active FROM products
            WHERE sku = ANY($1) ORDER BY id FOR NO KEY UPDATE
            """
        static let bindingDataTypes: [PostgresDataType] = [.textArray]
        typealias Row = (id: UUID, sku: String, price: Decimal, stock: Int, active: Bool)

        var skus: [String]

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 1)
            bindings.append(skus)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Row {
            let (id, sku, price, stock, active) = try row.decode((UUID, String, Decimal, Int, Bool).self)
            return (id, sku, price, stock, active)
        }
    }

    /// Takes the stock and writes the order, its lines (named and priced from the rows locked
    /// above) and its first event in one statement; returns the order joined with its lines,
    /// one row per line in SKU order, as ``OrderByIDStatement`` does.
    struct Place: PostgresPreparedStatement {
        static let sql = """
            WITH line AS (
                SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::int8[]) AS line(item_id, product_id, quantity)
            ), stock AS (
                UPDATE products SET stock = products.stock - line.quantity, updated_at = now()
                FROM line WHERE products.id = line.product_id
            ), o AS (
                INSERT INTO orders AS o (id, user_id, customer_name, customer_email, customer_phone, shipping_address, notes,
                                         status, total_amount, currency, idempotency_key, request_hash, auto_process_at, cancellable_until)
                VALUES ($4, $5, $6, $7, $8, $9, $10, 'pending', $11, $12, $13, $14,
                        now() + $15 * interval '1 second', now() + $16 * interval '1 second')
                RETURNING o.*
            ), i AS (
                INSERT INTO order_items (id, order_id, product_id, product_sku, product_name, product_description, quantity, unit_price, total_price)
                SELECT line.item_id, $4, p.id, p.sku, p.name, p.description, line.quantity, p.price, p.price * line.quantity
                FROM line JOIN products p ON p.id = line.product_id
                RETURNING *
            ), event AS (
                INSERT INTO order_events (\(RecordOrderEvents.columns), order_state)
                SELECT $17, $4, NULL, 'pending', $5, $18, NULL, \(OrderEventState.sql("o")) FROM o
            )
            SELECT \(OrderRow.orderColumns), \(OrderRow.itemColumns)
            FROM o LEFT JOIN i ON true ORDER BY i.product_sku
            """
        static let bindingDataTypes: [PostgresDataType] = [
            .uuidArray, .uuidArray, .int8Array, .uuid, .uuid, .text, .text, .text, .text, .text, .numeric, .text, .text,
            .bytea, .float8, .float8, .uuid, .text,
        ]
        /// Decoded by ``OrderRow/orders(_:)``.
        typealias Row = PostgresRow

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

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 18)
            bindings.append(itemIDs)
            bindings.append(lines.map(\.productID))
            bindings.append(lines.map(\.quantity))
            bindings.append(orderID)
            bindings.append(order.userID)
            bindings.append(order.customerName)
            bindings.append(order.customerEmail)
            bindings.append(order.customerPhone)
            bindings.append(order.shippingAddress)
            bindings.append(order.notes)
            try bindings.append(total)
            bindings.append(rules.currency)
            bindings.append(order.idempotencyKey)
            bindings.append(order.requestHash.map { ByteBuffer(bytes: $0) })
            bindings.append(Double(rules.autoProcessAfterSeconds))
            bindings.append(Double(rules.cancelWindowSeconds))
            bindings.append(eventID)
            bindings.append(order.actorRole.rawValue)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
    }
}
