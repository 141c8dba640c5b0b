import Foundation

/// One line of an order, with the catalog's name and price as they were when it was placed.
public struct OrderItem: Sendable, Equatable, Codable {
    public var id: UUID
    public var productID: UUID
    public var productSKU: String
    public var productName: String
    public var productDescription: String?
    public var quantity: Int
    public var unitPrice: Decimal
    public var totalPrice: Decimal
}
