import Foundation
import Logging
import Metrics
import Postgres
import PostgresNIO

/// The system's automatic move `pending → processing`, in batches: one conditional update and
/// one multi-row event insert per transaction, so running a job twice changes nothing the
/// second time and a cancelled order is never advanced.
public struct OrderTransitions: Sendable {
    let database: Database
    /// `PAYMENT_TIMEOUT_SECONDS`: a pending order whose payment is not authorised this long after
    /// it was placed is cancelled (nil: payments off).
    let paymentTimeout: Int?
    let metrics: OrderMoveMetrics

    /// Its metrics go to `metrics` (the process's by default).
    public init(database: Database, paymentTimeout: Int? = nil, metrics: any MetricsFactory = MetricsSystem.factory) {
        self.database = database
        self.paymentTimeout = paymentTimeout
        self.metrics = OrderMoveMetrics(factory: metrics)
    }

    /// Why the system cancels an order whose payment did not come.
    public static let unpaidReason = "payment not received"
    /// The payment states the unpaid timeout cancels in.
    static let unpaidStates: Set<PaymentStatus> = [.unpaid, .requiresAction, .failed]

    /// Cancels, one transaction each (its stock back, its event), the pending orders whose
    /// payment is not authorised `paymentTimeout` after they were placed, at most `limit`.
    /// Their payments are voided by the voids' reconciler. Returns the orders cancelled.
    public func cancelUnpaid(limit: Int = 500, logger: Logger) async throws -> [UUID] {
        guard let paymentTimeout else { return [] }
        let overdue = try await database.query(
            """
            SELECT o.id FROM orders o JOIN payments p ON p.order_id = o.id
            WHERE o.status = 'pending' AND p.status = ANY(\(Self.unpaidStates.map(\.rawValue)))
              AND o.created_at < now() - \(Double(paymentTimeout)) * interval '1 second'
            ORDER BY o.created_at LIMIT \(limit)
            """, logger: logger
        ).map { try $0.decode(UUID.self) }
        var cancelled: [UUID] = []
        // Still unpaid when the order is locked: a payment authorised at the last moment wins.
        let cancel = Transition(
            to: .cancelled, from: [.pending], actorID: nil, actorRole: nil, reason: Self.unpaidReason, paymentIn: Self.unpaidStates)
        for id in overdue {
            do {
                try await database.withConnection { connection in
                    try await PostgresOrderRepository.apply(cancel, to: id, on: connection, logger: logger)
                }
                cancelled.append(id)
            } catch is OrderError {
                // Moved, cancelled or authorised meanwhile: nothing to do.
            } catch let error as DatabaseError where error.refusesItsRows {
                // One order whose rows break a rule stays as it is, logged; the others are cancelled.
                metrics.refusedToCancelled.increment()
                logger.error(
                    "the database refuses an unpaid order's cancel; it stays pending",
                    metadata: Logger.Metadata.describing(error, ["order.id": "\(id)"]))
            }
        }
        return cancelled
    }

    /// What happened to each order of a batch.
    public struct Outcome: Sendable, Equatable {
        /// Moved to processing now.
        public var moved: Set<UUID> = []
        /// Still pending but not yet due by the database's clock: schedule again at this time.
        public var notYetDue: [UUID: Date] = [:]
        /// Not there for this batch: no such order (its creating transaction has not committed
        /// yet, its job being enqueued just before the commit, or never did), or one that
        /// committed while the batch ran (after its update looked, before its second look). The
        /// worker looks for these again shortly.
        public var missing: Set<UUID> = []
        /// Due, and held by a payment not yet authorised: moved once it is (whoever records the
        /// authorisation schedules the move again).
        public var awaitingPayment: Set<UUID> = []
        /// Moved now with an authorised payment: to be captured.
        public var toCapture: Set<UUID> = []
        /// Not moved because the database refuses the move's rows for this order (its data breaks
        /// a rule, such as a `processing` event already recorded beside a pending order): it
        /// stays pending and is logged, and the rest of its batch moves without it.
        public var refused: Set<UUID> = []

        /// Adds what another part of the same batch did.
        mutating func merge(_ other: Outcome) {
            moved.formUnion(other.moved)
            notYetDue.merge(other.notYetDue) { own, _ in own }
            missing.formUnion(other.missing)
            awaitingPayment.formUnion(other.awaitingPayment)
            toCapture.formUnion(other.toCapture)
            refused.formUnion(other.refused)
        }
    }

