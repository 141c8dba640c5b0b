import Foundation
import Logging
import Postgres
import PostgresNIO

/// Orders' payments and refunds in Postgres: what the platform asked the provider for and what
/// it answered. The payment jobs only point at rows here; whatever Redis loses, the payment
/// reconciler finds again from here. Every change runs between BEGIN and COMMIT (an autocommit
/// statement's success comes before its commit), and every change of a payment's status
/// writes its `order.payment_updated` event in the same statement.
public struct PaymentLedger: Sendable {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    static let columns = """
        order_id, provider, status, intent_id, amount, currency, captured_amount, refunded_amount, refunding_amount, client_secret,
        next_action::text, last_error, created_at, updated_at
        """

    // MARK: Payments

    /// Opens the payment of an order just placed: unpaid, for its total. Opening it again
    /// changes nothing. Returns it as it stands.
    @discardableResult
    public func open(order: UUID, provider: String, logger: Logger) async throws -> Payment {
        try await database.transaction(logger: logger) { connection in
            _ = try await connection.query(
                """
                INSERT INTO payments (order_id, provider, amount, currency)
                SELECT id, \(provider), total_amount, currency FROM orders WHERE id = \(order)
                ON CONFLICT (order_id) DO NOTHING
                """, logger: logger)
            guard
                let payment = try await connection.query(
                    "SELECT \(unescaped: Self.columns) FROM payments WHERE order_id = \(order)", logger: logger
                ).first.map(Self.payment)
            else { throw PaymentError(.notFound) }
            return payment
        }
    }

    /// The payment of `order`, if it has one.
    public func payment(of order: UUID, logger: Logger) async throws -> Payment? {
        try await database.query("SELECT \(unescaped: Self.columns) FROM payments WHERE order_id = \(order)", logger: logger)
            .first.map(Self.payment)
    }

    /// Records the provider's intent for `order`, unless one is recorded already or the payment
    /// is no longer unpaid (voided when the order was cancelled meanwhile): the first creator
    /// wins, and a later one (a job run twice, a provider without idempotency keys) learns it
    /// lost and cancels its own intent. Returns the payment and whether this call
    /// recorded it.
    public func recordIntent(
        _ intentID: String, clientSecret: String?, of order: UUID, logger: Logger
    ) async throws -> (payment: Payment, recorded: Bool) {
        try await database.transaction(logger: logger) { connection in
            let recorded = try await connection.query(
                """
                UPDATE payments SET intent_id = \(intentID), client_secret = \(clientSecret), updated_at = now()
                WHERE order_id = \(order) AND intent_id IS NULL AND status = 'unpaid'
                RETURNING \(unescaped: Self.columns)
                """, logger: logger
            ).first.map(Self.payment)
            if let recorded { return (recorded, true) }
            guard
                let payment = try await connection.query(
                    "SELECT \(unescaped: Self.columns) FROM payments WHERE order_id = \(order)", logger: logger
                ).first.map(Self.payment)
            else { throw PaymentError(.notFound) }
            return (payment, false)
        }
    }

    /// Puts a fresh intent in place of `old` while the payment is unpaid (a provider that will
    /// not confirm an intent again after a decline, as localstripe). False when the payment
    /// moved on or has another intent now.
    public func replaceIntent(_ old: String, with new: String, clientSecret: String?, of order: UUID, logger: Logger) async throws
        -> Bool
    {
        try await database.transaction(logger: logger) { connection in
            try await connection.query(
                """
                UPDATE payments SET intent_id = \(new), client_secret = \(clientSecret), next_action = NULL, updated_at = now()
                WHERE order_id = \(order) AND intent_id = \(old) AND status = 'unpaid'
                RETURNING order_id
                """, logger: logger
            ).first != nil
        }
    }

    /// The payment of `order` with the id of the order's owner (who alone may pay it).
    public func paymentAndOwner(of order: UUID, logger: Logger) async throws -> (payment: Payment, owner: UUID)? {
        guard
            let row = try await database.query(
                """
                SELECT \(unescaped: Self.columns), (SELECT user_id FROM orders WHERE id = payments.order_id) AS user_id
                FROM payments WHERE order_id = \(order)
                """, logger: logger
            ).first
        else { return nil }
        return (try Self.payment(row), try row.decode(UUID.self, column: "user_id"))
    }

