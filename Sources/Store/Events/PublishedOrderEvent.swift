import Foundation

/// One event of the live stream: an `order_events` row with its position and the order as it
/// stood when the event was positioned. The same value travels through the Redis Stream and
/// comes back from Postgres on a resume, so a client sees the same event either way.
public struct PublishedOrderEvent: Sendable, Equatable, Codable {
    /// Strictly increasing across the platform, never reused: the SSE `id:`.
    public var position: Int64
    public var type: OrderEventType
    public var orderID: UUID
    /// The order's owner: a customer's stream carries only their own orders' events.
    public var customerID: UUID
    public var from: OrderStatus?
    public var to: OrderStatus
    /// Nil for the system (a worker or the reconciler).
    public var actorID: UUID?
    public var actorRole: Role?
    public var reason: String?
    public var at: Date
    public var order: Order

    public init(
        position: Int64, type: OrderEventType, orderID: UUID, customerID: UUID, from: OrderStatus?, to: OrderStatus,
        actorID: UUID?, actorRole: Role?, reason: String?, at: Date, order: Order
    ) {
        self.position = position
        self.type = type
        self.orderID = orderID
        self.customerID = customerID
        self.from = from
        self.to = to
        self.actorID = actorID
        self.actorRole = actorRole
        self.reason = reason
        self.at = at
        self.order = order
    }

    /// Whether `actor` may see it: staff see every event, a customer their own orders'.
    public func isVisible(to actor: Actor) -> Bool {
        actor.isStaff || customerID == actor.id
    }
}
