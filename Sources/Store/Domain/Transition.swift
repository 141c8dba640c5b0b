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
    /// The change applies only while the order's payment is in one of these states, checked with
    /// the payment's row locked (the unpaid timeout's cancel, which an authorisation committed
    /// meanwhile must stop); nil: whatever the payment.
    public var paymentIn: Set<PaymentStatus>?

    public init(
        to: OrderStatus, from: Set<OrderStatus>, actorID: UUID?, actorRole: Role?, reason: String? = nil,
        trackingNumber: String? = nil, ownerWithinCancelWindow: UUID? = nil, paymentIn: Set<PaymentStatus>? = nil
    ) {
        self.to = to
        self.from = from
        self.actorID = actorID
        self.actorRole = actorRole
        self.reason = reason
        self.trackingNumber = trackingNumber
        self.ownerWithinCancelWindow = ownerWithinCancelWindow
        self.paymentIn = paymentIn
    }

    /// Why this change may not be made to an order in `status`, owned by `owner`, whose cancel
    /// window is (or is not) still open; nil when it may. The store asks this of the row it has
    /// locked, a page of the order it shows.
    public func refusal(status: OrderStatus, owner: UUID, withinCancelWindow: Bool) -> OrderError? {
        if let requester = ownerWithinCancelWindow {
            guard requester == owner else { return OrderError(.notFound) }
            if status == .pending, !withinCancelWindow { return OrderError(.cancelWindowClosed, currentStatus: status) }
        }
        guard from.contains(status), status.next.contains(to) else { return OrderError(.illegalTransition, currentStatus: status) }
        return nil
    }
}
