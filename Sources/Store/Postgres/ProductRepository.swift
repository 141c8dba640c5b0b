import Logging

/// The catalog in the database. SKUs are unique.
public protocol ProductRepository: Sendable {
    /// Inserts `product`; a taken SKU is ``StoreError/Code/duplicate``.
    func create(_ product: Product, logger: Logger) async throws -> Product
    /// Finds by SKU, active or not.
    func find(sku: String, logger: Logger) async throws -> Product?
    /// The products of `skus` that exist, active or not, in one read (a cart's lines).
    func find(skus: [String], logger: Logger) async throws -> [Product]
    /// Active products matching `query`, by category then name.
    func list(_ query: ProductQuery, logger: Logger) async throws -> Page<Product>
    /// Active categories with how many active products each has, by name.
    func categories(logger: Logger) async throws -> [(name: String, count: Int)]
    /// Applies `changes`, or returns nil when there is no such SKU.
    func update(sku: String, _ changes: ProductChanges, logger: Logger) async throws -> Product?
}
