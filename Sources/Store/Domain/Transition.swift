import Foundation

/// A requested status change and the conditions it must meet, applied atomically.
public struct Transition: Sendable {
    public var to: OrderStatus
    /// The change applies only from one of these states.
    public var from: Set<OrderStatus>
    /// Nil for the system (the delayed job).
    public var actorID: UUID?
    public var actorRole: Role?
    public var reason: String?
    public var trackingNumber: String?
    /// Only the order's owner may act, and only within the cancel window (a customer's cancel).
    public var ownerWithinCancelWindow: UUID?

    public init(
        to: OrderStatus, from: Set<OrderStatus>, actorID: UUID?, actorRole: Role?, reason: String? = nil,
        trackingNumber: String? = nil, ownerWithinCancelWindow: UUID? = nil
    ) {
        self.to = to
        self.from = from
        self.actorID = actorID
        self.actorRole = actorRole
        self.reason = reason
        self.trackingNumber = trackingNumber
        self.ownerWithinCancelWindow = ownerWithinCancelWindow
    }
}
