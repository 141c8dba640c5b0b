import Foundation
import Postgres
import PostgresNIO

/// The one place an order is read from a statement's answer: every statement that returns
/// orders selects ``column(order:payments:lines:)``, an order with its payment and its lines as
/// one value of migration 0007's `order_row`, read field by field in its order. One cell per
/// order, where a column per field and a row per line had postgres-nio hash each column's name
/// for every answer, parse each row's 37 cells and repeat the order's columns on each line's
/// row; and Postgres checks the fields against the type when it prepares the statement.
enum OrderRow {
    /// The `"order"` column: the order `o` (an alias of `orders`' rows), its payment from
    /// `payments` (NULL when it has none: placed while payments were off) and its lines from
    /// `lines` as the table keeps them (``order(_:)`` puts them in SKU order); `payments` and
    /// `lines` are tables or a statement's CTEs.
    static func column(order o: String = "o", payments: String = "payments", lines: String = "order_items") -> String {
        """
        row(\(o).id, \(o).user_id, \(o).customer_name, \(o).customer_email, \(o).customer_phone, \(o).shipping_address, \
        \(o).notes, \(o).status, \(o).total_amount, \(o).currency, \(o).tracking_number, \(o).created_at, \(o).updated_at, \
        \(o).auto_process_at, \(o).cancellable_until,
            (SELECT row(p.order_id, p.provider, p.status, p.intent_id, p.amount, p.currency, p.captured_amount, p.refunded_amount,
                        p.refunding_amount, p.client_secret, p.next_action::text, p.last_error, p.created_at, p.updated_at)::order_payment
             FROM \(payments) p WHERE p.order_id = \(o).id),
            ARRAY(SELECT row(l.id, l.product_id, l.product_sku, l.product_name, l.product_description, l.quantity, l.unit_price,
                             l.total_price)::order_line
                  FROM \(lines) l WHERE l.order_id = \(o).id))::order_row AS "order"
        """
    }

    /// The order in `record`: ``column(order:payments:lines:)``'s fields in order.
    static func order(_ record: inout DatabaseRecord) throws -> Order {
        var order = Order(
            id: try record.next(UUID.self), userID: try record.next(UUID.self), customerName: try record.next(String.self),
            customerEmail: try record.next(String.self), customerPhone: try record.next(String?.self),
            shippingAddress: try record.next(String.self), notes: try record.next(String?.self),
            status: OrderStatus(rawValue: try record.next(String.self)) ?? .pending, totalAmount: try record.nextDecimal(),
            currency: try record.next(String.self), trackingNumber: try record.next(String?.self), items: [],
            createdAt: try record.next(Date.self), updatedAt: try record.next(Date.self),
            autoProcessAt: try record.next(Date.self), cancellableUntil: try record.next(Date.self))
        if var payment = try record.nextRecord() { order.payment = try Self.payment(&payment) }
        var lines = try record.nextRecords()
        order.items.reserveCapacity(lines.remaining)
        while var line = try lines.next() { order.items.append(try item(&line)) }
        // By SKU here, not by an `ORDER BY` in the subquery: Postgres would sort each order's
        // lines on its own, a sort's set-up per order, 7–8 % of a page's cost to it (pgbench).
        // Bytes, not a database collation: SKUs are ASCII, and one order whatever the locale.
        order.items.sort { $0.productSKU.utf8.lexicographicallyPrecedes($1.productSKU.utf8) }
        return order
    }

    /// An `order_payment`.
    static func payment(_ record: inout DatabaseRecord) throws -> Payment {
        Payment(
            orderID: try record.next(UUID.self), provider: try record.next(String.self),
            status: PaymentStatus(rawValue: try record.next(String.self)) ?? .unpaid, intentID: try record.next(String?.self),
            amount: try record.nextDecimal(), currency: try record.next(String.self), capturedAmount: try record.nextDecimal(),
            refundedAmount: try record.nextDecimal(), refundingAmount: try record.nextDecimal(),
            clientSecret: try record.next(String?.self), nextAction: try record.next(String?.self),
            lastError: try record.next(String?.self), createdAt: try record.next(Date.self), updatedAt: try record.next(Date.self))
    }

    /// An `order_line`.
    static func item(_ record: inout DatabaseRecord) throws -> OrderItem {
        OrderItem(
            id: try record.next(UUID.self), productID: try record.next(UUID.self),
            productSKU: try record.next(String.self), productName: try record.next(String.self),
            productDescription: try record.next(String?.self), quantity: try record.next(Int.self),
            unitPrice: try record.nextDecimal(), totalPrice: try record.nextDecimal()
        )
    }

    /// The order in `row`'s `"order"` column, at `index` (looked up once per answer).
    static func order(_ row: DatabaseRow, at index: Int) throws -> Order {
        var record = try row.record(at: index)
        return try order(&record)
    }

    /// The orders of rows of ``column(order:payments:lines:)``, one row per order.
    static func orders(_ rows: [DatabaseRow]) throws -> [Order] {
        guard let first = rows.first else { return [] }
        let index = try first.index(of: "order", expectedAt: 0)
        return try rows.map { try order($0, at: index) }
    }
}
