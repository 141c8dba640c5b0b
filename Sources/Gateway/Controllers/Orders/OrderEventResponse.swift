import ProcessSupport
import Store

/// One entry of an order's audit trail: who moved it from which status to which, and when.
struct OrderEventResponse: Encodable, Sendable {
    var event: OrderEvent
    var time: DisplayTime

    enum CodingKeys: String, CodingKey {
        case id, actor, reason, at
        case fromStatus = "from_status"
        case toStatus = "to_status"
    }

    struct Actor: Encodable {
        var id: String
        var role: Role?
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(event.id.uuidString.lowercased(), forKey: .id)
        try container.encode(event.fromStatus, forKey: .fromStatus)
        try container.encode(event.toStatus, forKey: .toStatus)
        if let actor = event.actorID {
            try container.encode(Actor(id: actor.uuidString.lowercased(), role: event.actorRole), forKey: .actor)
        } else {
            try container.encode("system", forKey: .actor)
        }
        try container.encode(event.reason, forKey: .reason)
        try container.encode(time.string(from: event.at), forKey: .at)
    }
}
