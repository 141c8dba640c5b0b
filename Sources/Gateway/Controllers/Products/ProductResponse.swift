import Hummingbird
import ProcessSupport
import Store

/// A catalog product as the API shows it: price as a two-place string, times in `TIMEZONE`.
struct ProductResponse: Codable, Sendable, ResponseEncodable {
    var id: String
    var sku: String
    var name: String
    var description: String?
    var category: String
    var price: String
    var stock: Int
    var isActive: Bool
    var imageURL: String?
    var createdAt: String
    var updatedAt: String

    enum CodingKeys: String, CodingKey {
        case id, sku, name, description, category, price, stock
        case isActive = "is_active"
        case imageURL = "image_url"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    init(_ product: Product, time: DisplayTime) {
        id = product.id.lowercasedString
        sku = product.sku
        name = product.name
        description = product.description
        category = product.category
        price = product.price.moneyString
        stock = product.stock
        isActive = product.isActive
        imageURL = product.imageURL
        createdAt = time.string(from: product.createdAt)
        updatedAt = time.string(from: product.updatedAt)
    }

    /// Optional fields are written as `null`, not left out.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(sku, forKey: .sku)
        try container.encode(name, forKey: .name)
        try container.encode(description, forKey: .description)
        try container.encode(category, forKey: .category)
        try container.encode(price, forKey: .price)
        try container.encode(stock, forKey: .stock)
        try container.encode(isActive, forKey: .isActive)
        try container.encode(imageURL, forKey: .imageURL)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(updatedAt, forKey: .updatedAt)
    }
}
