import Foundation
import Logging
import Postgres
import Redis
import ServiceLifecycle
import Store
import TestSupport

/// What the job suites share: their stores, orders with their events written as the platform
/// writes them, and waiting for a condition.
enum JobsTestSupport {
    /// A migrated empty database with its pool running, and a private Redis.
    struct Stores: Sendable {
        let database: Database
        let redis: RedisClient
        let databaseURL: String
        let redisURL: String

        /// Runs `services` (a worker, a dispatcher) beside `body`; they stop before the stores
        /// they use, as in a worker process, however `body` ends.
        func running(_ services: [any Service], _ body: () async throws -> Void) async throws {
            let running = Task {
                try await withThrowingTaskGroup(of: Void.self) { processes in
                    for service in services { processes.addTask { try await service.run() } }
                    try await processes.waitForAll()
                }
            }
            var failure: (any Error)?
            do { try await body() } catch { failure = error }
            running.cancel()
            _ = await running.result
            if let failure { throw failure }
        }
    }

    /// Runs `body` with fresh ``Stores``, closed however it ends.
    static func withStores(logger: Logger, _ body: (Stores) async throws -> Void) async throws {
        try await PrivateRedisServer.with { server in
            try await TestStores.withEmptyDatabase { url in
                let database = Database(configuration: try .init(url: url), logger: logger)
                let redis = RedisClient(configuration: try RedisConfiguration(url: server.url), logger: logger)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { await database.run() }
                    var failure: (any Error)?
                    do {
                        try await Migrator(database: database, migrations: Migration.bundled(), logger: logger).migrate()
                        try await body(Stores(database: database, redis: redis, databaseURL: url, redisURL: server.url))
                    } catch {
                        failure = error
                    }
                    group.cancelAll()
                    await redis.shutdown()
                    if let failure { throw failure }
                }
            }
        }
    }

    /// An order with its `created` event, then one event per status of `moves` (a cancel with
    /// `reason`), each given its position as the live stream's relay would, and at the status of
    /// its last move: an order left pending beside a `processing` event would stop every
    /// reconciler pass on a test database kept between runs once it fell due. The customer is
    /// `name` at `email`, with status emails on or off. Returns the order's id.
    @discardableResult
    static func placeOrder(
        _ database: Database, moves: [OrderStatus] = [], name: String = "Hook", email: String = "hook@example.com",
        statusEmails: Bool = true, tracking: String? = nil, reason: String? = nil, logger: Logger
    ) async throws -> UUID {
        let user = UUIDv7.make()
        let order = UUIDv7.make()
        try await database.query(
            """
            INSERT INTO users (id, username, email, password_hash, email_notifications)
            VALUES (\(user), \("u" + user.uuidString.suffix(12)), \(user.uuidString + "@example.com"), 'x', \(statusEmails))
            """, logger: logger)
        try await database.query(
            """
            INSERT INTO orders (id, user_id, customer_name, customer_email, shipping_address, status, total_amount, currency,
                                auto_process_at, cancellable_until, tracking_number)
            VALUES (\(order), \(user), \(name), \(email), 'x', \((moves.last ?? .pending).rawValue), 12.5, 'USD',
                    now() + interval '1 hour', now(), \(tracking))
            """, logger: logger)
        var from: OrderStatus?
        for status in [.pending] + moves {
            try await database.query(
                """
                INSERT INTO order_events (id, order_id, from_status, to_status, reason)
                VALUES (\(UUIDv7.make()), \(order), \(from?.rawValue), \(status.rawValue), \(status == .cancelled ? reason : nil))
                """, logger: logger)
            from = status
        }
        _ = try await OrderEventLog(database: database).positionNext(limit: 100, logger: logger)
        return order
    }

    /// Waits until `condition` holds (checked every 100 ms) or `limit` passes; returns whether it held.
    static func eventually(within limit: Duration = .seconds(30), _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return try await condition()
    }
}
