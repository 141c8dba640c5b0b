import ProcessSupport
import Store

/// An event's `data:` as the live stream sends it (`../shared/API.md`, "Live events"), and as a
/// webhook's `data` carries it: the change, who made it, and the order's new state in the API's
/// `Order` shape.
public struct OrderEventMessage: Encodable, Sendable {
    public var event: PublishedOrderEvent
    public var time: DisplayTime

    public init(event: PublishedOrderEvent, time: DisplayTime) {
        self.event = event
        self.time = time
    }

    enum CodingKeys: String, CodingKey {
        case id, type, actor, reason, at, order
        case orderID = "order_id"
        case fromStatus = "from_status"
        case toStatus = "to_status"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(String(event.position), forKey: .id)
        try container.encode(event.type.rawValue, forKey: .type)
        try container.encode(event.orderID.lowercasedString, forKey: .orderID)
        try container.encode(event.from, forKey: .fromStatus)
        try container.encode(event.to, forKey: .toStatus)
        if let actor = event.actorID {
            try container.encode(OrderEventResponse.Actor(id: actor.lowercasedString, role: event.actorRole), forKey: .actor)
        } else {
            try container.encode("system", forKey: .actor)
        }
        try container.encode(event.reason, forKey: .reason)
        try container.encode(time.string(from: event.at), forKey: .at)
        try container.encode(OrderResponse(order: event.order, time: time), forKey: .order)
    }
}
