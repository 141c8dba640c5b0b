import Hummingbird
import ProcessSupport
import Store

/// One delivery of an endpoint's log: the event, how many attempts so far, where it stands and
/// what its last attempt came to.
struct DeliveryResponse: Encodable, Sendable, ResponseEncodable {
    var id: String
    var eventID: String
    var eventType: String
    var orderID: String
    var attempt: Int
    var status: String
    var responseStatus: Int?
    var durationMs: Int?
    var error: String?
    var responseExcerpt: String?
    var at: String

    init(_ delivery: Delivery, time: DisplayTime) {
        id = delivery.id.lowercasedString
        eventID = String(delivery.eventPosition)
        eventType = delivery.eventType
        orderID = delivery.orderID.lowercasedString
        attempt = delivery.attempts
        status = delivery.state.rawValue
        responseStatus = delivery.responseStatus
        durationMs = delivery.durationMilliseconds
        error = delivery.lastError
        responseExcerpt = delivery.responseExcerpt
        at = time.string(from: delivery.attemptedAt ?? delivery.createdAt)
    }

    enum CodingKeys: String, CodingKey {
        case id, attempt, status, error, at
        case eventID = "event_id"
        case eventType = "event_type"
        case orderID = "order_id"
        case responseStatus = "response_status"
        case durationMs = "duration_ms"
        case responseExcerpt = "response_excerpt"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(eventID, forKey: .eventID)
        try container.encode(eventType, forKey: .eventType)
        try container.encode(orderID, forKey: .orderID)
        try container.encode(attempt, forKey: .attempt)
        try container.encode(status, forKey: .status)
        try container.encode(responseStatus, forKey: .responseStatus)
        try container.encode(durationMs, forKey: .durationMs)
        try container.encode(error, forKey: .error)
        try container.encode(responseExcerpt, forKey: .responseExcerpt)
        try container.encode(at, forKey: .at)
    }
}
