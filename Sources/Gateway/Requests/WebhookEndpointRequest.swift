import Store

/// The body of `POST` and `PUT /api/webhooks/endpoints…` (every field optional for `PUT`); the
/// console's endpoint form decodes into it too.
struct WebhookEndpointRequest: Decodable, Sendable {
    var url: String?
    var events: [String]?
    var active: Bool?
    var description: String?

    var input: WebhookEndpointInput {
        WebhookEndpointInput(url: url, eventTypes: events, active: active, description: description)
    }
}
