import Foundation
import Postgres
import PostgresNIO

/// The one place an order and its lines are read from a row, by column name (looked up once per
/// answer or per prepared statement: ``Columns``): every statement that returns orders selects
/// ``orderColumns`` (and ``itemsColumn(order:from:)`` for its lines) from `orders o` joined with
/// ``paymentJoin``.
enum OrderRow {
    /// An order's columns and its payment's, named as ``order(_:_:)`` reads them.
    static let orderColumns = """
        o.id, o.user_id, o.customer_name, o.customer_email, o.customer_phone, o.shipping_address, o.notes, o.status,
        o.total_amount, o.currency, o.tracking_number, o.created_at, o.updated_at, o.auto_process_at, o.cancellable_until,
        p.order_id AS payment_order_id, p.provider AS payment_provider, p.status AS payment_status,
        p.intent_id AS payment_intent_id, p.amount AS payment_amount, p.currency AS payment_currency,
        p.captured_amount AS payment_captured_amount, p.refunded_amount AS payment_refunded_amount,
        p.refunding_amount AS payment_refunding_amount, p.client_secret AS payment_client_secret,
        p.next_action::text AS payment_next_action, p.last_error AS payment_last_error, p.created_at AS payment_created_at,
        p.updated_at AS payment_updated_at
        """

    /// The join every order statement makes for ``orderColumns``' payment (one row or none).
    static let paymentJoin = "LEFT JOIN payments p ON p.order_id = o.id"

    /// An order's lines as one column, `items`: an array of records in ``item(_:)``'s order,
    /// by SKU, from `lines` (a table or a statement's CTE of lines) where `order` (an SQL
    /// expression) is their order. One row per order, where a row per line repeated the order's
    /// columns on each: Postgres sends, and postgres-nio parses, a third of the bytes for a
    /// three-line order.
    static func itemsColumn(order: String, from lines: String = "order_items") -> String {
        """
        ARRAY(SELECT row(l.id, l.product_id, l.product_sku, l.product_name, l.product_description, l.quantity, l.unit_price,
                         l.total_price)
              FROM \(lines) l WHERE l.order_id = \(order) ORDER BY l.product_sku) AS items
        """
    }

    static func order(_ row: DatabaseRow, _ columns: Columns) throws -> Order {
        func value<T: PostgresDecodable>(_ index: Int, _ type: T.Type) throws -> T { try row.decode(T.self, at: index) }
        return Order(
            id: try value(columns.id, UUID.self), userID: try value(columns.userID, UUID.self),
            customerName: try value(columns.customerName, String.self),
            customerEmail: try value(columns.customerEmail, String.self),
            customerPhone: try value(columns.customerPhone, String?.self),
            shippingAddress: try value(columns.shippingAddress, String.self), notes: try value(columns.notes, String?.self),
            status: OrderStatus(rawValue: try value(columns.status, String.self)) ?? .pending,
            totalAmount: try row.decimal(at: columns.totalAmount), currency: try value(columns.currency, String.self),
            trackingNumber: try value(columns.trackingNumber, String?.self), items: [],
            createdAt: try value(columns.createdAt, Date.self), updatedAt: try value(columns.updatedAt, Date.self),
            autoProcessAt: try value(columns.autoProcessAt, Date.self),
            cancellableUntil: try value(columns.cancellableUntil, Date.self), payment: try payment(row, columns)
        )
    }

    /// The order's payment; nil when its columns are NULL (placed with payments off).
    static func payment(_ row: DatabaseRow, _ columns: Columns) throws -> Payment? {
        func value<T: PostgresDecodable>(_ index: Int, _ type: T.Type) throws -> T { try row.decode(T.self, at: index) }
        guard let order = try value(columns.paymentOrderID, UUID?.self) else { return nil }
        return Payment(
            orderID: order, provider: try value(columns.paymentProvider, String.self),
            status: PaymentStatus(rawValue: try value(columns.paymentStatus, String.self)) ?? .unpaid,
            intentID: try value(columns.paymentIntentID, String?.self), amount: try row.decimal(at: columns.paymentAmount),
            currency: try value(columns.paymentCurrency, String.self),
            capturedAmount: try row.decimal(at: columns.paymentCapturedAmount),
            refundedAmount: try row.decimal(at: columns.paymentRefundedAmount),
            refundingAmount: try row.decimal(at: columns.paymentRefundingAmount),
            clientSecret: try value(columns.paymentClientSecret, String?.self),
            nextAction: try value(columns.paymentNextAction, String?.self),
            lastError: try value(columns.paymentLastError, String?.self),
            createdAt: try value(columns.paymentCreatedAt, Date.self), updatedAt: try value(columns.paymentUpdatedAt, Date.self))
    }

    /// A line from the next record of ``itemsColumn(order:from:)``.
    static func item(_ record: inout DatabaseRecord) throws -> OrderItem {
        OrderItem(
            id: try record.next(UUID.self), productID: try record.next(UUID.self),
            productSKU: try record.next(String.self), productName: try record.next(String.self),
            productDescription: try record.next(String?.self), quantity: try record.next(Int.self),
            unitPrice: try record.nextDecimal(), totalPrice: try record.nextDecimal()
        )
    }

    /// The order of a row of ``orderColumns`` and ``itemsColumn(order:from:)``, with its lines.
    static func orderWithItems(_ row: DatabaseRow, _ columns: Columns) throws -> Order {
        var order = try order(row, columns)
        var records = try row.records(at: columns.items)
        order.items.reserveCapacity(records.remaining)
        while var record = try records.next() { order.items.append(try item(&record)) }
        return order
    }

    /// Orders with their lines from rows of ``orderColumns`` and ``itemsColumn(order:from:)``,
    /// one row per order; a prepared statement passes its `known` columns.
    static func orders(_ rows: [DatabaseRow], columns known: ColumnsOnce? = nil) throws -> [Order] {
        guard let first = rows.first else { return [] }
        let columns = try known?.columns(of: first) ?? Columns(of: first)
        return try rows.map { try orderWithItems($0, columns) }
    }
}
