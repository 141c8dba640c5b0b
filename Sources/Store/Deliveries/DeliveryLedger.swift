import Foundation
import Logging
import Postgres
import PostgresNIO

/// The delivery ledger in Postgres: what is owed to whom for each event, and what became of it.
/// The job queue only points at rows here; whatever Redis loses is enqueued again from here.
public struct DeliveryLedger: Sendable {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    static let columns = """
        id, kind, event_position, event_type, order_id, target, endpoint_id, state, attempts, response_status, duration_ms,
        last_error, response_excerpt, created_at, attempted_at, delivered_at
        """

    // MARK: Dispatching

    /// What one dispatch step did: the deliveries it wrote, and the last event it looked at.
    public struct Dispatched: Sendable {
        public var deliveries: [Delivery]
        public var through: Int64
        /// Events looked at (a full batch means more may wait).
        public var events: Int
    }

    /// Turns the next events after the dispatcher's cursor (at most `limit`) into deliveries: one
    /// per active endpoint that takes the event's type, and one email to the order's customer when
    /// `email` is on and the change is one they are told of. In one transaction that moves the
    /// cursor, so an event is never skipped; the ledger's key (event, kind, target) makes a second
    /// dispatcher's step (after a lost lease) write nothing twice.
    public func dispatchNext(limit: Int, email: Bool, logger: Logger) async throws -> Dispatched {
        try await database.transaction(logger: logger) { connection in
            guard
                let cursor = try await connection.query(
                    "SELECT position FROM delivery_dispatch WHERE name = 'events' FOR UPDATE", logger: logger
                ).first?.decode(Int64.self)
            else { throw StoreError(.notFound, field: "delivery cursor") }
            let events = try await connection.query(
                """
                SELECT e.position, e.kind, e.from_status, e.to_status, e.order_id, o.customer_email, u.email_notifications
                FROM order_events e JOIN orders o ON o.id = e.order_id JOIN users u ON u.id = o.user_id
                WHERE e.position > \(cursor) ORDER BY e.position LIMIT \(limit)
                """, logger: logger
            )
            guard !events.isEmpty else { return Dispatched(deliveries: [], through: cursor, events: 0) }
            let endpoints = try await connection.query(
                "SELECT id, event_types FROM webhook_endpoints WHERE active", logger: logger
            ).map { try $0.decode((UUID, [String]).self) }
            var rows: [(kind: JobKind, position: Int64, type: String, order: UUID, target: String, endpoint: UUID?)] = []
            var through = cursor
            for row in events {
                let (position, kind, from, to, orderID, address, wantsStatus) = try row.decode(
                    (Int64, String, String?, String, UUID, String, Bool).self)
                through = position
                let type = OrderEventType(kind: kind, from: from.flatMap(OrderStatus.init), to: OrderStatus(rawValue: to) ?? .pending)
                for (endpoint, types) in endpoints where types.contains(type.rawValue) {
                    rows.append((.webhook, position, type.rawValue, orderID, endpoint.lowercasedString, endpoint))
                }
                if email, Self.isNotifiable(type, to: OrderStatus(rawValue: to), wantsStatusEmails: wantsStatus) {
                    rows.append((.email, position, type.rawValue, orderID, address.lowercased(), nil))
                }
            }
            var written: [Delivery] = []
            if !rows.isEmpty {
                written = try await connection.query(
                    """
                    INSERT INTO deliveries (id, kind, event_position, event_type, order_id, target, endpoint_id)
                    SELECT id, kind, position, type, order_id, target, nullif(endpoint, '')::uuid
                    FROM unnest(\(rows.map { _ in UUIDv7.make() }), \(rows.map(\.kind.rawValue)), \(rows.map(\.position)),
                                \(rows.map(\.type)), \(rows.map(\.order)), \(rows.map(\.target)),
                                \(rows.map { $0.endpoint?.uuidString ?? "" }))
                         AS t (id, kind, position, type, order_id, target, endpoint)
                    ON CONFLICT (event_position, kind, target) DO NOTHING
                    RETURNING \(unescaped: Self.columns)
                    """, logger: logger
                ).map(Self.delivery)
            }
            try await connection.query("UPDATE delivery_dispatch SET position = \(through) WHERE name = 'events'", logger: logger)
            return Dispatched(deliveries: written, through: through, events: events.count)
        }
    }

