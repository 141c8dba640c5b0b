import Foundation

/// An order with its lines. Amounts are exact; `autoProcessAt` is when a pending order moves on.
public struct Order: Sendable, Equatable, Codable {
    public var id: UUID
    public var userID: UUID
    public var customerName: String
    public var customerEmail: String
    public var customerPhone: String?
    public var shippingAddress: String
    public var notes: String?
    public var status: OrderStatus
    public var totalAmount: Decimal
    public var currency: String
    public var trackingNumber: String?
    public var items: [OrderItem]
    public var createdAt: Date
    public var updatedAt: Date
    public var autoProcessAt: Date
    public var cancellableUntil: Date
    /// Its payment (nil: placed while payments were off).
    public var payment: Payment? = nil

    /// The sum of the lines' quantities.
    public var itemsCount: Int { items.reduce(0) { $0 + $1.quantity } }
}
