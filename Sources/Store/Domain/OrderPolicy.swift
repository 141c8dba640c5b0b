import Foundation

/// Who may change an order, and when, decided once: the operations build their atomic conditions
/// from it (checked on the row they lock), and a page asks it which buttons to show.
public struct OrderPolicy: Sendable {
    public let actor: Actor

    public init(_ actor: Actor) {
        self.actor = actor
    }

    /// The states in which the actor may change an order's delivery details: a customer their own
    /// order while it is pending, staff any order until it is delivered or cancelled.
    public var editableStates: Set<OrderStatus> {
        actor.isStaff ? [.pending, .processing, .shipped] : [.pending]
    }

    /// The actor's cancel: a customer's only of their own pending order within its cancel window,
    /// staff's of any order still pending or processing.
    public func cancellation(reason: String?) -> Transition {
        actor.isStaff
            ? Transition(to: .cancelled, from: [.pending, .processing], actorID: actor.id, actorRole: actor.role, reason: reason)
            : Transition(
                to: .cancelled, from: [.pending], actorID: actor.id, actorRole: actor.role, reason: reason,
                ownerWithinCancelWindow: actor.id)
    }

    /// A staff move to `status` (forward or cancel), from wherever the order is.
    public func move(to status: OrderStatus, notes: String?, trackingNumber: String?) -> Transition {
        Transition(
            to: status, from: Set(OrderStatus.allCases), actorID: actor.id, actorRole: actor.role, reason: notes,
            trackingNumber: trackingNumber)
    }

    /// Whether the actor may change `order`'s delivery details now.
    public func mayEdit(_ order: Order) -> Bool {
        (actor.isStaff || order.userID == actor.id) && editableStates.contains(order.status)
    }

    /// Whether the actor may cancel `order` at `now`.
    public func mayCancel(_ order: Order, now: Date) -> Bool {
        cancellation(reason: nil).refusal(status: order.status, owner: order.userID, withinCancelWindow: order.cancellableUntil >= now)
            == nil
    }

    /// The forward moves the actor may make from `status` (none for a customer; cancelling is
    /// ``mayCancel(_:now:)``).
    public func forwardMoves(from status: OrderStatus) -> [OrderStatus] {
        guard actor.isStaff else { return [] }
        return [OrderStatus.processing, .shipped, .delivered].filter { status.next.contains($0) }
    }
}