    /// Whether a customer is emailed about this change: always when the order is placed or
    /// cancelled; when it moves to processing, ships or is delivered only if they want status emails.
    static func isNotifiable(_ type: OrderEventType, to status: OrderStatus?, wantsStatusEmails: Bool) -> Bool {
        switch type {
        case .created, .cancelled: true
        case .statusChanged: wantsStatusEmails && [.processing, .shipped, .delivered].contains(status)
        case .updated, .paymentUpdated: false
        }
    }

    /// Whether an event after `position` waits to be dispatched (the dispatcher's cheap probe).
    public func hasEventsAfterCursor(logger: Logger) async throws -> Bool {
        try await database.query(
            """
            SELECT EXISTS (SELECT 1 FROM order_events
                           WHERE position > (SELECT position FROM delivery_dispatch WHERE name = 'events'))
            """, logger: logger
        ).first?.decode(Bool.self) ?? false
    }

    // MARK: Delivering

    public func find(_ id: UUID, logger: Logger) async throws -> Delivery? {
        try await database.query("SELECT \(unescaped: Self.columns) FROM deliveries WHERE id = \(id)", logger: logger).first.map(
            Self.delivery)
    }

    /// What a batch of jobs is to deliver, in one statement: each delivery still owed, with whether
    /// an earlier event of its order still waits for the same target (deliveries of one order to
    /// one target go in event order; a dead one no longer holds the others back). Delivered or
    /// vanished rows are left out.
    public func owed(_ ids: [UUID], logger: Logger) async throws -> [UUID: OwedDelivery] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await database.query(
            """
            SELECT \(unescaped: Self.columns),
                   EXISTS (SELECT 1 FROM deliveries p
                           WHERE p.order_id = d.order_id AND p.target = d.target AND p.kind = d.kind
                             AND p.event_position < d.event_position AND p.state IN ('pending', 'failed')) AS blocked
            FROM deliveries d WHERE d.id = ANY(\(ids)) AND d.state <> 'delivered'
            """, logger: logger)
        var owed: [UUID: OwedDelivery] = [:]
        for row in rows {
            let delivery = try Self.delivery(row)
            owed[delivery.id] = OwedDelivery(delivery: delivery, blocked: try row.decode(Bool.self, column: "blocked"))
        }
        return owed
    }

    /// Records a batch's attempts in one statement (one commit for the batch). A delivery already
    /// delivered stays so (a duplicate attempt after a crash changes nothing).
    public func record(_ attempts: [(id: UUID, attempt: DeliveryAttempt)], logger: Logger) async throws {
        guard !attempts.isEmpty else { return }
        let states = attempts.map { (_, attempt) -> String in
            switch attempt.result {
            case .delivered: DeliveryState.delivered.rawValue
            case .failed(let final): (final ? DeliveryState.dead : .failed).rawValue
            }
        }
        // Arrays cannot hold NULL here: 0, -1 and '' stand for "none" and become NULL again. In a
        // transaction: an autocommit statement reports success before its commit, and the jobs
        // are acked on this answer.
        try await database.transaction(logger: logger) { connection in
            try await connection.query(
                """
                UPDATE deliveries d SET
                    state = t.state, attempts = d.attempts + 1, response_status = nullif(t.status, 0),
                    duration_ms = nullif(t.duration, -1), last_error = nullif(t.error, ''), response_excerpt = nullif(t.excerpt, ''),
                    attempted_at = now(), delivered_at = CASE WHEN t.state = 'delivered' THEN now() END
                FROM unnest(\(attempts.map(\.id)), \(states), \(attempts.map { $0.attempt.responseStatus ?? 0 }),
                            \(attempts.map { $0.attempt.durationMilliseconds ?? -1 }),
                            \(attempts.map { String(($0.attempt.error ?? "").prefix(500)) }),
                            \(attempts.map { String(($0.attempt.responseExcerpt ?? "").prefix(Delivery.excerptLimit)) }))
                     AS t (id, state, status, duration, error, excerpt)
                WHERE d.id = t.id AND d.state <> 'delivered'
                """, logger: logger)
        }
    }

    /// Marks a delivery owed again (an admin's retry); false when it is not failed or dead.
    public func reopen(_ id: UUID, logger: Logger) async throws -> Delivery? {
        try await database.query(
            """
            UPDATE deliveries SET state = 'pending' WHERE id = \(id) AND state IN ('failed', 'dead')
            RETURNING \(unescaped: Self.columns)
            """, logger: logger
        ).first.map(Self.delivery)
    }

    /// Sends a failed or dead delivery of `kind` again now, through `queue` (that kind's).
    public func retry(_ id: UUID, kind: JobKind, through queue: JobQueue, logger: Logger) async throws -> Delivery {
        guard let delivery = try await find(id, logger: logger), delivery.kind == kind else {
            throw StoreError(.notFound, field: "delivery")
        }
        guard let reopened = try await reopen(id, logger: logger) else {
            throw StoreError(
                .conflict, field: "delivery",
                detail: "Only a failed or dead delivery can be retried; this one is \(delivery.state.rawValue).")
        }
        try await queue.runNow(reopened.member, logger: logger)
        return reopened
    }

    // MARK: Reading

    /// An endpoint's deliveries, newest first, `size` from `offset`.
    public func deliveries(endpoint: UUID, offset: Int, size: Int, logger: Logger) async throws -> (items: [Delivery], total: Int) {
        async let items = database.query(
            """
            SELECT \(unescaped: Self.columns) FROM deliveries WHERE endpoint_id = \(endpoint)
            ORDER BY created_at DESC, id DESC OFFSET \(offset) LIMIT \(size)
            """, logger: logger)
        async let total = database.query("SELECT count(*)::int8 FROM deliveries WHERE endpoint_id = \(endpoint)", logger: logger)
        let count: Int64 = try await total.first?.decode(Int64.self) ?? 0
        return (try await items.map(Self.delivery), Int(count))
    }

    /// The deliveries of `kind`, newest first, `size` from `offset` (the outbox); only `order`'s
    /// when it is given.
    public func latest(kind: JobKind, order: UUID? = nil, offset: Int, size: Int, logger: Logger) async throws -> (
        items: [Delivery], total: Int
    ) {
        if let order {
            async let items = database.query(
                """
                SELECT \(unescaped: Self.columns) FROM deliveries WHERE order_id = \(order) AND kind = \(kind.rawValue)
                ORDER BY created_at DESC, id DESC OFFSET \(offset) LIMIT \(size)
                """, logger: logger)
            async let total = database.query(
                "SELECT count(*)::int8 FROM deliveries WHERE order_id = \(order) AND kind = \(kind.rawValue)", logger: logger)
            let count: Int64 = try await total.first?.decode(Int64.self) ?? 0
            return (try await items.map(Self.delivery), Int(count))
        }
        async let items = database.query(
            """
            SELECT \(unescaped: Self.columns) FROM deliveries WHERE kind = \(kind.rawValue)
            ORDER BY created_at DESC, id DESC OFFSET \(offset) LIMIT \(size)
            """, logger: logger)
        async let total = database.query("SELECT count(*)::int8 FROM deliveries WHERE kind = \(kind.rawValue)", logger: logger)
        let count: Int64 = try await total.first?.decode(Int64.self) ?? 0
        return (try await items.map(Self.delivery), Int(count))
    }

    /// Deliveries of `kind` still owed (pending or failed), oldest first: the reconciler's list.
    public func owed(kind: JobKind, limit: Int, logger: Logger) async throws -> [UUID] {
        try await database.query(
            """
            SELECT id FROM deliveries WHERE state IN ('pending', 'failed') AND kind = \(kind.rawValue)
            ORDER BY created_at LIMIT \(limit)
            """, logger: logger
        ).map { try $0.decode(UUID.self) }
    }

    static func delivery(_ row: DatabaseRow) throws -> Delivery {
        let (
            id, kind, position, type, order, target, endpoint, state, attempts, status, duration, error, excerpt, created, attempted,
            delivered
        ) =
            try row.decode(
                (
                    UUID, String, Int64, String, UUID, String, UUID?, String, Int, Int?, Int?, String?, String?, Date, Date?, Date?
                ).self)
        return Delivery(
            id: id, kind: JobKind(rawValue: kind) ?? .webhook, eventPosition: position, eventType: type, orderID: order, target: target,
            endpointID: endpoint, state: DeliveryState(rawValue: state) ?? .pending, attempts: attempts, responseStatus: status,
            durationMilliseconds: duration, lastError: error, responseExcerpt: excerpt, createdAt: created, attemptedAt: attempted,
            deliveredAt: delivered)
    }
}
