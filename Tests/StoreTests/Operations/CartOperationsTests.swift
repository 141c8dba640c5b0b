import Foundation
import Store
import Testing

/// A customer's cart against the real Redis and Postgres: priced from the catalog, checked out
/// once through the order operation.
@Suite("Cart operations", .timeLimit(.minutes(1)))
struct CartOperationsTests {
    @Test func aCartIsPricedFromTheCatalogAsItIsNow() async throws {
        try await TestShop.with { shop in
            let customer = try await shop.actor(.customer)
            let cart = CartID(userID: customer.id, sessionID: UUID().uuidString)
            let mug = try await shop.product(price: Decimal(string: "4.25")!, stock: 10)
            let lamp = try await shop.product(price: Decimal(string: "30")!, stock: 1)
            try await shop.carts.add(mug.sku, quantity: 2, to: cart, by: customer, logger: shop.logger)
            try await shop.carts.add(lamp.sku, quantity: 1, to: cart, by: customer, logger: shop.logger)
            var priced = try await shop.carts.priced(cart, by: customer, logger: shop.logger)
            #expect(priced.total == Decimal(string: "38.50")! && priced.itemCount == 3 && priced.canCheckOut)
            // More lamps than the shelf holds, then the mug taken off sale.
            try await shop.carts.set(lamp.sku, quantity: 2, in: cart, by: customer, logger: shop.logger)
            try await shop.catalog.deactivate(mug.sku, by: try await shop.actor(.admin), logger: shop.logger)
            priced = try await shop.carts.priced(cart, by: customer, logger: shop.logger)
            let lines = Dictionary(uniqueKeysWithValues: priced.lines.map { ($0.sku, $0) })
            #expect(lines[mug.sku]?.product == nil && lines[mug.sku]?.lineTotal == nil)
            #expect(lines[lamp.sku]?.isAvailable == false && lines[lamp.sku]?.lineTotal == Decimal(60))
            #expect(priced.total == Decimal(60) && !priced.canCheckOut)
            await #expect(throws: StoreError.self) {
                try await shop.carts.add(mug.sku, quantity: 1, to: cart, by: customer, logger: shop.logger)
            }
        }
    }

    @Test func checkingOutTwiceWithOneKeyPlacesOneOrderAndEmptiesTheCart() async throws {
        try await TestShop.with { shop in
            let customer = try await shop.actor(.customer)
            let cart = CartID(userID: customer.id, sessionID: UUID().uuidString)
            let product = try await shop.product(price: Decimal(string: "9.99")!, stock: 5)
            try await shop.carts.add(product.sku, quantity: 3, to: cart, by: customer, logger: shop.logger)
            let key = "test:" + UUID().uuidString
            async let first = shop.carts.checkout(cart, for: TestShop.contact, idempotencyKey: key, by: customer, logger: shop.logger)
            async let second = shop.carts.checkout(cart, for: TestShop.contact, idempotencyKey: key, by: customer, logger: shop.logger)
            let (one, two) = try await (first, second)
            #expect(one == two)
            let order = try await shop.orders.order(one, visibleTo: customer, logger: shop.logger)
            #expect(order.itemsCount == 3 && order.totalAmount == Decimal(string: "29.97")!)
            #expect(try await shop.reload(product).stock == 2)
            #expect(try await shop.carts.priced(cart, by: customer, logger: shop.logger).lines.isEmpty)
        }
    }

    @Test func onlyCustomersHaveCarts() async throws {
        try await TestShop.with { shop in
            let vendor = try await shop.actor(.vendor)
            let cart = CartID(userID: vendor.id, sessionID: UUID().uuidString)
            await #expect(throws: Forbidden.self) { try await shop.carts.priced(cart, by: vendor, logger: shop.logger) }
            await #expect(throws: Forbidden.self) {
                try await shop.carts.checkout(cart, for: TestShop.contact, idempotencyKey: "k", by: vendor, logger: shop.logger)
            }
        }
    }
}
