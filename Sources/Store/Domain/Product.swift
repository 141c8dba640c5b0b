import Foundation

/// A catalog entry. `price` is exact (numeric(12,2)); `stock` never goes below zero.
public struct Product: Sendable, Equatable {
    public var id: UUID
    public var sku: String
    public var name: String
    public var description: String?
    public var category: String
    public var price: Decimal
    public var stock: Int
    public var isActive: Bool
    public var imageURL: String?
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: UUID, sku: String, name: String, description: String? = nil, category: String, price: Decimal, stock: Int,
        isActive: Bool = true, imageURL: String? = nil, createdAt: Date = Date(), updatedAt: Date = Date()
    ) {
        self.id = id
        self.sku = sku
        self.name = name
        self.description = description
        self.category = category
        self.price = price
        self.stock = stock
        self.isActive = isActive
        self.imageURL = imageURL
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
