import Foundation
import Synchronization
import Testing

@testable import Store

/// The create's locks on the real database, held open by a first create that waits before its
/// commit: its idempotency key answers a second request at once, and its customer's row makes
/// the customer's other creates wait for it.
@Suite("Order placement locks", .timeLimit(.minutes(1)))
struct OrderPlacementLocksTests {
    /// Rules with room for `pending` pending orders per customer.
    static func rules(pending: Int = 50) -> OrderRules {
        OrderRules(autoProcessAfterSeconds: 600, cancelWindowSeconds: 300, maxPendingOrders: pending, currency: "EUR")
    }

    /// An order of one `sku` for `customer`, under `key`.
    static func order(_ sku: String, for customer: Actor, key: String?, quantity: Int = 1) -> NewOrder {
        NewOrder(
            userID: customer.id, actorRole: .customer, customerName: "Ada Customer", customerEmail: "ada@example.test",
            customerPhone: nil, shippingAddress: "1 Test Street", notes: nil, lines: [(sku, quantity)], idempotencyKey: key,
            requestHash: key.map { _ in Array("\(sku)x\(quantity)".utf8) })
    }

    /// Runs `body` while a create of `order` is held before its commit (its locks taken), then
    /// lets it commit; returns what `body` returned.
    static func whileHeld<T: Sendable>(
        _ order: NewOrder, in repository: PostgresOrderRepository, shop: TestShop, _ body: () async throws -> T
    ) async throws -> (held: Order, result: T) {
        let (reached, holding) = AsyncStream.makeStream(of: Void.self)
        let (release, releasing) = AsyncStream.makeStream(of: Void.self)
        let first = Task {
            try await repository.create(order, rules: Self.rules(), logger: shop.logger) { _ in
                holding.yield()
                for await _ in release { break }
            }.order
        }
        for await _ in reached { break }
        let result = try await body()
        releasing.yield()
        releasing.finish()
        return (try await first.value, result)
    }

    /// Whether a create running beside the test has ended.
    final class Finished: Sendable {
        let flag = Atomic(false)
    }

    // MARK: Tests

    @Test func aSecondRequestWithTheKeyIsAnsweredAtOnceWhileTheFirstRuns() async throws {
        try await TestShop.with { shop in
            let customer = try await shop.actor(.customer)
            let product = try await shop.product(stock: 10)
            let repository = PostgresOrderRepository(database: shop.database)
            let key = "key-" + UUID().uuidString
            let order = Self.order(product.sku, for: customer, key: key)
            let (held, refused) = try await Self.whileHeld(order, in: repository, shop: shop) {
                // The first create holds the key and the customer's row: the answer must not wait
                // for either (it would come only after the release below, and be a replay).
                do {
                    _ = try await repository.create(order, rules: Self.rules(), logger: shop.logger) { _ in }
                    return nil as OrderError.Code?
                } catch let error as OrderError {
                    return error.code
                }
            }
            #expect(refused == .idempotencyInProgress)
            // Once the first has committed, the same request replays it.
            let replay = try await repository.create(order, rules: Self.rules(), logger: shop.logger) { _ in }
            #expect(replay.replayed && replay.order.id == held.id)
            #expect(try await shop.reload(product).stock == 9)
        }
    }

    @Test func theCustomersOtherCreatesWaitForTheFirstsCommitAndSeeIt() async throws {
        try await TestShop.with { shop in
            let customer = try await shop.actor(.customer)
            let product = try await shop.product(stock: 10)
            let repository = PostgresOrderRepository(database: shop.database)
            // One pending order allowed: the waiting create must count the first once it commits.
            let rules = Self.rules(pending: 1)
            let finished = Finished()
            let (_, waiting) = try await Self.whileHeld(Self.order(product.sku, for: customer, key: "first"), in: repository, shop: shop) {
                let waiting = Task {
                    defer { finished.flag.store(true, ordering: .sequentiallyConsistent) }
                    return try await repository.create(
                        Self.order(product.sku, for: customer, key: "second", quantity: 2), rules: rules, logger: shop.logger
                    ) { _ in }
                }
                try await Task.sleep(for: .milliseconds(500))
                let done = finished.flag.load(ordering: .sequentiallyConsistent)
                #expect(!done, "the customer's row is locked")
                return waiting
            }
            await #expect(throws: OrderError(.tooManyPending)) { try await waiting.value }
            // Without a key, only the customer's row is locked: the same count holds.
            await #expect(throws: OrderError(.tooManyPending)) {
                try await repository.create(Self.order(product.sku, for: customer, key: nil), rules: rules, logger: shop.logger) { _ in }
            }
            #expect(try await shop.reload(product).stock == 9)
        }
    }

    @Test func aReplayDoesNotWaitForTheProductsLocks() async throws {
        try await TestShop.with { shop in
            let (customer, other) = (try await shop.actor(.customer), try await shop.actor(.customer))
            let product = try await shop.product(stock: 10)
            let repository = PostgresOrderRepository(database: shop.database)
            let order = Self.order(product.sku, for: customer, key: "placed")
            let placed = try await repository.create(order, rules: Self.rules(), logger: shop.logger) { _ in }
            // Another customer's create holds the product's row: the replay writes nothing and
            // must answer without waiting for it (it would come only after the release below).
            let (_, replay) = try await Self.whileHeld(Self.order(product.sku, for: other, key: "other"), in: repository, shop: shop) {
                try await repository.create(order, rules: Self.rules(), logger: shop.logger) { _ in }
            }
            #expect(replay.replayed && replay.order.id == placed.order.id)
            #expect(try await shop.reload(product).stock == 8)
        }
    }
}
