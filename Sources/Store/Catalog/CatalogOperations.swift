import Foundation
import Logging

/// The catalog below HTTP: anyone reads it; vendors and admins keep it; only admins delete or
/// restore a product (`is_active`), whichever route carries the change.
public struct CatalogOperations: Sendable {
    let products: any ProductRepository

    public init(products: any ProductRepository) {
        self.products = products
    }

    // MARK: Reading

    /// Active products matching `query` (category, search, in stock), in catalog order.
    public func list(_ query: ProductQuery, logger: Logger) async throws -> Page<Product> {
        var query = query
        query.includeInactive = false
        return try await products.list(query, logger: logger)
    }

    /// Every product matching `query`, deleted ones too (staff keeping the catalog).
    public func manage(_ query: ProductQuery, by actor: Actor, logger: Logger) async throws -> Page<Product> {
        try keepersOnly(actor)
        var query = query
        query.includeInactive = true
        return try await products.list(query, logger: logger)
    }

    /// The categories of active products with their counts.
    public func categories(logger: Logger) async throws -> [(name: String, count: Int)] {
        try await products.categories(logger: logger)
    }

    /// A product by SKU. A deleted (inactive) one is gone for everyone, as after any delete;
    /// staff see it again when they ask (`includeInactive`), to bring it back.
    public func product(_ sku: String, includeInactive: Bool = false, for actor: Actor?, logger: Logger) async throws -> Product {
        guard let product = try await products.find(sku: sku, logger: logger),
            product.isActive || (includeInactive && actor?.isStaff == true)
        else { throw StoreError(.notFound, field: "product") }
        return product
    }

    /// The products of `skus` the catalog sells now, by SKU (one read: a cart's lines). A SKU
    /// missing from the answer is no longer sold.
    public func products(_ skus: [String], logger: Logger) async throws -> [String: Product] {
        let found = try await products.find(skus: skus, logger: logger).filter(\.isActive)
        return Dictionary(found.map { ($0.sku, $0) }, uniquingKeysWith: { first, _ in first })
    }

    // MARK: Keeping

    /// Adds a product (vendors, admins); a taken SKU is ``StoreError/Code/duplicate``.
    public func create(_ input: ProductInput, by actor: Actor, logger: Logger) async throws -> Product {
        try keepersOnly(actor)
        var validator = InputValidator()
        validator.length(input.sku, "sku", 1...64)
        validator.check(
            input.sku.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }, "sku",
            "may contain only letters, digits, '-', '_' and '.'"
        )
        Self.validate(
            name: input.name, description: input.description, category: input.category, price: input.price, stock: input.stock,
            imageURL: input.imageURL, into: &validator
        )
        try validator.validate()
        let product = Product(
            id: UUIDv7.make(), sku: input.sku, name: input.name, description: input.description, category: input.category,
            price: input.price, stock: input.stock ?? 0, isActive: input.isActive ?? true, imageURL: input.imageURL
        )
        return try await products.create(product, logger: logger)
    }

    /// Changes a product (vendors, admins; `is_active` admins only).
    public func update(_ sku: String, _ changes: ProductChanges, by actor: Actor, logger: Logger) async throws -> Product {
        try keepersOnly(actor)
        if changes.isActive != nil { try Forbidden.unless(actor, is: .admin, reason: Self.onlyAdmins) }
        var validator = InputValidator()
        Self.validate(
            name: changes.name, description: changes.description ?? nil, category: changes.category, price: changes.price,
            stock: changes.stock, imageURL: changes.imageURL ?? nil, into: &validator
        )
        try validator.validate()
        guard let product = try await products.update(sku: sku, changes, logger: logger) else {
            throw StoreError(.notFound, field: "product")
        }
        return product
    }

    /// Deletes a product softly (admins): it leaves the catalog; its orders keep their lines.
    public func deactivate(_ sku: String, by actor: Actor, logger: Logger) async throws {
        try Forbidden.unless(actor, is: .admin)
        guard try await products.update(sku: sku, ProductChanges(isActive: false), logger: logger) != nil else {
            throw StoreError(.notFound, field: "product")
        }
    }

    static let onlyAdmins = "Only admins may change is_active (delete or restore a product)."

    /// Who keeps the catalog (adds, changes, lists every product): vendors and admins. A front end
    /// that reads input first asks it early, to answer 403 before 422.
    public func keepersOnly(_ actor: Actor) throws(Forbidden) {
        try Forbidden.unless(actor, is: .vendor, .admin)
    }

    static func validate(
        name: String?, description: String?, category: String?, price: Decimal?, stock: Int?, imageURL: String?,
        into validator: inout InputValidator
    ) {
        validator.length(name, "name", 1...200)
        validator.length(description, "description", 0...2000)
        validator.length(category, "category", 1...100)
        validator.length(imageURL, "image_url", 0...1000)
        if let price { validator.check(price >= 0 && price <= Money.maximum, "price", "must be from 0 to 9999999999.99") }
        if let stock { validator.check((0...1_000_000_000).contains(stock), "stock", "must be from 0 to 1000000000") }
    }
}
