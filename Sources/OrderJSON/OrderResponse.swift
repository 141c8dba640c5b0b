import Foundation
import ProcessSupport
import Store

/// An order as the API shows it: money as two-place strings, times in `TIMEZONE`.
public struct OrderResponse: Encodable, Sendable {
    public struct Item: Encodable, Sendable {
        var id: String
        var productID: String
        var productSKU: String
        var productName: String
        var productDescription: String?
        var quantity: Int
        var unitPrice: String
        var totalPrice: String

        enum CodingKeys: String, CodingKey {
            case id, quantity
            case productID = "product_id"
            case productSKU = "product_sku"
            case productName = "product_name"
            case productDescription = "product_description"
            case unitPrice = "unit_price"
            case totalPrice = "total_price"
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(productID, forKey: .productID)
            try container.encode(productSKU, forKey: .productSKU)
            try container.encode(productName, forKey: .productName)
            try container.encode(productDescription, forKey: .productDescription)
            try container.encode(quantity, forKey: .quantity)
            try container.encode(unitPrice, forKey: .unitPrice)
            try container.encode(totalPrice, forKey: .totalPrice)
        }
    }

    public var order: Order
    public var time: DisplayTime
    /// The order's payment (nil: none, as every order while payments are off: `unpaid`, `null`).
    public var payment: PaymentResponse?

    /// The order as `viewer` sees it: its payment's client secret and next action only for its
    /// owner.
    public init(order: Order, time: DisplayTime, viewer: UUID? = nil) {
        self.order = order
        self.time = time
        self.payment = order.payment.map { PaymentResponse(payment: $0, forOwner: viewer == order.userID) }
    }

    enum CodingKeys: String, CodingKey {
        case id, notes, status, currency, items
        case userID = "user_id"
        case customerName = "customer_name"
        case customerEmail = "customer_email"
        case customerPhone = "customer_phone"
        case shippingAddress = "shipping_address"
        case totalAmount = "total_amount"
        case trackingNumber = "tracking_number"
        case itemsCount = "items_count"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case autoProcessAt = "auto_process_at"
        case cancellableUntil = "cancellable_until"
        case paymentStatus = "payment_status"
        case payment
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(order.id.lowercasedString, forKey: .id)
        try container.encode(order.userID.lowercasedString, forKey: .userID)
        try container.encode(order.customerName, forKey: .customerName)
        try container.encode(order.customerEmail, forKey: .customerEmail)
        try container.encode(order.customerPhone, forKey: .customerPhone)
        try container.encode(order.shippingAddress, forKey: .shippingAddress)
        try container.encode(order.notes, forKey: .notes)
        try container.encode(order.status, forKey: .status)
        try container.encode(order.totalAmount.moneyString, forKey: .totalAmount)
        try container.encode(order.currency, forKey: .currency)
        try container.encode(order.trackingNumber, forKey: .trackingNumber)
        try container.encode(order.items.map(Self.item), forKey: .items)
        try container.encode(order.itemsCount, forKey: .itemsCount)
        try container.encode(time.string(from: order.createdAt), forKey: .createdAt)
        try container.encode(time.string(from: order.updatedAt), forKey: .updatedAt)
        try container.encode(time.string(from: order.autoProcessAt), forKey: .autoProcessAt)
        try container.encode(time.string(from: order.cancellableUntil), forKey: .cancellableUntil)
        try container.encode((payment?.payment.status ?? .unpaid).rawValue, forKey: .paymentStatus)
        try container.encode(payment, forKey: .payment)
    }

    public static func item(_ item: OrderItem) -> Item {
        Item(
            id: item.id.lowercasedString, productID: item.productID.lowercasedString, productSKU: item.productSKU,
            productName: item.productName, productDescription: item.productDescription, quantity: item.quantity,
            unitPrice: item.unitPrice.moneyString, totalPrice: item.totalPrice.moneyString
        )
    }
}
