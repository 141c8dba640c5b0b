import Foundation
import Logging
import NIOCore
import Postgres
import PostgresNIO

/// ``OrderRepository`` on Postgres.
public struct PostgresOrderRepository: OrderRepository {
    let database: Database
    /// Reads of one order by id, gathered into one statement beyond `readsAtOnce` at once.
    let reads: ReadBatcher<UUID, Order>

    /// - Parameter readsAtOnce: how many reads by id may run at once before later ones wait to
    ///   be read together (``ReadBatcher``).
    public init(database: Database, readsAtOnce: Int = 4) {
        self.database = database
        reads = ReadBatcher(
            concurrency: readsAtOnce, batchSize: 64,
            single: { id, logger in
                try await database.withConnection { try await Self.find(id: id, on: $0, logger: logger) }
            },
            many: { ids, logger in
                let orders = try await database.execute(OrdersByIDStatement(ids: ids), logger: logger)
                return Dictionary(orders.lazy.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            })
    }

    // MARK: Create

    /// Three statements in one transaction (``PlaceOrderStatements``): the idempotency key's lock
    /// with the customer's (without a key, the customer's alone); their pending count, the key's
    /// earlier order and the products locked; then stock, order, lines and event written together.
    /// Product locks, the contended ones, are held through that last statement and the commit only.
    public func create(
        _ order: NewOrder, rules: OrderRules, logger: Logger, beforeCommit: @Sendable (Order) async -> Void
    ) async throws -> (order: Order, replayed: Bool) {
        try await database.transaction(logger: logger) { connection in
            if let key = order.idempotencyKey {
                let acquired = try await connection.execute(
                    PlaceOrderStatements.KeyAndCustomerLock(userID: order.userID, key: key), logger: logger)
                if acquired.contains(false) { throw OrderError(.idempotencyInProgress) }
            } else {
                try await connection.execute(PlaceOrderStatements.CustomerLock(userID: order.userID), logger: logger)
            }
            let rows = try await connection.execute(
                PlaceOrderStatements.PendingKeyAndProducts(userID: order.userID, key: order.idempotencyKey, skus: order.lines.map(\.sku)),
                logger: logger)
            if let found = rows.first, let earlier = found.orderID {
                if found.fresh == true {
                    guard let hash = found.requestHash, Array(buffer: hash) == order.requestHash else {
                        throw OrderError(.idempotencyMismatch)
                    }
                    guard let replayed = try await Self.find(id: earlier, on: connection, logger: logger) else {
                        throw OrderError(.notFound)
                    }
                    return (replayed, true)
                }
                // An expired key may be used again: release it from the old order.
                try await connection.query("UPDATE orders SET idempotency_key = NULL WHERE id = \(earlier)", logger: logger)
            }
            if let pending = rows.first?.pending, pending >= rules.maxPendingOrders { throw OrderError(.tooManyPending) }

            let reserved = try Self.reserve(order.lines, from: rows.compactMap(\.product))
            let total = try Self.total(of: reserved)
            let place = PlaceOrderStatements.Place(
                order: order, orderID: UUIDv7.make(), lines: reserved.map { ($0.productID, $0.quantity) }, total: total, rules: rules
            )
            guard let created = try await connection.execute(place, logger: logger).first else {
                throw OrderError(.notFound)
            }
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

    /// Checks every line against the products locked for it; refuses the whole order naming each
    /// SKU that cannot be served.
    static func reserve(_ lines: [(sku: String, quantity: Int)], from products: [PlaceOrderStatements.PendingKeyAndProducts.Product])
        throws(OrderError) -> [ReservedLine]
    {
        var found: [String: PlaceOrderStatements.PendingKeyAndProducts.Product] = [:]
        for product in products { found[product.sku] = product }
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
        try await database.withConnection { connection in
            try await Self.apply(transition, to: id, on: connection, logger: logger)
            guard let order = try await Self.find(id: id, on: connection, logger: logger) else { throw OrderError(.notFound) }
            return order
        }
    }

    /// The payment statuses an order may ship with: captured, refunded in part at most.
    static let shippable: Set<String> = [PaymentStatus.paid.rawValue, PaymentStatus.partiallyRefunded.rawValue]

    /// Moves the order in one transaction on `connection`: status, stock back on cancel, event.
    static func apply(_ transition: Transition, to id: UUID, on connection: DatabaseConnection, logger: Logger) async throws {
        try await connection.transaction(logger: logger) { connection in
            // A change that depends on the payment locks its row first, before the order's, as an
            // authorisation does (its event's foreign key then waits on the order): an
            // authorisation either committed before this and is seen here, or waits for this
            // commit and finds the order cancelled (its payment then voided).
            var lockedPayment: PaymentStatus?
            if transition.paymentIn != nil {
                lockedPayment =
                    try await connection.query(
                        "SELECT status FROM payments WHERE order_id = \(id) FOR UPDATE", logger: logger
                    ).first.map { PaymentStatus(rawValue: try $0.decode(String.self)) } ?? nil
            }
            // The payment's status too (none: placed with payments off): an order ships only paid.
            let current = try await connection.query(
                """
                SELECT status, user_id, cancellable_until >= now(), (SELECT status FROM payments WHERE order_id = orders.id)
                FROM orders WHERE id = \(id) FOR UPDATE
                """,
                logger: logger
            ).last?.decode((String, UUID, Bool, String?).self)
            guard let (rawStatus, owner, withinWindow, payment) = current, let status = OrderStatus(rawValue: rawStatus) else {
                throw OrderError(.notFound)
            }
            if let refusal = transition.refusal(status: status, owner: owner, withinCancelWindow: withinWindow) { throw refusal }
            if transition.to == .shipped, let payment, !Self.shippable.contains(payment) {
                throw OrderError(.unpaid, currentStatus: status)
            }
            if let allowed = transition.paymentIn, !(lockedPayment.map(allowed.contains) ?? false) {
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
            try await RecordOrderEvents(
                orders: [id], from: status, to: transition.to, actorID: transition.actorID, actorRole: transition.actorRole,
                reason: transition.reason
            ).run(on: connection, logger: logger)
        }
    }

    public func updateDetails(id: UUID, _ details: OrderDetails, by actor: Actor, logger: Logger) async throws -> Order {
        try await database.withConnection { connection in
            try await Self.updateDetails(id: id, details, by: actor, on: connection, logger: logger)
        }
    }

    /// The update with its `updated` event in one statement, then the order read back on the same
    /// connection (to answer, or to say why not). A customer may edit only their own pending order.
    static func updateDetails(id: UUID, _ details: OrderDetails, by actor: Actor, on connection: DatabaseConnection, logger: Logger)
        async throws -> Order
    {
        let owner: UUID? = actor.isStaff ? nil : actor.id
        let editable = OrderPolicy(actor).editableStates.map(\.rawValue)
        let rows = try await connection.query(
            """
            WITH updated AS (
            UPDATE orders SET
                customer_name = coalesce(\(details.customerName), customer_name),
                customer_phone = CASE WHEN \(details.customerPhone != nil) THEN \(details.customerPhone ?? nil) ELSE customer_phone END,
                shipping_address = coalesce(\(details.shippingAddress), shipping_address),
                notes = CASE WHEN \(details.notes != nil) THEN \(details.notes ?? nil) ELSE notes END,
                updated_at = now()
            WHERE id = \(id)
              AND status = ANY(\(editable)) AND (\(owner)::uuid IS NULL OR user_id = \(owner))
            RETURNING *
            ), event AS (
                INSERT INTO order_events (\(unescaped: RecordOrderEvents.columns), kind, order_state)
                SELECT \(UUIDv7.make()), id, status, status, \(actor.id), \(actor.role.rawValue), NULL, 'updated',
                       \(unescaped: OrderEventState.sql("updated"))
                FROM updated
            )
            SELECT id FROM updated
            """,
            logger: logger
        )
        let updated = !rows.isEmpty
        guard let order = try await find(id: id, on: connection, logger: logger), owner == nil || order.userID == owner else {
            throw OrderError(.notFound)
        }
        guard updated else { throw OrderError(.illegalTransition, currentStatus: order.status) }
        return order
    }
}