    /// A change of a payment's status, as the provider's answer (or the platform's decision)
    /// makes it.
    public struct Change: Sendable {
        public var status: PaymentStatus
        /// What is captured now (nil: as it was).
        public var capturedAmount: Decimal?
        /// The provider's `next_action` as JSON text, while the payer must act (nil clears it).
        public var nextAction: String?
        /// The provider's refusal in a customer's words (nil clears it).
        public var lastError: String?

        public init(status: PaymentStatus, capturedAmount: Decimal? = nil, nextAction: String? = nil, lastError: String? = nil) {
            self.status = status
            self.capturedAmount = capturedAmount
            self.nextAction = nextAction
            self.lastError = lastError
        }
    }

    /// Applies `change` if the payment's status is one of `from` (each caller names the states
    /// its step may follow, so a late answer cannot undo a later one), and writes the order's
    /// `order.payment_updated` event when the status changes. Nil when the payment was not in
    /// one of those states (or there is none). The client secret is dropped once no payer
    /// needs it.
    public func apply(_ change: Change, to order: UUID, from: Set<PaymentStatus>, logger: Logger) async throws -> Payment? {
        try await database.transaction(logger: logger) { connection in
            try await Self.apply(change, to: order, from: from, on: connection, logger: logger)
        }
    }

    /// What a provider's webhook event did here.
    public enum EventOutcome: Sendable, Equatable {
        /// The payment changed.
        case applied(Payment)
        /// The payment was past the state the event would move it from (a late or repeated one).
        case unchanged
        /// This event id was applied before: nothing happens twice.
        case replayed
    }

    /// Applies a provider's event once: its id is recorded with the change in one transaction,
    /// so a replay (the provider retries, an attacker repeats) changes nothing, and a crash
    /// leaves neither.
    /// The change applies only while `intent` is still the payment's (one replaced after a decline
    /// meanwhile gets nothing from its old intent's events).
    public func applyProviderEvent(
        id: String, type: String, change: Change, to order: UUID, intent: String, from: Set<PaymentStatus>, logger: Logger
    ) async throws -> EventOutcome {
        try await database.transaction(logger: logger) { connection in
            let first =
                try await connection.query(
                    """
                    INSERT INTO payment_provider_events (id, type) VALUES (\(id), \(type))
                    ON CONFLICT (id) DO NOTHING RETURNING id
                    """, logger: logger
                ).first != nil
            guard first else { return .replayed }
            return try await Self.apply(change, to: order, from: from, intent: intent, on: connection, logger: logger).map {
                .applied($0)
            }
                ?? .unchanged
        }
    }

    /// Records a provider's event that changes nothing (an unknown type, another intent's): a
    /// replay is known as one. Returns whether it was new.
    public func recordProviderEvent(id: String, type: String, logger: Logger) async throws -> Bool {
        try await database.transaction(logger: logger) { connection in
            try await connection.query(
                "INSERT INTO payment_provider_events (id, type) VALUES (\(id), \(type)) ON CONFLICT (id) DO NOTHING RETURNING id",
                logger: logger
            ).first != nil
        }
    }

    /// `apply` on `connection`; with `intent`, only while it is the payment's.
    static func apply(
        _ change: Change, to order: UUID, from: Set<PaymentStatus>, intent: String? = nil, on connection: DatabaseConnection,
        logger: Logger
    ) async throws -> Payment? {
        try await connection.query(
            """
            WITH before AS (
                SELECT status FROM payments WHERE order_id = \(order) FOR UPDATE
            ), changed AS (
                UPDATE payments p SET
                    status = \(change.status.rawValue),
                    captured_amount = coalesce(\(change.capturedAmount)::numeric, p.captured_amount),
                    next_action = \(change.nextAction)::jsonb,
                    last_error = \(change.lastError),
                    client_secret = CASE WHEN \(change.status.rawValue) IN ('unpaid', 'requires_action') THEN p.client_secret END,
                    updated_at = now()
                FROM before
                WHERE p.order_id = \(order) AND before.status = ANY(\(from.map(\.rawValue)))
                    AND (\(intent)::text IS NULL OR p.intent_id = \(intent))
                RETURNING p.*, before.status AS previous
            ), recorded AS (
                INSERT INTO order_events (\(unescaped: RecordOrderEvents.columns), order_state, kind)
                SELECT \(UUIDv7.make()), o.id, o.status, o.status, NULL::uuid, NULL::text, c.status,
                       \(unescaped: OrderEventState.sql("o")), 'payment'
                FROM changed c JOIN orders o ON o.id = c.order_id
                WHERE c.status <> c.previous
            )
            SELECT \(unescaped: Self.columns) FROM changed
            """, logger: logger
        ).first.map(Self.payment)
    }

