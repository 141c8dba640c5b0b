import Foundation

/// One row of an order's audit trail. A nil actor is the system (the delayed job).
public struct OrderEvent: Sendable, Equatable {
    public var id: UUID
    public var fromStatus: OrderStatus?
    public var toStatus: OrderStatus
    public var actorID: UUID?
    public var actorRole: Role?
    public var reason: String?
    public var at: Date
}