    /// Opens up to `connections` pooled connections with the move prepared on each, before a
    /// burst of due orders (``Database/warm(connections:preparing:hold:)``).
    public func warm(connections: Int) async {
        await database.warm(connections: connections, preparing: [MoveDueOrders.self])
    }

    /// Moves the orders in `ids` that are pending and due; the others were cancelled or moved
    /// already (nothing to do) or are early (reported in `notYetDue`). With `start` (their due
    /// time, for orders claimed ahead), the transaction begins at once and the move is sent then.
    ///
    /// A batch the database refuses for its rows (``Outcome/refused``) is split in halves until
    /// the orders at fault stand alone: one order that cannot move holds back only itself, not
    /// every batch it falls into, nor the reconciler's sweep.
    public func processDue(_ ids: [UUID], reason: String, startingAt start: ContinuousClock.Instant? = nil, logger: Logger)
        async throws -> Outcome
    {
        guard !ids.isEmpty else { return Outcome() }
        do {
            return try await move(ids, reason: reason, startingAt: start, logger: logger)
        } catch let error as DatabaseError where error.refusesItsRows {
            guard ids.count > 1 else {
                metrics.refusedToProcessing.increment()
                logger.error(
                    "the database refuses an order's move to processing; it stays pending",
                    metadata: Logger.Metadata.describing(error, ["order.id": "\(ids[0])"]))
                var outcome = Outcome()
                outcome.refused = [ids[0]]
                return outcome
            }
            let half = ids.count / 2
            var outcome = try await processDue(Array(ids[..<half]), reason: reason, logger: logger)
            outcome.merge(try await processDue(Array(ids[half...]), reason: reason, logger: logger))
            return outcome
        }
    }

    /// One batch's move (``processDue(_:reason:startingAt:logger:)``), in one statement.
    private func move(_ ids: [UUID], reason: String, startingAt start: ContinuousClock.Instant?, logger: Logger) async throws
        -> Outcome
    {
        // One statement, so the update and the second look read the same time and snapshot: an
        // order the update finds early is then surely reported early (with a later clock it could
        // look due yet unmoved, and its job would be acked with the order still pending).
        // Inside BEGIN … COMMIT: alone, the statement's rows and its CommandComplete come before
        // its implicit commit (at Sync), so a server killed between the two would report orders
        // moved that never were, and their jobs would be acked. COMMIT's answer comes after
        // (queued with the statement: no hop back to this task between the two).
        let rows = try await database.executeInTransaction(
            MoveDueOrders(orders: ids, reason: reason), startingAt: start, logger: logger)
        var outcome = Outcome()
        outcome.moved = Set(rows.filter(\.moved).map(\.id))
        outcome.toCapture = Set(rows.filter { $0.moved && $0.authorized }.map(\.id))
        outcome.awaitingPayment = Set(rows.filter { !$0.moved && $0.pending && !$0.later && $0.awaitingPayment }.map(\.id))
        let rest = ids.filter { !outcome.moved.contains($0) && !outcome.awaitingPayment.contains($0) }
        if !rest.isEmpty {
            (outcome.notYetDue, outcome.missing) = Self.unmoved(
                rest, found: rows.filter { !$0.moved }.map { ($0.id, $0.pending, $0.later, $0.due) })
        }
        return outcome
    }

    /// How the orders an update did not move stand, from a second look at them (`pending`,
    /// due `later` than now, `due`): early ones by due time, and the missing ones, not found or
    /// found pending and due (an order committed after the statement began is not seen; one the
    /// update waited for and found changed shows as it was): each is looked for again.
    static func unmoved(_ ids: [UUID], found rows: [(id: UUID, pending: Bool, later: Bool, due: Date)]) -> (
        notYetDue: [UUID: Date], missing: Set<UUID>
    ) {
        var notYetDue: [UUID: Date] = [:]
        var settled = Set<UUID>()
        for row in rows where !row.pending || row.later {
            if row.pending { notYetDue[row.id] = row.due }
            settled.insert(row.id)
        }
        return (notYetDue, Set(ids).subtracting(settled))
    }

