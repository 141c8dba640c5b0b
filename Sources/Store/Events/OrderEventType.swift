/// What an event of the live stream says happened to its order (its SSE `event:` name).
public enum OrderEventType: String, Codable, Sendable, CaseIterable {
    case created = "order.created"
    /// The delivery details were edited.
    case updated = "order.updated"
    /// Any transition but a cancel.
    case statusChanged = "order.status_changed"
    case cancelled = "order.cancelled"
    /// The order's payment changed (authorised, captured, refunded, …; the row's reason says to what).
    case paymentUpdated = "order.payment_updated"

    /// The type of an `order_events` row of `kind` going from `from` to `to`.
    init(kind: String, from: OrderStatus?, to: OrderStatus) {
        if kind == "updated" {
            self = .updated
        } else if kind == "payment" {
            self = .paymentUpdated
        } else if from == nil {
            self = .created
        } else if to == .cancelled {
            self = .cancelled
        } else {
            self = .statusChanged
        }
    }
}
