import Foundation
import Logging
import Postgres
import Redis
import Store
import TestSupport

/// The business operations wired to the test Postgres and Redis, as the gateway wires them, with
/// helpers that make the users and products a test acts with (each unique, so suites may run at
/// once on one database).
struct TestShop: Sendable {
    let orders: OrderOperations
    let catalog: CatalogOperations
    let carts: CartOperations
    let accounts: AccountOperations
    let users: PostgresUserRepository
    /// The pool the operations use, for stores a test drives directly.
    let database: Database
    let logger = TestStores.logger

    /// Runs `body` with a shop whose orders follow `rules`, on the test database or on the one at
    /// `databaseURL` (a database of the test's own, which this migrates).
    static func with(
        rules: OrderRules = OrderRules(autoProcessAfterSeconds: 600, cancelWindowSeconds: 300, maxPendingOrders: 50, currency: "EUR"),
        databaseURL: String? = nil, _ body: (TestShop) async throws -> Void
    ) async throws {
        let url = try await TestStores.migrate(url: databaseURL ?? TestStores.databaseURL)
        let redis = RedisClient(configuration: try RedisConfiguration(url: TestStores.redisURL), logger: TestStores.logger)
        do {
            try await TestStores.withDatabase(url: url) { database in
                let orders = OrderOperations(
                    orders: PostgresOrderRepository(database: database), schedule: TransitionSchedule(redis: redis), rules: rules)
                let catalog = CatalogOperations(products: PostgresProductRepository(database: database))
                let carts = CartOperations(carts: CartStore(redis: redis, ttl: .seconds(60)), catalog: catalog, orders: orders)
                let users = PostgresUserRepository(database: database)
                let accounts = AccountOperations(
                    users: users, sessions: SessionStore(redis: redis, ttl: .seconds(60)), hasher: PasswordHasher(cost: 4),
                    limiter: RateLimiter(redis: redis), limits: Self.accountLimits)
                try await body(
                    TestShop(orders: orders, catalog: catalog, carts: carts, accounts: accounts, users: users, database: database))
            }
        } catch {
            await redis.shutdown()
            throw error
        }
        await redis.shutdown()
    }

    /// Sign-ins: 3 per client and account a minute, so a test can reach the limit.
    static let accountLimits = AccountLimits(
        signInPerClient: RateLimitPolicy(name: "login-ip", limit: 100, periodSeconds: 60),
        signInPerAccount: RateLimitPolicy(name: "login-user", limit: 3, periodSeconds: 60),
        registrationsPerClient: RateLimitPolicy(name: "register", limit: 100, periodSeconds: 60),
        passwordGuessesPerUser: RateLimitPolicy(name: "password", limit: 2, periodSeconds: 60))

    /// A new user of `role`, as the actor the operations take.
    func actor(_ role: Role) async throws -> Actor {
        let name = "op_" + UUID().uuidString.prefix(12).lowercased()
        let user = try await users.create(
            User(id: UUID(), username: name, email: name + "@example.test", passwordHash: "not-a-hash", role: role), logger: logger)
        return Actor(id: user.id, role: role)
    }

    /// A new product on sale, added by an admin.
    func product(price: Decimal = Decimal(string: "12.50")!, stock: Int = 10) async throws -> Product {
        let admin = Actor(id: UUID(), role: .admin)
        let sku = "OP-" + UUID().uuidString.prefix(13)
        return try await catalog.create(
            ProductInput(
                sku: String(sku), name: "Test product", description: nil, category: "tests", price: price, stock: stock, imageURL: nil,
                isActive: true),
            by: admin, logger: logger)
    }

    /// A contact for an order.
    static let contact = OrderContact(
        customerName: "Ada Customer", customerEmail: "ada@example.test", customerPhone: "+44 20 0000 0000",
        shippingAddress: "1 Test Street", notes: nil)

    /// Places `quantity` of `product` for `actor`.
    func place(_ product: Product, quantity: Int = 1, by actor: Actor, key: String? = nil) async throws -> Order {
        try await orders.place(
            OrderInput(Self.contact, lines: [(product.sku, quantity)]), by: actor, idempotencyKey: key, logger: logger
        ).order
    }

    /// The product as the catalog has it now (staff see it even when no longer sold).
    func reload(_ product: Product) async throws -> Product {
        try await catalog.product(product.sku, includeInactive: true, for: Actor(id: UUID(), role: .admin), logger: logger)
    }
}
