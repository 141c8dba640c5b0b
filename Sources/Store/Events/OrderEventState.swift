import Foundation

/// The parts of an order that change after it is placed, as an `order_events` row records them
/// in the statement that writes it (`order_state`): an event then carries the order as it stood
/// right after that change, however many changes followed before it was published.
struct OrderEventState: Codable, Equatable {
    var status: OrderStatus
    var trackingNumber: String?
    var customerName: String
    var customerPhone: String?
    var shippingAddress: String
    var notes: String?
    /// Seconds since 1970.
    var updatedAt: Double

    enum CodingKeys: String, CodingKey {
        case status, notes
        case trackingNumber = "tracking_number"
        case customerName = "customer_name"
        case customerPhone = "customer_phone"
        case shippingAddress = "shipping_address"
        case updatedAt = "updated_at"
    }

    /// The SQL that builds it from the `orders` row named `row` (already changed, in the same
    /// transaction or statement).
    static func sql(_ row: String) -> String {
        """
        jsonb_build_object('status', \(row).status, 'tracking_number', \(row).tracking_number, \
        'customer_name', \(row).customer_name, 'customer_phone', \(row).customer_phone, \
        'shipping_address', \(row).shipping_address, 'notes', \(row).notes, \
        'updated_at', extract(epoch FROM \(row).updated_at))
        """
    }

    /// `order` (its lines and what never changes) as it stood at this state.
    func applied(to order: Order) -> Order {
        var order = order
        order.status = status
        order.trackingNumber = trackingNumber
        order.customerName = customerName
        order.customerPhone = customerPhone
        order.shippingAddress = shippingAddress
        order.notes = notes
        order.updatedAt = Date(timeIntervalSince1970: updatedAt)
        return order
    }
}
