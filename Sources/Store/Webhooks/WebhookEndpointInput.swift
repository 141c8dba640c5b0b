import Foundation

/// What an admin gives for a new endpoint, or changes of one (every field optional then).
public struct WebhookEndpointInput: Sendable, Equatable {
    public var url: String?
    public var eventTypes: [String]?
    public var active: Bool?
    public var description: String?

    public init(url: String? = nil, eventTypes: [String]? = nil, active: Bool? = nil, description: String? = nil) {
        self.url = url
        self.eventTypes = eventTypes
        self.active = active
        self.description = description
    }

    /// Checks every given field into `validator` (`required` for a new endpoint); returns the
    /// URL's host and port when the URL is well formed, for the network check that follows.
    func validate(required: Bool, allowPlainHTTP: Bool, into validator: inout InputValidator) -> (host: String, port: Int)? {
        var target: (String, Int)?
        if let url {
            validator.length(url, "url", 1...2048)
            if let parsed = URLComponents(string: url), let scheme = parsed.scheme?.lowercased(), let host = parsed.host, !host.isEmpty,
                parsed.user == nil, parsed.password == nil
            {
                validator.check(scheme == "https" || (allowPlainHTTP && scheme == "http"), "url", "must be an https URL")
                target = (host, parsed.port ?? (scheme == "http" ? 80 : 443))
            } else {
                validator.check(false, "url", "must be an absolute https URL with a host and no credentials")
            }
        } else if required {
            validator.check(false, "url", "is required")
        }
        if let eventTypes {
            validator.check(!eventTypes.isEmpty && eventTypes.count <= 20, "events", "must name 1 to 20 event types")
            let unknown = eventTypes.filter { !WebhookEndpoint.knownEventTypes.contains($0) }
            validator.check(
                unknown.isEmpty, "events", "must be among \(WebhookEndpoint.knownEventTypes.joined(separator: ", "))")
        } else if required {
            validator.check(false, "events", "is required")
        }
        validator.length(description, "description", 0...500)
        return target
    }
}
