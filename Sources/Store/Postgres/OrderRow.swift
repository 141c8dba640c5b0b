import Foundation
import Postgres
import PostgresNIO

/// The one place an order and its lines are read from a row, by column name (looked up once per
/// answer: ``Columns``): every statement that returns orders selects ``orderColumns`` (and
/// ``itemColumns`` for its lines) from `orders o` joined with ``paymentJoin``.
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

    /// A line's columns, renamed so they can sit beside ``orderColumns`` in one row.
    static let itemColumns = """
        i.id AS item_id, i.product_id AS item_product_id, i.product_sku AS item_product_sku,
        i.product_name AS item_product_name, i.product_description AS item_product_description,
        i.quantity AS item_quantity, i.unit_price AS item_unit_price, i.total_price AS item_total_price
        """

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

    /// The line of a row; nil when its columns are NULL (an order without lines in an outer join).
    static func item(_ row: DatabaseRow, _ columns: Columns) throws -> OrderItem? {
        func value<T: PostgresDecodable>(_ index: Int, _ type: T.Type) throws -> T { try row.decode(T.self, at: index) }
        guard let id = try value(columns.itemID, UUID?.self) else { return nil }
        return OrderItem(
            id: id, productID: try value(columns.itemProductID, UUID.self),
            productSKU: try value(columns.itemProductSKU, String.self),
            productName: try value(columns.itemProductName, String.self),
            productDescription: try value(columns.itemProductDescription, String?.self),
            quantity: try value(columns.itemQuantity, Int.self), unitPrice: try row.decimal(at: columns.itemUnitPrice),
            totalPrice: try row.decimal(at: columns.itemTotalPrice)
        )
    }

    /// Orders with their lines from rows of ``orderColumns`` joined with ``itemColumns`` (one
    /// row per line, lines of an order together).
    static func orders(_ rows: [DatabaseRow]) throws -> [Order] {
        guard let first = rows.first else { return [] }
        let columns = try Columns(of: first)
        var orders: [Order] = []
        for row in rows {
            let id = try row.decode(UUID.self, at: columns.id)
            if orders.last?.id != id { orders.append(try order(row, columns)) }
            if let item = try item(row, columns) { orders[orders.count - 1].items.append(item) }
        }
        return orders
    }
}
