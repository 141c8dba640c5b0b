import Foundation
import Store
import Testing

/// The catalog operations against the real Postgres.
@Suite("Catalog operations", .timeLimit(.minutes(1)))
struct CatalogOperationsTests {
    @Test func staffKeepTheCatalogAndOnlyAnAdminTakesAProductOff() async throws {
        try await TestShop.with { shop in
            let customer = try await shop.actor(.customer)
            let vendor = try await shop.actor(.vendor)
            let admin = try await shop.actor(.admin)
            let sku = "CAT-" + UUID().uuidString.prefix(12)
            let input = ProductInput(
                sku: String(sku), name: "Teapot", description: nil, category: "kitchen", price: Decimal(string: "19.99")!, stock: 3,
                imageURL: nil, isActive: nil)
            await #expect(throws: Forbidden.self) { try await shop.catalog.create(input, by: customer, logger: shop.logger) }
            let created = try await shop.catalog.create(input, by: vendor, logger: shop.logger)
            #expect(created.price == Decimal(string: "19.99")! && created.isActive)
            await #expect(throws: StoreError(.duplicate, field: "sku")) {
                try await shop.catalog.create(input, by: admin, logger: shop.logger)
            }
            await #expect(throws: Forbidden.self) { try await shop.catalog.deactivate(created.sku, by: vendor, logger: shop.logger) }
            try await shop.catalog.deactivate(created.sku, by: admin, logger: shop.logger)
            await #expect(throws: StoreError(.notFound, field: "product")) {
                try await shop.catalog.product(created.sku, for: customer, logger: shop.logger)
            }
            // Staff still find it, to bring it back.
            #expect(try await shop.catalog.product(created.sku, includeInactive: true, for: vendor, logger: shop.logger).isActive == false)
        }
    }

    @Test func aProductsFieldsAreCheckedAllAtOnce() async throws {
        try await TestShop.with { shop in
            let input = ProductInput(
                sku: "", name: "", description: nil, category: "kitchen", price: Decimal(-1), stock: -1, imageURL: nil, isActive: nil)
            do {
                _ = try await shop.catalog.create(input, by: try await shop.actor(.vendor), logger: shop.logger)
                Issue.record("an empty product was added")
            } catch let error as InvalidInput {
                #expect(Set(error.fields.map(\.field)).isSuperset(of: ["sku", "name", "price", "stock"]))
            }
        }
    }
}