    /// Moves every pending order already past its time, in batches (the reconciler's sweep);
    /// a sweep skips the rows others hold locked (a worker moving them). Returns how many moved.
    ///
    /// A batch the database refuses for its rows goes through ``processDue(_:reason:startingAt:logger:)``,
    /// which moves all but the orders at fault; those are not asked for again in this sweep.
    public func sweepOverdue(batch: Int = 1000, reason: String, logger: Logger) async throws -> Int {
        var total = 0
        var refused: [UUID] = []
        while true {
            // How many overdue orders this batch took up: fewer than `batch`, and none are left.
            let taken: Int
            do {
                let moved: Int = try await database.transaction(logger: logger) { connection in
                    let moved = try await connection.query(
                        overdue(
                            batch: batch, besides: refused,
                            within: ("UPDATE orders SET status = 'processing', updated_at = now() WHERE id IN (", ") RETURNING id")),
                        logger: logger
                    ).map { try $0.decode(UUID.self) }
                    try await RecordOrderEvents(orders: moved, from: .pending, to: .processing, reason: reason).run(
                        on: connection, logger: logger)
                    return moved.count
                }
                total += moved
                taken = moved
            } catch let error as DatabaseError where error.refusesItsRows {
                let due = try await database.query(overdue(batch: batch, besides: refused), logger: logger).map {
                    try $0.decode(UUID.self)
                }
                let outcome = try await processDue(due, reason: reason, logger: logger)
                refused += outcome.refused
                total += outcome.moved.count
                taken = due.count
            }
            if taken < batch { return total }
        }
    }

    /// Up to `batch` pending orders past their time, soonest first, locked but for those already
    /// locked, and but for those held by their payment and those in `refused`; the query is put
    /// `within` a statement's text before and after it.
    private func overdue(batch: Int, besides refused: [UUID], within statement: (String, String) = ("", "")) -> PostgresQuery {
        """
        \(unescaped: statement.0)SELECT id FROM orders WHERE status = 'pending' AND auto_process_at <= now()
          AND NOT EXISTS (\(unescaped: MoveDueOrders.awaitingPayment("orders"))) AND id <> ALL(\(refused))
        ORDER BY auto_process_at LIMIT \(batch) FOR UPDATE SKIP LOCKED\(unescaped: statement.1)
        """
    }

    /// Waits until every transaction that is writing to `orders` when called (a placement among
    /// them) has ended, committed or rolled back; false when one is still open after `limit`.
    ///
    /// A placement schedules its move before its commit and not after it, so a job Redis loses
    /// may belong to an order not yet committed: a reconciler pass that began after the loss
    /// waits for such transactions before it reads what Postgres owes. Transactions are told
    /// apart by their virtual ids (`pg_locks`, readable by any role, unlike another role's
    /// `pg_stat_activity`), so a connection's later transactions are not waited for, nor other
    /// databases' writers, as the cluster-wide snapshot's `xmin` would.
    public func untilOrderWritesEnd(within limit: Duration, logger: Logger) async throws -> Bool {
        let writers = try await database.query(
            """
            SELECT virtualtransaction FROM pg_locks
            WHERE locktype = 'relation' AND relation = 'orders'::regclass AND mode = 'RowExclusiveLock' AND granted
              AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
            """,
            logger: logger
        ).map { try $0.decode(String.self) }
        guard !writers.isEmpty else { return true }
        let until = ContinuousClock.now + limit
        while true {
            let open = try await database.query(
                "SELECT count(*) FROM pg_locks WHERE virtualtransaction = ANY(\(writers))", logger: logger
            ).first?.decode(Int.self)
            if open == 0 { return true }
            guard ContinuousClock.now < until else { return false }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Pending orders, soonest first (for re-enqueueing after Redis lost its data). Those come
    /// due since the sweep before this are included: the two statements read different clocks,
    /// and an order due in between must not fall through both. Those awaiting their payment are
    /// not: its authorisation schedules them.
    public func upcoming(limit: Int, logger: Logger) async throws -> [(id: UUID, dueAt: Date)] {
        try await database.query(
            """
            SELECT id, auto_process_at FROM orders WHERE status = 'pending'
              AND NOT EXISTS (\(unescaped: MoveDueOrders.awaitingPayment("orders")))
            ORDER BY auto_process_at LIMIT \(limit)
            """,
            logger: logger
        ).map { row in
            let (id, due) = try row.decode((UUID, Date).self)
            return (id, due)
        }
    }
}
