import Foundation
import Redis
import Store
import TestSupport
import Testing

/// The console's carts against the test Redis.
@Suite("Carts", .timeLimit(.minutes(1)))
struct CartStoreTests {
    let logger = TestStores.logger

    func withCart(_ body: (CartStore, UUID, String) async throws -> Void) async throws {
        let redis = RedisClient(configuration: try RedisConfiguration(url: TestStores.redisURL), logger: logger)
        do {
            try await body(CartStore(redis: redis, ttl: .seconds(60)), UUID(), UUID().uuidString)
        } catch {
            await redis.shutdown()
            throw error
        }
        await redis.shutdown()
    }

    @Test func addingAddsUpAndSettingReplacesInSKUOrder() async throws {
        try await withCart { cart, user, session in
            try await cart.add(sku: "B", quantity: 2, userID: user, sessionID: session, logger: logger)
            try await cart.add(sku: "A", quantity: 1, userID: user, sessionID: session, logger: logger)
            try await cart.add(sku: "B", quantity: 3, userID: user, sessionID: session, logger: logger)
            var lines = try await cart.lines(userID: user, sessionID: session, logger: logger)
            #expect(lines.map(\.sku) == ["A", "B"] && lines.map(\.quantity) == [1, 5])
            try await cart.set(sku: "B", quantity: 7, userID: user, sessionID: session, logger: logger)
            try await cart.set(sku: "A", quantity: 0, userID: user, sessionID: session, logger: logger)
            lines = try await cart.lines(userID: user, sessionID: session, logger: logger)
            #expect(lines.map(\.sku) == ["B"] && lines.map(\.quantity) == [7])
            // Another session of the same user has a cart of its own.
            #expect(try await cart.lines(userID: user, sessionID: "other", logger: logger).isEmpty)
            try await cart.clear(userID: user, sessionID: session, logger: logger)
            #expect(try await cart.lines(userID: user, sessionID: session, logger: logger).isEmpty)
        }
    }

    @Test func quantitiesStayWithinWhatAnOrderAllows() async throws {
        try await withCart { cart, user, session in
            await #expect(throws: CartError(.badQuantity)) {
                try await cart.add(sku: "A", quantity: 0, userID: user, sessionID: session, logger: logger)
            }
            await #expect(throws: CartError(.badQuantity)) {
                try await cart.set(sku: "A", quantity: 1001, userID: user, sessionID: session, logger: logger)
            }
            try await cart.add(sku: "A", quantity: 999, userID: user, sessionID: session, logger: logger)
            try await cart.add(sku: "A", quantity: 999, userID: user, sessionID: session, logger: logger)
            #expect(try await cart.lines(userID: user, sessionID: session, logger: logger).first?.quantity == 1000)
            for index in 1..<CartStore.maxLines {
                try await cart.set(sku: "S\(index)", quantity: 1, userID: user, sessionID: session, logger: logger)
            }
            await #expect(throws: CartError(.full)) {
                try await cart.add(sku: "ONE-TOO-MANY", quantity: 1, userID: user, sessionID: session, logger: logger)
            }
            await #expect(throws: CartError(.full)) {
                try await cart.set(sku: "ONE-TOO-MANY", quantity: 1, userID: user, sessionID: session, logger: logger)
            }
            // A line already there still changes.
            try await cart.set(sku: "A", quantity: 2, userID: user, sessionID: session, logger: logger)
            #expect(try await cart.lines(userID: user, sessionID: session, logger: logger).count == CartStore.maxLines)
        }
    }
}
