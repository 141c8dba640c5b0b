import Foundation
import Logging
import Postgres
import PostgresNIO

/// The live stream's source of truth: `order_events` in Postgres. The relay gives committed
/// rows their positions here; a client that resumes from further back than the Redis Stream
/// holds is served from here.
public struct OrderEventLog: Sendable {
    let database: Database
    /// The advisory lock under which positions are given: one giver at a time, whatever the
    /// Redis lease says, so positions stay in order and are never given twice.
    public static let positionLock: Int64 = 0x4F52_4556  // "OREV"

    public init(database: Database) {
        self.database = database
    }

    /// Gives positions to up to `limit` committed events that have none, in the order they were
    /// written; returns them in position order, each with its order. Empty when none waits or
    /// another process is giving positions at this moment.
    public func positionNext(limit: Int, logger: Logger) async throws -> [PublishedOrderEvent] {
        // One statement (migration 0007's function) takes the lock, gives the positions and
        // returns the events with their orders' lines; the transaction, and so the lock, ends at
        // COMMIT. Not autocommit: its rows would come before its commit, and a server killed in
        // between would have the relay publish positions that were never given.
        let rows = try await database.transaction(logger: logger) { connection in
            try await connection.query(
                "SELECT * FROM order_events_publish_orders(\(Self.positionLock), \(Int32(clamping: limit)))", logger: logger)
        }
        // One row per event, with its order (its payment and lines in it) in one column.
        guard let first = rows.first else { return [] }
        let order = try first.index(of: "order")
        return try rows.map { try Self.row($0).event(order: try OrderRow.order($0, at: order)) }
    }

    /// The events after `position`, up to `through`, oldest first, at most `limit`: those of
    /// `customer`'s orders only when given, of `order` only when given.
    public func events(
        after position: Int64, through last: Int64, customer: UUID?, order: UUID?, limit: Int, logger: Logger
    ) async throws -> [PublishedOrderEvent] {
        try await database.withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT \(unescaped: Self.eventColumns)
                FROM order_events e JOIN orders o ON o.id = e.order_id
                WHERE e.position > \(position) AND e.position <= \(last)
                  AND (\(customer)::uuid IS NULL OR o.user_id = \(customer))
                  AND (\(order)::uuid IS NULL OR e.order_id = \(order))
                ORDER BY e.position LIMIT \(limit)
                """,
                logger: logger
            )
            return try await Self.attachOrders(try rows.map(Self.row), on: connection, logger: logger)
        }
    }

    /// The events at `positions` that still exist, oldest first.
    public func events(at positions: [Int64], logger: Logger) async throws -> [PublishedOrderEvent] {
        guard !positions.isEmpty else { return [] }
        return try await database.withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT \(unescaped: Self.eventColumns)
                FROM order_events e WHERE e.position = ANY(\(positions)) ORDER BY e.position
                """,
                logger: logger
            )
            return try await Self.attachOrders(try rows.map(Self.row), on: connection, logger: logger)
        }
    }

    /// Whether a committed event waits for a position: one probe of the partial index on
    /// unpositioned rows, cheap enough for the relay to ask every few milliseconds.
    public func hasUnpositioned(logger: Logger) async throws -> Bool {
        try await database.query("SELECT EXISTS (SELECT 1 FROM order_events WHERE position IS NULL)", logger: logger)
            .first?.decode(Bool.self) ?? false
    }

    /// The last position of a committed event that still exists (0 before the first).
    public func lastPosition(logger: Logger) async throws -> Int64 {
        try await database.query("SELECT coalesce(max(position), 0)::int8 FROM order_events", logger: logger)
            .first?.decode(Int64.self) ?? 0
    }

    /// The last position ever given, committed or not, whatever was deleted since: lower than
    /// what the stream holds only when Postgres went back in time (a restore).
    public func lastGiven(logger: Logger) async throws -> Int64 {
        try await database.query("SELECT last_value FROM order_event_positions", logger: logger).first?.decode(Int64.self) ?? 0
    }

    // MARK: Rows

    /// What ``EventRow`` reads, for `e` (the `order_events` row) and `o`'s owner.
    static let eventColumns = """
        e.position, e.kind, e.order_id, (SELECT user_id FROM orders WHERE id = e.order_id) AS customer_id,
        e.from_status, e.to_status, e.actor_id, e.actor_role, e.reason, e.at, e.order_state::text AS order_state
        """

    /// An `order_events` row before its order is attached.
    struct EventRow {
        var position: Int64
        var type: OrderEventType
        var orderID: UUID
        var customerID: UUID
        var from: OrderStatus?
        var to: OrderStatus
        var actorID: UUID?
        var actorRole: Role?
        var reason: String?
        var at: Date
        var state: String?

        /// The event, with `order` (as it is now) put back to the state this row recorded; events
        /// older than the live stream recorded none and carry the order as it is now.
        func event(order: Order) throws -> PublishedOrderEvent {
            let stateAtEvent = try state.map { try JSONDecoder().decode(OrderEventState.self, from: Data($0.utf8)).applied(to: order) }
            return PublishedOrderEvent(
                position: position, type: type, orderID: orderID, customerID: customerID, from: from, to: to, actorID: actorID,
                actorRole: actorRole, reason: reason, at: at, order: stateAtEvent ?? order
            )
        }
    }

    /// The event of a row of ``eventColumns`` (or of the relay's function, which has them too).
    static func row(_ columns: DatabaseRow) throws -> EventRow {
        func value<T: PostgresDecodable>(_ name: String, _ type: T.Type) throws -> T {
            try columns.decode(T.self, column: name)
        }
        let from = try value("from_status", String?.self).flatMap(OrderStatus.init(rawValue:))
        let to = OrderStatus(rawValue: try value("to_status", String.self)) ?? .pending
        return EventRow(
            position: try value("position", Int64.self),
            type: OrderEventType(kind: try value("kind", String.self), from: from, to: to),
            orderID: try value("order_id", UUID.self), customerID: try value("customer_id", UUID.self), from: from, to: to,
            actorID: try value("actor_id", UUID?.self),
            actorRole: try value("actor_role", String?.self).flatMap(Role.init(rawValue:)),
            reason: try value("reason", String?.self), at: try value("at", Date.self),
            state: try value("order_state", String?.self)
        )
    }

    /// `rows` as events, each with its order (one more query); an event whose order is gone is left out.
    static func attachOrders(_ rows: [EventRow], on connection: DatabaseConnection, logger: Logger) async throws
        -> [PublishedOrderEvent]
    {
        let orders = rows.isEmpty ? [:] : try await orders(Set(rows.map(\.orderID)), on: connection, logger: logger)
        return try rows.compactMap { row in try orders[row.orderID].map { try row.event(order: $0) } }
    }

    /// The orders in `ids` with their lines, by id.
    static func orders(_ ids: Set<UUID>, on connection: DatabaseConnection, logger: Logger) async throws -> [UUID: Order] {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: OrderRow.column()) FROM orders o WHERE o.id = ANY(\(Array(ids)))
            """,
            logger: logger
        )
        return Dictionary(try OrderRow.orders(rows).map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }
}
