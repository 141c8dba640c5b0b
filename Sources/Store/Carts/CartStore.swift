import Foundation
import Logging
import Redis

/// A console session's cart in Redis: SKU → quantity, one hash per session, expiring a
/// session's lifetime after its last change (a signed-out session's cart is never read again).
public struct CartStore: Sendable {
    let redis: RedisClient
    /// How long a cart outlives its last change.
    let ttl: Duration

    public init(redis: RedisClient, ttl: Duration) {
        self.redis = redis
        self.ttl = ttl
    }

    /// One key per session, tagged with the user so it sits on the sessions' cluster slot.
    static func key(userID: UUID, sessionID: String) -> String { "cart:{\(userID.lowercasedString)}:\(sessionID)" }

    /// The most lines a cart holds (an order takes at most 100).
    public static let maxLines = 100

    /// The cart's lines, SKU order.
    public func lines(userID: UUID, sessionID: String, logger: Logger) async throws -> [(sku: String, quantity: Int)] {
        let reply = try await redis.send(RedisCommand("HGETALL", Self.key(userID: userID, sessionID: sessionID)), logger: logger)
        let fields = reply.array?.compactMap(\.string) ?? []
        var lines: [(sku: String, quantity: Int)] = []
        for index in stride(from: 0, to: fields.count - 1, by: 2) {
            if let quantity = Int(fields[index + 1]), quantity > 0 { lines.append((fields[index], quantity)) }
        }
        return lines.sorted { $0.sku < $1.sku }
    }

    /// Adds `quantity` of `sku` (at most 1000 of one product, at most ``maxLines`` products).
    public func add(sku: String, quantity: Int, userID: UUID, sessionID: String, logger: Logger) async throws {
        guard (1...1000).contains(quantity) else { throw CartError(.badQuantity) }
        let key = Self.key(userID: userID, sessionID: sessionID)
        let replies = try await redis.pipeline([RedisCommand("HLEN", key), RedisCommand("HEXISTS", key, sku)], logger: logger)
        if (replies[0].int ?? 0) >= Self.maxLines, replies[1].int != 1 { throw CartError(.full) }
        let total = try await redis.send(RedisCommand("HINCRBY", key, sku, quantity), logger: logger).int ?? 0
        if total > 1000 { try await redis.send(RedisCommand("HSET", key, sku, 1000), logger: logger) }
        try await redis.send(RedisCommand("PEXPIRE", key, Int(ttl.components.seconds * 1000)), logger: logger)
    }

    /// Sets the quantity of `sku`; 0 removes the line.
    public func set(sku: String, quantity: Int, userID: UUID, sessionID: String, logger: Logger) async throws {
        guard (0...1000).contains(quantity) else { throw CartError(.badQuantity) }
        let key = Self.key(userID: userID, sessionID: sessionID)
        if quantity == 0 {
            try await redis.send(RedisCommand("HDEL", key, sku), logger: logger)
            return
        }
        let replies = try await redis.pipeline([RedisCommand("HLEN", key), RedisCommand("HEXISTS", key, sku)], logger: logger)
        if (replies[0].int ?? 0) >= Self.maxLines, replies[1].int != 1 { throw CartError(.full) }
        _ = try await redis.pipeline(
            [RedisCommand("HSET", key, sku, quantity), RedisCommand("PEXPIRE", key, Int(ttl.components.seconds * 1000))], logger: logger
        )
    }

    /// Empties the cart (after its order is placed).
    public func clear(userID: UUID, sessionID: String, logger: Logger) async throws {
        try await redis.send(RedisCommand("DEL", Self.key(userID: userID, sessionID: sessionID)), logger: logger)
    }
}
