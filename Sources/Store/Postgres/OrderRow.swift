import Foundation
import Postgres
import PostgresNIO

/// The one place an order and its lines are read from a row, by column name: every statement
/// that returns orders selects ``orderColumns`` (and ``itemColumns`` for its lines).
enum OrderRow {
    /// An order's columns, named as ``order(_:)`` reads them.
    static let orderColumns = """
        o.id, o.user_id, o.customer_name, o.customer_email, o.customer_phone, o.shipping_address, o.notes, o.status,
        o.total_amount, o.currency, o.tracking_number, o.created_at, o.updated_at, o.auto_process_at, o.cancellable_until
        """

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
            totalAmount: try value("total_amount", Decimal.self), currency: try value("currency", String.self),
            trackingNumber: try value("tracking_number", String?.self), items: [],
            createdAt: try value("created_at", Date.self), updatedAt: try value("updated_at", Date.self),
            autoProcessAt: try value("auto_process_at", Date.self), cancellableUntil: try value("cancellable_until", Date.self)
        )
    }

    /// The line of a row; nil when its columns are NULL (an order without lines in an outer join).
    static func item(_ row: DatabaseRow) throws -> OrderItem? {
        func value<T: PostgresDecodable>(_ name: String, _ type: T.Type) throws -> T {
            try row.decode(T.self, column: "item_" + name)
        }
        guard let id = try value("id", UUID?.self) else { return nil }
        return OrderItem(
            id: id, productID: try value("product_id", UUID.self), productSKU: try value("product_sku", String.self),
            productName: try value("product_name", String.self), productDescription: try value("product_description", String?.self),
            quantity: try value("quantity", Int.self), unitPrice: try value("unit_price", Decimal.self),
            totalPrice: try value("total_price", Decimal.self)
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
