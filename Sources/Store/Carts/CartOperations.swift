import Foundation
import Logging

/// A customer's cart, below HTTP: kept in ``CartStore``, priced from the catalog, and checked out
/// through the same operation as `POST /api/orders`, so every rule of an order holds for it.
public struct CartOperations: Sendable {
    let carts: CartStore
    let catalog: CatalogOperations
    let orders: OrderOperations

    public init(carts: CartStore, catalog: CatalogOperations, orders: OrderOperations) {
        self.carts = carts
        self.catalog = catalog
        self.orders = orders
    }

    /// The cart priced from the catalog in one read; a product gone from the catalog stays as a
    /// line no longer sold, for the customer to take out.
    public func priced(_ cart: CartID, by actor: Actor, logger: Logger) async throws -> PricedCart {
        try Forbidden.unless(actor, is: .customer)
        let cartLines = try await carts.lines(userID: cart.userID, sessionID: cart.sessionID, logger: logger)
        let sold = try await catalog.products(cartLines.map(\.sku), logger: logger)
        var lines: [PricedCart.Line] = []
        var total = Decimal(0)
        for (sku, quantity) in cartLines {
            let product = sold[sku]
            let lineTotal = product.map { $0.price * Decimal(quantity) }
            total += lineTotal ?? 0
            lines.append(PricedCart.Line(sku: sku, product: product, quantity: quantity, lineTotal: lineTotal))
        }
        return PricedCart(lines: lines, total: total)
    }

    /// How many items the cart holds (the badge on every page), without pricing it; 0 for anyone
    /// but a customer.
    public func itemCount(_ cart: CartID, by actor: Actor, logger: Logger) async throws -> Int {
        guard actor.role == .customer else { return 0 }
        return try await carts.lines(userID: cart.userID, sessionID: cart.sessionID, logger: logger).reduce(0) { $0 + $1.quantity }
    }

    /// Adds `quantity` (1–1000) of a product the catalog sells.
    public func add(_ sku: String, quantity: Int, to cart: CartID, by actor: Actor, logger: Logger) async throws {
        try Forbidden.unless(actor, is: .customer)
        _ = try await catalog.product(sku, for: actor, logger: logger)
        try await carts.add(sku: sku, quantity: quantity, userID: cart.userID, sessionID: cart.sessionID, logger: logger)
    }

    /// Sets a line's quantity; 0 takes it out.
    public func set(_ sku: String, quantity: Int, in cart: CartID, by actor: Actor, logger: Logger) async throws {
        try Forbidden.unless(actor, is: .customer)
        try await carts.set(sku: sku, quantity: quantity, userID: cart.userID, sessionID: cart.sessionID, logger: logger)
    }

    /// Places the cart as `contact`'s order under `idempotencyKey` and empties it; the same key
    /// again (a double click, a form sent twice) gives the first order's id, whether it is placed
    /// already or still being placed (waited for up to two seconds).
    public func checkout(_ cart: CartID, for contact: OrderContact, idempotencyKey key: String, by actor: Actor, logger: Logger)
        async throws -> UUID
    {
        try Forbidden.unless(actor, is: .customer)
        // A replay with the cart still full is recognised by `place` itself (same key, same lines).
        let lines = try await carts.lines(userID: cart.userID, sessionID: cart.sessionID, logger: logger)
        // An empty cart may be one a first submit has just placed and emptied.
        if lines.isEmpty, let earlier = try await orders.placed(withKey: key, by: actor, logger: logger) { return earlier }
        do {
            let (order, _) = try await orders.place(OrderInput(contact, lines: lines), by: actor, idempotencyKey: key, logger: logger)
            // The order stands even if the cart cannot be emptied now; it expires with the session.
            try? await carts.clear(userID: cart.userID, sessionID: cart.sessionID, logger: logger)
            return order.id
        } catch let error as OrderError where error.code == .idempotencyInProgress {
            for _ in 0..<20 {
                try await Task.sleep(for: .milliseconds(100))
                if let earlier = try await orders.placed(withKey: key, by: actor, logger: logger) { return earlier }
            }
            throw error
        }
    }
}
