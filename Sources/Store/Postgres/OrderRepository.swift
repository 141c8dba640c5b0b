import Foundation
import Logging

/// Orders, their lines and their audit trail in the database.
public protocol OrderRepository: Sendable {
    /// Reserves stock and writes the order, its lines and its `created` event in one transaction.
    /// With an idempotency key, a repeat of the same request returns the first order (`replayed`).
    func create(_ order: NewOrder, rules: OrderRules, logger: Logger) async throws -> (order: Order, replayed: Bool)
    func find(id: UUID, logger: Logger) async throws -> Order?
    func list(_ query: OrderQuery, logger: Logger) async throws -> Page<Order>
    /// Applies `transition` as one conditional update plus its event (and the stock return of a
    /// cancel), so two conflicting transitions never both succeed.
    func apply(_ transition: Transition, to id: UUID, logger: Logger) async throws -> Order
    func events(orderID: UUID, logger: Logger) async throws -> [OrderEvent]
}
