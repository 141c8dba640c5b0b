import ProcessSupport
import Store

/// One entry of an order's audit trail: who moved it from which status to which, and when.
public struct OrderEventResponse: Encodable, Sendable {
    public var event: OrderEvent
    public var time: DisplayTime

    public init(event: OrderEvent, time: DisplayTime) {
        self.event = event
        self.time = time
    }

    enum CodingKeys: String, CodingKey {
        case id, actor, reason, at
        case fromStatus = "from_status"
        case toStatus = "to_status"
    }

    /// Who made a change, when a person did (the system is the string "system").
    public struct Actor: Encodable, Sendable {
        public var id: String
        public var role: Role?
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(event.id.lowercasedString, forKey: .id)
        try container.encode(event.fromStatus, forKey: .fromStatus)
        try container.encode(event.toStatus, forKey: .toStatus)
        if let actor = event.actorID {
            try container.encode(Actor(id: actor.lowercasedString, role: event.actorRole), forKey: .actor)
        } else {
            try container.encode("system", forKey: .actor)
        }
        try container.encode(event.reason, forKey: .reason)
        try container.encode(time.string(from: event.at), forKey: .at)
    }
}