    /// Orders whose payment still waits for its intent (the provider was away when they were
    /// placed, or the job that creates it was lost), oldest first: the reconciler's list.
    public func withoutIntent(limit: Int, logger: Logger) async throws -> [UUID] {
        try await database.query(
            """
            SELECT order_id FROM payments WHERE intent_id IS NULL AND status = 'unpaid' ORDER BY created_at LIMIT \(limit)
            """, logger: logger
        ).map { try $0.decode(UUID.self) }
    }

    /// Payments with an intent that still wait on their payer (`unpaid`, `requires_action`) of
    /// orders still pending, unchanged for `quietSeconds`, least recently changed first: what
    /// the provider sync asks the provider about (an authorisation the platform did not hear of:
    /// 3-D Secure completed in the payer's browser, a lost webhook, a crash after the answer).
    public func waitingOnPayer(quietSeconds: Int, limit: Int, logger: Logger) async throws -> [Payment] {
        try await database.query(
            """
            SELECT \(unescaped: Self.columns) FROM payments p
            WHERE p.status IN ('unpaid', 'requires_action') AND p.intent_id IS NOT NULL
              AND p.updated_at < now() - \(Double(quietSeconds)) * interval '1 second'
              AND EXISTS (SELECT 1 FROM orders o WHERE o.id = p.order_id AND o.status = 'pending')
            ORDER BY p.updated_at LIMIT \(limit)
            """, logger: logger
        ).map(Self.payment)
    }

    /// Orders that moved past pending with their payment authorised and not captured: the
    /// capture reconciler's list.
    public func needingCapture(limit: Int, logger: Logger) async throws -> [UUID] {
        try await database.query(
            """
            SELECT p.order_id FROM payments p JOIN orders o ON o.id = p.order_id
            WHERE p.status = 'authorized' AND o.status IN ('processing', 'shipped', 'delivered')
            ORDER BY p.updated_at LIMIT \(limit)
            """, logger: logger
        ).map { try $0.decode(UUID.self) }
    }

    /// The key of the full refund a cancelled order's capture gets: one per order, however
    /// often it is asked for.
    public static let cancellationRefundKey = "order-cancelled"

    /// Cancelled orders whose payment is still open (an authorisation to release, an intent to
    /// cancel) or captured with no cancellation refund asked for yet (a process killed between
    /// recording the capture and asking for the refund leaves one): the void reconciler's list.
    public func needingVoid(limit: Int, logger: Logger) async throws -> [UUID] {
        try await database.query(
            """
            SELECT p.order_id FROM payments p JOIN orders o ON o.id = p.order_id
            WHERE o.status = 'cancelled' AND (
                p.status IN ('unpaid', 'requires_action', 'authorized')
                OR (p.status IN ('paid', 'partially_refunded') AND p.refunded_amount + p.refunding_amount < p.captured_amount
                    AND NOT EXISTS (
                        SELECT 1 FROM refunds r WHERE r.order_id = p.order_id AND r.idempotency_key = \(Self.cancellationRefundKey))))
            ORDER BY p.updated_at LIMIT \(limit)
            """, logger: logger
        ).map { try $0.decode(UUID.self) }
    }

    // MARK: Rows

    static func payment(_ row: DatabaseRow) throws -> Payment {
        let (order, provider, status, intent, amount, currency, captured, refunded, refunding, secret, action, error, created, updated) =
            try row.decode(
                (UUID, String, String, String?, Decimal, String, Decimal, Decimal, Decimal, String?, String?, String?, Date, Date).self)
        return Payment(
            orderID: order, provider: provider, status: PaymentStatus(rawValue: status) ?? .unpaid, intentID: intent, amount: amount,
            currency: currency, capturedAmount: captured, refundedAmount: refunded, refundingAmount: refunding, clientSecret: secret,
            nextAction: action, lastError: error, createdAt: created, updatedAt: updated)
    }

}
