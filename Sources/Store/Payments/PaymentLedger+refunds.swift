import Foundation
import Logging
import Postgres
import PostgresNIO

/// Refunds: recorded with their amount held, settled with the provider's answer.
extension PaymentLedger {
    static let refundColumns = """
        id, order_id, amount, reason, status, provider_refund_id, last_error, created_by, created_at, updated_at
        """

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

    static func refund(_ row: DatabaseRow) throws -> Refund {
        let (id, order, amount, reason, status, providerID, error, by, created, updated) = try row.decode(
            (UUID, UUID, Decimal, String?, String, String?, String?, UUID?, Date, Date).self)
        return Refund(
            id: id, orderID: order, amount: amount, reason: reason, status: Refund.Status(rawValue: status) ?? .pending,
            providerRefundID: providerID, lastError: error, createdBy: by, createdAt: created, updatedAt: updated)
    }
}
