import Foundation

/// A partial update of a product: nil leaves a field as it is; `.some(nil)` clears an optional one.
public struct ProductChanges: Sendable, Equatable {
    public var name: String?
    public var description: String??
    public var category: String?
    public var price: Decimal?
    public var stock: Int?
    public var isActive: Bool?
    public var imageURL: String??

    public init(
        name: String? = nil, description: String?? = nil, category: String? = nil, price: Decimal? = nil,
        stock: Int? = nil, isActive: Bool? = nil, imageURL: String?? = nil
    ) {
        self.name = name
        self.description = description
        self.category = category
        self.price = price
        self.stock = stock
        self.isActive = isActive
        self.imageURL = imageURL
    }
}
