import Foundation
import Postgres
import PostgresNIO

/// The one place an order and its lines are read from a row, by column name: every statement
/// that returns orders selects ``orderColumns`` (and ``itemColumns`` for its lines) from
/// `orders o` joined with ``paymentJoin``.
enum OrderRow {
    /// An order's columns and its payment's, named as ``order(_:)`` reads them.
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

    static func order(_ row: DatabaseRow) throws -> Order {
        func value<T: PostgresDecodable>(_ name: String, _ type: T.Type) throws -> T { try row.decode(T.self, column: name) }
        return Order(
            id: try value("id", UUID.self), userID: try value("user_id", UUID.self),
            customerName: try value("customer_name", String.self), customerEmail: try value("customer_email", String.self),
            customerPhone: try value("customer_phone", String?.self), shippingAddress: try value("shipping_address", String.self),
            notes: try value("notes", String?.self), status: OrderStatus(rawValue: try value("status", String.self)) ?? .pending,
            totalAmount: try row.decimal(column: "total_amount"), currency: try value("currency", String.self),
            trackingNumber: try value("tracking_number", String?.self), items: [],
            createdAt: try value("created_at", Date.self), updatedAt: try value("updated_at", Date.self),
            autoProcessAt: try value("auto_process_at", Date.self), cancellableUntil: try value("cancellable_until", Date.self),
            payment: try payment(row)
        )
    }

    /// The order's payment; nil when its columns are NULL (placed with payments off).
    static func payment(_ row: DatabaseRow) throws -> Payment? {
        // Whole column names, not a prefix joined per read: a page of orders reads thousands.
        func value<T: PostgresDecodable>(_ name: String, _ type: T.Type) throws -> T { try row.decode(T.self, column: name) }
        guard let order = try value("payment_order_id", UUID?.self) else { return nil }
        return Payment(
            orderID: order, provider: try value("payment_provider", String.self),
            status: PaymentStatus(rawValue: try value("payment_status", String.self)) ?? .unpaid,
            intentID: try value("payment_intent_id", String?.self),
            amount: try row.decimal(column: "payment_amount"), currency: try value("payment_currency", String.self),
            capturedAmount: try row.decimal(column: "payment_captured_amount"),
            refundedAmount: try row.decimal(column: "payment_refunded_amount"),
            refundingAmount: try row.decimal(column: "payment_refunding_amount"),
            clientSecret: try value("payment_client_secret", String?.self),
            nextAction: try value("payment_next_action", String?.self), lastError: try value("payment_last_error", String?.self),
            createdAt: try value("payment_created_at", Date.self), updatedAt: try value("payment_updated_at", Date.self))
    }

    /// The line of a row; nil when its columns are NULL (an order without lines in an outer join).
    static func item(_ row: DatabaseRow) throws -> OrderItem? {
        func value<T: PostgresDecodable>(_ name: String, _ type: T.Type) throws -> T { try row.decode(T.self, column: name) }
        guard let id = try value("item_id", UUID?.self) else { return nil }
        return OrderItem(
            id: id, productID: try value("item_product_id", UUID.self), productSKU: try value("item_product_sku", String.self),
            productName: try value("item_product_name", String.self),
            productDescription: try value("item_product_description", String?.self),
            quantity: try value("item_quantity", Int.self), unitPrice: try row.decimal(column: "item_unit_price"),
            totalPrice: try row.decimal(column: "item_total_price")
        )
    }

    /// Orders with their lines from rows of ``orderColumns`` joined with ``itemColumns`` (one
    /// row per line, lines of an order together).
    static func orders(_ rows: [DatabaseRow]) throws -> [Order] {
        var orders: [Order] = []
        for row in rows {
            let id = try row.decode(UUID.self, column: "id")
            if orders.last?.id != id { orders.append(try order(row)) }
            if let item = try item(row) { orders[orders.count - 1].items.append(item) }
        }
        return orders
    }
}
