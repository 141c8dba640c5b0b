import Foundation
import Postgres
import PostgresNIO
import TestSupport

/// What the database says after a chaos run: every order with its due and move times, and the
/// totals the run's promises are checked against.
struct Facts: Sendable {
    /// An order's due time and the time of its move to processing (seconds since 1970).
    struct Order: Sendable {
        var id: String
        var due: Double
        var moved: Double?
    }

    var orders: [String: Order]
    var processingEvents: Int
    /// Moves recorded before the order's `auto_process_at`.
    var early: Int
    /// Stock taken from the shelves since they were filled.
    var stockTaken: Int
    /// The quantities of every order's lines.
    var quantityOrdered: Int

    static func read(_ client: Database, stockEach: Int = ChaosTests.stockEach) async throws -> Facts {
        var orders: [String: Order] = [:]
        let rows = try await client.query(
            """
            SELECT o.id, extract(epoch FROM o.auto_process_at)::float8, extract(epoch FROM e.at)::float8
            FROM orders o LEFT JOIN order_events e ON e.order_id = o.id AND e.kind = 'transition' AND e.to_status = 'processing'
            """,
            logger: TestStores.logger
        )
        for row in rows {
            let (id, due, moved) = try row.decode((UUID, Double, Double?).self)
            let key = id.uuidString.lowercased()
            orders[key] = Order(id: key, due: due, moved: moved)
        }
        return Facts(
            orders: orders,
            processingEvents: try await ScaleTests.count(
                client, "SELECT count(*) FROM order_events WHERE kind = 'transition' AND to_status = 'processing'"),
            early: try await ScaleTests.count(
                client,
                """
                SELECT count(*) FROM order_events e JOIN orders o ON o.id = e.order_id
                WHERE e.kind = 'transition' AND e.to_status = 'processing' AND e.at < o.auto_process_at
                """),
            stockTaken: try await ScaleTests.count(client, "SELECT (count(*) * \(stockEach) - sum(stock))::int8 FROM products"),
            quantityOrdered: try await ScaleTests.count(client, "SELECT coalesce(sum(quantity), 0)::int8 FROM order_items")
        )
    }
}
