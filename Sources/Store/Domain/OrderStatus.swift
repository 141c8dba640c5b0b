/// Where an order is in its life: `pending → processing → shipped → delivered`, or `cancelled`
/// from pending or processing. Delivered and cancelled are final.
public enum OrderStatus: String, Codable, Sendable, CaseIterable {
    case pending, processing, shipped, delivered, cancelled

    /// The states this one may move to.
    public var next: Set<OrderStatus> {
        switch self {
        case .pending: [.processing, .cancelled]
        case .processing: [.shipped, .cancelled]
        case .shipped: [.delivered]
        case .delivered, .cancelled: []
        }
    }
}
