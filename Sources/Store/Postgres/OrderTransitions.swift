import Foundation
import Logging
import PostgresNIO

/// The system's automatic move `pending → processing`, in batches: one conditional update and
/// one multi-row event insert per transaction, so running a job twice changes nothing the
/// second time and a cancelled order is never advanced.
public struct OrderTransitions: Sendable {
    let client: PostgresClient

    public init(client: PostgresClient) {
        self.client = client
    }

    /// What happened to each order of a batch.
    public struct Outcome: Sendable, Equatable {
        /// Moved to processing now.
        public var moved: Set<UUID> = []
        /// Still pending but not yet due by the database's clock: schedule again at this time.
        public var notYetDue: [UUID: Date] = [:]
        /// No such order: one whose creating transaction has not committed yet (its job is
        /// enqueued just before the commit) or never did.
        public var missing: Set<UUID> = []
    }

    /// Moves the orders in `ids` that are pending and due; the others were cancelled or moved
    /// already (nothing to do) or are early (reported in `notYetDue`).
    public func processDue(_ ids: [UUID], reason: String, logger: Logger) async throws -> Outcome {
        guard !ids.isEmpty else { return Outcome() }
        // One transaction, so both statements read the same `now()`: an order the update finds
        // early is then surely reported early (with a later clock it could look due yet unmoved,
        // and its job would be acked with the order still pending).
        return try await client.transaction(logger: logger) { connection in
            var outcome = Outcome()
            let rows = try await connection.query(
                """
                UPDATE orders SET status = 'processing', updated_at = now()
                WHERE id = ANY(\(ids)) AND status = 'pending' AND auto_process_at <= now()
                RETURNING id
                """,
                logger: logger
            )
            var moved: [UUID] = []
            for try await id in rows.decode(UUID.self) { moved.append(id) }
            try await RecordOrderEvents(orders: moved, from: .pending, to: .processing, reason: reason).run(on: connection, logger: logger)
            outcome.moved = Set(moved)
            let rest = ids.filter { !outcome.moved.contains($0) }
            if !rest.isEmpty {
                let others = try await connection.query(
                    "SELECT id, status = 'pending' AND auto_process_at > now(), auto_process_at FROM orders WHERE id = ANY(\(rest))",
                    logger: logger
                )
                var found = Set<UUID>()
                for try await (id, early, due) in others.decode((UUID, Bool, Date).self) {
                    found.insert(id)
                    if early { outcome.notYetDue[id] = due }
                }
                outcome.missing = Set(rest).subtracting(found)
            }
            return outcome
        }
    }

    /// Moves every pending order already past its time, in batches (the reconciler's sweep);
    /// concurrent sweepers skip each other's rows. Returns how many moved.
    public func sweepOverdue(batch: Int = 1000, reason: String, logger: Logger) async throws -> Int {
        var total = 0
        while true {
            let moved: Int = try await client.transaction(logger: logger) { connection in
                let rows = try await connection.query(
                    """
                    UPDATE orders SET status = 'processing', updated_at = now()
                    WHERE id IN (SELECT id FROM orders WHERE status = 'pending' AND auto_process_at <= now()
                                 ORDER BY auto_process_at LIMIT \(batch) FOR UPDATE SKIP LOCKED)
                    RETURNING id
                    """,
                    logger: logger
                )
                var moved: [UUID] = []
                for try await id in rows.decode(UUID.self) { moved.append(id) }
                try await RecordOrderEvents(orders: moved, from: .pending, to: .processing, reason: reason).run(
                    on: connection, logger: logger)
                return moved.count
            }
            total += moved
            if moved < batch { return total }
        }
    }

    /// Pending orders, soonest first (for re-enqueueing after Redis lost its data). Those come
    /// due since the sweep before this are included: the two statements read different clocks,
    /// and an order due in between must not fall through both.
    public func upcoming(limit: Int, logger: Logger) async throws -> [(id: UUID, dueAt: Date)] {
        try await client.withRows(
            "SELECT id, auto_process_at FROM orders WHERE status = 'pending' ORDER BY auto_process_at LIMIT \(limit)",
            logger: logger
        ) { rows in
            var upcoming: [(id: UUID, dueAt: Date)] = []
            for try await (id, due) in rows.decode((UUID, Date).self) { upcoming.append((id, due)) }
            return upcoming
        }
    }
}
