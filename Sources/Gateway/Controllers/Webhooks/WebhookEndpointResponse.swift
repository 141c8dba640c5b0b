import Hummingbird
import ProcessSupport
import Store

/// An endpoint as the API shows it; `secret` only in the answers to create and rotate.
struct WebhookEndpointResponse: Encodable, Sendable, ResponseEncodable {
    var id: String
    var url: String
    var events: [String]
    var active: Bool
    var description: String
    var createdAt: String
    var updatedAt: String
    var secret: String?

    init(_ endpoint: WebhookEndpoint, secret: WebhookSecret? = nil, time: DisplayTime) {
        id = endpoint.id.lowercasedString
        url = endpoint.url
        events = endpoint.eventTypes
        active = endpoint.active
        description = endpoint.description
        createdAt = time.string(from: endpoint.createdAt)
        updatedAt = time.string(from: endpoint.updatedAt)
        self.secret = secret?.text
    }

    enum CodingKeys: String, CodingKey {
        case id, url, events, active, description, secret
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}
