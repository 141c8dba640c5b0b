import Foundation
import Logging
import Postgres
import PostgresNIO

/// ``ProductRepository`` on Postgres.
public struct PostgresProductRepository: ProductRepository {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    static let columns = "id, sku, name, description, category, price, stock, is_active, image_url, created_at, updated_at"

    public func create(_ product: Product, logger: Logger) async throws -> Product {
        do {
            let created = try Self.products(
                try await database.query(
                    """
                    INSERT INTO products (id, sku, name, description, category, price, stock, is_active, image_url)
                    VALUES (\(product.id), \(product.sku), \(product.name), \(product.description), \(product.category),
                            \(product.price), \(product.stock), \(product.isActive), \(product.imageURL))
                    RETURNING \(unescaped: Self.columns)
                    """,
                    logger: logger
                )
            ).first
            guard let created else { throw StoreError(.notFound) }
            return created
        } catch let error as DatabaseError where error.isUniqueViolation {
            throw StoreError(.duplicate, field: "sku")
        }
    }

    public func find(sku: String, logger: Logger) async throws -> Product? {
        try Self.products(
            try await database.query("SELECT \(unescaped: Self.columns) FROM products WHERE sku = \(sku)", logger: logger)
        ).first
    }

    public func find(skus: [String], logger: Logger) async throws -> [Product] {
        guard !skus.isEmpty else { return [] }
        return try Self.products(
            try await database.query("SELECT \(unescaped: Self.columns) FROM products WHERE sku = ANY(\(skus))", logger: logger))
    }

    public func list(_ query: ProductQuery, logger: Logger) async throws -> Page<Product> {
        let pattern = query.search.map { "%" + PostgresUserRepository.escapeLike($0.lowercased()) + "%" }
        let rows = try await database.query(
            """
            SELECT \(unescaped: Self.columns), count(*) OVER () FROM products
            WHERE (is_active OR \(query.includeInactive))
              AND (\(query.category)::text IS NULL OR category = \(query.category))
              AND (NOT \(query.inStockOnly) OR stock > 0)
              AND (\(pattern)::text IS NULL OR lower(sku) LIKE \(pattern) OR lower(name) LIKE \(pattern)
                   OR lower(coalesce(description, '')) LIKE \(pattern))
            ORDER BY category, name, sku
            LIMIT \(query.size) OFFSET \((query.page - 1) * query.size)
            """,
            logger: logger
        )
        var products: [Product] = []
        var total = 0
        for row in rows {
            let (id, sku, name, description, category, price, stock, isActive, imageURL, createdAt, updatedAt, count) =
                try row.decode((UUID, String, String, String?, String, Decimal, Int, Bool, String?, Date, Date, Int).self)
            products.append(
                Product(
                    id: id, sku: sku, name: name, description: description, category: category, price: price, stock: stock,
                    isActive: isActive, imageURL: imageURL, createdAt: createdAt, updatedAt: updatedAt
                ))
            total = count
        }
        if products.isEmpty, query.page > 1 {
            // Past the last page the window count is unavailable; count separately.
            var first = query
            (first.page, first.size) = (1, 1)
            let counted = try await list(first, logger: logger)
            total = counted.total
        }
        return Page(items: products, total: total)
    }

    public func categories(logger: Logger) async throws -> [(name: String, count: Int)] {
        try await database.query(
            "SELECT category, count(*) FROM products WHERE is_active GROUP BY category ORDER BY category",
            logger: logger
        ).map { row in
            let (name, count) = try row.decode((String, Int).self)
            return (name, count)
        }
    }

    public func update(sku: String, _ changes: ProductChanges, logger: Logger) async throws -> Product? {
        try Self.products(
            try await database.query(
                """
                UPDATE products SET
                    name = coalesce(\(changes.name), name),
                    description = CASE WHEN \(changes.description != nil) THEN \(changes.description ?? nil) ELSE description END,
                    category = coalesce(\(changes.category), category),
                    price = coalesce(\(changes.price), price),
                    stock = coalesce(\(changes.stock), stock),
                    is_active = coalesce(\(changes.isActive), is_active),
                    image_url = CASE WHEN \(changes.imageURL != nil) THEN \(changes.imageURL ?? nil) ELSE image_url END,
                    updated_at = now()
                WHERE sku = \(sku)
                RETURNING \(unescaped: Self.columns)
                """,
                logger: logger
            )
        ).first
    }

    static func products(_ rows: [DatabaseRow]) throws -> [Product] {
        try rows.map { row in
            let (id, sku, name, description, category, price, stock, isActive, imageURL, createdAt, updatedAt) = try row.decode(
                (UUID, String, String, String?, String, Decimal, Int, Bool, String?, Date, Date).self)
            return Product(
                id: id, sku: sku, name: name, description: description, category: category, price: price, stock: stock,
                isActive: isActive, imageURL: imageURL, createdAt: createdAt, updatedAt: updatedAt
            )
        }
    }
}
