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

    static let refundColumns = """
        id, order_id, amount, reason, status, provider_refund_id, last_error, created_by, created_at, updated_at
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
    public func applyProviderEvent(
        id: String, type: String, change: Change, to order: UUID, from: Set<PaymentStatus>, logger: Logger
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
            return try await Self.apply(change, to: order, from: from, on: connection, logger: logger).map { .applied($0) }
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

    static func apply(
        _ change: Change, to order: UUID, from: Set<PaymentStatus>, on connection: DatabaseConnection, logger: Logger
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

    /// Payments the provider may still move on its own (unpaid, awaiting authentication,
    /// authorised), least recently changed first: the payment reconciler's list.
    public func open(limit: Int, logger: Logger) async throws -> [Payment] {
        try await database.query(
            """
            SELECT \(unescaped: Self.columns) FROM payments
            WHERE status IN ('unpaid', 'requires_action', 'authorized') ORDER BY updated_at LIMIT \(limit)
            """, logger: logger
        ).map(Self.payment)
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

    /// Cancelled orders whose payment is still open (an authorisation to release, an intent to
    /// cancel): the void reconciler's list.
    public func needingVoid(limit: Int, logger: Logger) async throws -> [UUID] {
        try await database.query(
            """
            SELECT p.order_id FROM payments p JOIN orders o ON o.id = p.order_id
            WHERE p.status IN ('unpaid', 'requires_action', 'authorized') AND o.status = 'cancelled'
            ORDER BY p.updated_at LIMIT \(limit)
            """, logger: logger
        ).map { try $0.decode(UUID.self) }
    }

    // MARK: Refunds

    /// One refund.
    public func refund(_ id: UUID, logger: Logger) async throws -> Refund? {
        try await database.query("SELECT \(unescaped: Self.refundColumns) FROM refunds WHERE id = \(id)", logger: logger)
            .first.map(Self.refund)
    }

    /// A refund asked for: `amount` (nil: all that remains refundable) of `order`'s capture.
    public struct RefundRequest: Sendable {
        public var order: UUID
        public var amount: Decimal?
        public var reason: String?
        /// The request's `Idempotency-Key` and a hash of its body: a repeat is the same refund.
        public var idempotencyKey: String?
        public var requestHash: [UInt8]?
        public var requestedBy: UUID?

        public init(
            order: UUID, amount: Decimal?, reason: String?, idempotencyKey: String?, requestHash: [UInt8]?, requestedBy: UUID?
        ) {
            self.order = order
            self.amount = amount
            self.reason = reason
            self.idempotencyKey = idempotencyKey
            self.requestHash = requestHash
            self.requestedBy = requestedBy
        }
    }

    /// Records a refund as pending and holds its amount, never more than remains refundable:
    /// the payment's row is locked while it is checked, and the table's CHECK refuses the rest.
    /// A repeat of the same key and body returns the first refund (`created` false); the same
    /// key with another body is refused.
    public func requestRefund(_ request: RefundRequest, logger: Logger) async throws -> (refund: Refund, created: Bool) {
        try await database.transaction(logger: logger) { connection in
            guard
                let (status, refundable, currency) = try await connection.query(
                    """
                    SELECT status, captured_amount - refunded_amount - refunding_amount, currency
                    FROM payments WHERE order_id = \(request.order) FOR UPDATE
                    """, logger: logger
                ).first?.decode((String, Decimal, String).self)
            else { throw PaymentError(.notFound) }
            if let key = request.idempotencyKey,
                let existing = try await connection.query(
                    """
                    SELECT \(unescaped: Self.refundColumns), request_hash FROM refunds
                    WHERE order_id = \(request.order) AND idempotency_key = \(key)
                    """, logger: logger
                ).first
            {
                let hash = try existing.decode(ByteBuffer?.self, column: "request_hash").map { Array(buffer: $0) }
                guard hash == request.requestHash else { throw PaymentError(.idempotencyMismatch) }
                return (try Self.refund(existing), false)
            }
            guard status == PaymentStatus.paid.rawValue || status == PaymentStatus.partiallyRefunded.rawValue else {
                throw PaymentError(.conflict, detail: "the order's payment is \(status), not captured")
            }
            let amount = request.amount ?? refundable
            guard amount > 0 else {
                throw PaymentError(request.amount == nil ? .exceedsRefundable : .invalidAmount, detail: "nothing remains to refund")
            }
            guard amount <= refundable else {
                throw PaymentError(.exceedsRefundable, detail: "at most \(refundable.moneyString) \(currency) remains refundable")
            }
            let refund = try await connection.query(
                """
                INSERT INTO refunds (id, order_id, amount, reason, idempotency_key, request_hash, created_by)
                VALUES (\(UUIDv7.make()), \(request.order), \(amount), \(request.reason), \(request.idempotencyKey),
                        \(request.requestHash.map { ByteBuffer(bytes: $0) }), \(request.requestedBy))
                RETURNING \(unescaped: Self.refundColumns)
                """, logger: logger
            ).first.map(Self.refund)
            _ = try await connection.query(
                """
                UPDATE payments SET refunding_amount = refunding_amount + \(amount), updated_at = now()
                WHERE order_id = \(request.order)
                """, logger: logger)
            guard let refund else { throw PaymentError(.notFound) }
            return (refund, true)
        }
    }

    /// Settles a pending refund with the provider's answer: `succeeded` moves its amount from
    /// held to refunded (the payment becomes refunded or partially refunded, with its event);
    /// failed gives it back. Nil when the refund was not pending (settled already).
    public func settleRefund(
        _ id: UUID, succeeded: Bool, providerRefundID: String?, error: String?, logger: Logger
    ) async throws -> Refund? {
        try await database.transaction(logger: logger) { connection in
            guard
                let refund = try await connection.query(
                    """
                    UPDATE refunds SET status = \(succeeded ? "succeeded" : "failed"),
                        provider_refund_id = coalesce(\(providerRefundID), provider_refund_id), last_error = \(error),
                        updated_at = now()
                    WHERE id = \(id) AND status = 'pending'
                    RETURNING \(unescaped: Self.refundColumns)
                    """, logger: logger
                ).first.map(Self.refund)
            else { return nil }
            _ = try await connection.query(
                """
                WITH changed AS (
                    UPDATE payments p SET
                        refunding_amount = p.refunding_amount - \(refund.amount),
                        refunded_amount = p.refunded_amount + \(succeeded ? refund.amount : 0),
                        status = CASE
                            WHEN NOT \(succeeded) THEN p.status
                            WHEN p.refunded_amount + \(refund.amount) >= p.captured_amount THEN 'refunded'
                            ELSE 'partially_refunded' END,
                        updated_at = now()
                    WHERE p.order_id = \(refund.orderID)
                    RETURNING p.order_id, p.status
                )
                INSERT INTO order_events (\(unescaped: RecordOrderEvents.columns), order_state, kind)
                SELECT \(UUIDv7.make()), o.id, o.status, o.status, NULL::uuid, NULL::text, c.status,
                       \(unescaped: OrderEventState.sql("o")), 'payment'
                FROM changed c JOIN orders o ON o.id = c.order_id
                WHERE \(succeeded)
                """, logger: logger)
            return refund
        }
    }

    /// The refunds of `order`, oldest first.
    public func refunds(of order: UUID, logger: Logger) async throws -> [Refund] {
        try await database.query(
            "SELECT \(unescaped: Self.refundColumns) FROM refunds WHERE order_id = \(order) ORDER BY created_at, id", logger: logger
        ).map(Self.refund)
    }

    /// Refunds still waiting for the provider's answer, oldest first (the reconciler's list).
    public func pendingRefunds(limit: Int, logger: Logger) async throws -> [Refund] {
        try await database.query(
            "SELECT \(unescaped: Self.refundColumns) FROM refunds WHERE status = 'pending' ORDER BY created_at LIMIT \(limit)",
            logger: logger
        ).map(Self.refund)
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

    static func refund(_ row: DatabaseRow) throws -> Refund {
        let (id, order, amount, reason, status, providerID, error, by, created, updated) = try row.decode(
            (UUID, UUID, Decimal, String?, String, String?, String?, UUID?, Date, Date).self)
        return Refund(
            id: id, orderID: order, amount: amount, reason: reason, status: Refund.Status(rawValue: status) ?? .pending,
            providerRefundID: providerID, lastError: error, createdBy: by, createdAt: created, updatedAt: updated)
    }
}
