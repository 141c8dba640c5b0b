import Foundation
import Logging

/// Orders, their lines and their audit trail in the database.
public protocol OrderRepository: Sendable {
    /// Reserves stock and writes the order, its lines and its `created` event in one transaction.
    /// With an idempotency key, a repeat of the same request returns the first order (`replayed`).
    /// `beforeCommit` runs with a new order (not a replay) inside the transaction, just before
    /// its commit: where its delayed move is scheduled, so no crash can leave it unscheduled.
    func create(
        _ order: NewOrder, rules: OrderRules, logger: Logger, beforeCommit: @Sendable (Order) async -> Void
    ) async throws -> (order: Order, replayed: Bool)
    func find(id: UUID, logger: Logger) async throws -> Order?
    /// The order `userID` placed in the last 24 hours with `idempotencyKey`, if any.
    func find(idempotencyKey: String, userID: UUID, logger: Logger) async throws -> UUID?
    func list(_ query: OrderQuery, logger: Logger) async throws -> OrderList
    /// Applies `transition` as one conditional update plus its event (and the stock return of a
    /// cancel), so two conflicting transitions never both succeed.
    func apply(_ transition: Transition, to id: UUID, logger: Logger) async throws -> Order
    func events(orderID: UUID, logger: Logger) async throws -> [OrderEvent]
    /// Counts by status, revenue, and orders per day in `timeZone` (an IANA name).
    func stats(_ query: OrderQuery, timeZone: String, logger: Logger) async throws -> OrderStats
    /// Streams every matching order, newest first, to `row` without holding them all in memory;
    /// a page of them not read within `pageTimeout` ends it with ``DeadlineExceeded``.
    func export(_ query: OrderQuery, pageTimeout: Duration, logger: Logger, row: (OrderExportRow) async throws -> Void) async throws
    /// Changes the delivery details and records an `updated` event: a customer their own order
    /// while it is pending, staff until it is delivered or cancelled.
    func updateDetails(id: UUID, _ details: OrderDetails, by actor: Actor, logger: Logger) async throws -> Order
}
