import Foundation

/// A product as staff submit it (API or console), before the catalog's rules are applied.
public struct ProductInput: Sendable {
    public var sku: String
    public var name: String
    public var description: String?
    public var category: String
    public var price: Decimal
    public var stock: Int?
    public var imageURL: String?
    public var isActive: Bool?

    public init(
        sku: String, name: String, description: String?, category: String, price: Decimal, stock: Int?, imageURL: String?,
        isActive: Bool?
    ) {
        self.sku = sku
        self.name = name
        self.description = description
        self.category = category
        self.price = price
        self.stock = stock
        self.imageURL = imageURL
        self.isActive = isActive
    }
}
